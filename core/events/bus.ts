import type { Logger } from 'pino';
import type { HubEvents } from './hub-events.ts';

export type Listener<T> = (payload: T) => void | Promise<void>;
export type Unsubscribe = () => void;

/** Called when a listener throws; lets the plugin host count the failure against its owner. */
export type ListenerErrorHook = (owner: string, event: string, error: unknown) => void;

interface Registration {
  owner: string;
  fn: Listener<never>;
}

/**
 * Typed publish/subscribe. Each listener is isolated: a throw (or a rejected
 * promise) is logged as `<owner>/<event>: message` and the other listeners
 * still run, so one broken plugin never silences the rest of the hub.
 */
export class EventBus<Events extends object = HubEvents> {
  /** Replaced, never changed in place (copy on write): emit, which runs for every reading, iterates without copying. */
  private readonly listeners = new Map<keyof Events, readonly Registration[]>();
  private readonly errorHooks: ListenerErrorHook[] = [];

  constructor(private readonly log: Logger) {}

  on<K extends keyof Events>(event: K, fn: Listener<Events[K]>, owner = 'core'): Unsubscribe {
    const registration: Registration = { owner, fn: fn as Listener<never> };
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), registration]);
    return () => {
      const rest = (this.listeners.get(event) ?? []).filter((r) => r !== registration);
      if (rest.length > 0) this.listeners.set(event, rest);
      else this.listeners.delete(event);
    };
  }

  emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    const registrations = this.listeners.get(event);
    if (!registrations) return;
    for (let i = 0; i < registrations.length; i++) {
      const { owner, fn } = registrations[i]!;
      try {
        const result = (fn as Listener<Events[K]>)(payload);
        if (result instanceof Promise) result.catch((error) => this.report(owner, String(event), error));
      } catch (error) {
        this.report(owner, String(event), error);
      }
    }
  }

  listenerCount<K extends keyof Events>(event: K): number {
    return this.listeners.get(event)?.length ?? 0;
  }

  onListenerError(hook: ListenerErrorHook): void {
    this.errorHooks.push(hook);
  }

  /** A handle bound to one owner whose subscriptions all go with `release()`. */
  scoped(owner: string): ScopedBus<Events> {
    return new ScopedBus(this, owner);
  }

  private report(owner: string, event: string, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.log.error({ err: error, owner, event }, `${owner}/${event}: ${message}`);
    for (const hook of this.errorHooks) hook(owner, event, error);
  }
}

export class ScopedBus<Events extends object = HubEvents> {
  private readonly subscriptions = new Set<Unsubscribe>();

  constructor(
    private readonly bus: EventBus<Events>,
    readonly owner: string,
  ) {}

  on<K extends keyof Events>(event: K, fn: Listener<Events[K]>): Unsubscribe {
    const off = this.bus.on(event, fn, this.owner);
    const unsubscribe = () => {
      off();
      this.subscriptions.delete(unsubscribe);
    };
    this.subscriptions.add(unsubscribe);
    return unsubscribe;
  }

  emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    this.bus.emit(event, payload);
  }

  release(): void {
    for (const off of [...this.subscriptions]) off();
  }
}

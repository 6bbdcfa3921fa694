import type { Hono } from 'hono';
import type { PluginManifest, PluginStop } from '../plugin-api.ts';
import { createPluginScope, type ContextDeps, type PluginScope } from './context.ts';
import { NotReadyError, PluginConfigError } from './errors.ts';
import { loadPlugin, type ConfigValidator, type PluginEntry } from './load.ts';

export type { PluginEntry };

export type PluginState = 'starting' | 'running' | 'retrying' | 'failed' | 'disabled' | 'stopped';

export interface PluginStatus {
  id: string;
  version: string | null;
  source: string | null;
  status: PluginState;
  /** why it failed or is waiting to retry */
  error?: string;
  /** ms epoch of the next attempt while retrying */
  retry_at?: number;
  attempts: number;
  /** throws in its handlers since it started (it keeps running) */
  handler_errors: number;
  last_handler_error?: { source: string; message: string; at: number };
}

export interface PluginHostOptions extends ContextDeps {
  configDir: string;
  hubRoot: string;
  /** Validates (and fills defaults of) a plugin's config against its schema; throws a located error. */
  validateConfig: ConfigValidator;
  retryBaseMs?: number;
  retryMaxMs?: number;
  setupTimeoutMs?: number;
  stopTimeoutMs?: number;
}

interface Slot {
  entry: PluginEntry;
  status: PluginStatus;
  manifest?: PluginManifest;
  config?: Record<string, unknown>;
  scope?: PluginScope;
  stop?: PluginStop;
  retryTimer?: NodeJS.Timeout;
}

/**
 * Loads, starts and stops plugins. Each plugin is on its own: one that cannot
 * be found, has a bad manifest or config, or throws in setup is marked failed
 * with its reason while the others go on; one that is not ready yet is
 * retried with exponential backoff.
 */
export class PluginHost {
  private readonly slots = new Map<string, Slot>();
  private readonly reloading = new Set<string>();
  private stopping = false;

  constructor(private readonly options: PluginHostOptions) {
    options.bus.onListenerError((owner, event, error) => this.handlerError(owner, event, error, false));
  }

  async start(entries: PluginEntry[]): Promise<void> {
    await Promise.all(entries.map((entry) => this.load(entry)));
  }

  statuses(): PluginStatus[] {
    return [...this.slots.values()].map((slot) => ({ ...slot.status }));
  }

  /** The routes of a running plugin, served under /api/plugins/<id>/. */
  routes(id: string): Hono | undefined {
    const slot = this.slots.get(id);
    return slot?.status.status === 'running' ? slot.scope?.ctx.http : undefined;
  }

  /**
   * Stops the plugin and loads and starts it again with the config the hub
   * runs with (statuses and counts start over); the new status, or undefined
   * for an unknown id. Refused while a setup runs: its outcome would land in a
   * slot that no longer exists.
   */
  async reload(id: string): Promise<PluginStatus | undefined> {
    const slot = this.slots.get(id);
    if (!slot) return undefined;
    if (slot.status.status === 'starting' || this.reloading.has(id)) {
      throw new PluginBusyError(`plugin ${id} is starting; reload it once it has started or failed`);
    }
    this.reloading.add(id);
    try {
      await this.stopSlot(slot);
      await this.load(slot.entry);
    } finally {
      this.reloading.delete(id);
    }
    return { ...this.slots.get(id)!.status };
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all([...this.slots.values()].map((slot) => this.stopSlot(slot)));
  }

  private async load(entry: PluginEntry): Promise<void> {
    const status: PluginStatus = { id: entry.id, version: null, source: null, status: 'starting', attempts: 0, handler_errors: 0 };
    const slot: Slot = { entry, status };
    this.slots.set(entry.id, slot);
    if (!entry.enabled) {
      status.status = 'disabled';
      return;
    }
    try {
      const loaded = await loadPlugin(entry, this.options, this.options.validateConfig);
      slot.manifest = loaded.manifest;
      slot.config = loaded.config;
      status.source = loaded.source;
      status.version = loaded.manifest.version;
    } catch (error) {
      this.fail(slot, errorMessage(error));
      return;
    }
    await this.attempt(slot);
  }

  private async attempt(slot: Slot): Promise<void> {
    const { status, manifest } = slot;
    if (!manifest || this.stopping) return;
    status.attempts++;
    status.status = 'starting';
    const scope = createPluginScope(status.id, slot.config ?? {}, this.options, (source, error) =>
      this.handlerError(status.id, source, error, true),
    );
    slot.scope = scope;
    try {
      const stop = await withTimeout(Promise.resolve(manifest.setup(scope.ctx)), this.options.setupTimeoutMs ?? 30_000, 'setup');
      slot.stop = typeof stop === 'function' ? stop : undefined;
      status.status = 'running';
      delete status.error;
      delete status.retry_at;
      this.options.log.info({ plugin: status.id }, `plugin ${status.id} ${status.version} started`);
    } catch (error) {
      await scope.release();
      slot.scope = undefined;
      if (isError(error, NotReadyError)) this.retryLater(slot, errorMessage(error));
      else if (isError(error, PluginConfigError)) this.fail(slot, `bad configuration or credentials: ${errorMessage(error)}`);
      else this.fail(slot, `setup failed: ${errorMessage(error)}`);
    }
  }

  private retryLater(slot: Slot, reason: string): void {
    const base = this.options.retryBaseMs ?? 5_000;
    const delay = Math.min(base * 2 ** (slot.status.attempts - 1), this.options.retryMaxMs ?? 300_000);
    slot.status.status = 'retrying';
    slot.status.error = reason;
    slot.status.retry_at = Date.now() + delay;
    this.options.log.warn({ plugin: slot.status.id }, `plugin ${slot.status.id} not ready (${reason}); retrying in ${Math.round(delay / 1000)} s`);
    slot.retryTimer = setTimeout(() => void this.attempt(slot), delay);
    slot.retryTimer.unref();
  }

  private fail(slot: Slot, reason: string): void {
    slot.status.status = 'failed';
    slot.status.error = reason;
    this.options.log.error({ plugin: slot.status.id }, `plugin ${slot.status.id} failed: ${reason}`);
  }

  private handlerError(owner: string, source: string, error: unknown, log: boolean): void {
    const slot = this.slots.get(owner);
    if (!slot) return;
    const message = errorMessage(error);
    slot.status.handler_errors++;
    slot.status.last_handler_error = { source, message, at: Date.now() };
    if (log) this.options.log.error({ plugin: owner, err: error }, `${owner}/${source}: ${message}`);
  }

  private async stopSlot(slot: Slot): Promise<void> {
    clearTimeout(slot.retryTimer);
    if (slot.status.status !== 'running') return;
    try {
      if (slot.stop) await withTimeout(Promise.resolve(slot.stop()), this.options.stopTimeoutMs ?? 2_000, 'stop');
    } catch (error) {
      this.options.log.error({ plugin: slot.status.id }, `plugin ${slot.status.id} did not stop cleanly: ${errorMessage(error)}`);
    }
    await slot.scope?.release();
    slot.status.status = 'stopped';
  }
}

export class PluginBusyError extends Error {}

/** By class, or by name for a plugin from npm that carries its own copy of the error classes. */
function isError(error: unknown, kind: typeof NotReadyError | typeof PluginConfigError): boolean {
  return error instanceof kind || (error instanceof Error && error.name === kind.name);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

import type { Entity } from '../registry/entities.ts';

/** What a device answered to a command (`hearth/<id>/cmd/<key>/ack` for native devices). */
export interface CommandAck {
  id: string;
  ok: boolean;
  value?: unknown;
  error?: string;
}

/** Why a command could not be delivered; the API maps each to its status code. */
export class CommandError extends Error {
  constructor(
    readonly reason: 'unsupported' | 'invalid_value' | 'offline' | 'timeout' | 'no_handler',
    message: string,
  ) {
    super(message);
  }
}

export interface CommandRequest {
  entity: Entity;
  value: unknown;
  timeoutMs: number;
}

/** Sends a command to the device behind an entity and resolves with its acknowledgement. */
export type CommandHandler = (request: CommandRequest) => Promise<CommandAck>;

/**
 * Commands go to whoever owns the entity: the native protocol for `mqtt`
 * devices, a vendor plugin for its own (each registers its handler).
 */
export class CommandRouter {
  private readonly handlers = new Map<string, CommandHandler>();

  register(plugin: string, handler: CommandHandler): () => void {
    this.handlers.set(plugin, handler);
    return () => {
      if (this.handlers.get(plugin) === handler) this.handlers.delete(plugin);
    };
  }

  send(request: CommandRequest): Promise<CommandAck> {
    const handler = this.handlers.get(request.entity.plugin);
    if (!handler) throw new CommandError('no_handler', `${request.entity.entity_id} belongs to "${request.entity.plugin}", which takes no commands`);
    return handler(request);
  }
}

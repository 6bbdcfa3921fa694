/**
 * ETags for states without hashing responses: a counter bumped on every
 * change that can alter a states answer (a state change, a device removed, an
 * entity hidden or shown). Each entity remembers the counter value of its own
 * last change, so a single state's tag survives changes to others. The tag
 * starts with this process's start time: counters restart at 0 with the hub,
 * and a tag from before a restart must never match.
 */
import type { Context } from 'hono';
import type { EventBus } from '../events/bus.ts';

export class StateTags {
  private readonly epoch = Date.now().toString(36);
  private revision = 0;
  private readonly changedAt = new Map<string, number>();

  constructor(bus: EventBus) {
    bus.on('state_changed', ({ entity_id }) => this.changed(entity_id), 'http');
    bus.on('device_removed', () => {
      this.revision++;
    }, 'http');
  }

  /** Something about this entity that a states answer shows changed (its value, or whether it is hidden). */
  changed(entityId: string): void {
    this.changedAt.set(entityId, ++this.revision);
  }

  /** The tag of the whole list (any page, any filter: a tag is compared only for the same URL). */
  list(): string {
    return `"${this.epoch}.${this.revision}"`;
  }

  one(entityId: string): string {
    return `"${this.epoch}.${this.changedAt.get(entityId) ?? 0}"`;
  }
}

/**
 * 304 with no body when the client's `If-None-Match` holds `etag` (the answer
 * it has is current), else `respond()` with the tag. `no-cache` makes browsers
 * ask every time, so a dashboard never shows a stale value.
 */
export function conditional(c: Context, etag: string, respond: () => Response): Response {
  const headers = { ETag: etag, 'Cache-Control': 'no-cache' };
  if (matches(c.req.header('if-none-match'), etag)) return c.body(null, 304, headers);
  const response = respond();
  for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
  return response;
}

/** RFC 9110 §13.1.2: a list of tags or `*`, compared weakly (a `W/` prefix is ignored). */
function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === '*') return true;
  return ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

import { parseEventId, parseFilter, SubscriptionError, type LiveFilter } from './filters.ts';

/** The client's own request id, echoed in the answer. */
export type RequestId = number | string;

export type ClientMessage =
  | { type: 'subscribe'; id: RequestId; filter: LiveFilter; after?: number }
  | { type: 'unsubscribe'; id?: RequestId; subscription: number }
  | { type: 'ping'; id?: RequestId };

/** A message the server cannot act on; answered as `{"type":"error","id"?,"error":{code,message}}`. */
export class ProtocolError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly id?: RequestId,
  ) {
    super(message);
  }
}

const FIELDS: Record<ClientMessage['type'], string[]> = {
  subscribe: ['type', 'id', 'entity', 'device', 'event_type', 'last_event_id'],
  unsubscribe: ['type', 'id', 'subscription'],
  ping: ['type', 'id'],
};

/** Parses and checks one text frame; throws ProtocolError saying what is wrong (with the request id when it is readable). */
export function parseClientMessage(text: string): ClientMessage {
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch (error) {
    throw new ProtocolError('invalid_json', `not JSON: ${(error as Error).message}`);
  }
  if (typeof message !== 'object' || message === null || Array.isArray(message)) throw new ProtocolError('invalid_message', 'expected a JSON object');
  const fields = message as Record<string, unknown>;
  const id = requestId(fields.id);
  const fail = (code: string, text: string) => new ProtocolError(code, text, id);
  if (fields.type === undefined) throw fail('invalid_message', `"type" is missing (one of: ${Object.keys(FIELDS).join(', ')})`);
  if (typeof fields.type !== 'string' || !(fields.type in FIELDS)) {
    throw fail('unknown_type', `type: unknown message type ${JSON.stringify(fields.type)} (one of: ${Object.keys(FIELDS).join(', ')})`);
  }
  const type = fields.type as ClientMessage['type'];
  const unknown = Object.keys(fields).filter((key) => !FIELDS[type].includes(key));
  if (unknown.length > 0) throw fail('invalid_message', `${type}: unknown field ${unknown.map((k) => `"${k}"`).join(', ')} (allowed: ${FIELDS[type].join(', ')})`);

  switch (type) {
    case 'subscribe': {
      if (id === undefined) throw fail('invalid_message', 'subscribe: "id" is missing (your request id, echoed in the result)');
      try {
        const filter = parseFilter({ entity: fields.entity, device: fields.device, type: fields.event_type }, { entity: 'entity', device: 'device', type: 'event_type' });
        const after = fields.last_event_id === undefined ? undefined : parseEventId('last_event_id', fields.last_event_id);
        return { type, id, filter, ...(after === undefined ? {} : { after }) };
      } catch (error) {
        throw error instanceof SubscriptionError ? fail('invalid_subscription', error.message) : error;
      }
    }
    case 'unsubscribe': {
      const { subscription } = fields;
      if (!Number.isSafeInteger(subscription)) throw fail('invalid_message', `unsubscribe: "subscription" must be the number a subscribe result gave, got ${JSON.stringify(subscription)}`);
      return { type, id, subscription: subscription as number };
    }
    case 'ping':
      return { type, id };
  }
}

function requestId(raw: unknown): RequestId | undefined {
  if (raw === undefined) return undefined;
  if (Number.isSafeInteger(raw) || (typeof raw === 'string' && raw.length > 0 && raw.length <= 64)) return raw as RequestId;
  throw new ProtocolError('invalid_message', `id: expected an integer or a string of 1 to 64 characters, got ${JSON.stringify(raw)}`);
}

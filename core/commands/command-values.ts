import type { Entity } from '../registry/entities.ts';
import { CommandError } from './router.ts';

/** Entity kinds that can be commanded, with the value each takes. */
const COMMANDABLE: Record<string, (value: unknown, entity: Entity) => unknown> = {
  switch: (value, entity) => {
    if (typeof value === 'boolean') return value;
    if (value === 'on' || value === 'off') return value === 'on';
    throw invalid(entity, 'true/false or "on"/"off"', value);
  },
  light: (value, entity) => {
    if (typeof value === 'boolean' || (typeof value === 'object' && value !== null && !Array.isArray(value))) return value;
    throw invalid(entity, 'true/false or an object such as {"brightness": 128}', value);
  },
  number: (value, entity) => {
    if (typeof value === 'number' && Number.isFinite(value)) return value;
    throw invalid(entity, 'a number', value);
  },
  select: (value, entity) => {
    if (typeof value === 'string' && value.length > 0) return value;
    throw invalid(entity, 'one of its options, as text', value);
  },
  text: (value, entity) => {
    if (typeof value === 'string' && value.length <= 255) return value;
    throw invalid(entity, 'text of at most 255 characters', value);
  },
  button: () => null,
};

/** The value to send for `entity`, or a CommandError saying why it cannot be commanded with it. */
export function commandValue(entity: Entity, value: unknown): unknown {
  const check = COMMANDABLE[entity.kind];
  if (!check) {
    throw new CommandError('unsupported', `${entity.entity_id} is a ${entity.kind}, which takes no commands (commandable: ${Object.keys(COMMANDABLE).join(', ')})`);
  }
  return check(value, entity);
}

function invalid(entity: Entity, expected: string, got: unknown): CommandError {
  return new CommandError('invalid_value', `${entity.entity_id} (${entity.kind}) takes ${expected}, got ${JSON.stringify(got) ?? 'nothing'}`);
}

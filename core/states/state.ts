export type StateValue = number | string | boolean | null;

export interface State {
  entity_id: string;
  state: StateValue;
  attributes: Record<string, unknown>;
  /** ms epoch when the value last changed */
  last_changed: number;
  /** ms epoch when the value or an attribute last changed */
  last_updated: number;
}

/** The number a value is stored as in the time series, or undefined when it is not a measurement. */
export function numericValue(value: StateValue): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'boolean') return value ? 1 : 0;
  return undefined;
}

/** Kinds whose state is on/off: a reading of theirs (1 or 0) is given back as a boolean. */
const ON_OFF_KINDS = new Set(['binary_sensor', 'switch', 'light']);

/** The state a reading stands for, given its entity's kind: the inverse of numericValue. */
export function stateFromReading(kind: string, value: number): boolean | number {
  return ON_OFF_KINDS.has(kind) ? value !== 0 : value;
}

/** Whether the time series can give this value back exactly (its reading, read back as stateFromReading). */
export function isRecoverable(kind: string, value: StateValue): boolean {
  const reading = numericValue(value);
  return reading !== undefined && stateFromReading(kind, reading) === value;
}

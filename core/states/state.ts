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

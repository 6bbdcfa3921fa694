/**
 * From a state message of a discovered component to a Hearth state value.
 * Throws PayloadError('invalid_value') for a value the entity cannot hold.
 */
import type { StateValue } from '../states/state.ts';
import type { ComponentConfig } from './ha-discovery-payload.ts';
import { compileTemplate, MISSING, stringify, TemplateError, type CompiledTemplate } from './ha-discovery-template.ts';
import { PayloadError } from './native-payloads.ts';

/** What Home Assistant firmware sends for "no value": ESPHome `None`/`nan`, Tasmota/Z2M empty or null. */
const UNKNOWN_WORDS = new Set(['', 'none', 'null', 'unknown', 'unavailable', 'nan']);

export interface ValueReader {
  /** The template that is not supported, when one is: the entity then keeps no state. */
  unsupported?: CompiledTemplate & { supported: false };
  /** The new state, `undefined` when this message has no value for the entity (another entity's field). */
  read(payload: Buffer): StateValue | undefined;
}

function render(template: CompiledTemplate | undefined, payload: string, key: string): unknown {
  if (!template || !template.supported) return payload;
  try {
    return template.render(payload);
  } catch (error) {
    if (error instanceof TemplateError) throw new PayloadError('invalid_value', `${key}: ${error.message}`, key);
    throw error;
  }
}

function numeric(config: ComponentConfig): boolean {
  return config.component === 'number' || config.unit !== undefined || config.stateClass !== undefined;
}

function toNumberOrText(config: ComponentConfig, value: unknown): StateValue {
  if (value === null || (typeof value === 'string' && UNKNOWN_WORDS.has(value.trim().toLowerCase()))) return null;
  if (numeric(config)) {
    const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value.trim()) : Number.NaN;
    if (!Number.isFinite(n)) {
      throw new PayloadError('invalid_value', `${config.key}: expects a number${config.unit ? ` in ${config.unit}` : ''}, got ${JSON.stringify(value)}`, config.key);
    }
    return n;
  }
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  const text = stringify(value);
  if (text.length > 255) throw new PayloadError('invalid_value', `${config.key}: text longer than 255 characters`, config.key);
  return text;
}

function toOnOff(config: ComponentConfig, value: unknown, on: string, off: string): StateValue {
  const text = stringify(value);
  if (text === on) return true;
  if (text === off) return false;
  if (UNKNOWN_WORDS.has(text.trim().toLowerCase())) return null;
  throw new PayloadError('invalid_value', `${config.key}: ${JSON.stringify(text)} is neither ${JSON.stringify(on)} nor ${JSON.stringify(off)}`, config.key);
}

/** Compiles the component's templates once; `read` runs for every message on its state topic. */
export function valueReader(config: ComponentConfig): ValueReader {
  const templateSource = config.component === 'light' ? config.stateValueTemplate : config.valueTemplate;
  const template = templateSource === undefined ? undefined : compileTemplate(templateSource);
  const unsupported = template && !template.supported ? template : undefined;
  const jsonState = compileTemplate('{{ value_json.state }}');
  const read = (payload: Buffer): StateValue | undefined => {
    if (unsupported) return undefined;
    const text = payload.toString('utf8');
    if (config.component === 'light' && config.schema === 'json') {
      const value = jsonState.supported ? jsonState.render(text) : MISSING;
      return value === MISSING ? undefined : toOnOff(config, value, 'ON', 'OFF');
    }
    const value = render(template, text, config.key);
    if (value === MISSING) return undefined;
    switch (config.component) {
      case 'binary_sensor':
        return toOnOff(config, value, config.payloadOn, config.payloadOff);
      case 'switch':
        return toOnOff(config, value, config.stateOn, config.stateOff);
      case 'light':
        return toOnOff(config, value, config.payloadOn, config.payloadOff);
      default:
        return toNumberOrText(config, value);
    }
  };
  return { unsupported, read };
}

/**
 * Parsing of Home Assistant MQTT discovery messages (docs/ha-discovery.md):
 * the topic, abbreviated keys, the `~` base topic, and both the per-entity
 * and the device-based (`cmps`) payloads. Pure functions; mistakes throw a
 * PayloadError like the native protocol's parsers.
 */
import { PayloadError } from './native-payloads.ts';

/** Abbreviations of the top-level (and per-component) options, from Home Assistant's `abbreviations.py`. */
export const ABBREVIATIONS: Readonly<Record<string, string>> = {
  act_t: 'action_topic',
  act_tpl: 'action_template',
  atype: 'automation_type',
  avty: 'availability',
  avty_mode: 'availability_mode',
  avty_t: 'availability_topic',
  avty_tpl: 'availability_template',
  bri_cmd_t: 'brightness_command_topic',
  bri_scl: 'brightness_scale',
  bri_stat_t: 'brightness_state_topic',
  bri_val_tpl: 'brightness_value_template',
  cmd_t: 'command_topic',
  cmd_tpl: 'command_template',
  cmps: 'components',
  dev: 'device',
  dev_cla: 'device_class',
  e: 'encoding',
  en: 'enabled_by_default',
  ent_cat: 'entity_category',
  ent_pic: 'entity_picture',
  exp_aft: 'expire_after',
  frc_upd: 'force_update',
  ic: 'icon',
  json_attr: 'json_attributes',
  json_attr_t: 'json_attributes_topic',
  json_attr_tpl: 'json_attributes_template',
  max: 'max',
  min: 'min',
  mode: 'mode',
  name: 'name',
  o: 'origin',
  obj_id: 'object_id',
  off_dly: 'off_delay',
  opt: 'optimistic',
  p: 'platform',
  pl: 'payload',
  pl_avail: 'payload_available',
  pl_not_avail: 'payload_not_available',
  pl_off: 'payload_off',
  pl_on: 'payload_on',
  pl_prs: 'payload_press',
  qos: 'qos',
  ret: 'retain',
  sch: 'schema',
  stat_cla: 'state_class',
  stat_off: 'state_off',
  stat_on: 'state_on',
  stat_t: 'state_topic',
  stat_tpl: 'state_template',
  stat_val_tpl: 'state_value_template',
  step: 'step',
  sug_dsp_prc: 'suggested_display_precision',
  t: 'topic',
  uniq_id: 'unique_id',
  unit_of_meas: 'unit_of_measurement',
  val_tpl: 'value_template',
};

export const DEVICE_ABBREVIATIONS: Readonly<Record<string, string>> = {
  cns: 'connections',
  cu: 'configuration_url',
  hw: 'hw_version',
  ids: 'identifiers',
  mdl: 'model',
  mdl_id: 'model_id',
  mf: 'manufacturer',
  sa: 'suggested_area',
  sn: 'serial_number',
  sw: 'sw_version',
};

export const ORIGIN_ABBREVIATIONS: Readonly<Record<string, string>> = {
  sw: 'sw_version',
  url: 'support_url',
};

/** Every component Home Assistant's MQTT integration knows; a topic naming anything else is wrong. */
export const HA_COMPONENTS = new Set([
  'alarm_control_panel', 'binary_sensor', 'button', 'camera', 'climate', 'cover', 'device_automation', 'device_tracker',
  'event', 'fan', 'humidifier', 'image', 'lawn_mower', 'light', 'lock', 'notify', 'number', 'scene', 'select', 'sensor',
  'siren', 'switch', 'tag', 'text', 'update', 'vacuum', 'valve', 'water_heater',
]);

/** The components Hearth turns into entities; the kind is the component's name. */
export const SUPPORTED_COMPONENTS = new Set(['sensor', 'binary_sensor', 'switch', 'number', 'light']);

/** Options a device-based payload shares with each of its components, unless a component sets its own. */
const SHARED_OPTIONS = [
  '~',
  'availability',
  'availability_mode',
  'availability_template',
  'availability_topic',
  'payload_available',
  'payload_not_available',
  'command_topic',
  'state_topic',
  'encoding',
  'qos',
] as const;

const ID_PATTERN = /^[A-Za-z0-9_-]+$/;

export interface DiscoveryTopic {
  /** `sensor`, `switch`, …, or `device` for a device-based payload */
  component: string;
  nodeId?: string;
  objectId: string;
}

export interface AvailabilitySource {
  topic: string;
  payloadAvailable: string;
  payloadNotAvailable: string;
  template?: string;
}

export interface DeviceInfo {
  identifiers: string[];
  connections: Array<[string, string]>;
  name?: string;
  manufacturer?: string;
  model?: string;
  sw_version?: string;
  via_device?: string;
}

/** One discovered component, with every option under its full name and `~` resolved. */
export interface ComponentConfig {
  /** The config topic, plus `#<component id>` for a component of a device-based payload. */
  discoveryId: string;
  component: string;
  /** Device-local key: `object_id` of the payload, else the topic's object id (or the `cmps` id). */
  key: string;
  uniqueId: string;
  name?: string;
  stateTopic?: string;
  commandTopic?: string;
  valueTemplate?: string;
  unit?: string;
  deviceClass?: string;
  stateClass?: string;
  payloadOn: string;
  payloadOff: string;
  stateOn: string;
  stateOff: string;
  /** `json` for lights with a JSON state payload */
  schema: string;
  stateValueTemplate?: string;
  availability: AvailabilitySource[];
  availabilityMode: 'latest' | 'all' | 'any';
  device?: DeviceInfo;
  /** The whole expanded payload, for what Hearth does not use yet. */
  options: Record<string, unknown>;
}

/** `<prefix>/<component>/[<node_id>/]<object_id>/config`; undefined for other topics under the prefix (e.g. `<prefix>/status`). */
export function parseDiscoveryTopic(prefix: string, topic: string): DiscoveryTopic | undefined {
  if (!topic.startsWith(`${prefix}/`) || !topic.endsWith('/config')) return undefined;
  const levels = topic.slice(prefix.length + 1, -'/config'.length).split('/');
  if (levels.length !== 2 && levels.length !== 3) {
    throw new PayloadError('invalid_topic', `expected ${prefix}/<component>/[<node_id>/]<object_id>/config`);
  }
  const [component, ...ids] = levels as [string, ...string[]];
  if (component !== 'device' && !HA_COMPONENTS.has(component)) {
    throw new PayloadError('invalid_topic', `unknown component "${component}"`);
  }
  for (const id of ids) {
    if (!ID_PATTERN.test(id)) throw new PayloadError('invalid_topic', `"${id}" must be letters, digits, "_" or "-"`);
  }
  return ids.length === 2 ? { component, nodeId: ids[0], objectId: ids[1] as string } : { component, objectId: ids[0] as string };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function expandKeys(input: Record<string, unknown>, table: Readonly<Record<string, string>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    const full = table[key] ?? key;
    // The full name wins over its abbreviation when a payload carries both.
    if (full !== key && full in input) continue;
    out[full] = value;
  }
  return out;
}

/**
 * Expands abbreviated keys: the options, and inside `device`, `origin`,
 * each `availability` entry and each component of `components`. Unknown
 * keys are kept as they are.
 */
export function expandAbbreviations(input: Record<string, unknown>): Record<string, unknown> {
  const out = expandKeys(input, ABBREVIATIONS);
  if (isObject(out.device)) out.device = expandKeys(out.device, DEVICE_ABBREVIATIONS);
  if (isObject(out.origin)) out.origin = expandKeys(out.origin, ORIGIN_ABBREVIATIONS);
  if (Array.isArray(out.availability)) {
    out.availability = out.availability.map((entry: unknown) => (isObject(entry) ? expandKeys(entry, ABBREVIATIONS) : entry));
  }
  if (isObject(out.components)) {
    const components: Record<string, unknown> = {};
    for (const [id, component] of Object.entries(out.components)) {
      components[id] = isObject(component) ? expandAbbreviations(component) : component;
    }
    out.components = components;
  }
  return out;
}

/** Replaces a `~` at the start or end of every `…topic` option (and availability topic) with the base topic. */
export function substituteBaseTopic(options: Record<string, unknown>): Record<string, unknown> {
  const base = options['~'];
  if (typeof base !== 'string') return options;
  const sub = (value: string) => (value.startsWith('~') ? base + value.slice(1) : value.endsWith('~') ? value.slice(0, -1) + base : value);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    out[key] = typeof value === 'string' && key.endsWith('topic') ? sub(value) : value;
  }
  if (Array.isArray(out.availability)) {
    out.availability = out.availability.map((entry: unknown) =>
      isObject(entry) && typeof entry.topic === 'string' ? { ...entry, topic: sub(entry.topic) } : entry,
    );
  }
  return out;
}

function parseJsonObject(payload: Buffer): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(payload.toString('utf8'));
  } catch (error) {
    const preview = payload.toString('utf8', 0, 40);
    throw new PayloadError('invalid_json', `not JSON (${(error as Error).message}): ${JSON.stringify(preview)}`);
  }
  if (!isObject(json)) throw new PayloadError('invalid_payload', 'discovery payload must be a JSON object');
  return json;
}

/** Home Assistant accepts numbers and booleans where it wants text (`"pl_on": true`) and reads them as Python prints them. */
function optionalText(options: Record<string, unknown>, key: string): string | undefined {
  const value = options[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return String(value);
  throw new PayloadError('invalid_payload', `${key} must be text`, key);
}

function textOr(options: Record<string, unknown>, key: string, fallback: string): string {
  return optionalText(options, key) ?? fallback;
}

function parseDevice(raw: unknown): DeviceInfo | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isObject(raw)) throw new PayloadError('invalid_payload', 'device must be an object', 'device');
  const ids = raw.identifiers;
  const identifiers = (Array.isArray(ids) ? ids : ids === undefined ? [] : [ids]).filter((id) => typeof id === 'string' || typeof id === 'number').map(String);
  const connections: Array<[string, string]> = [];
  if (Array.isArray(raw.connections)) {
    for (const c of raw.connections) {
      if (Array.isArray(c) && c.length === 2) connections.push([String(c[0]), String(c[1])]);
    }
  }
  const text = (key: string) => (typeof raw[key] === 'string' && raw[key] !== '' ? (raw[key] as string) : undefined);
  return {
    identifiers,
    connections,
    name: text('name'),
    manufacturer: text('manufacturer'),
    model: text('model'),
    sw_version: text('sw_version'),
    via_device: text('via_device'),
  };
}

function parseAvailability(options: Record<string, unknown>): AvailabilitySource[] {
  const payloadAvailable = textOr(options, 'payload_available', 'online');
  const payloadNotAvailable = textOr(options, 'payload_not_available', 'offline');
  const sources: AvailabilitySource[] = [];
  const topic = optionalText(options, 'availability_topic');
  if (topic) sources.push({ topic, payloadAvailable, payloadNotAvailable, template: optionalText(options, 'availability_template') });
  if (options.availability !== undefined) {
    if (!Array.isArray(options.availability)) throw new PayloadError('invalid_payload', 'availability must be a list', 'availability');
    for (const entry of options.availability) {
      if (!isObject(entry) || typeof entry.topic !== 'string' || entry.topic === '') {
        throw new PayloadError('invalid_payload', 'each availability entry needs a topic', 'availability');
      }
      sources.push({
        topic: entry.topic,
        payloadAvailable: textOr(entry, 'payload_available', 'online'),
        payloadNotAvailable: textOr(entry, 'payload_not_available', 'offline'),
        template: optionalText(entry, 'value_template'),
      });
    }
  }
  return sources;
}

/** Checks and reads one component's expanded, `~`-resolved options. */
export function componentConfig(
  discoveryId: string,
  component: string,
  defaultKey: string,
  defaultUniqueId: string,
  options: Record<string, unknown>,
): ComponentConfig {
  const mode = options.availability_mode ?? 'latest';
  if (mode !== 'latest' && mode !== 'all' && mode !== 'any') {
    throw new PayloadError('invalid_payload', `availability_mode must be latest, all or any, got ${JSON.stringify(mode)}`, 'availability_mode');
  }
  const stateTopic = optionalText(options, 'state_topic');
  if (SUPPORTED_COMPONENTS.has(component) && !stateTopic) {
    throw new PayloadError('invalid_payload', `${component} "${defaultKey}": state_topic (stat_t) is missing`, 'state_topic');
  }
  const unit = optionalText(options, 'unit_of_measurement')?.trim();
  const payloadOn = textOr(options, 'payload_on', 'ON');
  const payloadOff = textOr(options, 'payload_off', 'OFF');
  return {
    discoveryId,
    component,
    key: optionalText(options, 'object_id') || defaultKey,
    uniqueId: optionalText(options, 'unique_id') || defaultUniqueId,
    name: optionalText(options, 'name') || undefined,
    stateTopic,
    commandTopic: optionalText(options, 'command_topic'),
    valueTemplate: optionalText(options, 'value_template'),
    unit: unit || undefined,
    deviceClass: optionalText(options, 'device_class'),
    stateClass: optionalText(options, 'state_class'),
    payloadOn,
    payloadOff,
    stateOn: textOr(options, 'state_on', payloadOn),
    stateOff: textOr(options, 'state_off', payloadOff),
    schema: textOr(options, 'schema', 'basic'),
    stateValueTemplate: optionalText(options, 'state_value_template'),
    availability: parseAvailability(options),
    availabilityMode: mode,
    device: parseDevice(options.device),
    options,
  };
}

export interface ParsedDiscovery {
  components: ComponentConfig[];
  /** Components of a device-based payload that were wrong; the others are kept. */
  errors: PayloadError[];
}

/** Parses a non-empty config payload for `topic` (already split by parseDiscoveryTopic). */
export function parseDiscoveryPayload(configTopic: string, topic: DiscoveryTopic, payload: Buffer): ParsedDiscovery {
  const options = expandAbbreviations(parseJsonObject(payload));
  const defaultUniqueId = topic.nodeId ? `${topic.nodeId}_${topic.objectId}` : topic.objectId;
  if (topic.component !== 'device') {
    const resolved = substituteBaseTopic(options);
    return { components: [componentConfig(configTopic, topic.component, topic.objectId, defaultUniqueId, resolved)], errors: [] };
  }
  if (!isObject(options.device)) throw new PayloadError('invalid_payload', 'device-based discovery needs a device (dev) object', 'device');
  if (!isObject(options.components)) throw new PayloadError('invalid_payload', 'device-based discovery needs a components (cmps) object', 'components');
  const components: ComponentConfig[] = [];
  const errors: PayloadError[] = [];
  for (const [id, raw] of Object.entries(options.components)) {
    try {
      if (!isObject(raw)) throw new PayloadError('invalid_payload', `component "${id}" must be an object`, id);
      const platform = raw.platform;
      if (typeof platform !== 'string' || !HA_COMPONENTS.has(platform)) {
        throw new PayloadError('invalid_payload', `component "${id}": platform (p) ${JSON.stringify(platform)} is not a known component`, id);
      }
      const merged: Record<string, unknown> = { ...raw, device: options.device, origin: options.origin };
      for (const key of SHARED_OPTIONS) if (key in options && !(key in raw)) merged[key] = options[key];
      components.push(componentConfig(`${configTopic}#${id}`, platform, id, `${topic.objectId}_${id}`, substituteBaseTopic(merged)));
    } catch (error) {
      if (!(error instanceof PayloadError)) throw error;
      errors.push(new PayloadError(error.reason, error.message, error.field ?? id));
    }
  }
  return { components, errors };
}

/** `dev.ids[0]` in the hub's device id alphabet: `zigbee2mqtt_0x00158d0001a2b3c4`, `a4cf12ab34cd`. */
export function deviceIdFor(device: DeviceInfo): string | undefined {
  const first = device.identifiers[0] ?? device.connections[0]?.[1];
  if (first === undefined) return undefined;
  const slug = first
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '_')
    .replace(/^[_-]+|[_-]+$/g, '')
    .slice(0, 64)
    .replace(/[_-]+$/, '');
  return slug === '' ? undefined : slug;
}

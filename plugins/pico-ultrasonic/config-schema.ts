/**
 * The plugin's options (README.md beside this file shows them in YAML). Each
 * device may override the top-level threshold, timeout and arming schedule.
 */
const clock = '([01][0-9]|2[0-3]):[0-5][0-9]';

export const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

const window = {
  type: 'object',
  additionalProperties: false,
  required: ['from', 'to'],
  properties: {
    days: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: DAYS }, description: 'Days the window starts on; every day when left out' },
    from: { type: 'string', pattern: `^${clock}$`, description: 'Local time HH:MM' },
    to: { type: 'string', pattern: `^(${clock}|24:00)$`, description: 'Local time HH:MM; earlier than `from` ends the next day' },
  },
} as const;

const armed = {
  anyOf: [{ enum: ['always', 'never'] }, { type: 'array', minItems: 1, items: window }],
  description: 'When an intrusion is recorded: always, never, or a list of weekly windows in the hub time zone',
} as const;

const threshold = { type: 'number', minimum: 1, maximum: 400, description: 'cm from the baseline that count as motion (the firmware takes 1-400)' } as const;
const timeout = { type: 'number', exclusiveMinimum: 0, maximum: 86_400, description: 'Seconds without a trigger after which motion turns off' } as const;

export const configSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    threshold_cm: { ...threshold, default: 30 },
    motion_timeout: { ...timeout, default: 30 },
    armed: { ...armed, default: 'never' },
    timezone: { type: 'string', minLength: 1, description: "IANA time zone of the arming windows and legacy dates; the hub's `timezone` when left out" },
    push_threshold: { type: 'boolean', default: true, description: "Send each device's threshold to its firmware when it differs" },
    threshold_ack_timeout: { type: 'number', exclusiveMinimum: 0, maximum: 600, default: 10, description: 'Seconds to wait for the firmware to acknowledge a threshold' },
    legacy_topic: {
      type: 'string',
      pattern: '^(?!hearth/|\\$)([^/+#]+/)*\\+(/[^/+#]+)*$',
      default: 'pico/+/distance',
      description: 'Topic of the older flat payload; its one "+" level is the device id',
    },
    devices: {
      type: 'object',
      default: {},
      propertyNames: { pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$' },
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        properties: {
          name: { type: 'string', minLength: 1, maxLength: 100, description: 'Name of a legacy device the plugin creates' },
          threshold_cm: threshold,
          motion_timeout: timeout,
          armed,
          baseline_cm: { type: 'number', minimum: 0, maximum: 1000, description: 'Free distance of a legacy device (its payload has no baseline)' },
        },
      },
    },
  },
} as const;

/**
 * The schema of config/hearth.yaml: the single source of its defaults (filled
 * by ajv `useDefaults`) and, through json-schema-to-ts, of the HubConfig type.
 * Every object is closed (`additionalProperties: false`) so typos fail, except
 * a plugin's entry, whose own keys are checked later against the plugin's schema.
 */
import type { FromSchema } from 'json-schema-to-ts';

const days = <D extends number>(title: string, description: string, fallback: D) =>
  ({ type: 'integer', minimum: 1, default: fallback, title, description }) as const;

const hourDays = {
  type: 'integer',
  minimum: 1,
  title: '1-hour rollups',
  description: 'Days to keep hourly min/max/mean; leave out to keep them forever',
} as const;

const retentionDays = {
  raw_days: days('Raw readings', 'Days to keep every reading', 10),
  minute_days: days('1-minute rollups', 'Days to keep 1-minute min/max/mean', 90),
  hour_days: hourDays,
} as const;

/** Per-entity overrides: the same keys, but no defaults (a key left out keeps the global setting). */
const retentionOverride = {
  raw_days: { type: 'integer', minimum: 1, title: 'Raw readings', description: 'Days to keep every reading' },
  minute_days: { type: 'integer', minimum: 1, title: '1-minute rollups', description: 'Days to keep 1-minute min/max/mean' },
  hour_days: hourDays,
} as const;

const port = (title: string, fallback: number) =>
  ({ type: 'integer', minimum: 0, maximum: 65535, default: fallback, title, description: `${title} (0 picks a free port)` }) as const;

export const hubConfigSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    name: { type: 'string', default: 'Home', title: 'Name', description: "The hub's display name" },
    timezone: {
      type: 'string',
      minLength: 1,
      title: 'Time zone',
      description: 'IANA time zone (e.g. Europe/Berlin) for days and months in statistics; the system time zone when left out',
    },
    log: {
      type: 'object',
      additionalProperties: false,
      default: {},
      title: 'Logging',
      description: 'What the hub writes to its log',
      properties: {
        level: {
          enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
          default: 'info',
          title: 'Log level',
          description: 'The least severe message that is still logged',
        },
      },
    },
    http: {
      type: 'object',
      additionalProperties: false,
      default: {},
      title: 'HTTP API',
      description: 'Where the HTTP API and UI listen',
      properties: {
        host: {
          type: 'string',
          minLength: 1,
          title: 'HTTP host',
          description: 'Address to listen on (0.0.0.0 for every interface); left out: 127.0.0.1 until the first user exists, every interface after',
        },
        port: port('HTTP port', 8080),
        cors_origins: {
          type: 'array',
          default: [],
          title: 'CORS origins',
          description: 'Browser origins (scheme://host[:port]) whose pages may call the API, with credentials; none by default',
          items: { type: 'string', pattern: '^https?://[^/\\s]+$', description: 'e.g. https://dashboard.lan:3000, no path' },
        },
        max_body_kb: {
          type: 'integer',
          minimum: 1,
          maximum: 1_048_576,
          default: 1024,
          title: 'Largest request body',
          description: 'KiB; a larger request is refused with 413',
        },
      },
    },
    mqtt: {
      type: 'object',
      additionalProperties: false,
      default: {},
      title: 'MQTT broker',
      description: 'Where the embedded MQTT broker listens for devices, or the external broker to use instead',
      properties: {
        host: { type: 'string', default: '0.0.0.0', title: 'MQTT host', description: 'Address to listen on; 127.0.0.1 for this machine only' },
        port: port('MQTT port', 1883),
        allow_anonymous: {
          type: 'boolean',
          default: false,
          title: 'Allow anonymous',
          description: 'Let clients connect without an account and use any topic: only on a network you trust',
        },
        url: {
          type: 'string',
          pattern: '^(mqtts?|wss?)://',
          title: 'External broker',
          description: 'Use this broker (Mosquitto, EMQX, …) instead of the embedded one, e.g. mqtt://broker.lan:1883',
        },
        username: { type: 'string', minLength: 1, title: 'Username', description: "The hub's account on the external broker" },
        password: { type: 'string', title: 'Password', description: 'Its password; better as !secret mqtt_password' },
      },
    },
    storage: {
      type: 'object',
      additionalProperties: false,
      default: {},
      title: 'Storage',
      description: 'Where the hub keeps its databases',
      properties: {
        data_dir: {
          type: 'string',
          minLength: 1,
          default: 'data',
          title: 'Data folder',
          description: "Folder for the hub's data; a relative path is relative to the config file's folder",
        },
        retention: {
          type: 'object',
          additionalProperties: false,
          default: {},
          title: 'Retention',
          description: 'How long history is kept; purging runs every hour in small steps',
          properties: {
            ...retentionDays,
            events_days: days('Event log', 'Days to keep the event log (motion, online/offline, alerts)', 365),
            entities: {
              type: 'object',
              default: {},
              title: 'Per entity',
              description: 'Overrides by entity id, e.g. sensor.energy_total: { raw_days: 400 }',
              propertyNames: { type: 'string', pattern: '^[a-z][a-z_]*\\.[a-z0-9_]+$', description: 'an entity id such as sensor.garage_distance' },
              additionalProperties: { type: 'object', additionalProperties: false, properties: retentionOverride },
            },
          },
        },
        timeseries: {
          type: 'object',
          additionalProperties: false,
          title: 'Time-series backend',
          description: 'Leave out to keep readings in SQLite in the data folder',
          properties: {
            questdb: {
              type: 'object',
              additionalProperties: false,
              required: ['url'],
              title: 'QuestDB',
              description: 'Keep readings in QuestDB, over its PostgreSQL wire protocol',
              properties: {
                url: { type: 'string', pattern: '^postgres(ql)?://', title: 'URL', description: 'e.g. postgresql://admin:quest@questdb.lan:8812/qdb' },
              },
            },
          },
        },
      },
    },
    discovery: {
      type: 'object',
      additionalProperties: false,
      default: {},
      title: 'Discovery',
      description: 'Devices that announce themselves in formats other than the native one',
      properties: {
        home_assistant: {
          type: 'boolean',
          default: true,
          title: 'Home Assistant MQTT discovery',
          description: 'Read the discovery messages of ESPHome, Tasmota, Zigbee2MQTT and others',
        },
        prefix: { type: 'string', pattern: '^[^#+/][^#+]*$', default: 'homeassistant', title: 'Discovery prefix', description: 'Topic prefix of the discovery messages' },
        require_approval: {
          type: 'boolean',
          default: false,
          title: 'Require approval',
          description: 'New devices that announce themselves (native or Home Assistant discovery) wait in a pending list until approved',
        },
      },
    },
    devices: {
      type: 'object',
      default: {},
      title: 'Devices',
      description: 'Per-device settings by device id: the room it is in',
      propertyNames: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$', description: 'a device id' },
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        properties: {
          room: { type: 'string', minLength: 1, title: 'Room', description: 'e.g. Garage; rooms are created as they are named' },
        },
      },
    },
    plugins: {
      type: 'object',
      default: {},
      title: 'Plugins',
      description: 'Plugins to run, by id; each entry holds the plugin\'s own options',
      propertyNames: {
        type: 'string',
        pattern: '^[a-z0-9][a-z0-9_-]*$',
        description: 'lowercase letters, digits, "_" and "-", starting with a letter or digit',
      },
      additionalProperties: {
        // null: `my-plugin:` with nothing under it, a plugin with no options
        type: ['object', 'null'],
        title: 'Plugin',
        description: "The plugin's options, plus the reserved keys `package` and `enabled`",
        properties: {
          package: {
            type: 'string',
            pattern: '^(@[a-z0-9~-][a-z0-9._~-]*/)?[a-z0-9~-][a-z0-9._~-]*$',
            title: 'Package',
            description: 'npm package providing the plugin, e.g. hearth-plugin-foo; without it, the folder plugins/<id>/',
          },
          enabled: { type: 'boolean', default: true, title: 'Enabled', description: 'false keeps the plugin configured but not running' },
        },
        additionalProperties: true,
      },
    },
  },
} as const;

export type HubConfig = FromSchema<typeof hubConfigSchema>;

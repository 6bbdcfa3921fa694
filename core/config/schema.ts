/**
 * The schema of config/hearth.yaml: the single source of its defaults (filled
 * by ajv `useDefaults`) and, through json-schema-to-ts, of the HubConfig type.
 * Every object is closed (`additionalProperties: false`) so typos fail, except
 * a plugin's entry, whose own keys are checked later against the plugin's schema.
 */
import type { FromSchema } from 'json-schema-to-ts';

const port = (title: string, fallback: number) =>
  ({ type: 'integer', minimum: 0, maximum: 65535, default: fallback, title, description: `${title} (0 picks a free port)` }) as const;

export const hubConfigSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    name: { type: 'string', default: 'Home', title: 'Name', description: "The hub's display name" },
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
        host: { type: 'string', default: '127.0.0.1', title: 'HTTP host', description: 'Address to listen on; 0.0.0.0 for every interface' },
        port: port('HTTP port', 8080),
      },
    },
    mqtt: {
      type: 'object',
      additionalProperties: false,
      default: {},
      title: 'MQTT broker',
      description: 'Where the embedded MQTT broker listens for devices',
      properties: {
        host: { type: 'string', default: '0.0.0.0', title: 'MQTT host', description: 'Address to listen on; 127.0.0.1 for this machine only' },
        port: port('MQTT port', 1883),
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

/**
 * Loads config/hearth.yaml: YAML (with !secret, !include, ${VAR}), then the
 * HEARTH_* environment overrides, then the schema with its defaults. Every
 * problem of one load is thrown together as one ConfigError.
 */
import { dirname, resolve } from 'node:path';
import { ConfigError, formatPath, type ConfigIssue, type DocPath, type SourceLocation } from './errors.ts';
import { loadYaml } from './load-yaml.ts';
import { hubConfigSchema, type HubConfig } from './schema.ts';
import { validateSection, type SectionContext } from './validate.ts';

/** A plugin as configured under `plugins:`. */
export interface ConfiguredPlugin {
  id: string;
  package?: string;
  enabled: boolean;
  /** The plugin's own options: the entry without `package` and `enabled`; {} for an empty entry. */
  config: Record<string, unknown>;
}

export interface LoadedConfig {
  /** Absolute path of the main config file. */
  file: string;
  /** Its folder, against which relative paths in the config resolve. */
  dir: string;
  /** Validated, defaults filled; `storage.data_dir` is absolute. */
  config: HubConfig;
  plugins: ConfiguredPlugin[];
  /**
   * Validates a plugin's options against the plugin's schema and returns a
   * copy with its defaults filled. Throws a ConfigError located under
   * `plugins.<id>`, or an Error when the schema itself is invalid.
   */
  validatePlugin(id: string, schema: object, config: Record<string, unknown>): Record<string, unknown>;
}

export interface LoadConfigOptions {
  /** For `${VAR}` and the HEARTH_* overrides; default `process.env`. */
  env?: Record<string, string | undefined>;
}

/** Environment variables that override a setting of the file. */
const OVERRIDES = [
  { variable: 'HEARTH_DATA_DIR', path: ['storage', 'data_dir'], integer: false },
  { variable: 'HEARTH_HTTP_PORT', path: ['http', 'port'], integer: true },
  { variable: 'HEARTH_MQTT_PORT', path: ['mqtt', 'port'], integer: true },
] as const;

export function loadConfig(file: string, options: LoadConfigOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const absolute = resolve(file);
  const dir = dirname(absolute);
  const yaml = loadYaml(absolute, { env });
  // An empty file is an empty map: all defaults.
  const raw = yaml.value ?? {};
  const issues: ConfigIssue[] = [];
  const fromEnvironment = new Map<string, SourceLocation>();
  if (isMap(raw)) {
    emptySectionsAsOmitted(raw);
    for (const { variable, path, integer } of OVERRIDES) {
      const text = env[variable];
      if (text === undefined || text === '') continue;
      const at = { file: `environment:${variable}`, line: 0, col: 0 };
      if (integer && !/^-?\d+$/.test(text)) {
        issues.push({ ...at, path: formatPath(path), message: `must be integer (got ${JSON.stringify(text)})` });
        continue;
      }
      if (setIn(raw, path, integer ? Number(text) : text)) fromEnvironment.set(formatPath(path), at);
    }
  }
  const context: SectionContext = {
    locate: (path) => fromEnvironment.get(formatPath(path)) ?? yaml.locate(path),
    locateKey: yaml.locateKey,
    isSecret: yaml.isSecret,
  };
  issues.push(...validateSection(hubConfigSchema, raw, context));
  if (issues.length > 0) throw new ConfigError(issues);

  const config = raw as HubConfig;
  config.storage.data_dir = resolve(dir, config.storage.data_dir);
  return {
    file: absolute,
    dir,
    config,
    plugins: pluginEntries(config.plugins),
    validatePlugin(id, schema, pluginConfig) {
      const copy = structuredClone(pluginConfig);
      let pluginIssues: ConfigIssue[];
      try {
        pluginIssues = validateSection(schema, copy, { ...context, basePath: ['plugins', id] });
      } catch (error) {
        throw new Error(`plugin "${id}" has an invalid configSchema: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (pluginIssues.length > 0) throw new ConfigError(pluginIssues);
      return copy;
    },
  };
}

/**
 * `http:` or `my-plugin:` with nothing under it (often: every line commented
 * out) reads as null; treat it as an empty map so the schema's defaults apply
 * instead of failing with "must be object".
 */
function emptySectionsAsOmitted(raw: Record<string, unknown>): void {
  for (const [key, schema] of Object.entries(hubConfigSchema.properties)) {
    if (raw[key] === null && 'type' in schema && schema.type === 'object') delete raw[key];
  }
  if (isMap(raw.plugins)) {
    for (const [id, entry] of Object.entries(raw.plugins)) if (entry === null) raw.plugins[id] = {};
  }
}

/** Sets `path` in `raw`, creating missing maps; false when something that is not a map is in the way (validation reports it). */
function setIn(raw: Record<string, unknown>, path: DocPath, value: unknown): boolean {
  let node = raw;
  for (const key of path.slice(0, -1)) {
    node[key] ??= {};
    const next = node[key];
    if (!isMap(next)) return false;
    node = next;
  }
  node[path[path.length - 1]!] = value;
  return true;
}

function pluginEntries(plugins: HubConfig['plugins']): ConfiguredPlugin[] {
  return Object.entries(plugins).map(([id, entry]) => {
    // Empty entries became {} before validation, so `enabled` holds its default.
    const { package: pkg, enabled, ...own } = entry as NonNullable<typeof entry>;
    return { id, ...(pkg === undefined ? {} : { package: pkg }), enabled, config: own };
  });
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

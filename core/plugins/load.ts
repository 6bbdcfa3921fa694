import type { PluginManifest } from '../plugin-api.ts';
import { checkManifest } from './manifest.ts';
import { resolvePlugin } from './resolve.ts';

export interface PluginEntry {
  id: string;
  package?: string;
  enabled: boolean;
  config: Record<string, unknown>;
}

export type ConfigValidator = (id: string, schema: object, config: Record<string, unknown>) => Record<string, unknown>;

export interface LoadedPlugin {
  manifest: PluginManifest;
  /** validated, defaults filled */
  config: Record<string, unknown>;
  source: string;
}

/**
 * Finds a plugin, imports it, checks its manifest and validates its config.
 * Shared by the host and `hearth check-config`, so both judge a plugin alike.
 */
export async function loadPlugin(entry: PluginEntry, dirs: { configDir: string; hubRoot: string }, validate: ConfigValidator): Promise<LoadedPlugin> {
  const source = resolvePlugin(entry.id, entry.package, dirs.configDir, dirs.hubRoot);
  const module = (await import(source.url)) as { default?: unknown };
  const manifest = checkManifest(entry.id, source.description, module.default);
  const config = manifest.configSchema ? validate(entry.id, manifest.configSchema as object, entry.config) : noOptions(entry);
  return { manifest, config, source: source.description };
}

function noOptions(entry: PluginEntry): Record<string, unknown> {
  const keys = Object.keys(entry.config);
  if (keys.length > 0) throw new Error(`plugin "${entry.id}" takes no options, but got: ${keys.join(', ')}`);
  return {};
}

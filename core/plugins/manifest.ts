import semver from 'semver';
import { HUB_API_VERSION, type PluginManifest } from '../plugin-api.ts';
import { PluginManifestError } from './errors.ts';

/**
 * Checks a plugin module's default export before anything of it runs, so a
 * wrong plugin fails with a message that names the field, not with a
 * TypeError deep in setup.
 */
export function checkManifest(expectedId: string, source: string, exported: unknown): PluginManifest {
  const fail = (what: string): never => {
    throw new PluginManifestError(`plugin "${expectedId}" (${source}): ${what}`);
  };
  if (typeof exported !== 'object' || exported === null) fail('its default export must be a plugin object (see plugins/system-monitor)');
  const m = exported as Record<string, unknown>;
  if (m.id !== expectedId) fail(`declares id ${JSON.stringify(m.id)}, but is configured as "${expectedId}"`);
  if (typeof m.version !== 'string' || !semver.valid(m.version)) fail(`version ${JSON.stringify(m.version)} is not a semver version`);
  if (typeof m.hub !== 'string' || !semver.validRange(m.hub)) fail(`hub ${JSON.stringify(m.hub)} is not a semver range`);
  if (!semver.satisfies(HUB_API_VERSION, m.hub as string)) {
    fail(`needs hub API ${m.hub as string}, this hub provides ${HUB_API_VERSION}`);
  }
  if (m.configSchema !== undefined && (typeof m.configSchema !== 'object' || m.configSchema === null)) {
    fail('configSchema must be a JSON Schema object');
  }
  if (typeof m.setup !== 'function') fail('setup must be a function');
  return m as unknown as PluginManifest;
}

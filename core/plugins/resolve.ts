import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface PluginSource {
  /** What to import. */
  url: string;
  /** Where it came from, for messages. */
  description: string;
}

const ENTRY_FILES = ['index.ts', 'index.js', 'index.mjs'];

/**
 * Finds a plugin: an npm package when `package` is given (resolved from the
 * config folder first, then the hub's own node_modules), else a folder
 * `plugins/<id>/` beside the config, then in the hub. Throws a message that
 * lists every place it looked.
 */
export function resolvePlugin(id: string, pkg: string | undefined, configDir: string, hubRoot: string): PluginSource {
  const bases = [configDir, hubRoot];
  if (pkg) {
    for (const base of bases) {
      try {
        const file = createRequire(join(base, 'package.json')).resolve(pkg);
        return { url: pathToFileURL(file).href, description: `package ${pkg}` };
      } catch {
        // not installed under this base; try the next
      }
    }
    throw new Error(`package "${pkg}" is not installed (run \`npm install ${pkg}\` in ${configDir} or ${hubRoot})`);
  }
  const looked: string[] = [];
  for (const base of bases) {
    const folder = join(base, 'plugins', id);
    for (const entry of ENTRY_FILES) {
      const file = join(folder, entry);
      if (existsSync(file)) return { url: pathToFileURL(file).href, description: file };
    }
    looked.push(folder);
  }
  throw new Error(`not found: no index.ts/index.js in ${[...new Set(looked)].join(' or ')}; for an npm package add "package: hearth-plugin-…"`);
}

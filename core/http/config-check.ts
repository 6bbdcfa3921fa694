/**
 * Checks a config text as `hearth check-config` checks the file: the loader
 * (YAML, `!secret`, `!include`, `${ENV}`, the schema) and then the options of
 * every enabled plugin against the plugin's schema. Nothing of the running
 * hub changes.
 */
import { randomUUID } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';
import { ConfigError, type ConfigIssue } from '../config/errors.ts';
import { loadConfig, type LoadedConfig } from '../config/load-config.ts';
import { HUB_ROOT } from '../paths.ts';
import { loadPlugin } from '../plugins/load.ts';
import { apiError } from './errors.ts';

export interface ConfigProblem {
  /** null: the text checked; else an included file (relative to the config folder), `secrets.yaml` or `environment:VAR` */
  file: string | null;
  line: number | null;
  column: number | null;
  /** dotted, e.g. `http.port`, `plugins.weather.interval` */
  path: string;
  message: string;
}

export async function checkConfigText(text: string, configDir: string): Promise<ConfigProblem[]> {
  // Beside the real config file, so `!include` and `!secret` resolve as they will for it.
  const scratch = join(configDir, `.hearth-check-${randomUUID()}.yaml`);
  try {
    await writeFile(scratch, text, { mode: 0o600 });
  } catch (error) {
    throw apiError(500, 'config_dir_not_writable', `cannot check: the config folder ${configDir} takes no scratch file (${(error as NodeJS.ErrnoException).code})`);
  }
  try {
    const issues = await issuesOf(scratch);
    return issues.map((issue) => problem(issue, scratch, configDir));
  } finally {
    await rm(scratch, { force: true });
  }
}

async function issuesOf(file: string): Promise<ConfigIssue[]> {
  let loaded;
  try {
    loaded = loadConfig(file);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  return pluginIssues(loaded);
}

/** Loads every enabled plugin of a loaded config and checks its options; a plugin that fails to load is an issue at its key. */
export async function pluginIssues(loaded: LoadedConfig): Promise<ConfigIssue[]> {
  const issues: ConfigIssue[] = [];
  for (const entry of loaded.plugins.filter((p) => p.enabled)) {
    try {
      await loadPlugin(entry, { configDir: loaded.dir, hubRoot: HUB_ROOT }, loaded.validatePlugin);
    } catch (error) {
      if (error instanceof ConfigError) issues.push(...error.issues);
      else issues.push({ file: loaded.file, line: 0, col: 0, path: `plugins.${entry.id}`, message: error instanceof Error ? error.message : String(error) });
    }
  }
  return issues;
}

function problem(issue: ConfigIssue, scratch: string, configDir: string): ConfigProblem {
  const file = issue.file === scratch ? null : isAbsolute(issue.file) ? relative(configDir, issue.file) : issue.file;
  return {
    file,
    line: issue.line > 0 ? issue.line : null,
    column: issue.line > 0 ? issue.col : null,
    path: issue.path,
    // The value that failed may come from ${ENV} or an included file: never echo it.
    message: issue.message.replace(/ \(got .*\)$/s, ''),
  };
}

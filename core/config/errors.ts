/**
 * Configuration problems, each tied to a place in a file, and how they are
 * printed. Every part of the config loader reports through ConfigIssue so the
 * CLI can list all problems of one load at once.
 */
import { isAbsolute, relative } from 'node:path';

/** 1-based. `line` 0 means "no position in the file" (missing file, environment variable). */
export interface SourceLocation {
  file: string;
  line: number;
  col: number;
}

/** A place in the parsed document: map keys and sequence indices. */
export type DocPath = readonly (string | number)[];

export interface ConfigIssue extends SourceLocation {
  /** Dotted document path, e.g. `http.port`, `plugins.example.items[0]`; '' for the whole file. */
  path: string;
  message: string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';

  constructor(readonly issues: ConfigIssue[]) {
    // The message carries every issue so code that only prints `.message` still shows them all.
    super(issues.map((issue) => formatIssue(issue)).join('\n'));
  }
}

/** `config/hearth.yaml:12:5: http.port: must be integer (got "abc")`, the file relative to the working folder when inside it. */
export function formatIssue(issue: ConfigIssue): string {
  let file = issue.file;
  if (isAbsolute(file)) {
    const rel = relative(process.cwd(), file);
    if (rel !== '' && !rel.startsWith('..') && !isAbsolute(rel)) file = rel;
  }
  const where = issue.line > 0 ? `${file}:${issue.line}:${issue.col}` : file;
  return issue.path ? `${where}: ${issue.path}: ${issue.message}` : `${where}: ${issue.message}`;
}

/** `['plugins', 'example', 'items', 0]` → `plugins.example.items[0]`; odd keys are quoted: `a["b.c"]`. */
export function formatPath(path: DocPath): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (/^[A-Za-z0-9_-]+$/.test(part)) out += out ? `.${part}` : part;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out;
}

/** `unknown key "prot" (allowed: host, port) — did you mean "port"?` */
export function unknownKeyMessage(key: string, allowed: readonly string[]): string {
  let message = `unknown key "${key}"`;
  if (allowed.length > 0) message += ` (allowed: ${allowed.join(', ')})`;
  const near = allowed
    .map((candidate) => ({ candidate, distance: editDistance(key, candidate) }))
    .filter((c) => c.distance <= 2)
    .sort((a, b) => a.distance - b.distance)[0];
  if (near) message += ` — did you mean "${near.candidate}"?`;
  return message;
}

/** Levenshtein distance, for "did you mean". */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}

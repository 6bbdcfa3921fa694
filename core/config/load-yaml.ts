/**
 * Reads a YAML config file into plain JS values while remembering where every
 * value and key came from, so later checks can point at file:line:col.
 *
 * Beyond plain YAML it understands:
 *   !secret name      the value of `name` in secrets.yaml beside the main file
 *   !include file     the parsed content of another file (relative to this one)
 *   ${VAR}, ${VAR:-default}, $${ (a literal `${`) inside strings
 */
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node, type ScalarTag, type YAMLError } from 'yaml';
import { ConfigError, formatPath, type ConfigIssue, type DocPath, type SourceLocation } from './errors.ts';

export interface LoadYamlOptions {
  /** Variables for `${VAR}`; default `process.env`. */
  env?: Record<string, string | undefined>;
  /** Where `!secret` looks; default `secrets.yaml` beside the main file. */
  secretsFile?: string;
}

export interface LoadedYaml {
  value: unknown;
  /** Where the value at `path` was written (for a `!secret`/`!include` value: the tag). */
  locate(path: DocPath): SourceLocation | undefined;
  /** Where the key naming `path` was written, for "unknown key" errors. */
  locateKey(path: DocPath): SourceLocation | undefined;
  /** True when `path` or one of its ancestors came from a `!secret`: never print it. */
  isSecret(path: DocPath): boolean;
}

// Declared so the parser keeps them on the node instead of warning; their meaning is applied by the walk below.
const CUSTOM_TAGS: ScalarTag[] = ['!secret', '!include'].map((tag) => ({ tag, resolve: (text: string) => text }));

/** Parses `file` and everything it includes. Throws one ConfigError with every problem found. */
export function loadYaml(file: string, options: LoadYamlOptions = {}): LoadedYaml {
  const main = resolve(file);
  const reader = new Reader(options.env ?? process.env, resolve(options.secretsFile ?? join(dirname(main), 'secrets.yaml')), dirname(main));
  const value = reader.file(main, [], undefined);
  if (reader.issues.length > 0) throw new ConfigError(reader.issues);
  const key = (path: DocPath) => JSON.stringify(path);
  return {
    value,
    locate: (path) => reader.locations.get(key(path)),
    locateKey: (path) => reader.keyLocations.get(key(path)),
    isSecret: (path) => path.some((_, i) => reader.secretPaths.has(key(path.slice(0, i + 1)))),
  };
}

/** One parsed file: what a location inside it needs. */
interface Source {
  file: string;
  text: string;
  lines: LineCounter;
  doc: Document.Parsed;
}

class Reader {
  readonly issues: ConfigIssue[] = [];
  readonly locations = new Map<string, SourceLocation>();
  readonly keyLocations = new Map<string, SourceLocation>();
  readonly secretPaths = new Set<string>();
  private readonly including: string[] = [];
  private secrets: Record<string, unknown> | string | undefined;

  constructor(
    private readonly env: Record<string, string | undefined>,
    private readonly secretsFile: string,
    private readonly mainDir: string,
  ) {}

  /** The value of a whole file placed at `path`; `tag` is the `!include` that asked for it (none for the main file). */
  file(file: string, path: DocPath, tag: SourceLocation | undefined): unknown {
    const issueAt = tag ?? { file, line: 0, col: 0 };
    const name = relative(this.mainDir, file);
    if (this.including.includes(file)) {
      const cycle = [...this.including.slice(this.including.indexOf(file)), file].map((f) => relative(this.mainDir, f));
      return this.issue(issueAt, path, `include cycle: ${cycle.join(' → ')}`);
    }
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const problem = code === 'ENOENT' ? 'not found' : `cannot be read (${code ?? String(error)})`;
      return this.issue(issueAt, path, tag ? `cannot include ${name}: ${file} ${problem}` : `config file ${problem}`);
    }
    const lines = new LineCounter();
    // uniqueKeys off: the walk reports duplicates itself, with their document path.
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false, customTags: CUSTOM_TAGS });
    const problems = [...doc.errors, ...doc.warnings];
    for (const problem of problems) {
      const { line, col } = lines.linePos(problem.pos[0]);
      this.issue({ file, line, col }, [], yamlProblem(problem, text));
    }
    if (problems.length > 0) return null;
    const source: Source = { file, text, lines, doc };
    if (!doc.contents) {
      this.locations.set(JSON.stringify(path), tag ?? { file, line: 1, col: 1 });
      return null;
    }
    this.including.push(file);
    try {
      return this.node(doc.contents, path, source, new Set());
    } finally {
      this.including.pop();
    }
  }

  private node(node: Node, path: DocPath, source: Source, aliases: Set<Node>): unknown {
    const at = this.location(node, source);
    this.locations.set(JSON.stringify(path), at);
    if (isAlias(node)) {
      const target = node.resolve(source.doc);
      // An alias inside its own anchor would expand forever.
      if (!target || aliases.has(node)) return this.issue(at, path, `alias *${node.source} cannot be expanded`);
      return this.node(target, path, source, new Set([...aliases, node]));
    }
    if (isMap(node)) {
      const map: Record<string, unknown> = {};
      for (const pair of node.items) {
        const keyNode = pair.key as Node | null;
        if (!isScalar(keyNode) || keyNode.value === null || typeof keyNode.value === 'object') {
          this.issue(keyNode ? this.location(keyNode, source) : at, path, 'keys must be plain names');
          continue;
        }
        const key = String(keyNode.value);
        const keyPath = [...path, key];
        const keyAt = this.location(keyNode, source);
        const first = this.keyLocations.get(JSON.stringify(keyPath));
        if (first && Object.hasOwn(map, key)) {
          this.issue(keyAt, keyPath, `duplicate key (first at line ${first.line})`);
          continue;
        }
        this.keyLocations.set(JSON.stringify(keyPath), keyAt);
        const valueNode = pair.value as Node | null;
        const value = valueNode ? this.node(valueNode, keyPath, source, aliases) : null;
        // `key:` with nothing after it: point at the key, not at the empty spot after the colon.
        if (!valueNode || (isScalar(valueNode) && valueNode.range?.[0] === valueNode.range?.[1])) {
          this.locations.set(JSON.stringify(keyPath), keyAt);
        }
        // defineProperty: a key named "__proto__" must stay a key, not replace the prototype.
        Object.defineProperty(map, key, { value, enumerable: true, writable: true, configurable: true });
      }
      return map;
    }
    if (isSeq(node)) return node.items.map((item, i) => this.node(item as Node, [...path, i], source, aliases));
    if (!isScalar(node)) return null;
    if (node.tag === '!secret') return this.secret(node.value, path, at);
    if (node.tag === '!include') return this.file(resolve(dirname(source.file), String(node.value)), path, at);
    if (typeof node.value === 'string') return this.substitute(node.value, node.type === 'PLAIN', path, at);
    return node.value;
  }

  /** The node's start; for a tagged node, the tag's start, since the tag is what the user will look for. */
  private location(node: Node, source: Source): SourceLocation {
    let offset = node.range?.[0] ?? 0;
    if (node.tag) {
      const tagAt = source.text.lastIndexOf(node.tag, offset);
      if (tagAt >= 0 && source.text.slice(tagAt + node.tag.length, offset).trim() === '') offset = tagAt;
    }
    const { line, col } = source.lines.linePos(offset);
    return { file: source.file, line, col };
  }

  private secret(name: unknown, path: DocPath, at: SourceLocation): unknown {
    this.secretPaths.add(JSON.stringify(path));
    const secrets = (this.secrets ??= readSecrets(this.secretsFile));
    if (typeof secrets === 'string') return this.issue(at, path, `secret "${String(name)}": ${secrets}`);
    if (typeof name !== 'string' || !Object.hasOwn(secrets, name)) {
      return this.issue(at, path, `secret "${String(name)}" not found in ${this.secretsFile}`);
    }
    return secrets[name];
  }

  /**
   * Replaces `${VAR}` / `${VAR:-default}` (default also when VAR is empty, as in
   * the shell) and `$${` → `${`. A plain scalar that is exactly one `${…}` is
   * read again as YAML so `port: ${PORT}` gives a number; quoting keeps a string.
   */
  private substitute(text: string, plain: boolean, path: DocPath, at: SourceLocation): unknown {
    if (!text.includes('${')) return text;
    const result = text.replace(/\$\$\{|\$\{([^}]*)\}|\$\{/g, (match, body: string | undefined) => {
      if (match === '$${') return '${';
      const found = body === undefined ? { error: `unclosed "\${" (write "$\${" for a literal "\${")` } : this.lookup(body);
      if (typeof found === 'string') return found;
      this.issue(at, path, found.error);
      return match;
    });
    return plain && /^\$\{[^}]*\}$/.test(text) ? readPlainScalar(result) : result;
  }

  /** The text for `${body}`, or what is wrong with it. */
  private lookup(body: string): string | { error: string } {
    const ref = /^([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s.exec(body);
    if (!ref) return { error: `invalid variable reference "\${${body}}" (expected \${NAME} or \${NAME:-default})` };
    const [, name = '', fallback] = ref;
    const value = this.env[name];
    if (value !== undefined && !(fallback !== undefined && value === '')) return value;
    if (fallback !== undefined) return fallback;
    return { error: `environment variable ${name} is not set (give a default with \${${name}:-value})` };
  }

  /** Records a problem; returns null so callers can use it as the value in its place. */
  private issue(at: SourceLocation, path: DocPath, message: string): null {
    this.issues.push({ ...at, path: formatPath(path), message });
    return null;
  }
}

function yamlProblem(problem: YAMLError, text: string): string {
  if (problem.code !== 'TAG_RESOLVE_FAILED') return `invalid YAML: ${problem.message}`;
  const tag = text.slice(problem.pos[0], problem.pos[1]);
  // Our tags are declared for scalars only, so on a list or map they fail to resolve too.
  if (tag === '!secret') return '!secret takes a secret name, not a list or map';
  if (tag === '!include') return '!include takes a file name, not a list or map';
  return `unknown tag ${tag} (allowed: !secret, !include)`;
}

/** `"8080"` → 8080, `"true"` → true, `"~"` → null; anything that is not a single plain scalar stays text. */
function readPlainScalar(text: string): unknown {
  const doc = parseDocument(text, { prettyErrors: false });
  const node = doc.contents;
  const whole = isScalar(node) && node.type === 'PLAIN' && node.range?.[0] === 0 && node.range[1] === text.length;
  return whole && doc.errors.length === 0 && doc.warnings.length === 0 ? node.value : text;
}

/** The secrets map, or why there is none. Problems never quote the file's content. */
function readSecrets(file: string): Record<string, unknown> | string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? `secrets file ${file} not found` : `secrets file ${file} cannot be read (${code ?? String(error)})`;
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const error = doc.errors[0];
  if (error) {
    const { line, col } = lines.linePos(error.pos[0]);
    return `secrets file ${file}:${line}:${col} is not valid YAML (${error.message})`;
  }
  const value: unknown = doc.toJS() ?? {};
  if (typeof value !== 'object' || Array.isArray(value)) return `secrets file ${file} must be a map of names to values`;
  return value as Record<string, unknown>;
}

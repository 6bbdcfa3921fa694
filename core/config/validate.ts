/**
 * Validates a part of the config against a JSON Schema and turns ajv's errors
 * into ConfigIssues that point at the offending place in the YAML file, in
 * words a user can act on.
 */
import type { ErrorObject } from 'ajv';
import { createAjv } from './ajv.ts';
import { formatPath, unknownKeyMessage, type ConfigIssue, type DocPath, type SourceLocation } from './errors.ts';

// verbose: errors then carry the failing value and the schema around it (allowed keys, enum values).
const ajv = createAjv({ verbose: true });

export interface SectionContext {
  /** Where `value` sits in the document, e.g. `['plugins', 'example']`; default the root. */
  basePath?: DocPath;
  /** Location of a value by document path; should at least know the root `[]`. */
  locate(path: DocPath): SourceLocation | undefined;
  /** Location of the key naming a path; values' locations are used when missing. */
  locateKey?(path: DocPath): SourceLocation | undefined;
  /** Paths whose values must not appear in messages. */
  isSecret?(path: DocPath): boolean;
}

const NOWHERE: SourceLocation = { file: 'unknown', line: 0, col: 0 };

/**
 * Validates `value` against `schema`, filling the schema's defaults into
 * `value` in place. Returns every problem found, [] when valid. Throws only
 * when the schema itself is invalid (ajv strict mode).
 */
export function validateSection(schema: object, value: unknown, context: SectionContext): ConfigIssue[] {
  const validate = ajv.compile(schema); // ajv caches by schema object, so repeated calls are cheap
  if (validate(value)) return [];
  const issues = simplify(validate.errors ?? []).map((error) => toIssue(error, value, context));
  // ajv reports in schema order; the user reads the file top to bottom.
  return issues.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col);
}

function toIssue(error: ErrorObject, root: unknown, context: SectionContext): ConfigIssue {
  const path = [...(context.basePath ?? []), ...pointerToPath(error.instancePath, root)];
  const issue = (at: DocPath, where: SourceLocation, message: string): ConfigIssue => ({ ...where, path: formatPath(at), message });
  if (error.keyword === 'additionalProperties') {
    const key = String(error.params.additionalProperty);
    const allowed = Object.keys((error.parentSchema?.properties as object | undefined) ?? {});
    return issue([...path, key], keyLocation([...path, key], context), unknownKeyMessage(key, allowed));
  }
  if (error.propertyName !== undefined) {
    const keyPath = [...path, error.propertyName];
    return issue(keyPath, keyLocation(keyPath, context), `invalid key "${error.propertyName}": ${describeRule(error)}`);
  }
  if (error.keyword === 'required') {
    // The missing key has no place of its own: point at the object that lacks it.
    return issue(path, keyLocation(path, context), `missing required key "${String(error.params.missingProperty)}"`);
  }
  const got = context.isSecret?.(path) ? '' : ` (got ${describeValue(error.data)})`;
  return issue(path, nearestLocation(path, context), describeRule(error) + got);
}

/** What the failed rule expects, in words. */
function describeRule(error: ErrorObject): string {
  switch (error.keyword) {
    case 'type':
      return `must be ${([] as unknown[]).concat(error.params.type).join(' or ')}`;
    case 'enum':
      return `must be one of: ${(error.params.allowedValues as unknown[]).map(describeAllowed).join(', ')}`;
    case 'const':
      return `must be ${describeAllowed(error.params.allowedValue)}`;
    case 'oneOf':
    case 'anyOf':
      return error.params.passingSchemas ? 'matches more than one of the allowed forms' : 'does not match any of the allowed forms';
    default:
      return error.message ?? `fails "${error.keyword}"`;
  }
}

function describeAllowed(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function describeValue(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value !== null && typeof value === 'object') return 'a map';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function keyLocation(path: DocPath, context: SectionContext): SourceLocation {
  return context.locateKey?.(path) ?? nearestLocation(path, context);
}

/** The path's own location, else its nearest located ancestor (e.g. for values that defaults filled in). */
function nearestLocation(path: DocPath, context: SectionContext): SourceLocation {
  for (let length = path.length; length >= 0; length--) {
    const found = context.locate(path.slice(0, length));
    if (found) return found;
  }
  return NOWHERE;
}

/** `/plugins/a~1b/items/0` → `['plugins', 'a/b', 'items', 0]`, indices as numbers where the data is a list. */
function pointerToPath(pointer: string, root: unknown): (string | number)[] {
  const path: (string | number)[] = [];
  let node = root;
  for (const raw of pointer.split('/').slice(1)) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const step = Array.isArray(node) ? Number(part) : part;
    path.push(step);
    node = (node as Record<string | number, unknown> | undefined)?.[step];
  }
  return path;
}

/**
 * Drops the noise of `anyOf`/`oneOf`: ajv reports the failure of every branch.
 * If only one branch accepts the value's kind, its errors are the real ones;
 * if none does, one "must be A or B" says it; otherwise the composite's own
 * error stands alone. `propertyNames`' summary is dropped: the error under it
 * (carrying `propertyName`) says which rule the key broke.
 */
function simplify(errors: ErrorObject[]): ErrorObject[] {
  let result = errors.filter((e) => e.keyword !== 'propertyNames');
  const composites = result.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf');
  // Innermost first, so an outer composite sees its inner ones already collapsed.
  composites.sort((a, b) => b.schemaPath.length - a.schemaPath.length);
  for (const composite of composites) result = collapse(composite, result);
  return result;
}

function collapse(composite: ErrorObject, errors: ErrorObject[]): ErrorObject[] {
  const prefix = `${composite.schemaPath}/`;
  const inBranches = errors.filter((e) => e.schemaPath.startsWith(prefix));
  if (inBranches.length === 0) return errors;
  const others = errors.filter((e) => e !== composite && !inBranches.includes(e));
  const branches = new Map<string, ErrorObject[]>();
  for (const e of inBranches) {
    const index = e.schemaPath.slice(prefix.length).split('/')[0] ?? '';
    branches.set(index, [...(branches.get(index) ?? []), e]);
  }
  const verdicts = [...branches].map(([index, errs]) => ({ errs, kind: errs.find((e) => isKindError(e, composite, `${prefix}${index}/`)) }));
  const close = verdicts.filter((v) => !v.kind);
  if (close.length === 1) return [...others, ...close[0]!.errs];
  if (close.length > 1) return [...others, composite];
  const alternatives = verdicts.map((v) => describeRule(v.kind!).replace(/^must be /, ''));
  return [...others, { ...composite, keyword: 'type', params: { type: alternatives } }];
}

/** An error saying the branch does not take this kind of value at all (wrong type, not the constant). */
function isKindError(error: ErrorObject, composite: ErrorObject, branchPath: string): boolean {
  return (
    error.instancePath === composite.instancePath &&
    ['type', 'const', 'enum'].includes(error.keyword) &&
    error.schemaPath === branchPath + error.keyword
  );
}

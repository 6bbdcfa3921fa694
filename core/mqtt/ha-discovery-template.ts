/**
 * A small, safe evaluator for the value templates Home Assistant discovery
 * payloads carry. Not Jinja: one `{{ expression }}` whose expression is
 * `value` or `value_json` followed by `.name`, `['name']` or `[0]` accessors,
 * then any number of `| filter` or `| filter(args)` with literal arguments.
 * That covers what ESPHome, Tasmota and Zigbee2MQTT send. Anything else
 * compiles to an unsupported template (the caller warns once and ignores the
 * entity's state messages); nothing is ever passed to `eval`.
 */

/** A path that is not in the message: this message carries no value for the entity. */
export const MISSING: unique symbol = Symbol('missing');
export type Rendered = unknown;

/** A supported template applied to a value it cannot handle (e.g. `float` on "abc"). */
export class TemplateError extends Error {}

export type CompiledTemplate =
  | { supported: true; source: string; render(payload: string): Rendered }
  | { supported: false; source: string; reason: string };

type Literal = string | number | boolean | null;
interface Filter {
  name: string;
  args: Literal[];
}

type Token =
  | { t: 'ident'; v: string }
  | { t: 'str'; v: string }
  | { t: 'num'; v: number }
  | { t: 'punct'; v: '.' | '[' | ']' | '|' | '(' | ')' | ',' };

const FILTERS = new Set(['float', 'int', 'round', 'string', 'lower', 'upper', 'trim', 'abs', 'default']);

class Unsupported extends Error {}

/** Compiles once (at discovery); `render` runs per state message. */
export function compileTemplate(source: string): CompiledTemplate {
  const match = /^\s*\{\{-?([\s\S]*?)-?\}\}\s*$/.exec(source);
  if (!match) return { supported: false, source, reason: 'only a single {{ … }} expression is supported' };
  try {
    const tokens = tokenize(match[1] ?? '');
    const { root, path, filters } = parse(tokens);
    return {
      supported: true,
      source,
      render(payload: string): Rendered {
        let current: unknown = root === 'value' ? payload : parseJsonOrMissing(payload);
        for (const step of path) current = access(current, step);
        for (const filter of filters) current = applyFilter(filter, current);
        return current;
      },
    };
  } catch (error) {
    if (error instanceof Unsupported) return { supported: false, source, reason: error.message };
    throw error;
  }
}

function parseJsonOrMissing(payload: string): unknown {
  try {
    return JSON.parse(payload);
  } catch {
    return MISSING;
  }
}

function access(current: unknown, step: string | number): unknown {
  if (current === MISSING || current === null || typeof current !== 'object') return MISSING;
  if (Array.isArray(current)) {
    if (typeof step !== 'number') return MISSING;
    return step < current.length ? current[step < 0 ? current.length + step : step] : MISSING;
  }
  const key = String(step);
  return Object.prototype.hasOwnProperty.call(current, key) ? (current as Record<string, unknown>)[key] : MISSING;
}

function toNumber(value: unknown, filter: string, fallback?: Literal): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : typeof value === 'boolean' ? Number(value) : Number.NaN;
  if (Number.isFinite(n)) return n;
  if (typeof fallback === 'number') return fallback;
  throw new TemplateError(`${filter}: ${JSON.stringify(value)} is not a number`);
}

function applyFilter(filter: Filter, value: unknown): unknown {
  const { name, args } = filter;
  if (name === 'default') return value === MISSING ? (args[0] ?? '') : value;
  // A value that is not in this message stays missing through every other filter.
  if (value === MISSING) return MISSING;
  switch (name) {
    case 'float':
      return toNumber(value, 'float', args[0]);
    case 'int':
      return Math.trunc(toNumber(value, 'int', args[0]));
    case 'abs':
      return Math.abs(toNumber(value, 'abs'));
    case 'round': {
      const precision = typeof args[0] === 'number' ? args[0] : 0;
      const method = typeof args[1] === 'string' ? args[1] : 'common';
      const factor = 10 ** precision;
      const n = toNumber(value, 'round') * factor;
      const rounded = method === 'floor' ? Math.floor(n) : method === 'ceil' ? Math.ceil(n) : Math.sign(n) * Math.round(Math.abs(n));
      return rounded / factor;
    }
    case 'string':
      return stringify(value);
    case 'lower':
      return stringify(value).toLowerCase();
    case 'upper':
      return stringify(value).toUpperCase();
    case 'trim':
      return stringify(value).trim();
    default:
      throw new Unsupported(`filter "${name}"`);
  }
}

/** How a rendered value reads as text: booleans as Python prints them, objects as JSON. */
export function stringify(value: unknown): string {
  if (value === MISSING || value === null || value === undefined) return '';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (/\s/.test(c)) {
      i++;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i)) as RegExpExecArray;
      tokens.push({ t: 'ident', v: m[0] });
      i += m[0].length;
    } else if (/[0-9]/.test(c) || (c === '-' && /[0-9]/.test(text[i + 1] ?? ''))) {
      const m = /^-?[0-9]+(\.[0-9]+)?/.exec(text.slice(i)) as RegExpExecArray;
      tokens.push({ t: 'num', v: Number(m[0]) });
      i += m[0].length;
    } else if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) throw new Unsupported('unterminated string');
      tokens.push({ t: 'str', v: text.slice(i + 1, end) });
      i = end + 1;
    } else if ('.[]|(),'.includes(c)) {
      tokens.push({ t: 'punct', v: c as '.' });
      i++;
    } else {
      throw new Unsupported(`"${c}"`);
    }
  }
  return tokens;
}

function parse(tokens: Token[]): { root: 'value' | 'value_json'; path: Array<string | number>; filters: Filter[] } {
  let i = 0;
  const peek = () => tokens[i];
  const isPunct = (v: string) => peek()?.t === 'punct' && peek()?.v === v;
  const expect = (v: string) => {
    if (!isPunct(v)) throw new Unsupported(`expected "${v}"`);
    i++;
  };
  const first = tokens[i++];
  if (!first || first.t !== 'ident' || (first.v !== 'value' && first.v !== 'value_json')) {
    throw new Unsupported('the expression must start with value or value_json');
  }
  const root = first.v;
  const path: Array<string | number> = [];
  while (isPunct('.') || isPunct('[')) {
    if (root === 'value') throw new Unsupported('value has no fields: use value_json');
    if (isPunct('.')) {
      i++;
      const name = tokens[i++];
      if (name?.t !== 'ident') throw new Unsupported('expected a field name after "."');
      path.push(name.v);
    } else {
      i++;
      const key = tokens[i++];
      if (key?.t === 'str') path.push(key.v);
      else if (key?.t === 'num' && Number.isInteger(key.v)) path.push(key.v);
      else throw new Unsupported('only [\'name\'] or [index] accessors are supported');
      expect(']');
    }
  }
  const filters: Filter[] = [];
  while (isPunct('|')) {
    i++;
    const name = tokens[i++];
    if (name?.t !== 'ident') throw new Unsupported('expected a filter name after "|"');
    if (!FILTERS.has(name.v)) throw new Unsupported(`filter "${name.v}"`);
    const args: Literal[] = [];
    if (isPunct('(')) {
      i++;
      while (!isPunct(')')) {
        const arg = tokens[i++];
        if (arg?.t === 'num' || arg?.t === 'str') args.push(arg.v);
        else if (arg?.t === 'ident' && (arg.v === 'true' || arg.v === 'True')) args.push(true);
        else if (arg?.t === 'ident' && (arg.v === 'false' || arg.v === 'False')) args.push(false);
        else if (arg?.t === 'ident' && arg.v === 'none') args.push(null);
        else throw new Unsupported(`filter ${name.v}: only literal arguments are supported`);
        if (isPunct(',')) i++;
        else if (!isPunct(')')) throw new Unsupported(`filter ${name.v}: expected "," or ")"`);
      }
      i++;
    }
    filters.push({ name: name.v, args });
  }
  if (i < tokens.length) throw new Unsupported('unexpected text after the expression');
  return { root, path, filters };
}

/**
 * Keyset pagination: a page is the `limit` items after the key of the last
 * item of the previous page, so items added or removed meanwhile never shift
 * a page (as an offset would) and none is skipped or repeated. The cursor is
 * that key, opaque to clients: base64url of `[list, ...key]`.
 */
import { invalidRequest } from './errors.ts';

export type CursorKey = readonly (string | number)[];

export interface PageQuery {
  limit: number;
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export function encodeCursor(list: string, key: CursorKey): string {
  return Buffer.from(JSON.stringify([list, ...key])).toString('base64url');
}

/** The key in a cursor of `list`; a 400 naming the parameter for anything else (a cursor of another list, a made-up one). */
export function decodeCursor(list: string, cursor: string, arity: number): CursorKey {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    decoded = undefined;
  }
  const valid =
    Array.isArray(decoded) &&
    decoded[0] === list &&
    decoded.length === arity + 1 &&
    decoded.slice(1).every((part) => typeof part === 'string' || typeof part === 'number');
  if (!valid) throw invalidRequest([{ in: 'query', path: '/cursor', message: `is not a cursor of ${list}: pass next_cursor of the previous page as it was given` }]);
  return (decoded as unknown[]).slice(1) as CursorKey;
}

// The order of String.prototype.localeCompare, which the registries sort by, at a fraction of its cost per call.
const collator = new Intl.Collator();

/** Orders keys part by part: numbers by value, text as the registries sort it. */
export function compareKeys(a: CursorKey, b: CursorKey): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    const order = typeof x === 'number' && typeof y === 'number' ? x - y : collator.compare(String(x), String(y));
    if (order !== 0) return order;
  }
  return 0;
}

/** How a list is ordered for paging: its name (cursors of one list are refused by another) and a unique key per item. */
export interface Keyset<T> {
  list: string;
  /** parts of the key */
  arity: number;
  key(item: T): CursorKey;
}

/** A page of an in-memory list, in ascending order of the keyset's key. */
export function pageOf<T>(keyset: Keyset<T>, items: Iterable<T>, query: PageQuery): Page<T> {
  const after = query.cursor === undefined ? undefined : decodeCursor(keyset.list, query.cursor, keyset.arity);
  const rest: T[] = [];
  for (const item of items) if (!after || compareKeys(keyset.key(item), after) > 0) rest.push(item);
  rest.sort((a, b) => compareKeys(keyset.key(a), keyset.key(b)));
  const page = rest.slice(0, query.limit);
  return { items: page, next_cursor: rest.length > query.limit ? encodeCursor(keyset.list, keyset.key(page.at(-1)!)) : null };
}

export function mapPage<T, U>(page: Page<T>, map: (item: T) => U): Page<U> {
  return { items: page.items.map(map), next_cursor: page.next_cursor };
}

/** Requests as API clients make them, for the api-*.test.ts files. */
import type { TestHub } from '../support/hub.ts';

export interface ApiAnswer {
  status: number;
  headers: Headers;
  /** parsed JSON when the answer is JSON, else the text ('' for none) */
  body: any;
}

/** A JSON body (objects are serialized and sent as application/json); a string is sent as it is, with `headers` saying what it is. */
export async function call(hub: TestHub, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiAnswer> {
  const json = body !== undefined && typeof body !== 'string';
  const response = await fetch(hub.api + path, {
    method,
    headers: { ...(json ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body === undefined ? {} : { body: json ? JSON.stringify(body) : (body as string) }),
  });
  const text = await response.text();
  const isJson = response.headers.get('content-type')?.includes('json') && text !== '';
  return { status: response.status, headers: response.headers, body: isJson ? JSON.parse(text) : text };
}

/** Every item of a list endpoint from `cursor` (the first page without), following next_cursor. */
export async function allPages(hub: TestHub, path: string, cursor: string | null = null): Promise<any[]> {
  const items: any[] = [];
  do {
    const separator = path.includes('?') ? '&' : '?';
    const page: ApiAnswer = await call(hub, 'GET', cursor ? `${path}${separator}cursor=${encodeURIComponent(cursor)}` : path);
    if (page.status !== 200) throw new Error(`${path}: ${page.status} ${JSON.stringify(page.body)}`);
    items.push(...page.body.items);
    cursor = page.body.next_cursor;
  } while (cursor);
  return items;
}

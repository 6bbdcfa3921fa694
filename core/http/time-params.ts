import { badRequest } from './errors.ts';
import { iso } from './serialize.ts';

const DAY_MS = 86_400_000;

/** A query time as ISO 8601 or ms since the epoch; `fallback` when absent. */
export function parseTimeParam(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const ms = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (!Number.isFinite(ms)) throw badRequest(`${name}: "${raw}" is neither ISO 8601 (2026-11-23T10:00:00Z) nor ms since the epoch`);
  return ms;
}

/** `from`/`to`, by default the `defaultSpanMs` up to now. */
export function parseTimeRange(rawFrom: string | undefined, rawTo: string | undefined, defaultSpanMs = DAY_MS): { from: number; to: number } {
  const to = parseTimeParam('to', rawTo, Date.now());
  const from = parseTimeParam('from', rawFrom, to - defaultSpanMs);
  if (from > to) throw badRequest(`from (${iso(from)}) is after to (${iso(to)})`);
  return { from, to };
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: DAY_MS };

/** `30s`, `5m`, `1h`, `1d` or whole seconds as a number, in ms. */
export function parseDuration(name: string, raw: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(raw.trim());
  const ms = match ? Number(match[1]) * UNIT_MS[match[2] || 's']! : 0;
  if (!(ms > 0)) throw badRequest(`${name}: expected a duration such as 30s, 5m, 1h or 1d, got "${raw}"`);
  return ms;
}

import { badRequest } from './errors.ts';

/** A query time as ISO 8601 or ms since the epoch; `fallback` when absent. */
export function parseTimeParam(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const ms = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (!Number.isFinite(ms)) throw badRequest(`${name}: "${raw}" is neither ISO 8601 (2026-11-23T10:00:00Z) nor ms since the epoch`);
  return ms;
}

export function parseIntParam(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw badRequest(`${name}: expected an integer from ${min} to ${max}, got "${raw}"`);
  return n;
}

/**
 * One telemetry record as parallel arrays of its fields, and the fast way to
 * them: read straight from the payload's bytes when it is the form nearly
 * every device sends (one flat object of numbers, e.g.
 * `{"temperature":21.5,"humidity":40}`), with no string made of the payload
 * and no object made of the record. Every message of every device passes
 * here; JSON.parse of the payload's string was the largest single cost of the
 * hub's own share of ingest (~0.4 µs of each message, measured alone).
 *
 * Anything else (strings, arrays, nested values, escapes, exponents, more
 * than 15 significant digits, a repeated or array-index key, not JSON at
 * all) is left to JSON.parse: `readFlat` says false and has applied nothing.
 * When it says true, the fields are exactly what JSON.parse would have given,
 * in the order `for…in` would have visited them.
 */
export class TelemetryFields {
  /** The record's `ts` (undefined when it has none); never among the fields. */
  ts: unknown = undefined;
  length = 0;
  readonly keys: string[] = [];
  readonly values: unknown[] = [];
  private readonly recentKeys: Array<string | undefined> = new Array<string | undefined>(KEYS_KEPT);
  /** The value `readValue` read last (a field, not a tuple per value). */
  private scanned: number | boolean | null = null;

  /** The fields of a record JSON.parse made (the general path). */
  fromObject(record: Record<string, unknown>): this {
    this.clear();
    // for…in: no [key, value] array per field (JSON.parse makes only own, plain keys).
    for (const key in record) this.add(key, record[key]);
    return this;
  }

  /** Reads the payload when it is one flat object of numbers, booleans and nulls; false (and nothing read) otherwise. */
  readFlat(payload: Buffer): boolean {
    this.clear();
    if (this.scan(payload)) return true;
    this.clear();
    return false;
  }

  private clear(): void {
    this.length = 0;
    this.ts = undefined;
  }

  private scan(payload: Buffer): boolean {
    const end = payload.length;
    let i = skipSpace(payload, 0, end);
    if (payload[i++] !== OPEN_BRACE) return false;
    i = skipSpace(payload, i, end);
    if (payload[i] === CLOSE_BRACE) return skipSpace(payload, i + 1, end) === end;
    for (;;) {
      if (payload[i] !== QUOTE) return false;
      const keyStart = ++i;
      let allDigits = true;
      for (; i < end; i++) {
        const c = payload[i]!;
        if (c === QUOTE) break;
        // Printable ASCII without escapes: what every entity key is (anything else goes to JSON.parse).
        if (c < 0x20 || c > 0x7e || c === BACKSLASH) return false;
        if (c < DIGIT_0 || c > DIGIT_9) allDigits = false;
      }
      // An array-index key comes first in for…in whatever its place in the text: left to JSON.parse.
      if (i >= end || i === keyStart || allDigits) return false;
      const key = this.keyOf(payload, keyStart, i);
      i = skipSpace(payload, i + 1, end);
      if (payload[i++] !== COLON) return false;
      i = skipSpace(payload, i, end);
      const valueEnd = this.readValue(payload, i, end);
      if (valueEnd < 0 || !this.addOnce(key, this.scanned)) return false;
      i = skipSpace(payload, valueEnd, end);
      const c = payload[i++];
      if (c === CLOSE_BRACE) return skipSpace(payload, i, end) === end;
      if (c !== COMMA) return false;
      i = skipSpace(payload, i, end);
    }
  }

  /**
   * The key's string: the one made for an earlier message when the bytes are
   * the same (a device sends the same few keys every time). Same string, same
   * cached hash: the lookups by key that follow need not hash it again.
   */
  private keyOf(payload: Buffer, start: number, end: number): string {
    const length = end - start;
    const slot = (length * 31 + payload[start]! * 7 + payload[end - 1]!) & (KEYS_KEPT - 1);
    const known = this.recentKeys[slot];
    if (known !== undefined && known.length === length) {
      let k = 0;
      while (k < length && known.charCodeAt(k) === payload[start + k]) k++;
      if (k === length) return known;
    }
    const key = payload.toString('latin1', start, end);
    this.recentKeys[slot] = key;
    return key;
  }

  private add(key: string, value: unknown): void {
    if (key === 'ts') {
      this.ts = value;
      return;
    }
    this.keys[this.length] = key;
    this.values[this.length] = value;
    this.length++;
  }

  /** Adds the field unless its key was seen already (JSON.parse would keep the last value at the first one's place). */
  private addOnce(key: string, value: unknown): boolean {
    if (key === 'ts') {
      if (this.ts !== undefined) return false;
    } else {
      if (this.length === MAX_FLAT_FIELDS) return false;
      for (let k = 0; k < this.length; k++) if (this.keys[k] === key) return false;
    }
    this.add(key, value);
    return true;
  }

  /** Reads a number, true, false or null at `start` into `scanned`; the index after it, or -1. */
  private readValue(b: Buffer, start: number, end: number): number {
    let i = start;
    const c = b[i];
    if (c === LETTER_T || c === LETTER_F || c === LETTER_N) {
      const word = c === LETTER_T ? TRUE : c === LETTER_F ? FALSE : NULL;
      for (let k = 0; k < word.length; k++) if (b[i + k] !== word[k]) return -1;
      this.scanned = c === LETTER_T ? true : c === LETTER_F ? false : null;
      return i + word.length;
    }
    const negative = c === MINUS;
    if (negative) i++;
    let mantissa = 0;
    let digits = 0;
    let decimals = 0;
    // JSON's grammar: no leading zeros, at least one digit after a point.
    if (b[i] === DIGIT_0) i++;
    else if (isDigit(b[i])) {
      for (; i < end && isDigit(b[i]); i++, digits++) mantissa = mantissa * 10 + (b[i]! - DIGIT_0);
    } else return -1;
    if (b[i] === POINT) {
      i++;
      if (!isDigit(b[i])) return -1;
      for (; i < end && isDigit(b[i]); i++, digits++, decimals++) mantissa = mantissa * 10 + (b[i]! - DIGIT_0);
    }
    const next = b[i];
    // Exponents and long mantissas: JSON.parse's own rounding.
    if (next === LETTER_E || next === LETTER_UPPER_E || digits > MAX_EXACT_DIGITS || decimals > MAX_EXACT_DECIMALS) return -1;
    // Both operands are exact doubles and one division rounds once: the correctly rounded value, as JSON.parse's.
    const magnitude = decimals === 0 ? mantissa : mantissa / POWERS_OF_TEN[decimals]!;
    this.scanned = negative ? -magnitude : magnitude;
    return i;
  }
}

/** Up to 15 digits the mantissa is an exact integer; 10^22 is the largest exact power of ten. */
const MAX_EXACT_DIGITS = 15;
const MAX_EXACT_DECIMALS = 22;
const POWERS_OF_TEN = Array.from({ length: MAX_EXACT_DECIMALS + 1 }, (_, k) => 10 ** k);
/** Keys remembered by `keyOf` (a power of two), in slots by length and first and last byte. */
const KEYS_KEPT = 256;
/** More fields than any sensor sends: such a payload goes to JSON.parse (and the duplicate check stays short). */
const MAX_FLAT_FIELDS = 64;

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const MINUS = 0x2d;
const POINT = 0x2e;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const LETTER_E = 0x65;
const LETTER_UPPER_E = 0x45;
const LETTER_T = 0x74;
const LETTER_F = 0x66;
const LETTER_N = 0x6e;
const TRUE = Buffer.from('true');
const FALSE = Buffer.from('false');
const NULL = Buffer.from('null');

const isDigit = (c: number | undefined) => c !== undefined && c >= DIGIT_0 && c <= DIGIT_9;

/** The index of the first byte from `i` that is not JSON whitespace. */
function skipSpace(b: Buffer, from: number, end: number): number {
  let i = from;
  while (i < end) {
    const c = b[i];
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
    i++;
  }
  return i;
}

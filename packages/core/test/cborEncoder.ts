/**
 * Test support only: a small CBOR encoder (RFC 8949) for building test inputs, by default in CTAP2 canonical
 * form (CTAP 2.2 §8: shortest heads, definite lengths, map keys sorted by major type, then length, then bytes),
 * and helpers to write what a strict decoder must refuse. Deliberately independent of the decoder under test
 * (`src/_cbor.ts`); never imported by library code.
 */

/** Bytes spliced into an encoding as they are: an item written by hand (a tag, a float, a duplicate key). */
export interface RawCbor {
  readonly raw: Uint8Array;
}

/** What {@link encodeCbor} writes. Integers must be safe; `Map` keys integers or strings. */
export type CborInput = number | string | boolean | null | Uint8Array | RawCbor | readonly CborInput[] | ReadonlyMap<CborInput, CborInput>;

/** Options of {@link encodeCbor}. */
export interface EncodeOptions {
  /** `canonical` (default) sorts map keys as CTAP2 requires; `given` keeps each map's own order. */
  order?: 'canonical' | 'given';
  /**
   * Writes the argument of one head (counted from 0 in output order, over integers, strings, arrays and maps)
   * in `width` bytes instead of its shortest form; a width not wider than the shortest changes nothing.
   */
  widen?: { head: number; width: 1 | 2 | 4 | 8 };
}

/** Bytes from octet values. */
export const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);

/** The byte strings, one after another. */
export function concat(...parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Wraps hand-written bytes to splice into an encoding. */
export const raw = (...parts: readonly (Uint8Array | readonly number[])[]): RawCbor => ({ raw: concat(...parts.map((part) => Uint8Array.from(part))) });

/** The number of bytes the shortest head for `argument` takes after the initial byte (RFC 8949 §3). */
export function shortestWidth(argument: number): 0 | 1 | 2 | 4 | 8 {
  if (argument < 24) return 0;
  if (argument < 0x100) return 1;
  if (argument < 0x10000) return 2;
  if (argument < 0x100000000) return 4;
  return 8;
}

/** A head: major type and argument, in `width` argument bytes (0: in the initial byte), shortest by default. */
export function head(major: number, argument: number, width: 0 | 1 | 2 | 4 | 8 = shortestWidth(argument)): Uint8Array {
  if (width === 0) return bytes((major << 5) | argument);
  const out = new Uint8Array(1 + width);
  out[0] = (major << 5) | { 1: 24, 2: 25, 4: 26, 8: 27 }[width];
  let rest = argument;
  for (let index = width; index >= 1; index--) {
    out[index] = rest % 256;
    rest = Math.floor(rest / 256);
  }
  return out;
}

/** A map whose entries are written in the order given, duplicates included: what a `Map` cannot hold. */
export function mapOf(entries: readonly (readonly [CborInput, CborInput])[], options: EncodeOptions = {}): RawCbor {
  return raw(head(5, entries.length), ...entries.flatMap(([key, value]) => [encodeCbor(key, options), encodeCbor(value, options)]));
}

/** A tagged item (RFC 8949 §3.4): tag number `tag` around `content`. */
export const tagged = (tag: number, content: CborInput): RawCbor => raw(head(6, tag), encodeCbor(content));

/** A text string's encoding with content bytes as given, valid UTF-8 or not. */
export const textOf = (content: readonly number[]): RawCbor => raw(head(3, content.length), content);

/** CTAP 2.2 §8 key order: major type, then encoded length, then bytewise. */
export function compareCanonical(a: Uint8Array, b: Uint8Array): number {
  if (a[0]! >> 5 !== b[0]! >> 5) return (a[0]! >> 5) - (b[0]! >> 5);
  if (a.length !== b.length) return a.length - b.length;
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return a[index]! - b[index]!;
  return 0;
}

/**
 * Encodes `value`: shortest heads and definite lengths throughout, map keys in canonical order unless
 * `options.order` is `given`, and one head widened if `options.widen` says so.
 */
export function encodeCbor(value: CborInput, options: EncodeOptions = {}): Uint8Array {
  const counter = { next: 0 };
  return write(value, options, counter);
}

function write(value: CborInput, options: EncodeOptions, counter: { next: number }): Uint8Array {
  const headOf = (major: number, argument: number): Uint8Array => {
    const index = counter.next++;
    const { widen } = options;
    const width = widen !== undefined && widen.head === index && widen.width > shortestWidth(argument) ? widen.width : shortestWidth(argument);
    return head(major, argument, width);
  };
  if (value === null) return bytes(0xf6);
  if (value === false) return bytes(0xf4);
  if (value === true) return bytes(0xf5);
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new Error(`cborEncoder: ${value} is not a safe integer`);
    return value >= 0 ? headOf(0, value) : headOf(1, -1 - value);
  }
  if (typeof value === 'string') {
    const content = new TextEncoder().encode(value);
    return concat(headOf(3, content.length), content);
  }
  if (value instanceof Uint8Array) return concat(headOf(2, value.length), value);
  if (Array.isArray(value)) {
    const items = value as readonly CborInput[];
    const start = headOf(4, items.length);
    return concat(start, ...items.map((item) => write(item, options, counter)));
  }
  if (value instanceof Map) {
    const map = value as ReadonlyMap<CborInput, CborInput>;
    const start = headOf(5, map.size);
    let entries = [...map.entries()];
    // Sorted by each key's shortest encoding, so a widened key does not move.
    if (options.order !== 'given') entries = entries.sort(([a], [b]) => compareCanonical(encodeCbor(a), encodeCbor(b)));
    return concat(start, ...entries.flatMap(([key, item]) => [write(key, options, counter), write(item, options, counter)]));
  }
  return (value as RawCbor).raw;
}

/** How many heads {@link EncodeOptions.widen} can pick from in the encoding of `value`. */
export function headCount(value: CborInput): number {
  if (value === null || typeof value === 'boolean') return 0;
  if (typeof value === 'number' || typeof value === 'string' || value instanceof Uint8Array) return 1;
  if (Array.isArray(value)) return 1 + (value as readonly CborInput[]).reduce((total: number, item) => total + headCount(item), 0);
  if (value instanceof Map) {
    let total = 1;
    for (const [key, item] of value as ReadonlyMap<CborInput, CborInput>) total += headCount(key) + headCount(item);
    return total;
  }
  return 0;
}

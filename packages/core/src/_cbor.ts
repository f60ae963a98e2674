import { TesseraError, type TesseraErrorCode } from './errors.ts';

/*
 * Strict CBOR (RFC 8949) for what an authenticator produced: attestation objects (WebAuthn L3 §6.5), COSE keys
 * (§6.5.1.1) and extension outputs (§6.1, §9). One pass checks and decodes; a general decoder is not needed
 * and would hand back more than plain data (tags become Dates, RegExps and shared references).
 *
 * Accepted: the subset of CTAP2 canonical CBOR (CTAP 2.2 §8 "Message Encoding") that WebAuthn structures use,
 *   - unsigned and negative integers within ±(2⁵³ − 1), byte strings, UTF-8 text strings, arrays, maps,
 *     false, true and null;
 *   - every integer, length and count in its shortest form (RFC 8949 §4.2.1 "preferred serialization");
 *   - definite lengths only (CTAP2 canonical CBOR: "Indefinite-length items must be made into definite-length items");
 *   - map keys that are integers or text strings (the only kinds WebAuthn, COSE and CTAP2 structures use),
 *     none twice (RFC 8949 §5.6: a map with duplicate keys is not valid; a lenient decoder keeps the last, so
 *     two readers could see two different attestation objects);
 *   - optionally (COSE keys, §6.5.1.1), map keys in CTAP2 canonical order: by major type, then by encoded length,
 *     then bytewise.
 * Refused: tags (CTAP2: "Tags as defined in Section 2.4 in [RFC7049] MUST NOT be present"); floating-point
 * numbers, `undefined` and other simple values (CTAP2 canonical CBOR tolerates floats, but no WebAuthn or CTAP2
 * structure has one, nor does any captured response, so the strict choice costs nothing); text that is not
 * valid UTF-8 (RFC 8949 §3.1 major type 3); nesting deeper than {@link MAX_CBOR_DEPTH}; truncation and, for a
 * whole item, trailing bytes.
 *
 * Decoded values are plain data: numbers, strings, booleans, null, fresh `Uint8Array`s (never views of the
 * input), arrays and `Map`s keyed by numbers or strings, with no shared or cyclic references.
 */

/** Deepest nesting of arrays and maps accepted; WebAuthn structures nest at most a few levels. */
export const MAX_CBOR_DEPTH = 16;

/** A map key accepted by the strict decoder: an integer or a text string. */
export type CborKey = number | string;

/** A value produced by the strict decoder. */
export type CborValue = number | string | boolean | null | Uint8Array<ArrayBuffer> | CborValue[] | Map<CborKey, CborValue>;

/** How to report a decoding failure: the error code and what was being decoded, for the message. */
export interface CborFailure {
  code: TesseraErrorCode;
  subject: string;
}

/** Extra rules beyond strict CBOR. */
export interface CborRules {
  /** Map keys must be in CTAP2 canonical order (CTAP 2.2 §8), as COSE keys must be (WebAuthn L3 §6.5.1.1). */
  canonical?: boolean;
}

/** RFC 8949 §3.1 major types. */
const UNSIGNED = 0;
const NEGATIVE = 1;
const BYTES = 2;
const TEXT = 3;
const ARRAY = 4;
const MAP = 5;
const TAG = 6;
const SIMPLE = 7;

/** RFC 8949 §3.3 simple values. */
const FALSE = 20;
const TRUE = 21;
const NULL = 22;

/** Fatal: invalid UTF-8 throws. ignoreBOM: a leading U+FEFF is kept, so "\uFEFFfmt" never reads as "fmt". */
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Where the decoder is in `bytes`, and the rules it applies. */
interface Reader {
  readonly bytes: Uint8Array;
  position: number;
  readonly failure: CborFailure;
  readonly canonical: boolean;
}

function fail(failure: CborFailure, problem: string): never {
  throw new TesseraError(failure.code, `Malformed ${failure.subject}: ${problem}.`);
}

/**
 * Decodes exactly one strict CBOR item that fills `bytes` (rules in this module's header).
 *
 * @param bytes - the encoded item; trailing bytes are an error
 * @param failure - the code and subject of the {@link TesseraError} thrown on failure
 * @param maxBytes - refuse larger input before decoding anything
 * @param rules - `canonical: true` also requires CTAP2 canonical map key order (CTAP 2.2 §8)
 * @returns the decoded value: maps as `Map`, byte strings as fresh `Uint8Array`s
 * @throws {TesseraError} with `failure.code` for oversized, empty, truncated, too deep, trailing, non-minimal,
 *   indefinite-length, tagged, floating-point or otherwise refused CBOR, duplicate or non-integer, non-text map
 *   keys, invalid UTF-8, and (if asked) keys out of canonical order
 * @internal
 */
export function decodeCbor(bytes: Uint8Array, failure: CborFailure, maxBytes: number, rules: CborRules = {}): CborValue {
  if (bytes.length === 0) fail(failure, 'empty');
  if (bytes.length > maxBytes) fail(failure, `larger than ${maxBytes} bytes`);
  const reader: Reader = { bytes, position: 0, failure, canonical: rules.canonical === true };
  const value = readItem(reader, 0);
  if (reader.position !== bytes.length) fail(failure, 'trailing bytes after the CBOR item');
  return value;
}

/**
 * Finds where the strict CBOR item starting at `offset` ends (RFC 8949 §3), checking it by the same rules as
 * {@link decodeCbor}. Used to cut a credential public key out of attested credential data, where it is followed by
 * extension data (WebAuthn L3 §6.5.1).
 *
 * @param bytes - bytes holding the item
 * @param offset - where the item starts
 * @param failure - the code and subject of the {@link TesseraError} thrown on failure
 * @param rules - as for {@link decodeCbor}
 * @returns the index just after the item
 * @throws {TesseraError} with `failure.code` if the item is truncated or breaks a rule of {@link decodeCbor}
 * @internal
 */
export function cborItemEnd(bytes: Uint8Array, offset: number, failure: CborFailure, rules: CborRules = {}): number {
  const reader: Reader = { bytes, position: offset, failure, canonical: rules.canonical === true };
  readItem(reader, 0);
  return reader.position;
}

function readItem(reader: Reader, depth: number): CborValue {
  const { bytes, failure } = reader;
  if (reader.position >= bytes.length) fail(failure, 'truncated CBOR');
  const initial = bytes[reader.position++]!;
  const major = initial >> 5;
  const info = initial & 31;
  if (major === SIMPLE) return readSimple(reader, info);
  if (major === TAG) fail(failure, 'CBOR tags are not allowed');
  const argument = readArgument(reader, info);
  switch (major) {
    case UNSIGNED:
      if (argument > Number.MAX_SAFE_INTEGER) fail(failure, 'integer beyond 2^53 - 1');
      return argument;
    case NEGATIVE:
      if (argument >= Number.MAX_SAFE_INTEGER) fail(failure, 'integer beyond -(2^53 - 1)');
      return -1 - argument;
    case BYTES:
      return new Uint8Array(bytes.subarray(reader.position, take(reader, argument)));
    case TEXT:
      return readText(reader, argument);
    case ARRAY:
      return readArray(reader, argument, depth + 1);
    default: // MAP
      return readMap(reader, argument, depth + 1);
  }
}

/**
 * The argument of the head whose additional information is `info` (RFC 8949 §3), which must be in its shortest
 * form (§4.2.1) and definite (no 31). Eight-byte arguments above 2⁵³ come back rounded, which every caller
 * refuses anyway (too large an integer, or a length past the end).
 */
function readArgument(reader: Reader, info: number): number {
  if (info < 24) return info;
  const { bytes, failure } = reader;
  if (info === 31) fail(failure, 'indefinite-length items are not allowed');
  if (info > 27) fail(failure, 'reserved additional information');
  const size = 1 << (info - 24);
  if (size > bytes.length - reader.position) fail(failure, 'truncated CBOR');
  let value = 0;
  for (let index = 0; index < size; index++) value = value * 256 + bytes[reader.position + index]!;
  reader.position += size;
  // Shortest form: 24 only for 24–255, 25 only above 255, 26 only above 65535, 27 only above 2³² − 1.
  const smallest = size === 1 ? 24 : 2 ** (4 * size);
  if (value < smallest) fail(failure, 'integer or length not in its shortest form');
  return value;
}

/** Advances past `length` content bytes, returning the new position. */
function take(reader: Reader, length: number): number {
  if (length > reader.bytes.length - reader.position) fail(reader.failure, 'truncated CBOR');
  reader.position += length;
  return reader.position;
}

function readSimple(reader: Reader, info: number): boolean | null {
  if (info === FALSE) return false;
  if (info === TRUE) return true;
  if (info === NULL) return null;
  if (info >= 25 && info <= 27) return fail(reader.failure, 'floating-point numbers are not allowed');
  if (info === 31) return fail(reader.failure, 'unexpected break');
  return fail(reader.failure, 'simple values other than false, true and null are not allowed');
}

function readText(reader: Reader, length: number): string {
  const start = reader.position;
  const end = take(reader, length);
  const { bytes } = reader;
  // ASCII, the usual case (keys such as "fmt"), without the cost of a TextDecoder call.
  if (length <= 32) {
    let text = '';
    let index = start;
    while (index < end && bytes[index]! < 0x80) text += String.fromCharCode(bytes[index++]!);
    if (index === end) return text;
  }
  try {
    return utf8.decode(bytes.subarray(start, end));
  } catch {
    return fail(reader.failure, 'text string is not valid UTF-8');
  }
}

function readArray(reader: Reader, count: number, depth: number): CborValue[] {
  if (depth > MAX_CBOR_DEPTH) fail(reader.failure, `nested deeper than ${MAX_CBOR_DEPTH} levels`);
  // Each item takes at least one byte, so a count beyond the remaining bytes is a lie (and no array is allocated).
  if (count > reader.bytes.length - reader.position) fail(reader.failure, 'truncated CBOR');
  const items: CborValue[] = [];
  for (let index = 0; index < count; index++) items.push(readItem(reader, depth));
  return items;
}

function readMap(reader: Reader, count: number, depth: number): Map<CborKey, CborValue> {
  const { bytes, failure } = reader;
  if (depth > MAX_CBOR_DEPTH) fail(failure, `nested deeper than ${MAX_CBOR_DEPTH} levels`);
  if (count > (bytes.length - reader.position) / 2) fail(failure, 'truncated CBOR');
  const map = new Map<CborKey, CborValue>();
  let previousStart = -1;
  let previousEnd = -1;
  for (let index = 0; index < count; index++) {
    const keyStart = reader.position;
    if (keyStart >= bytes.length) fail(failure, 'truncated CBOR');
    const keyMajor = bytes[keyStart]! >> 5;
    if (keyMajor !== UNSIGNED && keyMajor !== NEGATIVE && keyMajor !== TEXT) fail(failure, 'map keys must be integers or text strings');
    const key = readItem(reader, depth) as CborKey;
    if (map.has(key)) fail(failure, 'duplicate map key');
    if (reader.canonical && previousStart >= 0 && compareEncodedKeys(bytes, previousStart, previousEnd, keyStart, reader.position) > 0) {
      fail(failure, 'map keys not in CTAP2 canonical order');
    }
    previousStart = keyStart;
    previousEnd = reader.position;
    map.set(key, readItem(reader, depth));
  }
  return map;
}

/**
 * CTAP 2.2 §8 canonical key order of two encoded keys: major type first, then the shorter encoding, then bytewise.
 * Distinct keys never compare equal (their shortest encodings differ).
 */
function compareEncodedKeys(bytes: Uint8Array, aStart: number, aEnd: number, bStart: number, bEnd: number): number {
  const byMajor = (bytes[aStart]! >> 5) - (bytes[bStart]! >> 5);
  if (byMajor !== 0) return byMajor;
  const byLength = aEnd - aStart - (bEnd - bStart);
  if (byLength !== 0) return byLength;
  for (let offset = 0; offset < aEnd - aStart; offset++) {
    const byByte = bytes[aStart + offset]! - bytes[bStart + offset]!;
    if (byByte !== 0) return byByte;
  }
  return 0;
}

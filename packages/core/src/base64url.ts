import { TesseraError } from './errors.ts';

/*
 * Base64url without padding: RFC 4648 §5, as the JSON forms of WebAuthn L3
 * §5.1.8–§5.1.9 use it. Decoding is strict: only canonical text is accepted, so one byte string has exactly one
 * spelling and ids compare as strings.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Sextet value of each ASCII code, or -1 outside the base64url alphabet. */
const SEXTET_OF: Int8Array = (() => {
  const table = new Int8Array(128).fill(-1);
  for (let i = 0; i < ALPHABET.length; i++) table[ALPHABET.charCodeAt(i)] = i;
  return table;
})();

/** Character code of each sextet. */
const CODE_OF: Uint8Array = new Uint8Array(64).map((_, sextet) => ALPHABET.charCodeAt(sextet));

/** Bytes encoded per `String.fromCharCode` call: whole 3-byte groups, 8,192 characters, far below argument limits. */
const CHUNK_BYTES = 3 * 2048;

function encode(bytes: Uint8Array): string {
  if (!(bytes instanceof Uint8Array)) throw new TesseraError('invalid_argument', 'base64url.encode takes a Uint8Array.');
  return encodeRange(bytes, 0, bytes.length);
}

/**
 * Encodes `bytes[start..end)` without making a view of them.
 *
 * @internal used by the random pool, which encodes straight from its buffer
 */
export function encodeRange(bytes: Uint8Array, start: number, end: number): string {
  if (end - start <= CHUNK_BYTES) return encodeChunk(bytes, start, end);
  let text = '';
  for (let chunk = start; chunk < end; chunk += CHUNK_BYTES) text += encodeChunk(bytes, chunk, Math.min(end, chunk + CHUNK_BYTES));
  return text;
}

/**
 * One chunk's character codes, made into a string by one `String.fromCharCode` call: a flat string, where
 * appending piece by piece would build a rope that every later use must flatten. The 64-entry table stays in
 * cache, which matters more on a busy server than in a loop.
 */
function encodeChunk(bytes: Uint8Array, start: number, end: number): string {
  const codes: number[] = [];
  const whole = end - ((end - start) % 3);
  let i = start;
  for (; i < whole; i += 3) {
    const group = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    codes.push(CODE_OF[group >> 18]!, CODE_OF[(group >> 12) & 63]!, CODE_OF[(group >> 6) & 63]!, CODE_OF[group & 63]!);
  }
  const rest = end - whole;
  if (rest === 1) {
    const b0 = bytes[i]!;
    codes.push(CODE_OF[b0 >> 2]!, CODE_OF[(b0 & 3) << 4]!);
  } else if (rest === 2) {
    const b0 = bytes[i]!;
    const b1 = bytes[i + 1]!;
    codes.push(CODE_OF[b0 >> 2]!, CODE_OF[((b0 & 3) << 4) | (b1 >> 4)]!, CODE_OF[(b1 & 15) << 2]!);
  }
  return String.fromCharCode.apply(null, codes);
}

function sextetAt(text: string, index: number): number {
  const code = text.charCodeAt(index);
  return code < 128 ? SEXTET_OF[code]! : -1;
}

/**
 * Why `text` is not canonical unpadded base64url, as a sentence fragment, or `undefined` when it is. The
 * reasons name positions and rules, never the text itself, so they are safe to show even when the text is a
 * secret. (This is the slow, explaining twin of {@link isBase64url}; tests prove the two agree.)
 *
 * @param text - the candidate
 * @returns the reason, or `undefined`
 */
export function base64urlProblem(text: string): string | undefined {
  if (typeof text !== 'string') return 'expected a string';
  const { length } = text;
  if (length % 4 === 1) return 'a length of 1 mod 4 cannot be produced by any byte string';
  for (let i = 0; i < length; i++) {
    if (sextetAt(text, i) < 0) {
      const char = text[i];
      if (char === '=') return 'padding is not allowed';
      if (char === '+' || char === '/') return 'standard base64 characters "+" and "/" are not base64url';
      return `character at index ${i} is outside the base64url alphabet`;
    }
  }
  // The unused low bits of the last character must be zero (RFC 4648 §3.5), else two spellings decode alike.
  const tail = length % 4;
  if (tail !== 0) {
    const last = sextetAt(text, length - 1);
    if ((tail === 2 && (last & 15) !== 0) || (tail === 3 && (last & 3) !== 0)) {
      return 'non-canonical trailing bits';
    }
  }
  return undefined;
}

function decode(text: string): Uint8Array {
  if (typeof text !== 'string' || text.length % 4 === 1) throw invalidBase64url(text);
  const bytes = new Uint8Array(base64urlByteLength(text));
  decodeBase64urlInto(text, bytes, 0);
  return bytes;
}

/**
 * Decodes canonical base64url `text` into `target` from `offset`, as `base64url.decode` would, without
 * allocating: for callers that lay several decoded strings out in one buffer.
 *
 * @internal
 * @param text - canonical unpadded base64url
 * @param target - where the bytes go; it must have `base64urlByteLength(text)` bytes free from `offset`
 * @param offset - where the first byte goes
 * @returns the offset after the last byte written
 * @throws {TesseraError} `invalid_argument` if `target` is too short (checked first, from the text's length);
 *   `invalid_base64url` for non-canonical text, in which case the target range may already be overwritten
 */
export function decodeBase64urlInto(text: string, target: Uint8Array, offset: number): number {
  if (typeof text !== 'string' || text.length % 4 === 1) throw invalidBase64url(text);
  const { length } = text;
  const end = offset + base64urlByteLength(text);
  if (!Number.isSafeInteger(offset) || offset < 0 || end > target.length) {
    throw new TesseraError('invalid_argument', 'decodeBase64urlInto: the target has no room for the decoded bytes.');
  }
  const bytes = target;
  // One pass: decode while OR-ing every character code (> 127 is outside ASCII) and every sextet (-1 outside
  // the alphabet, so the OR turns negative); the slow explaining pass runs only when something was wrong.
  let codes = 0;
  let sextets = 0;
  let out = offset;
  let i = 0;
  const whole = length - (length % 4);
  for (; i < whole; i += 4) {
    const c0 = text.charCodeAt(i);
    const c1 = text.charCodeAt(i + 1);
    const c2 = text.charCodeAt(i + 2);
    const c3 = text.charCodeAt(i + 3);
    codes |= c0 | c1 | c2 | c3;
    const s0 = SEXTET_OF[c0 & 127]!;
    const s1 = SEXTET_OF[c1 & 127]!;
    const s2 = SEXTET_OF[c2 & 127]!;
    const s3 = SEXTET_OF[c3 & 127]!;
    sextets |= s0 | s1 | s2 | s3;
    const group = (s0 << 18) | (s1 << 12) | (s2 << 6) | s3;
    bytes[out++] = group >> 16;
    bytes[out++] = (group >> 8) & 255;
    bytes[out++] = group & 255;
  }
  const tail = length - whole;
  if (tail >= 2) {
    const c0 = text.charCodeAt(i);
    const c1 = text.charCodeAt(i + 1);
    const c2 = tail === 3 ? text.charCodeAt(i + 2) : 65; // 'A', sextet 0
    codes |= c0 | c1 | c2;
    const s0 = SEXTET_OF[c0 & 127]!;
    const s1 = SEXTET_OF[c1 & 127]!;
    const s2 = SEXTET_OF[c2 & 127]!;
    sextets |= s0 | s1 | s2;
    // The unused low bits of the last character must be zero (RFC 4648 §3.5), else two spellings decode alike.
    if ((tail === 2 ? s1 & 15 : s2 & 3) !== 0) sextets = -1;
    const group = (s0 << 18) | (s1 << 12) | (s2 << 6);
    bytes[out++] = group >> 16;
    if (tail === 3) bytes[out++] = (group >> 8) & 255;
  }
  if (codes > 127 || sextets < 0) throw invalidBase64url(text);
  return end;
}

function invalidBase64url(text: unknown): TesseraError {
  return new TesseraError('invalid_base64url', `Invalid base64url: ${base64urlProblem(text as string) ?? 'not canonical base64url'}.`);
}

/**
 * Strict unpadded base64url, RFC 4648 §5 (WebAuthn L3 §5.1.8–§5.1.9 `Base64URLString`).
 *
 * - `encode` never pads.
 * - `decode` accepts only canonical text: it rejects padding, `+`, `/`, whitespace, any other character,
 *   a length of 1 mod 4 and non-zero trailing bits, each with a {@link TesseraError} of code
 *   `invalid_base64url`.
 *
 * @example
 * ```ts
 * base64url.encode(new Uint8Array([1, 2, 3])); // 'AQID'
 * base64url.decode('AQID'); // Uint8Array [1, 2, 3]
 * base64url.decode('AQI='); // throws TesseraError('invalid_base64url')
 * ```
 */
export const base64url: {
  /**
   * @param bytes - any bytes
   * @returns their unpadded base64url text
   * @throws {TesseraError} `invalid_argument` if `bytes` is not a `Uint8Array` (a `Buffer` is one)
   */
  encode(bytes: Uint8Array): string;
  /**
   * @param text - canonical unpadded base64url
   * @returns the bytes it spells
   * @throws {TesseraError} `invalid_base64url` for any non-canonical text
   */
  decode(text: string): Uint8Array;
} = { encode, decode };

const ONLY_BASE64URL_CHARACTERS = /^[A-Za-z0-9_-]*$/;

/**
 * Whether `text` is canonical unpadded base64url (what {@link base64url}.decode accepts), without decoding it.
 * This is the fast path every schema runs; {@link base64urlProblem} explains a rejection.
 *
 * @param text - the candidate
 * @returns `true` exactly when `base64url.decode(text)` would succeed
 */
export function isBase64url(text: string): boolean {
  if (typeof text !== 'string' || text.length % 4 === 1 || !ONLY_BASE64URL_CHARACTERS.test(text)) return false;
  const tail = text.length % 4;
  if (tail === 0) return true;
  const last = sextetAt(text, text.length - 1);
  return tail === 2 ? (last & 15) === 0 : (last & 3) === 0;
}


/**
 * Number of bytes that canonical base64url `text` decodes to, computed from its length alone.
 *
 * @param text - canonical base64url (not checked here)
 * @returns the decoded byte length
 */
export function base64urlByteLength(text: string): number {
  return Math.floor((text.length * 3) / 4);
}

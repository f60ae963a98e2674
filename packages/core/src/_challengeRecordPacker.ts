import type { AuthenticationChallengeRecord, ChallengeRecord } from './challengeStore.ts';
import { TesseraError } from './errors.ts';

/*
 * Challenge records packed into one string each, for MemoryChallengeStore. A pending ceremony held as a
 * JavaScript object costs about 670 bytes of heap (an object, two arrays, five strings and a boxed number,
 * with 8-byte pointers); packed, the same ceremony is one flat string of about 230 bytes. Strings are
 * immutable, so what a caller saved or got back can never change what the store holds.
 *
 * Layout, in UTF-16 code units. Base64url and ASCII fields pack as codes 0–255, so V8 keeps the whole
 * record as a one-byte string; a field with other characters is still exact, in a two-byte string.
 *
 *   0       kind: 'a' (an authentication record in the packed form below) or 'j' (any other record, as JSON)
 *   1–8     the store's expiry of the record, the bytes of a float64
 *   9–12    the expiry-queue chunk that lists the record's key, a uint32
 *   13…     'j': JSON.stringify(record)
 *           'a': flags, userVerification, hints, [expiresAt], rpId, challenge, [userId], allowCredentialIds,
 *                [extensions as JSON]
 *
 * A field is a varint of (length × 2 + form) followed by its content: form 1 is canonical unpadded
 * base64url stored as its decoded bytes (a quarter smaller), form 0 is the text itself. Decoding bytes and
 * encoding them again gives back exactly the text only for canonical base64url (length mod 4 ≠ 1, unused
 * low bits zero), so anything else is stored as text.
 */

const KIND_PACKED = 0x61; // 'a'
const KIND_JSON = 0x6a; // 'j'
const HEADER_LENGTH = 13;

const FLAG_USER_ID = 1;
const FLAG_EXTENSIONS = 2;
const FLAG_EXPIRY_IS_STORE_EXPIRY = 4;
const FLAG_CHALLENGE_AFTER_KEY = 8;

const USER_VERIFICATION = ['required', 'preferred', 'discouraged'] as const;
const HINTS = ['security-key', 'client-device', 'hybrid'] as const;
const RECORD_MEMBERS = new Set(['ceremony', 'challenge', 'rpId', 'userId', 'allowCredentialIds', 'userVerification', 'hints', 'extensions', 'expiresAt']);

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const BASE64URL_CODES: readonly number[] = Array.from(BASE64URL, (char) => char.charCodeAt(0));
/** Six-bit value of each ASCII code, −1 for codes outside the base64url alphabet. */
const SEXTETS: Int8Array = (() => {
  const table = new Int8Array(128).fill(-1);
  BASE64URL_CODES.forEach((code, value) => (table[code] = value));
  return table;
})();

/** Thrown inside {@link ChallengeRecordPacker.pack} when a record does not fit the packed form. */
const NOT_PACKABLE = Symbol('not packable');

/**
 * Packs and unpacks challenge records. Each instance owns its scratch buffers (the core keeps no module
 * state), so one store uses one packer.
 *
 * @internal
 */
export class ChallengeRecordPacker {
  #codes = new Uint16Array(512);
  #length = 0;
  readonly #float = new Float64Array(1);
  readonly #floatBytes = new Uint8Array(this.#float.buffer);

  /**
   * @param key - the key the record is saved under; a challenge that starts with it is stored without it
   * @param record - the record; it must be JSON data, as every {@link ChallengeRecord} is
   * @param storeExpiresAt - when the store drops the record, in the store's clock
   * @param chunk - the expiry-queue chunk listing the key, 0–2³²−1
   * @returns the packed record, a new string
   * @throws {TesseraError} `invalid_argument` for a record that is not a JSON object
   */
  pack(key: string, record: ChallengeRecord, storeExpiresAt: number, chunk: number): string {
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      throw new TesseraError('invalid_argument', 'A challenge record must be an object.');
    }
    if (record.ceremony === 'authentication') {
      try {
        return this.#packAuthentication(key, record, storeExpiresAt, chunk);
      } catch (error) {
        if (error !== NOT_PACKABLE) throw error;
      }
    }
    let json: string;
    try {
      json = JSON.stringify(record);
    } catch (error) {
      throw new TesseraError('invalid_argument', 'A challenge record must be JSON data.', { cause: error });
    }
    this.#length = 0;
    this.#header(KIND_JSON, storeExpiresAt, chunk);
    return this.#flush() + json;
  }

  /**
   * @param packed - a string {@link ChallengeRecordPacker.pack} returned
   * @returns the store's expiry of the record
   */
  storeExpiresAt(packed: string): number {
    return this.#readFloat(packed, 1);
  }

  /**
   * @param packed - a string {@link ChallengeRecordPacker.pack} returned
   * @returns the expiry-queue chunk listing the record's key
   */
  chunk(packed: string): number {
    return ((packed.charCodeAt(9) << 24) | (packed.charCodeAt(10) << 16) | (packed.charCodeAt(11) << 8) | packed.charCodeAt(12)) >>> 0;
  }

  /**
   * @param key - the key the record was saved under
   * @param packed - a string {@link ChallengeRecordPacker.pack} returned for that key
   * @returns a new record, equal to the one packed
   */
  unpack(key: string, packed: string): ChallengeRecord {
    if (packed.charCodeAt(0) === KIND_JSON) return JSON.parse(packed.slice(HEADER_LENGTH)) as ChallengeRecord;
    const flags = packed.charCodeAt(HEADER_LENGTH);
    const userVerification = USER_VERIFICATION[packed.charCodeAt(HEADER_LENGTH + 1)]!;
    const hintCount = packed.charCodeAt(HEADER_LENGTH + 2);
    const hints: AuthenticationChallengeRecord['hints'] = [];
    let at = HEADER_LENGTH + 3;
    for (let index = 0; index < hintCount; index++) hints.push(HINTS[packed.charCodeAt(at++)]!);
    let expiresAt: number;
    if ((flags & FLAG_EXPIRY_IS_STORE_EXPIRY) !== 0) expiresAt = this.#readFloat(packed, 1);
    else {
      expiresAt = this.#readFloat(packed, at);
      at += 8;
    }
    const cursor = { at };
    const rpId = this.#readField(packed, cursor);
    const challengeField = this.#readField(packed, cursor);
    const challenge = (flags & FLAG_CHALLENGE_AFTER_KEY) !== 0 ? key + challengeField : challengeField;
    const userId = (flags & FLAG_USER_ID) !== 0 ? this.#readField(packed, cursor) : undefined;
    const idCount = readVarint(packed, cursor);
    const allowCredentialIds: string[] = [];
    for (let index = 0; index < idCount; index++) allowCredentialIds.push(this.#readField(packed, cursor));
    const record: AuthenticationChallengeRecord = {
      ceremony: 'authentication',
      challenge,
      rpId,
      allowCredentialIds,
      userVerification,
      hints,
      expiresAt,
    };
    if (userId !== undefined) record.userId = userId;
    if ((flags & FLAG_EXTENSIONS) !== 0) record.extensions = JSON.parse(this.#readField(packed, cursor)) as AuthenticationChallengeRecord['extensions'];
    return record;
  }

  #packAuthentication(key: string, record: AuthenticationChallengeRecord, storeExpiresAt: number, chunk: number): string {
    for (const member of Object.keys(record)) if (!RECORD_MEMBERS.has(member)) throw NOT_PACKABLE;
    const { challenge, rpId, userId, allowCredentialIds, hints, expiresAt, extensions } = record;
    const userVerification = USER_VERIFICATION.indexOf(record.userVerification);
    if (typeof challenge !== 'string' || typeof rpId !== 'string' || typeof expiresAt !== 'number' || userVerification < 0) throw NOT_PACKABLE;
    if ((userId !== undefined && typeof userId !== 'string') || !Array.isArray(allowCredentialIds) || !Array.isArray(hints)) throw NOT_PACKABLE;
    if (hints.length > 255) throw NOT_PACKABLE;
    const extensionsJson = extensions === undefined ? undefined : JSON.stringify(extensions);
    if (extensions !== undefined && typeof extensionsJson !== 'string') throw NOT_PACKABLE;
    const afterKey = key.length > 0 && challenge.startsWith(key);
    const sameExpiry = Object.is(expiresAt, storeExpiresAt);
    this.#length = 0;
    this.#header(KIND_PACKED, storeExpiresAt, chunk);
    this.#push(
      (userId === undefined ? 0 : FLAG_USER_ID) |
        (extensionsJson === undefined ? 0 : FLAG_EXTENSIONS) |
        (sameExpiry ? FLAG_EXPIRY_IS_STORE_EXPIRY : 0) |
        (afterKey ? FLAG_CHALLENGE_AFTER_KEY : 0),
    );
    this.#push(userVerification);
    this.#push(hints.length);
    for (const hint of hints) {
      const index = HINTS.indexOf(hint);
      if (index < 0) throw NOT_PACKABLE;
      this.#push(index);
    }
    if (!sameExpiry) this.#writeFloat(expiresAt);
    this.#writeField(rpId);
    this.#writeField(afterKey ? challenge.slice(key.length) : challenge);
    if (userId !== undefined) this.#writeField(userId);
    this.#writeVarint(allowCredentialIds.length);
    for (const id of allowCredentialIds) {
      if (typeof id !== 'string') throw NOT_PACKABLE;
      this.#writeField(id);
    }
    if (extensionsJson !== undefined) this.#writeField(extensionsJson);
    return this.#flush();
  }

  #header(kind: number, storeExpiresAt: number, chunk: number): void {
    this.#push(kind);
    this.#writeFloat(storeExpiresAt);
    this.#push((chunk >>> 24) & 255);
    this.#push((chunk >>> 16) & 255);
    this.#push((chunk >>> 8) & 255);
    this.#push(chunk & 255);
  }

  #writeField(text: string): void {
    if (isCanonicalBase64url(text)) {
      this.#writeVarint(((text.length * 3) >> 2) * 2 + 1);
      this.#writeBase64urlBytes(text);
    } else {
      this.#writeVarint(text.length * 2);
      this.#reserve(text.length);
      for (let index = 0; index < text.length; index++) this.#codes[this.#length++] = text.charCodeAt(index);
    }
  }

  /** Writes the bytes `text` (canonical base64url) decodes to, one code unit each. */
  #writeBase64urlBytes(text: string): void {
    this.#reserve(text.length);
    const codes = this.#codes;
    let length = this.#length;
    let index = 0;
    for (; index + 4 <= text.length; index += 4) {
      const bits =
        (SEXTETS[text.charCodeAt(index)]! << 18) |
        (SEXTETS[text.charCodeAt(index + 1)]! << 12) |
        (SEXTETS[text.charCodeAt(index + 2)]! << 6) |
        SEXTETS[text.charCodeAt(index + 3)]!;
      codes[length++] = bits >> 16;
      codes[length++] = (bits >> 8) & 255;
      codes[length++] = bits & 255;
    }
    const rest = text.length - index;
    if (rest >= 2) {
      const bits = (SEXTETS[text.charCodeAt(index)]! << 18) | (SEXTETS[text.charCodeAt(index + 1)]! << 12) | (rest === 3 ? SEXTETS[text.charCodeAt(index + 2)]! << 6 : 0);
      codes[length++] = bits >> 16;
      if (rest === 3) codes[length++] = (bits >> 8) & 255;
    }
    this.#length = length;
  }

  #readField(packed: string, cursor: { at: number }): string {
    const header = readVarint(packed, cursor);
    const length = header >>> 1;
    const start = cursor.at;
    cursor.at = start + length;
    if ((header & 1) === 0) return packed.slice(start, start + length);
    this.#length = 0;
    this.#reserve(Math.ceil((length * 4) / 3));
    const codes = this.#codes;
    let out = 0;
    let index = start;
    const end = start + length;
    for (; index + 3 <= end; index += 3) {
      const bits = (packed.charCodeAt(index) << 16) | (packed.charCodeAt(index + 1) << 8) | packed.charCodeAt(index + 2);
      codes[out++] = BASE64URL_CODES[bits >> 18]!;
      codes[out++] = BASE64URL_CODES[(bits >> 12) & 63]!;
      codes[out++] = BASE64URL_CODES[(bits >> 6) & 63]!;
      codes[out++] = BASE64URL_CODES[bits & 63]!;
    }
    if (end - index === 1) {
      const bits = packed.charCodeAt(index) << 16;
      codes[out++] = BASE64URL_CODES[bits >> 18]!;
      codes[out++] = BASE64URL_CODES[(bits >> 12) & 63]!;
    } else if (end - index === 2) {
      const bits = (packed.charCodeAt(index) << 16) | (packed.charCodeAt(index + 1) << 8);
      codes[out++] = BASE64URL_CODES[bits >> 18]!;
      codes[out++] = BASE64URL_CODES[(bits >> 12) & 63]!;
      codes[out++] = BASE64URL_CODES[(bits >> 6) & 63]!;
    }
    return fromCodes(codes, out);
  }

  #writeVarint(value: number): void {
    this.#reserve(8);
    while (value >= 128) {
      this.#codes[this.#length++] = (value % 128) | 128;
      value = Math.floor(value / 128);
    }
    this.#codes[this.#length++] = value;
  }

  #writeFloat(value: number): void {
    this.#float[0] = value;
    for (let index = 0; index < 8; index++) this.#push(this.#floatBytes[index]!);
  }

  #readFloat(packed: string, at: number): number {
    for (let index = 0; index < 8; index++) this.#floatBytes[index] = packed.charCodeAt(at + index);
    return this.#float[0]!;
  }

  #push(code: number): void {
    this.#reserve(1);
    this.#codes[this.#length++] = code;
  }

  #reserve(more: number): void {
    if (this.#length + more <= this.#codes.length) return;
    const grown = new Uint16Array(Math.max(this.#codes.length * 2, this.#length + more));
    grown.set(this.#codes.subarray(0, this.#length));
    this.#codes = grown;
  }

  #flush(): string {
    return fromCodes(this.#codes, this.#length);
  }
}

/** One string from the first `length` codes, in pieces small enough for a call's arguments. */
function fromCodes(codes: Uint16Array, length: number): string {
  const PIECE = 4096;
  if (length <= PIECE) return String.fromCharCode.apply(null, codes.subarray(0, length) as unknown as number[]);
  let text = '';
  for (let start = 0; start < length; start += PIECE) {
    text += String.fromCharCode.apply(null, codes.subarray(start, Math.min(length, start + PIECE)) as unknown as number[]);
  }
  return text;
}

function readVarint(packed: string, cursor: { at: number }): number {
  let value = 0;
  let scale = 1;
  for (;;) {
    const code = packed.charCodeAt(cursor.at++);
    value += (code & 127) * scale;
    if (code < 128) return value;
    scale *= 128;
  }
}

/** Whether `text` is canonical unpadded base64url: only alphabet characters, no impossible length, unused bits zero. */
function isCanonicalBase64url(text: string): boolean {
  const rest = text.length & 3;
  if (rest === 1 || text.length === 0) return false;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code >= 128 || SEXTETS[code]! < 0) return false;
  }
  if (rest === 0) return true;
  const last = SEXTETS[text.charCodeAt(text.length - 1)]!;
  return rest === 2 ? (last & 15) === 0 : (last & 3) === 0;
}

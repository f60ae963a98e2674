import { Decoder } from 'cbor-x';
import { TesseraError, type TesseraErrorCode } from './errors.ts';

/*
 * CBOR (RFC 8949) as WebAuthn uses it: attestation objects (§6.5), COSE keys (§6.5.1.1) and extension outputs
 * (§6.1, §9). Decoding is done by cbor-x; this module adds what a verifier of untrusted bytes needs on top:
 * a size limit, a depth limit, one error type, and the extent of an item inside a longer byte string.
 */

/** Deepest nesting of arrays, maps and tags accepted; WebAuthn structures nest at most a few levels. */
export const MAX_CBOR_DEPTH = 16;

/**
 * Maps come back as `Map` (COSE keys have integer labels), records and other cbor-x extensions stay off.
 * The decoder holds only this configuration.
 */
const decoder = new Decoder({ mapsAsObjects: false, useRecords: false });

/** How to report a decoding failure: the error code and what was being decoded, for the message. */
export interface CborFailure {
  code: TesseraErrorCode;
  subject: string;
}

function fail(failure: CborFailure, problem: string, cause?: unknown): never {
  throw new TesseraError(failure.code, `Malformed ${failure.subject}: ${problem}.`, cause === undefined ? undefined : { cause });
}

/**
 * Decodes exactly one CBOR item that fills `bytes`.
 *
 * @param bytes - the encoded item; trailing bytes are an error
 * @param failure - the code and subject of the {@link TesseraError} thrown on failure
 * @param maxBytes - refuse larger input before decoding anything
 * @returns the decoded value (maps as `Map`, byte strings as `Uint8Array`)
 * @throws {TesseraError} with `failure.code` for oversized, truncated, too deep, trailing or otherwise invalid CBOR
 * @internal
 */
export function decodeCbor(bytes: Uint8Array, failure: CborFailure, maxBytes: number): unknown {
  if (bytes.length === 0) fail(failure, 'empty');
  if (bytes.length > maxBytes) fail(failure, `larger than ${maxBytes} bytes`);
  // Measuring first bounds the depth before cbor-x recurses, and rejects truncation and trailing bytes.
  if (cborItemEnd(bytes, 0, failure) !== bytes.length) fail(failure, 'trailing bytes after the CBOR item');
  try {
    return decoder.decode(bytes);
  } catch (error) {
    return fail(failure, 'invalid CBOR', error);
  }
}

/**
 * Finds where the CBOR item starting at `offset` ends, without decoding it (RFC 8949 §3). Used to cut a
 * credential public key out of attested credential data, where it is followed by extension data (§6.5.1).
 *
 * @param bytes - bytes holding the item
 * @param offset - where the item starts
 * @param failure - the code and subject of the {@link TesseraError} thrown on failure
 * @returns the index just after the item
 * @throws {TesseraError} with `failure.code` if the item is truncated, nested deeper than {@link MAX_CBOR_DEPTH}
 *   or uses a reserved encoding
 * @internal
 */
export function cborItemEnd(bytes: Uint8Array, offset: number, failure: CborFailure): number {
  return skipItem(bytes, offset, 0, failure);
}

function skipItem(bytes: Uint8Array, offset: number, depth: number, failure: CborFailure): number {
  if (depth > MAX_CBOR_DEPTH) fail(failure, `nested deeper than ${MAX_CBOR_DEPTH} levels`);
  if (offset >= bytes.length) fail(failure, 'truncated CBOR');
  const initial = bytes[offset]!;
  const major = initial >> 5;
  const info = initial & 31;
  let position = offset + 1;

  if (info === 31) {
    // Indefinite length (RFC 8949 §3.2): byte/text strings of chunks, arrays and maps, ended by 0xff.
    if (major === 0 || major === 1 || major === 6) fail(failure, 'reserved indefinite-length encoding');
    if (major === 7) fail(failure, 'unexpected break');
    while (true) {
      if (position >= bytes.length) fail(failure, 'truncated CBOR');
      if (bytes[position] === 0xff) return position + 1;
      if ((major === 2 || major === 3) && bytes[position]! >> 5 !== major) fail(failure, 'mixed string chunks');
      position = skipItem(bytes, position, depth + 1, failure);
      if (major === 5) position = skipItem(bytes, position, depth + 1, failure);
    }
  }

  let argument: number;
  if (info < 24) argument = info;
  else if (info <= 27) {
    const size = 1 << (info - 24);
    if (position + size > bytes.length) fail(failure, 'truncated CBOR');
    argument = 0;
    for (let index = 0; index < size; index++) argument = argument * 256 + bytes[position + index]!;
    position += size;
  } else {
    return fail(failure, 'reserved additional information');
  }

  switch (major) {
    case 0:
    case 1:
    case 7:
      return position;
    case 2:
    case 3:
      if (argument > bytes.length - position) fail(failure, 'truncated CBOR');
      return position + argument;
    case 4:
    case 5: {
      const items = major === 5 ? argument * 2 : argument;
      // Each item takes at least one byte, so a count beyond the remaining bytes is a lie.
      if (items > bytes.length - position) fail(failure, 'truncated CBOR');
      for (let index = 0; index < items; index++) position = skipItem(bytes, position, depth + 1, failure);
      return position;
    }
    default: // 6: a tag, followed by one item
      return skipItem(bytes, position, depth + 1, failure);
  }
}

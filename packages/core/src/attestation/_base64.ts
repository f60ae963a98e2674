import { base64url } from '../base64url.ts';
import { isTesseraError } from '../errors.ts';
import { invalid } from './_statement.ts';

/*
 * Standard base64 with padding (RFC 4648 §4), as the `x5c` header parameter of a JWS (RFC 7515 §4.1.6) and the
 * `nonce` of a SafetyNet response carry it. Decoding is strict — canonical text only, padding exactly as §4
 * requires — by translating to base64url (RFC 4648 §5) and using the library's strict decoder.
 */

const STANDARD = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Decodes canonical padded standard base64 (RFC 4648 §4): a length that is a multiple of four, as much `=` as
 * the last group needs and no more, zero bits after the last byte.
 *
 * @param text - the base64 text
 * @param what - what it is, for the error message
 * @returns the bytes it spells
 * @throws {TesseraError} `invalid_attestation` for anything else
 * @internal
 */
export function decodeBase64(text: string, what: string): Uint8Array {
  if (typeof text !== 'string' || text.length % 4 !== 0 || !STANDARD.test(text)) invalid(`${what} is not padded base64`);
  const unpadded = text.replace(/=+$/, '');
  // §4: one "=" after 3 characters of the last group, two after 2; a group of 1 character is never valid.
  if (text.length - unpadded.length !== (4 - (unpadded.length % 4)) % 4) invalid(`${what} is not padded base64`);
  try {
    return base64url.decode(unpadded.replaceAll('+', '-').replaceAll('/', '_'));
  } catch (error) {
    if (!isTesseraError(error)) throw error;
    return invalid(`${what} is not canonical base64`, error);
  }
}

/**
 * Encodes bytes as padded standard base64 (RFC 4648 §4).
 *
 * @param bytes - any bytes
 * @returns their base64 text, with padding
 * @internal
 */
export function encodeBase64(bytes: Uint8Array): string {
  const text = base64url.encode(bytes).replaceAll('-', '+').replaceAll('_', '/');
  return text + '='.repeat((4 - (text.length % 4)) % 4);
}

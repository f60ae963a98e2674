import { TesseraError, base64url } from '@tessera/core';

/*
 * Strict decoders for the two alphabets a metadata BLOB uses: base64url without padding for the three parts of
 * the compact JWS (RFC 7515 §2, §7.1), and standard padded base64 for certificates in `x5c` (RFC 7515 §4.1.6) and
 * in `attestationRootCertificates` (FIDO Metadata Statement §4, "base64-encoded ... DER"). Anything else is
 * `invalid_metadata`, never a lenient decode.
 */

/** Canonical standard base64 (RFC 4648 §4) with padding and no whitespace. */
const STANDARD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Decodes padded standard base64.
 *
 * @param text - the encoded text
 * @param what - what the text is, for the error message
 * @returns the bytes
 * @throws {TesseraError} `invalid_metadata` when the text is not canonical standard base64
 * @internal
 */
export function decodeStandardBase64(text: string, what: string): Uint8Array<ArrayBuffer> {
  if (typeof text !== 'string' || !STANDARD_BASE64.test(text)) {
    throw new TesseraError('invalid_metadata', `${what} is not standard base64 (RFC 4648 §4).`);
  }
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index);
  // Non-canonical trailing bits ("QR==" for "QQ==") would give two texts for the same bytes: refused.
  if (encodeStandardBase64(bytes) !== text) {
    throw new TesseraError('invalid_metadata', `${what} is not canonical base64 (RFC 4648 §3.5).`);
  }
  return bytes;
}

/**
 * Encodes bytes as padded standard base64 (RFC 4648 §4).
 *
 * @param bytes - the bytes
 * @returns the text
 * @internal
 */
export function encodeStandardBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let start = 0; start < bytes.length; start += 8192) {
    binary += String.fromCharCode(...bytes.subarray(start, start + 8192));
  }
  return btoa(binary);
}

/**
 * Decodes canonical unpadded base64url (RFC 4648 §5, RFC 7515 §2).
 *
 * @param text - the encoded text
 * @param what - what the text is, for the error message
 * @returns the bytes
 * @throws {TesseraError} `invalid_metadata` when the text is not canonical base64url
 * @internal
 */
export function decodeJwsBase64url(text: string, what: string): Uint8Array<ArrayBuffer> {
  try {
    return new Uint8Array(base64url.decode(text));
  } catch (error) {
    throw new TesseraError('invalid_metadata', `${what} is not canonical base64url (RFC 7515 §2).`, { cause: error });
  }
}

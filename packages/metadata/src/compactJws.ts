import { TesseraError } from '@tessera/core';
import { decodeJwsBase64url, decodeStandardBase64 } from './_base64.ts';

/*
 * The compact serialization of a JWS (RFC 7515 §7.1) as the FIDO Metadata Service signs its BLOB (FIDO MDS3 §3.1.7
 * "Metadata BLOB": a JWT, RFC 7519, whose header carries `alg`, `typ` and the signer's `x5c` chain). Parsed
 * strictly and with bounds, before any signature is checked: three base64url parts, a JSON header with an allowed
 * `alg` (never `none` nor an HMAC, RFC 8725 §3.1–3.2) and a well-formed `x5c` (or none), a UTF-8 JSON payload.
 */

/**
 * The signature algorithms a metadata BLOB may use, asymmetric only: those of RFC 7518 §3.1 and `EdDSA` with an
 * Ed25519 key (RFC 8037 §3.1).
 */
export const METADATA_BLOB_ALGORITHMS: readonly ['ES256', 'ES384', 'ES512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'EdDSA'] = [
  'ES256',
  'ES384',
  'ES512',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'EdDSA',
];

/** One of {@link METADATA_BLOB_ALGORITHMS}. */
export type MetadataBlobAlgorithm = (typeof METADATA_BLOB_ALGORITHMS)[number];

/** Default largest BLOB accepted, in bytes: 24 MiB, about five times the size of MDS3's BLOB in 2026. */
export const DEFAULT_MAX_BLOB_BYTES: number = 24 * 1024 * 1024;

/** Largest JWS header accepted, in characters of its base64url text; a header with a 5-certificate chain takes under 16 KiB. */
const MAX_HEADER_CHARS = 64 * 1024;

/** Most certificates accepted in `x5c`; MDS3's chain has three. */
const MAX_CHAIN_LENGTH = 8;

/** A compact JWS split and decoded, not yet verified. */
export interface ParsedCompactJws {
  /** The signature algorithm from the protected header (RFC 7515 §4.1.1). */
  alg: MetadataBlobAlgorithm;
  /**
   * The signer's certificate chain from `x5c` (RFC 7515 §4.1.6), DER, signer first; empty when the header has
   * neither `x5c` nor `x5u`, where the trust anchor itself is the signer (FIDO MDS3 §3.2 step 5).
   */
  x5c: Uint8Array[];
  /** The whole protected header, parsed. */
  header: Record<string, unknown>;
  /** The payload, parsed from UTF-8 JSON; not yet checked against any schema. */
  payload: unknown;
  /** The JWS signing input, `BASE64URL(header) || '.' || BASE64URL(payload)` as ASCII bytes (RFC 7515 §5.1). */
  signingInput: Uint8Array<ArrayBuffer>;
  /** The signature bytes (RFC 7515 §5.2). */
  signature: Uint8Array<ArrayBuffer>;
}

/**
 * Splits and decodes a compact JWS carrying a metadata BLOB (RFC 7515 §7.1, FIDO MDS3 §3.1.7), refusing anything
 * malformed or unexpected before a signature is computed.
 *
 * @param blob - the BLOB as text or as the bytes of that text (what `https://mds3.fidoalliance.org/` serves)
 * @param maxBytes - the largest BLOB accepted; default {@link DEFAULT_MAX_BLOB_BYTES}
 * @returns the parts, decoded
 * @throws {TesseraError} `invalid_metadata` for anything but three canonical base64url parts with a JSON header
 *   (asymmetric `alg` of {@link METADATA_BLOB_ALGORITHMS}, `typ` absent or `JWT`/`application/jwt` in any case,
 *   no `crit`, an `x5c` of 1 to 8 certificates or neither `x5c` nor `x5u`: an `x5u` alone is refused, never
 *   fetched) and a UTF-8 JSON payload; `invalid_argument` for a `maxBytes` that is not a positive integer
 */
export function parseCompactJws(blob: string | Uint8Array, maxBytes: number = DEFAULT_MAX_BLOB_BYTES): ParsedCompactJws {
  if (!Number.isSafeInteger(maxBytes) || maxBytes <= 0) {
    throw new TesseraError('invalid_argument', 'maxBytes must be a positive integer.');
  }
  const text = blobText(blob, maxBytes);
  const parts = text.split('.');
  if (parts.length !== 3) {
    throw new TesseraError('invalid_metadata', 'A metadata BLOB is a compact JWS of exactly three parts (RFC 7515 §7.1).');
  }
  const [headerText, payloadText, signatureText] = parts as [string, string, string];
  if (headerText.length === 0 || payloadText.length === 0 || signatureText.length === 0) {
    throw new TesseraError('invalid_metadata', 'A metadata BLOB has an empty part; unsecured JWS are refused (RFC 7515 §7.1, RFC 8725 §3.1).');
  }
  if (headerText.length > MAX_HEADER_CHARS) {
    throw new TesseraError('invalid_metadata', 'The metadata BLOB header is too large.');
  }
  const header = parseJsonObject(decodeJwsBase64url(headerText, 'The JWS header'), 'The JWS header');
  const { alg } = header;
  if (typeof alg !== 'string' || !(METADATA_BLOB_ALGORITHMS as readonly string[]).includes(alg)) {
    // `none` and HMAC are what algorithm-confusion attacks use (RFC 8725 §2.1, §3.1); MDS3 signs with a certificate.
    throw new TesseraError('invalid_metadata', 'The metadata BLOB header names an algorithm that is not an allowed asymmetric one (RFC 8725 §3.1).');
  }
  // RFC 7515 §4.1.9: media type names compare case-insensitively and "application/" may be left out.
  if (header.typ !== undefined && (typeof header.typ !== 'string' || !['jwt', 'application/jwt'].includes(header.typ.toLowerCase()))) {
    throw new TesseraError('invalid_metadata', 'The metadata BLOB header has a typ other than "JWT" (FIDO MDS3 §3.1.7).');
  }
  if (header.crit !== undefined) {
    // RFC 7515 §4.1.11: a recipient must refuse a JWS whose critical extensions it does not understand; none are understood.
    throw new TesseraError('invalid_metadata', 'The metadata BLOB header has critical extensions (RFC 7515 §4.1.11).');
  }
  const x5c = parseX5c(header.x5c, header.x5u);
  const signature = decodeJwsBase64url(signatureText, 'The JWS signature');
  const payload = parseJson(decodeJwsBase64url(payloadText, 'The JWS payload'), 'The JWS payload');
  const signingInput = new TextEncoder().encode(`${headerText}.${payloadText}`);
  return { alg: alg as MetadataBlobAlgorithm, x5c, header, payload, signingInput, signature };
}

/** The BLOB as text, within the size limit, ASCII only (base64url and dots). */
function blobText(blob: string | Uint8Array, maxBytes: number): string {
  let text: string;
  if (typeof blob === 'string') {
    if (blob.length > maxBytes) throw new TesseraError('invalid_metadata', `The metadata BLOB is larger than ${maxBytes} bytes.`);
    text = blob;
  } else if (blob instanceof Uint8Array) {
    if (blob.length > maxBytes) throw new TesseraError('invalid_metadata', `The metadata BLOB is larger than ${maxBytes} bytes.`);
    // Compact JWS is ASCII; a fatal decoder refuses what is not even UTF-8.
    try {
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(blob);
    } catch (error) {
      throw new TesseraError('invalid_metadata', 'The metadata BLOB is not text.', { cause: error });
    }
  } else {
    throw new TesseraError('invalid_argument', 'The metadata BLOB must be a string or a Uint8Array.');
  }
  // Servers commonly end the file with a newline; nothing else around the JWS is tolerated.
  return text.endsWith('\r\n') ? text.slice(0, -2) : text.endsWith('\n') ? text.slice(0, -1) : text;
}

/**
 * `x5c`: a non-empty array of canonical standard base64 DER certificates (RFC 7515 §4.1.6). Absent, with no `x5u`
 * either, it is empty: FIDO MDS3 §3.2 step 5 then makes the trust anchor the signing chain. An `x5u` (RFC 7515
 * §4.1.5) without `x5c` is refused: this library never fetches a URL named by the BLOB it is verifying.
 */
function parseX5c(value: unknown, x5u: unknown): Uint8Array[] {
  if (value === undefined && x5u === undefined) return [];
  if (value === undefined) {
    throw new TesseraError('invalid_metadata', 'The metadata BLOB header names its chain by x5u, which is never fetched; send it in x5c (RFC 7515 §4.1.5–4.1.6).');
  }
  if (!Array.isArray(value) || value.length === 0) {
    throw new TesseraError('invalid_metadata', 'The metadata BLOB header has an x5c that is not a non-empty array of certificates (RFC 7515 §4.1.6).');
  }
  if (value.length > MAX_CHAIN_LENGTH) {
    throw new TesseraError('invalid_metadata', `The metadata BLOB x5c has more than ${MAX_CHAIN_LENGTH} certificates.`);
  }
  return value.map((certificate: unknown, index) => decodeStandardBase64(certificate as string, `x5c[${index}]`));
}

/** UTF-8 JSON, any value. */
function parseJson(bytes: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    // A SyntaxError, a TypeError from bad UTF-8, or a RangeError from pathological nesting: all one answer.
    throw new TesseraError('invalid_metadata', `${what} is not UTF-8 JSON.`, { cause: error });
  }
}

/** UTF-8 JSON, an object. */
function parseJsonObject(bytes: Uint8Array, what: string): Record<string, unknown> {
  const value = parseJson(bytes, what);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TesseraError('invalid_metadata', `${what} is not a JSON object.`);
  }
  return value as Record<string, unknown>;
}

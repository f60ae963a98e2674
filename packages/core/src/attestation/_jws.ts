import { base64url } from '../base64url.ts';
import { COSE_ALGORITHMS } from '../cose.ts';
import { isTesseraError } from '../errors.ts';
import { decodeBase64 } from './_base64.ts';
import { MAX_CERTIFICATE_CHAIN_LENGTH, parseCertificateChain, verifyWithCertificate, type Certificate } from './_certificate.ts';
import { invalid } from './_statement.ts';

/*
 * A JSON Web Signature in the compact serialization (RFC 7515 §7.1), as a SafetyNet attestation response is
 * one (WebAuthn L3 §8.5), read strictly and within bounds: at most MAX_JWS_BYTES, exactly three non-empty
 * base64url parts (RFC 7515 §2: unpadded; canonical here), a protected header that is a JSON object naming
 * RS256 or ES256 (RFC 7518 §3.1; never "none" or an HMAC) and carrying the signer's certificates in `x5c`
 * (RFC 7515 §4.1.6: standard base64 DER, leaf first), no `crit` (§4.1.11: no extension is understood here), and a
 * payload that is a JSON object.
 */

/** Largest JWS accepted, in bytes: a SafetyNet response with its three certificates takes about 8 KiB. */
export const MAX_JWS_BYTES = 65_536;

/** The JWS algorithms accepted, with the COSE algorithm that verifies them through the certificate's key. */
const ALGORITHMS: ReadonlyMap<string, number> = new Map([
  ['RS256', COSE_ALGORITHMS.RS256],
  ['ES256', COSE_ALGORITHMS.ES256],
]);

/** Header parameters understood or harmless here (RFC 7515 §4.1); any other is refused. */
const HEADER_PARAMETERS = new Set(['alg', 'x5c', 'typ', 'kid']);

const COMPACT = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/;

/** A parsed compact JWS whose signature is not yet verified. */
export interface CompactJws {
  /** The `alg` header parameter: `RS256` or `ES256`. */
  alg: 'RS256' | 'ES256';
  /** The `x5c` header parameter, parsed, leaf first. */
  certificates: Certificate[];
  /** The payload, a JSON object. */
  payload: Record<string, unknown>;
  /** The JWS Signing Input, ASCII(BASE64URL(header) || '.' || BASE64URL(payload)) (RFC 7515 §5.2 step 8). */
  signingInput: Uint8Array;
  /** The JWS Signature. */
  signature: Uint8Array;
}

function decodePart(text: string, what: string): Uint8Array {
  try {
    return base64url.decode(text);
  } catch (error) {
    if (!isTesseraError(error)) throw error;
    return invalid(`the JWS ${what} is not canonical base64url`, error);
  }
}

function jsonObject(bytes: Uint8Array, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes));
  } catch (error) {
    return invalid(`the JWS ${what} is not JSON`, error);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) invalid(`the JWS ${what} is not a JSON object`);
  return value as Record<string, unknown>;
}

/**
 * Parses a compact JWS (RFC 7515 §5.2 steps 1–7), without verifying its signature.
 *
 * @param bytes - the JWS as UTF-8 bytes
 * @returns its parts
 * @throws {TesseraError} `invalid_attestation` for anything but a bounded, strictly encoded RS256/ES256 JWS
 *   with an `x5c` header
 * @internal
 */
export function parseCompactJws(bytes: Uint8Array): CompactJws {
  if (bytes.length > MAX_JWS_BYTES) invalid(`the JWS is larger than ${MAX_JWS_BYTES} bytes`);
  // Every byte of a compact JWS is ASCII (base64url and dots), so a byte is a character.
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  const parts = COMPACT.exec(text);
  if (parts === null) invalid('the response is not a compact JWS of three base64url parts');
  const header = jsonObject(decodePart(parts[1]!, 'header'), 'header');
  const payload = jsonObject(decodePart(parts[2]!, 'payload'), 'payload');
  const signature = decodePart(parts[3]!, 'signature');
  for (const name of Object.keys(header)) if (!HEADER_PARAMETERS.has(name)) invalid(`the JWS header parameter "${name}" is not supported`);
  const { alg, x5c } = header;
  if (alg !== 'RS256' && alg !== 'ES256') invalid('the JWS algorithm is not RS256 or ES256');
  if (!Array.isArray(x5c) || x5c.length === 0 || x5c.length > MAX_CERTIFICATE_CHAIN_LENGTH) invalid('the JWS header has no valid x5c');
  const certificates = parseCertificateChain(
    x5c.map((item: unknown, index) => {
      if (typeof item !== 'string') invalid('the JWS x5c holds something other than text');
      return decodeBase64(item, `JWS x5c certificate ${index}`);
    }),
  );
  const signingInput = new Uint8Array(parts[1]!.length + 1 + parts[2]!.length);
  for (let index = 0; index < signingInput.length; index++) signingInput[index] = text.charCodeAt(index);
  return { alg, certificates, payload, signingInput, signature };
}

/** A DER INTEGER for an unsigned big-endian number (X.690 §8.3: minimal, positive). */
function derUnsigned(bytes: Uint8Array): number[] {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const body = Array.from(bytes.subarray(start));
  if (body[0]! >= 0x80) body.unshift(0);
  return [0x02, body.length, ...body];
}

/**
 * Verifies a JWS's signature with the leaf certificate of its `x5c` (RFC 7515 §5.2 step 8). ES256 signatures
 * are R || S (RFC 7518 §3.4), 64 bytes, turned into the DER the certificate verifier takes.
 *
 * @param jws - a parsed JWS
 * @returns whether the signature verifies
 * @throws {TesseraError} `invalid_attestation` if the leaf's key cannot make such signatures or the signature
 *   is malformed
 * @internal
 */
export async function verifyCompactJws(jws: CompactJws): Promise<boolean> {
  let signature = jws.signature;
  if (jws.alg === 'ES256') {
    if (signature.length !== 64) invalid('an ES256 JWS signature is 64 bytes');
    const body = [...derUnsigned(signature.subarray(0, 32)), ...derUnsigned(signature.subarray(32))];
    signature = Uint8Array.of(0x30, body.length, ...body);
  }
  return verifyWithCertificate(jws.certificates[0]!, ALGORITHMS.get(jws.alg)!, signature, jws.signingInput);
}

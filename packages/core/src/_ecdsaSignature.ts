import { TesseraError } from './errors.ts';

/*
 * ECDSA signatures in WebAuthn are "ASN.1 DER Ecdsa-Sig-Value" (WebAuthn L3 §6.5.5, RFC 3279 §2.2.3):
 *
 *   Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }
 *
 * WebCrypto's ECDSA verify wants IEEE P1363 instead: r and s as unsigned big-endian numbers, each left-padded to
 * the curve's size, concatenated. The DER is read strictly (X.690 §8.1.3, §8.3, §10.1): definite minimal lengths,
 * minimal positive integers, no trailing bytes. Every ECDSA signature in the shared captured vectors
 * (authentication.json assertions; packed, fido-u2f and android-key attestations in registration.json) is strict
 * DER, so no leniency is needed.
 */

/** Byte length of r and s for P-256, P-384 and P-521 (WebAuthn L3 §5.8.5 ES256, ES384, ES512). */
export type EcdsaComponentBytes = 32 | 48 | 66;

function malformed(problem: string): never {
  throw new TesseraError('malformed_response', `Malformed ECDSA signature: ${problem}.`);
}

/** Reads a DER length at `offset` (X.690 §8.1.3, §10.1): short form below 128, else the shortest long form. */
function readLength(der: Uint8Array, offset: number): { length: number; next: number } {
  if (offset >= der.length) malformed('truncated');
  const first = der[offset]!;
  if (first < 0x80) return { length: first, next: offset + 1 };
  // A signature is at most 2 + 2 × (2 + 67) bytes, so one length byte always suffices.
  if (first !== 0x81) malformed('unsupported length encoding');
  if (offset + 1 >= der.length) malformed('truncated');
  const length = der[offset + 1]!;
  if (length < 0x80) malformed('long-form length where the short form fits');
  return { length, next: offset + 2 };
}

/** Reads one INTEGER at `offset` and writes it, left-padded, into `out[at..at + size)`. */
function readInteger(der: Uint8Array, offset: number, end: number, out: Uint8Array, at: number, size: number): number {
  if (offset >= end) malformed('truncated');
  if (der[offset] !== 0x02) malformed('expected an INTEGER');
  const { length, next } = readLength(der, offset + 1);
  if (length === 0 || length > end - next) malformed('truncated INTEGER');
  let start = next;
  const stop = next + length;
  if (der[start]! & 0x80) malformed('negative INTEGER');
  if (der[start] === 0x00) {
    if (length === 1) malformed('zero INTEGER');
    // X.690 §8.3.2: a leading 0x00 is allowed only to keep the next byte's high bit from reading as a sign.
    if ((der[start + 1]! & 0x80) === 0) malformed('non-minimal INTEGER');
    start++;
  }
  const digits = stop - start;
  if (digits > size) malformed('INTEGER larger than the curve allows');
  out.set(der.subarray(start, stop), at + size - digits);
  return stop;
}

/**
 * Converts a DER `Ecdsa-Sig-Value` (WebAuthn L3 §6.5.5) to the fixed-size `r || s` form that WebCrypto ECDSA
 * verification takes (W3C Web Cryptography API, ECDSA "verify" operation: the IEEE P1363 encoding).
 *
 * @param der - the signature as an authenticator produced it
 * @param size - byte length of each of r and s: 32 (P-256), 48 (P-384) or 66 (P-521)
 * @returns `2 × size` bytes: r then s, each big-endian and left-padded with zeros
 * @throws {TesseraError} `malformed_response` unless `der` is exactly one strict-DER SEQUENCE of two positive
 *   INTEGERs that fit in `size` bytes
 * @internal
 */
export function ecdsaDerToP1363(der: Uint8Array, size: EcdsaComponentBytes): Uint8Array {
  if (der.length === 0 || der[0] !== 0x30) malformed('expected a SEQUENCE');
  const { length, next } = readLength(der, 1);
  if (next + length !== der.length) malformed(next + length > der.length ? 'truncated' : 'trailing bytes');
  const out = new Uint8Array(2 * size);
  const afterR = readInteger(der, next, der.length, out, 0, size);
  const afterS = readInteger(der, afterR, der.length, out, size, size);
  if (afterS !== der.length) malformed('trailing bytes inside the SEQUENCE');
  return out;
}

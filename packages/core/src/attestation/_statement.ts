import { TesseraError } from '../errors.ts';
import type { Certificate } from './_certificate.ts';

/*
 * What every attestation statement format's verification procedure (WebAuthn L3 §8) shares: the error it throws,
 * the statement syntax check, and the x5c validity and trust path.
 */

/**
 * Throws `invalid_attestation` for a statement that is malformed or does not verify.
 *
 * @param problem - what is wrong, a lower-case clause
 * @param cause - the underlying error, if any
 */
export function invalid(problem: string, cause?: unknown): never {
  throw new TesseraError('invalid_attestation', `Invalid attestation statement: ${problem}.`, cause === undefined ? undefined : { cause });
}

/** §8.2 and §8.6 step 1: the statement must match the format's syntax, so no member is missing or unknown. */
export function checkMembers(attStmt: Map<string, unknown>, required: readonly string[], optional: readonly string[] = []): void {
  for (const member of required) if (!attStmt.has(member)) invalid(`"${member}" is missing`);
  for (const member of attStmt.keys()) {
    if (!required.includes(member) && !optional.includes(member)) invalid(`unexpected member "${member}"`);
  }
}

/** A member of the statement that must be a CBOR byte string. */
export function bytesMember(attStmt: Map<string, unknown>, member: string): Uint8Array {
  const value = attStmt.get(member);
  if (!(value instanceof Uint8Array)) invalid(`"${member}" is not a byte string`);
  return value;
}

/** Every certificate must be within its validity period at `now` (RFC 5280 §4.1.2.5, §6.1.3 (a)(2)). */
export function checkValidity(certificates: readonly Certificate[], now: number): void {
  certificates.forEach((certificate, index) => {
    if (now < certificate.notBefore || now > certificate.notAfter) invalid(`x5c certificate ${index} is not valid at this time`);
  });
}

/** The trust path as DER certificates, leaf first. */
export function trustPathOf(certificates: readonly Certificate[]): Uint8Array[] {
  return certificates.map((certificate) => new Uint8Array(certificate.der));
}


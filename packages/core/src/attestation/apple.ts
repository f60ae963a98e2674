import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes } from '@noble/hashes/utils.js';
import { equalBytes } from '../_bytes.ts';
import { parseCertificateChain } from './_certificate.ts';
import { certificateKeyMatches } from './_certificateKey.ts';
import { checkMembers, checkValidity, invalid, trustPathOf } from './_statement.ts';
import type { AttestationStatementInput, AttestationStatementResult } from './verifyAttestationStatement.ts';

/** The Apple Anonymous Attestation nonce extension (WebAuthn L3 §8.8). */
export const APPLE_NONCE_OID = '1.2.840.113635.100.8.2';

/**
 * The DER of the nonce extension's value for a given nonce: `SEQUENCE { [1] EXPLICIT OCTET STRING (32 bytes) }`.
 * A 32-byte nonce has exactly one DER encoding (X.690 §10), so the extension is compared with it byte for
 * byte rather than parsed: anything else — another nonce, BER, extra fields — is refused.
 */
function nonceExtension(nonce: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(0x30, 0x24, 0xa1, 0x22, 0x04, 0x20), nonce);
}

/**
 * `apple` (WebAuthn L3 §8.8 verification procedure): `{ x5c }` (Apple's authenticators also send the
 * credential's `alg`, which is allowed, must be an integer and is otherwise unused: the statement has no
 * signature). The leaf certificate's extension 1.2.840.113635.100.8.2 holds SHA-256(authData || clientDataHash)
 * and its key is the credential public key. Type `AnonCA` (Apple's CA issues one certificate per credential),
 * trust path `x5c`.
 */
export function verifyApple(input: AttestationStatementInput, now: number): AttestationStatementResult {
  const { attStmt, authenticatorData } = input;
  // Step 1: the syntax.
  checkMembers(attStmt, ['x5c'], ['alg']);
  if (attStmt.has('alg')) {
    const alg = attStmt.get('alg');
    if (typeof alg !== 'number' || !Number.isSafeInteger(alg)) invalid('"alg" is not an integer');
  }
  const certificates = parseCertificateChain(attStmt.get('x5c'));
  const leaf = certificates[0]!;
  checkValidity(certificates, now);
  // Steps 2–4: the nonce.
  const nonce = sha256(concatBytes(input.authData, input.clientDataHash));
  const extension = leaf.extensions.get(APPLE_NONCE_OID);
  if (extension === undefined) invalid('the attestation certificate has no Apple nonce extension');
  if (!equalBytes(extension.value, nonceExtension(nonce))) invalid('the Apple nonce extension does not hold the expected nonce');
  // Step 5: the leaf's key is the credential key.
  if (!certificateKeyMatches(leaf, authenticatorData.attestedCredentialData.credentialPublicKey)) {
    invalid('the attestation certificate key is not the credential public key');
  }
  return { fmt: 'apple', type: 'AnonCA', trustPath: trustPathOf(certificates) };
}

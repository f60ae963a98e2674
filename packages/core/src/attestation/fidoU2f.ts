import { concatBytes } from '@noble/hashes/utils.js';
import { COSE_ALGORITHMS, parseCoseKey } from '../cose.ts';
import { KEY_OIDS, parseCertificateChain, verifyWithCertificate } from './_certificate.ts';
import { bytesMember, checkMembers, checkValidity, invalid, trustPathOf } from './_statement.ts';
import type { AttestationStatementInput, AttestationStatementResult } from './verifyAttestationStatement.ts';

/**
 * `fido-u2f` (§8.6 verification procedure). The AAGUID must be zero: U2F authenticators have none, CTAP 2.x
 * ("Interoperating with CTAP1/U2F authenticators") has the client fill it with zeros, and the U2F signature does not cover it, so any other value would be
 * an unattested claim.
 */
export async function verifyFidoU2f(input: AttestationStatementInput, now: number): Promise<AttestationStatementResult> {
  const { attStmt, authenticatorData } = input;
  checkMembers(attStmt, ['sig', 'x5c']);
  const sig = bytesMember(attStmt, 'sig');
  const certificates = parseCertificateChain(attStmt.get('x5c'));
  if (certificates.length !== 1) invalid('a "fido-u2f" x5c must hold exactly one certificate');
  const certificate = certificates[0]!;
  if (certificate.publicKeyAlgorithm !== KEY_OIDS.ecPublicKey || certificate.publicKeyCurve !== KEY_OIDS['P-256']) {
    invalid('the attestation certificate key is not an EC P-256 key');
  }
  const { aaguid, credentialId, credentialPublicKey } = authenticatorData.attestedCredentialData;
  if (aaguid.some((byte) => byte !== 0)) invalid('a "fido-u2f" AAGUID must be zero');
  const key = parseCoseKey(credentialPublicKey);
  if (key.kty !== 'EC2' || key.alg !== COSE_ALGORITHMS.ES256) invalid('a "fido-u2f" credential key must be ES256 on P-256');
  checkValidity(certificates, now);
  const publicKeyU2F = concatBytes(Uint8Array.of(0x04), key.x, key.y);
  const signed = concatBytes(Uint8Array.of(0x00), authenticatorData.rpIdHash, input.clientDataHash, credentialId, publicKeyU2F);
  if (!(await verifyWithCertificate(certificate, COSE_ALGORITHMS.ES256, sig, signed))) {
    invalid('the signature does not verify with the attestation certificate');
  }
  return { fmt: 'fido-u2f', type: 'Basic', trustPath: trustPathOf(certificates) };
}


import { concatBytes } from '@noble/hashes/utils.js';
import { equalBytes } from '../_bytes.ts';
import { parseCoseKey } from '../cose.ts';
import { isTesseraError } from '../errors.ts';
import { PublicKeyCache } from '../publicKeyCache.ts';
import { verifySignature } from '../verifySignature.ts';
import {
  NAME_ATTRIBUTES,
  basicConstraintsCA,
  nameValues,
  octetStringValue,
  parseCertificateChain,
  verifyWithCertificate,
  type Certificate,
} from './_certificate.ts';
import { bytesMember, checkMembers, checkValidity, invalid, trustPathOf } from './_statement.ts';
import type { AttestationStatementInput, AttestationStatementResult } from './verifyAttestationStatement.ts';

/** id-fido-gen-ce-aaguid (WebAuthn L3 §8.2.1): the AAGUID as an extension of the attestation certificate. */
const AAGUID_EXTENSION = '1.3.6.1.4.1.45724.1.1.4';
const OU_AUTHENTICATOR_ATTESTATION = 'Authenticator Attestation';

/**
 * §8.2.1: version 3; subject C (two letters), O, OU "Authenticator Attestation" and CN, each exactly once; not a
 * CA; an id-fido-gen-ce-aaguid extension, if present, not critical and equal to the AAGUID (§8.2 step 2).
 *
 * The spec asks that basicConstraints "have the CA component set to false". An absent extension is accepted:
 * RFC 5280 §4.2.1.9 gives it the same meaning (the key must not verify certificate signatures).
 */
function checkPackedLeaf(leaf: Certificate, aaguid: Uint8Array): void {
  if (leaf.version !== 3) invalid('the attestation certificate is not version 3');
  const one = (type: string, label: string): string => {
    const values = nameValues(leaf.subject, type);
    if (values.length !== 1 || values[0] === '') invalid(`the attestation certificate subject needs exactly one ${label}`);
    return values[0]!;
  };
  if (!/^[A-Za-z]{2}$/.test(one(NAME_ATTRIBUTES.C, 'C'))) invalid('the attestation certificate subject C is not a country code');
  one(NAME_ATTRIBUTES.O, 'O');
  if (one(NAME_ATTRIBUTES.OU, 'OU') !== OU_AUTHENTICATOR_ATTESTATION) {
    invalid(`the attestation certificate subject OU is not "${OU_AUTHENTICATOR_ATTESTATION}"`);
  }
  one(NAME_ATTRIBUTES.CN, 'CN');
  if (basicConstraintsCA(leaf) === true) invalid('the attestation certificate is a CA certificate');
  const extension = leaf.extensions.get(AAGUID_EXTENSION);
  if (extension !== undefined) {
    if (extension.critical) invalid('the AAGUID extension is marked critical');
    const value = octetStringValue(extension.value);
    if (value.length !== 16) invalid('the AAGUID extension is malformed');
    if (!equalBytes(value, aaguid)) invalid('the AAGUID extension does not match the authenticator data');
  }
}

/** `packed` (§8.2 verification procedure). */
export async function verifyPacked(input: AttestationStatementInput, now: number): Promise<AttestationStatementResult> {
  const { attStmt, authenticatorData } = input;
  checkMembers(attStmt, ['alg', 'sig'], ['x5c']);
  const alg = attStmt.get('alg');
  if (typeof alg !== 'number' || !Number.isSafeInteger(alg)) invalid('"alg" is not an integer');
  const sig = bytesMember(attStmt, 'sig');
  const signed = concatBytes(input.authData, input.clientDataHash);
  const { credentialPublicKey, aaguid } = authenticatorData.attestedCredentialData;

  if (!attStmt.has('x5c')) {
    // Self attestation: alg is the credential key's algorithm and the credential key signs.
    if (parseCoseKey(credentialPublicKey).alg !== alg) invalid('"alg" differs from the credential public key algorithm');
    let valid: boolean;
    try {
      // A cache of size 0: keys of unverified registrations never displace stored credentials' keys.
      valid = await verifySignature({
        publicKey: credentialPublicKey,
        signature: sig,
        data: signed,
        keyCache: new PublicKeyCache({ maxEntries: 0 }),
        allowRS1: input.allowRS1,
      });
    } catch (error) {
      if (isTesseraError(error, 'malformed_response')) invalid('the signature is malformed', error);
      throw error;
    }
    if (!valid) invalid('the self attestation signature does not verify');
    return { fmt: 'packed', type: 'Self', trustPath: [] };
  }

  const certificates = parseCertificateChain(attStmt.get('x5c'));
  const leaf = certificates[0]!;
  checkPackedLeaf(leaf, aaguid);
  checkValidity(certificates, now);
  if (!(await verifyWithCertificate(leaf, alg, sig, signed))) invalid('the signature does not verify with the attestation certificate');
  return { fmt: 'packed', type: 'Basic', trustPath: trustPathOf(certificates) };
}


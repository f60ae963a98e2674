/**
 * Test support only: attestation statements of a test's own making, for the SoftwareAuthenticator's `statement`
 * option — `packed` statements with an `x5c` chain whose certificates this file issues (ECDSA P-256), and a
 * genuine attestation certificate lifted from a captured registration. Never imported by library code.
 */
import { KeyObject, sign as nodeSign } from 'node:crypto';
import { parseAttestationObject } from '../src/attestationObject.ts';
import { base64url } from '../src/base64url.ts';
import { COSE_ALGORITHMS } from '../src/cose.ts';
import type { AttestationStatementOverride, AttestationToSign } from '../src/testing/softwareAuthenticator.ts';
import { ECDSA_SHA256, bits, boolean, concat, extension, integer, name, seq, time, tlv, utf8, printable } from './derEncoder.ts';
import { readRegistrationVectors } from './vectors.ts';

const subtle = globalThis.crypto.subtle;
const BASIC_CONSTRAINTS = '2.5.29.19';
const C = '2.5.4.6';
const O = '2.5.4.10';
const OU = '2.5.4.11';
const CN = '2.5.4.3';

/** What a test may vary in an issued certificate. */
export interface CertificateSpec {
  /** `true` marks it a CA (basicConstraints cA); default `false`. */
  ca?: boolean;
  /** Subject OU; default `Authenticator Attestation` (§8.2.1). */
  ou?: string;
  notBefore?: string;
  notAfter?: string;
}

/** An EC P-256 key pair that can sign and be exported. */
export async function ecKeyPair(): Promise<CryptoKeyPair> {
  return subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
}

/** ECDSA with SHA-256, DER-encoded as WebAuthn signatures are (§6.5.5). */
export function derSign(privateKey: CryptoKey, data: Uint8Array): Uint8Array {
  return new Uint8Array(nodeSign('sha256', data, { key: KeyObject.from(privateKey), dsaEncoding: 'der' }));
}

/** A v3 certificate for `subject`'s public key, signed by `issuer` (ECDSA with SHA-256). */
export async function issueCertificate(subject: CryptoKey, issuer: CryptoKey, spec: CertificateSpec = {}): Promise<Uint8Array> {
  const tbs = seq(
    tlv(0xa0, integer(2n)),
    integer(7n),
    ECDSA_SHA256,
    name([CN, utf8('Test Attestation CA')]),
    seq(time(Date.parse(spec.notBefore ?? '2020-01-01T00:00:00Z')), time(Date.parse(spec.notAfter ?? '2049-12-31T23:59:59Z'))),
    name([C, printable('SE')], [O, utf8('Test Vendor')], [OU, utf8(spec.ou ?? 'Authenticator Attestation')], [CN, utf8('Test Authenticator')]),
    new Uint8Array(await subtle.exportKey('spki', subject)),
    tlv(0xa3, seq(extension(BASIC_CONSTRAINTS, seq(...(spec.ca === true ? [boolean(true)] : [])), true))),
  );
  return seq(tbs, ECDSA_SHA256, bits(derSign(issuer, tbs)));
}

/**
 * A `packed` statement with `x5c` (§8.2): a leaf issued by a fresh CA per `leaf`, the CA's own certificate
 * per `intermediate` (or bytes given as they are), and `sig` made with the leaf's key over what it must sign.
 */
export function packedX5c(options: { leaf?: CertificateSpec; intermediate?: CertificateSpec | Uint8Array } = {}): AttestationStatementOverride {
  return {
    fmt: 'packed',
    attStmt: async ({ authData, clientDataHash }: AttestationToSign) => {
      const ca = await ecKeyPair();
      const leafKey = await ecKeyPair();
      const leaf = await issueCertificate(leafKey.publicKey, ca.privateKey, options.leaf);
      const intermediate =
        options.intermediate instanceof Uint8Array ? options.intermediate : await issueCertificate(ca.publicKey, ca.privateKey, { ca: true, ...options.intermediate });
      return new Map<string, unknown>([
        ['alg', COSE_ALGORITHMS.ES256],
        ['sig', derSign(leafKey.privateKey, concat(authData, clientDataHash))],
        ['x5c', [leaf, intermediate]],
      ]);
    },
  };
}

/**
 * A `packed` statement whose `x5c` is a genuine attestation chain taken from a captured Yubico registration,
 * with `sig` made by a key of the test's own over what it must sign: an attacker dressing a credential in
 * another authenticator's certificate. `now` is a time at which that chain is valid.
 */
export function packedWithBorrowedChain(): { statement: AttestationStatementOverride; now: number } {
  const vector = readRegistrationVectors().find((candidate) => candidate.fmt === 'packed' && candidate.name.includes('x5c'));
  if (vector === undefined) throw new Error('no packed x5c vector in packages/core/test/fixtures');
  const x5c = (parseAttestationObject(base64url.decode(vector.response.response.attestationObject)).attStmt as Map<string, unknown>).get('x5c');
  const now = vector.requiresDate === undefined ? Date.now() : Date.parse(vector.requiresDate);
  const statement: AttestationStatementOverride = {
    fmt: 'packed',
    attStmt: async ({ authData, clientDataHash }: AttestationToSign) => {
      const attacker = await ecKeyPair();
      return new Map<string, unknown>([
        ['alg', COSE_ALGORITHMS.ES256],
        ['sig', derSign(attacker.privateKey, concat(authData, clientDataHash))],
        ['x5c', x5c],
      ]);
    },
  };
  return { statement, now };
}

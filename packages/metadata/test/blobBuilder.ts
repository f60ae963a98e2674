/*
 * Builds metadata BLOBs for tests: a PKI of the test's own (root → intermediate → BLOB signer, with the core's test
 * PKI builder), a payload, and a compact JWS signed with WebCrypto (ES256 signatures are R || S, RFC 7518 §3.4, as
 * WebCrypto makes them). Also an authenticator model: an attestation root and a packed attestation leaf carrying
 * its AAGUID, for trust tests through the relying party.
 */
import { createPrivateKey, sign as nodeSign } from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { base64url } from '@tessera/core';
import { createTestCertificateAuthority, issueTestCertificate, type AttestationStatementOverride, type TestCertificate } from '@tessera/core/testing';

export const NOW: number = Date.parse('2026-06-01T00:00:00Z');

export interface BlobPki {
  root: TestCertificate;
  intermediate: TestCertificate;
  signer: TestCertificate;
}

/** Root → intermediate → signer, ES256, valid 2020–2049 unless told otherwise. */
export async function createBlobPki(signer: { notAfter?: Date; CN?: string; algorithm?: 'ES256' | 'RS256' | 'PS256' } = {}): Promise<BlobPki> {
  const root = await createTestCertificateAuthority({ subject: { CN: 'Test MDS Root' } });
  const intermediate = await issueTestCertificate({ issuer: root, isCA: true, subject: { CN: 'Test MDS Intermediate' } });
  const leaf = await issueTestCertificate({
    issuer: intermediate,
    subject: { O: 'Test Alliance', CN: signer.CN ?? 'mds.test.example' },
    keyUsage: ['digitalSignature'],
    ...(signer.algorithm === undefined ? {} : { algorithm: signer.algorithm }),
    ...(signer.notAfter === undefined ? {} : { notAfter: signer.notAfter }),
  });
  return { root, intermediate, signer: leaf };
}

/** Standard base64 of DER. */
export function b64(der: Uint8Array): string {
  return Buffer.from(der).toString('base64');
}

export interface SignBlobOptions {
  header?: Record<string, unknown>;
  x5c?: Uint8Array[];
}

/** Signs `payload` as a compact JWS with the signer's key (ES256, RS256 or PS256 by the key; the header may claim otherwise). */
export async function signBlob(pki: BlobPki, payload: unknown, options: SignBlobOptions = {}): Promise<string> {
  const keyAlgorithm = pki.signer.keys.privateKey.algorithm.name;
  const alg = keyAlgorithm === 'RSA-PSS' ? 'PS256' : keyAlgorithm === 'RSASSA-PKCS1-v1_5' ? 'RS256' : 'ES256';
  const header = { alg, typ: 'JWT', x5c: (options.x5c ?? [pki.signer.der, pki.intermediate.der]).map(b64), ...options.header };
  const encode = (value: unknown) => base64url.encode(new TextEncoder().encode(JSON.stringify(value)));
  const signingInput = `${encode(header)}.${encode(payload)}`;
  const signature = new Uint8Array(
    await crypto.subtle.sign(
      alg === 'PS256' ? { name: 'RSA-PSS', saltLength: 32 } : alg === 'RS256' ? { name: 'RSASSA-PKCS1-v1_5' } : { name: 'ECDSA', hash: 'SHA-256' },
      pki.signer.keys.privateKey,
      new TextEncoder().encode(signingInput),
    ),
  );
  return `${signingInput}.${base64url.encode(signature)}`;
}

export interface StatusReportInput {
  status: string;
  effectiveDate?: string;
}

/** A realistic FIDO2 statement for `aaguid`, with `roots` as its attestationRootCertificates. */
export function statement(aaguid: string, roots: Uint8Array[], description = `Test Key ${aaguid.slice(0, 8)}`): Record<string, unknown> {
  return {
    legalHeader: 'Submission of this statement and retrieval and use of this statement indicates acceptance of the appropriate agreement.',
    aaguid,
    description,
    authenticatorVersion: 50100,
    protocolFamily: 'fido2',
    schema: 3,
    upv: [{ major: 1, minor: 1 }],
    authenticationAlgorithms: ['secp256r1_ecdsa_sha256_raw', 'ed25519_eddsa_sha512_raw'],
    publicKeyAlgAndEncodings: ['cose'],
    attestationTypes: ['basic_full'],
    userVerificationDetails: [[{ userVerificationMethod: 'passcode_external', caDesc: { base: 64, minLength: 4, maxRetries: 8, blockSlowdown: 0 } }]],
    keyProtection: ['hardware', 'secure_element'],
    matcherProtection: ['on_chip'],
    cryptoStrength: 128,
    attachmentHint: ['external', 'wired', 'wireless', 'nfc'],
    tcDisplay: [],
    attestationRootCertificates: roots.map(b64),
    icon: 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
    authenticatorGetInfo: { versions: ['FIDO_2_0', 'FIDO_2_1'], extensions: ['credProtect', 'hmac-secret'], aaguid: aaguid.replaceAll('-', ''), options: { rk: true, up: true, clientPin: true } },
  };
}

/** A BLOB entry for `aaguid` with `reports` as its status history. */
export function entry(aaguid: string, roots: Uint8Array[], reports: StatusReportInput[] = [{ status: 'FIDO_CERTIFIED_L1', effectiveDate: '2024-01-01' }]): Record<string, unknown> {
  return {
    aaguid,
    metadataStatement: statement(aaguid, roots),
    statusReports: reports.map((report) => ({ certificationDescriptor: 'Test Key', certificateNumber: 'FIDO20020240101001', certificationPolicyVersion: '1.4.0', certificationRequirementsVersion: '1.5', ...report })),
    timeOfLastStatusChange: '2024-01-01',
  };
}

/** A payload. */
export function payload(entries: unknown[], no = 42, nextUpdate = '2026-07-01'): Record<string, unknown> {
  return { legalHeader: 'Retrieval and use of this BLOB indicates acceptance of the appropriate agreement.', no, nextUpdate, entries };
}

/** An authenticator model: its attestation root and a packed attestation leaf for `aaguid` (WebAuthn L3 §8.2.1). */
export interface AuthenticatorModel {
  aaguid: string;
  aaguidBytes: Uint8Array;
  root: TestCertificate;
  leaf: TestCertificate;
}

export async function createAuthenticatorModel(aaguid: string): Promise<AuthenticatorModel> {
  const aaguidBytes = Uint8Array.from(Buffer.from(aaguid.replaceAll('-', ''), 'hex'));
  const root = await createTestCertificateAuthority({ subject: { CN: `Attestation Root ${aaguid.slice(0, 8)}` } });
  const leaf = await issueTestCertificate({
    issuer: root,
    subject: { C: 'SE', O: 'Test Vendor', OU: 'Authenticator Attestation', CN: 'Test Attestation' },
    extensions: [{ oid: '1.3.6.1.4.1.45724.1.1.4', value: new Uint8Array(AsnConvert.serialize(new OctetString(aaguidBytes))) }],
  });
  return { aaguid, aaguidBytes, root, leaf };
}

/** A packed x5c statement (WebAuthn L3 §8.2) signed by the model's leaf: `sig` is DER ECDSA over authData || clientDataHash. */
export async function packedStatement(model: AuthenticatorModel): Promise<AttestationStatementOverride> {
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey('pkcs8', model.leaf.keys.privateKey));
  const key = createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' });
  return {
    fmt: 'packed',
    attStmt: ({ authData, clientDataHash }) =>
      new Map<string, unknown>([
        ['alg', -7],
        ['sig', new Uint8Array(nodeSign('sha256', Buffer.concat([authData, clientDataHash]), { key, dsaEncoding: 'der' }))],
        ['x5c', [model.leaf.der]],
      ]),
  };
}

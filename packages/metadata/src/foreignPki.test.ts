/*
 * BLOBs from a PKI this project did not build (issue #13): root → (intermediates →) signer made with the OpenSSL
 * command line and realistic extension sets, CRLs from `openssl ca -gencrl`, JWS signed with node:crypto from the
 * PEM keys. Every well-formed BLOB must verify; every attack must be refused with a typed TesseraError.
 */
import { createServer, type Server } from 'node:http';
import { execFileSync } from 'node:child_process';
import { sign as nodeSign } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryChallengeStore, MemoryCredentialStore, createRelyingParty } from '@tessera/core';
import { SoftwareAuthenticator, type AttestationStatementOverride } from '@tessera/core/testing';
import { decideAttestationTrust } from './attestationTrustPolicy.ts';
import { MetadataService } from './metadataService.ts';
import { OpensslPki, type JwsAlgorithm, type KeyKind } from '../test/opensslPki.ts';
import { codeOf } from '../test/outcome.ts';
import { verifyMetadataBlob, type VerifyMetadataBlobInput } from './verifyMetadataBlob.ts';

const DAY = 24 * 60 * 60 * 1000;
/** An hour from now: the certificates openssl makes below start at the moment they are made. */
const NOW = Date.now() + 60 * 60 * 1000;
const AAGUID = '9c835346-796b-4c27-8898-d6032f515cc5';
const KEY_ID = 'bf7bcaa0d0c6187a8c6abbdd16a15640e7c7bde2';

/** A payload as a reviewer would write it: FIDO MDS3 §3.1.6, with members this library does not know. */
function reviewerPayload(no = 7, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    legalHeader: 'Reviewer test BLOB.',
    no,
    nextUpdate: new Date(NOW + 30 * DAY).toISOString().slice(0, 10),
    entries: [
      // aaguid only, status reports out of order.
      {
        aaguid: AAGUID,
        statusReports: [
          { status: 'FIDO_CERTIFIED_L1', effectiveDate: '2024-05-02', certificationDescriptor: 'Key', certificateNumber: 'FIDO20020240502001', certificationPolicyVersion: '1.4.0', certificationRequirementsVersion: '1.5' },
          { status: 'FIDO_CERTIFIED', effectiveDate: '2023-01-10' },
          { status: 'UPDATE_AVAILABLE', effectiveDate: '2025-11-30', url: 'https://vendor.reviewer.test/firmware', authenticatorVersion: 5 },
        ],
        timeOfLastStatusChange: '2025-11-30',
      },
      // U2F: attestation certificate key identifiers only.
      { attestationCertificateKeyIdentifiers: [KEY_ID], statusReports: [{ status: 'NOT_FIDO_CERTIFIED', effectiveDate: '2019-03-01' }], timeOfLastStatusChange: '2019-03-01' },
      // UAF, and a status report without a date.
      { aaid: '4e4e#4005', statusReports: [{ status: 'FIDO_CERTIFIED' }] },
    ],
    ...extra,
  };
}

let pki: OpensslPki;
let input: (blob: string | Uint8Array, more?: Partial<VerifyMetadataBlobInput>) => VerifyMetadataBlobInput;

/** A chain of `depth` CAs below the root (0, 1 or 2) and a signer, all of `kind`, issued with `signerExtensions`. */
function chain(prefix: string, kind: KeyKind, depth: 0 | 1 | 2, signerExtensions = 'leaf_digital_signature', digest = 'sha256'): string[] {
  pki.root(`${prefix}-root`, kind, `/C=NL/O=Reviewer ${prefix}/CN=Reviewer ${prefix} Root`, { digest });
  let issuer = `${prefix}-root`;
  const names: string[] = [];
  for (let level = 1; level <= depth; level++) {
    const name = `${prefix}-ca${level}`;
    pki.issue(name, kind, `/C=NL/O=Reviewer ${prefix}/CN=Reviewer ${prefix} CA ${level}`, issuer, { extensions: depth === 2 && level === 1 ? 'intermediate_ca_pathlen1' : 'intermediate_ca', digest, days: 1825 });
    names.unshift(name);
    issuer = name;
  }
  pki.issue(`${prefix}-signer`, kind, `/C=NL/O=Reviewer ${prefix}/CN=mds.reviewer.test`, issuer, { extensions: signerExtensions, digest });
  return [`${prefix}-signer`, ...names];
}

beforeAll(() => {
  pki = new OpensslPki();
  input = (blob, more = {}) => ({ blob, now: NOW, ...more });
});

afterAll(() => pki.dispose());

describe('verifyMetadataBlob with a PKI made by openssl: well-formed BLOBs verify', () => {
  const algorithms: [JwsAlgorithm, KeyKind, 0 | 1 | 2, string][] = [
    ['RS256', 'rsa2048', 1, 'sha256'],
    ['RS384', 'rsa2048', 2, 'sha384'],
    ['RS512', 'rsa2048', 0, 'sha512'],
    ['PS256', 'rsa2048', 1, 'sha256'],
    ['PS384', 'rsa2048', 2, 'sha384'],
    ['PS512', 'rsa3072', 1, 'sha512'],
    ['ES256', 'p256', 1, 'sha256'],
    ['ES384', 'p384', 2, 'sha384'],
    ['ES512', 'p521', 1, 'sha512'],
  ];

  it.each(algorithms)('%s, %s keys, %i intermediate(s), certificates signed with %s: with and without the root in x5c', async (alg, kind, depth, digest) => {
    const prefix = `${alg.toLowerCase()}-${depth}`;
    const names = chain(prefix, kind, depth, 'leaf_tls', digest);
    const withoutRoot = pki.signJws(`${prefix}-signer`, { alg, typ: 'JWT', x5c: pki.x5c(...names) }, reviewerPayload());
    const withRoot = pki.signJws(`${prefix}-signer`, { alg, x5c: pki.x5c(...names, `${prefix}-root`) }, reviewerPayload());
    for (const blob of [withoutRoot, withRoot]) {
      const verified = await verifyMetadataBlob(input(blob, { trustAnchor: pki.der(`${prefix}-root`) }));
      expect(verified.no).toBe(7);
      expect(verified.signerPath).toEqual(names.map((name) => pki.der(name)));
      expect(verified.byAaguid.get(AAGUID)?.statusReports).toHaveLength(3);
      expect(verified.byAttestationCertificateKeyIdentifier.get(KEY_ID)?.statusReports[0]?.status).toBe('NOT_FIDO_CERTIFIED');
    }
  });
});

describe('verifyMetadataBlob with a PKI made by openssl: the forms a reviewer may pass', () => {
  let blob: string;
  beforeAll(() => {
    chain('forms', 'p256', 1, 'leaf_tls');
    blob = pki.signJws('forms-signer', { alg: 'ES256', typ: 'JWT', x5c: pki.x5c('forms-signer', 'forms-ca1') }, reviewerPayload());
  });

  it('takes the root as DER bytes, a Node Buffer, an ArrayBuffer, PEM text, PEM file bytes, or in a list with other roots', async () => {
    const der = pki.der('forms-root');
    const pem = pki.pem('forms-root');
    pki.root('forms-other-root', 'p256', '/CN=Some Other Root');
    const forms = [der, Buffer.from(der), der.slice().buffer, pem, Buffer.from(pem), new TextEncoder().encode(`Reviewer root\r\n${pem}`), [pki.der('forms-other-root'), pem], `${pki.pem('forms-other-root')}${pem}`];
    for (const trustAnchor of forms) expect(await codeOf(verifyMetadataBlob(input(blob, { trustAnchor })))).toBe('accepted');
  });

  it('takes the BLOB as text, as bytes, and with the trailing newline a file or an HTTP body may end with', async () => {
    const trustAnchor = pki.pem('forms-root');
    for (const form of [blob, Buffer.from(blob), `${blob}\n`, Buffer.from(`${blob}\r\n`)]) expect(await codeOf(verifyMetadataBlob(input(form, { trustAnchor })))).toBe('accepted');
  });

  it('takes headers as JOSE libraries write them: no typ, typ "JWT" in any case or "application/jwt", kid, x5t#S256, x5u next to x5c', async () => {
    const x5c = pki.x5c('forms-signer', 'forms-ca1');
    const headers: Record<string, unknown>[] = [
      { alg: 'ES256', x5c },
      { x5c, alg: 'ES256', typ: 'jwt' },
      { alg: 'ES256', typ: 'application/jwt', x5c },
      { alg: 'ES256', typ: 'JWT', kid: 'reviewer-signer-1', 'x5t#S256': 'n4bQgYhMfWWaL-qgxVrQFaO_TxsrC4Is0V1sFbDwCgg', x5c },
      { alg: 'ES256', typ: 'JWT', x5c, x5u: 'https://pki.reviewer.test/chain.pem' },
    ];
    for (const header of headers) {
      expect(await codeOf(verifyMetadataBlob(input(pki.signJws('forms-signer', header, reviewerPayload()), { trustAnchor: pki.pem('forms-root') })))).toBe('accepted');
    }
  });

  it('takes payloads as a reviewer writes them: pretty-printed, a large no, unknown members, YYYY-MM-DD nextUpdate, entries of each kind', async () => {
    const trustAnchor = pki.der('forms-root');
    const header = { alg: 'ES256', typ: 'JWT', x5c: pki.x5c('forms-signer', 'forms-ca1') };
    const pretty = pki.signJws('forms-signer', header, null, { payloadText: JSON.stringify(reviewerPayload(), null, 2) });
    expect((await verifyMetadataBlob(input(pretty, { trustAnchor }))).entries).toHaveLength(3);
    for (const no of [0, 2 ** 32, 20_261_206_000, Number.MAX_SAFE_INTEGER]) {
      expect((await verifyMetadataBlob(input(pki.signJws('forms-signer', header, reviewerPayload(no)), { trustAnchor, previousNumber: no - 1 }))).no).toBe(no);
    }
    const extra = reviewerPayload(8, { 'x-reviewer': { note: 'unknown member' }, rogueListURL: 'https://reviewer.test/rogue', iat: 1_764_979_200 });
    const verified = await verifyMetadataBlob(input(pki.signJws('forms-signer', header, extra), { trustAnchor }));
    expect(verified.nextUpdate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(verified.byAaguid.get(AAGUID)?.timeOfLastStatusChange).toBe('2025-11-30');
    expect(verified.entries[2]?.aaid).toBe('4e4e#4005');
  });

  it('takes a JWS whose signature the openssl CLI made (openssl dgst -sha256 -sign, RS256)', async () => {
    chain('cli', 'rsa2048', 1, 'leaf_no_key_usage');
    const signed = pki.signJwsWithOpensslCli('cli-signer', { alg: 'RS256', typ: 'JWT', x5c: pki.x5c('cli-signer', 'cli-ca1') }, reviewerPayload());
    expect(await codeOf(verifyMetadataBlob(input(signed, { trustAnchor: pki.pem('cli-root') })))).toBe('accepted');
  });
});

describe('verifyMetadataBlob with a PKI made by openssl: signer certificates and chains', () => {
  beforeAll(() => {
    chain('profiles', 'p256', 1, 'leaf_tls');
  });

  /** A BLOB signed by a signer issued under `issuer` with `extensions` (`null`: an X.509 v1 certificate). */
  function signerBlob(name: string, extensions: string | null, issuer = 'profiles-ca1', chainNames = [name, issuer]): string {
    pki.issue(name, 'p256', `/O=Reviewer/CN=mds.reviewer.test`, issuer, { extensions });
    return pki.signJws(name, { alg: 'ES256', x5c: pki.x5c(...chainNames) }, reviewerPayload());
  }

  it.each([
    ['no keyUsage', 'leaf_no_key_usage'],
    ['keyUsage digitalSignature only', 'leaf_digital_signature'],
    ['a TLS profile: digitalSignature + keyEncipherment, extendedKeyUsage serverAuth/clientAuth, SAN, AIA, CRL DP, policies', 'leaf_tls'],
    ['a critical extendedKeyUsage codeSigning', 'leaf_code_signing'],
    ['keyUsage nonRepudiation (contentCommitment) only', 'leaf_content_commitment'],
    ['no extensions at all (X.509 v1)', null],
  ])('accepts a signer with %s', async (_, extensions) => {
    const blob = signerBlob(`signer-${String(extensions)}`, extensions);
    expect(await codeOf(verifyMetadataBlob(input(blob, { trustAnchor: pki.der('profiles-root') })))).toBe('accepted');
  });

  it('accepts a root with only basicConstraints, and a BLOB signed by the root itself: x5c = [root], or no x5c (FIDO MDS3 §3.2 step 5)', async () => {
    pki.root('bare-root', 'p384', '/CN=Reviewer Bare Root', { extensions: 'root_ca_minimal' });
    pki.issue('bare-signer', 'p256', '/CN=mds.reviewer.test', 'bare-root', { extensions: 'leaf_digital_signature', digest: 'sha384' });
    const underBare = pki.signJws('bare-signer', { alg: 'ES256', x5c: pki.x5c('bare-signer') }, reviewerPayload());
    expect(await codeOf(verifyMetadataBlob(input(underBare, { trustAnchor: pki.pem('bare-root') })))).toBe('accepted');
    const rootSignedWithX5c = pki.signJws('bare-root', { alg: 'ES384', x5c: pki.x5c('bare-root') }, reviewerPayload());
    const rootSigned = pki.signJws('bare-root', { alg: 'ES384', typ: 'JWT' }, reviewerPayload());
    for (const blob of [rootSignedWithX5c, rootSigned]) {
      const verified = await verifyMetadataBlob(input(blob, { trustAnchor: [pki.der('profiles-root'), pki.der('bare-root')] }));
      expect(verified.signerPath).toEqual([pki.der('bare-root')]);
    }
    // Without x5c, only an anchor's own key verifies: another root's key does not.
    expect(await codeOf(verifyMetadataBlob(input(rootSigned, { trustAnchor: pki.der('profiles-root') })))).toBe('invalid_metadata');
    expect(await codeOf(verifyMetadataBlob(input(pki.signJws('profiles-signer', { alg: 'ES256' }, reviewerPayload()), { trustAnchor: pki.der('profiles-root') })))).toBe('invalid_metadata');
  });

  it('accepts an Ed25519 PKI and an EdDSA BLOB (RFC 8037)', async () => {
    pki.root('ed-root', 'ed25519', '/CN=Reviewer Ed25519 Root');
    pki.issue('ed-signer', 'ed25519', '/CN=mds.reviewer.test', 'ed-root', { extensions: 'leaf_digital_signature' });
    const blob = pki.signJws('ed-signer', { alg: 'EdDSA', typ: 'JWT', x5c: pki.x5c('ed-signer') }, reviewerPayload());
    expect(await codeOf(verifyMetadataBlob(input(blob, { trustAnchor: pki.pem('ed-root') })))).toBe('accepted');
  });

  it('accepts mixed key types down the chain: RSA root, P-384 intermediate, P-256 or RSA signers', async () => {
    pki.root('mixed-root', 'rsa2048', '/C=US/O=Reviewer Mixed/CN=Reviewer Mixed Root', { digest: 'sha384' });
    pki.issue('mixed-ca', 'p384', '/C=US/O=Reviewer Mixed/CN=Reviewer Mixed CA', 'mixed-root', { extensions: 'intermediate_ca', digest: 'sha256' });
    pki.issue('mixed-ec', 'p256', '/CN=mds.reviewer.test', 'mixed-ca', { extensions: 'leaf_tls', digest: 'sha384' });
    pki.issue('mixed-rsa', 'rsa2048', '/CN=mds.reviewer.test', 'mixed-ca', { extensions: 'leaf_tls', digest: 'sha384' });
    const trustAnchor = pki.pem('mixed-root');
    for (const [signer, alg] of [['mixed-ec', 'ES256'], ['mixed-rsa', 'RS256'], ['mixed-rsa', 'PS384']] as const) {
      const blob = pki.signJws(signer, { alg, x5c: pki.x5c(signer, 'mixed-ca') }, reviewerPayload());
      expect(await codeOf(verifyMetadataBlob(input(blob, { trustAnchor })))).toBe('accepted');
    }
  });

  it('accepts certificates signed with RSASSA-PSS (openssl -sigopt rsa_padding_mode:pss)', async () => {
    pki.root('pss-root', 'rsa2048', '/CN=Reviewer PSS Root');
    pki.issue('pss-signer', 'rsa2048', '/CN=mds.reviewer.test', 'pss-root', { extensions: 'leaf_tls', pss: true });
    const blob = pki.signJws('pss-signer', { alg: 'PS256', x5c: pki.x5c('pss-signer') }, reviewerPayload());
    expect(await codeOf(verifyMetadataBlob(input(blob, { trustAnchor: pki.der('pss-root') })))).toBe('accepted');
  });

  it('accepts an intermediate CA signing the BLOB itself when its keyUsage allows digitalSignature (it could issue itself a leaf anyway)', async () => {
    const blob = pki.signJws('profiles-ca1', { alg: 'ES256', x5c: pki.x5c('profiles-ca1') }, reviewerPayload());
    expect(await codeOf(verifyMetadataBlob(input(blob, { trustAnchor: pki.der('profiles-root') })))).toBe('accepted');
  });

  it('refuses a signer whose keyUsage forbids signing: keyEncipherment only, or a CA key limited to keyCertSign/cRLSign', async () => {
    for (const extensions of ['leaf_key_encipherment_only', 'leaf_cert_sign_only']) {
      const blob = signerBlob(`refused-${extensions}`, extensions);
      expect(await codeOf(verifyMetadataBlob(input(blob, { trustAnchor: pki.der('profiles-root') })))).toBe('invalid_certificate_chain');
    }
  });

  it('refuses a signer that is not issued by a CA: under an end-entity certificate, under a v1 certificate, self-signed with the root name', async () => {
    const trustAnchor = pki.der('profiles-root');
    // An end-entity certificate of the genuine PKI (CA:FALSE, even with keyCertSign) issuing a "signer".
    pki.issue('ee-issuer', 'p256', '/CN=Reviewer End Entity', 'profiles-ca1', { extensions: 'not_a_ca' });
    const underEndEntity = signerBlob('under-ee', 'leaf_digital_signature', 'ee-issuer', ['under-ee', 'ee-issuer', 'profiles-ca1']);
    expect(await codeOf(verifyMetadataBlob(input(underEndEntity, { trustAnchor })))).toBe('invalid_certificate_chain');
    // An X.509 v1 certificate (no basicConstraints) issuing one.
    pki.issue('v1-issuer', 'p256', '/CN=Reviewer V1', 'profiles-ca1', { extensions: null });
    const underV1 = signerBlob('under-v1', 'leaf_content_commitment', 'v1-issuer', ['under-v1', 'v1-issuer', 'profiles-ca1']);
    expect(await codeOf(verifyMetadataBlob(input(underV1, { trustAnchor })))).toBe('invalid_certificate_chain');
    // A self-signed certificate copying the root's name, and one copying the intermediate's.
    pki.root('fake-root', 'p256', '/C=NL/O=Reviewer profiles/CN=Reviewer profiles Root');
    pki.issue('fake-signer', 'p256', '/CN=mds.reviewer.test', 'fake-root', { extensions: 'leaf_tls' });
    for (const x5c of [['fake-signer', 'fake-root'], ['fake-signer']]) {
      expect(await codeOf(verifyMetadataBlob(input(pki.signJws('fake-signer', { alg: 'ES256', x5c: pki.x5c(...x5c) }, reviewerPayload()), { trustAnchor })))).toBe('invalid_certificate_chain');
    }
  });

  it('refuses a chain through a CA with a critical nameConstraints extension, which is not processed (RFC 5280 §4.2, §6.1.4 (o))', async () => {
    pki.issue('nc-ca', 'p256', '/CN=Reviewer Constrained CA', 'profiles-root', { extensions: 'intermediate_ca_name_constraints' });
    const blob = signerBlob('nc-signer', 'leaf_tls', 'nc-ca');
    expect(await codeOf(verifyMetadataBlob(input(blob, { trustAnchor: pki.der('profiles-root') })))).toBe('invalid_certificate_chain');
  });

  it("refuses a path longer than an intermediate's pathlen:0 allows", async () => {
    // profiles-ca1 has pathlen:0, so a CA under it may not issue.
    pki.issue('deep-ca', 'p256', '/CN=Reviewer Deep CA', 'profiles-ca1', { extensions: 'intermediate_ca' });
    const blob = signerBlob('deep-signer', 'leaf_tls', 'deep-ca', ['deep-signer', 'deep-ca', 'profiles-ca1']);
    expect(await codeOf(verifyMetadataBlob(input(blob, { trustAnchor: pki.der('profiles-root') })))).toBe('invalid_certificate_chain');
  });

  it('checks the signer name when asked: subjectAltName or commonName', async () => {
    const blob = pki.signJws('profiles-signer', { alg: 'ES256', x5c: pki.x5c('profiles-signer', 'profiles-ca1') }, reviewerPayload());
    const trustAnchor = pki.der('profiles-root');
    expect(await codeOf(verifyMetadataBlob(input(blob, { trustAnchor, signerName: 'www.reviewer.test' })))).toBe('accepted');
    expect(await codeOf(verifyMetadataBlob(input(blob, { trustAnchor, signerName: 'MDS.reviewer.test' })))).toBe('accepted');
    expect(await codeOf(verifyMetadataBlob(input(blob, { trustAnchor, signerName: 'mds.fidoalliance.org' })))).toBe('invalid_metadata');
  });
});

describe('verifyMetadataBlob with a PKI made by openssl: attacks are refused with a typed code', () => {
  let good: string;
  let trustAnchor: string;
  const parts = () => good.split('.') as [string, string, string];
  const encodeJson = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const decodeJson = (text: string) => JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Record<string, unknown>;

  beforeAll(() => {
    chain('atk', 'p256', 1, 'leaf_tls');
    trustAnchor = pki.pem('atk-root');
    good = pki.signJws('atk-signer', { alg: 'ES256', typ: 'JWT', x5c: pki.x5c('atk-signer', 'atk-ca1') }, reviewerPayload(40));
  });

  it('accepts the untouched BLOB (the baseline of every attack below)', async () => {
    expect(await codeOf(verifyMetadataBlob(input(good, { trustAnchor })))).toBe('accepted');
  });

  it('refuses a BLOB under another root: invalid_certificate_chain', async () => {
    chain('atk-other', 'p256', 1, 'leaf_tls');
    expect(await codeOf(verifyMetadataBlob(input(good, { trustAnchor: pki.pem('atk-other-root') })))).toBe('invalid_certificate_chain');
    const otherBlob = pki.signJws('atk-other-signer', { alg: 'ES256', x5c: pki.x5c('atk-other-signer', 'atk-other-ca1') }, reviewerPayload(41));
    expect(await codeOf(verifyMetadataBlob(input(otherBlob, { trustAnchor })))).toBe('invalid_certificate_chain');
    // The other PKI's signature with the genuine chain in x5c.
    const [, body, signature] = otherBlob.split('.') as [string, string, string];
    expect(await codeOf(verifyMetadataBlob(input(`${parts()[0]}.${body}.${signature}`, { trustAnchor })))).toBe('invalid_metadata');
  });

  it('refuses a tampered payload, even one that only changes JSON whitespace: invalid_metadata', async () => {
    const [header, body, signature] = parts();
    const payload = decodeJson(body);
    (payload['entries'] as { statusReports: unknown[] }[])[0]!.statusReports = [{ status: 'FIDO_CERTIFIED_L3plus', effectiveDate: '2026-01-01' }];
    expect(await codeOf(verifyMetadataBlob(input(`${header}.${encodeJson(payload)}.${signature}`, { trustAnchor })))).toBe('invalid_metadata');
    const respaced = Buffer.from(JSON.stringify(decodeJson(body), null, 1)).toString('base64url');
    expect(await codeOf(verifyMetadataBlob(input(`${header}.${respaced}.${signature}`, { trustAnchor })))).toBe('invalid_metadata');
  });

  it('refuses a tampered header: alg none, HS256 keyed with the public key, an alg swap, another chain: invalid_metadata', async () => {
    const [header, body, signature] = parts();
    const original = decodeJson(header);
    const { createHmac, createPublicKey } = await import('node:crypto');
    const signerPublicKey = createPublicKey(pki.pem('atk-signer'));
    const hmacSecrets = [pki.pem('atk-signer'), signerPublicKey.export({ type: 'spki', format: 'pem' }), signerPublicKey.export({ type: 'spki', format: 'der' }), pki.der('atk-signer')];
    const forged: string[] = [];
    for (const alg of ['none', 'None', 'NONE']) {
      const noneHeader = encodeJson({ ...original, alg });
      forged.push(`${noneHeader}.${body}.`, `${noneHeader}.${body}.${signature}`);
    }
    for (const secret of hmacSecrets) {
      const hsHeader = encodeJson({ ...original, alg: 'HS256' });
      forged.push(`${hsHeader}.${body}.${createHmac('sha256', secret).update(`${hsHeader}.${body}`).digest('base64url')}`);
    }
    for (const alg of ['ES384', 'ES512', 'RS256', 'PS256', 'EdDSA']) forged.push(`${encodeJson({ ...original, alg })}.${body}.${signature}`);
    chain('atk-swap', 'p256', 1, 'leaf_tls');
    forged.push(`${encodeJson({ ...original, x5c: pki.x5c('atk-swap-signer', 'atk-swap-ca1') })}.${body}.${signature}`);
    // The attacker's own key, embedded as jwk (RFC 7515 §4.1.3), signing under the genuine x5c: jwk is never used.
    const jwk = createPublicKey(pki.pem('atk-swap-signer')).export({ format: 'jwk' });
    forged.push(pki.signJws('atk-swap-signer', { ...original, jwk }, reviewerPayload(40)));
    for (const blob of forged) expect(await codeOf(verifyMetadataBlob(input(blob, { trustAnchor: [trustAnchor, pki.pem('atk-swap-root')] })))).toBe('invalid_metadata');
    // The JSON serializations (RFC 7515 §7.2) are not a metadata BLOB.
    const flattened = JSON.stringify({ protected: header, payload: body, signature });
    expect(await codeOf(verifyMetadataBlob(input(flattened, { trustAnchor })))).toBe('invalid_metadata');
  });

  it('refuses signatures in the wrong encoding: DER ECDSA instead of R || S (RFC 7518 §3.4), a PSS salt other than the hash length (§3.5)', async () => {
    const { sign, constants } = await import('node:crypto');
    const [header, body] = parts();
    const der = sign('sha256', Buffer.from(`${header}.${body}`), pki.privateKeyPem('atk-signer')).toString('base64url');
    expect(await codeOf(verifyMetadataBlob(input(`${header}.${body}.${der}`, { trustAnchor })))).toBe('invalid_metadata');
    chain('atk-pss', 'rsa2048', 0, 'leaf_tls');
    const maxSalt = pki.signJws('atk-pss-signer', { alg: 'PS256', x5c: pki.x5c('atk-pss-signer') }, reviewerPayload(), { pssSaltLength: constants.RSA_PSS_SALTLEN_MAX_SIGN });
    expect(await codeOf(verifyMetadataBlob(input(maxSalt, { trustAnchor: pki.der('atk-pss-root') })))).toBe('invalid_metadata');
  });

  it('refuses an RSA signer key under 2048 bits (RFC 7518 §3.3)', async () => {
    pki.issue('atk-weak', 'rsa1024', '/CN=mds.reviewer.test', 'atk-ca1', { extensions: 'leaf_digital_signature' });
    const weak = pki.signJws('atk-weak', { alg: 'RS256', x5c: pki.x5c('atk-weak', 'atk-ca1') }, reviewerPayload());
    expect(await codeOf(verifyMetadataBlob(input(weak, { trustAnchor })))).toBe('invalid_metadata');
  });

  it('refuses a signer expired at now, or not yet valid: invalid_certificate_chain', async () => {
    pki.issue('atk-short', 'p256', '/CN=mds.reviewer.test', 'atk-ca1', { extensions: 'leaf_tls', days: 1 });
    const blob = pki.signJws('atk-short', { alg: 'ES256', x5c: pki.x5c('atk-short', 'atk-ca1') }, reviewerPayload());
    expect(await codeOf(verifyMetadataBlob(input(blob, { trustAnchor })))).toBe('accepted');
    expect(await codeOf(verifyMetadataBlob(input(blob, { trustAnchor, now: NOW + 3 * DAY })))).toBe('invalid_certificate_chain');
    expect(await codeOf(verifyMetadataBlob(input(blob, { trustAnchor, now: NOW - 3 * DAY })))).toBe('invalid_certificate_chain');
  });

  it('checks CRLs made by openssl ca -gencrl, DER or PEM: a revoked signer or intermediate is certificate_revoked', async () => {
    chain('crl', 'p256', 1, 'leaf_tls');
    const blob = pki.signJws('crl-signer', { alg: 'ES256', x5c: pki.x5c('crl-signer', 'crl-ca1') }, reviewerPayload());
    const anchor = pki.der('crl-root');
    const cleanIntermediateCrl = pki.crl('crl-ca1');
    const cleanRootCrl = pki.crl('crl-root');
    for (const crls of [[cleanIntermediateCrl.der, cleanRootCrl.der], [cleanIntermediateCrl.pem, Buffer.from(cleanRootCrl.pem)], [pki.crl('atk-ca1', ['atk-signer']).der]]) {
      expect(await codeOf(verifyMetadataBlob(input(blob, { trustAnchor: anchor, crls })))).toBe('accepted');
    }
    expect(await codeOf(verifyMetadataBlob(input(blob, { trustAnchor: anchor, crls: [pki.crl('crl-ca1', [], { v1: true }).der] })))).toBe('accepted');
    expect(await codeOf(verifyMetadataBlob(input(blob, { trustAnchor: anchor, crls: [pki.crl('crl-ca1', ['crl-signer'], { v1: true }).pem] })))).toBe('certificate_revoked');
    const revokedSigner = pki.crl('crl-ca1', ['crl-signer']);
    expect(await codeOf(verifyMetadataBlob(input(blob, { trustAnchor: anchor, crls: [revokedSigner.der] })))).toBe('certificate_revoked');
    expect(await codeOf(verifyMetadataBlob(input(blob, { trustAnchor: anchor, crls: [revokedSigner.pem, cleanRootCrl.pem] })))).toBe('certificate_revoked');
    const revokedIntermediate = pki.crl('crl-root', ['crl-ca1']);
    expect(await codeOf(verifyMetadataBlob(input(blob, { trustAnchor: anchor, crls: [cleanIntermediateCrl.der, revokedIntermediate.der] })))).toBe('certificate_revoked');
    // A CRL past its nextUpdate is not current: the revocation state is unknown, so the chain is refused.
    const shortCrl = pki.crl('crl-ca1', [], { days: 1 });
    expect(await codeOf(verifyMetadataBlob(input(blob, { trustAnchor: anchor, crls: [shortCrl.der], now: NOW + 3 * DAY })))).toBe('invalid_certificate_chain');
    // Not a CRL at all: the caller's configuration.
    expect(await codeOf(verifyMetadataBlob(input(blob, { trustAnchor: anchor, crls: ['not a CRL'] })))).toBe('invalid_argument');
    expect(await codeOf(verifyMetadataBlob(input(blob, { trustAnchor: anchor, crls: [pki.pem('crl-root')] })))).toBe('invalid_argument');
  });

  it('refuses a replayed or older no: metadata_replayed', async () => {
    expect(await codeOf(verifyMetadataBlob(input(good, { trustAnchor, previousNumber: 39 })))).toBe('accepted');
    expect(await codeOf(verifyMetadataBlob(input(good, { trustAnchor, previousNumber: 40 })))).toBe('metadata_replayed');
    expect(await codeOf(verifyMetadataBlob(input(good, { trustAnchor, previousNumber: 2 ** 40 })))).toBe('metadata_replayed');
  });

  it('never fetches x5u: x5u alone is invalid_metadata, and next to x5c it is ignored (no request reaches the server)', async () => {
    const { createServer } = await import('node:http');
    let requests = 0;
    const server = createServer((_, response) => {
      requests++;
      response.end(pki.pem('atk-signer') + pki.pem('atk-ca1'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const address = server.address();
      const x5u = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}/chain.pem`;
      const alone = pki.signJws('atk-signer', { alg: 'ES256', x5u }, reviewerPayload());
      expect(await codeOf(verifyMetadataBlob(input(alone, { trustAnchor })))).toBe('invalid_metadata');
      // x5c from another PKI, x5u pointing at the genuine chain: x5c decides, and it does not lead to the anchor.
      chain('atk-x5u', 'p256', 0, 'leaf_tls');
      const both = pki.signJws('atk-x5u-signer', { alg: 'ES256', x5c: pki.x5c('atk-x5u-signer'), x5u }, reviewerPayload());
      expect(await codeOf(verifyMetadataBlob(input(both, { trustAnchor })))).toBe('invalid_certificate_chain');
      expect(requests).toBe(0);
    } finally {
      server.close();
    }
  });

  it('refuses oversized input: a BLOB over maxBytes, a huge header, more than 8 certificates, a no past 2^53, an overlong description', async () => {
    expect(await codeOf(verifyMetadataBlob(input(good, { trustAnchor, maxBytes: good.length - 1 })))).toBe('invalid_metadata');
    const x5c = pki.x5c('atk-signer', 'atk-ca1');
    const blobs = [
      pki.signJws('atk-signer', { alg: 'ES256', kid: 'k'.repeat(70_000), x5c }, reviewerPayload()),
      pki.signJws('atk-signer', { alg: 'ES256', x5c: [...x5c, ...Array.from({ length: 7 }, () => x5c[1])] }, reviewerPayload()),
      pki.signJws('atk-signer', { alg: 'ES256', x5c }, null, { payloadText: JSON.stringify(reviewerPayload()).replace('"no":7', '"no":9007199254740993') }),
      pki.signJws('atk-signer', { alg: 'ES256', x5c }, null, { payloadText: JSON.stringify(reviewerPayload()).replace('"no":7', '"no":1e400') }),
      pki.signJws('atk-signer', { alg: 'ES256', x5c }, { ...reviewerPayload(), no: '7' }),
      pki.signJws('atk-signer', { alg: 'ES256', x5c }, { ...reviewerPayload(), entries: [{ aaguid: AAGUID, statusReports: [], metadataStatement: { description: 'x'.repeat(1001), attestationTypes: [], attestationRootCertificates: [] } }] }),
    ];
    for (const blob of blobs) expect(await codeOf(verifyMetadataBlob(input(blob, { trustAnchor })))).toBe('invalid_metadata');
  });

  it('refuses a trust anchor that is neither DER nor PEM: invalid_argument', async () => {
    for (const bad of ['MIIB…', 'not a certificate', new Uint8Array([1, 2, 3]), [] as string[], [42 as unknown as string]]) {
      expect(await codeOf(verifyMetadataBlob(input(good, { trustAnchor: bad })))).toBe('invalid_argument');
    }
  });
});

describe('MetadataService and attestation trust on a BLOB from a PKI made by openssl', () => {
  const CERTIFIED = '6d44ba9b-f6ec-2e49-b930-0c8fe920cb73';
  const REVOKED = 'd8522d9f-575b-4866-88a9-ba99fa02f35b';
  const ORIGIN = 'https://example.com';
  const user = { id: Buffer.from('reviewer-0001').toString('base64url'), name: 'reviewer@example.com', displayName: 'Reviewer' };
  let server: Server;
  let url: string;
  /** What the server answers next; each request is counted. */
  const served = { body: '', requests: 0 };

  /** An authenticator model made with openssl: attestation root, packed attestation leaf with the AAGUID (WebAuthn L3 §8.2.1). */
  function model(name: string, aaguid: string): void {
    pki.root(`${name}-attestation-root`, 'p256', `/C=SE/O=Reviewer Vendor/CN=${name} Attestation Root`);
    pki.addExtensions(`${name}_attestation`, ['basicConstraints = critical, CA:FALSE', `1.3.6.1.4.1.45724.1.1.4 = DER:04:10:${aaguid.replaceAll('-', '')}`]);
    pki.issue(`${name}-attestation`, 'p256', '/C=SE/O=Reviewer Vendor/OU=Authenticator Attestation/CN=Reviewer Key', `${name}-attestation-root`, { extensions: `${name}_attestation` });
  }

  /** A packed x5c statement signed with the model's openssl key: `sig` is DER ECDSA over authData || clientDataHash (WebAuthn L3 §8.2). */
  function packed(name: string): AttestationStatementOverride {
    const key = pki.privateKeyPem(`${name}-attestation`);
    return {
      fmt: 'packed',
      attStmt: ({ authData, clientDataHash }) =>
        new Map<string, unknown>([
          ['alg', -7],
          ['sig', new Uint8Array(nodeSign('sha256', Buffer.concat([authData, clientDataHash]), key))],
          ['x5c', [pki.der(`${name}-attestation`)]],
        ]),
    };
  }

  function entryFor(name: string, aaguid: string, statusReports: Record<string, unknown>[]): Record<string, unknown> {
    return {
      aaguid,
      metadataStatement: {
        legalHeader: 'Reviewer statement.',
        aaguid,
        description: `Reviewer ${name} Key`,
        authenticatorVersion: 1,
        protocolFamily: 'fido2',
        schema: 3,
        upv: [{ major: 1, minor: 1 }],
        attestationTypes: ['basic_full'],
        attestationRootCertificates: pki.x5c(`${name}-attestation-root`),
        keyProtection: ['hardware', 'secure_element'],
      },
      statusReports,
      timeOfLastStatusChange: '2025-01-01',
    };
  }

  /** A BLOB numbered `no`, due again on `nextUpdate`, with `certifiedHistory` as the certified model's status reports. */
  function blob(no: number, nextUpdate: string, certifiedHistory: Record<string, unknown>[]): string {
    const payload = {
      legalHeader: 'Reviewer BLOB.',
      no,
      nextUpdate,
      entries: [
        entryFor('certified', CERTIFIED, certifiedHistory),
        entryFor('revoked', REVOKED, [
          { status: 'REVOKED', effectiveDate: '2025-06-01' },
          { status: 'FIDO_CERTIFIED_L1', effectiveDate: '2024-02-01' },
        ]),
      ],
    };
    return pki.signJws('svc-signer', { alg: 'RS256', typ: 'JWT', x5c: pki.x5c('svc-signer', 'svc-ca1') }, payload);
  }

  const day = (offset: number) => new Date(NOW + offset * DAY).toISOString().slice(0, 10);

  beforeAll(async () => {
    chain('svc', 'rsa2048', 1, 'leaf_tls');
    model('certified', CERTIFIED);
    model('revoked', REVOKED);
    server = createServer((_, response) => {
      served.requests++;
      response.writeHead(200, { 'content-type': 'application/jwt' });
      response.end(served.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}/`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  async function register(rp: ReturnType<typeof createRelyingParty>, name: string, aaguid: string) {
    const authenticator = new SoftwareAuthenticator({ aaguid: Buffer.from(aaguid.replaceAll('-', ''), 'hex'), statement: packed(name), attachment: 'cross-platform' });
    const { options, ticket } = await rp.startRegistration({ user, attestation: 'direct', excludeCredentials: [] });
    return rp.finishRegistration({ ticket, response: await authenticator.register(options, ORIGIN) });
  }

  it('loads over HTTP, trusts FIDO_CERTIFIED_L1, refuses REVOKED through createRelyingParty, and refreshes at nextUpdate', async () => {
    served.body = blob(100, day(2), [{ status: 'FIDO_CERTIFIED_L1', effectiveDate: '2024-03-01' }]);
    served.requests = 0;
    const clock = { now: NOW };
    const metadata = new MetadataService({ source: { url }, trustAnchor: pki.pem('svc-root'), now: () => clock.now, retryAfterMs: 60_000 });
    expect((await metadata.load()).no).toBe(100);
    const rp = createRelyingParty({
      rpId: 'example.com',
      rpName: 'Example',
      origins: [ORIGIN],
      challengeStore: new MemoryChallengeStore({ sweepIntervalMs: 0 }),
      credentialStore: new MemoryCredentialStore(),
      trustAttestation: metadata.trustAttestation,
    });

    const certified = await register(rp, 'certified', CERTIFIED);
    expect(certified.attestation).toMatchObject({ fmt: 'packed', type: 'Basic', verified: true, trusted: true });
    expect(metadata.describeAuthenticator(CERTIFIED)?.name).toBe('Reviewer certified Key');
    expect(await codeOf(register(rp, 'revoked', REVOKED))).toBe('authenticator_revoked');
    expect(served.requests).toBe(1);
    // The same decisions without the relying party.
    const loaded = await metadata.load();
    const attestation = (name: string, aaguid: string) => ({ fmt: 'packed', type: 'Basic', trustPath: [pki.der(`${name}-attestation`)], aaguid });
    expect(await decideAttestationTrust(loaded, attestation('certified', CERTIFIED), {}, clock.now)).toBe(true);
    expect(await codeOf(decideAttestationTrust(loaded, attestation('revoked', REVOKED), {}, clock.now))).toBe('authenticator_revoked');
    // A leaf of the certified model's vendor does not vouch for the other model's AAGUID.
    expect(await codeOf(decideAttestationTrust(loaded, attestation('certified', REVOKED), { refusedStatuses: [] }, clock.now))).toBe('invalid_certificate_chain');

    // The next BLOB revokes the certified model; it is fetched once nextUpdate has passed, not before.
    served.body = blob(101, day(30), [
      { status: 'FIDO_CERTIFIED_L1', effectiveDate: '2024-03-01' },
      { status: 'REVOKED', effectiveDate: day(1) },
    ]);
    clock.now = NOW + DAY;
    expect((await metadata.load()).no).toBe(100);
    expect(served.requests).toBe(1);
    clock.now = NOW + 3 * DAY;
    expect(await codeOf(register(rp, 'certified', CERTIFIED))).toBe('authenticator_revoked');
    expect(metadata.current?.no).toBe(101);
    expect(served.requests).toBe(2);
  });

  it('keeps the last good BLOB when the server replays an older one, and refuses a service whose only BLOB is replayed or forged', async () => {
    const genuine = blob(200, day(1), [{ status: 'FIDO_CERTIFIED_L1', effectiveDate: '2024-03-01' }]);
    served.body = genuine;
    const errors: string[] = [];
    const clock = { now: NOW };
    const metadata = new MetadataService({ source: { url }, trustAnchor: pki.der('svc-root'), now: () => clock.now, retryAfterMs: 60_000, onRefreshError: (error) => errors.push(error.code) });
    await metadata.load();
    served.body = blob(199, day(40), [{ status: 'FIDO_CERTIFIED_L1', effectiveDate: '2024-03-01' }]);
    clock.now = NOW + 2 * DAY;
    expect((await metadata.load()).no).toBe(200);
    expect(errors).toEqual(['metadata_replayed']);
    expect(await codeOf(new MetadataService({ source: { blob: served.body }, trustAnchor: pki.der('svc-root'), now: () => NOW, previousNumber: 200 }).load())).toBe('metadata_replayed');
    const [header, , signature] = genuine.split('.') as [string, string, string];
    const forged = `${header}.${Buffer.from(JSON.stringify({ no: 999, nextUpdate: day(9), entries: [] })).toString('base64url')}.${signature}`;
    expect(await codeOf(new MetadataService({ source: { blob: forged }, trustAnchor: pki.der('svc-root'), now: () => NOW }).load())).toBe('invalid_metadata');
  });
});

describe("verifyMetadataBlob with a PKI made by Python's cryptography", () => {
  it('verifies its ES256, ES384, RS256 and PS256 BLOBs under a P-384 root, and its CRLs', async () => {
    // A missing tool fails the test with the command that installs it, as redis-server does; it never skips.
    try {
      execFileSync('python3', ['-c', 'import cryptography'], { stdio: 'ignore' });
    } catch (error) {
      throw new Error('python3 with the cryptography package is needed by this test. Install it, e.g. "apt-get install -y python3-cryptography"; .ci/run does so.', { cause: error });
    }
    const script = fileURLToPath(new URL('../test/pythonPki.py', import.meta.url));
    const made = JSON.parse(execFileSync('python3', [script, JSON.stringify(reviewerPayload(3))], { encoding: 'utf8' })) as {
      root: string;
      blobs: Record<string, string>;
      cleanCrl: string;
      revokedCrls: Record<string, string>;
    };
    expect(Object.keys(made.blobs)).toEqual(['ES256', 'ES384', 'RS256', 'PS256']);
    for (const [alg, blob] of Object.entries(made.blobs)) {
      const verified = await verifyMetadataBlob(input(blob, { trustAnchor: made.root, crls: [made.cleanCrl], previousNumber: 2 }));
      expect(verified.no).toBe(3);
      expect(await codeOf(verifyMetadataBlob(input(blob, { trustAnchor: made.root, crls: [made.revokedCrls[alg] as string] })))).toBe('certificate_revoked');
    }
  });
});

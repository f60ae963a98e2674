/*
 * BLOBs from a PKI this project did not build (issue #13): root → (intermediates →) signer made with the OpenSSL
 * command line and realistic extension sets, CRLs from `openssl ca -gencrl`, JWS signed with node:crypto from the
 * PEM keys. Every well-formed BLOB must verify; every attack must be refused with a typed TesseraError.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
let input: (blob: string, more?: Partial<VerifyMetadataBlobInput>) => VerifyMetadataBlobInput;

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

  it('accepts certificates signed with RSASSA-PSS (openssl -sigopt rsa_padding_mode:pss)', async () => {
    pki.root('pss-root', 'rsa2048', '/CN=Reviewer PSS Root');
    pki.issue('pss-signer', 'rsa2048', '/CN=mds.reviewer.test', 'pss-root', { extensions: 'leaf_tls', pss: true });
    const blob = pki.signJws('pss-signer', { alg: 'PS256', x5c: pki.x5c('pss-signer') }, reviewerPayload());
    expect(await codeOf(verifyMetadataBlob(input(blob, { trustAnchor: pki.der('pss-root') })))).toBe('accepted');
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

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

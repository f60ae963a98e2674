import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { base64url } from '@tessera/core';
import { issueTestCertificate, issueTestCrl } from '@tessera/core/testing';
import { NOW, b64, createBlobPki, entry, payload, signBlob, type BlobPki } from '../test/blobBuilder.ts';
import { codeOf } from '../test/outcome.ts';
import { verifyMetadataBlob, type VerifyMetadataBlobInput } from './verifyMetadataBlob.ts';

const AAGUID = 'cb69481e-8ff7-4039-93ec-0a2729a154a8';
const U2F_KEY_ID = 'bf7bcaa0d0c6187a8c6abbdd16a15640e7c7bde2';

let pki: BlobPki;
let good: string;
let verify: (input: Partial<VerifyMetadataBlobInput> & { blob: VerifyMetadataBlobInput['blob'] }) => ReturnType<typeof verifyMetadataBlob>;

beforeAll(async () => {
  pki = await createBlobPki();
  const u2f = { attestationCertificateKeyIdentifiers: [U2F_KEY_ID.toUpperCase()], statusReports: [{ status: 'FIDO_CERTIFIED', effectiveDate: '2019-01-01' }], timeOfLastStatusChange: '2019-01-01' };
  good = await signBlob(pki, payload([entry(AAGUID.toUpperCase(), [pki.root.der]), u2f, entry('00000000-0000-0000-0000-000000000001', [])]));
  verify = (input) => verifyMetadataBlob({ trustAnchor: pki.root.der, now: NOW, ...input });
});

describe('verifyMetadataBlob (FIDO MDS3 §3.2)', () => {
  it('accepts a BLOB signed under the anchor and indexes its entries by AAGUID and key identifier, lower-case', async () => {
    const blob = await verify({ blob: good });
    expect(blob.no).toBe(42);
    expect(blob.nextUpdate).toBe('2026-07-01');
    expect(blob.nextUpdateTime).toBe(Date.parse('2026-07-01T00:00:00Z'));
    expect(blob.legalHeader).toMatch(/^Retrieval and use/);
    expect(blob.entries).toHaveLength(3);
    expect(blob.byAaguid.get(AAGUID)?.metadataStatement?.description).toBe('Test Key CB69481E');
    expect(blob.byAttestationCertificateKeyIdentifier.get(U2F_KEY_ID)?.statusReports[0]?.status).toBe('FIDO_CERTIFIED');
    expect(blob.signerPath).toEqual([pki.signer.der, pki.intermediate.der]);
    // Members this library does not read are kept.
    expect(blob.byAaguid.get(AAGUID)?.metadataStatement?.['upv']).toEqual([{ major: 1, minor: 1 }]);
  });

  it('accepts the BLOB as bytes, with the root at the end of x5c, and with a chain ending in a cross-certificate', async () => {
    expect((await verify({ blob: new TextEncoder().encode(good) })).no).toBe(42);
    const withRoot = await signBlob(pki, payload([]), { x5c: [pki.signer.der, pki.intermediate.der, pki.root.der] });
    expect((await verify({ blob: withRoot })).signerPath).toEqual([pki.signer.der, pki.intermediate.der]);
    // The last certificate is the intermediate's issuer cross-signed by another root, as MDS3's R46-by-R3 is.
    const otherRoot = await issueTestCertificate({ isCA: true, subject: { CN: 'Other Root' } });
    const cross = await issueTestCertificate({ issuer: otherRoot, isCA: true, subject: pki.root.subject, keys: pki.root.keys });
    const withCross = await signBlob(pki, payload([]), { x5c: [pki.signer.der, pki.intermediate.der, cross.der] });
    expect((await verify({ blob: withCross })).signerPath).toEqual([pki.signer.der, pki.intermediate.der]);
  });

  it('refuses a tampered payload, header or signature: invalid_metadata', async () => {
    const [header, body, signature] = good.split('.') as [string, string, string];
    const tampered = JSON.parse(new TextDecoder().decode(base64url.decode(body)));
    tampered.entries[0].statusReports = [{ status: 'FIDO_CERTIFIED_L3plus', effectiveDate: '2025-01-01' }];
    const forged = `${header}.${base64url.encode(new TextEncoder().encode(JSON.stringify(tampered)))}.${signature}`;
    expect(await codeOf(verify({ blob: forged }))).toBe('invalid_metadata');
    const flipped = signature.startsWith('A') ? `B${signature.slice(1)}` : `A${signature.slice(1)}`;
    expect(await codeOf(verify({ blob: `${header}.${body}.${flipped}` }))).toBe('invalid_metadata');
    const otherHeader = base64url.encode(new TextEncoder().encode(JSON.stringify({ alg: 'ES256', typ: 'JWT', x5c: [b64(pki.signer.der), b64(pki.intermediate.der)], kid: 'x' })));
    expect(await codeOf(verify({ blob: `${otherHeader}.${body}.${signature}` }))).toBe('invalid_metadata');
  });

  it('refuses a BLOB signed under another root, and a BLOB from a key other than the x5c leaf', async () => {
    const other = await createBlobPki();
    expect(await codeOf(verify({ blob: await signBlob(other, payload([])) }))).toBe('invalid_certificate_chain');
    // Signed by another key, but claiming the genuine chain.
    expect(await codeOf(verify({ blob: await signBlob(other, payload([]), { x5c: [pki.signer.der, pki.intermediate.der] }) }))).toBe('invalid_metadata');
    // The default anchor is the FIDO Alliance's root, under which this test PKI is not.
    expect(await codeOf(verifyMetadataBlob({ blob: good, now: NOW }))).toBe('invalid_certificate_chain');
  });

  it('refuses an expired signer, and a signer not yet valid', async () => {
    const expired = await createBlobPki({ notAfter: new Date('2026-01-01T00:00:00Z') });
    const blob = await signBlob(expired, payload([]));
    expect(await codeOf(verifyMetadataBlob({ blob, trustAnchor: expired.root.der, now: NOW }))).toBe('invalid_certificate_chain');
    expect(await codeOf(verifyMetadataBlob({ blob, trustAnchor: expired.root.der, now: Date.parse('2025-06-01T00:00:00Z') }))).toBe('accepted');
  });

  it('refuses a signer its issuer revoked, when the CRL is given', async () => {
    const crl = await issueTestCrl({ issuer: pki.intermediate, revokedSerialNumbers: [pki.signer.serialNumber] });
    const clean = await issueTestCrl({ issuer: pki.intermediate });
    const rootCrl = await issueTestCrl({ issuer: pki.root });
    expect(await codeOf(verify({ blob: good, crls: [crl, rootCrl] }))).toBe('certificate_revoked');
    expect(await codeOf(verify({ blob: good, crls: [clean, rootCrl] }))).toBe('accepted');
  });

  it('refuses a serial number not greater than the previous one: metadata_replayed', async () => {
    expect(await codeOf(verify({ blob: good, previousNumber: 41 }))).toBe('accepted');
    expect(await codeOf(verify({ blob: good, previousNumber: 42 }))).toBe('metadata_replayed');
    expect(await codeOf(verify({ blob: good, previousNumber: 43 }))).toBe('metadata_replayed');
    // A forged BLOB is not reported as a replay.
    const other = await createBlobPki();
    expect(await codeOf(verify({ blob: await signBlob(other, payload([], 1), { x5c: [pki.signer.der, pki.intermediate.der] }), previousNumber: 42 }))).toBe('invalid_metadata');
  });

  it.each(['RS256', 'PS256'] as const)('accepts a BLOB signed with %s, and refuses it under another RSA algorithm', async (algorithm) => {
    const rsa = await createBlobPki({ algorithm });
    const signed = await signBlob(rsa, payload([]));
    expect((await verifyMetadataBlob({ blob: signed, trustAnchor: rsa.root.der, now: NOW })).no).toBe(42);
    const [, body, signature] = signed.split('.') as [string, string, string];
    const other = algorithm === 'RS256' ? 'PS256' : 'RS256';
    const header = base64url.encode(new TextEncoder().encode(JSON.stringify({ alg: other, typ: 'JWT', x5c: [b64(rsa.signer.der), b64(rsa.intermediate.der)] })));
    expect(await codeOf(verifyMetadataBlob({ blob: `${header}.${body}.${signature}`, trustAnchor: rsa.root.der, now: NOW }))).toBe('invalid_metadata');
  });

  it('refuses alg none and HS256 even over a genuine chain, and RS256 claimed over an EC key', async () => {
    const [, body] = good.split('.') as [string, string];
    for (const alg of ['none', 'HS256']) {
      const header = base64url.encode(new TextEncoder().encode(JSON.stringify({ alg, typ: 'JWT', x5c: [b64(pki.signer.der), b64(pki.intermediate.der)] })));
      expect(await codeOf(verify({ blob: `${header}.${body}.` }))).toBe('invalid_metadata');
      expect(await codeOf(verify({ blob: `${header}.${body}.${base64url.encode(new Uint8Array(32))}` }))).toBe('invalid_metadata');
    }
    expect(await codeOf(verify({ blob: await signBlob(pki, payload([]), { header: { alg: 'RS256' } }) }))).toBe('invalid_metadata');
  });

  it('refuses truncated and oversized BLOBs', async () => {
    for (const cut of [1, 10, good.length / 2, good.length - 3]) expect(await codeOf(verify({ blob: good.slice(0, cut) }))).toBe('invalid_metadata');
    expect(await codeOf(verify({ blob: good, maxBytes: good.length - 1 }))).toBe('invalid_metadata');
    expect(await codeOf(verify({ blob: good, maxBytes: good.length }))).toBe('accepted');
  });

  it('refuses a payload outside the schema: missing no or entries, a bad date, a bad AAGUID, a statement without a description', async () => {
    const bad = [
      { nextUpdate: '2026-07-01', entries: [] },
      { no: 1, nextUpdate: '2026-07-01' },
      { no: 1.5, nextUpdate: '2026-07-01', entries: [] },
      { no: -1, nextUpdate: '2026-07-01', entries: [] },
      { no: 1, nextUpdate: '2026-02-30', entries: [] },
      { no: 1, nextUpdate: '1 July 2026', entries: [] },
      { no: 1, nextUpdate: '2026-07-01', entries: [{ aaguid: 'not-an-aaguid', statusReports: [] }] },
      { no: 1, nextUpdate: '2026-07-01', entries: [{ aaguid: AAGUID }] },
      { no: 1, nextUpdate: '2026-07-01', entries: [{ aaguid: AAGUID, statusReports: [{ effectiveDate: '2020-01-01' }] }] },
      { no: 1, nextUpdate: '2026-07-01', entries: [{ aaguid: AAGUID, statusReports: [], metadataStatement: { attestationTypes: [] } }] },
      { no: 1, nextUpdate: '2026-07-01', entries: [{ aaguid: AAGUID, statusReports: [], metadataStatement: { description: 'x', attestationRootCertificates: 'MAMCAQE=' } }] },
      [],
      'no',
    ];
    for (const body of bad) expect(await codeOf(verify({ blob: await signBlob(pki, body) }))).toBe('invalid_metadata');
  });

  it("checks the signer's name when asked, and by default against the FIDO Alliance's root", async () => {
    expect(await codeOf(verify({ blob: good, signerName: 'mds.test.example' }))).toBe('accepted');
    expect(await codeOf(verify({ blob: good, signerName: 'mds.fidoalliance.org' }))).toBe('invalid_metadata');
  });

  it('refuses bad options with invalid_argument', async () => {
    expect(await codeOf(verify({ blob: good, now: Number.NaN }))).toBe('invalid_argument');
    expect(await codeOf(verify({ blob: good, previousNumber: 1.5 }))).toBe('invalid_argument');
    expect(await codeOf(verify({ blob: good, trustAnchor: [] }))).toBe('invalid_argument');
  });

  it('property: a mutated BLOB is refused with a TesseraError (or, when the mutation is a no-op, accepted)', async () => {
    const small = await signBlob(pki, payload([entry(AAGUID, [pki.root.der])]));
    await fc.assert(
      fc.asyncProperty(fc.nat(small.length - 1), fc.string({ minLength: 1, maxLength: 3 }), async (at, text) => {
        const mutated = small.slice(0, at) + text + small.slice(at + text.length);
        const code = await codeOf(verify({ blob: mutated }));
        if (mutated !== small && code === 'accepted') {
          // Only base64url's unused trailing bits could make two texts decode alike, and canonical decoding refuses those.
          throw new Error(`a mutated BLOB was accepted at ${at}`);
        }
      }),
      { numRuns: 150 },
    );
  });
});

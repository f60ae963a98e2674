import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { settledCode } from '../../test/outcome.ts';
import { readRegistrationVectors } from '../../test/vectors.ts';
import { parseAttestationObject } from '../attestationObject.ts';
import { base64url } from '../base64url.ts';
import { isTesseraError, type TesseraErrorCode } from '../errors.ts';
import {
  createTestCertificateAuthority,
  issueTestCertificate,
  issueTestCrl,
  type TestCertificate,
  type TestKeyAlgorithm,
} from '../testing/testPki.ts';
import { validateCertificateChain, type ValidateCertificateChainInput } from './certificateChain.ts';

const NOW = Date.parse('2030-06-01T00:00:00Z');
const LEAF_NAME = { C: 'SE', O: 'Test Vendor', OU: 'Authenticator Attestation', CN: 'Test Authenticator' };

const codeOf = (input: ValidateCertificateChainInput): Promise<TesseraErrorCode | 'none'> => settledCode(validateCertificateChain(input));

let root: TestCertificate;
let intermediate: TestCertificate;
let leaf: TestCertificate;

beforeAll(async () => {
  root = await createTestCertificateAuthority();
  intermediate = await issueTestCertificate({ issuer: root, subject: { CN: 'Test Intermediate CA' }, isCA: true, pathLength: 0 });
  leaf = await issueTestCertificate({ issuer: intermediate, subject: LEAF_NAME });
});

describe('validateCertificateChain: good paths', () => {
  it('validates leaf → intermediate to the anchor that issued the intermediate', async () => {
    const result = await validateCertificateChain({ chain: [leaf.der, intermediate.der], anchors: [root.der], now: NOW });
    expect(result.path).toEqual([leaf.der, intermediate.der]);
    expect(result.anchor).toEqual(root.der);
  });

  it('stops at a certificate of the chain that is byte-equal to an anchor', async () => {
    const result = await validateCertificateChain({ chain: [leaf.der, intermediate.der, root.der], anchors: [root.der], now: NOW });
    expect(result).toEqual({ path: [leaf.der, intermediate.der], anchor: root.der });
    // An intermediate can be the anchor itself.
    expect(await validateCertificateChain({ chain: [leaf.der, intermediate.der], anchors: [intermediate.der], now: NOW })).toEqual({ path: [leaf.der], anchor: intermediate.der });
  });

  it('picks the anchor that verifies among anchors of the same name', async () => {
    const impostor = await createTestCertificateAuthority();
    expect((await validateCertificateChain({ chain: [leaf.der, intermediate.der], anchors: [impostor.der, root.der], now: NOW })).anchor).toEqual(root.der);
  });

  it.each<TestKeyAlgorithm>(['ES384', 'ES512', 'RS256', 'PS256', 'Ed25519'])('verifies %s certificate signatures', async (algorithm) => {
    const ca = await createTestCertificateAuthority({ algorithm });
    const sub = await issueTestCertificate({ issuer: ca, subject: { CN: 'Sub CA' }, isCA: true, algorithm });
    const end = await issueTestCertificate({ issuer: sub, subject: LEAF_NAME });
    expect((await validateCertificateChain({ chain: [end.der, sub.der], anchors: [ca.der], now: NOW })).anchor).toEqual(ca.der);
  });

  it('validates the captured chains that carry their own root, at their capture time', async () => {
    const vectors = readRegistrationVectors().filter((vector) => ['android-key', 'apple', 'packed'].includes(vector.fmt));
    let validated = 0;
    for (const vector of vectors) {
      const x5c = (parseAttestationObject(base64url.decode(vector.response.response.attestationObject)).attStmt as Map<string, unknown>).get('x5c') as Uint8Array[] | undefined;
      if (x5c === undefined || x5c.length < 3) continue;
      const now = vector.requiresDate === undefined ? Date.now() : Date.parse(vector.requiresDate);
      const result = await validateCertificateChain({ chain: x5c, anchors: [x5c[x5c.length - 1]!], now });
      expect(result.path.length).toBe(x5c.length - 1);
      validated++;
    }
    expect(validated).toBeGreaterThan(0);
  });
});

describe('validateCertificateChain: attacks and broken paths', () => {
  // GHSA-6hxq-p678-4hr2: an attacker's self-signed "root" with the real root's name, sent inside x5c.
  it('never takes a self-signed certificate inside the chain as an anchor', async () => {
    const fakeRoot = await createTestCertificateAuthority({ subject: root.subject });
    const fakeIntermediate = await issueTestCertificate({ issuer: fakeRoot, subject: { CN: 'Test Intermediate CA' }, isCA: true });
    const fakeLeaf = await issueTestCertificate({ issuer: fakeIntermediate, subject: LEAF_NAME });
    expect(await codeOf({ chain: [fakeLeaf.der, fakeIntermediate.der, fakeRoot.der], anchors: [root.der], now: NOW })).toBe('invalid_certificate_chain');
    expect(await codeOf({ chain: [fakeLeaf.der, fakeIntermediate.der], anchors: [root.der], now: NOW })).toBe('invalid_certificate_chain');
    // A self-signed leaf alone, however named.
    const selfSigned = await issueTestCertificate({ subject: root.subject, isCA: true });
    expect(await codeOf({ chain: [selfSigned.der], anchors: [root.der], now: NOW })).toBe('invalid_certificate_chain');
  });

  it('refuses a chain that leads to no given anchor, or to none at all', async () => {
    const other = await createTestCertificateAuthority({ subject: { CN: 'Other Root' } });
    expect(await codeOf({ chain: [leaf.der, intermediate.der], anchors: [other.der], now: NOW })).toBe('invalid_certificate_chain');
    expect(await codeOf({ chain: [leaf.der, intermediate.der], anchors: [], now: NOW })).toBe('invalid_certificate_chain');
    // A gap: the leaf without its intermediate.
    expect(await codeOf({ chain: [leaf.der], anchors: [root.der], now: NOW })).toBe('invalid_certificate_chain');
    // Out of order.
    expect(await codeOf({ chain: [intermediate.der, leaf.der], anchors: [root.der], now: NOW })).toBe('invalid_certificate_chain');
  });

  it('refuses an expired or not yet valid intermediate, leaf or anchor', async () => {
    const expired = await issueTestCertificate({ issuer: root, subject: { CN: 'Test Intermediate CA' }, isCA: true, keys: intermediate.keys, notAfter: new Date('2029-01-01T00:00:00Z') });
    expect(await codeOf({ chain: [leaf.der, expired.der], anchors: [root.der], now: NOW })).toBe('invalid_certificate_chain');
    const future = await issueTestCertificate({ issuer: intermediate, subject: LEAF_NAME, notBefore: new Date('2031-01-01T00:00:00Z') });
    expect(await codeOf({ chain: [future.der, intermediate.der], anchors: [root.der], now: NOW })).toBe('invalid_certificate_chain');
    expect(await codeOf({ chain: [leaf.der, intermediate.der], anchors: [root.der], now: Date.parse('2050-01-01T00:00:00Z') })).toBe('invalid_certificate_chain');
    const oldRoot = await createTestCertificateAuthority({ keys: root.keys, notAfter: new Date('2029-01-01T00:00:00Z') });
    expect(await codeOf({ chain: [leaf.der, intermediate.der], anchors: [oldRoot.der], now: NOW })).toBe('invalid_certificate_chain');
  });

  it('refuses a non-CA intermediate, one without basicConstraints, and one without keyCertSign', async () => {
    for (const spec of [{ isCA: false }, { isCA: undefined }, { isCA: true, keyUsage: ['digitalSignature' as const] }]) {
      const bad = await issueTestCertificate({ issuer: root, subject: { CN: 'Test Intermediate CA' }, keys: intermediate.keys, ...spec });
      expect(await codeOf({ chain: [leaf.der, bad.der], anchors: [root.der], now: NOW }), JSON.stringify(spec)).toBe('invalid_certificate_chain');
    }
  });

  it('enforces pathLenConstraint on intermediates and on the anchor', async () => {
    const second = await issueTestCertificate({ issuer: intermediate, subject: { CN: 'Second CA' }, isCA: true });
    const deep = await issueTestCertificate({ issuer: second, subject: LEAF_NAME });
    // intermediate has pathLength 0 and issues another CA.
    expect(await codeOf({ chain: [deep.der, second.der, intermediate.der], anchors: [root.der], now: NOW })).toBe('invalid_certificate_chain');
    const tightRoot = await createTestCertificateAuthority({ keys: root.keys, pathLength: 1 });
    const open = await issueTestCertificate({ issuer: tightRoot, subject: { CN: 'Open CA' }, isCA: true });
    const openSub = await issueTestCertificate({ issuer: open, subject: { CN: 'Open Sub CA' }, isCA: true });
    const openLeaf = await issueTestCertificate({ issuer: openSub, subject: LEAF_NAME });
    expect(await codeOf({ chain: [openLeaf.der, openSub.der, open.der], anchors: [tightRoot.der], now: NOW })).toBe('invalid_certificate_chain');
    const oneDown = await issueTestCertificate({ issuer: open, subject: LEAF_NAME });
    expect(await codeOf({ chain: [oneDown.der, open.der], anchors: [tightRoot.der], now: NOW })).toBe('none');
  });

  it('refuses a broken signature and a forged one', async () => {
    const broken = new Uint8Array(leaf.der);
    broken[broken.length - 5]! ^= 0x01;
    expect(await codeOf({ chain: [broken, intermediate.der], anchors: [root.der], now: NOW })).toBe('invalid_certificate_chain');
    const forger = await createTestCertificateAuthority();
    const forged = await issueTestCertificate({ issuer: intermediate, subject: LEAF_NAME, signingKey: forger.keys.privateKey });
    expect(await codeOf({ chain: [forged.der, intermediate.der], anchors: [root.der], now: NOW })).toBe('invalid_certificate_chain');
  });

  it('refuses an unknown critical extension, and signature algorithms outside the table (SHA-1 and SHA-224 are not in it)', async () => {
    const odd = await issueTestCertificate({ issuer: intermediate, subject: LEAF_NAME, extensions: [{ oid: '1.3.6.1.4.1.99999.1', value: Uint8Array.of(5, 0), critical: true }] });
    expect(await codeOf({ chain: [odd.der, intermediate.der], anchors: [root.der], now: NOW })).toBe('invalid_certificate_chain');
    const fine = await issueTestCertificate({ issuer: intermediate, subject: LEAF_NAME, extensions: [{ oid: '1.3.6.1.4.1.99999.1', value: Uint8Array.of(5, 0) }] });
    expect(await codeOf({ chain: [fine.der, intermediate.der], anchors: [root.der], now: NOW })).toBe('none');
    // ecdsa-with-SHA256 (…4.3.2) rewritten in place, in both AlgorithmIdentifiers, to ecdsa-with-SHA224 (…4.3.1).
    const sha1 = new Uint8Array(leaf.der);
    const at = findOid(sha1, [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02]);
    for (const offset of at) sha1[offset + 7] = 0x01; // ecdsa-with-SHA224, unsupported
    expect(await codeOf({ chain: [sha1, intermediate.der], anchors: [root.der], now: NOW })).toBe('invalid_certificate_chain');
  });

  it(`bounds the chain's length and refuses malformed input as typed errors`, async () => {
    expect(await codeOf({ chain: Array.from({ length: 9 }, () => leaf.der), anchors: [root.der], now: NOW })).toBe('invalid_certificate_chain');
    expect(await codeOf({ chain: [], anchors: [root.der], now: NOW })).toBe('invalid_certificate_chain');
    expect(await codeOf({ chain: [Uint8Array.of(0x30, 0)], anchors: [root.der], now: NOW })).toBe('invalid_certificate_chain');
    expect(await codeOf({ chain: [leaf.der, intermediate.der], anchors: [Uint8Array.of(1)], now: NOW })).toBe('invalid_argument');
    expect(await codeOf({ chain: [leaf.der], anchors: [root.der], now: Number.NaN })).toBe('invalid_argument');
  });

  it('refuses deeply nested BER (indefinite lengths) in a certificate or a CRL as typed errors', async () => {
    const nested = (length: number): Uint8Array => Uint8Array.from({ length }, (_, index) => (index % 2 === 0 ? 0x30 : 0x80));
    expect(await codeOf({ chain: [nested(16_000)], anchors: [root.der], now: NOW })).toBe('invalid_certificate_chain');
    expect(await codeOf({ chain: [leaf.der, intermediate.der], anchors: [root.der], now: NOW, crls: [nested(1_000_000)] })).toBe('invalid_certificate_chain');
  });
});

describe('validateCertificateChain with CRLs', () => {
  it('refuses a certificate its issuer revoked, and accepts one it did not', async () => {
    const revokesIntermediate = await issueTestCrl({ issuer: root, revokedSerialNumbers: [intermediate.serialNumber] });
    expect(await codeOf({ chain: [leaf.der, intermediate.der], anchors: [root.der], now: NOW, crls: [revokesIntermediate] })).toBe('certificate_revoked');
    const revokesLeaf = await issueTestCrl({ issuer: intermediate, revokedSerialNumbers: [leaf.serialNumber] });
    expect(await codeOf({ chain: [leaf.der, intermediate.der], anchors: [root.der], now: NOW, crls: [revokesLeaf] })).toBe('certificate_revoked');
    const revokesOther = await issueTestCrl({ issuer: root, revokedSerialNumbers: [Uint8Array.of(0x42)] });
    expect(await codeOf({ chain: [leaf.der, intermediate.der], anchors: [root.der], now: NOW, crls: [revokesOther] })).toBe('none');
  });

  it('refuses a forged CRL and a stale one', async () => {
    const forger = await createTestCertificateAuthority();
    const forged = await issueTestCrl({ issuer: root, signingKey: forger.keys.privateKey });
    expect(await codeOf({ chain: [leaf.der, intermediate.der], anchors: [root.der], now: NOW, crls: [forged] })).toBe('invalid_certificate_chain');
    const stale = await issueTestCrl({ issuer: root, nextUpdate: new Date('2029-01-01T00:00:00Z') });
    expect(await codeOf({ chain: [leaf.der, intermediate.der], anchors: [root.der], now: NOW, crls: [stale] })).toBe('invalid_certificate_chain');
    const early = await issueTestCrl({ issuer: root, thisUpdate: new Date('2031-01-01T00:00:00Z') });
    expect(await codeOf({ chain: [leaf.der, intermediate.der], anchors: [root.der], now: NOW, crls: [early] })).toBe('invalid_certificate_chain');
    expect(await codeOf({ chain: [leaf.der, intermediate.der], anchors: [root.der], now: NOW, crls: [Uint8Array.of(0x30, 0)] })).toBe('invalid_certificate_chain');
  });

  it('ignores a CRL of an issuer outside the path', async () => {
    const other = await createTestCertificateAuthority({ subject: { CN: 'Other Root' } });
    const crl = await issueTestCrl({ issuer: other, revokedSerialNumbers: [intermediate.serialNumber] });
    expect(await codeOf({ chain: [leaf.der, intermediate.der], anchors: [root.der], now: NOW, crls: [crl] })).toBe('none');
  });
});

describe('validateCertificateChain under mutation', () => {
  it('refuses any single-byte change of a valid chain, or validates it to the same anchor', async () => {
    const chain = [leaf.der, intermediate.der];
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.nat(), fc.integer({ min: 1, max: 255 }), async (which, at, xor) => {
        const mutated = chain.map((der) => new Uint8Array(der));
        const target = mutated[which % 2]!;
        target[at % target.length]! ^= xor;
        try {
          const result = await validateCertificateChain({ chain: mutated, anchors: [root.der], now: NOW });
          // Only the signature BIT STRING's unused-bits octet is not covered by a signature (see _certificate.ts).
          expect(result.anchor).toEqual(root.der);
          expect(result.path.map((der) => der.length)).toEqual(chain.map((der) => der.length));
          const differs = result.path.flatMap((der, index) => [...der].map((byte, offset) => (byte === chain[index]![offset] ? -1 : offset))).filter((offset) => offset >= 0);
          expect(differs.length).toBeLessThanOrEqual(1);
        } catch (error) {
          expect(isTesseraError(error, 'invalid_certificate_chain')).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});

function findOid(der: Uint8Array, oid: number[]): number[] {
  const found: number[] = [];
  for (let at = 0; at + oid.length <= der.length; at++) if (oid.every((byte, index) => der[at + index] === byte)) found.push(at);
  return found;
}

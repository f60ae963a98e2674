import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate, CertificateList } from '@peculiar/asn1-x509';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createTestCertificateAuthority, issueTestCertificate, issueTestCrl, type TestKeyAlgorithm } from './testPki.ts';

describe('test PKI builder', () => {
  it.each<TestKeyAlgorithm>(['ES256', 'ES384', 'ES512', 'RS256', 'PS256', 'Ed25519'])('issues DER certificates and CRLs that re-encode identically (%s)', async (algorithm) => {
    const root = await createTestCertificateAuthority({ algorithm });
    const leaf = await issueTestCertificate({ issuer: root, subject: { C: 'SE', O: 'Test', OU: 'Authenticator Attestation', CN: 'Leaf' } });
    const crl = await issueTestCrl({ issuer: root, revokedSerialNumbers: [leaf.serialNumber] });
    for (const der of [root.der, leaf.der]) expect(new Uint8Array(AsnConvert.serialize(AsnConvert.parse(der, Certificate)))).toEqual(der);
    const list = AsnConvert.parse(crl, CertificateList);
    expect(new Uint8Array(list.tbsCertList.revokedCertificates![0]!.userCertificate)).toEqual(leaf.serialNumber);
    expect(AsnConvert.parse(leaf.der, Certificate).tbsCertificate.issuer).toEqual(AsnConvert.parse(root.der, Certificate).tbsCertificate.subject);
  });
});

describe('test PKI builder properties', () => {
  it('issues certificates the core parses back to what was asked', async () => {
    const { parseCertificate, NAME_ATTRIBUTES, nameValues, basicConstraints } = await import('../attestation/_certificate.ts');
    const root = await createTestCertificateAuthority();
    const text = fc.string({ minLength: 1, maxLength: 20 }).filter((value) => value.trim() === value && value.length > 0);
    await fc.assert(
      fc.asyncProperty(
        text,
        fc.uint8Array({ minLength: 1, maxLength: 20 }).map((bytes) => Uint8Array.from([0x01, ...bytes])),
        fc.integer({ min: Date.parse('1990-01-01'), max: Date.parse('2040-01-01') }).map((ms) => Math.floor(ms / 1000) * 1000),
        fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }),
        async (cn, serialNumber, notBefore, pathLength) => {
          const issued = await issueTestCertificate({ issuer: root, subject: { CN: cn }, serialNumber, notBefore: new Date(notBefore), isCA: true, ...(pathLength === undefined ? {} : { pathLength }) });
          const cert = parseCertificate(issued.der);
          expect(nameValues(cert.subject, NAME_ATTRIBUTES.CN)).toEqual([cn]);
          expect(cert.serialNumber).toEqual(serialNumber);
          expect(cert.notBefore).toBe(notBefore);
          expect(basicConstraints(cert)).toEqual(pathLength === undefined ? { cA: true } : { cA: true, pathLenConstraint: pathLength });
        },
      ),
      { numRuns: 30 },
    );
  });
});

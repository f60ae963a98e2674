import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate, CertificateList } from '@peculiar/asn1-x509';
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

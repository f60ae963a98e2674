import { createHash } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';
import { describe, expect, it } from 'vitest';
import { FIDO_MDS_ROOT_FINGERPRINT_SHA256, fidoMdsRootCertificate } from './fidoMdsRoot.ts';

describe('the pinned MDS3 root (GlobalSign Root R46)', () => {
  it('hashes to the SHA-256 fingerprint the FIDO Alliance and GlobalSign publish', () => {
    expect(FIDO_MDS_ROOT_FINGERPRINT_SHA256).toBe('4fa3126d8d3a11d1c4855a4f807cbad6cf919d3a5a88b03bea2c6372d93c40c9');
    expect(createHash('sha256').update(fidoMdsRootCertificate()).digest('hex')).toBe(FIDO_MDS_ROOT_FINGERPRINT_SHA256);
  });

  it('is the self-issued GlobalSign Root R46, valid until 2046', () => {
    const certificate = AsnConvert.parse(fidoMdsRootCertificate(), Certificate);
    const names = (name: typeof certificate.tbsCertificate.subject) => name.flatMap((rdn) => rdn.map((attribute) => attribute.value.toString()));
    expect(names(certificate.tbsCertificate.subject)).toEqual(['BE', 'GlobalSign nv-sa', 'GlobalSign Root R46']);
    expect(names(certificate.tbsCertificate.issuer)).toEqual(names(certificate.tbsCertificate.subject));
    expect(certificate.tbsCertificate.validity.notAfter.getTime().toISOString()).toBe('2046-03-20T00:00:00.000Z');
  });

  it('hands out a fresh copy each time', () => {
    const first = fidoMdsRootCertificate();
    first[0] = 0;
    expect(fidoMdsRootCertificate()[0]).toBe(0x30);
  });
});

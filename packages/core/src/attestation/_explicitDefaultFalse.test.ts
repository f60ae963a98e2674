import { KeyObject, sign as nodeSign } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ECDSA_SHA256, bits, boolean, bytes, concat, extension, integer, name, octets, oid, printable, seq, time, tlv, utf8 } from '../../test/derEncoder.ts';
import { createTestCertificateAuthority, type TestCertificate } from '../testing/testPki.ts';
import { thrownCode } from '../../test/mutations.ts';
import { isTesseraError, type TesseraErrorCode } from '../errors.ts';
import { NAME_ATTRIBUTES, basicConstraints, parseCertificate } from './_certificate.ts';
import { tbsCertificateBytes, withoutExplicitCAFalse, withoutExplicitCriticalFalse } from './_explicitDefaultFalse.ts';
import { validateCertificateChain } from './certificateChain.ts';

/*
 * Old vendor attestation certificates spell out `critical FALSE` in extensions, and Chrome's virtual
 * authenticator spelled out `cA FALSE` in basicConstraints: BOOLEAN DEFAULT FALSE values DER omits (X.690
 * §11.5). They are read as the DEFAULT they spell out; the signature stays checked over the bytes as received.
 */

const NOW = Date.parse('2030-06-01T00:00:00Z');
const AAGUID_OID = '1.3.6.1.4.1.45724.1.1.4';
const BASIC_CONSTRAINTS_OID = '2.5.29.19';

let ca: TestCertificate;
let leafSpki: Uint8Array;

beforeAll(async () => {
  ca = await createTestCertificateAuthority({ algorithm: 'ES256', subject: { CN: 'Old Vendor Attestation CA' } });
  const pair = await globalThis.crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  leafSpki = new Uint8Array(await globalThis.crypto.subtle.exportKey('spki', pair.publicKey));
});

/** A leaf's TBSCertificate issued by {@link ca}, with these extensions as they are given. */
function leafTbs(extensions: Uint8Array[], subject: Uint8Array = name([NAME_ATTRIBUTES.C, printable('SE')], [NAME_ATTRIBUTES.CN, utf8('Leaf')])): Uint8Array {
  return seq(
    tlv(0xa0, integer(2n)),
    integer(9n),
    ECDSA_SHA256,
    parseCertificate(ca.der).subjectDer,
    seq(time(Date.parse('2020-01-01T00:00:00Z')), time(Date.parse('2049-12-31T23:59:59Z'))),
    subject,
    leafSpki,
    tlv(0xa3, seq(...extensions)),
  );
}

/** The certificate of `tbs` with the signature `ca`'s key made over `signedTbs` (by default `tbs` itself). */
const certificateOf = (tbs: Uint8Array, signedTbs: Uint8Array = tbs): Uint8Array =>
  seq(tbs, ECDSA_SHA256, bits(new Uint8Array(nodeSign('sha256', signedTbs, { key: KeyObject.from(ca.keys.privateKey), dsaEncoding: 'der' }))));

const codeOf = thrownCode;

async function chainCode(leaf: Uint8Array): Promise<TesseraErrorCode | 'none'> {
  try {
    await validateCertificateChain({ chain: [leaf], anchors: [ca.der], now: NOW });
    return 'none';
  } catch (error) {
    if (!isTesseraError(error)) throw error;
    return error.code;
  }
}

/** A SEQUENCE whose short length is written in the long form, which DER forbids (X.690 §10.1). */
const longForm = (body: Uint8Array): Uint8Array => concat(bytes(0x30, 0x81, body.length), body);

const aaguidExtension = (critical?: boolean): Uint8Array => extension(AAGUID_OID, octets(new Uint8Array(16).fill(7)), critical);

describe('an explicit critical FALSE in a certificate extension', () => {
  it('is read as not critical, and the signature verifies over the TBSCertificate as received', async () => {
    const tbs = leafTbs([extension(BASIC_CONSTRAINTS_OID, seq(), true), aaguidExtension(false)]);
    const der = certificateOf(tbs);
    const cert = parseCertificate(der);
    expect(cert.extensions.get(AAGUID_OID)?.critical).toBe(false);
    expect(cert.extensions.get(BASIC_CONSTRAINTS_OID)?.critical).toBe(true);
    expect(cert.tbs).toEqual(tbs);
    expect(cert.der).toEqual(der);
    await expect(validateCertificateChain({ chain: [der], anchors: [ca.der], now: NOW })).resolves.toMatchObject({ path: [der] });
  });

  it('cannot be slipped into a signed certificate: the signature covers the bytes as received', async () => {
    const derForm = leafTbs([aaguidExtension()]);
    const explicitForm = leafTbs([aaguidExtension(false)]);
    expect(await chainCode(certificateOf(derForm))).toBe('none');
    // Signed without the FALSE, sent with it; and the other way round. Both parse, neither validates.
    for (const forged of [certificateOf(explicitForm, derForm), certificateOf(derForm, explicitForm)]) {
      expect(codeOf(() => parseCertificate(forged))).toBe('none');
      expect(await chainCode(forged)).toBe('invalid_certificate_chain');
    }
  });

  it('is the DER of the same value once removed (property: any mix of absent, FALSE and TRUE)', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom<boolean | undefined>(undefined, false, true), { minLength: 1, maxLength: 6 }), (criticals) => {
        const explicit = certificateOf(leafTbs(criticals.map((critical, index) => extension(`1.2.3.${index}`, octets(bytes(index)), critical))));
        const der = withoutExplicitCriticalFalse(explicit);
        const parts = parseCertificate(explicit);
        // What remains is what a DER encoder writes for the same extensions, and nothing else changed.
        const expectedTbs = leafTbs(criticals.map((critical, index) => extension(`1.2.3.${index}`, octets(bytes(index)), critical === true ? true : undefined)));
        expect(der).toEqual(seq(expectedTbs, ECDSA_SHA256, bits(parts.signature)));
        expect(criticals.includes(false) ? der !== explicit : der === explicit).toBe(true);
        expect(tbsCertificateBytes(explicit)).toEqual(parts.tbs);
      }),
      { numRuns: 50 },
    );
  });

  it.each<[string, Uint8Array[], Uint8Array?]>([
    ['a BER TRUE (01 01 01)', [seq(oid(AAGUID_OID), tlv(0x01, bytes(1)), octets(octets(new Uint8Array(16))))]],
    ['a FALSE of two octets (01 02 00 00)', [seq(oid(AAGUID_OID), tlv(0x01, bytes(0, 0)), octets(octets(new Uint8Array(16))))]],
    ['two BOOLEANs', [seq(oid(AAGUID_OID), boolean(false), boolean(false), octets(octets(new Uint8Array(16))))]],
    ['critical FALSE then a TRUE where extnValue belongs', [seq(oid(AAGUID_OID), boolean(false), boolean(true))]],
    ['critical FALSE then critical TRUE then extnValue', [seq(oid(AAGUID_OID), boolean(false), boolean(true), octets(octets(new Uint8Array(16))))]],
    ['a long-form length on the extension holding it', [longForm(concat(oid(AAGUID_OID), boolean(false), octets(octets(new Uint8Array(16)))))]],
    ['a non-minimal length elsewhere', [aaguidExtension(false)], Uint8Array.of(0x30, 0x81, 0x00)],
  ])('still refuses %s (not DER, not the tolerated encoding)', (_name, extensions, subject) => {
    expect(codeOf(() => parseCertificate(certificateOf(leafTbs(extensions, subject))))).toBe('invalid_attestation');
  });
});

describe('an explicit cA FALSE in basicConstraints (Chrome virtual authenticators before Chromium 2797998)', () => {
  const constraintsOf = (value: Uint8Array): ReturnType<typeof basicConstraints> =>
    basicConstraints(parseCertificate(certificateOf(leafTbs([extension(BASIC_CONSTRAINTS_OID, value, true)]))));

  it('is read as not a CA', () => {
    expect(constraintsOf(Uint8Array.of(0x30, 0x03, 0x01, 0x01, 0x00))).toEqual({ cA: false });
    expect(withoutExplicitCAFalse(Uint8Array.of(0x30, 0x03, 0x01, 0x01, 0x00))).toEqual(Uint8Array.of(0x30, 0x00));
    expect(constraintsOf(seq(boolean(true), integer(0n)))).toEqual({ cA: true, pathLenConstraint: 0 });
  });

  it.each([
    ['a BER TRUE (01 01 01)', seq(tlv(0x01, bytes(1)))],
    ['a FALSE of two octets', seq(tlv(0x01, bytes(0, 0)))],
    ['two BOOLEANs', seq(boolean(false), boolean(false))],
    ['a long-form length', longForm(boolean(false))],
    ['trailing bytes', concat(seq(boolean(false)), bytes(0))],
  ])('still refuses %s', (_name, value) => {
    expect(codeOf(() => constraintsOf(value))).toBe('invalid_attestation');
  });
});

describe('attacks on the DEFAULT FALSE tolerance and on the TBSCertificate cut', () => {
  const constraintsOf = (value: Uint8Array): ReturnType<typeof basicConstraints> =>
    basicConstraints(parseCertificate(certificateOf(leafTbs([extension(BASIC_CONSTRAINTS_OID, value, true)]))));

  it.each([
    ['cA FALSE then cA TRUE', seq(boolean(false), boolean(true))],
    ['cA FALSE then cA TRUE then a path length', seq(boolean(false), boolean(true), integer(3n))],
    ['cA FALSE then a BER TRUE', seq(boolean(false), tlv(0x01, bytes(1)))],
  ])('refuses %s: no reader takes it for a CA (removing the FALSE must not reveal another cA)', (_name, value) => {
    // X.690 reads `cA FALSE, cA TRUE` as no BasicConstraints at all (a BOOLEAN where pathLenConstraint's INTEGER
    // belongs); stripping the FALSE and parsing the rest would read it as a CA.
    expect(codeOf(() => constraintsOf(value))).toBe('invalid_attestation');
  });

  it('a CA certificate whose basicConstraints says FALSE then TRUE cannot issue a leaf', async () => {
    const intermediateKeys = await globalThis.crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
    const intermediateSpki = new Uint8Array(await globalThis.crypto.subtle.exportKey('spki', intermediateKeys.publicKey));
    const intermediateName = name([NAME_ATTRIBUTES.CN, utf8('Not A CA')]);
    const keyUsage = extension('2.5.29.15', tlv(0x03, bytes(1, 0x06)), true);
    const intermediateTbs = seq(
      tlv(0xa0, integer(2n)),
      integer(10n),
      ECDSA_SHA256,
      parseCertificate(ca.der).subjectDer,
      seq(time(Date.parse('2020-01-01T00:00:00Z')), time(Date.parse('2049-12-31T23:59:59Z'))),
      intermediateName,
      intermediateSpki,
      tlv(0xa3, seq(extension(BASIC_CONSTRAINTS_OID, seq(boolean(false), boolean(true)), true), keyUsage)),
    );
    const intermediate = certificateOf(intermediateTbs);
    const leafTbsBytes = seq(
      tlv(0xa0, integer(2n)),
      integer(11n),
      ECDSA_SHA256,
      intermediateName,
      seq(time(Date.parse('2020-01-01T00:00:00Z')), time(Date.parse('2049-12-31T23:59:59Z'))),
      name([NAME_ATTRIBUTES.CN, utf8('Leaf')]),
      leafSpki,
      tlv(0xa3, seq(extension(BASIC_CONSTRAINTS_OID, seq(), true))),
    );
    const leafSignature = new Uint8Array(
      nodeSign('sha256', leafTbsBytes, { key: KeyObject.from(intermediateKeys.privateKey), dsaEncoding: 'der' }),
    );
    const leaf = seq(leafTbsBytes, ECDSA_SHA256, bits(leafSignature));
    let outcome: TesseraErrorCode | 'none';
    try {
      await validateCertificateChain({ chain: [leaf, intermediate], anchors: [ca.der], now: NOW });
      outcome = 'none';
    } catch (error) {
      if (!isTesseraError(error)) throw error;
      outcome = error.code;
    }
    expect(outcome).not.toBe('none');
  });

  it('cuts the TBSCertificate at exactly its bytes for every length form (short, 0x81, 0x82, 0x83)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.constantFrom(0, 127, 128, 255, 256, 65_535, 65_536), fc.integer({ min: 0, max: 600 })), fc.integer({ min: 0, max: 300 }), (tbsSize, restSize) => {
        const tbs = tlv(0x30, new Uint8Array(tbsSize).fill(0x5a));
        const rest = tlv(0x30, new Uint8Array(restSize).fill(0xa5));
        expect(tbsCertificateBytes(seq(tbs, rest))).toEqual(tbs);
      }),
      { numRuns: 40 },
    );
  });

  it.each([
    ['an indefinite length on the certificate', (cert: Uint8Array) => concat(bytes(0x30, 0x80), cert.subarray(cert[1]! & 0x80 ? 2 + (cert[1]! & 0x7f) : 2), bytes(0, 0))],
    ['an indefinite length on the TBSCertificate', (cert: Uint8Array) => {
      const tbs = tbsCertificateBytes(cert)!;
      const body = tbs.subarray(tbs[1]! & 0x80 ? 2 + (tbs[1]! & 0x7f) : 2);
      return seq(concat(bytes(0x30, 0x80), body, bytes(0, 0)), cert.subarray(tbs.byteOffset - cert.byteOffset + tbs.length));
    }],
    ['a non-minimal long-form length on the certificate', (cert: Uint8Array) => {
      const body = cert.subarray(cert[1]! & 0x80 ? 2 + (cert[1]! & 0x7f) : 2);
      return concat(bytes(0x30, 0x83, 0, body.length >> 8, body.length & 255), body);
    }],
    ['a trailing byte after the certificate', (cert: Uint8Array) => concat(cert, bytes(0))],
    ['a trailing element after the certificate', (cert: Uint8Array) => concat(cert, seq())],
  ])('refuses %s, with or without an explicit FALSE inside', (_name, damage) => {
    for (const critical of [undefined, false]) {
      const cert = certificateOf(leafTbs([aaguidExtension(critical)]));
      expect(codeOf(() => parseCertificate(cert))).toBe('none');
      expect(codeOf(() => parseCertificate(damage(cert)))).toBe('invalid_attestation');
    }
  });
});

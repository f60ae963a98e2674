import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isTesseraError } from '@tessera/core';
import { derStructures } from './_derInputs.ts';

/** PEM as RFC 7468 §2 writes it: 64-character lines. */
function pem(label: string, der: Uint8Array): string {
  const lines = Buffer.from(der).toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** DER-looking bytes: a SEQUENCE tag then anything. */
const derLike = fc.uint8Array({ minLength: 0, maxLength: 300 }).map((rest) => Uint8Array.from([0x30, ...rest]));

describe('derStructures (RFC 7468 PEM or DER)', () => {
  it('property: PEM text, PEM bytes and DER all give back the DER, in order, bundles included', () => {
    fc.assert(
      fc.property(fc.array(derLike, { minLength: 1, maxLength: 4 }), fc.string({ maxLength: 40 }).filter((text) => !text.includes('-----')), (ders, preamble) => {
        const bundle = `${preamble}\n${ders.map((der) => pem('CERTIFICATE', der)).join('')}`;
        expect(derStructures([bundle], 'CERTIFICATE', 'trustAnchor')).toEqual(ders);
        expect(derStructures([Buffer.from(pem('CERTIFICATE', ders[0] as Uint8Array))], 'CERTIFICATE', 'trustAnchor')).toEqual([ders[0]]);
        expect(derStructures(ders, 'CERTIFICATE', 'trustAnchor')).toEqual(ders);
        expect(derStructures([(ders[0] as Uint8Array).slice().buffer], 'CERTIFICATE', 'trustAnchor')).toEqual([ders[0]]);
      }),
      { numRuns: 100 },
    );
  });

  it('property: any other input is DER passed through or invalid_argument, never a raw error', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.uint8Array({ maxLength: 200 }), fc.anything()), (value) => {
        try {
          derStructures([value], 'X509 CRL', 'crls');
        } catch (error) {
          expect(isTesseraError(error, 'invalid_argument')).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('refuses PEM of another label, and a block that is not canonical base64', () => {
    const der = Uint8Array.from([0x30, 0x03, 0x02, 0x01, 0x01]);
    for (const bad of [pem('CERTIFICATE', der), pem('X509 CRL', der).replace('MAMCAQE=', 'MAMCAQF='), '-----BEGIN X509 CRL-----\n-----END X509 CRL-----']) {
      expect(() => derStructures([bad], 'X509 CRL', 'crls')).toThrowError(expect.objectContaining({ code: 'invalid_argument' }));
    }
  });
});

import { Decoder } from 'cbor-x';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { thrown } from '../test/mutations.ts';
import { readAuthenticationVectors, readRegistrationVectors } from '../test/vectors.ts';
import { ecdsaDerToP1363, type EcdsaComponentBytes } from './_ecdsaSignature.ts';
import { base64url } from './base64url.ts';
import { isTesseraError } from './errors.ts';

const decoder = new Decoder({ mapsAsObjects: false, useRecords: false });

/** Every DER ECDSA signature in the captured vectors: ES256 assertions and ES256 attestation statements. */
const capturedSignatures: { name: string; der: Uint8Array }[] = [
  ...readAuthenticationVectors()
    .filter((v) => v.coseAlg === -7)
    .map((v) => ({ name: v.name, der: base64url.decode(v.response.response.signature) })),
  ...readRegistrationVectors().flatMap((v) => {
    const attStmt = (decoder.decode(base64url.decode(v.response.response.attestationObject)) as Map<string, Map<string, unknown>>).get('attStmt')!;
    const sig = attStmt.get('sig');
    return sig instanceof Uint8Array && sig[0] === 0x30 ? [{ name: `attestation ${v.name}`, der: new Uint8Array(sig) }] : [];
  }),
];

/** Independent minimal DER encoder for the round trip (X.690 §8.3, §10.1). */
function derInteger(unsigned: Uint8Array): number[] {
  let start = 0;
  while (start < unsigned.length - 1 && unsigned[start] === 0) start++;
  const digits = [...unsigned.subarray(start)];
  if (digits[0]! >= 0x80) digits.unshift(0);
  return [0x02, digits.length, ...digits];
}
function derLength(length: number): number[] {
  return length < 0x80 ? [length] : [0x81, length];
}
function toDer(r: Uint8Array, s: Uint8Array): Uint8Array {
  const body = [...derInteger(r), ...derInteger(s)];
  return new Uint8Array([0x30, ...derLength(body.length), ...body]);
}

const sizes: EcdsaComponentBytes[] = [32, 48, 66];
/** A non-zero unsigned integer of at most `size` bytes, biased to leading zeros and high bits. */
const component = (size: number): fc.Arbitrary<Uint8Array> =>
  fc
    .tuple(fc.uint8Array({ minLength: size, maxLength: size }), fc.nat({ max: size }), fc.boolean())
    .map(([bytes, zeros, high]) => {
      const value = Uint8Array.from(bytes);
      value.fill(0, 0, zeros);
      if (high && zeros < size) value[zeros] = value[zeros]! | 0x80;
      if (value.every((b) => b === 0)) value[size - 1] = 1;
      return value;
    });

describe('ecdsaDerToP1363', () => {
  it('converts every captured ES256 signature, all of which are strict DER', () => {
    expect(capturedSignatures.length).toBeGreaterThanOrEqual(20);
    for (const { name, der } of capturedSignatures) {
      const p1363 = ecdsaDerToP1363(der, 32);
      expect(p1363.length, name).toBe(64);
      expect(toDer(p1363.subarray(0, 32), p1363.subarray(32)), name).toEqual(der);
    }
  });

  it('round-trips random r and s for every curve size', () => {
    for (const size of sizes) {
      fc.assert(
        fc.property(component(size), component(size), (r, s) => {
          expect(ecdsaDerToP1363(toDer(r, s), size)).toEqual(new Uint8Array([...r, ...s]));
        }),
        { numRuns: 300 },
      );
    }
  });

  it('uses the one-byte long-form length for large P-521 signatures', () => {
    const r = new Uint8Array(66).fill(0x01);
    const der = toDer(r, r);
    expect(der.subarray(0, 3)).toEqual(new Uint8Array([0x30, 0x81, 136]));
    expect(ecdsaDerToP1363(der, 66)).toEqual(new Uint8Array(132).fill(0x01));
  });

  const malformed: [string, number[], EcdsaComponentBytes][] = [
    ['empty', [], 32],
    ['not a SEQUENCE', [0x31, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01], 32],
    ['a truncated SEQUENCE', [0x30, 0x07, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01], 32],
    ['bytes after the SEQUENCE', [0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x00], 32],
    ['bytes after s inside the SEQUENCE', [0x30, 0x08, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x05, 0x00], 32],
    ['a long-form length that fits the short form', [0x30, 0x81, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01], 32],
    ['a two-byte length', [0x30, 0x82, 0x00, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01], 32],
    ['an indefinite length', [0x30, 0x80, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x00, 0x00], 32],
    ['a long-form INTEGER length', [0x30, 0x07, 0x02, 0x81, 0x01, 0x01, 0x02, 0x01, 0x01], 32],
    ['a missing s', [0x30, 0x03, 0x02, 0x01, 0x01], 32],
    ['s of another type', [0x30, 0x06, 0x02, 0x01, 0x01, 0x04, 0x01, 0x01], 32],
    ['an empty INTEGER', [0x30, 0x05, 0x02, 0x00, 0x02, 0x01, 0x01], 32],
    ['r = 0', [0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x01], 32],
    ['a negative s', [0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x81], 32],
    ['an unneeded leading zero', [0x30, 0x07, 0x02, 0x02, 0x00, 0x01, 0x02, 0x01, 0x01], 32],
    ['an INTEGER running past the SEQUENCE', [0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x02, 0x01], 32],
    ['r of 33 significant bytes for P-256', [0x30, 0x26, 0x02, 0x21, ...new Array(33).fill(0x11), 0x02, 0x01, 0x01], 32],
    ['r of 49 significant bytes for P-384', [0x30, 0x36, 0x02, 0x31, ...new Array(49).fill(0x11), 0x02, 0x01, 0x01], 48],
  ];
  it.each(malformed)('rejects %s with malformed_response', (_name, bytes, size) => {
    expect(isTesseraError(thrown(() => ecdsaDerToP1363(new Uint8Array(bytes), size)), 'malformed_response')).toBe(true);
  });

  it('accepts r with a needed leading zero and a full 66-byte P-521 component', () => {
    const r = new Uint8Array(32).fill(0xff);
    expect(ecdsaDerToP1363(toDer(r, Uint8Array.of(1)), 32)).toEqual(new Uint8Array([...r, ...new Uint8Array(31), 1]));
  });

  it('rejects a leading zero that a valid signature does not need, for every size', () => {
    fc.assert(
      fc.property(fc.constantFrom(...sizes), fc.integer({ min: 1, max: 0x7f }), (size, top) => {
        const r = new Uint8Array(size).fill(top);
        const body = [0x02, size + 1, 0x00, ...r, 0x02, 0x01, 0x01];
        const der = new Uint8Array([0x30, ...derLength(body.length), ...body]);
        expect(isTesseraError(thrown(() => ecdsaDerToP1363(der, size)), 'malformed_response')).toBe(true);
        expect(ecdsaDerToP1363(toDer(r, Uint8Array.of(1)), size).subarray(0, size)).toEqual(r);
      }),
      { numRuns: 50 },
    );
  });

  it('turns any random or mutated input into P1363 bytes or a malformed_response error', () => {
    const mutated = fc
      .tuple(fc.constantFrom(...capturedSignatures.map((c) => c.der)), fc.nat(), fc.nat({ max: 255 }), fc.nat({ max: 80 }))
      .map(([der, at, value, cut]) => {
        const copy = Uint8Array.from(der);
        copy[at % copy.length] = value;
        return copy.subarray(0, copy.length - (cut % 4 === 0 ? cut % copy.length : 0));
      });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 150 }), mutated), fc.constantFrom(...sizes), (bytes, size) => {
        try {
          const out = ecdsaDerToP1363(bytes, size);
          expect(out.length).toBe(2 * size);
          expect(toDer(out.subarray(0, size), out.subarray(size))).toEqual(bytes);
        } catch (error) {
          expect(isTesseraError(error, 'malformed_response'), String(error)).toBe(true);
        }
      }),
      { numRuns: 5000 },
    );
  });
});

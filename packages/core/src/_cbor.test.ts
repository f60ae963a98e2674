import { encode } from 'cbor-x';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { thrown } from '../test/mutations.ts';
import { MAX_CBOR_DEPTH, cborItemEnd, decodeCbor } from './_cbor.ts';
import { isTesseraError } from './errors.ts';

const failure = { code: 'malformed_response', subject: 'test data' } as const;

/** CBOR-friendly values: what WebAuthn structures hold. */
const cborValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.integer(),
    fc.string(),
    fc.uint8Array({ maxLength: 40 }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.array(fc.tuple(fc.oneof(fc.integer({ min: -50, max: 50 }), fc.string({ maxLength: 8 })), tie('value')), { maxLength: 4 }).map((entries) => new Map(entries)),
  ),
})).value;

describe('CBOR decoding under limits', () => {
  it('decodes what cbor-x encodes, and measures its extent exactly, even when followed by more bytes', () => {
    fc.assert(
      fc.property(cborValue, fc.uint8Array({ maxLength: 8 }), (value, trailer) => {
        const bytes = new Uint8Array(encode(value));
        expect(cborItemEnd(bytes, 0, failure)).toBe(bytes.length);
        expect(cborItemEnd(new Uint8Array([...bytes, ...trailer]), 0, failure)).toBe(bytes.length);
        const decoded = decodeCbor(bytes, failure, 1 << 20);
        expect(encode(decoded)).toEqual(encode(value));
      }),
      { numRuns: 1000 },
    );
  });

  it('rejects every truncation with the given code', () => {
    fc.assert(
      fc.property(cborValue, fc.nat(), (value, cut) => {
        const bytes = new Uint8Array(encode(value));
        if (bytes.length < 2) return;
        const truncated = bytes.subarray(0, cut % bytes.length);
        expect(isTesseraError(thrown(() => decodeCbor(truncated, failure, 1 << 20)), 'malformed_response')).toBe(true);
      }),
    );
  });

  it('rejects trailing bytes, oversized input and empty input', () => {
    const bytes = new Uint8Array([0xa1, 0x01, 0x02]);
    expect(decodeCbor(bytes, failure, 3)).toEqual(new Map([[1, 2]]));
    expect((thrown(() => decodeCbor(new Uint8Array([...bytes, 0]), failure, 10)) as Error).message).toMatch(/trailing/);
    expect((thrown(() => decodeCbor(bytes, failure, 2)) as Error).message).toMatch(/larger than 2 bytes/);
    expect((thrown(() => decodeCbor(new Uint8Array(), failure, 2)) as Error).message).toMatch(/empty/);
  });

  it('rejects nesting deeper than the limit before cbor-x recurses', () => {
    const deep = new Uint8Array(MAX_CBOR_DEPTH + 2).fill(0x81);
    deep[deep.length - 1] = 0x00;
    expect((thrown(() => decodeCbor(deep, failure, 1 << 20)) as Error).message).toMatch(/deeper/);
    const huge = new Uint8Array(100_000).fill(0x81);
    expect(isTesseraError(thrown(() => decodeCbor(huge, failure, 1 << 20)), 'malformed_response')).toBe(true);
  });

  it('rejects lengths that point past the end without allocating them', () => {
    for (const bytes of [[0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], [0x9a, 0xff, 0xff, 0xff, 0xff], [0xbb, 0, 0, 0, 1, 0, 0, 0, 0]]) {
      expect(isTesseraError(thrown(() => decodeCbor(new Uint8Array(bytes), failure, 1 << 20)), 'malformed_response')).toBe(true);
    }
  });

  it('handles indefinite-length arrays and maps, and rejects chunked strings and reserved encodings', () => {
    expect(decodeCbor(new Uint8Array([0x9f, 0x01, 0x02, 0xff]), failure, 100)).toEqual([1, 2]);
    expect(decodeCbor(new Uint8Array([0xbf, 0x01, 0x02, 0xff]), failure, 100)).toEqual(new Map([[1, 2]]));
    // Chunked strings are valid CBOR but not CTAP2 canonical CBOR; cbor-x refuses them, as a TesseraError.
    const chunked = [0x5f, 0x41, 0xaa, 0x41, 0xbb, 0xff];
    for (const bytes of [[0x1f], [0x1c], [0xff], [0x5f, 0x61, 0x61, 0xff], [0x9f, 0x01], chunked]) {
      expect(isTesseraError(thrown(() => decodeCbor(new Uint8Array(bytes), failure, 100)), 'malformed_response'), bytes.join()).toBe(true);
    }
  });

  it('turns any byte string into a value or a TesseraError, never another exception', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const error = thrown(() => decodeCbor(bytes, failure, 1 << 20));
        if (error !== undefined) expect(isTesseraError(error, 'malformed_response')).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });
});

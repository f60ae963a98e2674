import { Decoder } from 'cbor-x';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytes, concat, encodeCbor, head, headCount, mapOf, raw, tagged, textOf, type CborInput } from '../test/cborEncoder.ts';
import { thrown } from '../test/mutations.ts';
import { MAX_CBOR_DEPTH, cborItemEnd, decodeCbor, type CborKey, type CborValue } from './_cbor.ts';
import { isTesseraError } from './errors.ts';

const failure = { code: 'malformed_response', subject: 'test data' } as const;
const LIMIT = 1 << 20;

const decode = (input: Uint8Array | CborInput, canonical = false): CborValue =>
  decodeCbor(input instanceof Uint8Array ? input : encodeCbor(input, { order: 'given' }), failure, LIMIT, { canonical });

/** Asserts that decoding throws a TesseraError with the failure's code and a message matching `message`. */
function expectRefused(input: Uint8Array | CborInput, message: RegExp, canonical = false): void {
  const error = thrown(() => decode(input, canonical));
  expect(isTesseraError(error, 'malformed_response'), String(error)).toBe(true);
  expect((error as Error).message).toMatch(message);
}

/** What the strict decoder returns: plain values, `Map`s with integer or text keys, no cycles. */
const plainValue: fc.Arbitrary<CborValue> = fc.letrec<{ value: CborValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.constantFrom(23, 24, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, -24, -25, -257)),
    fc.oneof(fc.string(), fc.string({ unit: 'grapheme' })),
    fc.uint8Array({ maxLength: 40 }).map((array) => new Uint8Array(array)),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc
      .uniqueArray(fc.tuple(fc.oneof(fc.integer({ min: -300, max: 300 }), fc.maxSafeInteger(), fc.string({ maxLength: 8 })), tie('value')), {
        maxLength: 4,
        selector: ([key]) => key,
      })
      .map((entries) => new Map(entries)),
  ),
})).value;

/** A valid document (any value under a map), as authenticators send: the top level of each structure is a map. */
const document = fc.tuple(plainValue, fc.string({ maxLength: 4 })).map(([value, key]) => new Map<string, CborValue>([[key, value]]));

describe('strict CBOR: what it accepts', () => {
  it('decodes what the canonical test encoder writes to the same value, canonical or not, and measures its extent', () => {
    fc.assert(
      fc.property(plainValue, fc.uint8Array({ maxLength: 8 }), (value, trailer) => {
        const encoded = encodeCbor(value as CborInput);
        expect(decodeCbor(encoded, failure, LIMIT)).toEqual(value);
        expect(decodeCbor(encoded, failure, LIMIT, { canonical: true })).toEqual(value);
        expect(cborItemEnd(concat(encoded, trailer), 0, failure)).toBe(encoded.length);
        expect(cborItemEnd(concat(trailer, encoded), trailer.length, failure, { canonical: true })).toBe(trailer.length + encoded.length);
      }),
      { numRuns: 2000 },
    );
  });

  it('agrees with an independent decoder (cbor-x) on every canonical encoding', () => {
    const reference = new Decoder({ mapsAsObjects: false, useRecords: false, int64AsNumber: true } as ConstructorParameters<typeof Decoder>[0]);
    fc.assert(
      fc.property(plainValue, (value) => {
        const encoded = encodeCbor(value as CborInput);
        expect(decodeCbor(encoded, failure, LIMIT)).toEqual(reference.decode(encoded));
      }),
      { numRuns: 1000 },
    );
  });

  it('returns plain data: fresh byte arrays of their own, no views of the input, Maps and arrays only', () => {
    const input = encodeCbor(new Map<CborInput, CborInput>([['a', new Uint8Array([1, 2])], [1, [new Uint8Array([3])]]]));
    const decoded = decode(input) as Map<CborKey, CborValue>;
    const first = decoded.get('a') as Uint8Array;
    const second = (decoded.get(1) as Uint8Array[])[0]!;
    expect(first.buffer).not.toBe(input.buffer);
    expect(first.buffer).not.toBe(second.buffer);
    expect([first.byteOffset, first.buffer.byteLength, first.constructor]).toEqual([0, 2, Uint8Array]);
    input.fill(0);
    expect(decoded).toEqual(new Map<CborKey, CborValue>([['a', new Uint8Array([1, 2])], [1, [new Uint8Array([3])]]]));
    // A Node Buffer in, plain Uint8Arrays out.
    expect((decode(Buffer.from([0x42, 7, 8])) as Uint8Array).constructor).toBe(Uint8Array);
  });

  it('accepts each width exactly from where the shorter one ends, and integers up to ±(2^53 − 1)', () => {
    expect(decode(bytes(0x17))).toBe(23);
    expect(decode(bytes(0x18, 24))).toBe(24);
    expect(decode(bytes(0x19, 1, 0))).toBe(256);
    expect(decode(bytes(0x1a, 0, 1, 0, 0))).toBe(65536);
    expect(decode(bytes(0x1b, 0, 0, 0, 1, 0, 0, 0, 0))).toBe(2 ** 32);
    expect(decode(bytes(0x38, 24))).toBe(-25);
    expect(decode(head(0, Number.MAX_SAFE_INTEGER))).toBe(Number.MAX_SAFE_INTEGER);
    expect(decode(head(1, Number.MAX_SAFE_INTEGER - 1))).toBe(-Number.MAX_SAFE_INTEGER);
    expect(decode(bytes(0x58, 24, ...new Uint8Array(24)))).toEqual(new Uint8Array(24));
  });

  it('accepts multi-byte UTF-8 and keeps a leading byte-order mark, so "\\uFEFFfmt" is not "fmt"', () => {
    expect(decode('é€😀')).toBe('é€😀');
    const withMark = decode(mapOf([['\uFEFFfmt', 1], ['fmt', 2]])) as Map<CborKey, CborValue>;
    expect([...withMark.keys()]).toEqual(['\uFEFFfmt', 'fmt']);
    // The same bytes as a byte string are just bytes.
    expect(decode(raw(head(2, 3), [0xed, 0xa0, 0x80]))).toEqual(bytes(0xed, 0xa0, 0x80));
  });

  it('rejects trailing bytes, oversized input and empty input', () => {
    const bytes3 = bytes(0xa1, 0x01, 0x02);
    expect(decodeCbor(bytes3, failure, 3)).toEqual(new Map([[1, 2]]));
    expect((thrown(() => decodeCbor(concat(bytes3, bytes(0)), failure, 10)) as Error).message).toMatch(/trailing/);
    expect((thrown(() => decodeCbor(bytes3, failure, 2)) as Error).message).toMatch(/larger than 2 bytes/);
    expect((thrown(() => decodeCbor(new Uint8Array(), failure, 2)) as Error).message).toMatch(/empty/);
  });
});

describe('strict CBOR: what it refuses (attacks)', () => {
  it('refuses duplicate map keys, integer or text, at any depth', () => {
    expectRefused(mapOf([['fmt', 'packed'], ['attStmt', new Map()], ['authData', new Uint8Array(1)], ['fmt', 'none']]), /duplicate map key/);
    expectRefused(mapOf([[1, 2], [1, 2]]), /duplicate map key/);
    expectRefused(mapOf([[-7, 0], [3, 0], [-7, 0]]), /duplicate map key/);
    expectRefused(new Map([['a', [0, mapOf([['x', 1], ['x', 1]])]]]), /duplicate map key/);
    expectRefused([[[mapOf([['', null], ['', null]])]]], /duplicate map key/);
  });

  it.each([
    ['0 (date/time string)', 0, '2020-01-01T00:00:00Z'],
    ['1 (epoch date)', 1, 1_600_000_000],
    ['2 (bignum)', 2, new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0, 0])],
    ['27 (serialised object, a RegExp in cbor-x)', 27, ['RegExp', 'a+']],
    ['28 (shareable)', 28, [1]],
    ['29 (shared reference)', 29, 0],
    ['64 (typed array)', 64, new Uint8Array([1])],
    ['258 (set)', 258, [1, 2]],
    ['259 (map)', 259, new Map([[1, 2]])],
    ['55799 (self-described CBOR)', 55799, new Map([['fmt', 'none']])],
  ] as const)('refuses tag %s, at the top and nested', (_name, tag, content) => {
    expectRefused(tagged(tag, content), /tags are not allowed/);
    expectRefused(new Map([['ext', [tagged(tag, content)]]]), /tags are not allowed/);
  });

  it('refuses the cyclic array that tags 28 and 29 would make (tag 28 around an array holding tag 29 of it)', () => {
    expectRefused(new Map([['credBlob', raw([0xd8, 0x1c, 0x81, 0xd8, 0x1d, 0x00])]]), /tags are not allowed/);
  });

  it('refuses indefinite lengths for every major type that has them', () => {
    expectRefused(bytes(0x5f, 0x41, 0xaa, 0xff), /indefinite-length/);
    expectRefused(bytes(0x7f, 0x61, 0x61, 0xff), /indefinite-length/);
    expectRefused(bytes(0x9f, 0x01, 0x02, 0xff), /indefinite-length/);
    expectRefused(bytes(0xbf, 0x01, 0x02, 0xff), /indefinite-length/);
    expectRefused(new Map([['x', raw([0x9f, 0xff])]]), /indefinite-length/);
    // Reserved ones (integers and tags cannot be indefinite) and a break with nothing to end.
    expectRefused(bytes(0x1f), /indefinite-length/);
    expectRefused(bytes(0x3f), /indefinite-length/);
    expectRefused(bytes(0xff), /unexpected break/);
  });

  it.each([
    ['an integer below 24 in one byte', [0x18, 0x17]],
    ['0 in one byte', [0x18, 0]],
    ['255 in two bytes', [0x19, 0, 0xff]],
    ['0 in two bytes', [0x19, 0, 0]],
    ['65535 in four bytes', [0x1a, 0, 0, 0xff, 0xff]],
    ['2^32 − 1 in eight bytes', [0x1b, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]],
    ['−1 in one byte', [0x38, 0]],
    ['−256 in two bytes', [0x39, 0, 0xff]],
    ['−65536 in four bytes', [0x3a, 0, 0, 0xff, 0xff]],
    ['−2^32 in eight bytes', [0x3b, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]],
    ['a byte string length in one byte', [0x58, 1, 0xaa]],
    ['a byte string length in two bytes', [0x59, 0, 1, 0xaa]],
    ['a text length in four bytes', [0x7a, 0, 0, 0, 1, 0x61]],
    ['a text length in eight bytes', [0x7b, 0, 0, 0, 0, 0, 0, 0, 1, 0x61]],
    ['an array count in one byte', [0x98, 1, 0]],
    ['an array count in two bytes', [0x99, 0, 0]],
    ['a map count in one byte', [0xb8, 1, 1, 2]],
    ['a map count in four bytes', [0xba, 0, 0, 0, 0]],
  ])('refuses %s', (_name, encoding) => {
    expectRefused(Uint8Array.from(encoding), /shortest form/);
    expectRefused(new Map([['x', raw(encoding)]]), /shortest form/);
  });

  it('refuses integers outside ±(2^53 − 1), which would not come back exact', () => {
    expectRefused(head(0, 2 ** 53), /beyond 2\^53/);
    expectRefused(bytes(0x1b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), /beyond 2\^53/);
    expectRefused(head(1, Number.MAX_SAFE_INTEGER), /beyond -\(2\^53/);
  });

  it.each([
    ['half-precision 0.0', [0xf9, 0, 0]],
    ['single-precision 1.0', [0xfa, 0x3f, 0x80, 0, 0]],
    ['double-precision 1.5', [0xfb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0]],
  ])('refuses floating point (%s) anywhere', (_name, encoding) => {
    expectRefused(Uint8Array.from(encoding), /floating-point/);
    expectRefused([1, raw(encoding)], /floating-point/);
  });

  it.each([
    ['undefined', [0xf7]],
    ['simple value 0', [0xe0]],
    ['simple value 19', [0xf3]],
    ['false written in two bytes', [0xf8, 0x14]],
    ['simple value 255', [0xf8, 0xff]],
  ])('refuses %s', (_name, encoding) => {
    expectRefused(Uint8Array.from(encoding), /simple values other than false, true and null/);
  });

  it('refuses reserved additional information 28–30 in every major type', () => {
    for (let major = 0; major < 8; major++) {
      for (const info of [28, 29, 30]) expectRefused(bytes((major << 5) | info, 0, 0, 0, 0, 0, 0, 0, 0), /reserved|tags|simple/);
    }
  });

  it.each([
    ['a byte string', [0x41, 0x00]],
    ['an array', [0x80]],
    ['a map', [0xa0]],
    ['true', [0xf5]],
    ['null', [0xf6]],
    ['a float', [0xf9, 0, 0]],
    ['a tagged integer', [0xc1, 0x01]],
  ])('refuses %s as a map key', (_name, key) => {
    expectRefused(raw([0xa1], key, [0x01]), /map keys must be integers or text strings/);
  });

  it.each([
    ['a lone continuation byte', [0x80]],
    ['an overlong "/"', [0xc0, 0xaf]],
    ['an overlong NUL', [0xe0, 0x80, 0x80]],
    ['a UTF-16 surrogate', [0xed, 0xa0, 0x80]],
    ['a code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
    ['a truncated sequence', [0x61, 0xe2, 0x82]],
    ['a five-byte form', [0xf8, 0x88, 0x80, 0x80, 0x80]],
    ['0xFF', [0x66, 0x6d, 0x74, 0xff]],
  ])('refuses text with %s, as a value and as a key', (_name, content) => {
    expectRefused(textOf(content), /not valid UTF-8/);
    expectRefused(raw([0xa1], textOf(content).raw, [0x01]), /not valid UTF-8/);
  });

  it('refuses nesting deeper than the limit without recursing further', () => {
    const nested = (levels: number): Uint8Array => concat(new Uint8Array(levels).fill(0x81), bytes(0));
    expect(decode(nested(MAX_CBOR_DEPTH))).toBeDefined();
    expectRefused(nested(MAX_CBOR_DEPTH + 1), /deeper/);
    expectRefused(new Uint8Array(100_000).fill(0x81), /deeper/);
    const nestedMaps = (levels: number): Uint8Array => concat(...new Array<Uint8Array>(levels).fill(bytes(0xa1, 0x01)), bytes(0));
    expect(decode(nestedMaps(MAX_CBOR_DEPTH))).toBeInstanceOf(Map);
    expectRefused(nestedMaps(MAX_CBOR_DEPTH + 1), /deeper/);
  });

  it('refuses lengths and counts that point past the end, without allocating them', () => {
    for (const encoding of [[0x5b, 0, 0, 0, 1, 0, 0, 0, 0], [0x5a, 0xff, 0xff, 0xff, 0xff], [0x9a, 0xff, 0xff, 0xff, 0xff], [0xbb, 0, 0, 0, 1, 0, 0, 0, 0], [0x43, 1, 2]]) {
      expectRefused(Uint8Array.from(encoding), /truncated/);
    }
  });
});

describe('strict CBOR: CTAP2 canonical key order (CTAP 2.2 §8), when asked for', () => {
  it.each([
    ['a positive label after a negative one', [[-1, 0], [1, 0]]],
    ['integers out of numeric order', [[3, 0], [1, 0]]],
    ['−2 before −1', [[-2, 0], [-1, 0]]],
    ['−25 (two bytes) before −24 (one byte)', [[-25, 0], [-24, 0]]],
    ['a text key before an integer key', [['a', 0], [1, 0]]],
    ['a longer text key first, though bytewise smaller ("aa" before "b")', [['aa', 0], ['b', 0]]],
    ['text keys out of bytewise order', [['b', 0], ['a', 0]]],
    ['the order of the captured go-webauthn stored key (3, −1, −2, −3, 1)', [[3, 0], [-1, 0], [-2, 0], [-3, 0], [1, 0]]],
  ] as const)('refuses %s, which the non-canonical rules accept', (_name, entries) => {
    const map = mapOf(entries as unknown as [CborInput, CborInput][]);
    expect(decode(map)).toBeInstanceOf(Map);
    expectRefused(map, /canonical order/, true);
    expectRefused(new Map([[1, [map]]]), /canonical order/, true);
  });

  it('accepts keys in canonical order, whatever order they were given in', () => {
    const map = new Map<CborInput, CborInput>([['b', 0], [-3, 0], ['aa', 0], [1, 0], [-1, 0], [3, 0], [-25, 0], [-24, 0], [24, 0]]);
    const decoded = decodeCbor(encodeCbor(map), failure, LIMIT, { canonical: true }) as Map<CborKey, CborValue>;
    expect([...decoded.keys()]).toEqual([1, 3, 24, -1, -3, -24, -25, 'b', 'aa']);
  });
});

describe('strict CBOR: properties', () => {
  it('any valid document with one head (integer, length or count) widened is refused', () => {
    fc.assert(
      fc.property(document, fc.nat(), fc.constantFrom(1, 2, 4, 8) as fc.Arbitrary<1 | 2 | 4 | 8>, (value, pick, width) => {
        const shortest = encodeCbor(value as CborInput);
        const widened = encodeCbor(value as CborInput, { widen: { head: pick % headCount(value as CborInput), width } });
        if (widened.length === shortest.length) return; // that head was already at least this wide
        expectRefused(widened, /shortest form/);
      }),
      { numRuns: 3000 },
    );
  });

  it('any valid document with a duplicated key is refused', () => {
    fc.assert(
      fc.property(document, plainValue, (value, other) => {
        const [[key, item]] = [...value.entries()] as [[string, CborValue]];
        expectRefused(mapOf([[key, item as CborInput], [key, other as CborInput]]), /duplicate map key/);
      }),
      { numRuns: 500 },
    );
  });

  it('rejects every truncation of a valid document', () => {
    fc.assert(
      fc.property(document, fc.nat(), (value, cut) => {
        const encoded = encodeCbor(value as CborInput);
        expectRefused(encoded.subarray(0, cut % encoded.length), /truncated|empty/);
      }),
    );
  });

  it('turns any byte string into a value or a TesseraError, never another exception', () => {
    const check = (input: Uint8Array): void => {
      for (const canonical of [false, true]) {
        const error = thrown(() => decodeCbor(input, failure, LIMIT, { canonical }));
        if (error !== undefined) expect(isTesseraError(error, 'malformed_response'), String(error)).toBe(true);
        const endError = thrown(() => cborItemEnd(input, 0, failure, { canonical }));
        if (endError !== undefined) expect(isTesseraError(endError, 'malformed_response'), String(endError)).toBe(true);
      }
    };
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), check), { numRuns: 5000 });
    // Bytes that look like CBOR: a valid document with a few bytes changed.
    fc.assert(
      fc.property(document, fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { minLength: 1, maxLength: 3 }), (value, changes) => {
        const encoded = Uint8Array.from(encodeCbor(value as CborInput));
        for (const [at, byte] of changes) encoded[at % encoded.length] = byte;
        check(encoded);
      }),
      { numRuns: 3000 },
    );
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytes, integer, oid, text, time, tlv, utf8 } from '../../test/derEncoder.ts';
import {
  DER_TAGS,
  MAX_DER_DEPTH,
  contextTag,
  derBitString,
  derBoolean,
  derChildren,
  derInteger,
  derNull,
  derOctetString,
  derOid,
  derSmallInteger,
  derString,
  derTime,
  readDer,
  type DerElement,
} from './_der.ts';
import { isTesseraError } from '../errors.ts';

function rejects(action: () => unknown): void {
  let caught: unknown;
  try {
    action();
  } catch (error) {
    caught = error;
  }
  expect(isTesseraError(caught, 'invalid_attestation'), String(caught)).toBe(true);
}

/** Walks every constructed element; a malformed one throws. */
function walk(element: DerElement): number {
  if ((element.tag & 0x20) === 0) return 1;
  return derChildren(element).reduce((count, child) => count + walk(child), 1);
}

describe('readDer', () => {
  it('reads short and long lengths, as views of the input', () => {
    const long = new Uint8Array(300).fill(7);
    const encoded = tlv(DER_TAGS.OCTET_STRING, long);
    expect([...encoded.subarray(0, 4)]).toEqual([0x04, 0x82, 0x01, 0x2c]);
    const element = readDer(encoded);
    expect(element.tag).toBe(DER_TAGS.OCTET_STRING);
    expect(element.content).toEqual(long);
    expect(element.encoded).toEqual(encoded);
    expect(element.content.buffer).toBe(encoded.buffer);
    expect(element.depth).toBe(0);
  });

  it.each([
    ['empty input', bytes()],
    ['a missing length', bytes(0x04)],
    ['truncated content', bytes(0x04, 0x02, 0x00)],
    ['trailing bytes', bytes(0x05, 0x00, 0x00)],
    ['indefinite length', bytes(0x30, 0x80, 0x00, 0x00)],
    ['a long form below 128', bytes(0x04, 0x81, 0x01, 0x00)],
    ['a long form with a leading zero', bytes(0x04, 0x82, 0x00, 0x81, ...new Uint8Array(0x81))],
    ['a five-octet length', bytes(0x04, 0x85, 0x01, 0x00, 0x00, 0x00, 0x00)],
    ['a length beyond the input', bytes(0x04, 0x84, 0xff, 0xff, 0xff, 0xff)],
    ['a multi-octet tag', bytes(0x1f, 0x81, 0x00, 0x00)],
    ['a constructed OCTET STRING', bytes(0x24, 0x00)],
    ['a primitive SEQUENCE', bytes(0x10, 0x00)],
  ])('rejects %s', (_name, encoded) => {
    rejects(() => walk(readDer(encoded)));
  });

  it('accepts context-specific tags, primitive and constructed', () => {
    const explicit = readDer(tlv(contextTag(3), integer(5n)));
    expect(explicit.tag).toBe(0xa3);
    expect(derSmallInteger(derChildren(explicit, contextTag(3))[0]!)).toBe(5);
    const implicit = readDer(tlv(contextTag(1, true), bytes(1, 2)));
    expect(implicit.tag).toBe(0x81);
    expect(derInteger(implicit, contextTag(1, true))).toEqual(bytes(1, 2));
  });

  it(`limits nesting to ${MAX_DER_DEPTH} levels below the root`, () => {
    let nested = tlv(DER_TAGS.NULL);
    for (let level = 0; level < MAX_DER_DEPTH; level++) nested = tlv(DER_TAGS.SEQUENCE, nested);
    expect(walk(readDer(nested))).toBe(MAX_DER_DEPTH + 1);
    rejects(() => walk(readDer(tlv(DER_TAGS.SEQUENCE, nested))));
  });

  it('never throws anything but a TesseraError on random input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (input) => {
        try {
          walk(readDer(input));
        } catch (error) {
          expect(isTesseraError(error, 'invalid_attestation')).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('derChildren', () => {
  it('reads a SEQUENCE and a SET, checking the tag', () => {
    const sequence = readDer(tlv(DER_TAGS.SEQUENCE, integer(1n), tlv(DER_TAGS.SET, tlv(DER_TAGS.NULL))));
    const [first, set] = derChildren(sequence, DER_TAGS.SEQUENCE);
    expect(first!.depth).toBe(1);
    expect(derChildren(set!, DER_TAGS.SET).map((child) => child.depth)).toEqual([2]);
    rejects(() => derChildren(sequence, DER_TAGS.SET));
    rejects(() => derChildren(first!));
  });

  it('rejects children that overrun their parent', () => {
    rejects(() => derChildren(readDer(bytes(0x30, 0x03, 0x04, 0x05, 0x00))));
  });
});

describe('derInteger and derSmallInteger', () => {
  it('round-trips any integer as minimal two’s complement', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 200n), max: 2n ** 200n }), (value) => {
        const content = derInteger(readDer(integer(value)));
        expect(BigInt.asIntN(content.length * 8, content.reduce((acc, byte) => (acc << 8n) | BigInt(byte), 0n))).toBe(value);
      }),
    );
  });

  it('reads small non-negative values', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (value) => {
      expect(derSmallInteger(readDer(integer(BigInt(value))))).toBe(value);
    }));
    rejects(() => derSmallInteger(readDer(integer(-1n))));
    rejects(() => derSmallInteger(readDer(integer(2n ** 31n))));
  });

  it.each([
    ['empty', bytes(0x02, 0x00)],
    ['a redundant 0x00', bytes(0x02, 0x02, 0x00, 0x7f)],
    ['a redundant 0xff', bytes(0x02, 0x02, 0xff, 0x80)],
    ['another tag', bytes(0x04, 0x01, 0x00)],
  ])('rejects %s', (_name, encoded) => {
    rejects(() => derInteger(readDer(encoded)));
  });
});

describe('derOid', () => {
  const arc = fc.bigInt({ min: 0n, max: 2n ** 70n });
  it('round-trips dotted identifiers, large arcs included', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 }), fc.bigInt({ min: 0n, max: 39n }), fc.array(arc, { maxLength: 8 }), (x, y, rest) => {
        const dotted = [BigInt(x), x === 2 ? y * 1000n : y, ...rest].join('.');
        expect(derOid(readDer(oid(dotted)))).toBe(dotted);
      }),
    );
    expect(derOid(readDer(oid('1.2.840.10045.3.1.7')))).toBe('1.2.840.10045.3.1.7');
    expect(derOid(readDer(oid('2.25.329800735698586629295641978511506172918')))).toBe('2.25.329800735698586629295641978511506172918');
  });

  it.each([
    ['empty', bytes(0x06, 0x00)],
    ['an unterminated arc', bytes(0x06, 0x02, 0x2a, 0x86)],
    ['a non-minimal arc', bytes(0x06, 0x03, 0x2a, 0x80, 0x01)],
  ])('rejects %s', (_name, encoded) => {
    rejects(() => derOid(readDer(encoded)));
  });
});

describe('primitive readers', () => {
  it('reads BOOLEAN strictly', () => {
    expect(derBoolean(readDer(bytes(0x01, 0x01, 0xff)))).toBe(true);
    expect(derBoolean(readDer(bytes(0x01, 0x01, 0x00)))).toBe(false);
    rejects(() => derBoolean(readDer(bytes(0x01, 0x01, 0x01))));
    rejects(() => derBoolean(readDer(bytes(0x01, 0x02, 0x00, 0x00))));
  });

  it('round-trips OCTET STRING and whole-octet BIT STRING', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (value) => {
      expect(derOctetString(readDer(tlv(DER_TAGS.OCTET_STRING, value)))).toEqual(value);
      expect(derBitString(readDer(tlv(DER_TAGS.BIT_STRING, bytes(0), value)))).toEqual(value);
    }));
    rejects(() => derBitString(readDer(bytes(0x03, 0x00))));
    rejects(() => derBitString(readDer(bytes(0x03, 0x02, 0x01, 0xfe))));
  });

  it('reads NULL', () => {
    expect(() => derNull(readDer(bytes(0x05, 0x00)))).not.toThrow();
    rejects(() => derNull(readDer(bytes(0x05, 0x01, 0x00))));
  });

  it('round-trips UTCTime (1950–2049) and GeneralizedTime to the second', () => {
    const seconds = (min: string, max: string) =>
      fc.integer({ min: Date.parse(min) / 1000, max: Date.parse(max) / 1000 }).map((value) => value * 1000);
    fc.assert(fc.property(seconds('1950-01-01T00:00:00Z', '2049-12-31T23:59:59Z'), (ms) => {
      expect(derTime(readDer(time(ms, false)))).toBe(ms);
    }));
    fc.assert(fc.property(seconds('0001-01-01T00:00:00Z', '9999-12-31T23:59:59Z'), (ms) => {
      expect(derTime(readDer(time(ms, true)))).toBe(ms);
    }));
    expect(derTime(readDer(text(DER_TAGS.UTC_TIME, '491231235959Z')))).toBe(Date.parse('2049-12-31T23:59:59Z'));
    expect(derTime(readDer(text(DER_TAGS.UTC_TIME, '500101000000Z')))).toBe(Date.parse('1950-01-01T00:00:00Z'));
  });

  it.each([
    ['no seconds', DER_TAGS.UTC_TIME, '2001011200Z'],
    ['an offset', DER_TAGS.UTC_TIME, '200101120000+0100'],
    ['no Z', DER_TAGS.GENERALIZED_TIME, '20200101120000'],
    ['fractional seconds', DER_TAGS.GENERALIZED_TIME, '20200101120000.5Z'],
    ['month 13', DER_TAGS.UTC_TIME, '201301120000Z'],
    ['30 February', DER_TAGS.UTC_TIME, '200230120000Z'],
    ['29 February of a common year', DER_TAGS.GENERALIZED_TIME, '21000229120000Z'],
    ['hour 24', DER_TAGS.UTC_TIME, '200101240000Z'],
    ['a sign', DER_TAGS.UTC_TIME, '-00101120000Z'],
    ['another tag', DER_TAGS.PRINTABLE_STRING, '200101120000Z'],
  ])('rejects a time with %s', (_name, tag, value) => {
    rejects(() => derTime(readDer(text(tag, value))));
  });

  it('round-trips character strings', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (value) => {
      expect(derString(readDer(utf8(value)))).toBe(value);
    }));
    const printable = fc.stringMatching(/^[A-Za-z0-9 '()+,\-./:=?]{0,40}$/);
    fc.assert(fc.property(printable, (value) => {
      expect(derString(readDer(text(DER_TAGS.PRINTABLE_STRING, value)))).toBe(value);
      expect(derString(readDer(text(DER_TAGS.IA5_STRING, value)))).toBe(value);
    }));
    expect(derString(readDer(tlv(DER_TAGS.BMP_STRING, bytes(0x00, 0x41, 0x00, 0xe9))))).toBe('Aé');
    expect(derString(readDer(tlv(DER_TAGS.UNIVERSAL_STRING, bytes(0, 1, 0xf6, 0x00))))).toBe('\u{1f600}');
    expect(derString(readDer(tlv(DER_TAGS.TELETEX_STRING, bytes(0x41, 0xe9))))).toBe('Aé');
    expect(derString(readDer(text(DER_TAGS.NUMERIC_STRING, '12 34')))).toBe('12 34');
  });

  it.each([
    ['invalid UTF-8', tlv(DER_TAGS.UTF8_STRING, bytes(0xc3))],
    ['@ in a PrintableString', text(DER_TAGS.PRINTABLE_STRING, 'a@b')],
    ['a high byte in an IA5String', tlv(DER_TAGS.IA5_STRING, bytes(0x80))],
    ['a letter in a NumericString', text(DER_TAGS.NUMERIC_STRING, '1a')],
    ['an odd-length BMPString', tlv(DER_TAGS.BMP_STRING, bytes(0x00))],
    ['a surrogate in a BMPString', tlv(DER_TAGS.BMP_STRING, bytes(0xd8, 0x00))],
    ['a non-string tag', tlv(DER_TAGS.OCTET_STRING, bytes(0x41))],
  ])('rejects a string with %s', (_name, encoded) => {
    rejects(() => derString(readDer(encoded)));
  });
});

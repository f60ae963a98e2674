import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { base64url, base64urlByteLength, decodeBase64urlInto, isBase64url } from './base64url.ts';
import { isTesseraError } from './errors.ts';

const nodeBase64url = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');

function decodeError(text: string): unknown {
  try {
    base64url.decode(text);
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('base64url', () => {
  it('matches the RFC 4648 §10 test vectors, without padding', () => {
    const vectors: Array<[string, string]> = [
      ['', ''],
      ['f', 'Zg'],
      ['fo', 'Zm8'],
      ['foo', 'Zm9v'],
      ['foob', 'Zm9vYg'],
      ['fooba', 'Zm9vYmE'],
      ['foobar', 'Zm9vYmFy'],
    ];
    for (const [plain, encoded] of vectors) {
      const bytes = new TextEncoder().encode(plain);
      expect(base64url.encode(bytes)).toBe(encoded);
      expect(base64url.decode(encoded)).toEqual(bytes);
    }
  });

  it('uses - and _ where base64 uses + and /', () => {
    expect(base64url.encode(new Uint8Array([0xfb, 0xff, 0xbf]))).toBe('-_-_');
    expect(base64url.decode('-_-_')).toEqual(new Uint8Array([0xfb, 0xff, 0xbf]));
  });

  it('decode(encode(bytes)) is bytes, and encode agrees with Node for every byte array', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const text = base64url.encode(bytes);
        expect(text).toBe(nodeBase64url(bytes));
        expect(base64url.decode(text)).toEqual(bytes);
        expect(isBase64url(text)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('accepts exactly the canonical strings: anything decodable re-encodes to itself', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/= \n\t.é';
    const nearBase64 = fc.string({ unit: fc.constantFrom(...alphabet), maxLength: 40 });
    fc.assert(
      fc.property(fc.oneof(nearBase64, fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 20 })), (text) => {
        const error = decodeError(text);
        if (error === undefined) {
          expect(base64url.encode(base64url.decode(text))).toBe(text);
          expect(isBase64url(text)).toBe(true);
        } else {
          expect(isTesseraError(error, 'invalid_base64url')).toBe(true);
          expect(isBase64url(text)).toBe(false);
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('rejects every non-canonical spelling of valid bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.nat(), (bytes, pick) => {
        const canonical = base64url.encode(bytes);
        const standard = Buffer.from(bytes).toString('base64');
        const spoilt = [
          standard.includes('=') ? standard : `${canonical}=`, // padded
          `${canonical}==`,
          ` ${canonical}`,
          `${canonical}\n`,
          `${canonical.slice(0, 1)} ${canonical.slice(1)}`,
          canonical + 'A'.repeat((((1 - canonical.length) % 4) + 4) % 4 || 4), // a length of 1 mod 4
        ];
        if (/[+/]/.test(standard)) spoilt.push(standard.replace(/=+$/, '')); // + and / from standard base64
        // Non-canonical trailing bits: flip the lowest unused bit of the last character.
        const tail = canonical.length % 4;
        if (tail !== 0) {
          const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
          const last = alphabet.indexOf(canonical.at(-1)!);
          spoilt.push(canonical.slice(0, -1) + alphabet[last | 1]!);
        }
        const text = spoilt[pick % spoilt.length]!;
        expect(isTesseraError(decodeError(text), 'invalid_base64url')).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('names the rule that was broken, never the text', () => {
    const secret = 'c2VjcmV0LWNoYWxsZW5nZS12YWx1ZQ=';
    const error = decodeError(secret);
    expect(isTesseraError(error, 'invalid_base64url')).toBe(true);
    expect((error as Error).message).toMatch(/padding/);
    expect((error as Error).message).not.toContain('c2VjcmV0');
    expect((decodeError('ab+c') as Error).message).toMatch(/\+/);
    expect((decodeError('abcde') as Error).message).toMatch(/1 mod 4/);
    expect((decodeError('AB') as Error).message).toMatch(/trailing bits/);
  });

  it('encodes only Uint8Arrays (a Buffer is one), rejecting others with invalid_argument', () => {
    expect(base64url.encode(Buffer.from([1, 2, 3]))).toBe('AQID');
    for (const value of [undefined, null, 'AQID', [1, 2, 3], new ArrayBuffer(3), new Uint16Array(2)]) {
      let error: unknown;
      try {
        base64url.encode(value as unknown as Uint8Array);
      } catch (caught) {
        error = caught;
      }
      expect(isTesseraError(error, 'invalid_argument'), String(value)).toBe(true);
    }
  });

  it('rejects values that are not strings with a TesseraError, not a TypeError', () => {
    for (const value of [undefined, null, 42, {}, ['QQ'], new Uint8Array(2)]) {
      expect(isTesseraError(decodeError(value as unknown as string), 'invalid_base64url')).toBe(true);
    }
  });

  it('decodeBase64urlInto writes what decode returns at any offset, and nothing outside it', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(40), fc.nat(40), (bytes, before, after) => {
        const text = nodeBase64url(bytes);
        const target = new Uint8Array(before + bytes.length + after).fill(0xa5);
        expect(decodeBase64urlInto(text, target, before)).toBe(before + base64urlByteLength(text));
        expect(target.subarray(before, before + bytes.length)).toEqual(base64url.decode(text));
        expect([...target.subarray(0, before), ...target.subarray(before + bytes.length)].every((byte) => byte === 0xa5)).toBe(true);
      }),
    );
  });

  it('decodeBase64urlInto rejects what decode rejects, and a target without room, with TesseraErrors', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (text) => {
        const target = new Uint8Array(64);
        let error: unknown;
        try {
          decodeBase64urlInto(text, target, 0);
        } catch (caught) {
          error = caught;
        }
        expect(isTesseraError(error) ? error.code : undefined).toBe(isBase64url(text) ? undefined : 'invalid_base64url');
      }),
    );
    for (const offset of [-1, 0.5, 3]) {
      expect(() => decodeBase64urlInto('AQID', new Uint8Array(5), offset)).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    }
  });

  it('encodes inputs longer than one encoding chunk (6,144 bytes) like Node, at and around chunk edges', () => {
    for (const size of [6143, 6144, 6145, 12_288, 12_290, 100_001]) {
      const bytes = new Uint8Array(size).map((_, index) => (index * 131 + 7) & 255);
      const text = base64url.encode(bytes);
      expect(text).toBe(nodeBase64url(bytes));
      expect(base64url.decode(text)).toEqual(bytes);
    }
  });
});

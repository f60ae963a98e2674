import { createHash } from 'node:crypto';
import { sha256 } from '@noble/hashes/sha2.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SHA256_BYTES, sha256Into } from './_sha256.ts';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const nodeSha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

function digest(bytes: Uint8Array): string {
  const out = new Uint8Array(SHA256_BYTES);
  sha256Into(bytes, out, 0);
  return hex(out);
}

describe('sha256Into', () => {
  it('matches the FIPS 180-2 Appendix B examples', () => {
    const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);
    expect(digest(ascii('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(digest(ascii('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'))).toBe(
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    );
    expect(digest(new Uint8Array(1_000_000).fill(0x61))).toBe('cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0');
    expect(digest(new Uint8Array(0))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('agrees with node:crypto on every length from 0 to 1,100 bytes (every padding case, one to 18 blocks)', () => {
    for (let length = 0; length <= 1100; length++) {
      const bytes = new Uint8Array(length);
      for (let i = 0; i < length; i++) bytes[i] = (i * 131 + length * 7) & 255;
      expect(digest(bytes), `length ${length}`).toBe(nodeSha256(bytes));
    }
  });

  it('agrees with node:crypto and @noble/hashes on random inputs', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => {
        const expected = nodeSha256(bytes);
        expect(digest(bytes)).toBe(expected);
        expect(hex(sha256(bytes))).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('hashes exactly the view it is given and writes exactly 32 bytes at the offset', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.nat(40), fc.nat(40), fc.nat(20), (inner, before, after, offset) => {
        // The message as a view inside a larger buffer, whose bytes around it must not be read.
        const backing = new Uint8Array(before + inner.length + after).fill(0xa5);
        backing.set(inner, before);
        const view = backing.subarray(before, before + inner.length);
        const target = new Uint8Array(offset + SHA256_BYTES + 8).fill(0x5a);
        sha256Into(view, target, offset);
        expect(hex(target.subarray(offset, offset + SHA256_BYTES))).toBe(nodeSha256(inner));
        expect([...target.subarray(0, offset), ...target.subarray(offset + SHA256_BYTES)].every((byte) => byte === 0x5a)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('changes with any single flipped bit of the message', () => {
    const message = new TextEncoder().encode('{"type":"webauthn.get","challenge":"AAAA","origin":"https://example.com"}');
    const original = digest(message);
    for (let i = 0; i < message.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const altered = Uint8Array.from(message);
        altered[i]! ^= 1 << bit;
        expect(digest(altered)).not.toBe(original);
      }
    }
  });
});

describe('sha256Into: the shared scratch under hostile inputs', () => {
  const message = Uint8Array.from({ length: 200 }, (_, i) => (i * 37) & 255);

  it('hashes a Buffer, a subclass and a view at an offset like the plain bytes', () => {
    class Bytes extends Uint8Array {}
    const inside = new Uint8Array(message.length + 13);
    inside.set(message, 5);
    for (const bytes of [Buffer.from(message), Bytes.from(message), inside.subarray(5, 5 + message.length)]) {
      expect(digest(bytes)).toBe(nodeSha256(message));
    }
  });

  it('a subclass whose length or subarray hashes something else meanwhile cannot interleave two hashes', () => {
    // Re-entrancy through the only calls sha256Into makes on its input; each inner hash must be right too.
    const inner: string[] = [];
    const reenter = (): void => {
      inner.push(digest(Uint8Array.of(1, 2, 3)));
    };
    class ReenteringLength extends Uint8Array {
      override get length(): number {
        reenter();
        return super.length;
      }
    }
    class ReenteringSubarray extends Uint8Array {
      override subarray(begin?: number, end?: number): Uint8Array<ArrayBuffer> {
        reenter();
        return new Uint8Array(this.buffer as ArrayBuffer, this.byteOffset, this.byteLength).subarray(begin, end);
      }
    }
    for (const bytes of [ReenteringLength.from(message), ReenteringSubarray.from(message)]) {
      expect(digest(bytes)).toBe(nodeSha256(message));
    }
    for (const hash of inner) expect(hash).toBe(nodeSha256(Uint8Array.of(1, 2, 3)));
  });
});

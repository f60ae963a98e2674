import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readAuthenticationVectors } from '../test/vectors.ts';
import { freshBytes } from './_byteSlab.ts';
import { base64url } from './base64url.ts';
import { PublicKeyCache } from './publicKeyCache.ts';
import { verifyAuthenticationResponse } from './verifyAuthenticationResponse.ts';

describe('freshBytes', () => {
  it('hands out zeroed regions of the exact size that never overlap, even after they are written', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(3000), { minLength: 1, maxLength: 200 }), (sizes) => {
        const regions = sizes.map((size) => {
          const bytes = freshBytes(size);
          expect(bytes.length).toBe(size);
          expect(bytes.every((byte) => byte === 0)).toBe(true);
          bytes.fill(0xff);
          return bytes;
        });
        for (const [index, a] of regions.entries()) {
          for (const b of regions.slice(index + 1)) {
            if (a.buffer !== b.buffer || a.length === 0 || b.length === 0) continue;
            const apart = a.byteOffset + a.length <= b.byteOffset || b.byteOffset + b.length <= a.byteOffset;
            expect(apart).toBe(true);
          }
        }
      }),
    );
  });

  it('gives a large request a buffer of its own', () => {
    const large = freshBytes(5000);
    expect(large.byteOffset).toBe(0);
    expect(large.buffer.byteLength).toBe(5000);
  });
});

describe('verifyAuthenticationResponse over slab buffers', () => {
  it('verifies many interleaved sign-ins of different credentials, each against its own bytes', async () => {
    const vectors = readAuthenticationVectors();
    const keyCache = new PublicKeyCache();
    const runs = Array.from({ length: 200 }, (_, index) => {
      const vector = vectors[index % vectors.length]!;
      return verifyAuthenticationResponse({
        response: vector.response,
        expectedChallenge: vector.expectedChallenge,
        expectedOrigin: vector.expectedOrigin,
        expectedRpId: vector.expectedRpId,
        credential: { ...vector.credential, publicKey: base64url.decode(vector.credential.publicKey) },
        requireUserVerification: vector.requireUserVerification,
        keyCache,
      }).then((result) => [result.newSignCount, vector.expected.newSignCount]);
    });
    for (const [got, expected] of await Promise.all(runs)) expect(got).toBe(expected);
  });
});

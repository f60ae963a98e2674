import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { base64url } from './base64url.ts';
import { generateChallenge } from './challenge.ts';
import { isTesseraError } from './errors.ts';

const BASE64URL = /^[A-Za-z0-9_-]+$/;

describe('generateChallenge', () => {
  it('defaults to 32 bytes: 43 unpadded base64url characters', () => {
    const challenge = generateChallenge();
    expect(challenge).toHaveLength(43);
    expect(challenge).toMatch(BASE64URL);
    expect(base64url.decode(challenge)).toHaveLength(32);
  });

  it('draws every size from 16 to 64 bytes, canonically encoded', () => {
    fc.assert(
      fc.property(fc.integer({ min: 16, max: 64 }), (bytes) => {
        const challenge = generateChallenge({ bytes });
        expect(challenge).toHaveLength(Math.ceil((bytes * 4) / 3));
        expect(challenge).toMatch(BASE64URL);
        expect(base64url.decode(challenge)).toHaveLength(bytes);
      }),
    );
  });

  it('rejects sizes outside 16–64 and non-integers with invalid_argument', () => {
    for (const bytes of [0, 1, 15, 65, 1024, -32, 16.5, Number.NaN, Number.POSITIVE_INFINITY, '32' as unknown as number]) {
      let error: unknown;
      try {
        generateChallenge({ bytes });
      } catch (caught) {
        error = caught;
      }
      expect(isTesseraError(error, 'invalid_argument'), `bytes = ${String(bytes)}`).toBe(true);
    }
  });

  it('does not repeat over 100k draws, and uses every character of the alphabet', () => {
    const seen = new Set<string>();
    const characters = new Set<string>();
    for (let draw = 0; draw < 100_000; draw++) {
      const challenge = generateChallenge();
      seen.add(challenge);
      if (draw < 1000) for (const character of challenge) characters.add(character);
    }
    expect(seen.size).toBe(100_000);
    expect(characters.size).toBe(64);
  });

  it('spreads bits evenly: each bit position is set in about half of 20k draws', () => {
    const draws = 20_000;
    const ones = new Array<number>(256).fill(0);
    for (let draw = 0; draw < draws; draw++) {
      const bytes = base64url.decode(generateChallenge());
      for (let bit = 0; bit < 256; bit++) ones[bit]! += (bytes[bit >> 3]! >> (bit & 7)) & 1;
    }
    // Binomial(20000, 0.5) has a standard deviation of ~71; 6 sigma keeps this from ever flaking.
    for (const count of ones) expect(Math.abs(count - draws / 2)).toBeLessThan(430);
  });
});

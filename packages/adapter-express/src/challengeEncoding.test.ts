import { base64url, generateChallenge } from '@tessera/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeChallenge, normalizeChallenge } from './challengeEncoding.ts';

const challenge = fc.uint8Array({ minLength: 16, maxLength: 64 }).map((bytes) => base64url.encode(bytes));

describe('challenge encodings', () => {
  it("spells the seed document's example the way it shows it", () => {
    expect(encodeChallenge(base64url.encode(new TextEncoder().encode('test challenge')), 'base64')).toBe('dGVzdCBjaGFsbGVuZ2U=');
  });

  it('base64 is what atob and Buffer read back as the same bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 64 }), (bytes) => {
        const encoded = encodeChallenge(base64url.encode(bytes), 'base64');
        expect(encoded).toBe(Buffer.from(bytes).toString('base64'));
        expect(Uint8Array.from(atob(encoded), (c) => c.charCodeAt(0))).toEqual(bytes);
      }),
    );
  });

  it('reads back every spelling of an issued challenge as the same base64url', () => {
    fc.assert(
      fc.property(challenge, (issued) => {
        const base64 = encodeChallenge(issued, 'base64');
        for (const spelling of [issued, base64, base64.replace(/=+$/, '')]) expect(normalizeChallenge(spelling)).toBe(issued);
      }),
    );
    const fresh = generateChallenge();
    expect(normalizeChallenge(encodeChallenge(fresh, 'base64url'))).toBe(fresh);
  });

  it('refuses text that is not one canonical spelling of 16–64 bytes', () => {
    const ok = base64url.encode(new Uint8Array(32).fill(251)); // '-_' characters and one padding-free tail
    const standard = encodeChallenge(ok, 'base64');
    for (const text of [
      '',
      'not base64!',
      ok.replace('-', '+'), // mixed alphabets
      `${standard}=`, // too much padding
      standard.slice(0, -1) + '==', // padding that does not complete the quantum
      ok.slice(0, -1) + 'B', // non-zero trailing bits
      base64url.encode(new Uint8Array(15)), // too short
      base64url.encode(new Uint8Array(65)), // too long
      ` ${ok}`,
    ]) {
      expect(normalizeChallenge(text), text).toBeUndefined();
    }
  });

  it('never throws, whatever the text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.base64String(), fc.stringMatching(/^[A-Za-z0-9_=+/-]{0,100}$/)), (text) => {
        const normalized = normalizeChallenge(text);
        if (normalized !== undefined) expect(base64url.decode(normalized).length).toBeGreaterThanOrEqual(16);
      }),
    );
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryCredentialStore } from './credentialStore.ts';
import { isTesseraError } from './errors.ts';
import { MemoryChallengeStore } from './memoryChallengeStore.ts';
import { MAX_RELATED_ORIGINS, isValidRelatedOrigin, wellKnownWebauthnDocument } from './relatedOrigins.ts';
import { createRelyingParty } from './relyingParty.ts';

function relyingParty(relatedOrigins?: string[]) {
  return createRelyingParty({
    rpId: 'example.com',
    rpName: 'Example',
    origins: ['https://example.com'],
    challengeStore: new MemoryChallengeStore({ sweepIntervalMs: 0 }),
    credentialStore: new MemoryCredentialStore(),
    ...(relatedOrigins === undefined ? {} : { relatedOrigins }),
  });
}

function code(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    if (isTesseraError(error)) return error.code;
    throw error;
  }
}

describe('related origins (WebAuthn L3 §5.11)', () => {
  it('accepts https origins and http on localhost only', () => {
    for (const origin of ['https://example.co.uk', 'https://cars.example:8443', 'http://localhost:3000', 'http://app.localhost']) {
      expect(isValidRelatedOrigin(origin), origin).toBe(true);
    }
    for (const origin of [
      'http://example.co.uk',
      'https://example.co.uk/',
      'https://example.co.uk/path',
      'https://EXAMPLE.co.uk',
      'ftp://example.co.uk',
      'android:apk-key-hash:' + 'A'.repeat(43),
      'javascript:alert(1)',
      '',
    ]) {
      expect(isValidRelatedOrigin(origin), origin).toBe(false);
    }
  });

  it('builds { origins } for the well-known document, a fresh copy', () => {
    const origins = ['https://example.co.uk', 'https://examplecars.com'];
    const document = wellKnownWebauthnDocument(origins);
    expect(document).toStrictEqual({ origins });
    expect(document.origins).not.toBe(origins);
  });

  it('refuses an empty, repeated, too long or invalid list with invalid_argument', () => {
    expect(code(() => wellKnownWebauthnDocument([]))).toBe('invalid_argument');
    expect(code(() => wellKnownWebauthnDocument(['https://a.example', 'https://a.example']))).toBe('invalid_argument');
    expect(code(() => wellKnownWebauthnDocument(['http://a.example']))).toBe('invalid_argument');
    const many = Array.from({ length: MAX_RELATED_ORIGINS + 1 }, (_, index) => `https://site${index}.example`);
    expect(code(() => wellKnownWebauthnDocument(many))).toBe('invalid_argument');
    expect(code(() => wellKnownWebauthnDocument(many.slice(0, MAX_RELATED_ORIGINS)))).toBeUndefined();
  });

  it('answers any input with a document or invalid_argument', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.array(fc.oneof(fc.webUrl(), fc.string()), { maxLength: 5 })), (input) => {
        const result = code(() => wellKnownWebauthnDocument(input as never));
        expect([undefined, 'invalid_argument']).toContain(result);
      }),
      { numRuns: 200 },
    );
  });

  it('the relying party checks relatedOrigins (invalid_config), accepts them as origins and builds its document', () => {
    expect(code(() => relyingParty(['http://example.co.uk']))).toBe('invalid_config');
    expect(code(() => relyingParty(['android:apk-key-hash:' + 'A'.repeat(43)]))).toBe('invalid_config');
    expect(code(() => relyingParty(Array.from({ length: MAX_RELATED_ORIGINS + 1 }, (_, index) => `https://s${index}.example`)))).toBe('invalid_config');
    const rp = relyingParty(['https://example.co.uk']);
    expect(rp.origins).toEqual(['https://example.com', 'https://example.co.uk']);
    expect(rp.relatedOrigins).toEqual(['https://example.co.uk']);
    expect(rp.wellKnownWebauthn()).toStrictEqual({ origins: ['https://example.co.uk'] });
    expect(relyingParty().wellKnownWebauthn()).toBeUndefined();
    expect(relyingParty().relatedOrigins).toEqual([]);
  });
});

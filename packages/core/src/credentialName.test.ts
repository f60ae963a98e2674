import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { credentialNameSchema, normalizeCredentialName } from './credentialName.ts';
import { isTesseraError } from './errors.ts';

describe('normalizeCredentialName', () => {
  it('trims and composes to NFC, so the same name typed two ways is one name', () => {
    expect(normalizeCredentialName('  Cafe\u0301\t')).toBe('Café');
    expect(normalizeCredentialName('Caf\u00e9')).toBe('Café');
    expect(normalizeCredentialName('🔑'.repeat(64))).toBe('🔑'.repeat(64));
  });

  it('refuses empty, over-long and unprintable names with invalid_argument', () => {
    for (const bad of ['', ' \n ', 'x'.repeat(65), '🔑'.repeat(65), 'a\u0007b', 'a\u0085b', 'a\ud800b', 42, null]) {
      let error: unknown;
      try {
        normalizeCredentialName(bad as string);
      } catch (caught) {
        error = caught;
      }
      expect(isTesseraError(error, 'invalid_argument'), String(bad)).toBe(true);
    }
  });

  it('ATTACK: refuses bidi overrides and isolates (a label that reads backwards) and names with nothing visible', () => {
    const spoofs = ['\u202Egnp.exe', 'Work\u202Dlaptop', 'a\u2066b', 'a\u2069', '\u200B', '\u200B\u200D\u2060', '\u3164', '\u115F\u1160', '\u034F', '\uFE0F'];
    for (const bad of spoofs) {
      let error: unknown;
      try {
        normalizeCredentialName(bad);
      } catch (caught) {
        error = caught;
      }
      expect(isTesseraError(error, 'invalid_argument'), JSON.stringify(bad)).toBe(true);
    }
    // Joiners and marks inside a visible name stay: emoji sequences, Hebrew with a direction mark.
    expect(normalizeCredentialName('👩\u200D💻 laptop')).toBe('👩\u200D💻 laptop');
    expect(normalizeCredentialName('מפתח\u200F 2')).toBe('מפתח\u200F 2');
  });

  it('returns, for any string, a name the record schema accepts and that normalises to itself, or a TesseraError', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 80 }), (input) => {
        let name: string;
        try {
          name = normalizeCredentialName(input);
        } catch (error) {
          expect(isTesseraError(error, 'invalid_argument')).toBe(true);
          return;
        }
        expect(credentialNameSchema.safeParse(name).success).toBe(true);
        expect(normalizeCredentialName(name)).toBe(name);
      }),
    );
  });
});

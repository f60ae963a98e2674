import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChallengeRecordPacker } from './_challengeRecordPacker.ts';
import { base64url } from './base64url.ts';
import { challengeRecordSchema, type AuthenticationChallengeRecord, type ChallengeRecord } from './challengeStore.ts';
import { isTesseraError } from './errors.ts';
import { sampleRegistrationRecord } from './testing/index.ts';

const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max }).map((value) => base64url.encode(value));
/** Any text at all, base64url-looking or not, canonical or not, with characters beyond Latin-1 too. */
const anyText = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }), fc.stringMatching(/^[A-Za-z0-9_-]{0,90}$/), bytes(0, 70));

const authenticationRecord: fc.Arbitrary<AuthenticationChallengeRecord> = fc
  .record(
    {
      ceremony: fc.constant('authentication' as const),
      challenge: fc.oneof(bytes(16, 64), anyText),
      rpId: fc.oneof(fc.constantFrom('example.com', 'login.example.co.uk'), anyText),
      userId: fc.oneof(bytes(1, 64), anyText),
      allowCredentialIds: fc.array(fc.oneof(bytes(16, 300), anyText), { maxLength: 6 }),
      userVerification: fc.constantFrom('required', 'preferred', 'discouraged'),
      hints: fc.array(fc.constantFrom('security-key', 'client-device', 'hybrid'), { maxLength: 3 }),
      extensions: fc.oneof(
        fc.record({ appid: fc.webUrl() }, { requiredKeys: [] }),
        fc.record({ largeBlob: fc.record({ read: fc.boolean() }), other: fc.jsonValue() }, { requiredKeys: [] }),
      ),
      expiresAt: fc.oneof(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.double()),
    },
    { requiredKeys: ['ceremony', 'challenge', 'rpId', 'allowCredentialIds', 'userVerification', 'hints', 'expiresAt'] },
  )
  .map((record) => JSON.parse(JSON.stringify(record, (_key, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? 0 : value))) as AuthenticationChallengeRecord);

describe('ChallengeRecordPacker', () => {
  it('gives back a record equal to the one packed, with the expiry and chunk, for any record and key', () => {
    const packer = new ChallengeRecordPacker();
    fc.assert(
      fc.property(
        authenticationRecord,
        fc.nat(64),
        fc.oneof(fc.double({ noNaN: true }), fc.integer()),
        fc.nat(0xffff_ffff),
        fc.boolean(),
        (record, prefix, storeExpiresAt, chunk, sameExpiry) => {
          const saved = sameExpiry ? { ...record, expiresAt: storeExpiresAt } : record;
          const key = saved.challenge.slice(0, prefix) || 'k';
          const packed = packer.pack(key, saved, storeExpiresAt, chunk);
          expect(packer.unpack(key, packed)).toStrictEqual(saved);
          expect(packer.storeExpiresAt(packed)).toBe(storeExpiresAt);
          expect(packer.chunk(packed)).toBe(chunk);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('packs registration records and records with unknown members as JSON, equal when read back', () => {
    const packer = new ChallengeRecordPacker();
    const records: ChallengeRecord[] = [
      sampleRegistrationRecord(5),
      { ...sampleRegistrationRecord(6), extensions: { credProps: true, prf: { eval: { first: 'AAAA' } } } },
      { ...(sampleRegistrationRecord(7) as object), extra: [1, 'two', { three: null }] } as unknown as ChallengeRecord,
      { ceremony: 'authentication', challenge: 'x', rpId: 'r', allowCredentialIds: [], userVerification: 'maybe', hints: [], expiresAt: 1 } as unknown as ChallengeRecord,
    ];
    for (const record of records) {
      const packed = packer.pack('key', record, 123, 7);
      expect(packer.unpack('key', packed)).toStrictEqual(record);
      expect(packer.storeExpiresAt(packed)).toBe(123);
      expect(packer.chunk(packed)).toBe(7);
    }
  });

  it('keeps a relying party’s authentication record in a small one-byte string', () => {
    const packer = new ChallengeRecordPacker();
    const challenge = base64url.encode(new Uint8Array(32).fill(7));
    const record: AuthenticationChallengeRecord = {
      ceremony: 'authentication',
      challenge,
      rpId: 'example.com',
      userId: base64url.encode(new TextEncoder().encode('6f1c2a8e-5b0d-4c3e-9f7a-1d2b3c4d5e6f')),
      allowCredentialIds: [base64url.encode(new Uint8Array(20)), base64url.encode(new Uint8Array(32)), base64url.encode(new Uint8Array(64))],
      userVerification: 'required',
      hints: [],
      expiresAt: 1_900_000_000_000,
    };
    expect(challengeRecordSchema.safeParse(record).success).toBe(true);
    const packed = packer.pack(challenge.slice(0, 32), record, record.expiresAt, 1);
    expect(packed).not.toMatch(/[^\x00-\xff]/); // one byte a character in V8
    // 13 header + 3 flags/enums + 12 rpId + 9 challenge after the ticket + 37 user + 1 + 2+2+3 + 116 id bytes
    expect(packed.length).toBeLessThanOrEqual(200);
    expect(packer.unpack(challenge.slice(0, 32), packed)).toStrictEqual(record);
  });

  it('refuses a record that is not a JSON object with invalid_argument', () => {
    const packer = new ChallengeRecordPacker();
    const cyclic: Record<string, unknown> = { ceremony: 'registration' };
    cyclic['self'] = cyclic;
    for (const record of [null, undefined, 5, 'record', [], { ceremony: 'registration', big: 1n }, cyclic]) {
      let error: unknown;
      try {
        packer.pack('key', record as never, 1, 1);
      } catch (caught) {
        error = caught;
      }
      expect(isTesseraError(error, 'invalid_argument'), String(record)).toBe(true);
    }
  });
});

import { PGlite } from '@electric-sql/pglite';
import { base64url, isTesseraError, type CredentialRecord } from '@tessera/core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeCredentialRow, decodeDescriptorRow } from './_credentialRow.ts';
import { migrate } from './migrate.ts';
import { PostgresCredentialStore } from './postgresCredentialStore.ts';

const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max }).map((array) => new Uint8Array(array));
const epochMs = fc.integer({ min: 0, max: 8_640_000_000_000_000 });
const transport = fc.constantFrom('ble', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb' as const);

/** Any valid credential record: every optional member present or not, values across their whole ranges. */
const recordArbitrary: fc.Arbitrary<CredentialRecord> = fc
  .record(
    {
      id: bytes(1, 1023).map(base64url.encode),
      userId: bytes(1, 64).map(base64url.encode),
      publicKey: bytes(1, 600),
      signCount: fc.integer({ min: 0, max: 0xffff_ffff }),
      transports: fc.uniqueArray(transport),
      backupEligible: fc.boolean(),
      backupState: fc.boolean(),
      uvInitialized: fc.boolean(),
      aaguid: fc.uuid().map((uuid) => uuid.toLowerCase()),
      fmt: fc.constantFrom('none', 'packed', 'tpm', 'android-key', 'apple', 'fido-u2f'),
      attestationObject: bytes(0, 3000),
      attestationClientDataJSON: bytes(0, 500),
      createdAt: epochMs,
      lastUsedAt: fc.option(epochMs, { nil: null }),
      name: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }).map((name) => name.trim().normalize('NFC')).filter((name) => /^[^\p{Cc}]{1,64}$/u.test(name) && [...name].length <= 64),
    },
    { requiredKeys: ['id', 'userId', 'publicKey', 'signCount', 'transports', 'backupEligible', 'backupState', 'uvInitialized', 'aaguid', 'fmt', 'createdAt', 'lastUsedAt'] },
  )
  .map((record) => record as CredentialRecord);

let db: PGlite;

beforeAll(async () => {
  db = await PGlite.create();
  await migrate(db);
}, 60_000);

afterAll(async () => {
  await db?.close();
});

describe('credential rows', () => {
  it('round-trip any valid record through PGlite exactly, bytes and optional members included', async () => {
    const store = new PostgresCredentialStore({ db });
    await fc.assert(
      fc.asyncProperty(recordArbitrary, async (record) => {
        await db.query('TRUNCATE tessera_credentials');
        await store.create(record);
        const read = await store.get(record.id);
        expect(read).toEqual(record);
        expect(Object.keys(read!).sort()).toEqual(Object.keys(record).sort());
        expect(await store.listByUser(record.userId)).toEqual([{ id: record.id, transports: record.transports }]);
      }),
      { numRuns: 40 },
    );
  }, 60_000);

  it('turn any row into a record or corrupt_store_record, never another error', () => {
    const value = fc.oneof(fc.anything(), fc.uint8Array(), fc.bigInt(), fc.string(), fc.constant(null));
    fc.assert(
      fc.property(fc.oneof(value, fc.dictionary(fc.constantFrom('id', 'user_id', 'public_key', 'sign_count', 'transports', 'name', 'aaguid'), value)), (row) => {
        for (const decode of [decodeCredentialRow, decodeDescriptorRow]) {
          try {
            decode(row);
          } catch (error) {
            expect(isTesseraError(error, 'corrupt_store_record')).toBe(true);
          }
        }
      }),
    );
  });

  it("accept pg's shapes too: bigint as a string, bytea as a Buffer, and return plain Uint8Arrays", () => {
    const row = {
      id: 'AQID', user_id: 'dXNlcg', public_key: Buffer.from([0xa5, 1]), sign_count: '4294967295', transports: ['usb'],
      backup_eligible: false, backup_state: false, uv_initialized: true, aaguid: '00000000-0000-0000-0000-000000000000', fmt: 'none',
      attestation_object: null, attestation_client_data_json: Buffer.from('{}'), created_at_ms: '8640000000000000', last_used_at_ms: null, name: null,
    };
    const record = decodeCredentialRow(row);
    expect(record).toMatchObject({ signCount: 4_294_967_295, createdAt: 8_640_000_000_000_000, lastUsedAt: null });
    expect(record.publicKey).not.toBeInstanceOf(Buffer);
    expect(record.attestationClientDataJSON).toEqual(new Uint8Array([0x7b, 0x7d]));
    expect('attestationObject' in record || 'name' in record).toBe(false);
    expect(() => decodeCredentialRow({ ...row, sign_count: '4294967296' })).toThrow(/not one this library wrote/);
    expect(() => decodeCredentialRow({ ...row, created_at_ms: '99999999999999999' })).toThrow(/not one this library wrote/);
  });
});

import { credentialStoreConformance, sampleCredentialRecord } from '@tessera/core/testing';
import { describe, expect, it } from 'vitest';
import { codeOf, useBothDatabases, type TestDatabase } from '../test/databases.ts';
import { PostgresCredentialStore } from './postgresCredentialStore.ts';

const databases = useBothDatabases();

for (const kind of ['PGlite', 'PostgreSQL server'] as const) {
  describe(`PostgresCredentialStore conformance, on ${kind}`, () => {
    for (const { name, run } of credentialStoreConformance({
      createStore: async () => {
        await databases[kind].reset();
        return new PostgresCredentialStore({ db: databases[kind].db });
      },
    })) {
      it(name, run, 30_000);
    }
  });

  describe(`PostgresCredentialStore on ${kind}`, () => {
    it('keeps keys and attestation bytes as bytea, counters and times as numbers, and finds nothing for ids it could never hold', async () => {
      const { db, reset } = databases[kind];
      await reset();
      const store = new PostgresCredentialStore({ db });
      const record = sampleCredentialRecord(1, true);
      await store.create(record);
      const { rows } = await db.query(
        "SELECT pg_typeof(public_key)::text AS key_type, octet_length(public_key) AS key_length, octet_length(attestation_object) AS att_length, sign_count::text AS sign_count FROM tessera_credentials",
      );
      expect(rows).toEqual([{ key_type: 'bytea', key_length: record.publicKey.length, att_length: record.attestationObject!.length, sign_count: String(record.signCount) }]);
      for (const id of ["' OR 1=1 --", 'a\u0000b', '', 'x'.repeat(5000)]) {
        expect(await store.get(id)).toBeUndefined();
        expect(await store.delete(id, record.userId)).toBe(false);
      }
      expect(await store.listByUser("' OR ''='")).toEqual([]);
    });

    it('refuses rows it did not write with corrupt_store_record', async () => {
      const { db, reset } = databases[kind];
      const store = new PostgresCredentialStore({ db });
      const corruptions: Array<[string, string]> = [
        ['a transport outside §5.8.4', "UPDATE tessera_credentials SET transports = ARRAY['teleport']"],
        ['a counter over 32 bits', 'ALTER TABLE tessera_credentials DROP CONSTRAINT tessera_credentials_sign_count_check'],
        ['a malformed user handle', "UPDATE tessera_credentials SET user_id = 'not base64!'"],
        ['an untrimmed name', "UPDATE tessera_credentials SET name = ' spaced '"],
        ['an empty format', "UPDATE tessera_credentials SET fmt = ''"],
      ];
      for (const [what, corruption] of corruptions) {
        await reset();
        const record = sampleCredentialRecord(2);
        await store.create(record);
        await db.query(corruption);
        if (what === 'a counter over 32 bits') await db.query('UPDATE tessera_credentials SET sign_count = 4294967296');
        expect(await codeOf(store.get(record.id)), what).toBe('corrupt_store_record');
        if (what !== 'a malformed user handle') expect(await codeOf(store.listRecordsByUser(record.userId)), what).toBe('corrupt_store_record');
      }
      await reset();
      await store.create(sampleCredentialRecord(3));
      await db.query("UPDATE tessera_credentials SET transports = ARRAY['teleport']");
      expect(await codeOf(store.listByUser(sampleCredentialRecord(3).userId))).toBe('corrupt_store_record');
      await migrateBack(db);
    });

    it('refuses options that cannot work', () => {
      for (const options of [{}, { db: {} }, { db: databases[kind].db, queryTimeoutMs: 0 }, { db: databases[kind].db, table: 'x' }]) {
        expect(() => new PostgresCredentialStore(options as never)).toThrow(/Invalid PostgresCredentialStore options/);
      }
    });
  });
}

/** Puts back the counter check a corruption case dropped. */
async function migrateBack(db: TestDatabase['db']): Promise<void> {
  await db.query('TRUNCATE tessera_credentials');
  await db.query('ALTER TABLE tessera_credentials ADD CONSTRAINT tessera_credentials_sign_count_check CHECK (sign_count BETWEEN 0 AND 4294967295)');
}

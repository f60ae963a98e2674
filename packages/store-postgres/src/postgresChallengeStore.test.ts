import { challengeStoreConformance, sampleChallengeRecord } from '@tessera/core/testing';
import { describe, expect, it } from 'vitest';
import { codeOf, useBothDatabases, type TestDatabase } from '../test/databases.ts';
import { PostgresChallengeStore } from './postgresChallengeStore.ts';

const databases = useBothDatabases();

const count = async (database: TestDatabase): Promise<number> =>
  Number(((await database.db.query('SELECT count(*)::int AS n FROM tessera_challenges')).rows[0] as { n: number }).n);

for (const kind of ['PGlite', 'PostgreSQL server'] as const) {
  describe(`PostgresChallengeStore conformance, on ${kind}`, () => {
    for (const { name, run } of challengeStoreConformance({
      createStore: async () => {
        await databases[kind].reset();
        return new PostgresChallengeStore({ db: databases[kind].db });
      },
      expiryTtlMs: 100,
    })) {
      it(name, run, 30_000);
    }
  });

  describe(`PostgresChallengeStore on ${kind}`, () => {
    it("judges expiry by the database's clock, not the server's", async () => {
      const database = databases[kind];
      await database.reset();
      const store = new PostgresChallengeStore({ db: database.db });
      await store.save('moved', sampleChallengeRecord(1), 60_000);
      // The record's expiry as the database sees it is now in the past; no JavaScript clock is involved.
      await database.db.query("UPDATE tessera_challenges SET expires_at = statement_timestamp() - interval '1 millisecond'");
      expect(await store.consume('moved')).toBeUndefined();
      expect(await count(database)).toBe(0);
      await store.save('later', sampleChallengeRecord(2), 60_000);
      await database.db.query("UPDATE tessera_challenges SET expires_at = statement_timestamp() + interval '1 hour'");
      expect(await store.consume('later')).toEqual(sampleChallengeRecord(2));
    });

    it('purges expired rows a bounded batch at a time as saves go by, and never a live one', async () => {
      const database = databases[kind];
      await database.reset();
      const store = new PostgresChallengeStore({ db: database.db, purgeEvery: 5, purgeLimit: 10 });
      await database.db.query(
        "INSERT INTO tessera_challenges (key, record, expires_at) SELECT 'old-' || n, '{}', statement_timestamp() - n * interval '1 second' FROM generate_series(1, 25) AS n",
      );
      for (let index = 0; index < 4; index++) await store.save(`live-${index}`, sampleChallengeRecord(index), 60_000);
      expect(await count(database)).toBe(29); // no purge yet
      await store.save('live-4', sampleChallengeRecord(4), 60_000); // the 5th save purges 10
      expect(await count(database)).toBe(20);
      expect(await store.purgeExpired(100)).toBe(15);
      expect(await store.purgeExpired()).toBe(0);
      expect(await count(database)).toBe(5);
      for (let index = 0; index < 5; index++) expect(await store.consume(`live-${index}`)).toEqual(sampleChallengeRecord(index));
      expect(await codeOf(store.purgeExpired(0))).toBe('invalid_argument');
    });

    it('rejects rows it did not write with corrupt_store_record, and removes them', async () => {
      const database = databases[kind];
      await database.reset();
      const store = new PostgresChallengeStore({ db: database.db });
      const values = ['not json', '{"ceremony":"authentication"}', '42', 'null', JSON.stringify({ ...sampleChallengeRecord(1), challenge: 'x' })];
      for (const [index, value] of values.entries()) {
        await database.db.query("INSERT INTO tessera_challenges (key, record, expires_at) VALUES ($1, $2, statement_timestamp() + interval '1 hour')", [`bad-${index}`, value]);
        expect(await codeOf(store.consume(`bad-${index}`)), value).toBe('corrupt_store_record');
      }
      expect(await count(database)).toBe(0);
    });

    it('treats keys with quotes, spaces or line breaks as plain keys; refuses NUL on save and finds nothing for it', async () => {
      const database = databases[kind];
      await database.reset();
      const store = new PostgresChallengeStore({ db: database.db });
      for (const key of ["'; DROP TABLE tessera_challenges; --", 'line\r\nbreak', 'ünïcødé', '%_*']) {
        await store.save(key, sampleChallengeRecord(9), 60_000);
        expect(await store.consume('%')).toBeUndefined();
        expect(await store.consume(key)).toEqual(sampleChallengeRecord(9));
      }
      expect(await codeOf(store.save('nul\0byte', sampleChallengeRecord(9), 60_000))).toBe('invalid_argument');
      expect(await store.consume('nul\0byte')).toBeUndefined();
    });

    it('refuses options that cannot work', () => {
      const { db } = databases[kind];
      for (const options of [{}, { db: 'postgres://x' }, { db, queryTimeoutMs: 1.5 }, { db, purgeLimit: 0 }, { db, purgeEvery: -1 }]) {
        expect(() => new PostgresChallengeStore(options as never)).toThrow(/Invalid PostgresChallengeStore options/);
      }
    });
  });
}

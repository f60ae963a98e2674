/*
 * A real PostgreSQL server stopped in the middle of a run: every store call fails fast with
 * store_unavailable (never a hang, a crash or an unhandled rejection), everything works again once it is
 * back, and nothing that was used before the outage can be used again after it.
 */
import { sampleChallengeRecord, sampleCredentialRecord } from '@tessera/core/testing';
import { describe, expect, it } from 'vitest';
import { migrate } from '../src/migrate.ts';
import { PostgresChallengeStore } from '../src/postgresChallengeStore.ts';
import { PostgresCredentialStore } from '../src/postgresCredentialStore.ts';
import { codeOf, serverPool } from './databases.ts';
import { startPostgresServer } from './postgresServer.ts';

describe('Postgres stores when the server goes away', () => {
  it('fail with store_unavailable within the timeout, leave no unhandled rejection, recover, and accept no replay', async () => {
    const server = await startPostgresServer();
    const pool = await serverPool(server.url, 4);
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      await migrate(pool);
      const challenges = new PostgresChallengeStore({ db: pool, queryTimeoutMs: 500 });
      const credentials = new PostgresCredentialStore({ db: pool, queryTimeoutMs: 500 });
      const record = { ...sampleCredentialRecord(1), signCount: 10 };
      await credentials.create(record);
      await challenges.save('used', sampleChallengeRecord(1), 60_000);
      expect(await challenges.consume('used')).toEqual(sampleChallengeRecord(1)); // a finished ceremony
      await challenges.save('pending', sampleChallengeRecord(2), 60_000); // a ceremony in flight
      const signIn = { expectedSignCount: 10, signCount: 11, backupState: false, backupEligible: false, uvInitialized: true, lastUsedAt: 1_800_000_000_000 };

      await server.kill();
      const attempts: Array<[string, () => Promise<unknown>]> = [
        ['save', () => challenges.save('during', sampleChallengeRecord(3), 60_000)],
        ['consume', () => challenges.consume('used')],
        ['get', () => credentials.get(record.id)],
        ['listByUser', () => credentials.listByUser(record.userId)],
        ['create', () => credentials.create(sampleCredentialRecord(2))],
        ['updateAfterAuthentication', () => credentials.updateAfterAuthentication(record.id, signIn)],
      ];
      for (const [what, attempt] of attempts) {
        const started = Date.now();
        expect(await codeOf(attempt()), what).toBe('store_unavailable');
        // Documented bound: the 500 ms query timeout, plus slack for a busy test machine.
        expect(Date.now() - started, what).toBeLessThan(2_000);
      }

      await server.restart();
      await expect.poll(() => credentials.get(record.id).then((found) => found?.signCount, () => 'down'), { timeout: 10_000, interval: 200 }).toBe(10);
      // The ceremony finished before the outage stays finished: its ticket is never accepted again.
      expect(await challenges.consume('used')).toBeUndefined();
      // The one in flight survived (PostgreSQL is durable) and is accepted exactly once.
      expect(await challenges.consume('pending')).toEqual(sampleChallengeRecord(2));
      expect(await challenges.consume('pending')).toBeUndefined();
      // The sign-in that failed during the outage can be stored now, once; replaying it is refused.
      expect(await credentials.updateAfterAuthentication(record.id, signIn)).toBe(true);
      expect(await codeOf(credentials.updateAfterAuthentication(record.id, signIn))).toBe('sign_count_regression');
      expect((await credentials.get(record.id))?.signCount).toBe(11);
      await challenges.save('after', sampleChallengeRecord(4), 60_000);
      expect(await challenges.consume('after')).toEqual(sampleChallengeRecord(4));
      await new Promise((resolve) => setTimeout(resolve, 500)); // let late answers of timed-out statements arrive
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      await pool.end();
      await server.stop();
    }
  }, 60_000);
});

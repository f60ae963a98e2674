/*
 * Two relying parties ("two servers") over one database: each has its own stores and, on the real server,
 * its own connection pool, as two processes behind a load balancer would. Whatever one does, the other
 * sees; a ceremony or a counter is spent once, whichever server the browser reaches. On PGlite (one process,
 * one connection) the two relying parties share the instance.
 */
import { PGlite } from '@electric-sql/pglite';
import { createRelyingParty, isTesseraError, type RelyingParty } from '@tessera/core';
import { SoftwareAuthenticator } from '@tessera/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../src/migrate.ts';
import { PostgresChallengeStore } from '../src/postgresChallengeStore.ts';
import { PostgresCredentialStore } from '../src/postgresCredentialStore.ts';
import type { SqlClient } from '../src/sqlClient.ts';
import { serverPool } from './databases.ts';
import { startPostgresServer, type PostgresServer } from './postgresServer.ts';

const ORIGIN = 'https://example.com';
const USER = { id: 'dXNlci0wMDAx', name: 'user@example.com', displayName: 'User' };

/** A relying party over `db`, as one server would create it at start-up. */
function relyingPartyOver(db: SqlClient): RelyingParty {
  return createRelyingParty({
    rpId: 'example.com',
    rpName: 'Example',
    origins: [ORIGIN],
    challengeStore: new PostgresChallengeStore({ db }),
    credentialStore: new PostgresCredentialStore({ db }),
  });
}

/** The error code a promise rejects with, or `'ok'`. */
function outcomeOf(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'ok',
    (error: unknown) => {
      if (isTesseraError(error)) return error.code;
      throw error;
    },
  );
}

interface Deployment {
  a: RelyingParty;
  b: RelyingParty;
  close(): Promise<void>;
}

let server: PostgresServer | undefined;

beforeAll(async () => {
  server = await startPostgresServer();
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

const deployments: Array<[string, () => Promise<Deployment>]> = [
  [
    'PGlite',
    async () => {
      const db = await PGlite.create();
      await migrate(db);
      return { a: relyingPartyOver(db), b: relyingPartyOver(db), close: () => db.close() };
    },
  ],
  [
    'a PostgreSQL server',
    async () => {
      const [poolA, poolB] = await Promise.all([serverPool(server!.url, 10), serverPool(server!.url, 10)]);
      // Both servers run migrate at start-up, at the same time: it must be safe.
      await Promise.all([migrate(poolA), migrate(poolB)]);
      await poolA.query('TRUNCATE tessera_credentials, tessera_challenges');
      return { a: relyingPartyOver(poolA), b: relyingPartyOver(poolB), close: async () => void (await Promise.all([poolA.end(), poolB.end()])) };
    },
  ],
];

describe.each(deployments)('two relying parties sharing %s', (_, deploy) => {
  it('register on one, sign in on the other; a replayed counter is refused on either; a ticket is finished once', async () => {
    const { a, b, close } = await deploy();
    try {
      // Registered through server A…
      const authenticator = new SoftwareAuthenticator();
      const registration = await a.startRegistration({ user: USER });
      const { credential } = await a.finishRegistration({ ticket: registration.ticket, response: await authenticator.register(registration.options, ORIGIN) });
      // …known to server B: its options list the credential, and it signs in there.
      const signIn = await b.startAuthentication({ userId: USER.id });
      expect(signIn.options.allowCredentials?.map(({ id }) => id)).toEqual([credential.id]);
      const result = await b.finishAuthentication({ ticket: signIn.ticket, response: await authenticator.authenticate(signIn.options, ORIGIN) });
      expect(result).toMatchObject({ userId: USER.id, newSignCount: 2 });
      expect((await a.credentialStore.get(credential.id))?.signCount).toBe(2);
      // Excluded on both servers at the next registration.
      expect((await b.startRegistration({ user: USER })).options.excludeCredentials?.map(({ id }) => id)).toEqual([credential.id]);

      // A replayed counter (a cloned authenticator, §6.1.1) is refused whichever server it reaches.
      for (const rp of [a, b]) {
        const again = await rp.startAuthentication({ userId: USER.id });
        const replayed = await authenticator.getAssertion({ rpId: 'example.com', challenge: again.options.challenge, origin: ORIGIN, signCount: 2 });
        expect(await outcomeOf(rp.finishAuthentication({ ticket: again.ticket, response: replayed }))).toBe('sign_count_regression');
      }

      // A ticket issued by A, finished on B and A at the same time: exactly once.
      const started = await a.startAuthentication({ userId: USER.id });
      const response = await authenticator.authenticate(started.options, ORIGIN);
      const outcomes = await Promise.all([b, a, b].map((rp) => outcomeOf(rp.finishAuthentication({ ticket: started.ticket, response }))));
      expect(outcomes.sort()).toEqual(['ok', 'ticket_not_found', 'ticket_not_found']);
      expect((await b.credentialStore.get(credential.id))?.signCount).toBe(3);
    } finally {
      await close();
    }
  });

  it('of 50 concurrent sign-ins with one counter, spread over both servers, exactly one succeeds', async () => {
    const { a, b, close } = await deploy();
    try {
      const authenticator = new SoftwareAuthenticator();
      const registration = await a.startRegistration({ user: USER });
      const { credential } = await a.finishRegistration({ ticket: registration.ticket, response: await authenticator.register(registration.options, ORIGIN) });
      const servers = Array.from({ length: 50 }, (_unused, index) => (index % 2 === 0 ? a : b));
      const signIns = await Promise.all(servers.map((rp) => rp.startAuthentication({ userId: USER.id })));
      const answers = await Promise.all(
        signIns.map(({ options }) => authenticator.getAssertion({ rpId: 'example.com', challenge: options.challenge, origin: ORIGIN, signCount: 7 })),
      );
      const outcomes = await Promise.all(servers.map((rp, index) => outcomeOf(rp.finishAuthentication({ ticket: signIns[index]!.ticket, response: answers[index] }))));
      expect(outcomes.filter((outcome) => outcome === 'ok')).toHaveLength(1);
      expect(outcomes.filter((outcome) => outcome === 'sign_count_regression')).toHaveLength(49);
      expect((await b.credentialStore.get(credential.id))?.signCount).toBe(7);
    } finally {
      await close();
    }
  });
});

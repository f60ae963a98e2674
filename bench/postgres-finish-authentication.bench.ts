/*
 * Measures a full sign-in finish on the Postgres stores, against the same SQL issued raw:
 *   - Tessera: `finishAuthentication({ ticket, response })` on a relying party over PostgresChallengeStore and
 *     PostgresCredentialStore: consume the ceremony (DELETE … RETURNING), read the credential (SELECT), verify
 *     the ES256 assertion, store the counter with the compare-and-set (UPDATE … WHERE sign_count = …);
 *   - raw: the same three statements through the same client, with nothing parsed, validated or verified.
 * Target: Tessera at least 0.8× the raw statements.
 *
 * On PGlite (in process) and on a real PostgreSQL server on 127.0.0.1 (a throwaway cluster started like the
 * tests start it, through a pg Pool). Ceremonies and assertions are prepared before each timed batch (signing
 * is the authenticator's work, not the server's), one finish at a time, in interleaved rounds; the median
 * round is reported, and the ratio is the median of per-round ratios.
 */
import { PGlite } from '@electric-sql/pglite';
import { createRelyingParty, type RelyingParty } from '@tessera/core';
import { sampleChallengeRecord, SoftwareAuthenticator } from '@tessera/core/testing';
import { migrate, PostgresChallengeStore, PostgresCredentialStore, type SqlClient } from '@tessera/store-postgres';
import pg from 'pg';
import { startPostgresServer } from '../packages/store-postgres/test/postgresServer.ts';
import { printAligned, printHeader, printRatioValue } from './_report.ts';

const ORIGIN = 'https://example.com';
const USER = { id: 'YmVuY2gtdXNlcg', name: 'bench@example.com', displayName: 'Bench' };
const BATCH = 200;
const ROUNDS = 7;

// The statements PostgresChallengeStore.consume, PostgresCredentialStore.get and
// PostgresCredentialStore.updateAfterAuthentication issue, word for word.
const CONSUME = `DELETE FROM tessera_challenges WHERE key = $1
  RETURNING record, expires_at > statement_timestamp() AS live`;
const SELECT_BY_ID = `SELECT id, user_id, public_key, sign_count, transports, backup_eligible, backup_state, uv_initialized, aaguid::text AS aaguid,
  fmt, attestation_object, attestation_client_data_json, created_at_ms, last_used_at_ms, name FROM tessera_credentials WHERE id = $1`;
const COMPARE_AND_SET = `UPDATE tessera_credentials
  SET sign_count = $3::bigint, backup_state = $4, backup_eligible = $5, uv_initialized = uv_initialized OR $6, last_used_at_ms = $7::bigint
  WHERE id = $1 AND sign_count = $2::bigint AND ($3::bigint > sign_count OR ($3::bigint = 0 AND sign_count = 0))
  RETURNING 1 AS updated`;

interface Side {
  /** Prepares `BATCH` operations (untimed) and returns the timed part. */
  prepare(): Promise<() => Promise<void>>;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Tessera's side: ceremonies started and answered beforehand; the timed part finishes them one by one. */
async function tesseraSide(rp: RelyingParty): Promise<Side> {
  const authenticator = new SoftwareAuthenticator({ algorithm: 'ES256' });
  const registration = await rp.startRegistration({ user: USER });
  await rp.finishRegistration({ ticket: registration.ticket, response: await authenticator.register(registration.options, ORIGIN) });
  return {
    async prepare() {
      const ceremonies: Array<{ ticket: string; response: unknown }> = [];
      for (let index = 0; index < BATCH; index++) {
        const { options, ticket } = await rp.startAuthentication();
        ceremonies.push({ ticket, response: await authenticator.authenticate(options, ORIGIN) });
      }
      return async () => {
        for (const ceremony of ceremonies) await rp.finishAuthentication(ceremony);
      };
    },
  };
}

/** The raw side: the same three statements, through the same client, on a credential row of its own. */
async function rawSide(db: SqlClient, challengeStore: PostgresChallengeStore, credentialStore: PostgresCredentialStore): Promise<Side> {
  const authenticator = new SoftwareAuthenticator({ algorithm: 'ES256' });
  const relyingParty = createRelyingParty({ rpId: 'example.com', rpName: 'Example', origins: [ORIGIN], challengeStore, credentialStore });
  const registration = await relyingParty.startRegistration({ user: { ...USER, id: 'cmF3LXVzZXI' } });
  const { credential } = await relyingParty.finishRegistration({ ticket: registration.ticket, response: await authenticator.register(registration.options, ORIGIN) });
  let signCount = credential.signCount;
  let next = 0;
  const record = sampleChallengeRecord(1);
  return {
    async prepare() {
      const keys: string[] = [];
      for (let index = 0; index < BATCH; index++) {
        const key = `raw-${next++}`;
        await challengeStore.save(key, record, 60_000);
        keys.push(key);
      }
      return async () => {
        for (const key of keys) {
          if ((await db.query(CONSUME, [key])).rows.length !== 1) throw new Error('raw: the ceremony is gone');
          if ((await db.query(SELECT_BY_ID, [credential.id])).rows.length !== 1) throw new Error('raw: the credential is gone');
          const updated = await db.query(COMPARE_AND_SET, [credential.id, signCount, signCount + 1, false, false, true, Date.now()]);
          if (updated.rows.length !== 1) throw new Error('raw: the compare-and-set failed');
          signCount++;
        }
      };
    },
  };
}

/** Interleaved rounds of both sides on `db`; prints the medians and the ratio. */
async function compare(label: string, db: SqlClient): Promise<void> {
  await migrate(db);
  // purgeEvery: 0 on both sides: the raw side has no purge, and a purge is housekeeping, not a sign-in.
  const challengeStore = new PostgresChallengeStore({ db, purgeEvery: 0 });
  const credentialStore = new PostgresCredentialStore({ db });
  const rp = createRelyingParty({ rpId: 'example.com', rpName: 'Example', origins: [ORIGIN], challengeStore, credentialStore });
  const sides = { tessera: await tesseraSide(rp), raw: await rawSide(db, challengeStore, credentialStore) };
  const rates: Record<keyof typeof sides, number[]> = { tessera: [], raw: [] };
  const ratios: number[] = [];
  for (let round = 0; round < ROUNDS + 1; round++) {
    const order = round % 2 === 0 ? (['tessera', 'raw'] as const) : (['raw', 'tessera'] as const);
    const roundRates: Partial<Record<keyof typeof sides, number>> = {};
    for (const side of order) {
      const timed = await sides[side].prepare();
      const started = performance.now();
      await timed();
      roundRates[side] = (BATCH * 1000) / (performance.now() - started);
    }
    if (round === 0) continue; // warm-up
    rates.tessera.push(roundRates.tessera!);
    rates.raw.push(roundRates.raw!);
    ratios.push(roundRates.tessera! / roundRates.raw!);
  }
  printHeader(`finishAuthentication on ${label}: sign-ins finished per second, one at a time`);
  printAligned([
    ['task', 'ops/s', 'µs/op'],
    ['tessera finishAuthentication (consume + get + verify + compare-and-set)', median(rates.tessera).toFixed(0), (1e6 / median(rates.tessera)).toFixed(0)],
    ['raw: DELETE … RETURNING + SELECT + UPDATE … WHERE sign_count', median(rates.raw).toFixed(0), (1e6 / median(rates.raw)).toFixed(0)],
  ]);
  printRatioValue(`tessera / raw statements, ${label}`, median(ratios), 0.8);
}

const pglite = await PGlite.create();
try {
  await compare('PGlite (in process)', pglite);
} finally {
  await pglite.close();
}

const server = await startPostgresServer();
const pool = new pg.Pool({ connectionString: server.url, max: 4 });
pool.on('error', () => undefined);
try {
  await compare('PostgreSQL server on 127.0.0.1 (pg Pool)', pool);
} finally {
  await pool.end();
  await server.stop();
}

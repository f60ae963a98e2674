/*
 * Measures a full sign-in finish on the Postgres stores, against the same SQL issued raw:
 *   - Tessera: `finishAuthentication({ ticket, response })` on a relying party over PostgresChallengeStore and
 *     PostgresCredentialStore: consume the ceremony (DELETE … RETURNING), read the credential (SELECT), verify
 *     the ES256 assertion, store the counter with the compare-and-set (UPDATE … WHERE sign_count = …);
 *   - raw: the same three statements through the same client, word for word, and the same verification work a
 *     hand-written server cannot skip: decode the response, parse clientDataJSON and compare its type,
 *     challenge and origin, read the counter from authenticatorData, SHA-256 the clientDataJSON and verify the
 *     ES256 signature through WebCrypto with the credential's key imported once (as Tessera's key cache does).
 *     It validates no row and checks nothing else, so the gap is what the store layer and the relying party's
 *     parsing and checks cost over the bare minimum.
 * Target: Tessera at least 0.8× the raw side.
 *
 * On PGlite (in process) and on a real PostgreSQL server on 127.0.0.1 (a throwaway cluster started like the
 * tests start it, through a pg Pool). Ceremonies and assertions are prepared before each timed batch on both
 * sides (signing is the authenticator's work, not the server's). Sequential (C=1: one finish at a time) and
 * concurrent (C=16: sixteen workers, each with a credential of its own, as a server finishes many sign-ins at
 * once). Interleaved rounds; the median round is reported, and the ratio is the median of per-round ratios.
 */
import { PGlite } from '@electric-sql/pglite';
import { createRelyingParty, importCoseKey, parseCoseKey, type RelyingParty } from '@tessera/core';
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

const CONCURRENCIES = [1, 16] as const;

interface Side {
  /** Prepares `BATCH` operations per worker (untimed) and returns the timed part: the workers' batches, run at once. */
  prepare(): Promise<() => Promise<void>>;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function base64url(text: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.from(text, 'base64url'));
}

/** One DER INTEGER (ITU-T X.690 §8.3) of an ECDSA signature, as the fixed-size big-endian half WebCrypto wants. */
function derIntegerToFixed(der: Uint8Array, at: number, size: number): { value: Uint8Array; next: number } {
  if (der[at] !== 0x02) throw new Error('raw: not a DER INTEGER');
  const length = der[at + 1]!;
  let content = der.subarray(at + 2, at + 2 + length);
  while (content.length > size && content[0] === 0) content = content.subarray(1);
  const value = new Uint8Array(size);
  value.set(content, size - content.length);
  return { value, next: at + 2 + length };
}

/** An ECDSA-Sig-Value (RFC 3279 §2.2.3, short-form lengths as P-256 needs) as IEEE P1363 r‖s. */
function derToP1363(der: Uint8Array, size: number): Uint8Array<ArrayBuffer> {
  if (der[0] !== 0x30) throw new Error('raw: not a DER SEQUENCE');
  const r = derIntegerToFixed(der, 2, size);
  const s = derIntegerToFixed(der, r.next, size);
  const signature = new Uint8Array(2 * size);
  signature.set(r.value);
  signature.set(s.value, size);
  return signature;
}

/** Runs `concurrency` workers at once, each through its own list. */
async function runWorkers<T>(lists: readonly T[][], work: (item: T) => Promise<void>): Promise<void> {
  await Promise.all(lists.map(async (items) => {
    for (const item of items) await work(item);
  }));
}

/** Tessera's side: ceremonies started and answered beforehand; the timed part finishes them. */
async function tesseraSide(rp: RelyingParty, concurrency: number, tag: string): Promise<Side> {
  const authenticators: SoftwareAuthenticator[] = [];
  for (let worker = 0; worker < concurrency; worker++) {
    const authenticator = new SoftwareAuthenticator({ algorithm: 'ES256' });
    const registration = await rp.startRegistration({ user: { ...USER, id: Buffer.from(`tessera-${tag}-${worker}`).toString('base64url') } });
    await rp.finishRegistration({ ticket: registration.ticket, response: await authenticator.register(registration.options, ORIGIN) });
    authenticators.push(authenticator);
  }
  return {
    async prepare() {
      const lists = await Promise.all(
        authenticators.map(async (authenticator) => {
          const ceremonies: Array<{ ticket: string; response: unknown }> = [];
          for (let index = 0; index < BATCH / concurrency; index++) {
            const { options, ticket } = await rp.startAuthentication();
            ceremonies.push({ ticket, response: await authenticator.authenticate(options, ORIGIN) });
          }
          return ceremonies;
        }),
      );
      return () => runWorkers(lists, async (ceremony) => {
        await rp.finishAuthentication(ceremony);
      });
    },
  };
}

interface RawCeremony {
  key: string;
  challenge: string;
  credentialId: string;
  authenticatorData: string;
  clientDataJSON: string;
  signature: string;
}

/** The raw side: the same three statements through the same client, and the same signature verification. */
async function rawSide(db: SqlClient, challengeStore: PostgresChallengeStore, credentialStore: PostgresCredentialStore, concurrency: number, tag: string): Promise<Side> {
  const relyingParty = createRelyingParty({ rpId: 'example.com', rpName: 'Example', origins: [ORIGIN], challengeStore, credentialStore });
  const workers: Array<{ authenticator: SoftwareAuthenticator; credentialId: string; key: CryptoKey }> = [];
  for (let worker = 0; worker < concurrency; worker++) {
    const authenticator = new SoftwareAuthenticator({ algorithm: 'ES256' });
    const registration = await relyingParty.startRegistration({ user: { ...USER, id: Buffer.from(`raw-${tag}-${worker}`).toString('base64url') } });
    const { credential } = await relyingParty.finishRegistration({ ticket: registration.ticket, response: await authenticator.register(registration.options, ORIGIN) });
    workers.push({ authenticator, credentialId: credential.id, key: await importCoseKey(parseCoseKey(credential.publicKey)) });
  }
  const keys = new Map(workers.map((worker) => [worker.credentialId, worker.key]));
  const rpIdHash = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode('example.com')));
  let next = 0;
  return {
    async prepare() {
      const lists = await Promise.all(
        workers.map(async ({ authenticator, credentialId }) => {
          const ceremonies: RawCeremony[] = [];
          for (let index = 0; index < BATCH / concurrency; index++) {
            const key = `raw-${tag}-${next++}`;
            const record = { ...sampleChallengeRecord(next & 4095, false), challenge: Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url') };
            await challengeStore.save(key, record, 60_000);
            const answer = await authenticator.authenticate({ challenge: record.challenge, rpId: 'example.com' }, ORIGIN);
            const { authenticatorData, clientDataJSON, signature } = answer.response;
            ceremonies.push({ key, challenge: record.challenge, credentialId, authenticatorData, clientDataJSON, signature });
          }
          return ceremonies;
        }),
      );
      return () => runWorkers(lists, async (ceremony) => {
        if ((await db.query(CONSUME, [ceremony.key])).rows.length !== 1) throw new Error('raw: the ceremony is gone');
        const rows = (await db.query(SELECT_BY_ID, [ceremony.credentialId])).rows as Array<{ sign_count: string | number }>;
        if (rows.length !== 1) throw new Error('raw: the credential is gone');
        const clientDataBytes = base64url(ceremony.clientDataJSON);
        const clientData = JSON.parse(new TextDecoder().decode(clientDataBytes)) as { type: string; challenge: string; origin: string };
        if (clientData.type !== 'webauthn.get' || clientData.challenge !== ceremony.challenge || clientData.origin !== ORIGIN) throw new Error('raw: wrong client data');
        const authenticatorData = base64url(ceremony.authenticatorData);
        if (!rpIdHash.every((byte, index) => authenticatorData[index] === byte) || (authenticatorData[32]! & 1) === 0) throw new Error('raw: wrong authenticator data');
        const signCount = new DataView(authenticatorData.buffer, authenticatorData.byteOffset).getUint32(33);
        const clientDataHash = new Uint8Array(await crypto.subtle.digest('SHA-256', clientDataBytes));
        const signed = new Uint8Array(authenticatorData.length + 32);
        signed.set(authenticatorData);
        signed.set(clientDataHash, authenticatorData.length);
        const valid = await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, keys.get(ceremony.credentialId)!, derToP1363(base64url(ceremony.signature), 32), signed);
        if (!valid) throw new Error('raw: bad signature');
        const stored = Number(rows[0]!.sign_count);
        const updated = await db.query(COMPARE_AND_SET, [ceremony.credentialId, stored, signCount, false, false, true, Date.now()]);
        if (updated.rows.length !== 1) throw new Error('raw: the compare-and-set failed');
      });
    },
  };
}

/** Interleaved rounds of both sides on `db` at each concurrency; prints the medians and the ratio. */
async function compare(label: string, db: SqlClient): Promise<void> {
  await migrate(db);
  // purgeEvery: 0 on both sides: the raw side has no purge, and a purge is housekeeping, not a sign-in.
  const challengeStore = new PostgresChallengeStore({ db, purgeEvery: 0 });
  const credentialStore = new PostgresCredentialStore({ db });
  const rp = createRelyingParty({ rpId: 'example.com', rpName: 'Example', origins: [ORIGIN], challengeStore, credentialStore });
  for (const concurrency of CONCURRENCIES) {
    const sides = { tessera: await tesseraSide(rp, concurrency, `c${concurrency}`), raw: await rawSide(db, challengeStore, credentialStore, concurrency, `c${concurrency}`) };
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
    printHeader(`finishAuthentication on ${label}: sign-ins finished per second, C=${concurrency}`);
    printAligned([
      ['task', 'ops/s', 'µs/op'],
      ['tessera finishAuthentication (consume + get + verify + compare-and-set)', median(rates.tessera).toFixed(0), (1e6 / median(rates.tessera)).toFixed(0)],
      ['raw: DELETE … RETURNING + SELECT + ES256 verify + UPDATE … WHERE sign_count', median(rates.raw).toFixed(0), (1e6 / median(rates.raw)).toFixed(0)],
    ]);
    printRatioValue(`tessera / raw, ${label}, C=${concurrency}`, median(ratios), 0.8);
  }
}

const pglite = await PGlite.create();
try {
  await compare('PGlite (in process)', pglite);
} finally {
  await pglite.close();
}

const server = await startPostgresServer();
const pool = new pg.Pool({ connectionString: server.url, max: 16 });
pool.on('error', () => undefined);
try {
  await compare('PostgreSQL server on 127.0.0.1 (pg Pool)', pool);
} finally {
  await pool.end();
  await server.stop();
}

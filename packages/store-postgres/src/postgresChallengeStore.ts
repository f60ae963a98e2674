import {
  TesseraError,
  assertChallengeStoreArguments,
  parseStoredChallengeRecord,
  serializeChallengeRecord,
  type ChallengeRecord,
  type ChallengeStore,
} from '@tessera/core';
import { z } from 'zod';
import {
  DEFAULT_POSTGRES_QUERY_TIMEOUT_MS,
  isStorableText,
  parseStoreOptions,
  postgresStoreOptionsSchema,
  runQuery,
  type PostgresStoreOptions,
  type SqlClient,
} from './sqlClient.ts';

/**
 * Saves unless a live record holds the key. An expired one is replaced in the same statement, so a key is
 * reusable as soon as its record expires, whether or not a purge has run. Expiry is judged by the database's
 * clock (`statement_timestamp()`), the same for every server.
 */
const SAVE = `INSERT INTO tessera_challenges (key, record, expires_at)
  VALUES ($1, $2, statement_timestamp() + $3::double precision * interval '1 millisecond')
  ON CONFLICT (key) DO UPDATE SET record = EXCLUDED.record, expires_at = EXCLUDED.expires_at
  WHERE tessera_challenges.expires_at <= statement_timestamp()
  RETURNING 1 AS saved`;
/** One atomic statement: the row is removed by exactly one caller, and returned to it only if it was live. */
const CONSUME = `DELETE FROM tessera_challenges WHERE key = $1
  RETURNING record, expires_at > statement_timestamp() AS live`;
/**
 * Removes up to `$1` expired rows, oldest first, found through the index on `expires_at` (no table scan);
 * rows another server is purging at the same moment are skipped rather than waited for.
 */
const PURGE = `DELETE FROM tessera_challenges WHERE key IN (
  SELECT key FROM tessera_challenges WHERE expires_at <= statement_timestamp()
  ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED)
  RETURNING 1 AS purged`;

/** Default {@link PostgresChallengeStoreOptions.purgeEvery}. */
export const DEFAULT_PURGE_EVERY = 16;
/** Default {@link PostgresChallengeStoreOptions.purgeLimit}. */
export const DEFAULT_PURGE_LIMIT = 64;

/** Options of {@link PostgresChallengeStore}. */
export interface PostgresChallengeStoreOptions extends PostgresStoreOptions {
  /**
   * Every this many saves, the store purges expired rows (at most `purgeLimit` of them); default 16; `0` never
   * (then call {@link PostgresChallengeStore.purgeExpired} from a job). Expired rows are never returned
   * either way: purging only keeps the table small.
   */
  purgeEvery?: number;
  /** Most rows one purge removes; default 64, so a purge stays small however large the backlog. */
  purgeLimit?: number;
}

const optionsSchema = postgresStoreOptionsSchema.extend({
  purgeEvery: z.number().int().min(0).max(1_000_000).optional(),
  purgeLimit: z.number().int().min(1).max(100_000).optional(),
});

/**
 * A {@link ChallengeStore} in PostgreSQL (or PGlite), for relying parties that run many servers and already
 * have a database: a ceremony started on one server can be finished on any other. Run {@link migrate} first.
 *
 * - `save` is one `INSERT … ON CONFLICT … WHERE expired`: it never overwrites a live record
 *   (`challenge_store_conflict`).
 * - `consume` is one `DELETE … RETURNING`: atomic, so a record is returned at most once however many servers
 *   race for it; expiry is judged by the database's clock.
 * - Expired rows are purged a few at a time, through an index, every `purgeEvery` saves: no statement on the
 *   hot path scans the table.
 * - Records are compact JSON, validated on the way out (`corrupt_store_record` for anything else).
 * - A database that is down or slower than `queryTimeoutMs` gives `store_unavailable`. A `save` that timed out
 *   may still land: that record is merely unused. A `consume` that timed out may still delete: the ceremony
 *   is then lost, never accepted twice. Both fail closed.
 *
 * @example
 * ```ts
 * const challengeStore = new PostgresChallengeStore({ db });
 * const rp = createRelyingParty({ …, challengeStore });
 * ```
 */
export class PostgresChallengeStore implements ChallengeStore {
  readonly #db: SqlClient;
  readonly #timeoutMs: number;
  readonly #purgeEvery: number;
  readonly #purgeLimit: number;
  #savesSincePurge = 0;

  /**
   * @param options - the database, statement timeout and purging; see {@link PostgresChallengeStoreOptions}
   * @throws {TesseraError} `invalid_config` for options that fail their schema
   */
  constructor(options: PostgresChallengeStoreOptions) {
    const parsed = parseStoreOptions(optionsSchema, options, 'PostgresChallengeStore');
    this.#db = parsed.db;
    this.#timeoutMs = parsed.queryTimeoutMs ?? DEFAULT_POSTGRES_QUERY_TIMEOUT_MS;
    this.#purgeEvery = parsed.purgeEvery ?? DEFAULT_PURGE_EVERY;
    this.#purgeLimit = parsed.purgeLimit ?? DEFAULT_PURGE_LIMIT;
  }

  /**
   * {@inheritDoc @tessera/core#ChallengeStore.save}
   *
   * A key PostgreSQL cannot hold as text (a NUL character or a lone surrogate) is refused with
   * `invalid_argument`; tickets are base64url and never do.
   */
  async save(key: string, record: ChallengeRecord, ttlMs: number): Promise<void> {
    assertChallengeStoreArguments(key, ttlMs);
    if (!isStorableText(key)) throw new TesseraError('invalid_argument', 'Challenge store key must not contain NUL or lone surrogates.');
    const rows = await this.#query('save a ceremony', SAVE, [key, serializeChallengeRecord(record), ttlMs]);
    if (rows.length === 0) throw new TesseraError('challenge_store_conflict', 'A live challenge record already exists under this key.');
    if (this.#purgeEvery > 0 && ++this.#savesSincePurge >= this.#purgeEvery) {
      this.#savesSincePurge = 0;
      // Housekeeping only: the record is saved, so a failed purge must not fail the ceremony.
      await this.purgeExpired().catch(() => undefined);
    }
  }

  /** {@inheritDoc @tessera/core#ChallengeStore.consume} */
  async consume(key: string): Promise<ChallengeRecord | undefined> {
    assertChallengeStoreArguments(key);
    if (!isStorableText(key)) return undefined; // such a key can never have been saved
    const rows = await this.#query('consume a ceremony', CONSUME, [key]);
    if (rows.length === 0) return undefined;
    const row = rows[0] as { record?: unknown; live?: unknown } | null;
    if (row?.live === false) return undefined; // expired: gone now, and never returned
    if (row?.live !== true || typeof row.record !== 'string') {
      throw new TesseraError('corrupt_store_record', 'A stored challenge row is not one this library wrote.');
    }
    return parseStoredChallengeRecord(row.record);
  }

  /**
   * Removes expired rows, at most `limit`, oldest first, through the index on `expires_at`. `save` calls it
   * every `purgeEvery` saves; call it from a job instead when that is off.
   *
   * @param limit - most rows to remove; default `purgeLimit`
   * @returns how many rows were removed
   * @throws {TesseraError} `store_unavailable`; `invalid_argument` for a limit that is not a positive integer
   */
  async purgeExpired(limit: number = this.#purgeLimit): Promise<number> {
    if (!(Number.isSafeInteger(limit) && limit > 0)) throw new TesseraError('invalid_argument', 'The purge limit must be a positive whole number.');
    return (await this.#query('purge expired ceremonies', PURGE, [limit])).length;
  }

  #query(what: string, text: string, params: unknown[]): Promise<unknown[]> {
    return runQuery(this.#db, what, text, params, this.#timeoutMs);
  }
}

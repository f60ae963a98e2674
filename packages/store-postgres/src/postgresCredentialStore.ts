import {
  TesseraError,
  assertCredentialRecord,
  assertCredentialUpdate,
  credentialIdSchema,
  normalizeCredentialName,
  userHandleSchema,
  type CredentialRecord,
  type CredentialStore,
  type CredentialUpdate,
  type StoredCredentialDescriptor,
} from '@tessera/core';
import { decodeCredentialRow, decodeDescriptorRow } from './_credentialRow.ts';
import { DEFAULT_POSTGRES_QUERY_TIMEOUT_MS, parseStoreOptions, postgresStoreOptionsSchema, runQuery, type PostgresStoreOptions, type SqlClient } from './sqlClient.ts';

const COLUMNS = `id, user_id, public_key, sign_count, transports, backup_eligible, backup_state, uv_initialized, aaguid::text AS aaguid,
  fmt, attestation_object, attestation_client_data_json, created_at_ms, last_used_at_ms, name`;

const SELECT_BY_ID = `SELECT ${COLUMNS} FROM tessera_credentials WHERE id = $1`;
const SELECT_RECORDS_BY_USER = `SELECT ${COLUMNS} FROM tessera_credentials WHERE user_id = $1 ORDER BY created_at_ms, created_seq`;
const SELECT_DESCRIPTORS_BY_USER = 'SELECT id, transports FROM tessera_credentials WHERE user_id = $1 ORDER BY created_at_ms, created_seq';
const INSERT = `INSERT INTO tessera_credentials (id, user_id, public_key, sign_count, transports, backup_eligible, backup_state,
  uv_initialized, aaguid, fmt, attestation_object, attestation_client_data_json, created_at_ms, last_used_at_ms, name)
  VALUES ($1, $2, $3, $4::bigint, $5::text[], $6, $7, $8, $9::uuid, $10, $11, $12, $13::bigint, $14::bigint, $15)
  ON CONFLICT (id) DO NOTHING RETURNING 1 AS created`;
/**
 * The compare-and-set of WebAuthn L3 §7.2 steps 22 and 24 in one statement: the row changes only if its
 * counter is still the one the relying party read, and the new one moves forward from it (or both are 0).
 * Row locking makes concurrent updates of one id wait for each other and re-check the condition on the
 * committed row, so of many sign-ins carrying the same counter, one matches and the rest find nothing.
 */
const COMPARE_AND_SET = `UPDATE tessera_credentials
  SET sign_count = $3::bigint, backup_state = $4, backup_eligible = $5, uv_initialized = uv_initialized OR $6, last_used_at_ms = $7::bigint
  WHERE id = $1 AND sign_count = $2::bigint AND ($3::bigint > sign_count OR ($3::bigint = 0 AND sign_count = 0))
  RETURNING 1 AS updated`;
const EXISTS = 'SELECT 1 AS found FROM tessera_credentials WHERE id = $1';
const RENAME = 'UPDATE tessera_credentials SET name = $3 WHERE id = $1 AND user_id = $2 RETURNING 1 AS renamed';
const DELETE = 'DELETE FROM tessera_credentials WHERE id = $1 AND user_id = $2 RETURNING 1 AS deleted';

/**
 * A {@link CredentialStore} in PostgreSQL (13 or later, or PGlite): credential records shared by every server,
 * kept across restarts. Run {@link migrate} once before using it.
 *
 * - `create` is one `INSERT … ON CONFLICT (id) DO NOTHING`: a credential ID is registered once, however many
 *   servers race (§7.1 step 25).
 * - `updateAfterAuthentication` is one `UPDATE … WHERE id = $1 AND sign_count = $2 … RETURNING`: a
 *   compare-and-set, so of concurrent sign-ins carrying the same counter exactly one is stored.
 * - `rename` and `delete` carry the owner in their `WHERE`, so another user's credential is never touched.
 * - Every statement is parameterised. Every row read back is validated with `credentialRecordSchema`;
 *   anything else is `corrupt_store_record`, never used.
 * - A database that is down or slower than `queryTimeoutMs` gives `store_unavailable`. A write that timed out
 *   may still commit later: a `create` then leaves a credential the user was told failed (they can delete it
 *   or retry, which is refused as already registered); an update then leaves a counter the sign-in that
 *   failed had reached, so a replay of it is still refused. Both fail closed.
 *
 * @example
 * ```ts
 * import pg from 'pg';
 * const db = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * await migrate(db);
 * const credentialStore = new PostgresCredentialStore({ db });
 * ```
 */
export class PostgresCredentialStore implements CredentialStore {
  readonly #db: SqlClient;
  readonly #timeoutMs: number;

  /**
   * @param options - the database and the statement timeout; see {@link PostgresStoreOptions}
   * @throws {TesseraError} `invalid_config` for options that fail their schema
   */
  constructor(options: PostgresStoreOptions) {
    const parsed = parseStoreOptions(postgresStoreOptionsSchema, options, 'PostgresCredentialStore');
    this.#db = parsed.db;
    this.#timeoutMs = parsed.queryTimeoutMs ?? DEFAULT_POSTGRES_QUERY_TIMEOUT_MS;
  }

  /** {@inheritDoc @tessera/core#CredentialStore.get} */
  async get(id: string): Promise<CredentialRecord | undefined> {
    if (!isCredentialId(id)) return undefined;
    const rows = await this.#query('read a credential', SELECT_BY_ID, [id]);
    return rows.length === 0 ? undefined : decodeCredentialRow(rows[0]);
  }

  /** {@inheritDoc @tessera/core#CredentialStore.listByUser} */
  async listByUser(userId: string): Promise<StoredCredentialDescriptor[]> {
    if (!isUserHandle(userId)) return [];
    const rows = await this.#query("list a user's credentials", SELECT_DESCRIPTORS_BY_USER, [userId]);
    return rows.map(decodeDescriptorRow);
  }

  /** {@inheritDoc @tessera/core#CredentialStore.listRecordsByUser} */
  async listRecordsByUser(userId: string): Promise<CredentialRecord[]> {
    if (!isUserHandle(userId)) return [];
    const rows = await this.#query("list a user's credential records", SELECT_RECORDS_BY_USER, [userId]);
    return rows.map(decodeCredentialRow);
  }

  /** {@inheritDoc @tessera/core#CredentialStore.create} */
  async create(record: CredentialRecord): Promise<void> {
    const r = assertCredentialRecord(record);
    const rows = await this.#query('store a credential', INSERT, [
      r.id,
      r.userId,
      r.publicKey,
      r.signCount,
      r.transports,
      r.backupEligible,
      r.backupState,
      r.uvInitialized,
      r.aaguid,
      r.fmt,
      r.attestationObject ?? null,
      r.attestationClientDataJSON ?? null,
      r.createdAt,
      r.lastUsedAt,
      r.name ?? null,
    ]);
    if (rows.length === 0) throw new TesseraError('credential_already_registered', 'This credential is already registered.');
  }

  /** {@inheritDoc @tessera/core#CredentialStore.updateAfterAuthentication} */
  async updateAfterAuthentication(id: string, update: CredentialUpdate): Promise<boolean> {
    const u = assertCredentialUpdate(update);
    if (!isCredentialId(id)) return false;
    const params = [id, u.expectedSignCount, u.signCount, u.backupState, u.backupEligible, u.uvInitialized, u.lastUsedAt];
    if ((await this.#query('store a sign-in', COMPARE_AND_SET, params)).length > 0) return true;
    // Nothing matched: either the record is gone, or another sign-in moved the counter first.
    if ((await this.#query('read a credential', EXISTS, [id])).length === 0) return false;
    throw new TesseraError('sign_count_regression', 'The signature counter changed since the credential was read.');
  }

  /** {@inheritDoc @tessera/core#CredentialStore.rename} */
  async rename(id: string, userId: string, name: string): Promise<boolean> {
    const normalized = normalizeCredentialName(name);
    if (!isCredentialId(id) || !isUserHandle(userId)) return false;
    return (await this.#query('rename a credential', RENAME, [id, userId, normalized])).length > 0;
  }

  /** {@inheritDoc @tessera/core#CredentialStore.delete} */
  async delete(id: string, userId: string): Promise<boolean> {
    if (!isCredentialId(id) || !isUserHandle(userId)) return false;
    return (await this.#query('delete a credential', DELETE, [id, userId])).length > 0;
  }

  #query(what: string, text: string, params: unknown[]): Promise<unknown[]> {
    return runQuery(this.#db, what, text, params, this.#timeoutMs);
  }
}

/** Only a well-formed id can have been stored (`create` validates), so anything else is known absent. */
function isCredentialId(id: unknown): id is string {
  return credentialIdSchema.safeParse(id).success;
}

function isUserHandle(userId: unknown): userId is string {
  return userHandleSchema.safeParse(userId).success;
}

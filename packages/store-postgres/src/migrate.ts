import { TesseraError } from '@tessera/core';
import { DEFAULT_POSTGRES_QUERY_TIMEOUT_MS, runQuery, type SqlClient } from './sqlClient.ts';

/** The table that records which schema versions were applied. */
export const SCHEMA_MIGRATIONS_TABLE = 'tessera_schema_migrations';

/**
 * The schema, one entry per version, applied in order and never edited once released: a change is a new
 * version. Constant SQL only; no value from outside ever reaches these statements.
 *
 * Version 1:
 * - `tessera_credentials`: one row per credential record (WebAuthn L3 §4). Keys and attestation bytes are
 *   `bytea`; times are epoch milliseconds (`bigint`), as `CredentialRecord` has them; `created_seq` breaks
 *   ties between records created in the same millisecond. Indexed by user for `listByUser`.
 * - `tessera_challenges`: one row per live ceremony; `expires_at` is judged by the database's clock and
 *   indexed, so expired rows are found without scanning the table.
 */
export const MIGRATIONS: readonly (readonly string[])[] = [
  [
    `CREATE TABLE tessera_credentials (
      id text PRIMARY KEY,
      user_id text NOT NULL,
      public_key bytea NOT NULL,
      sign_count bigint NOT NULL CHECK (sign_count BETWEEN 0 AND 4294967295),
      transports text[] NOT NULL,
      backup_eligible boolean NOT NULL,
      backup_state boolean NOT NULL,
      uv_initialized boolean NOT NULL,
      aaguid uuid NOT NULL,
      fmt text NOT NULL,
      attestation_object bytea,
      attestation_client_data_json bytea,
      created_at_ms bigint NOT NULL,
      last_used_at_ms bigint,
      name text,
      created_seq bigint GENERATED ALWAYS AS IDENTITY
    )`,
    'CREATE INDEX tessera_credentials_by_user ON tessera_credentials (user_id, created_at_ms, created_seq)',
    `CREATE TABLE tessera_challenges (
      key text PRIMARY KEY,
      record text NOT NULL,
      expires_at timestamptz NOT NULL
    )`,
    'CREATE INDEX tessera_challenges_by_expiry ON tessera_challenges (expires_at)',
  ],
];

/** The schema version this package writes and reads. */
export const LATEST_SCHEMA_VERSION: number = MIGRATIONS.length;

/** Key of the transaction-level advisory lock that serialises `migrate` across servers: "tessera1" as a bigint. */
const MIGRATION_LOCK_KEY = '8387236820507844913';

/**
 * The whole migration as one `DO` block: one statement, so it is one transaction on any connection a pool
 * hands out (and on PGlite), which takes the advisory lock first and holds it until it commits.
 */
function migrationStatement(): string {
  const steps = MIGRATIONS.map(
    (statements, index) => `
  IF NOT EXISTS (SELECT 1 FROM ${SCHEMA_MIGRATIONS_TABLE} WHERE version = ${index + 1}) THEN
    ${statements.join(';\n    ')};
    INSERT INTO ${SCHEMA_MIGRATIONS_TABLE} (version) VALUES (${index + 1});
  END IF;`,
  ).join('');
  return `DO $tessera_migrate$
BEGIN
  PERFORM pg_advisory_xact_lock(${MIGRATION_LOCK_KEY});
  CREATE TABLE IF NOT EXISTS ${SCHEMA_MIGRATIONS_TABLE} (
    version integer PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now()
  );${steps}
END
$tessera_migrate$`;
}

/**
 * Creates or upgrades the tables of both stores to {@link LATEST_SCHEMA_VERSION}. Idempotent, and safe to
 * run from many servers at once as they start: the whole migration is one transaction that first takes a
 * PostgreSQL advisory lock, so one server applies each version and the others wait, then find it applied.
 * A failed migration leaves nothing half done.
 *
 * @param db - the database (a pg `Pool` or `Client`, or PGlite)
 * @param options - `timeoutMs`, how long to wait for the lock and the DDL; default 30000
 * @returns the schema version now in the database
 * @throws {TesseraError} `store_unavailable` if the database cannot be reached or the migration fails;
 *   `invalid_config` if the database holds a newer schema than this package knows (upgrade the package)
 * @example
 * ```ts
 * import { PGlite } from '@electric-sql/pglite';
 * const db = await PGlite.create('./data');
 * await migrate(db);
 * const credentialStore = new PostgresCredentialStore({ db });
 * ```
 */
export async function migrate(db: SqlClient, options: { timeoutMs?: number } = {}): Promise<number> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  if (typeof db?.query !== 'function') throw new TesseraError('invalid_config', 'migrate needs a database with query(text, params).');
  await runQuery(db, 'apply the schema migrations', migrationStatement(), [], Math.max(timeoutMs, DEFAULT_POSTGRES_QUERY_TIMEOUT_MS));
  const rows = await runQuery(db, 'read the schema version', `SELECT max(version) AS version FROM ${SCHEMA_MIGRATIONS_TABLE}`, [], timeoutMs);
  const version = Number((rows[0] as { version?: unknown } | undefined)?.version);
  if (version > LATEST_SCHEMA_VERSION) {
    throw new TesseraError(
      'invalid_config',
      `The database holds Tessera schema version ${version}, newer than this package's ${LATEST_SCHEMA_VERSION}: upgrade @tessera/store-postgres.`,
    );
  }
  return version;
}

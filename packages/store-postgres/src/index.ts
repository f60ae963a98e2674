/**
 * `@tessera/store-postgres`: PostgreSQL (or PGlite) stores for credential records and ceremonies.
 *
 * @module
 */
export { LATEST_SCHEMA_VERSION, MIGRATIONS, SCHEMA_MIGRATIONS_TABLE, migrate } from './migrate.ts';
export { DEFAULT_PURGE_EVERY, DEFAULT_PURGE_LIMIT, PostgresChallengeStore } from './postgresChallengeStore.ts';
export type { PostgresChallengeStoreOptions } from './postgresChallengeStore.ts';
export { PostgresCredentialStore } from './postgresCredentialStore.ts';
export { DEFAULT_POSTGRES_QUERY_TIMEOUT_MS } from './sqlClient.ts';
export type { PostgresStoreOptions, SqlClient } from './sqlClient.ts';

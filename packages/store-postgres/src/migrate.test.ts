import { PGlite } from '@electric-sql/pglite';
import { isTesseraError } from '@tessera/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverPool } from '../test/databases.ts';
import { startPostgresServer, type PostgresServer } from '../test/postgresServer.ts';
import { LATEST_SCHEMA_VERSION, migrate } from './migrate.ts';
import type { SqlClient } from './sqlClient.ts';

let server: PostgresServer;
let pglite: PGlite;

beforeAll(async () => {
  [server, pglite] = await Promise.all([startPostgresServer(), PGlite.create()]);
}, 60_000);

afterAll(async () => {
  await pglite?.close();
  await server?.stop();
});

const tables = async (db: SqlClient): Promise<string[]> =>
  ((await db.query("SELECT tablename FROM pg_tables WHERE tablename LIKE 'tessera%' ORDER BY tablename")).rows as Array<{ tablename: string }>).map(
    ({ tablename }) => tablename,
  );

describe('migrate', () => {
  it('creates the schema once on PGlite and is idempotent', async () => {
    const db = pglite;
    {
      expect(await migrate(db)).toBe(LATEST_SCHEMA_VERSION);
      expect(await migrate(db)).toBe(LATEST_SCHEMA_VERSION);
      expect(await tables(db)).toEqual(['tessera_challenges', 'tessera_credentials', 'tessera_schema_migrations']);
      expect((await db.query('SELECT version FROM tessera_schema_migrations')).rows).toEqual([{ version: 1 }]);
    }
  });

  it('is safe to run from many servers at once: 12 concurrent migrations on separate connections apply each version once', async () => {
    const pools = await Promise.all(Array.from({ length: 12 }, () => serverPool(server.url, 1)));
    try {
      const versions = await Promise.all(pools.map((pool) => migrate(pool)));
      expect(versions).toEqual(Array(12).fill(LATEST_SCHEMA_VERSION));
      expect((await pools[0]!.query('SELECT version FROM tessera_schema_migrations')).rows).toEqual([{ version: 1 }]);
      expect(await tables(pools[0]!)).toEqual(['tessera_challenges', 'tessera_credentials', 'tessera_schema_migrations']);
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
    }
  });

  it('refuses a database migrated by a newer version of the package', async () => {
    const db = pglite;
    try {
      await migrate(db);
      await db.query('INSERT INTO tessera_schema_migrations (version) VALUES ($1)', [LATEST_SCHEMA_VERSION + 1]);
      let error: unknown;
      try {
        await migrate(db);
      } catch (caught) {
        error = caught;
      }
      expect(isTesseraError(error, 'invalid_config')).toBe(true);
    } finally {
      await db.query('DELETE FROM tessera_schema_migrations WHERE version > $1', [LATEST_SCHEMA_VERSION]);
    }
  });

  it('reports a database it cannot reach as store_unavailable', async () => {
    const pool = await serverPool('postgres://tessera@127.0.0.1:1/tessera', 1);
    try {
      let error: unknown;
      try {
        await migrate(pool);
      } catch (caught) {
        error = caught;
      }
      expect(isTesseraError(error, 'store_unavailable')).toBe(true);
    } finally {
      await pool.end();
    }
  });
});

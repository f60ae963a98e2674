/*
 * Test support: the two kinds of database every store test runs against, PGlite in process and a real
 * PostgreSQL server, migrated and emptied between cases.
 */
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { migrate } from '../src/migrate.ts';
import type { SqlClient } from '../src/sqlClient.ts';

/** A migrated database and how to empty and close it. */
export interface TestDatabase {
  readonly db: SqlClient;
  /** Empties both tables. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

async function prepared(db: SqlClient, close: () => Promise<void>): Promise<TestDatabase> {
  await migrate(db);
  return {
    db,
    reset: async () => void (await db.query('TRUNCATE tessera_credentials, tessera_challenges')),
    close,
  };
}

/** @returns an in-memory PGlite, migrated */
export async function pgliteDatabase(): Promise<TestDatabase> {
  const db = await PGlite.create();
  return prepared(db, () => db.close());
}

/**
 * @param url - the server's connection string
 * @param max - pool size
 * @returns a pg Pool on it, migrated; pool errors (a server going away) are expected and ignored
 */
export async function serverPool(url: string, max = 20): Promise<pg.Pool> {
  const pool = new pg.Pool({ connectionString: url, max, connectionTimeoutMillis: 1_000 });
  pool.on('error', () => undefined); // idle clients losing the server are the outage tests' point
  return pool;
}

/**
 * @param url - the server's connection string
 * @returns a pg Pool on it, migrated
 */
export async function serverDatabase(url: string): Promise<TestDatabase> {
  const pool = await serverPool(url);
  return prepared(pool, () => pool.end());
}

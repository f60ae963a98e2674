/*
 * Test support: the two kinds of database every store test runs against, PGlite in process and a real
 * PostgreSQL server, migrated and emptied between cases.
 */
import { PGlite } from '@electric-sql/pglite';
import { isTesseraError, type TesseraErrorCode } from '@tessera/core';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { migrate } from '../src/migrate.ts';
import type { SqlClient } from '../src/sqlClient.ts';
import { startPostgresServer, type PostgresServer } from './postgresServer.ts';

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

/** The two kinds of database every store test runs against, by name. */
export type DatabaseKind = 'PGlite' | 'PostgreSQL server';

/**
 * Registers the suite's `beforeAll`/`afterAll`: a throwaway PostgreSQL server and an in-memory PGlite, both
 * migrated, closed (and the server stopped) after the suite.
 *
 * @returns the databases by kind, filled once `beforeAll` has run
 */
export function useBothDatabases(): Record<DatabaseKind, TestDatabase> {
  let server: PostgresServer | undefined;
  const databases = {} as Record<DatabaseKind, TestDatabase>;
  beforeAll(async () => {
    server = await startPostgresServer();
    databases['PostgreSQL server'] = await serverDatabase(server.url);
    databases.PGlite = await pgliteDatabase();
  }, 60_000);
  afterAll(async () => {
    await Promise.all(Object.values(databases).map((database) => database.close()));
    await server?.stop();
  });
  return databases;
}

/**
 * @param promise - an operation expected to fail
 * @returns the code of the `TesseraError` it rejected with
 * @throws the rejection itself when it is not a `TesseraError`, or an error when it resolved
 */
export async function codeOf(promise: Promise<unknown>): Promise<TesseraErrorCode> {
  try {
    await promise;
  } catch (error) {
    if (isTesseraError(error)) return error.code;
    throw error;
  }
  throw new Error('expected a TesseraError');
}

import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { MemoryChallengeStore, MemoryCredentialStore, userHandleFromId, type ChallengeStore, type CredentialStore } from '@tessera/core';
import { PostgresChallengeStore, PostgresCredentialStore, migrate, type SqlClient } from '@tessera/store-postgres';
import pg from 'pg';
import { MemoryAccountStore, PostgresAccountStore, migrateDemoAccounts, type AccountStore } from './demoAccounts.ts';
import { DemoDirectory } from './demoDirectory.ts';

/**
 * Where the demo keeps accounts, passkeys and ceremonies:
 * - `memory`: in the process, gone when it stops (the tests' choice: fastest);
 * - `pglite`: PGlite (PostgreSQL compiled to WebAssembly, in process) in a directory — the command's default,
 *   `.tessera-demo/` at the repository root, so a fresh machine needs no database server;
 * - `postgres`: a PostgreSQL server, from a `postgres://` connection string (`DATABASE_URL`).
 */
export type DemoStorageOptions = { kind: 'memory' } | { kind: 'pglite'; dataDir: string } | { kind: 'postgres'; url: string };

/** The demo's stores, opened and migrated. */
export interface DemoStorage {
  /** Ceremonies between options and verification. */
  challengeStore: ChallengeStore;
  /** The passkeys of every account (shared by both adapters). */
  credentialStore: CredentialStore;
  /** Accounts and sessions (sessions always in memory). */
  directory: DemoDirectory;
  /** One line for the console: where the data lives. */
  description: string;
  /** Closes the database; closing twice is harmless. */
  close(): Promise<void>;
}

/** How long `pg` waits for a connection before the demo reports the server unreachable. */
const CONNECT_TIMEOUT_MS = 5_000;

/**
 * Opens the demo's storage: creates the PGlite directory if needed, connects, runs the store's `migrate` and
 * the demo's own, and builds the stores.
 *
 * @param options - see {@link DemoStorageOptions}
 * @returns the stores and how to close them
 * @throws {DemoStorageError} when the database cannot be opened, reached or migrated (its message says which
 *   and never holds a password); the database, if opened, is closed again
 */
export async function openDemoStorage(options: DemoStorageOptions): Promise<DemoStorage> {
  if (options.kind === 'memory') return memoryStorage();
  const { db, close, description } = options.kind === 'pglite' ? await openPglite(options.dataDir) : openPool(options.url);
  try {
    await migrate(db);
    await migrateDemoAccounts(db);
  } catch (error) {
    await close().catch(() => {});
    const hint = options.kind === 'postgres' ? ' Is the server running, and the URL right? Unset DATABASE_URL to keep the data in PGlite instead.' : '';
    throw new DemoStorageError(`Could not prepare the tables in ${description}: ${reasonOf(error)}.${hint}`, { cause: error });
  }
  let closed: Promise<void> | undefined;
  return {
    challengeStore: new PostgresChallengeStore({ db }),
    credentialStore: new PostgresCredentialStore({ db }),
    directory: new DemoDirectory({ accounts: new PostgresAccountStore(db) }),
    description,
    close: () => (closed ??= close()),
  };
}

/** Storage that cannot be opened: a bad `DATABASE_URL`, an unreachable server, an unusable data directory. */
export class DemoStorageError extends Error {
  override name = 'DemoStorageError';
}

function memoryStorage(): DemoStorage {
  const credentialStore = new MemoryCredentialStore();
  // An account dropped to keep memory bounded takes its sessions and passkeys with it, so none is left without an owner.
  const accounts: AccountStore = new MemoryAccountStore((account) => {
    directory.forgetAccount(account);
    const handle = userHandleFromId(account.id);
    void credentialStore.listByUser(handle).then((records) => Promise.all(records.map((record) => credentialStore.delete(record.id, handle))));
  });
  const directory = new DemoDirectory({ accounts });
  return {
    challengeStore: new MemoryChallengeStore(),
    credentialStore,
    directory,
    description: 'memory (gone when the demo stops)',
    close: async () => {},
  };
}

async function openPglite(dataDir: string): Promise<{ db: SqlClient; close: () => Promise<void>; description: string }> {
  const description = `PGlite at ${dataDir}`;
  let db: PGlite;
  try {
    mkdirSync(dataDir, { recursive: true });
    db = await PGlite.create(dataDir);
  } catch (error) {
    throw new DemoStorageError(`Could not open ${description}: ${reasonOf(error)}. Is another demo using it? Choose another with --data DIR.`, { cause: error });
  }
  return { db, close: () => db.close(), description };
}

function openPool(url: string): { db: SqlClient; close: () => Promise<void>; description: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new DemoStorageError('DATABASE_URL is not a URL. Give postgres://user:password@host:5432/database, or unset it to use PGlite.');
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new DemoStorageError(`DATABASE_URL must start with postgres:// or postgresql://, not ${parsed.protocol}//.`);
  }
  const description = `PostgreSQL at ${redacted(parsed)}`;
  const pool = new pg.Pool({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, max: 5 });
  // An idle connection the server drops is reported here; the next query reconnects (or fails as store_unavailable).
  pool.on('error', () => {});
  return { db: pool, close: () => pool.end(), description };
}

/** The URL without its password, for messages. */
function redacted(url: URL): string {
  const copy = new URL(url.href);
  if (copy.password !== '') copy.password = '***';
  return copy.href;
}

/** The innermost message of an error chain (a TesseraError wrapping pg's ECONNREFUSED, say). */
function reasonOf(error: unknown): string {
  let current = error;
  while ((current as { cause?: unknown } | null)?.cause instanceof Error) current = (current as { cause: unknown }).cause;
  const { message: text, code, name } = (typeof current === 'object' && current !== null ? current : {}) as { message?: unknown; code?: unknown; name?: unknown };
  const message = [text, code, name].find((part): part is string => typeof part === 'string' && part !== '') ?? String(current);
  const outer = error instanceof Error && error !== current ? `${error.message} (${message})` : message;
  return outer.replace(/\.$/, '').replace(/\.? \(/, ' (');
}

import { TesseraError, base64url, userHandleFromId } from '@tessera/core';
import type { SqlClient } from '@tessera/store-postgres';
import { z } from 'zod';

/**
 * The demo's accounts: a random id (its WebAuthn user handle is `userHandleFromId(id)`) and the name the
 * person chose, unique case-insensitively. A real application has these already, in its users table; nothing
 * here is part of Tessera.
 */

/** An account: a random id and the name the person chose. */
export interface Account {
  id: string;
  name: string;
}

/** Where accounts live: in memory ({@link MemoryAccountStore}) or in PostgreSQL/PGlite ({@link PostgresAccountStore}). */
export interface AccountStore {
  /**
   * @param name - a valid account name; names compare case-insensitively
   * @returns the new account, or `undefined` when the name is taken
   */
  create(name: string): Promise<Account | undefined>;
  /** @returns the account with this name (any case), if any */
  named(name: string): Promise<Account | undefined>;
  /** @returns the account whose WebAuthn user handle (base64url) this is, if any */
  ofHandle(handle: string): Promise<Account | undefined>;
}

/** The most accounts {@link MemoryAccountStore} keeps, so memory stays bounded. */
export const MAX_MEMORY_ACCOUNTS = 10_000;

/** A new account id: `acct-` and 12 random bytes, base64url. */
function newAccountId(): string {
  return `acct-${base64url.encode(crypto.getRandomValues(new Uint8Array(12)))}`;
}

/** Accounts in memory, gone with the process; bounded: when full, the oldest account goes. */
export class MemoryAccountStore implements AccountStore {
  readonly #byName = new Map<string, Account>();
  readonly #byHandle = new Map<string, Account>();
  readonly #onEvicted: (account: Account) => void;

  /** @param onEvicted - hears of an account dropped to make room, so its sessions and passkeys can go too */
  constructor(onEvicted: (account: Account) => void = () => {}) {
    this.#onEvicted = onEvicted;
  }

  /** {@inheritDoc AccountStore.create} */
  async create(name: string): Promise<Account | undefined> {
    const key = name.toLowerCase();
    if (this.#byName.has(key)) return undefined;
    if (this.#byName.size >= MAX_MEMORY_ACCOUNTS) this.#evictOldest();
    const account: Account = { id: newAccountId(), name };
    this.#byName.set(key, account);
    this.#byHandle.set(userHandleFromId(account.id), account);
    return account;
  }

  /** {@inheritDoc AccountStore.named} */
  async named(name: string): Promise<Account | undefined> {
    return this.#byName.get(name.toLowerCase());
  }

  /** {@inheritDoc AccountStore.ofHandle} */
  async ofHandle(handle: string): Promise<Account | undefined> {
    return this.#byHandle.get(handle);
  }

  #evictOldest(): void {
    const oldest = this.#byName.entries().next();
    if (oldest.done === true) return;
    const [key, account] = oldest.value;
    this.#byName.delete(key);
    this.#byHandle.delete(userHandleFromId(account.id));
    this.#onEvicted(account);
  }
}

/**
 * The demo's own table, beside the ones `@tessera/store-postgres`'s `migrate` creates. `name_key` is the
 * lower-cased name, unique, so two accounts never share a name; `user_handle` is indexed for the
 * discoverable sign-in, which finds the account from the passkey's user handle (WebAuthn L3 §7.2 step 6).
 */
const CREATE_ACCOUNTS_TABLE = `CREATE TABLE IF NOT EXISTS tessera_demo_accounts (
  id text PRIMARY KEY,
  name text NOT NULL,
  name_key text NOT NULL UNIQUE,
  user_handle text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now()
)`;
const INSERT_ACCOUNT = `INSERT INTO tessera_demo_accounts (id, name, name_key, user_handle) VALUES ($1, $2, $3, $4)
  ON CONFLICT (name_key) DO NOTHING RETURNING id, name`;
const SELECT_BY_NAME = 'SELECT id, name FROM tessera_demo_accounts WHERE name_key = $1';
const SELECT_BY_HANDLE = 'SELECT id, name FROM tessera_demo_accounts WHERE user_handle = $1';

/** What a row must look like before the demo uses it. */
const accountRowSchema = z.strictObject({ id: z.string().regex(/^acct-[A-Za-z0-9_-]{16}$/), name: z.string().min(1).max(64) });

/**
 * Creates the demo's accounts table if it is missing. Idempotent; run it beside the store's `migrate(db)`.
 *
 * @param db - the database (a pg `Pool` or a PGlite instance)
 */
export async function migrateDemoAccounts(db: SqlClient): Promise<void> {
  await db.query(CREATE_ACCOUNTS_TABLE);
}

/** Accounts in PostgreSQL or PGlite, kept across restarts. Every statement is parameterised; rows are validated. */
export class PostgresAccountStore implements AccountStore {
  readonly #db: SqlClient;

  /** @param db - a database on which {@link migrateDemoAccounts} has run */
  constructor(db: SqlClient) {
    this.#db = db;
  }

  /** {@inheritDoc AccountStore.create} */
  async create(name: string): Promise<Account | undefined> {
    const id = newAccountId();
    return this.#one(INSERT_ACCOUNT, [id, name, name.toLowerCase(), userHandleFromId(id)]);
  }

  /** {@inheritDoc AccountStore.named} */
  async named(name: string): Promise<Account | undefined> {
    return this.#one(SELECT_BY_NAME, [name.toLowerCase()]);
  }

  /** {@inheritDoc AccountStore.ofHandle} */
  async ofHandle(handle: string): Promise<Account | undefined> {
    // PostgreSQL text holds no NUL; such a handle cannot have been stored.
    if (handle.includes('\u0000')) return undefined;
    return this.#one(SELECT_BY_HANDLE, [handle]);
  }

  async #one(text: string, params: unknown[]): Promise<Account | undefined> {
    let rows: unknown[];
    try {
      ({ rows } = await this.#db.query(text, params));
    } catch (error) {
      throw new TesseraError('store_unavailable', 'The demo could not reach its accounts table.', { cause: error });
    }
    if (rows.length === 0) return undefined;
    const account = accountRowSchema.safeParse(rows[0]);
    if (!account.success) throw new TesseraError('corrupt_store_record', 'An account row is not what the demo wrote.', { cause: account.error });
    return account.data;
  }
}

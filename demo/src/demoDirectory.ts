import { base64url, generateChallenge, userHandleFromId } from '@tessera/core';
import { z } from 'zod';

/**
 * The demo's own accounts and sessions, in memory. A real application has these already: a users table and
 * whatever issues its sessions. Nothing here is part of Tessera; it is the smallest honest stand-in.
 */

/** An account: a random id (its user handle is `userHandleFromId(id)`) and the name the person chose. */
export interface Account {
  id: string;
  name: string;
}

/**
 * How far a session got:
 * - `signed-in`: a full session (after creating the account, or after a passkey sign-in);
 * - `passkey-pending`: the first step of the Express page's two-step sign-in (the account name, where a real
 *   application would check a password). It may only ask for and answer a passkey challenge.
 */
export type SessionStage = 'signed-in' | 'passkey-pending';

/** A session, named by a bearer token. */
export interface Session {
  account: Account;
  stage: SessionStage;
  expiresAt: number;
}

/** Account names: what a person types, trimmed, 1–64 characters, no control characters. */
export const accountNameSchema: z.ZodString = z
  .string({ error: 'Send the account name as JSON: { "name": "…" }.' })
  .trim()
  .min(1, 'Choose an account name.')
  .max(64, 'An account name has at most 64 characters.')
  .regex(/^[^\p{Cc}]+$/u, 'An account name cannot contain control characters.');

/** How long a session lasts: 1 hour. */
export const SESSION_TTL_MS = 3_600_000;
/** The most accounts, and the most sessions, the demo keeps, so memory stays bounded. */
export const MAX_ENTRIES = 10_000;

/** Options of {@link DemoDirectory}. */
export interface DemoDirectoryOptions {
  /** The clock, epoch ms. Default `Date.now`. */
  now?: () => number;
  /** Called with an account dropped to make room, so its passkeys can go too. */
  onAccountEvicted?: (account: Account) => void;
}

/** Accounts by name and by user handle, and sessions by token; bounded and in memory. */
export class DemoDirectory {
  readonly #accountsByName = new Map<string, Account>();
  readonly #accountsByHandle = new Map<string, Account>();
  readonly #sessions = new Map<string, Session>();
  readonly #now: () => number;
  readonly #onAccountEvicted: (account: Account) => void;

  /** @param options - the clock, and what to do when an account is evicted */
  constructor(options: DemoDirectoryOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#onAccountEvicted = options.onAccountEvicted ?? (() => {});
  }

  /**
   * Creates an account. When the directory is full, the oldest account goes (and `onAccountEvicted` hears of it).
   *
   * @param name - a valid account name (see {@link accountNameSchema}); names compare case-insensitively
   * @returns the new account, or `undefined` when the name is taken
   */
  createAccount(name: string): Account | undefined {
    const key = name.toLowerCase();
    if (this.#accountsByName.has(key)) return undefined;
    if (this.#accountsByName.size >= MAX_ENTRIES) this.#evictOldestAccount();
    const account: Account = { id: `acct-${base64url.encode(crypto.getRandomValues(new Uint8Array(12)))}`, name };
    this.#accountsByName.set(key, account);
    this.#accountsByHandle.set(userHandleFromId(account.id), account);
    return account;
  }

  /**
   * @param name - an account name, any case
   * @returns the account with this name, if any
   */
  accountNamed(name: string): Account | undefined {
    return this.#accountsByName.get(name.toLowerCase());
  }

  /**
   * @param handle - a WebAuthn user handle (base64url)
   * @returns the account whose user handle this is, if any
   */
  accountOfHandle(handle: string): Account | undefined {
    return this.#accountsByHandle.get(handle);
  }

  /**
   * Starts a session. When the directory is full, expired sessions go first, then the oldest.
   *
   * @param account - whose session it is
   * @param stage - how far the session got
   * @returns its bearer token (32 random bytes, base64url)
   */
  openSession(account: Account, stage: SessionStage): string {
    if (this.#sessions.size >= MAX_ENTRIES) this.#makeRoomForSession();
    const token = generateChallenge();
    this.#sessions.set(token, { account, stage, expiresAt: this.#now() + SESSION_TTL_MS });
    return token;
  }

  /**
   * @param authorization - an `Authorization` header value, `Bearer <token>`
   * @returns the live session it names, with its token, or `undefined`
   */
  sessionOf(authorization: string | null | undefined): (Session & { token: string }) | undefined {
    const token = /^Bearer ([A-Za-z0-9_-]{1,128})$/.exec(authorization ?? '')?.[1];
    if (token === undefined) return undefined;
    const session = this.#sessions.get(token);
    if (session === undefined) return undefined;
    if (session.expiresAt <= this.#now() || this.#accountsByHandle.get(userHandleFromId(session.account.id)) !== session.account) {
      this.#sessions.delete(token); // expired, or its account was evicted
      return undefined;
    }
    return { ...session, token };
  }

  /**
   * Marks a pending session as fully signed in, after its passkey step.
   *
   * @param token - the session's bearer token
   */
  completeSignIn(token: string): void {
    const session = this.#sessions.get(token);
    if (session !== undefined) session.stage = 'signed-in';
  }

  /**
   * Ends a session.
   *
   * @param token - the session's bearer token
   */
  closeSession(token: string): void {
    this.#sessions.delete(token);
  }

  #evictOldestAccount(): void {
    const oldest = this.#accountsByName.entries().next();
    if (oldest.done === true) return;
    const [key, account] = oldest.value;
    this.#accountsByName.delete(key);
    this.#accountsByHandle.delete(userHandleFromId(account.id));
    this.#onAccountEvicted(account);
  }

  #makeRoomForSession(): void {
    // Every session lives SESSION_TTL_MS, so insertion order is expiry order: expired ones are at the front.
    const now = this.#now();
    for (const [token, session] of this.#sessions) {
      if (session.expiresAt > now) break;
      this.#sessions.delete(token);
    }
    if (this.#sessions.size < MAX_ENTRIES) return;
    const oldest = this.#sessions.keys().next();
    if (oldest.done !== true) this.#sessions.delete(oldest.value);
  }
}

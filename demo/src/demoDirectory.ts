import { generateChallenge } from '@tessera/core';
import { z } from 'zod';
import type { Account, AccountStore } from './demoAccounts.ts';

export type { Account } from './demoAccounts.ts';

/**
 * The demo's own accounts (in an {@link AccountStore}: memory, PGlite or PostgreSQL) and sessions (always in
 * memory, so a restart signs everyone out). A real application has these already: a users table and whatever
 * issues its sessions. Nothing here is part of Tessera; it is the smallest honest stand-in.
 */

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
  .regex(/^[^\p{Cc}\p{Cs}]+$/u, 'An account name cannot contain control characters.');

/** How long a session lasts: 1 hour. */
export const SESSION_TTL_MS = 3_600_000;
/** The most sessions the demo keeps, so memory stays bounded. */
export const MAX_ENTRIES = 10_000;

/** Options of {@link DemoDirectory}. */
export interface DemoDirectoryOptions {
  /** Where accounts live. */
  accounts: AccountStore;
  /** The clock, epoch ms. Default `Date.now`. */
  now?: () => number;
}

/** Accounts (in their store) and sessions by token (in memory, bounded). */
export class DemoDirectory {
  readonly #accounts: AccountStore;
  readonly #sessions = new Map<string, Session>();
  readonly #now: () => number;

  /** @param options - the account store and the clock */
  constructor(options: DemoDirectoryOptions) {
    this.#accounts = options.accounts;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Creates an account.
   *
   * @param name - a valid account name (see {@link accountNameSchema}); names compare case-insensitively
   * @returns the new account, or `undefined` when the name is taken
   */
  createAccount(name: string): Promise<Account | undefined> {
    return this.#accounts.create(name);
  }

  /**
   * @param name - an account name, any case
   * @returns the account with this name, if any
   */
  accountNamed(name: string): Promise<Account | undefined> {
    return this.#accounts.named(name);
  }

  /**
   * @param handle - a WebAuthn user handle (base64url)
   * @returns the account whose user handle this is, if any
   */
  accountOfHandle(handle: string): Promise<Account | undefined> {
    return this.#accounts.ofHandle(handle);
  }

  /**
   * Ends every session of an account that is gone (evicted from memory to make room).
   *
   * @param account - the account
   */
  forgetAccount(account: Account): void {
    for (const [token, session] of this.#sessions) if (session.account.id === account.id) this.#sessions.delete(token);
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
    if (session.expiresAt <= this.#now()) {
      this.#sessions.delete(token);
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

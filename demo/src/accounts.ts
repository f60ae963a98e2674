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
  .string()
  .trim()
  .min(1, 'Choose an account name.')
  .max(64, 'An account name has at most 64 characters.')
  .regex(/^[^\p{Cc}]+$/u, 'An account name cannot contain control characters.');

/** How long a session lasts: 1 hour. */
export const SESSION_TTL_MS = 3_600_000;
/** The most accounts and sessions the demo keeps; the oldest go first, so memory stays bounded. */
export const MAX_ENTRIES = 10_000;

/** Accounts by name and by user handle, and sessions by token; bounded and in memory. */
export class DemoDirectory {
  readonly #accountsByName = new Map<string, Account>();
  readonly #accountsByHandle = new Map<string, Account>();
  readonly #sessions = new Map<string, Session>();
  readonly #now: () => number;

  /** @param now - the clock, epoch ms */
  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /**
   * Creates an account, or returns `undefined` when the name is taken (names compare case-insensitively).
   *
   * @param name - a valid account name (see {@link accountNameSchema})
   */
  createAccount(name: string): Account | undefined {
    const key = name.toLowerCase();
    if (this.#accountsByName.has(key)) return undefined;
    const account: Account = { id: `acct-${base64url.encode(crypto.getRandomValues(new Uint8Array(12)))}`, name };
    bounded(this.#accountsByName, key, account, (evicted) => this.#accountsByHandle.delete(userHandleFromId(evicted.id)));
    this.#accountsByHandle.set(userHandleFromId(account.id), account);
    return account;
  }

  /** The account with this name, if any (case-insensitive). */
  accountNamed(name: string): Account | undefined {
    return this.#accountsByName.get(name.toLowerCase());
  }

  /** The account whose user handle this is, if any. */
  accountOfHandle(handle: string): Account | undefined {
    return this.#accountsByHandle.get(handle);
  }

  /** Starts a session and returns its bearer token. */
  openSession(account: Account, stage: SessionStage): string {
    const token = generateChallenge();
    bounded(this.#sessions, token, { account, stage, expiresAt: this.#now() + SESSION_TTL_MS });
    return token;
  }

  /** The live session of an `Authorization: Bearer …` header value, if any. */
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

  /** Marks a session as fully signed in (after its passkey step). */
  completeSignIn(token: string): void {
    const session = this.#sessions.get(token);
    if (session !== undefined) session.stage = 'signed-in';
  }

  /** Ends a session. */
  closeSession(token: string): void {
    this.#sessions.delete(token);
  }
}

/** Sets `key`, dropping the oldest entry first when the map is full. */
function bounded<V>(map: Map<string, V>, key: string, value: V, onEvict?: (value: V) => void): void {
  if (map.size >= MAX_ENTRIES) {
    const oldest = map.keys().next();
    if (oldest.done !== true) {
      const evicted = map.get(oldest.value);
      map.delete(oldest.value);
      if (evicted !== undefined) onEvict?.(evicted);
    }
  }
  map.set(key, value);
}

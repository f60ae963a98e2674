import type { AuthenticationChallengeRecord, ChallengeStore, RegistrationChallengeRecord } from '../challengeStore.ts';
import { isTesseraError } from '../errors.ts';

/** One named check of a {@link ChallengeStore}; register it with your test runner. */
export interface ConformanceCase {
  /** What the case proves, as a sentence. */
  readonly name: string;
  /** Runs the case; rejects with an `Error` explaining the first broken expectation. */
  readonly run: () => Promise<void>;
}

/** Options for {@link challengeStoreConformance}. */
export interface ChallengeStoreConformanceOptions {
  /** Makes a fresh, empty store for one case. */
  createStore: () => ChallengeStore | Promise<ChallengeStore>;
  /** Releases a store after its case (close connections, stop timers). */
  disposeStore?: (store: ChallengeStore) => void | Promise<void>;
  /**
   * Lets `ms` milliseconds pass for the store. Default: really wait. A store with an injected clock can
   * advance the clock instead, so the expiry cases run instantly.
   */
  advanceTime?: (ms: number) => void | Promise<void>;
  /** TTL used by the expiry cases, in ms; default 200. Real-time stores need it above their clock resolution. */
  expiryTtlMs?: number;
  /** Number of concurrent callers in the concurrency cases; default 100. */
  concurrency?: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`Challenge store conformance: ${message}`);
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a).filter((key) => (a as Record<string, unknown>)[key] !== undefined);
  const keysB = Object.keys(b).filter((key) => (b as Record<string, unknown>)[key] !== undefined);
  if (keysA.length !== keysB.length) return false;
  return keysA.every((key) => sameJson((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}

/**
 * A valid authentication record whose fields all depend on `seed`, so records saved under different keys
 * are told apart. Every optional member is present when `full` is set.
 *
 * @param seed - distinguishes records (0–4095)
 * @param full - include the optional `userId` and non-empty lists
 * @returns a record that passes `challengeRecordSchema`
 */
export function sampleChallengeRecord(seed: number, full = true): AuthenticationChallengeRecord {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const tag = alphabet[(seed >> 6) & 63]! + alphabet[seed & 63]!;
  const record: AuthenticationChallengeRecord = {
    ceremony: 'authentication',
    challenge: `${tag}${'A'.repeat(40)}A`,
    rpId: 'example.com',
    allowCredentialIds: full ? [`${tag}AQIDBA`, `${tag}BQYHCA`] : [],
    userVerification: full ? 'required' : 'preferred',
    hints: full ? ['security-key', 'hybrid'] : [],
    expiresAt: 1_900_000_000_000 + seed,
  };
  return full ? { ...record, userId: `${tag}dXNlcg` } : record;
}

/**
 * A valid registration record whose fields depend on `seed`.
 *
 * @param seed - distinguishes records (0–4095)
 * @returns a record that passes `challengeRecordSchema`
 */
export function sampleRegistrationRecord(seed: number): RegistrationChallengeRecord {
  const { challenge, userId, allowCredentialIds, expiresAt } = sampleChallengeRecord(seed);
  return {
    ceremony: 'registration',
    challenge,
    rpId: 'login.example.com',
    userId: userId!,
    userVerification: 'preferred',
    algorithms: [-8, -7, -257],
    attestation: 'direct',
    excludeCredentialIds: allowCredentialIds,
    extensions: { credProps: true },
    expiresAt,
  };
}

/**
 * The conformance suite every {@link ChallengeStore} must pass: one-time consume, expiry, isolation
 * between keys, no overwriting of live records, and exactly one winner among concurrent consumers.
 * It is framework-agnostic: it returns cases to register with any test runner.
 *
 * @param options - how to make (and dispose of) stores, and how time passes
 * @returns the cases, each self-contained with its own store
 * @example
 * ```ts
 * import { describe, it } from 'vitest';
 * import { challengeStoreConformance } from '@tessera/core/testing';
 *
 * describe('MyStore', () => {
 *   for (const { name, run } of challengeStoreConformance({ createStore: () => new MyStore() })) it(name, run);
 * });
 * ```
 */
export function challengeStoreConformance(options: ChallengeStoreConformanceOptions): ConformanceCase[] {
  const advanceTime = options.advanceTime ?? sleep;
  const ttl = options.expiryTtlMs ?? 200;
  const concurrency = options.concurrency ?? 100;
  const longTtl = 60_000;

  const withStore =
    (body: (store: ChallengeStore) => Promise<void>): (() => Promise<void>) =>
    async () => {
      const store = await options.createStore();
      try {
        await body(store);
      } finally {
        await options.disposeStore?.(store);
      }
    };

  const cases: Array<[string, (store: ChallengeStore) => Promise<void>]> = [
    [
      'consume returns the saved record, unchanged',
      async (store) => {
        const records = [
          ['full', sampleChallengeRecord(1)],
          ['minimal', sampleChallengeRecord(2, false)],
          ['registration', sampleRegistrationRecord(3)],
        ] as const;
        for (const [key, record] of records) {
          await store.save(key, record, longTtl);
          const consumed = await store.consume(key);
          check(sameJson(consumed, record), `the record under "${key}" came back different`);
        }
      },
    ],
    [
      'a conditional registration keeps its mediation, and a normal one comes back without it',
      async (store) => {
        // WebAuthn L3 §7.1 step 14: only a ceremony stored as conditional may finish without UP, so the member
        // must survive the store exactly, and must never appear on a record saved without it.
        const conditional = { ...sampleRegistrationRecord(4), mediation: 'conditional' as const };
        await store.save('conditional', conditional, longTtl);
        const consumed = await store.consume('conditional');
        check(sameJson(consumed, conditional), 'the conditional registration record came back different');
        check(consumed?.ceremony === 'registration' && consumed.mediation === 'conditional', 'the conditional registration lost its mediation');
        await store.save('normal', sampleRegistrationRecord(5), longTtl);
        const normal = await store.consume('normal');
        check(normal?.ceremony === 'registration' && normal.mediation === undefined, 'a normal registration came back with a mediation');
      },
    ],
    [
      'a record is consumed at most once',
      async (store) => {
        await store.save('once', sampleChallengeRecord(3), longTtl);
        check((await store.consume('once')) !== undefined, 'the first consume found nothing');
        check((await store.consume('once')) === undefined, 'a second consume returned the record again');
        check((await store.consume('once')) === undefined, 'a third consume returned the record again');
      },
    ],
    [
      'consuming an unknown key returns undefined',
      async (store) => {
        check((await store.consume('never-saved')) === undefined, 'an unknown key returned a record');
      },
    ],
    [
      'keys are isolated from each other',
      async (store) => {
        const records = [sampleChallengeRecord(10), sampleChallengeRecord(11), sampleChallengeRecord(12)];
        for (const [index, record] of records.entries()) await store.save(`key-${index}`, record, longTtl);
        check(sameJson(await store.consume('key-1'), records[1]), 'key-1 returned another record');
        check((await store.consume('key-1')) === undefined, 'key-1 was returned twice');
        check(sameJson(await store.consume('key-0'), records[0]), 'consuming key-1 disturbed key-0');
        check(sameJson(await store.consume('key-2'), records[2]), 'consuming key-1 disturbed key-2');
        check((await store.consume('key-')) === undefined, 'a prefix of a key matched it');
      },
    ],
    [
      'a record expires after its TTL',
      async (store) => {
        await store.save('short', sampleChallengeRecord(20), ttl);
        await store.save('long', sampleChallengeRecord(21), longTtl);
        await advanceTime(ttl * 2 + 50);
        check((await store.consume('short')) === undefined, 'an expired record was returned');
        check(sameJson(await store.consume('long'), sampleChallengeRecord(21)), 'a live record expired early');
      },
    ],
    [
      'a record is still returned before its TTL runs out',
      async (store) => {
        await store.save('fresh', sampleChallengeRecord(22), longTtl);
        await advanceTime(ttl);
        check(sameJson(await store.consume('fresh'), sampleChallengeRecord(22)), 'a live record was not returned');
      },
    ],
    [
      'saving over a live record is refused and keeps the original',
      async (store) => {
        await store.save('taken', sampleChallengeRecord(30), longTtl);
        let error: unknown;
        try {
          await store.save('taken', sampleChallengeRecord(31), longTtl);
        } catch (caught) {
          error = caught;
        }
        check(isTesseraError(error, 'challenge_store_conflict'), 'overwriting a live record did not reject with challenge_store_conflict');
        check(sameJson(await store.consume('taken'), sampleChallengeRecord(30)), 'the original record was not kept');
      },
    ],
    [
      'a key whose record expired can be saved again',
      async (store) => {
        await store.save('recycled', sampleChallengeRecord(35), ttl);
        await advanceTime(ttl * 2 + 50);
        await store.save('recycled', sampleChallengeRecord(36), longTtl);
        check(sameJson(await store.consume('recycled'), sampleChallengeRecord(36)), 'the new record was not stored');
      },
    ],
    [
      'invalid keys and TTLs are rejected with invalid_argument',
      async (store) => {
        const attempts: Array<[string, () => Promise<unknown>]> = [
          ['an empty key', () => store.save('', sampleChallengeRecord(40), longTtl)],
          ['a key over 256 characters', () => store.save('k'.repeat(257), sampleChallengeRecord(40), longTtl)],
          ['a zero TTL', () => store.save('ttl', sampleChallengeRecord(40), 0)],
          ['a negative TTL', () => store.save('ttl', sampleChallengeRecord(40), -5)],
          ['a fractional TTL', () => store.save('ttl', sampleChallengeRecord(40), 1.5)],
          ['a NaN TTL', () => store.save('ttl', sampleChallengeRecord(40), Number.NaN)],
          ['consuming an empty key', () => store.consume('')],
        ];
        for (const [what, attempt] of attempts) {
          let error: unknown;
          try {
            await attempt();
          } catch (caught) {
            error = caught;
          }
          check(isTesseraError(error, 'invalid_argument'), `${what} was not rejected with invalid_argument`);
        }
      },
    ],
    [
      'a saved record is a copy: changing the saved object, or a returned one, changes nothing stored',
      async (store) => {
        const record = sampleChallengeRecord(60);
        await store.save('copy-a', record, longTtl);
        await store.save('copy-b', record, longTtl);
        record.allowCredentialIds.push('AAAAAAAAAAAAAAAAAAAAAA');
        record.hints.length = 0;
        (record as { challenge: string }).challenge = 'changed';
        const first = await store.consume('copy-a');
        check(sameJson(first, sampleChallengeRecord(60)), 'a change to the saved object after save reached the store');
        (first as { challenge: string }).challenge = 'changed too';
        check(sameJson(await store.consume('copy-b'), sampleChallengeRecord(60)), 'a change to a returned record reached another stored one');
      },
    ],
    [
      'records with different TTLs expire independently, whatever the order they were saved in',
      async (store) => {
        const keys = Array.from({ length: 40 }, (_, index) => `mixed-${index}`);
        // Short and long TTLs interleaved, and a long one saved first, so expiry order differs from save order.
        for (const [index, key] of keys.entries()) await store.save(key, sampleChallengeRecord(200 + index), index % 3 === 0 ? longTtl : ttl);
        await advanceTime(ttl * 2 + 50);
        for (const [index, key] of keys.entries()) {
          const consumed = await store.consume(key);
          if (index % 3 === 0) check(sameJson(consumed, sampleChallengeRecord(200 + index)), `${key} (long TTL) was lost when the short ones expired`);
          else check(consumed === undefined, `${key} (short TTL) was returned after it expired`);
        }
      },
    ],
    [
      'a key saved again after its record expired holds the new record, which outlives the old expiry and comes back once',
      async (store) => {
        await store.save('replaced', sampleChallengeRecord(70), ttl);
        await advanceTime(ttl * 2 + 50);
        await store.save('replaced', sampleChallengeRecord(71), longTtl);
        await advanceTime(ttl * 2 + 50); // whatever cleans up the old record runs now, and must leave the new one
        check(sameJson(await store.consume('replaced'), sampleChallengeRecord(71)), 'the new record was lost with the old one');
        check((await store.consume('replaced')) === undefined, 'the new record came back twice');
      },
    ],
    [
      `${concurrency} concurrent consumes of one key yield exactly one record`,
      async (store) => {
        await store.save('contested', sampleChallengeRecord(50), longTtl);
        const results = await Promise.all(Array.from({ length: concurrency }, () => store.consume('contested')));
        const winners = results.filter((result) => result !== undefined);
        check(winners.length === 1, `${winners.length} consumers got the record`);
        check(sameJson(winners[0], sampleChallengeRecord(50)), 'the winner got a different record');
      },
    ],
    [
      `${concurrency} keys saved and consumed concurrently each come back once, to the right caller`,
      async (store) => {
        const keys = Array.from({ length: concurrency }, (_, index) => `parallel-${index}`);
        await Promise.all(keys.map((key, index) => store.save(key, sampleChallengeRecord(100 + index), longTtl)));
        const rounds = await Promise.all(keys.flatMap((key) => [store.consume(key), store.consume(key)]));
        keys.forEach((key, index) => {
          const pair = [rounds[2 * index], rounds[2 * index + 1]].filter((result) => result !== undefined);
          check(pair.length === 1, `${key} was returned ${pair.length} times`);
          check(sameJson(pair[0], sampleChallengeRecord(100 + index)), `${key} returned another key's record`);
        });
      },
    ],
  ];

  return cases.map(([name, body]): ConformanceCase => ({ name, run: withStore(body) }));
}


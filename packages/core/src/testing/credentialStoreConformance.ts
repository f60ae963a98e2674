import { base64url } from '../base64url.ts';
import type { CredentialRecord, CredentialStore, CredentialUpdate } from '../credentialStore.ts';
import { isTesseraError, type TesseraErrorCode } from '../errors.ts';
import type { ConformanceCase } from './challengeStoreConformance.ts';

/** Options for {@link credentialStoreConformance}. */
export interface CredentialStoreConformanceOptions {
  /** Makes a fresh, empty store for one case (for a shared database: empty its tables first). */
  createStore: () => CredentialStore | Promise<CredentialStore>;
  /** Releases a store after its case (close connections). */
  disposeStore?: (store: CredentialStore) => void | Promise<void>;
  /** Number of concurrent callers in the race cases; default 100. */
  concurrency?: number;
}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`Credential store conformance: ${message}`);
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Bytes 0–255 cycling from `seed`: every byte value, including 0x00 and 0xff, appears in a long enough run. */
function bytesFrom(seed: number, length: number): Uint8Array<ArrayBuffer> {
  return Uint8Array.from({ length }, (_, index) => (seed * 31 + index) & 0xff);
}

/**
 * A user handle that depends on `seed`, for {@link sampleCredentialRecord}.
 *
 * @param seed - distinguishes users (0–4095)
 * @returns a base64url user handle
 */
export function sampleUserHandle(seed: number): string {
  return base64url.encode(new TextEncoder().encode(`user-${seed}`));
}

/**
 * A valid credential record whose fields all depend on `seed`. With `full`, every optional member is present
 * and the values reach their edges: a 1023-byte id, the largest counter, every transport, attestation bytes
 * holding every byte value, a name outside the Basic Multilingual Plane.
 *
 * @param seed - distinguishes records (0–4095)
 * @param full - include every optional member, with edge values
 * @param userId - the owner; default a handle derived from `seed`
 * @returns a record that passes `credentialRecordSchema`
 */
export function sampleCredentialRecord(seed: number, full = false, userId: string = sampleUserHandle(seed)): CredentialRecord {
  const tag = ALPHABET[(seed >> 6) & 63]! + ALPHABET[seed & 63]!;
  const record: CredentialRecord = {
    id: full ? base64url.encode(bytesFrom(seed, 1023)) : `${tag}AQIDBAUGBwgJCgsMDQ4PEA`,
    userId,
    publicKey: bytesFrom(seed, full ? 600 : 77),
    signCount: full ? 0xffff_fffe : seed,
    transports: full ? ['ble', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb'] : [],
    backupEligible: full,
    backupState: full,
    uvInitialized: full,
    aaguid: full ? 'ee882879-721c-4913-9775-3dfcce97072a' : '00000000-0000-0000-0000-000000000000',
    fmt: full ? 'packed' : 'none',
    createdAt: 1_700_000_000_000 + seed,
    lastUsedAt: full ? 8_640_000_000_000_000 : null,
  };
  if (full) {
    record.attestationObject = bytesFrom(seed + 1, 2048);
    record.attestationClientDataJSON = new TextEncoder().encode(`{"type":"webauthn.create","challenge":"${tag}"}`);
    record.name = `Clé 🔑 ${tag} — 工作`;
  }
  return record;
}

function sameBytes(a: unknown, b: Uint8Array): boolean {
  return a instanceof Uint8Array && a.length === b.length && a.every((byte, index) => byte === b[index]);
}

/** Every member of `expected` is in `actual`, exactly, and `actual` has no other member (absent ≡ undefined). */
function differences(actual: CredentialRecord | undefined, expected: CredentialRecord): string[] {
  if (actual === undefined || actual === null || typeof actual !== 'object') return ['the record is missing'];
  const keys = new Set([...Object.keys(actual), ...Object.keys(expected)]);
  const problems: string[] = [];
  for (const key of keys) {
    const a = (actual as Record<string, unknown>)[key];
    const e = (expected as Record<string, unknown>)[key];
    const same =
      e instanceof Uint8Array
        ? sameBytes(a, e)
        : Array.isArray(e)
          ? Array.isArray(a) && a.length === e.length && a.every((item, index) => item === e[index])
          : a === e;
    if (!same) problems.push(key);
  }
  return problems;
}

function checkSame(actual: CredentialRecord | undefined, expected: CredentialRecord, what: string): void {
  const problems = differences(actual, expected);
  check(problems.length === 0, `${what}: ${problems.join(', ')} came back different`);
}

async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  return undefined;
}

async function checkFails(promise: Promise<unknown>, code: TesseraErrorCode, what: string): Promise<void> {
  const error = await failureOf(promise);
  check(isTesseraError(error, code), `${what} did not reject with ${code}${error === undefined ? ' (it succeeded)' : ` (got ${String(error)})`}`);
}

/** An update that moves `record`'s counter from what is stored to `signCount`. */
function updateOf(record: CredentialRecord, signCount: number, overrides: Partial<CredentialUpdate> = {}): CredentialUpdate {
  return {
    expectedSignCount: record.signCount,
    signCount,
    backupState: !record.backupState,
    backupEligible: true,
    uvInitialized: false,
    lastUsedAt: 1_800_000_000_000,
    ...overrides,
  };
}

/**
 * The conformance suite every {@link CredentialStore} must pass (its JSDoc states the contract): exact round
 * trips of every field, copies rather than shared objects, one registration per credential id, the
 * compare-and-set counter with exactly one winner among concurrent sign-ins, oldest-first lists, owner checks
 * on rename and delete. Framework-agnostic: it returns cases to register with any test runner.
 *
 * @param options - how to make (and dispose of) stores
 * @returns the cases, each self-contained with its own store
 * @example
 * ```ts
 * import { describe, it } from 'vitest';
 * import { credentialStoreConformance } from '@tessera/core/testing';
 *
 * describe('MyCredentialStore', () => {
 *   for (const { name, run } of credentialStoreConformance({ createStore: () => new MyCredentialStore(db) })) it(name, run);
 * });
 * ```
 */
export function credentialStoreConformance(options: CredentialStoreConformanceOptions): ConformanceCase[] {
  const concurrency = options.concurrency ?? 100;
  const alice = sampleUserHandle(1000);
  const bob = sampleUserHandle(2000);

  const withStore =
    (body: (store: CredentialStore) => Promise<void>): (() => Promise<void>) =>
    async () => {
      const store = await options.createStore();
      try {
        await body(store);
      } finally {
        await options.disposeStore?.(store);
      }
    };

  const cases: Array<[string, (store: CredentialStore) => Promise<void>]> = [
    [
      'get returns the created record with every field exactly as given, bytes included',
      async (store) => {
        for (const [what, record] of [
          ['a record with every optional member and edge values', sampleCredentialRecord(1, true)],
          ['a minimal record', sampleCredentialRecord(2)],
          ['a record with counter 0 and the earliest time', { ...sampleCredentialRecord(3), signCount: 0, createdAt: 0, lastUsedAt: 0 }],
        ] as const) {
          await store.create(record);
          checkSame(await store.get(record.id), record, what);
          checkSame((await store.listRecordsByUser(record.userId))[0], record, `${what}, listed`);
        }
      },
    ],
    [
      'get of an unknown id returns undefined',
      async (store) => {
        await store.create(sampleCredentialRecord(4));
        check((await store.get(sampleCredentialRecord(5).id)) === undefined, 'an unknown id returned a record');
        check((await store.get(sampleCredentialRecord(4).id.slice(0, -2))) === undefined, 'a prefix of an id matched it');
      },
    ],
    [
      'records are copied in and out: changing what was given or returned never changes what is stored',
      async (store) => {
        const given = sampleCredentialRecord(6, true);
        await store.create(given);
        given.publicKey[0] = (given.publicKey[0]! + 1) & 0xff;
        given.attestationObject![0] = (given.attestationObject![0]! + 1) & 0xff;
        given.transports.pop();
        given.signCount = 1;
        const read = (await store.get(given.id))!;
        checkSame(read, sampleCredentialRecord(6, true), 'after the given record was changed');
        read.publicKey.fill(0);
        read.attestationClientDataJSON!.fill(0);
        read.transports.length = 0;
        const [listed] = await store.listRecordsByUser(given.userId);
        listed!.publicKey.fill(0);
        const [descriptor] = await store.listByUser(given.userId);
        descriptor!.transports.length = 0;
        checkSame(await store.get(given.id), sampleCredentialRecord(6, true), 'after returned records were changed');
      },
    ],
    [
      'a credential id is registered once: creating it again, for any user, fails credential_already_registered and keeps the first',
      async (store) => {
        const first = sampleCredentialRecord(7, false, alice);
        await store.create(first);
        await checkFails(store.create({ ...sampleCredentialRecord(8, false, bob), id: first.id }), 'credential_already_registered', "another user's create of the same id");
        await checkFails(store.create(first), 'credential_already_registered', 'the same create again');
        checkSame(await store.get(first.id), first, 'the first record');
        check((await store.listByUser(bob)).length === 0, "the refused record appears in the other user's list");
      },
    ],
    [
      `${concurrency} concurrent creates of one id: exactly one succeeds`,
      async (store) => {
        const records = Array.from({ length: concurrency }, (_, index) => ({ ...sampleCredentialRecord(index), id: sampleCredentialRecord(9).id }));
        const outcomes = await Promise.all(records.map((record) => failureOf(store.create(record))));
        const winners = outcomes.flatMap((outcome, index) => (outcome === undefined ? [index] : []));
        check(winners.length === 1, `${winners.length} creates succeeded`);
        check(
          outcomes.every((outcome) => outcome === undefined || isTesseraError(outcome, 'credential_already_registered')),
          'a losing create failed with something other than credential_already_registered',
        );
        checkSame(await store.get(sampleCredentialRecord(9).id), records[winners[0]!]!, 'the stored record');
      },
    ],
    [
      'create refuses an invalid record with invalid_argument and stores nothing',
      async (store) => {
        const valid = sampleCredentialRecord(10);
        const bad: Array<[string, unknown]> = [
          ['an id that is not base64url', { ...valid, id: 'not base64!' }],
          ['a negative counter', { ...valid, signCount: -1 }],
          ['a counter over 32 bits', { ...valid, signCount: 2 ** 32 }],
          ['a malformed aaguid', { ...valid, aaguid: 'x' }],
          ['a public key that is not bytes', { ...valid, publicKey: [1, 2] }],
          ['an unknown transport', { ...valid, transports: ['carrier-pigeon'] }],
          ['a missing uvInitialized', { ...valid, uvInitialized: undefined }],
          ['a fractional createdAt', { ...valid, createdAt: 1.5 }],
          ['an untrimmed name', { ...valid, name: ' Laptop' }],
          ['an unknown member', { ...valid, note: 'x' }],
        ];
        for (const [what, record] of bad) await checkFails(store.create(record as CredentialRecord), 'invalid_argument', `a record with ${what}`);
        check((await store.get(valid.id)) === undefined, 'an invalid record was stored');
      },
    ],
    [
      "listByUser gives each of the user's credentials as { id, transports }, oldest first; listRecordsByUser the full records",
      async (store) => {
        const records = [
          { ...sampleCredentialRecord(11, false, alice), createdAt: 3_000, transports: ['usb' as const] },
          { ...sampleCredentialRecord(12, false, bob), createdAt: 1_000 },
          { ...sampleCredentialRecord(13, false, alice), createdAt: 1_000, transports: ['internal' as const, 'hybrid' as const] },
          { ...sampleCredentialRecord(14, false, alice), createdAt: 2_000 },
          { ...sampleCredentialRecord(15, false, alice), createdAt: 2_000 },
        ];
        for (const record of records) await store.create(record);
        const expected = [records[2]!, records[3]!, records[4]!, records[0]!];
        const descriptors = await store.listByUser(alice);
        check(descriptors.length === 4, `listByUser returned ${descriptors.length} credentials, not 4`);
        descriptors.forEach((descriptor, index) => {
          const record = expected[index]!;
          check(descriptor.id === record.id, `listByUser position ${index} is not the expected credential (oldest first, ties in creation order)`);
          check(
            Object.keys(descriptor).sort().join() === 'id,transports' && descriptor.transports.join() === record.transports.join(),
            'a descriptor is not exactly { id, transports }',
          );
        });
        const full = await store.listRecordsByUser(alice);
        check(full.length === 4, `listRecordsByUser returned ${full.length} records, not 4`);
        full.forEach((record, index) => checkSame(record, expected[index]!, `listRecordsByUser position ${index}`));
        check((await store.listByUser(sampleUserHandle(3000))).length === 0, 'a user without credentials has some');
        check((await store.listRecordsByUser(sampleUserHandle(3000))).length === 0, 'a user without credentials has records');
      },
    ],
    [
      'updateAfterAuthentication stores the counter, flags and last use, turns uvInitialized on but never off, and changes nothing else',
      async (store) => {
        const record = { ...sampleCredentialRecord(16, true), signCount: 5, uvInitialized: false };
        await store.create(record);
        check((await store.updateAfterAuthentication(record.id, updateOf(record, 9, { uvInitialized: true, lastUsedAt: 1_750_000_000_123 }))) === true, 'a valid update returned false');
        const once = { ...record, signCount: 9, backupState: !record.backupState, backupEligible: true, uvInitialized: true, lastUsedAt: 1_750_000_000_123 };
        checkSame(await store.get(record.id), once, 'after the first update');
        check((await store.updateAfterAuthentication(record.id, updateOf(once, 10, { uvInitialized: false, backupState: false }))) === true, 'a second update returned false');
        checkSame(await store.get(record.id), { ...once, signCount: 10, backupState: false, lastUsedAt: 1_800_000_000_000 }, 'after an update without UV');
      },
    ],
    [
      'updateAfterAuthentication fails sign_count_regression, writing nothing, when the counter changed since it was read or does not move forward',
      async (store) => {
        const record = { ...sampleCredentialRecord(17), signCount: 5 };
        await store.create(record);
        const attempts: Array<[string, CredentialUpdate]> = [
          ['a stale expected counter', updateOf(record, 9, { expectedSignCount: 4 })],
          ['a newer expected counter', updateOf(record, 9, { expectedSignCount: 6 })],
          ['the same counter again', updateOf(record, 5)],
          ['a lower counter', updateOf(record, 3)],
          ['a counter reset to 0', updateOf(record, 0)],
        ];
        for (const [what, update] of attempts) await checkFails(store.updateAfterAuthentication(record.id, update), 'sign_count_regression', what);
        checkSame(await store.get(record.id), record, 'after the refused updates');
        await store.updateAfterAuthentication(record.id, updateOf(record, 6));
        await checkFails(store.updateAfterAuthentication(record.id, updateOf(record, 7)), 'sign_count_regression', 'an update built from a record read before another sign-in');
        check((await store.get(record.id))!.signCount === 6, 'a stale update overwrote a newer counter');
      },
    ],
    [
      'a counter that stays 0 on both sides may be stored again and again (§7.2 step 22), but never 0 over a non-zero counter',
      async (store) => {
        const record = { ...sampleCredentialRecord(18), signCount: 0 };
        await store.create(record);
        for (let round = 0; round < 3; round++) {
          check((await store.updateAfterAuthentication(record.id, updateOf(record, 0, { lastUsedAt: 1_800_000_000_000 + round }))) === true, `zero-counter update ${round} was refused`);
        }
        check((await store.get(record.id))!.lastUsedAt === 1_800_000_000_002, 'the last zero-counter update was not stored');
        await store.updateAfterAuthentication(record.id, updateOf(record, 1));
        await checkFails(store.updateAfterAuthentication(record.id, updateOf({ ...record, signCount: 1 }, 0)), 'sign_count_regression', '0 over a stored 1');
      },
    ],
    [
      'updateAfterAuthentication of an unknown or deleted credential returns false',
      async (store) => {
        const record = sampleCredentialRecord(19, false, alice);
        check((await store.updateAfterAuthentication(record.id, updateOf(record, record.signCount + 1))) === false, 'an unknown id was updated');
        await store.create(record);
        await store.delete(record.id, alice);
        check((await store.updateAfterAuthentication(record.id, updateOf(record, record.signCount + 1))) === false, 'a deleted credential was updated');
        check((await store.get(record.id)) === undefined, 'the update brought a deleted credential back');
      },
    ],
    [
      'updateAfterAuthentication refuses a malformed update with invalid_argument',
      async (store) => {
        const record = sampleCredentialRecord(20);
        await store.create(record);
        const bad: Array<[string, Partial<Record<keyof CredentialUpdate, unknown>>]> = [
          ['a negative counter', { signCount: -1 }],
          ['a fractional counter', { signCount: 30.5 }],
          ['a counter over 32 bits', { signCount: 2 ** 32 }],
          ['a NaN last use', { lastUsedAt: Number.NaN }],
          ['a missing expected counter', { expectedSignCount: undefined }],
          ['a string flag', { backupState: 'true' }],
        ];
        for (const [what, overrides] of bad) {
          await checkFails(store.updateAfterAuthentication(record.id, { ...updateOf(record, 30), ...overrides } as CredentialUpdate), 'invalid_argument', `an update with ${what}`);
        }
        checkSame(await store.get(record.id), record, 'after the refused updates');
      },
    ],
    [
      `${concurrency} concurrent sign-ins carrying the same non-zero counter: exactly one is stored, the others fail sign_count_regression`,
      async (store) => {
        const record = { ...sampleCredentialRecord(21), signCount: 41 };
        await store.create(record);
        const read = (await store.get(record.id))!;
        const outcomes = await Promise.all(
          Array.from({ length: concurrency }, (_, index) =>
            store.updateAfterAuthentication(record.id, updateOf(read, 42, { lastUsedAt: 1_800_000_000_000 + index })).then(
              (applied) => ({ applied, index }),
              (error: unknown) => ({ error, index }),
            ),
          ),
        );
        const winners = outcomes.filter((outcome) => 'applied' in outcome && outcome.applied === true);
        check(winners.length === 1, `${winners.length} sign-ins were stored`);
        const losers = outcomes.filter((outcome) => 'error' in outcome);
        check(losers.length === concurrency - 1, `${concurrency - 1 - losers.length} sign-ins neither won nor failed`);
        check(
          losers.every((outcome) => 'error' in outcome && isTesseraError(outcome.error, 'sign_count_regression')),
          'a losing sign-in failed with something other than sign_count_regression',
        );
        const stored = (await store.get(record.id))!;
        check(stored.signCount === 42, `the stored counter is ${stored.signCount}, not 42`);
        check(stored.lastUsedAt === 1_800_000_000_000 + winners[0]!.index, "the stored last use is not the winner's");
      },
    ],
    [
      `${concurrency} concurrent sign-ins with counters 1…${concurrency} read at 0: exactly one is stored`,
      async (store) => {
        const record = { ...sampleCredentialRecord(22), signCount: 0 };
        await store.create(record);
        const outcomes = await Promise.all(
          Array.from({ length: concurrency }, (_, index) =>
            store.updateAfterAuthentication(record.id, updateOf(record, index + 1)).then(
              () => index + 1,
              (error: unknown) => {
                check(isTesseraError(error, 'sign_count_regression'), `a losing sign-in failed with ${String(error)}, not sign_count_regression`);
                return undefined;
              },
            ),
          ),
        );
        const stored = outcomes.filter((outcome) => outcome !== undefined);
        check(stored.length === 1, `${stored.length} sign-ins were stored`);
        check((await store.get(record.id))!.signCount === stored[0], "the stored counter is not the winner's");
      },
    ],
    [
      'rename sets a trimmed NFC name on the owner’s credential only; another user’s or an unknown id is false',
      async (store) => {
        const record = sampleCredentialRecord(23, false, alice);
        await store.create(record);
        check((await store.rename(record.id, alice, '  Cafe\u0301 laptop \n')) === true, "the owner's rename returned false");
        checkSame(await store.get(record.id), { ...record, name: 'Café laptop' }, 'after the rename');
        check((await store.rename(record.id, bob, 'Stolen')) === false, "another user's rename returned true");
        check((await store.rename(sampleCredentialRecord(24).id, alice, 'Ghost')) === false, 'renaming an unknown id returned true');
        check((await store.get(record.id))!.name === 'Café laptop', "another user's rename changed the name");
        const longest = '🔑'.repeat(64);
        check((await store.rename(record.id, alice, longest)) === true, 'a 64-character name was refused');
        check((await store.get(record.id))!.name === longest, 'the 64-character name came back different');
      },
    ],
    [
      'rename refuses an empty, too long or unprintable name with invalid_argument, keeping the old name',
      async (store) => {
        const record = { ...sampleCredentialRecord(25, false, alice), name: 'Phone' };
        await store.create(record);
        const bad: Array<[string, unknown]> = [
          ['an empty name', ''],
          ['a name of spaces', '   '],
          ['a 65-character name', 'x'.repeat(65)],
          ['a name with a control character', 'Pho\u0000ne'],
          ['a name with a lone surrogate', 'Pho\ud800ne'],
          ['a name that is not a string', 42],
        ];
        for (const [what, name] of bad) await checkFails(store.rename(record.id, alice, name as string), 'invalid_argument', `renaming to ${what}`);
        check((await store.get(record.id))!.name === 'Phone', 'a refused rename changed the name');
      },
    ],
    [
      'delete removes the owner’s credential only: another user’s or an unknown id is false; the id may then be registered again',
      async (store) => {
        const record = sampleCredentialRecord(26, false, alice);
        const other = sampleCredentialRecord(27, false, alice);
        await store.create(record);
        await store.create(other);
        check((await store.delete(record.id, bob)) === false, "another user's delete returned true");
        checkSame(await store.get(record.id), record, "after another user's delete");
        check((await store.delete(record.id, alice)) === true, "the owner's delete returned false");
        check((await store.get(record.id)) === undefined, 'a deleted credential is still returned');
        check((await store.listByUser(alice)).map(({ id }) => id).join() === other.id, 'the deleted credential is still listed, or the other one is gone');
        check((await store.delete(record.id, alice)) === false, 'deleting twice returned true');
        await store.create({ ...record, userId: bob });
        check((await store.get(record.id))?.userId === bob, 'a deleted id could not be registered again');
      },
    ],
  ];

  return cases.map(([name, body]): ConformanceCase => ({ name, run: withStore(body) }));
}

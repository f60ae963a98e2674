import type { ChallengeRecord, ChallengeStore } from './challengeStore.ts';
import { assertChallengeStoreArguments } from './challengeStore.ts';
import { ChallengeRecordPacker } from './_challengeRecordPacker.ts';
import { ExpiryQueue } from './_expiryQueue.ts';
import { TesseraError } from './errors.ts';

/** Default {@link MemoryChallengeStoreOptions.maxEntries}. */
export const DEFAULT_MEMORY_STORE_MAX_ENTRIES = 10_000;
/** Default {@link MemoryChallengeStoreOptions.sweepIntervalMs}: one minute. */
export const DEFAULT_MEMORY_STORE_SWEEP_INTERVAL_MS = 60_000;
/** Largest delay timers accept (2³¹ − 1 ms); larger ones fire at once, every millisecond. */
const MAX_TIMER_DELAY_MS = 2_147_483_647;

/** Options for {@link MemoryChallengeStore}. */
export interface MemoryChallengeStoreOptions {
  /**
   * Most records held at once; default 10000. When a save would exceed it, the record that expires first
   * is evicted, to within a second (records are queued in one-second windows, in save order inside one): an
   * expired one if any, else the live record closest to its expiry (with one TTL for every ceremony, the
   * oldest saved). Memory stays bounded under a flood of started ceremonies, but a flood can
   * still push out live ones: rate-limit the endpoint that starts ceremonies.
   */
  maxEntries?: number;
  /**
   * How often expired records are swept out, in ms; default 60000; `0` turns sweeping off (expiry is still
   * enforced on `consume`, and a full store evicts expired records first); at most 2147483647 (the largest
   * timer delay). The timer starts with the first save and never keeps the process alive. A sweep looks
   * only at expired records, at most 2048 keys or 1 ms per turn of the event loop.
   */
  sweepIntervalMs?: number;
  /** Clock in epoch milliseconds; default `Date.now`. Inject one to test expiry without waiting. */
  now?: () => number;
}

/** A timer handle as Node and Bun return it (an object with `unref`) or Deno and browsers do (a number). */
type TimerHandle = ReturnType<typeof setInterval> & { unref?: () => void };

/** Lets the process exit while `timer` is pending: `unref()` on Node and Bun, `Deno.unrefTimer` on Deno. */
function unrefTimer(timer: TimerHandle): void {
  if (typeof timer.unref === 'function') timer.unref();
  else if (typeof timer === 'number') {
    (globalThis as { Deno?: { unrefTimer?: (id: number) => void } }).Deno?.unrefTimer?.(timer);
  }
}

/** Most records one shard (one `Map`) holds at `maxEntries`: a `Map` rehashes in one go as it grows or shrinks. */
const RECORDS_PER_SHARD = 4_096;
/** Most keys the background sweep looks at per turn of the event loop: about a millisecond of work. */
const SWEEP_SLICE_KEYS = 2_048;
/** Longest the background sweep works per turn, in ms, on a machine slow enough to need less than 2048 keys. */
const SWEEP_SLICE_MS = 1;

/**
 * In-process {@link ChallengeStore}: the default, needing nothing. Right for one server process; for several
 * servers behind a load balancer use a shared store such as `@tessera/store-redis`, or the browser's answer
 * may reach a process that never saw the challenge.
 *
 * - One-time: `consume` deletes before it returns, and JavaScript runs it without interleaving, so
 *   concurrent consumes of one key yield the record once.
 * - Copies: each record is held as one compact string (an authentication record with three credential ids
 *   costs under 350 bytes of heap), so `consume` returns a new object equal to the one saved (as JSON is:
 *   members set to `undefined` are left out), and changing a saved or returned object never changes the
 *   store. A record must be JSON data, as every {@link ChallengeRecord} is; anything else is `invalid_argument`.
 * - Bounded: at most `maxEntries` records; beyond that the record closest to expiring goes (expired ones first).
 * - Expiry: enforced on every `consume`. Keys are also queued by expiry time, and an unref'd timer sweeps
 *   expired records out every `sweepIntervalMs`, at most 2048 keys or 1 ms per turn of the event loop: the sweep
 *   never looks at a live record, never stalls the process, and memory is reclaimed about a second after a
 *   record's TTL (plus up to one sweep interval). Call {@link MemoryChallengeStore.dispose} to stop it early.
 *
 * @example
 * ```ts
 * const rp = createRelyingParty({ rpId: 'example.com', rpName: 'Example', origins: ['https://example.com'],
 *   challengeStore: new MemoryChallengeStore() });
 * ```
 */
export class MemoryChallengeStore implements ChallengeStore {
  /** Packed records by key, over several `Map`s so that no single rehash touches them all. */
  readonly #shards: Map<string, string>[];
  readonly #shardMask: number;
  readonly #packer = new ChallengeRecordPacker();
  readonly #queue: ExpiryQueue;
  #size = 0;
  readonly #maxEntries: number;
  readonly #sweepIntervalMs: number;
  readonly #now: () => number;
  #timer: TimerHandle | undefined;
  /** The next slice of a background sweep, while one is under way. */
  #slice: ReturnType<typeof setTimeout> | undefined;

  /**
   * @param options - bounds, sweeping and clock; see {@link MemoryChallengeStoreOptions}
   * @throws {TesseraError} `invalid_argument` for a non-positive `maxEntries` or a negative `sweepIntervalMs`
   */
  constructor(options?: MemoryChallengeStoreOptions) {
    const { maxEntries = DEFAULT_MEMORY_STORE_MAX_ENTRIES, sweepIntervalMs = DEFAULT_MEMORY_STORE_SWEEP_INTERVAL_MS } = options ?? {};
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
      throw new TesseraError('invalid_argument', 'MemoryChallengeStore maxEntries must be a positive whole number.');
    }
    if (!Number.isSafeInteger(sweepIntervalMs) || sweepIntervalMs < 0 || sweepIntervalMs > MAX_TIMER_DELAY_MS) {
      throw new TesseraError(
        'invalid_argument',
        `MemoryChallengeStore sweepIntervalMs must be a whole number of ms up to ${MAX_TIMER_DELAY_MS}, 0 to disable.`,
      );
    }
    if (options?.now !== undefined && typeof options.now !== 'function') {
      throw new TesseraError('invalid_argument', 'MemoryChallengeStore now must be a function returning epoch milliseconds.');
    }
    this.#maxEntries = maxEntries;
    this.#sweepIntervalMs = sweepIntervalMs;
    this.#now = options?.now ?? Date.now;
    let shards = 1;
    while (shards * RECORDS_PER_SHARD < maxEntries && shards < 4_096) shards *= 2;
    this.#shards = Array.from({ length: shards }, () => new Map<string, string>());
    this.#shardMask = shards - 1;
    this.#queue = new ExpiryQueue((key, chunk) => {
      const packed = this.#shardOf(key).get(key);
      return packed !== undefined && this.#packer.chunk(packed) === chunk;
    });
  }

  /** Number of records held, expired ones not yet swept included. */
  get size(): number {
    return this.#size;
  }

  /** {@inheritDoc ChallengeStore.save} */
  async save(key: string, record: ChallengeRecord, ttlMs: number): Promise<void> {
    assertChallengeStoreArguments(key, ttlMs);
    const now = this.#now();
    const shard = this.#shardOf(key);
    const existing = shard.get(key);
    if (existing !== undefined) {
      if (this.#packer.storeExpiresAt(existing) > now) {
        throw new TesseraError('challenge_store_conflict', 'A live challenge record already exists under this key.');
      }
      shard.delete(key);
      this.#size--;
      this.#queue.release(this.#packer.chunk(existing));
    }
    if (this.#size >= this.#maxEntries) this.#queue.evict((evicted) => this.#remove(evicted));
    const expiresAt = now + ttlMs;
    const chunk = this.#queue.chunkFor(expiresAt);
    const packed = this.#packer.pack(key, record, expiresAt, chunk);
    // A key sliced from a longer string (a ticket from its challenge) would keep that string alive: copy it.
    const ownKey = flatCopy(key);
    shard.set(ownKey, packed); // equal content, so the shard found for `key` above
    this.#size++;
    this.#queue.list(chunk, ownKey);
    this.#startSweeping();
  }

  /** {@inheritDoc ChallengeStore.consume} */
  async consume(key: string): Promise<ChallengeRecord | undefined> {
    assertChallengeStoreArguments(key);
    const shard = this.#shardOf(key);
    const packed = shard.get(key);
    if (packed === undefined) return undefined;
    shard.delete(key);
    this.#size--;
    this.#queue.release(this.#packer.chunk(packed));
    return this.#packer.storeExpiresAt(packed) > this.#now() ? this.#packer.unpack(key, packed) : undefined;
  }

  /**
   * Removes expired records now, in one go (the background sweep does the same in slices): every record
   * whose expiry window has ended, that is every record expired for a second or more (one that expired
   * more recently is already refused by `consume`). Only those records are looked at, never live ones.
   *
   * @returns how many records were removed
   */
  sweep(): number {
    const before = this.#size;
    const now = this.#now();
    while (this.#queue.sweep(now, SWEEP_SLICE_KEYS, (key) => this.#remove(key)));
    this.#afterSweep();
    return before - this.#size;
  }

  /** Stops the background sweep and drops every record. The store remains usable; a later save restarts the sweep. */
  dispose(): void {
    this.#stopSweeping();
    for (const shard of this.#shards) shard.clear();
    this.#queue.clear();
    this.#size = 0;
  }

  #shardOf(key: string): Map<string, string> {
    if (this.#shardMask === 0) return this.#shards[0]!;
    // FNV-1a over the last 8 characters and the length: tickets are random, so a few characters spread them.
    let hash = 0x811c9dc5 ^ key.length;
    for (let index = Math.max(0, key.length - 8); index < key.length; index++) hash = Math.imul(hash ^ key.charCodeAt(index), 0x01000193);
    return this.#shards[(hash >>> 0) & this.#shardMask]!;
  }

  /** Removes a record the queue found expired or chose to evict. */
  #remove(key: string): void {
    this.#shardOf(key).delete(key);
    this.#size--;
  }

  /** One slice of a background sweep; schedules the next while expired keys are left. */
  #sweepSlice(): void {
    this.#slice = undefined;
    const deadline = performance.now() + SWEEP_SLICE_MS;
    if (this.#queue.sweep(this.#now(), SWEEP_SLICE_KEYS, (key) => this.#remove(key), deadline)) {
      const slice = setTimeout(() => this.#sweepSlice(), 0);
      unrefTimer(slice as TimerHandle);
      this.#slice = slice;
      return;
    }
    this.#afterSweep();
  }

  #afterSweep(): void {
    if (this.#size === 0) {
      this.#queue.clear();
      this.#stopSweeping();
    }
  }

  #startSweeping(): void {
    if (this.#timer !== undefined || this.#sweepIntervalMs === 0) return;
    const timer: TimerHandle = setInterval(() => {
      if (this.#slice === undefined) this.#sweepSlice();
    }, this.#sweepIntervalMs);
    unrefTimer(timer);
    this.#timer = timer;
  }

  #stopSweeping(): void {
    if (this.#slice !== undefined) {
      clearTimeout(this.#slice);
      this.#slice = undefined;
    }
    if (this.#timer === undefined) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}

/** A copy of `text` in a string of its own (a slice of a longer string would keep all of it alive). */
function flatCopy(text: string): string {
  if (text.length < 13) return text; // V8 copies slices this short anyway
  const codes = new Array<number>(text.length);
  for (let index = 0; index < text.length; index++) codes[index] = text.charCodeAt(index);
  return String.fromCharCode.apply(null, codes);
}

import type { ChallengeRecord, ChallengeStore } from './challengeStore.ts';
import { assertChallengeStoreArguments } from './challengeStore.ts';
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
   * Most records held at once; default 10000. When a save would exceed it, expired records at the old end
   * are dropped first; if the store is still full, the **oldest saved** live record is evicted (first in,
   * first out). Memory stays bounded under a flood of started ceremonies, but a flood can still push out
   * live ones: rate-limit the endpoint that starts ceremonies.
   */
  maxEntries?: number;
  /**
   * How often expired records are swept out, in ms; default 60000; `0` turns sweeping off (expiry is still
   * enforced on `consume`); at most 2147483647 (the largest timer delay). The timer starts with the first
   * save and never keeps the process alive.
   */
  sweepIntervalMs?: number;
  /** Clock in epoch milliseconds; default `Date.now`. Inject one to test expiry without waiting. */
  now?: () => number;
}

interface Entry {
  readonly key: string;
  readonly record: ChallengeRecord;
  readonly expiresAt: number;
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

/**
 * In-process {@link ChallengeStore}: the default, needing nothing. Right for one server process; for several
 * servers behind a load balancer use a shared store such as `@tessera/store-redis`, or the browser's answer
 * may reach a process that never saw the challenge.
 *
 * - One-time: `consume` deletes before it returns, and JavaScript runs it without interleaving, so
 *   concurrent consumes of one key yield the record once.
 * - Bounded: at most `maxEntries` records; beyond that expired ones go first, then the oldest saved.
 * - Expiry: enforced on every `consume`, and expired records are swept in the background by an unref'd
 *   timer (call {@link MemoryChallengeStore.dispose} to stop it early).
 *
 * @example
 * ```ts
 * const rp = createRelyingParty({ rpId: 'example.com', rpName: 'Example', origins: ['https://example.com'],
 *   challengeStore: new MemoryChallengeStore() });
 * ```
 */
export class MemoryChallengeStore implements ChallengeStore {
  readonly #entries = new Map<string, Entry>();
  /**
   * Entries in the order they were saved, oldest at `#head`; entries consumed or replaced since stay here
   * until they reach the head and are skipped. (Taking the first key of a Map instead is slow: V8 keeps the
   * slots of deleted entries until it rehashes, and every lookup of the first key walks over them.)
   */
  #queue: Entry[] = [];
  #head = 0;
  readonly #maxEntries: number;
  readonly #sweepIntervalMs: number;
  readonly #now: () => number;
  #timer: TimerHandle | undefined;

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
  }

  /** Number of records held, expired ones not yet swept included. */
  get size(): number {
    return this.#entries.size;
  }

  /** {@inheritDoc ChallengeStore.save} */
  async save(key: string, record: ChallengeRecord, ttlMs: number): Promise<void> {
    assertChallengeStoreArguments(key, ttlMs);
    const now = this.#now();
    const existing = this.#entries.get(key);
    if (existing !== undefined) {
      if (existing.expiresAt > now) {
        throw new TesseraError('challenge_store_conflict', 'A live challenge record already exists under this key.');
      }
      this.#entries.delete(key);
    }
    if (this.#entries.size >= this.#maxEntries) this.#makeRoom();
    const entry: Entry = { key, record, expiresAt: now + ttlMs };
    this.#entries.set(key, entry);
    this.#queue.push(entry);
    this.#trimQueue();
    this.#startSweeping();
  }

  /** {@inheritDoc ChallengeStore.consume} */
  async consume(key: string): Promise<ChallengeRecord | undefined> {
    assertChallengeStoreArguments(key);
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    this.#entries.delete(key);
    return entry.expiresAt > this.#now() ? entry.record : undefined;
  }

  /**
   * Removes every expired record now. Runs by itself every `sweepIntervalMs`.
   *
   * @returns how many records were removed
   */
  sweep(): number {
    const now = this.#now();
    let removed = 0;
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt <= now) {
        this.#entries.delete(key);
        removed++;
      }
    }
    this.#trimQueue();
    if (this.#entries.size === 0) this.#stopSweeping();
    return removed;
  }

  /** Stops the background sweep and drops every record. The store remains usable; a later save restarts the sweep. */
  dispose(): void {
    this.#stopSweeping();
    this.#entries.clear();
    this.#queue = [];
    this.#head = 0;
  }

  /**
   * Frees at least one slot, oldest saved first: expired entries at the old end go, and if the store is
   * still full, the oldest live one. Amortised O(1): each queued entry is passed over once.
   */
  #makeRoom(): void {
    while (this.#entries.size >= this.#maxEntries && this.#head < this.#queue.length) {
      const oldest = this.#queue[this.#head++]!;
      // Entries consumed or replaced since are passed over; the first live one goes, expired or not.
      if (this.#entries.get(oldest.key) === oldest) this.#entries.delete(oldest.key);
    }
  }

  /**
   * Keeps the queue within twice the live entries (plus slack): when consumed and evicted entries make up
   * most of it, it is rebuilt from the live ones, in order. Each rebuild is paid for by the saves since the
   * last one, so saving stays amortised O(1) and memory stays bounded even when nothing is ever evicted.
   */
  #trimQueue(): void {
    if (this.#queue.length - this.#head <= 2 * this.#entries.size + 1024) return;
    this.#queue = this.#queue.slice(this.#head).filter((entry) => this.#entries.get(entry.key) === entry);
    this.#head = 0;
  }

  #startSweeping(): void {
    if (this.#timer !== undefined || this.#sweepIntervalMs === 0) return;
    const timer: TimerHandle = setInterval(() => this.sweep(), this.#sweepIntervalMs);
    unrefTimer(timer);
    this.#timer = timer;
  }

  #stopSweeping(): void {
    if (this.#timer === undefined) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}

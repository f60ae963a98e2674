/*
 * MemoryChallengeStore at 1M pending ceremonies, beside the store it replaced (a bench-only copy below):
 *   - heap per record: 1,000,000 authentication ceremonies started through createRelyingParty().startAuthentication,
 *     each for a user with 3 credentials whose ids are real ones from packages/core/test/fixtures (an iCloud passkey,
 *     20 bytes; a Windows Hello TPM key, 32 bytes; a YubiKey, 64 bytes) and a user handle made by the Express
 *     adapter's userHandleFromId from a UUID (36 bytes). Every call gets fresh strings, parsed from JSON as a
 *     database row would be, so no record shares an id with another. heapUsed after a full GC (--expose-gc),
 *     before and after, divided by the count; external and ArrayBuffer memory are printed too.
 *   - the longest event-loop stall while sweeps run: first with nothing expired, then when every record has
 *     expired, until the store is empty. A setImmediate chain measures the gap between turns (GC pauses
 *     included). Then the heap after a full GC, against the empty-store baseline: what was not reclaimed.
 * Targets: ≤ 350 bytes per record, no turn over 5 ms. Each store runs in a child process of its own
 * (started with --expose-gc), so one's garbage cannot land in the other's figures; every loop is bounded.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { randomUUID } from 'node:crypto';
import { PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import {
  DEFAULT_MEMORY_STORE_MAX_ENTRIES,
  DEFAULT_MEMORY_STORE_SWEEP_INTERVAL_MS,
  MemoryChallengeStore,
  MemoryCredentialStore,
  TesseraError,
  assertChallengeStoreArguments,
  createRelyingParty,
  userHandleFromId,
  type ChallengeRecord,
  type ChallengeStore,
} from '@tessera/core';
import { printAligned, printHeader } from './_report.ts';

const RECORDS = 1_000_000;
const TTL_MS = 300_000 + 60_000; // what the relying party asks for with its default timeout
const CREDENTIAL_IDS = [
  '0yhsKG_gCzynIgNbvXWkqJKL8Uc', // py-webauthn-apple-passkey
  '2O_TSbHXS3KJwx5uwajcqbKwWCBeHjOBCXXb7vrPfUU', // py-webauthn-tpm-surface-pro-4
  '4rrvMciHCkdLQ2HghazIp1sMc8TmV8W8RgoX-x8tqV_1AmlqWACqUK8mBGLandr-htduQKPzgb2yWxOFV56Tlg', // simplewebauthn-packed-x5c-yubico
];

interface Figures {
  store: string;
  bytesPerRecord: number;
  offHeapPerRecord: number;
  startMicros: number;
  stallIdleMs: number;
  stallExpiredMs: number;
  workIdleMs: number;
  workExpiredMs: number;
  cpuIdleMs: number;
  cpuExpiredMs: number;
  p99ExpiredMs: number;
  sweepTurns: number;
  sweepMs: number;
  residualBytes: number;
}

/** The store before this change, as it was (sweep walks the Map; records held as objects). Bench only. */
class LegacyMemoryChallengeStore implements ChallengeStore {
  readonly #entries = new Map<string, { readonly key: string; readonly record: ChallengeRecord; readonly expiresAt: number }>();
  #queue: Array<{ readonly key: string; readonly record: ChallengeRecord; readonly expiresAt: number }> = [];
  #head = 0;
  readonly #maxEntries: number;
  readonly #sweepIntervalMs: number;
  readonly #now: () => number;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(options: { maxEntries?: number; sweepIntervalMs?: number; now?: () => number }) {
    this.#maxEntries = options.maxEntries ?? DEFAULT_MEMORY_STORE_MAX_ENTRIES;
    this.#sweepIntervalMs = options.sweepIntervalMs ?? DEFAULT_MEMORY_STORE_SWEEP_INTERVAL_MS;
    this.#now = options.now ?? Date.now;
  }

  get size(): number {
    return this.#entries.size;
  }

  async save(key: string, record: ChallengeRecord, ttlMs: number): Promise<void> {
    assertChallengeStoreArguments(key, ttlMs);
    const now = this.#now();
    const existing = this.#entries.get(key);
    if (existing !== undefined) {
      if (existing.expiresAt > now) throw new TesseraError('challenge_store_conflict', 'A live challenge record already exists under this key.');
      this.#entries.delete(key);
    }
    if (this.#entries.size >= this.#maxEntries) {
      while (this.#entries.size >= this.#maxEntries && this.#head < this.#queue.length) {
        const oldest = this.#queue[this.#head++]!;
        if (this.#entries.get(oldest.key) === oldest) this.#entries.delete(oldest.key);
      }
    }
    const entry = { key, record, expiresAt: now + ttlMs };
    this.#entries.set(key, entry);
    this.#queue.push(entry);
    this.#trimQueue();
    if (this.#timer === undefined && this.#sweepIntervalMs !== 0) {
      this.#timer = setInterval(() => this.sweep(), this.#sweepIntervalMs);
      this.#timer.unref();
    }
  }

  async consume(key: string): Promise<ChallengeRecord | undefined> {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    this.#entries.delete(key);
    return entry.expiresAt > this.#now() ? entry.record : undefined;
  }

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
    if (this.#entries.size === 0) this.dispose();
    return removed;
  }

  dispose(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#entries.clear();
    this.#queue = [];
    this.#head = 0;
  }

  #trimQueue(): void {
    if (this.#queue.length - this.#head <= 2 * this.#entries.size + 1024) return;
    this.#queue = this.#queue.slice(this.#head).filter((entry) => this.#entries.get(entry.key) === entry);
    this.#head = 0;
  }
}

/** GC pauses of the main thread, as the runtime reports them: [start, end] in performance.now() time. */
const gcPauses: Array<[number, number]> = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcPauses.push([entry.startTime, entry.startTime + entry.duration]);
}).observe({ entryTypes: ['gc'] });

/**
 * How long the main thread has waited for a core so far, in ms: the second field of Linux's schedstat
 * (run_delay), brought up to date each time the thread is given a core again, so exact whenever the thread
 * itself reads it. A turn's wall time minus the wait in it is the time the main thread spent on a core,
 * GC pauses included: the stall the turn causes on a machine of its own. Without schedstat, 0.
 */
const SCHEDSTAT = `/proc/self/task/${process.pid}/schedstat`;
const hasSchedstat = existsSync(SCHEDSTAT);
function waitedMs(): number {
  return hasSchedstat ? Number(readFileSync(SCHEDSTAT, 'utf8').split(' ')[1]) / 1e6 : 0;
}

/** One run of a timer callback: a turn of the event loop spent in the store's sweep. */
interface Turn {
  wallMs: number;
  /** Wall time minus the time the main thread waited for a core; GC pauses included. */
  workMs: number;
  start: number;
  end: number;
}
const turns: Turn[] = [];
const realSetTimeout = globalThis.setTimeout;

/** Wraps the timer functions so that every timer callback (the stores' sweeps) is timed as one turn. */
function instrumentTimers(): void {
  const wrap = (callback: (...args: unknown[]) => void) =>
    function timed(this: unknown, ...args: unknown[]): void {
      const waited = waitedMs();
      const start = performance.now();
      try {
        callback.apply(this, args);
      } finally {
        const end = performance.now();
        turns.push({ wallMs: end - start, workMs: end - start - (waitedMs() - waited), start, end });
      }
    };
  const { setTimeout: realTimeout, setInterval: realInterval } = globalThis;
  globalThis.setTimeout = ((callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) =>
    realTimeout(wrap(callback), ms, ...args)) as typeof setTimeout;
  globalThis.setInterval = ((callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) =>
    realInterval(wrap(callback), ms, ...args)) as typeof setInterval;
}

/** Waits until `until` holds or `limitMs` passes, and returns the sweep turns taken meanwhile. */
async function watchTurns(limitMs: number, until: () => boolean = () => false): Promise<{ maxWallMs: number; maxCpuMs: number; maxWorkMs: number; p99OnCoreMs: number; elapsedMs: number; count: number }> {
  turns.length = 0;
  const started = performance.now();
  while (!until() && performance.now() - started < limitMs) await new Promise((resolve) => realSetTimeout(resolve, 20));
  const elapsedMs = performance.now() - started;
  await new Promise((resolve) => realSetTimeout(resolve, 50)); // let the GC entries arrive
  const sweeps = turns.filter((turn) => turn.start >= started);
  let maxWallMs = 0;
  let maxWorkMs = 0;
  let maxCpuMs = 0;
  for (const turn of sweeps) {
    let paused = 0;
    for (const [start, end] of gcPauses) paused += Math.max(0, Math.min(end, turn.end) - Math.max(start, turn.start));
    maxWallMs = Math.max(maxWallMs, turn.wallMs);
    maxCpuMs = Math.max(maxCpuMs, turn.workMs);
    maxWorkMs = Math.max(maxWorkMs, turn.workMs - paused);
  }
  const onCore = sweeps.map((turn) => turn.workMs).sort((a, b) => a - b);
  const p99OnCoreMs = onCore[Math.min(onCore.length - 1, Math.floor(onCore.length * 0.99))] ?? 0;
  return { maxWallMs, maxCpuMs, maxWorkMs, p99OnCoreMs, elapsedMs, count: sweeps.length };
}

function heap(): { used: number; offHeap: number } {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with --expose-gc');
  gc();
  gc();
  const usage = process.memoryUsage();
  return { used: usage.heapUsed, offHeap: usage.external + usage.arrayBuffers };
}

async function measureStore(kind: 'legacy' | 'packed'): Promise<Figures> {
  let time = 1_900_000_000_000;
  const now = (): number => time;
  const options = { maxEntries: RECORDS + 1, sweepIntervalMs: 250, now };
  const rows = Array.from({ length: 64 }, () => JSON.stringify(CREDENTIAL_IDS.map((id) => ({ id, transports: ['internal', 'hybrid'] }))));
  const before = heap();
  const store = kind === 'legacy' ? new LegacyMemoryChallengeStore(options) : new MemoryChallengeStore(options);
  const relyingParty = createRelyingParty({ rpId: 'example.com', rpName: 'Example', origins: ['https://example.com'], challengeStore: store, credentialStore: new MemoryCredentialStore(), now });
  const started = performance.now();
  for (let index = 0; index < RECORDS; index++) {
    // A fresh row each time, as a database driver returns it: nothing is shared between records.
    const allowCredentials = JSON.parse(rows[index & 63]!) as Array<{ id: string; transports: ['internal', 'hybrid'] }>;
    await relyingParty.startAuthentication({ userId: userHandleFromId(randomUUID()), allowCredentials });
  }
  const startMicros = ((performance.now() - started) * 1000) / RECORDS;
  if (store.size !== RECORDS) throw new Error(`${kind}: ${store.size} records held, not ${RECORDS}`);
  const filled = heap();

  const idle = await watchTurns(1_500); // about six sweeps, nothing expired
  time += TTL_MS + 2_000;
  const expired = await watchTurns(120_000, () => store.size === 0);
  if ((store.size as number) !== 0) throw new Error(`${kind}: ${store.size} records left after the sweeps`);
  turns.length = 0; // the bench's own bookkeeping is not the store's
  gcPauses.length = 0;
  const after = heap();
  return {
    store: kind === 'legacy' ? 'previous store (bench copy)' : 'MemoryChallengeStore',
    bytesPerRecord: (filled.used - before.used) / RECORDS,
    offHeapPerRecord: (filled.offHeap - before.offHeap) / RECORDS,
    startMicros,
    stallIdleMs: idle.maxWallMs,
    stallExpiredMs: expired.maxWallMs,
    workIdleMs: idle.maxWorkMs,
    workExpiredMs: expired.maxWorkMs,
    cpuIdleMs: idle.maxCpuMs,
    cpuExpiredMs: expired.maxCpuMs,
    p99ExpiredMs: expired.p99OnCoreMs,
    sweepTurns: expired.count,
    sweepMs: expired.elapsedMs,
    residualBytes: after.used - before.used,
  };
}

const child = process.argv[2];
if (child === 'legacy' || child === 'packed') {
  instrumentTimers();
  console.log(JSON.stringify(await measureStore(child)));
} else {
  printHeader(`MemoryChallengeStore with ${RECORDS.toLocaleString('en-US')} pending authentication ceremonies (3 credential ids each)`);
  const figures: Figures[] = [];
  for (const kind of ['legacy', 'packed'] as const) {
    const run = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url), kind], {
      encoding: 'utf8',
      timeout: 600_000,
      maxBuffer: 1 << 20,
    });
    if (run.status !== 0) throw new Error(`the ${kind} run failed: ${run.stderr}`);
    figures.push(JSON.parse(run.stdout.trim().split('\n').at(-1)!) as Figures);
  }
  printAligned([
    ['store', 'heap B/record', 'off-heap B/record', 'start µs', 'turn, none expired', 'turn, all expired', 'p99', 'sweep of 1M', 'heap left after'],
    ...figures.map((f) => [
      f.store,
      f.bytesPerRecord.toFixed(0),
      f.offHeapPerRecord.toFixed(1),
      f.startMicros.toFixed(1),
      `${f.stallIdleMs.toFixed(1)} / ${f.cpuIdleMs.toFixed(1)} / ${f.workIdleMs.toFixed(1)} ms`,
      `${f.stallExpiredMs.toFixed(1)} / ${f.cpuExpiredMs.toFixed(1)} / ${f.workExpiredMs.toFixed(1)} ms`,
      `${f.p99ExpiredMs.toFixed(1)} ms`,
      `${f.sweepMs.toFixed(0)} ms, ${f.sweepTurns} turns`,
      `${(f.residualBytes / 1024).toFixed(0)} KiB`,
    ]),
  ]);
  const packed = figures[1]!;
  const verdict = (pass: boolean): string => (pass ? 'PASS' : 'FAIL');
  console.log(`${verdict(packed.bytesPerRecord <= 350)}  heap per pending ceremony: ${packed.bytesPerRecord.toFixed(0)} B (target ≤ 350 B)`);
  const longestCpu = Math.max(packed.cpuIdleMs, packed.cpuExpiredMs);
  console.log(`${verdict(longestCpu <= 5)}  longest sweep turn, on-core time: ${longestCpu.toFixed(1)} ms (target ≤ 5 ms)`);
  console.log(`      99th percentile of the sweep turns, on-core time: ${packed.p99ExpiredMs.toFixed(1)} ms (reference)`);
  console.log(`      longest sweep turn, wall time: ${Math.max(packed.stallIdleMs, packed.stallExpiredMs).toFixed(1)} ms (reference)`);
  console.log('');
  console.log('"turn": the longest run of one sweep timer callback: wall time / on-core time (wall time less the time');
  console.log('the main thread waited for a core, from Linux schedstat) / the same without GC pauses; "p99": of the');
  console.log('on-core times of all sweep turns once every record expired. The load average');
  console.log(`during this run was ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores. "heap left after": heapUsed after a full GC once every record was`);
  console.log('swept, against the empty store before the records were added.');
}

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { challengeStoreConformance, sampleChallengeRecord } from './testing/index.ts';
import { isTesseraError } from './errors.ts';
import { MemoryChallengeStore, type MemoryChallengeStoreOptions } from './memoryChallengeStore.ts';

function fakeClock(start = 1_700_000_000_000): { now: () => number; advance: (ms: number) => void } {
  let time = start;
  return { now: () => time, advance: (ms) => void (time += ms) };
}

describe('MemoryChallengeStore conformance, with an injected clock', () => {
  const clock = fakeClock();
  for (const { name, run } of challengeStoreConformance({
    createStore: () => new MemoryChallengeStore({ now: clock.now }),
    disposeStore: (store) => (store as MemoryChallengeStore).dispose(),
    advanceTime: clock.advance,
    concurrency: 1000,
  })) {
    it(name, run);
  }
});

describe('MemoryChallengeStore conformance, in real time', () => {
  for (const { name, run } of challengeStoreConformance({
    createStore: () => new MemoryChallengeStore(),
    disposeStore: (store) => (store as MemoryChallengeStore).dispose(),
    expiryTtlMs: 50,
  })) {
    it(name, run);
  }
});

describe('MemoryChallengeStore conformance, with an injected clock and a sweep after every step of time', () => {
  const clock = fakeClock();
  let current: MemoryChallengeStore | undefined;
  for (const { name, run } of challengeStoreConformance({
    createStore: () => (current = new MemoryChallengeStore({ now: clock.now, sweepIntervalMs: 0 })),
    disposeStore: (store) => (store as MemoryChallengeStore).dispose(),
    // Long enough for the sweep's one-second windows to fall due between steps.
    expiryTtlMs: 3_000,
    advanceTime: (ms) => {
      clock.advance(ms);
      current!.sweep();
    },
  })) {
    it(name, run);
  }
});

describe('MemoryChallengeStore background sweep, in slices', () => {
  afterEach(() => void vi.useRealTimers());

  /** A store on fake timers and an injected clock, holding `expiring` records with a 1 s TTL and `live` with an hour. */
  async function filledStore(expiring: number, live: number) {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    const clock = fakeClock();
    const store = new MemoryChallengeStore({ now: clock.now, sweepIntervalMs: 1_000, maxEntries: 100_000 });
    for (let index = 0; index < expiring; index++) await store.save(`expiring-${index}`, sampleChallengeRecord(index % 4096), 1_000);
    for (let index = 0; index < live; index++) await store.save(`live-${index}`, sampleChallengeRecord(index % 4096), 3_600_000);
    return { store, clock };
  }

  it('removes at most 2048 records per turn of the event loop, and goes on until every expired one is gone', async () => {
    const { store, clock } = await filledStore(10_000, 100);
    clock.advance(5_000);
    vi.advanceTimersByTime(1_000); // the interval fires: the first slice
    expect(store.size).toBeLessThan(10_100);
    expect(store.size).toBeGreaterThanOrEqual(10_100 - 2_048);
    let turns = 1;
    while (store.size > 100 && turns < 1_000) {
      const before = store.size;
      vi.advanceTimersToNextTimer();
      expect(before - store.size).toBeLessThanOrEqual(2_048);
      turns++;
    }
    expect(store.size).toBe(100);
    expect(turns).toBeGreaterThanOrEqual(5);
    for (let index = 0; index < 100; index++) expect(await store.consume(`live-${index}`), `live-${index}`).toEqual(sampleChallengeRecord(index));
    vi.advanceTimersByTime(1_000);
    expect(vi.getTimerCount(), 'an empty store stops its timers at the next sweep').toBe(0);
  });

  it('handles records that expire, are consumed, replaced or saved while a sweep is mid-slice', async () => {
    const { store, clock } = await filledStore(6_000, 3_000);
    clock.advance(5_000);
    vi.advanceTimersByTime(1_000);
    expect(store.size, 'the sweep is under way').toBeGreaterThan(3_000);
    // Mid-sweep: 1000 of the hour-long records are consumed, an expired key is saved again, new records
    // arrive, and then time passes until the hour-long ones expire too (the new ones live a day).
    for (let index = 0; index < 1_000; index++) expect(await store.consume(`live-${index}`)).toEqual(sampleChallengeRecord(index));
    await store.save('expiring-5999', sampleChallengeRecord(1), 86_400_000);
    for (let index = 0; index < 500; index++) await store.save(`new-${index}`, sampleChallengeRecord(index), 86_400_000);
    vi.advanceTimersToNextTimer();
    clock.advance(3_600_000);
    for (let turn = 0; turn < 1_000 && store.size > 501; turn++) vi.advanceTimersToNextTimer();
    expect(store.size).toBe(501);
    expect(await store.consume('expiring-5999')).toEqual(sampleChallengeRecord(1));
    for (let index = 0; index < 500; index++) expect(await store.consume(`new-${index}`), `new-${index}`).toEqual(sampleChallengeRecord(index));
    expect(await store.consume('live-2000')).toBeUndefined();
    expect(store.size).toBe(0);
  });

  it('dispose() in the middle of a sweep stops it and clears the store, which then works as new', async () => {
    const { store, clock } = await filledStore(6_000, 10);
    clock.advance(5_000);
    vi.advanceTimersByTime(1_000);
    expect(store.size).toBeGreaterThan(10);
    store.dispose();
    expect(store.size).toBe(0);
    expect(vi.getTimerCount(), 'no slice or interval is left behind').toBe(0);
    expect(await store.consume('live-0')).toBeUndefined();
    await store.save('after', sampleChallengeRecord(3), 1_000);
    expect(vi.getTimerCount(), 'a save restarts the sweep').toBe(1);
    clock.advance(5_000);
    vi.advanceTimersByTime(1_000);
    expect(store.size).toBe(0);
  });
});

describe('MemoryChallengeStore bounds and sweeping', () => {
  it('evicts the oldest saved record when full', async () => {
    const store = new MemoryChallengeStore({ maxEntries: 3, sweepIntervalMs: 0 });
    for (const key of ['a', 'b', 'c', 'd']) await store.save(key, sampleChallengeRecord(key.charCodeAt(0)), 60_000);
    expect(store.size).toBe(3);
    expect(await store.consume('a')).toBeUndefined();
    for (const key of ['b', 'c', 'd']) expect(await store.consume(key)).toEqual(sampleChallengeRecord(key.charCodeAt(0)));
  });

  it('drops expired records before evicting a live one', async () => {
    const clock = fakeClock();
    const store = new MemoryChallengeStore({ maxEntries: 3, now: clock.now, sweepIntervalMs: 0 });
    await store.save('stale-1', sampleChallengeRecord(1), 1_000);
    await store.save('stale-2', sampleChallengeRecord(2), 1_000);
    await store.save('victim', sampleChallengeRecord(3), 60_000);
    clock.advance(2_000);
    await store.save('new-1', sampleChallengeRecord(4), 60_000);
    await store.save('new-2', sampleChallengeRecord(5), 60_000);
    expect(await store.consume('victim')).toEqual(sampleChallengeRecord(3));
  });

  it('stays within maxEntries under a flood of saves', async () => {
    const store = new MemoryChallengeStore({ maxEntries: 100, sweepIntervalMs: 0 });
    for (let index = 0; index < 5000; index++) await store.save(`flood-${index}`, sampleChallengeRecord(index % 4096), 60_000);
    expect(store.size).toBe(100);
    expect(await store.consume('flood-4999')).toBeDefined();
    expect(await store.consume('flood-4899')).toBeUndefined();
  });

  it('lets an expired key be saved again', async () => {
    const clock = fakeClock();
    const store = new MemoryChallengeStore({ now: clock.now, sweepIntervalMs: 0 });
    await store.save('reused', sampleChallengeRecord(1), 1_000);
    clock.advance(1_000);
    await store.save('reused', sampleChallengeRecord(2), 1_000);
    expect(await store.consume('reused')).toEqual(sampleChallengeRecord(2));
  });

  it('treats a record as expired at exactly its TTL', async () => {
    const clock = fakeClock();
    const store = new MemoryChallengeStore({ now: clock.now, sweepIntervalMs: 0 });
    await store.save('edge', sampleChallengeRecord(1), 1_000);
    clock.advance(999);
    await store.save('edge-2', sampleChallengeRecord(2), 1_000);
    clock.advance(1);
    expect(await store.consume('edge')).toBeUndefined();
    expect(await store.consume('edge-2')).toBeDefined();
  });

  it('sweeps expired records in the background, and keeps live ones', async () => {
    const clock = fakeClock();
    const store = new MemoryChallengeStore({ now: clock.now, sweepIntervalMs: 10 });
    await store.save('old', sampleChallengeRecord(1), 1_000);
    await store.save('new', sampleChallengeRecord(2), 60_000);
    clock.advance(5_000);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(store.size).toBe(1);
    expect(await store.consume('new')).toBeDefined();
    store.dispose();
  });

  it('sweep() removes expired records on demand and reports how many', async () => {
    const clock = fakeClock();
    const store = new MemoryChallengeStore({ now: clock.now, sweepIntervalMs: 0 });
    for (let index = 0; index < 10; index++) await store.save(`k${index}`, sampleChallengeRecord(index), index < 4 ? 100 : 10_000);
    clock.advance(500);
    expect(store.sweep(), 'expired less than a second ago: still in the window being filled').toBe(0);
    expect(await store.consume('k0'), 'but already refused').toBeUndefined();
    clock.advance(1_000);
    expect(store.sweep()).toBe(3);
    expect(store.size).toBe(6);
    await store.save('k0', sampleChallengeRecord(0), 100);
    clock.advance(1_500);
    expect(store.sweep()).toBe(1);
    expect(store.size).toBe(6);
  });

  it('rejects bad options with invalid_argument', () => {
    const invalid = [{ maxEntries: 0 }, { maxEntries: 1.5 }, { maxEntries: -1 }, { sweepIntervalMs: -1 }, { sweepIntervalMs: Number.NaN }, { sweepIntervalMs: 3e9 }, { now: 5 }];
    for (const options of invalid as MemoryChallengeStoreOptions[]) {
      let error: unknown;
      try {
        new MemoryChallengeStore(options);
      } catch (caught) {
        error = caught;
      }
      expect(isTesseraError(error, 'invalid_argument'), JSON.stringify(options)).toBe(true);
    }
  });

  it('does not keep the process alive: a script that saved a record exits at once', () => {
    const storeModule = fileURLToPath(new URL('./memoryChallengeStore.ts', import.meta.url));
    const script = `
      import { MemoryChallengeStore } from ${JSON.stringify(storeModule)};
      const store = new MemoryChallengeStore({ sweepIntervalMs: 1000 });
      await store.save('ticket', { ceremony: 'authentication' }, 3_600_000);
      console.log('saved');
    `;
    const started = Date.now();
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 15_000,
    });
    expect(child.stderr).toBe('');
    expect(child.stdout.trim()).toBe('saved');
    expect(child.status).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe('MemoryChallengeStore internals that users would notice', () => {
  it('keeps evicting in save order across many refills, consumed keys included', async () => {
    const store = new MemoryChallengeStore({ maxEntries: 50, sweepIntervalMs: 0 });
    for (let index = 0; index < 20_000; index++) {
      await store.save(`k${index}`, sampleChallengeRecord(index % 4096), 60_000);
      if (index % 3 === 0) await store.consume(`k${index}`);
    }
    expect(store.size).toBe(50);
    // The 50 newest keys that were not consumed are the ones left.
    const expected = Array.from({ length: 20_000 }, (_, index) => index).filter((index) => index % 3 !== 0).slice(-50);
    for (const index of expected) expect(await store.consume(`k${index}`), `k${index}`).toBeDefined();
  });

  it('passes over the queue place of a replaced key when making room: the live record under it stays', async () => {
    let now = 1_000_000;
    const store = new MemoryChallengeStore({ maxEntries: 3, sweepIntervalMs: 0, now: () => now });
    await store.save('a', sampleChallengeRecord(1), 1_000);
    now += 2_000; // 'a' has expired, and may be saved again
    await store.save('b', sampleChallengeRecord(2), 60_000);
    await store.save('c', sampleChallengeRecord(3), 60_000);
    await store.save('a', sampleChallengeRecord(4), 60_000);
    await store.save('d', sampleChallengeRecord(5), 60_000); // full: the oldest live save, 'b', goes
    expect(await store.consume('b')).toBeUndefined();
    expect(await store.consume('a')).toEqual(sampleChallengeRecord(4));
    expect(await store.consume('c')).toBeDefined();
    expect(await store.consume('d')).toBeDefined();
  });

  it('does not grow when records are saved and consumed forever below the bound', async () => {
    const store = new MemoryChallengeStore({ sweepIntervalMs: 0 });
    const started = performance.now();
    for (let index = 0; index < 200_000; index++) {
      await store.save('cycling', sampleChallengeRecord(1), 60_000);
      await store.consume('cycling');
    }
    expect(store.size).toBe(0);
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});

import * as noble from '@noble/hashes/utils.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { randomBase64url } from './_randomPool.ts';
import { base64url } from './base64url.ts';

vi.mock('@noble/hashes/utils.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('@noble/hashes/utils.js')>();
  return { ...actual, randomBytes: vi.fn(actual.randomBytes) };
});

const draws = () => vi.mocked(noble.randomBytes).mock.calls.length;

describe('randomBase64url (the random pool)', () => {
  afterEach(() => vi.restoreAllMocks());

  it('serves the requested number of bytes, across many refills, never repeating a value', () => {
    const seen = new Set<string>();
    const before = draws();
    for (let index = 0; index < 20_000; index++) {
      const size = 16 + (index % 49);
      const text = randomBase64url(size);
      expect(base64url.decode(text)).toHaveLength(size);
      seen.add(text);
    }
    expect(seen.size).toBe(20_000);
    // About 800 KB were served from 4 KiB draws: one call to the CSPRNG per ~100 values, not one per value.
    const refills = draws() - before;
    expect(refills).toBeGreaterThan(150);
    expect(refills).toBeLessThan(300);
  });

  it('draws sizes over 4 KiB directly', () => {
    const before = draws();
    expect(base64url.decode(randomBase64url(5000))).toHaveLength(5000);
    expect(draws() - before).toBe(1);
  });

  it('throws the pool away when the process id changes, so a cloned heap never replays bytes', () => {
    randomBase64url(32);
    const before = draws();
    randomBase64url(32);
    expect(draws()).toBe(before);
    vi.spyOn(process, 'pid', 'get').mockReturnValue(process.pid + 1);
    randomBase64url(32);
    expect(draws()).toBe(before + 1);
  });

  it('throws the pool away when the time origin changes, which catches new processes that reuse a pid', () => {
    randomBase64url(32);
    const before = draws();
    vi.spyOn(performance, 'timeOrigin', 'get').mockReturnValue(performance.timeOrigin + 1);
    randomBase64url(32);
    expect(draws()).toBe(before + 1);
  });

  it('rejects sizes that are not positive integers', () => {
    for (const size of [0, -1, 1.5, Number.NaN]) expect(() => randomBase64url(size)).toThrow(/positive integer/);
    expect(base64url.decode(randomBase64url(32))).toHaveLength(32);
  });
});

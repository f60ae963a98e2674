import { Encoder } from 'cbor-x';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseCoseKey } from './cose.ts';
import { TesseraError, isTesseraError } from './errors.ts';
import {
  DEFAULT_PUBLIC_KEY_CACHE_ENTRIES,
  PublicKeyCache,
  defaultPublicKeyCache,
  publicKeyFingerprint,
  type CachedPublicKey,
} from './publicKeyCache.ts';
import { verifySignature } from './verifySignature.ts';

const subtle = globalThis.crypto.subtle;
const cbor = new Encoder({ mapsAsObjects: false, useRecords: false, tagUint8Array: false });

/** A fresh Ed25519 credential: its COSE_Key and a signature over `data`. */
async function credential(data: Uint8Array<ArrayBuffer>): Promise<{ publicKey: Uint8Array; signature: Uint8Array }> {
  const pair = (await subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])) as CryptoKeyPair;
  const x = new Uint8Array(await subtle.exportKey('raw', pair.publicKey));
  return {
    publicKey: new Uint8Array(cbor.encode(new Map<number, unknown>([[1, 1], [3, -8], [-1, 6], [-2, x]]))),
    signature: new Uint8Array(await subtle.sign({ name: 'Ed25519' }, pair.privateKey, data)),
  };
}

const data = new Uint8Array([1, 2, 3]);
const spyImport = () => vi.spyOn(globalThis.crypto.subtle, 'importKey');

afterEach(() => {
  vi.restoreAllMocks();
  defaultPublicKeyCache.clear();
});

describe('PublicKeyCache', () => {
  it('imports a key once: a repeat verification parses and imports nothing', async () => {
    const keyCache = new PublicKeyCache();
    const { publicKey, signature } = await credential(data);
    const importKey = spyImport();
    expect(await verifySignature({ publicKey, signature, data, keyCache })).toBe(true);
    expect(await verifySignature({ publicKey: Uint8Array.from(publicKey), signature, data, keyCache })).toBe(true);
    expect(await verifySignature({ publicKey, signature: new Uint8Array(64), data, keyCache })).toBe(false);
    expect(importKey).toHaveBeenCalledTimes(1);
    expect(keyCache.size).toBe(1);
  });

  it('shares one import between concurrent verifications', async () => {
    const keyCache = new PublicKeyCache();
    const { publicKey, signature } = await credential(data);
    const importKey = spyImport();
    const results = await Promise.all([1, 2, 3].map(() => verifySignature({ publicKey, signature, data, keyCache })));
    expect(results).toEqual([true, true, true]);
    expect(importKey).toHaveBeenCalledTimes(1);
  });

  it('uses defaultPublicKeyCache when no keyCache is given', async () => {
    const { publicKey, signature } = await credential(data);
    const importKey = spyImport();
    await verifySignature({ publicKey, signature, data });
    await verifySignature({ publicKey, signature, data });
    expect(importKey).toHaveBeenCalledTimes(1);
    expect(defaultPublicKeyCache.size).toBe(1);
    expect(defaultPublicKeyCache.maxEntries).toBe(DEFAULT_PUBLIC_KEY_CACHE_ENTRIES);
  });

  it('evicts the least recently used key beyond maxEntries', async () => {
    const keyCache = new PublicKeyCache({ maxEntries: 2 });
    const [a, b, c] = await Promise.all([credential(data), credential(data), credential(data)]);
    const importKey = spyImport();
    const verify = (k: typeof a) => verifySignature({ ...k, data, keyCache });
    await verify(a);
    await verify(b);
    await verify(a); // a is now the most recent
    await verify(c); // evicts b
    expect(importKey).toHaveBeenCalledTimes(3);
    expect(keyCache.size).toBe(2);
    await verify(a);
    await verify(c);
    expect(importKey).toHaveBeenCalledTimes(3);
    await verify(b);
    expect(importKey).toHaveBeenCalledTimes(4);
    expect(keyCache.size).toBe(2);
  });

  it('gives a key used since it was queued a second chance: the oldest unused key goes first', () => {
    const keyCache = new PublicKeyCache({ maxEntries: 3 });
    const entry = (): CachedPublicKey => ({ key: {} as never, cryptoKey: new Promise<CryptoKey>(() => undefined) });
    const keys = [1, 2, 3, 4, 5].map((n) => new Uint8Array(40).fill(n));
    const loads: number[] = [];
    const get = (index: number) => keyCache.getOrLoad(keys[index]!, () => (loads.push(index), entry()));
    get(0);
    get(1);
    get(2);
    get(0); // 0 is used again: it survives the next miss although it is the oldest
    get(3); // evicts 1, the oldest unused
    expect(loads).toEqual([0, 1, 2, 3]);
    get(0);
    get(2);
    get(3);
    expect(loads).toEqual([0, 1, 2, 3]);
    get(1); // a reload
    expect(loads).toEqual([0, 1, 2, 3, 1]);
    expect(keyCache.size).toBe(3);
    // Every key used since its last pass: one sweep clears the flags, then the oldest goes; the bound holds.
    for (let round = 0; round < 20; round++) get(4 - (round % 5));
    expect(keyCache.size).toBe(3);
  });

  it('does not keep a key whose import failed', async () => {
    const keyCache = new PublicKeyCache();
    const { publicKey, signature } = await credential(data);
    const importKey = spyImport().mockRejectedValue(new DOMException('refused', 'DataError'));
    for (let attempt = 1; attempt <= 2; attempt++) {
      const error = await verifySignature({ publicKey, signature, data, keyCache }).catch((e: unknown) => e);
      expect(isTesseraError(error, 'malformed_public_key')).toBe(true);
      expect(keyCache.size).toBe(0);
      expect(importKey).toHaveBeenCalledTimes(attempt);
    }
  });

  it('refuses a key off its curve when parsing, before any import, and keeps nothing', async () => {
    const keyCache = new PublicKeyCache();
    // The right sizes, but not a point on P-256: parseCoseKey refuses it, so WebCrypto never sees it.
    const offCurve = new Uint8Array(
      cbor.encode(new Map<number, unknown>([[1, 2], [3, -7], [-1, 1], [-2, new Uint8Array(32).fill(1)], [-3, new Uint8Array(32).fill(2)]])),
    );
    const importKey = spyImport();
    const error = await verifySignature({ publicKey: offCurve, signature: new Uint8Array(8), data, keyCache }).catch((e: unknown) => e);
    expect(isTesseraError(error, 'malformed_public_key')).toBe(true);
    expect((error as Error).message).toMatch(/not on P-256/);
    expect(keyCache.size).toBe(0);
    expect(importKey).not.toHaveBeenCalled();
  });

  it('parses a stored key once: repeat verifications do not repeat the key validation', async () => {
    let loads = 0;
    class CountingCache extends PublicKeyCache {
      override getOrLoad(publicKey: Uint8Array, load: (publicKey: Uint8Array) => CachedPublicKey): CachedPublicKey {
        return super.getOrLoad(publicKey, (bytes) => {
          loads++;
          return load(bytes);
        });
      }
    }
    const keyCache = new CountingCache();
    const { publicKey, signature } = await credential(data);
    for (let i = 0; i < 5; i++) expect(await verifySignature({ publicKey: Uint8Array.from(publicKey), signature, data, keyCache })).toBe(true);
    expect(loads).toBe(1);
  });

  it('does not keep a key whose import failed for a transient reason, and recovers', async () => {
    const keyCache = new PublicKeyCache();
    const { publicKey, signature } = await credential(data);
    const importKey = spyImport().mockRejectedValueOnce(new DOMException('busy', 'OperationError'));
    const error = await verifySignature({ publicKey, signature, data, keyCache }).catch((e: unknown) => e);
    expect(isTesseraError(error, 'malformed_public_key')).toBe(true);
    expect((error as Error).cause).toBeInstanceOf(DOMException);
    expect(await verifySignature({ publicKey, signature, data, keyCache })).toBe(true);
    expect(importKey).toHaveBeenCalledTimes(2);
  });

  it('maps a NotSupportedError from WebCrypto to unsupported_algorithm, and keeps that answer instead of importing again', async () => {
    const keyCache = new PublicKeyCache();
    const { publicKey, signature } = await credential(data);
    const importKey = spyImport().mockRejectedValue(new DOMException('no Ed25519', 'NotSupportedError'));
    for (let attempt = 0; attempt < 3; attempt++) {
      const error = await verifySignature({ publicKey, signature, data, keyCache }).catch((e: unknown) => e);
      expect(isTesseraError(error, 'unsupported_algorithm')).toBe(true);
    }
    // The runtime's answer does not change: one import, one entry.
    expect(importKey).toHaveBeenCalledTimes(1);
    expect(keyCache.size).toBe(1);
  });

  it('stores nothing when parsing fails or maxEntries is 0', async () => {
    const keyCache = new PublicKeyCache();
    const load = (): CachedPublicKey => parseCoseKey(new Uint8Array([0xa0])) as never;
    expect(() => keyCache.getOrLoad(new Uint8Array([0xa0]), load)).toThrow();
    expect(keyCache.size).toBe(0);

    const off = new PublicKeyCache({ maxEntries: 0 });
    const { publicKey, signature } = await credential(data);
    const importKey = spyImport();
    await verifySignature({ publicKey, signature, data, keyCache: off });
    await verifySignature({ publicKey, signature, data, keyCache: off });
    expect(importKey).toHaveBeenCalledTimes(2);
    expect(off.size).toBe(0);
  });

  it('never answers for bytes changed in place after caching: the array is not the key, its bytes are', async () => {
    const keyCache = new PublicKeyCache();
    const [a, b] = await Promise.all([credential(data), credential(data)]);
    expect(a.publicKey.length).toBe(b.publicKey.length);
    const stored = Uint8Array.from(a.publicKey);
    expect(await verifySignature({ publicKey: stored, signature: a.signature, data, keyCache })).toBe(true);
    // The caller reuses its array for another credential's key.
    stored.set(b.publicKey);
    const importKey = spyImport();
    expect(await verifySignature({ publicKey: stored, signature: a.signature, data, keyCache })).toBe(false);
    expect(await verifySignature({ publicKey: stored, signature: b.signature, data, keyCache })).toBe(true);
    expect(importKey).toHaveBeenCalledTimes(1);
    // A's key is still cached under its own bytes.
    expect(await verifySignature({ publicKey: a.publicKey, signature: a.signature, data, keyCache })).toBe(true);
    expect(importKey).toHaveBeenCalledTimes(1);
  });

  it('a fingerprint collision costs a reload, never the other key', () => {
    // Two different byte strings with the same 30-bit fingerprint, by a birthday search.
    const seen = new Map<number, Uint8Array>();
    let pair: [Uint8Array, Uint8Array] | undefined;
    for (let i = 0; pair === undefined; i++) {
      const bytes = new Uint8Array(new Float64Array([i, i * 7919 + 0.5]).buffer);
      const id = publicKeyFingerprint(bytes);
      const other = seen.get(id);
      if (other === undefined) seen.set(id, bytes);
      else pair = [other, bytes];
    }
    const [first, second] = pair;
    const keyCache = new PublicKeyCache();
    const entryFor = (name: string): CachedPublicKey => ({ key: { name } as never, cryptoKey: new Promise<CryptoKey>(() => undefined) });
    const loaded: string[] = [];
    const load = (name: string) => () => {
      loaded.push(name);
      return entryFor(name);
    };
    const firstEntry = keyCache.getOrLoad(first, load('first'));
    expect(keyCache.getOrLoad(Uint8Array.from(first), load('again'))).toBe(firstEntry);
    const secondEntry = keyCache.getOrLoad(second, load('second'));
    expect(secondEntry).not.toBe(firstEntry);
    expect(keyCache.getOrLoad(Uint8Array.from(second), load('again'))).toBe(secondEntry);
    expect(keyCache.getOrLoad(first, load('first reloaded'))).not.toBe(secondEntry);
    expect(loaded).toEqual(['first', 'second', 'first reloaded']);
    expect(keyCache.size).toBe(1);
  });

  it('keeps a Buffer key by value: a Buffer pooled and rewritten by Node does not change what is cached', async () => {
    const keyCache = new PublicKeyCache();
    const [a, b] = await Promise.all([credential(data), credential(data)]);
    const pooled = Buffer.from(a.publicKey);
    expect(await verifySignature({ publicKey: pooled, signature: a.signature, data, keyCache })).toBe(true);
    pooled.set(b.publicKey);
    expect(await verifySignature({ publicKey: pooled, signature: b.signature, data, keyCache })).toBe(true);
    expect(await verifySignature({ publicKey: a.publicKey, signature: a.signature, data, keyCache })).toBe(true);
  });

  it('can be cleared', async () => {
    const keyCache = new PublicKeyCache();
    const { publicKey, signature } = await credential(data);
    await verifySignature({ publicKey, signature, data, keyCache });
    keyCache.clear();
    expect(keyCache.size).toBe(0);
  });

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('rejects maxEntries %s', (maxEntries) => {
    let error: unknown;
    try {
      new PublicKeyCache({ maxEntries });
    } catch (caught) {
      error = caught;
    }
    expect(isTesseraError(error, 'invalid_argument')).toBe(true);
  });
});

describe('PublicKeyCache under attack: an adversary choosing many stored keys', () => {
  /** 30 keys that all share their last 64 bytes (so a fingerprint per length), differing only before them. */
  const tail = new Uint8Array(64).fill(0xab);
  const keys = Array.from({ length: 30 }, (_, index) => {
    const key = new Uint8Array(64 + 4 + (index % 3));
    key.set([index, index >> 8, 1, 2], 0);
    key.set(tail, key.length - 64);
    return key;
  });
  const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

  type Step = { kind: 'get'; key: number; outcome: 'ok' | 'rejects' | 'unsupported' | 'throws' } | { kind: 'settle' };
  const step: fc.Arbitrary<Step> = fc.oneof(
    { weight: 6, arbitrary: fc.record({ kind: fc.constant('get' as const), key: fc.nat({ max: keys.length - 1 }), outcome: fc.constantFrom('ok' as const, 'ok' as const, 'rejects' as const, 'unsupported' as const, 'throws' as const) }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'settle' as const }) },
  );

  it('never grows past maxEntries and never answers with another key’s entry, whatever the keys, hits, failures and rejections', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 6 }), fc.array(step, { maxLength: 120 }), async (maxEntries, steps) => {
        const keyCache = new PublicKeyCache({ maxEntries });
        for (const current of steps) {
          if (current.kind === 'settle') {
            await new Promise((resolve) => setTimeout(resolve, 0));
            continue;
          }
          const bytes = Uint8Array.from(keys[current.key]!); // a fresh array each time: the cache must go by bytes
          const load = (loaded: Uint8Array): CachedPublicKey => {
            expect(hex(loaded)).toBe(hex(bytes));
            if (current.outcome === 'throws') throw new Error('parse failure');
            const cryptoKey =
              current.outcome === 'rejects'
                ? Promise.reject(new Error('import failure'))
                : current.outcome === 'unsupported'
                  ? Promise.reject(new TesseraError('unsupported_algorithm', 'kept: the answer never changes'))
                  : new Promise<CryptoKey>(() => undefined);
            return { key: { bytes: hex(loaded) } as never, cryptoKey };
          };
          let entry: CachedPublicKey | undefined;
          try {
            entry = keyCache.getOrLoad(bytes, load);
          } catch {
            entry = undefined;
          }
          if (entry !== undefined) expect((entry.key as unknown as { bytes: string }).bytes).toBe(hex(bytes));
          expect(keyCache.size).toBeLessThanOrEqual(maxEntries);
        }
        // Every rejected import is forgotten once it has rejected.
        await new Promise((resolve) => setTimeout(resolve, 0));
        expect(keyCache.size).toBeLessThanOrEqual(maxEntries);
      }),
      { numRuns: 200 },
    );
  });

  it('a key in use keeps its place while an adversary streams new keys through, as long as it is used between them', () => {
    const keyCache = new PublicKeyCache({ maxEntries: 4 });
    const entry = (): CachedPublicKey => ({ key: {} as never, cryptoKey: new Promise<CryptoKey>(() => undefined) });
    const victim = new Uint8Array(80).fill(7);
    let victimLoads = 0;
    keyCache.getOrLoad(victim, () => (victimLoads++, entry()));
    for (const key of keys) {
      keyCache.getOrLoad(victim, () => (victimLoads++, entry()));
      keyCache.getOrLoad(key, entry);
    }
    expect(victimLoads).toBe(1);
    expect(keyCache.size).toBe(4);
  });

  it('two verifications of one new key share one load; a rejection during eviction leaves the newer entry alone', async () => {
    const keyCache = new PublicKeyCache({ maxEntries: 1 });
    let rejectFirst!: (reason: unknown) => void;
    const first: CachedPublicKey = { key: {} as never, cryptoKey: new Promise<CryptoKey>((_, reject) => (rejectFirst = reject)) };
    let loads = 0;
    expect(keyCache.getOrLoad(keys[0]!, () => (loads++, first))).toBe(first);
    expect(keyCache.getOrLoad(Uint8Array.from(keys[0]!), () => (loads++, first))).toBe(first);
    expect(loads).toBe(1);
    // keys[3] has keys[0]'s length and tail, so its fingerprint: it replaces the first entry, which then rejects.
    const second: CachedPublicKey = { key: {} as never, cryptoKey: new Promise<CryptoKey>(() => undefined) };
    expect(keyCache.getOrLoad(keys[3]!, () => second)).toBe(second);
    rejectFirst(new Error('import failure'));
    await first.cryptoKey.catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(keyCache.size).toBe(1);
    expect(keyCache.getOrLoad(keys[3]!, () => ({ key: {} as never, cryptoKey: Promise.resolve({} as CryptoKey) }))).toBe(second);
  });
});

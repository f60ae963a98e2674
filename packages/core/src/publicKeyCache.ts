import { MAX_COSE_KEY_BYTES, type CoseKey } from './cose.ts';
import { TesseraError } from './errors.ts';

/** A parsed credential public key and its WebCrypto import, as {@link PublicKeyCache} keeps them. */
export interface CachedPublicKey {
  /** The parsed COSE_Key (WebAuthn L3 §6.5.1.1). */
  readonly key: CoseKey;
  /** The key imported into WebCrypto, shared by concurrent verifications; a rejected import is dropped. */
  readonly cryptoKey: Promise<CryptoKey>;
}

/** Options for {@link PublicKeyCache}. */
export interface PublicKeyCacheOptions {
  /** Most keys kept; the least recently used is evicted first. `0` disables caching. Default {@link DEFAULT_PUBLIC_KEY_CACHE_ENTRIES}. */
  maxEntries?: number | undefined;
}

/** Default bound of a {@link PublicKeyCache}: at most this many keys (a few hundred KiB of typical keys). */
export const DEFAULT_PUBLIC_KEY_CACHE_ENTRIES = 1000;

/** The exact bytes as a string, one code unit per byte: a collision-free map key that V8 stores one byte per unit. */
function cacheId(bytes: Uint8Array): string {
  let id = '';
  for (let start = 0; start < bytes.length; start += 4096) {
    id += String.fromCharCode.apply(null, bytes.subarray(start, start + 4096) as unknown as number[]);
  }
  return id;
}

/**
 * A bounded least-recently-used memo from credential public key bytes (COSE_Key, WebAuthn L3 §6.5.1.1) to the
 * parsed key and its WebCrypto `CryptoKey`, so verifying again with a stored credential costs one
 * `crypto.subtle.verify` and no parsing or import. It holds only public keys, keyed by their exact bytes.
 *
 * A key whose parsing fails is never stored; one whose import rejects is removed as soon as it rejects.
 *
 * @example
 * ```ts
 * const keyCache = new PublicKeyCache({ maxEntries: 10_000 });
 * await verifySignature({ publicKey, signature, data, keyCache });
 * ```
 */
export class PublicKeyCache {
  /** The bound given at construction. */
  readonly maxEntries: number;
  /** Insertion order is recency order: a hit is deleted and re-inserted, eviction takes the first key. */
  readonly #entries: Map<string, CachedPublicKey> = new Map();

  /**
   * @param options - `maxEntries`, a non-negative integer
   * @throws {TesseraError} `invalid_argument` if `maxEntries` is not a non-negative safe integer
   */
  constructor(options: PublicKeyCacheOptions = {}) {
    const maxEntries = options.maxEntries ?? DEFAULT_PUBLIC_KEY_CACHE_ENTRIES;
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 0) {
      throw new TesseraError('invalid_argument', 'PublicKeyCache maxEntries must be a non-negative integer.');
    }
    this.maxEntries = maxEntries;
  }

  /** Number of keys held now. */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * Returns the entry for `publicKey`, calling `load` on a miss and keeping its result.
   *
   * @param publicKey - COSE_Key bytes; inputs larger than {@link MAX_COSE_KEY_BYTES} go straight to `load`
   * @param load - parses and starts importing the key; what it throws propagates and nothing is stored
   * @returns the cached or newly loaded entry
   */
  getOrLoad(publicKey: Uint8Array, load: (publicKey: Uint8Array) => CachedPublicKey): CachedPublicKey {
    if (publicKey.length > MAX_COSE_KEY_BYTES) return load(publicKey);
    const id = cacheId(publicKey);
    const hit = this.#entries.get(id);
    if (hit !== undefined) {
      this.#entries.delete(id);
      this.#entries.set(id, hit);
      return hit;
    }
    const entry = load(publicKey);
    // Forget a failed import; this handler also keeps an unawaited rejection from going unhandled.
    entry.cryptoKey.then(undefined, () => {
      if (this.#entries.get(id) === entry) this.#entries.delete(id);
    });
    if (this.maxEntries > 0) {
      this.#entries.set(id, entry);
      if (this.#entries.size > this.maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
    }
    return entry;
  }

  /** Forgets every key. */
  clear(): void {
    this.#entries.clear();
  }
}

/**
 * The cache `verifySignature` uses when given no `keyCache`: the library's one transparent memo. It holds only
 * public keys (at most {@link DEFAULT_PUBLIC_KEY_CACHE_ENTRIES}), so sharing it across callers leaks nothing;
 * pass your own {@link PublicKeyCache} to size or isolate it.
 */
export const defaultPublicKeyCache: PublicKeyCache = new PublicKeyCache();

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

/**
 * A 30-bit fingerprint of the bytes (a Smi, so a cheap `Map` key): multiply-xorshift over little-endian 32-bit
 * words, seeded with the length. Not cryptographic and it need not be: a hit is only taken after comparing every
 * byte with the stored copy (see {@link PublicKeyCache.getOrLoad}).
 *
 * It replaces a key made of the bytes as a string (`String.fromCharCode.apply` over the array), which cost
 * about 2 µs per sign-in for a 272-byte RSA key and about 0.9 µs for a 42-byte Ed25519 key, against about
 * 0.5 µs and 0.2 µs for fingerprint plus comparison (bench/verify-authentication.bench.ts, RS256 note).
 *
 * @internal exported for tests only (not from index.ts)
 * @param bytes - COSE_Key bytes
 * @returns an integer in [0, 2^30)
 */
export function publicKeyFingerprint(bytes: Uint8Array): number {
  const { length } = bytes;
  const whole = length - (length % 4);
  let hash = length;
  let index = 0;
  for (; index < whole; index += 4) {
    const word = bytes[index]! | (bytes[index + 1]! << 8) | (bytes[index + 2]! << 16) | (bytes[index + 3]! << 24);
    hash = Math.imul(hash ^ word, 0x9e3779b1);
    hash ^= hash >>> 15;
  }
  for (; index < length; index++) hash = Math.imul(hash ^ bytes[index]!, 0x9e3779b1);
  return (hash ^ (hash >>> 16)) & 0x3fffffff;
}

/** Whether `a` and `b` hold the same bytes; four at a time, without a branch per byte (public keys, not secrets). */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  const { length } = a;
  if (length !== b.length) return false;
  let difference = 0;
  let index = 0;
  for (const whole = length - (length % 4); index < whole; index += 4) {
    difference |=
      (a[index]! ^ b[index]!) | (a[index + 1]! ^ b[index + 1]!) | (a[index + 2]! ^ b[index + 2]!) | (a[index + 3]! ^ b[index + 3]!);
  }
  for (; index < length; index++) difference |= a[index]! ^ b[index]!;
  return difference === 0;
}

/** One cached key: a private copy of the bytes it was loaded from, and what was loaded. */
interface Slot {
  readonly bytes: Uint8Array;
  readonly entry: CachedPublicKey;
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
  /**
   * By {@link publicKeyFingerprint}; insertion order is recency order: a hit is deleted and re-inserted, eviction takes
   * the first key. One slot per fingerprint: a key whose fingerprint another key already holds replaces it, so
   * a collision (by chance, about 1 in 2^30 per pair, or by an adversary choosing key bytes) costs a reload
   * and never a longer search, and never a wrong key, since a hit compares every byte.
   */
  readonly #entries: Map<number, Slot> = new Map();

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
    const id = publicKeyFingerprint(publicKey);
    const hit = this.#entries.get(id);
    if (hit !== undefined && sameBytes(hit.bytes, publicKey)) {
      this.#entries.delete(id);
      this.#entries.set(id, hit);
      return hit.entry;
    }
    const entry = load(publicKey);
    // Forget a failed import; this handler also keeps an unawaited rejection from going unhandled.
    entry.cryptoKey.then(undefined, () => {
      if (this.#entries.get(id)?.entry === entry) this.#entries.delete(id);
    });
    if (this.maxEntries > 0) {
      // A copy (`new Uint8Array`, since a Buffer's `slice` is a view): the caller may reuse or change its array,
      // and the slot must keep the bytes the entry came from.
      this.#entries.delete(id);
      this.#entries.set(id, { bytes: new Uint8Array(publicKey), entry });
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

import { MAX_COSE_KEY_BYTES, type CoseKey } from './cose.ts';
import { TesseraError, isTesseraError } from './errors.ts';

/** A parsed credential public key and its WebCrypto import, as {@link PublicKeyCache} keeps them. */
export interface CachedPublicKey {
  /** The parsed COSE_Key (WebAuthn L3 §6.5.1.1). */
  readonly key: CoseKey;
  /** The key imported into WebCrypto, shared by concurrent verifications; a rejected import is dropped. */
  readonly cryptoKey: Promise<CryptoKey>;
}

/** Options for {@link PublicKeyCache}. */
export interface PublicKeyCacheOptions {
  /**
   * Most keys kept; when full, one not used lately is evicted (second chance, an approximation of least recently
   * used). `0` disables caching. Default {@link DEFAULT_PUBLIC_KEY_CACHE_ENTRIES}.
   */
  maxEntries?: number | undefined;
}

/** Default bound of a {@link PublicKeyCache}: at most this many keys (a few hundred KiB of typical keys). */
export const DEFAULT_PUBLIC_KEY_CACHE_ENTRIES = 1000;

/** Bytes a fingerprint reads: the last ones, where a COSE_Key keeps its key material (the end of an RSA modulus and its exponent, an EC2 point's coordinates). */
const FINGERPRINT_TAIL_BYTES = 64;

/**
 * A 30-bit fingerprint of the bytes (a Smi, so a cheap `Map` key): multiply-xorshift over little-endian 32-bit
 * words of the last {@link FINGERPRINT_TAIL_BYTES} bytes, seeded with the length. Not cryptographic and it need
 * not be: a hit is only taken after comparing every byte with the stored copy (see
 * {@link PublicKeyCache.getOrLoad}), so two keys that share their tail only cost each other a reload.
 *
 * Reading the tail only costs about 75 ns for a 272-byte RSA key instead of 300 ns for all of it; a key made of
 * its bytes as a string (`String.fromCharCode.apply`), as before, cost 2 µs (bench/verify-authentication.bench.ts).
 *
 * @internal exported for tests only (not from index.ts)
 * @param bytes - COSE_Key bytes
 * @returns an integer in [0, 2^30)
 */
export function publicKeyFingerprint(bytes: Uint8Array): number {
  const { length } = bytes;
  const start = length > FINGERPRINT_TAIL_BYTES ? length - FINGERPRINT_TAIL_BYTES : 0;
  const whole = length - ((length - start) % 4);
  let hash = length;
  let index = start;
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

/** One cached key: a private copy of the bytes it was loaded from, what was loaded, and whether it was used since the eviction hand last passed. */
interface Slot {
  readonly bytes: Uint8Array;
  readonly entry: CachedPublicKey;
  used: boolean;
}

/**
 * A bounded memo from credential public key bytes (COSE_Key, WebAuthn L3 §6.5.1.1) to the
 * parsed key and its WebCrypto `CryptoKey`, so verifying again with a stored credential costs one
 * `crypto.subtle.verify` and no parsing or import. It holds only public keys, keyed by their exact bytes.
 *
 * A key whose parsing fails is never stored; one whose import rejects is removed as soon as it rejects, unless
 * WebCrypto lacks its algorithm here (ML-DSA on most runtimes, verified in JavaScript instead). When
 * full, it evicts by "second chance" (CLOCK), an approximation of least-recently-used: a hit only sets a flag,
 * where moving the entry to the back of a 1,000-entry `Map` cost about 1.2 µs per sign-in; keys are examined
 * oldest first, and one used since it was last examined is kept (and re-queued) instead of evicted.
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
   * By {@link publicKeyFingerprint}; insertion order is the eviction queue (oldest first). One slot per
   * fingerprint: a key whose fingerprint another key already holds replaces it, so a collision (by chance, about
   * 1 in 2^30 per pair, or by an adversary choosing key bytes) costs a reload and never a longer search, and never
   * a wrong key, since a hit compares every byte.
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
      hit.used = true;
      return hit.entry;
    }
    const entry = load(publicKey);
    // Forget a failed import, unless this runtime's WebCrypto lacks the algorithm (`unsupported_algorithm`): that
    // answer never changes, and for ML-DSA the verifier then uses @noble/post-quantum, so keeping the entry saves a
    // parse and a failed import per verification. This handler also keeps an unawaited rejection from going unhandled.
    entry.cryptoKey.then(undefined, (error: unknown) => {
      if (isTesseraError(error, 'unsupported_algorithm')) return;
      if (this.#entries.get(id)?.entry === entry) this.#entries.delete(id);
    });
    if (this.maxEntries > 0) {
      this.#entries.delete(id);
      if (this.#entries.size >= this.maxEntries) this.#evictOne();
      // A copy (`new Uint8Array`, since a Buffer's `slice` is a view): the caller may reuse or change its array,
      // and the slot must keep the bytes the entry came from.
      this.#entries.set(id, { bytes: new Uint8Array(publicKey), entry, used: false });
    }
    return entry;
  }

  /**
   * Second chance: the oldest slot not used since it was last examined goes; a used one is re-queued with its
   * flag cleared. After one pass every flag is clear, so this ends within `size + 1` steps.
   */
  #evictOne(): void {
    for (const [id, slot] of this.#entries) {
      this.#entries.delete(id);
      if (!slot.used) return;
      slot.used = false;
      this.#entries.set(id, slot);
    }
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

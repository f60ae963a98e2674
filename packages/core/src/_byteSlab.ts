/*
 * Fresh zeroed byte buffers for the sign-in hot path, cut from 16 KiB slabs instead of allocated one by one.
 *
 * Why: V8 keeps a typed array of more than 64 bytes off its heap, so `new Uint8Array(500)` (the decoded
 * assertion of an RS256 sign-in) is a C allocation, zeroing and external-memory bookkeeping that the garbage
 * collector must later finalise: about 0.8 µs per sign-in, measured (bench/verify-authentication.bench.ts). A
 * view into a slab costs one small on-heap object. Node's `Buffer.allocUnsafe` pools for the same reason.
 *
 * This is module state, next to the random pool (_randomPool.ts), and it is safe because:
 * - every region is handed out exactly once and never written by this module again: a slab is never reused,
 *   only replaced, so no two callers, and no two concurrent verifications, ever share a byte;
 * - a region is zero when handed out (fresh ArrayBuffer memory);
 * - the views stay inside the library (decoded assertion bytes, which are not secret) and are dropped when a
 *   verification ends; WebCrypto copies what it is given when called. A slab lives as long as any of its views.
 * - Nothing happens at import time: the first slab is made on first use.
 */

/** Size of one slab: about 30 RS256 assertions, 50 ES256 ones. */
const SLAB_BYTES = 16_384;

/** Larger requests get a buffer of their own, so one large assertion cannot waste most of a slab. */
const MAX_SLICE_BYTES = 2048;

let slab = new Uint8Array(0);
let used = 0;

/**
 * `size` zero bytes that no one else holds: a view into the current slab, or a new array when `size` is over
 * 2 KiB.
 *
 * @internal the sign-in verifier's buffer for the decoded assertion
 * @param size - a non-negative integer
 * @returns a zeroed `Uint8Array` of exactly `size` bytes, backed by an `ArrayBuffer`
 */
export function freshBytes(size: number): Uint8Array<ArrayBuffer> {
  if (size > MAX_SLICE_BYTES) return new Uint8Array(size);
  if (used + size > slab.length) {
    slab = new Uint8Array(SLAB_BYTES);
    used = 0;
  }
  const view = slab.subarray(used, used + size);
  used += size;
  return view;
}

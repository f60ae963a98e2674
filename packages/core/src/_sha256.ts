/*
 * SHA-256 (FIPS 180-4 §6.2) for the sign-in hot path: the hash of `clientDataJSON` that completes the signed
 * data of WebAuthn L3 §7.2 step 20, written straight into the caller's buffer.
 *
 * Why not @noble/hashes, used elsewhere: its streaming object costs about 2.3 µs for a 180-byte
 * `clientDataJSON` (a hash object, a 64-byte buffer and three DataViews per call), this about 1 µs; on a
 * 2-core server every microsecond of the main thread is one the WebCrypto thread pool does not get (see
 * bench/verify-authentication.bench.ts). Why not `crypto.subtle.digest`: it is one more thread-pool job, whose
 * main-thread cost alone (about 13 µs in Node) is larger than hashing here.
 *
 * Nothing is kept between calls (the scratch arrays below are overwritten by each). Tested against node:crypto on
 * every length from 0 to 1,100 bytes and on random inputs (`_sha256.test.ts`).
 */

/** The round constants K0…K63 (FIPS 180-4 §4.2.2), as signed 32-bit words. */
const K = Int32Array.of(
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
);

/** The initial hash value H(0) (FIPS 180-4 §5.3.3). */
const INITIAL_HASH = Int32Array.of(0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19);

/** Bytes of SHA-256 output. */
export const SHA256_BYTES = 32;

/*
 * Scratch, reused by every call: the hash value H, the message schedule W and the padded last block(s). The
 * one function that uses them runs to completion without calling out (not even to a subclass's `length` or
 * `subarray`), so no two hashes ever share them, and what they hold (a hash of public client data) is no
 * secret. Allocating them per call cost about 0.2 µs.
 */
const H = new Int32Array(8);
const W = new Int32Array(64);
const LAST_BLOCKS = new Uint8Array(128);

/**
 * One block of the hash computation (FIPS 180-4 §6.2.2 steps 1–4) over `block[at..at + 64)`, updating {@link H}.
 */
function compress(block: Uint8Array, at: number): void {
  // Step 1: the message schedule. W_t for 0 ≤ t ≤ 15 is the block's words, big-endian (§3.1, §5.2.1); for
  // 16 ≤ t ≤ 63, σ1(W_t−2) + W_t−7 + σ0(W_t−15) + W_t−16 (σ of §4.1.2, ROTR and SHR of §3.2).
  for (let t = 0, i = at; t < 16; t++, i += 4) {
    W[t] = (block[i]! << 24) | (block[i + 1]! << 16) | (block[i + 2]! << 8) | block[i + 3]!;
  }
  for (let t = 16; t < 64; t++) {
    const w15 = W[t - 15]!;
    const w2 = W[t - 2]!;
    const sigma0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
    const sigma1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
    W[t] = (sigma1 + W[t - 7]! + sigma0 + W[t - 16]!) | 0;
  }
  // Step 2: the working variables.
  let a = H[0]!;
  let b = H[1]!;
  let c = H[2]!;
  let d = H[3]!;
  let e = H[4]!;
  let f = H[5]!;
  let g = H[6]!;
  let h = H[7]!;
  // Step 3: T1 = h + Σ1(e) + Ch(e, f, g) + K_t + W_t, T2 = Σ0(a) + Maj(a, b, c) (§4.1.2), with Ch written as
  // g ^ (e & (f ^ g)) and Maj as (a & b) ^ (c & (a ^ b)), the same functions in fewer operations.
  for (let t = 0; t < 64; t++) {
    const bigSigma1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + bigSigma1 + (g ^ (e & (f ^ g))) + K[t]! + W[t]!) | 0;
    const bigSigma0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (bigSigma0 + ((a & b) ^ (c & (a ^ b)))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  // Step 4: the intermediate hash value H(i).
  H[0] = (H[0]! + a) | 0;
  H[1] = (H[1]! + b) | 0;
  H[2] = (H[2]! + c) | 0;
  H[3] = (H[3]! + d) | 0;
  H[4] = (H[4]! + e) | 0;
  H[5] = (H[5]! + f) | 0;
  H[6] = (H[6]! + g) | 0;
  H[7] = (H[7]! + h) | 0;
}

/**
 * Writes SHA-256 of `bytes` (FIPS 180-4 §6.2) into `target[offset..offset + 32)`.
 *
 * @internal the sign-in verifier's `clientDataJSON` hash; elsewhere @noble/hashes is used
 * @param bytes - the message, at most 2^53 − 1 bytes (any `Uint8Array` view)
 * @param target - where the digest goes; nothing outside `[offset, offset + 32)` is written
 * @param offset - where the first digest byte goes; the caller guarantees 32 bytes of room
 */
export function sha256Into(bytes: Uint8Array, target: Uint8Array, offset: number): void {
  // The length is read before the scratch is touched, and the rest copied by index below, not with `subarray`:
  // those are the only calls that can reach code of the input's (a subclass's getter or species), so even such
  // an input cannot run another hash in the middle of this one.
  const { length } = bytes;
  H.set(INITIAL_HASH);
  const whole = length - (length % 64);
  for (let at = 0; at < whole; at += 64) compress(bytes, at);

  // Padding (§5.1.1): the rest, a 1 bit, zeros, then the length in bits as a 64-bit big-endian number, in one
  // block or, when fewer than 9 bytes are left after the rest, in two.
  const rest = length - whole;
  const blocks = rest >= 56 ? 2 : 1;
  const last = LAST_BLOCKS;
  last.fill(0);
  for (let i = 0; i < rest; i++) last[i] = bytes[whole + i]!;
  last[rest] = 0x80;
  // Bit length = 8 × length: the high word holds what a 32-bit shift would lose.
  const end = 64 * blocks;
  const high = Math.floor(length / 0x20000000);
  const low = (length << 3) | 0;
  last[end - 8] = high >>> 24;
  last[end - 7] = high >>> 16;
  last[end - 6] = high >>> 8;
  last[end - 5] = high;
  last[end - 4] = low >>> 24;
  last[end - 3] = low >>> 16;
  last[end - 2] = low >>> 8;
  last[end - 1] = low;
  compress(last, 0);
  if (blocks === 2) compress(last, 64);

  // §6.2.2: the digest is H(N), big-endian.
  for (let i = 0, out = offset; i < 8; i++, out += 4) {
    const word = H[i]!;
    target[out] = word >>> 24;
    target[out + 1] = word >>> 16;
    target[out + 2] = word >>> 8;
    target[out + 3] = word;
  }
}

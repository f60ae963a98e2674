/*
 * Ed25519 public key validation: decoding a point of edwards25519 (RFC 8032 §5.1.3) and refusing points of small
 * order. WebCrypto's Ed25519 `importKey` does not check either, and its `verify` is not required to refuse a
 * small-order key: with the identity `01 00…00` as the key, the signature `R = 01 00…00, S = 0` verifies for every
 * message under Node's WebCrypto, and keys of order 2, 4 and 8 verify for a fraction of messages. A credential
 * public key therefore has to be checked before it is accepted.
 *
 * Plain BigInt arithmetic, not constant time: the inputs are public keys, decoded once per registration and once
 * per key loaded into the public key cache.
 */

/** The field prime p = 2²⁵⁵ − 19 (RFC 8032 §5.1). */
const P = (1n << 255n) - 19n;

/** The curve constant d = −121665 / 121666 mod p (RFC 8032 §5.1). */
const D = 37095705934669439343138083508754565189542113879843219016388785533085940283555n;

/** A square root of −1 mod p, 2^((p − 1) / 4) (RFC 8032 §5.1.3 step 3). */
const SQRT_M1 = 19681161376707505956807079304988542015446066515923890162744021073123829784752n;

/** An affine point (x, y) of edwards25519, coordinates reduced mod p. */
export interface EdwardsPoint {
  readonly x: bigint;
  readonly y: bigint;
}

/** Why a 32-byte string is not an acceptable Ed25519 public key. */
export type Ed25519KeyFault = 'length' | 'non-canonical' | 'not-on-curve' | 'small-order';

function mod(value: bigint): bigint {
  const rest = value % P;
  return rest < 0n ? rest + P : rest;
}

function power(base: bigint, exponent: bigint): bigint {
  let result = 1n;
  let square = mod(base);
  for (let rest = exponent; rest > 0n; rest >>= 1n) {
    if (rest & 1n) result = (result * square) % P;
    square = (square * square) % P;
  }
  return result;
}

/** The 255-bit y of an encoding (little-endian, bit 255 cleared), and the sign bit of x (RFC 8032 §5.1.3 step 1). */
function splitEncoding(encoded: Uint8Array): { y: bigint; xSign: bigint } {
  let value = 0n;
  for (let index = 31; index >= 0; index--) value = (value << 8n) | BigInt(encoded[index]!);
  return { y: value & ((1n << 255n) - 1n), xSign: value >> 255n };
}

/**
 * Decodes a 32-byte encoded point as RFC 8032 §5.1.3 specifies: y must be below p (step 1), x is recovered as a
 * square root of (y² − 1) / (d·y² + 1) (steps 2 and 3, failing if there is none), and x = 0 with the sign bit
 * set is invalid (step 4).
 *
 * @param encoded - 32 bytes, as an Ed25519 public key is encoded (RFC 8032 §5.1.2)
 * @returns the point, or `'non-canonical'` if y ≥ p, or `'not-on-curve'` if no point has this encoding
 * @internal
 */
export function decodeEdwardsPoint(encoded: Uint8Array): EdwardsPoint | 'non-canonical' | 'not-on-curve' {
  const { y, xSign } = splitEncoding(encoded);
  if (y >= P) return 'non-canonical';
  // Step 2: x² = u / v with u = y² − 1 and v = d·y² + 1; candidate root x = u·v³·(u·v⁷)^((p − 5) / 8).
  const y2 = (y * y) % P;
  const u = mod(y2 - 1n);
  const v = mod(D * y2 + 1n);
  const v3 = (v * v * v) % P;
  let x = (((u * v3) % P) * power(u * ((v3 * v3 * v) % P), (P - 5n) >> 3n)) % P;
  // Step 3: the candidate, or it times √−1, squares to u / v; otherwise u / v has no square root.
  const vx2 = (v * x * x) % P;
  if (vx2 !== u) {
    if (vx2 !== mod(-u)) return 'not-on-curve';
    x = (x * SQRT_M1) % P;
  }
  // Step 4: the sign bit picks the root; x = 0 has only one, so a set sign bit names no point.
  if (x === 0n && xSign === 1n) return 'not-on-curve';
  if ((x & 1n) !== xSign) x = P - x;
  return { x, y };
}

/** A point in extended homogeneous coordinates (RFC 8032 §5.1.4): x = X/Z, y = Y/Z, x·y = T/Z. */
interface ExtendedPoint {
  X: bigint;
  Y: bigint;
  Z: bigint;
  T: bigint;
}

/** Point addition in extended coordinates (RFC 8032 §5.1.4); complete for edwards25519, so it also doubles. */
function add(p: ExtendedPoint, q: ExtendedPoint): ExtendedPoint {
  const a = mod((p.Y - p.X) * (q.Y - q.X));
  const b = mod((p.Y + p.X) * (q.Y + q.X));
  const c = mod(2n * D * ((p.T * q.T) % P));
  const d = mod(2n * p.Z * q.Z);
  const e = b - a;
  const f = d - c;
  const g = d + c;
  const h = b + a;
  return { X: mod(e * f), Y: mod(g * h), Z: mod(f * g), T: mod(e * h) };
}

/**
 * Whether the point has small order, that is [8]P is the identity (0, 1): the curve's group has order 8·L with L
 * prime (RFC 8032 §5.1), so these are the eight points of the torsion subgroup.
 *
 * @param point - a decoded point
 * @returns `true` for the eight points of order 1, 2, 4 or 8
 * @internal
 */
export function hasSmallOrder(point: EdwardsPoint): boolean {
  let q: ExtendedPoint = { X: point.x, Y: point.y, Z: 1n, T: (point.x * point.y) % P };
  for (let doubling = 0; doubling < 3; doubling++) q = add(q, q);
  return q.X === 0n && q.Y === q.Z;
}

/**
 * Checks an Ed25519 public key (RFC 8032 §5.1.5 encoding): 32 bytes, a canonical encoding that decodes to a point
 * of edwards25519 (RFC 8032 §5.1.3), and not one of the eight points of small order, whatever its encoding.
 *
 * @param encoded - the key's bytes, as COSE OKP `x` holds them (RFC 9053 §7.2)
 * @returns `undefined` for a valid key, else what is wrong with it
 * @internal
 */
export function ed25519KeyFault(encoded: Uint8Array): Ed25519KeyFault | undefined {
  if (encoded.length !== 32) return 'length';
  const point = decodeEdwardsPoint(encoded);
  if (typeof point === 'string') return point;
  return hasSmallOrder(point) ? 'small-order' : undefined;
}

/*
 * Elliptic curve public key validation (SEC 1 v2 §3.2.2.1) for the NIST curves of WebAuthn's ES256, ES384 and
 * ES512. WebCrypto's `importKey` must refuse a point that is not on the named curve with a `DataError` (W3C Web
 * Cryptography API, ECDSA operations, "import key"). Node and Bun do; Deno 2.9 imports such a point and fails
 * only when the key is used. Checking again after `importKey` gives every runtime the same answer at the same
 * step. `parseCoseKey` checks every EC2 credential key with {@link ecPublicKeyFault} before WebCrypto sees it, so a
 * point off its curve is refused at registration even when the key is never imported there.
 */

/** A NIST curve by its WebCrypto name. */
export type EcCurveName = 'P-256' | 'P-384' | 'P-521';

/**
 * Field prime `p` and coefficient `b` of `y² = x³ − 3x + b` over GF(p), and the coordinate size in bytes
 * (SEC 2 v2 §2.4.2, §2.5.1, §2.6.1; NIST SP 800-186 §3.2.1). Each curve has cofactor 1, so every point on the
 * curve other than infinity has the group order, and step 4 of SEC 1 §3.2.2.1 holds.
 */
const CURVES: Record<EcCurveName, { p: bigint; b: bigint; bytes: number }> = {
  'P-256': {
    p: 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn,
    b: 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn,
    bytes: 32,
  },
  'P-384': {
    p: 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffffn,
    b: 0xb3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aefn,
    bytes: 48,
  },
  'P-521': {
    p: (1n << 521n) - 1n,
    b: 0x0051953eb9618e1c9a1f929a21a0b68540eea2da725b99b315f3b8b489918ef109e156193951ec7e937b1652c0bd3bb1bf073573df883d2c34f1ef451fd46b503f00n,
    bytes: 66,
  },
};

function toBigInt(bytes: Uint8Array): bigint {
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return value;
}

function mod(value: bigint, p: bigint): bigint {
  const rest = value % p;
  return rest < 0n ? rest + p : rest;
}

/**
 * Whether big-endian coordinates `x` and `y` name a point on `curve` (SEC 1 v2 §3.2.2.1 steps 2 and 3): each
 * coordinate is as long as the curve's field elements and below `p`, and `y² ≡ x³ − 3x + b (mod p)`.
 *
 * @param curve - the named curve
 * @param x - the x coordinate, big-endian
 * @param y - the y coordinate, big-endian
 * @returns `true` if the point is on the curve
 * @internal
 */
export function isOnCurve(curve: EcCurveName, x: Uint8Array, y: Uint8Array): boolean {
  const { p, b, bytes } = CURVES[curve];
  if (x.length !== bytes || y.length !== bytes) return false;
  const X = toBigInt(x);
  const Y = toBigInt(y);
  if (X >= p || Y >= p) return false;
  return mod(Y * Y, p) === mod(X * X * X - 3n * X + b, p);
}

/** Why EC2 coordinates are not an acceptable public key on their curve. */
export type EcPublicKeyFault = 'length' | 'coordinate-range' | 'not-on-curve';

/**
 * Checks a public key given by its affine coordinates as SEC 1 v2 §3.2.2.1 validates one: each coordinate is as
 * long as the curve's field elements (step 1 for a COSE key) and below `p` (step 2), and the point is on the curve
 * (step 3). The point at infinity has no affine coordinates, and (0, 0) is on none of these curves (b ≠ 0), so a
 * key that passes is not the identity; with cofactor 1 it also has the group order (step 4).
 *
 * @param curve - the named curve
 * @param x - the x coordinate, big-endian
 * @param y - the y coordinate, big-endian
 * @returns `undefined` for a valid public key, else what is wrong with it
 * @internal
 */
export function ecPublicKeyFault(curve: EcCurveName, x: Uint8Array, y: Uint8Array): EcPublicKeyFault | undefined {
  const { p, bytes } = CURVES[curve];
  if (x.length !== bytes || y.length !== bytes) return 'length';
  if (toBigInt(x) >= p || toBigInt(y) >= p) return 'coordinate-range';
  return isOnCurve(curve, x, y) ? undefined : 'not-on-curve';
}

/**
 * Throws what WebCrypto's `importKey` throws for an uncompressed point (SEC 1 v2 §2.3.3, a `0x04` byte and the
 * two coordinates) that is not on `curve`: a `DOMException` named `DataError`. Other encodings are left to
 * WebCrypto.
 *
 * @param curve - the named curve
 * @param point - the encoded point, as `importKey('raw')` takes it or an EC SubjectPublicKeyInfo holds it
 * @throws {DOMException} `DataError` for an uncompressed point that is not on the curve
 * @internal
 */
export function checkEcPoint(curve: EcCurveName, point: Uint8Array): void {
  if (point[0] !== 0x04) return;
  const { bytes } = CURVES[curve];
  const onCurve = point.length === 1 + 2 * bytes && isOnCurve(curve, point.subarray(1, 1 + bytes), point.subarray(1 + bytes));
  if (!onCurve) throw new DOMException(`The EC public key is not a point on ${curve}.`, 'DataError');
}

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SMALL_ORDER_ENCODINGS, hexBytes } from '../test/ed25519SmallOrder.ts';
import { decodeEdwardsPoint, ed25519KeyFault, hasSmallOrder, type EdwardsPoint } from './_edwardsPoint.ts';

/*
 * An independent model of edwards25519 for checking the module: affine formulas with inversions (the module uses
 * extended coordinates without any), the constants computed here from their definitions (the module has them as
 * literals), and the torsion subgroup derived from one point of order 8.
 */
const P = (1n << 255n) - 19n;
const mod = (value: bigint): bigint => ((value % P) + P) % P;
function pow(base: bigint, exponent: bigint): bigint {
  let result = 1n;
  for (let b = mod(base), e = exponent; e > 0n; e >>= 1n, b = (b * b) % P) if (e & 1n) result = (result * b) % P;
  return result;
}
const inverse = (value: bigint): bigint => pow(value, P - 2n);
/** d = −121665 / 121666 (RFC 8032 §5.1). */
const D = mod(-121665n * inverse(121666n));
const IDENTITY: EdwardsPoint = { x: 0n, y: 1n };
const onCurve = ({ x, y }: EdwardsPoint): boolean => mod(-x * x + y * y) === mod(1n + D * x * x * y * y);
/** Affine addition on −x² + y² = 1 + d·x²·y² (RFC 8032 §5.1.4, first form). */
function add(p: EdwardsPoint, q: EdwardsPoint): EdwardsPoint {
  const t = mod(D * p.x * q.x * p.y * q.y);
  return { x: mod((p.x * q.y + q.x * p.y) * inverse(1n + t)), y: mod((p.y * q.y + p.x * q.x) * inverse(1n - t)) };
}
function multiply(point: EdwardsPoint, k: number): EdwardsPoint {
  let result = IDENTITY;
  for (let i = 0; i < k; i++) result = add(result, point);
  return result;
}
const same = (p: EdwardsPoint, q: EdwardsPoint): boolean => p.x === q.x && p.y === q.y;
/** RFC 8032 §5.1.2: y little-endian, the low bit of x in bit 255. */
function encode({ x, y }: EdwardsPoint): string {
  const value = y | ((x & 1n) << 255n);
  let hex = '';
  for (let i = 0n; i < 32n; i++) hex += ((value >> (8n * i)) & 0xffn).toString(16).padStart(2, '0');
  return hex;
}
function littleEndian(bytes: Uint8Array): bigint {
  let value = 0n;
  for (let index = bytes.length - 1; index >= 0; index--) value = (value << 8n) | BigInt(bytes[index]!);
  return value;
}
/**
 * What a permissive decoder makes of an encoding: y taken modulo p and x = 0 whatever the sign bit, the way
 * decoders that the small-order blocklists were written for behave.
 */
function permissiveDecode(bytes: Uint8Array): EdwardsPoint | undefined {
  const value = littleEndian(bytes);
  const y = mod(value & ((1n << 255n) - 1n));
  const canonical = Uint8Array.from(bytes);
  canonical.set(hexBytes(encode({ x: value >> 255n, y })));
  const decoded = decodeEdwardsPoint(canonical);
  if (typeof decoded !== 'string') return decoded;
  // x = 0 with the sign bit set: the point with x = 0, if any.
  const zeroSign = Uint8Array.from(canonical);
  zeroSign[31]! &= 0x7f;
  const point = decodeEdwardsPoint(zeroSign);
  return typeof point !== 'string' && point.x === 0n ? point : undefined;
}
function orderOf(point: EdwardsPoint): number | undefined {
  for (let order = 1; order <= 8; order++) if (same(multiply(point, order), IDENTITY)) return order;
  return undefined;
}
const BASE = hexBytes('5866666666666666666666666666666666666666666666666666666666666666');

describe('the small-order encodings of test/ed25519SmallOrder.ts', () => {
  const order8 = decodeEdwardsPoint(hexBytes(SMALL_ORDER_ENCODINGS.find((entry) => entry.order === 8)!.hex)) as EdwardsPoint;

  it('are exactly the eight multiples of a point of order 8, canonically encoded, plus six alternatives', () => {
    expect(onCurve(order8)).toBe(true);
    expect(orderOf(order8)).toBe(8);
    const torsion = Array.from({ length: 8 }, (_, k) => multiply(order8, k));
    const derived = new Set(torsion.map(encode));
    expect(derived.size).toBe(8);
    expect(new Set(SMALL_ORDER_ENCODINGS.filter((entry) => entry.canonical).map((entry) => entry.hex))).toEqual(derived);
    expect(SMALL_ORDER_ENCODINGS.filter((entry) => !entry.canonical)).toHaveLength(6);
    expect(new Set(SMALL_ORDER_ENCODINGS.map((entry) => entry.hex)).size).toBe(14);
  });

  it.each(SMALL_ORDER_ENCODINGS)('$name names a point of order $order under a permissive decoder', ({ hex, order }) => {
    const point = permissiveDecode(hexBytes(hex));
    expect(point).toBeDefined();
    expect(orderOf(point!)).toBe(order);
  });

  it('cover every alternative encoding: y + p below 2²⁵⁵ exists only for y = 0 and y = 1, and x = 0 only for y = ±1', () => {
    const canonical = SMALL_ORDER_ENCODINGS.filter((entry) => entry.canonical).map((entry) => decodeEdwardsPoint(hexBytes(entry.hex)) as EdwardsPoint);
    const alternatives = new Set<string>();
    const fits = (y: bigint): boolean => y < 1n << 255n;
    for (const { x, y } of canonical) {
      if (fits(y + P)) alternatives.add(encode({ x, y: y + P }));
      // encode() takes the sign bit from x's low bit, so x = 1n writes x = 0 with the sign bit set.
      if (x === 0n) alternatives.add(encode({ x: 1n, y }));
      if (x === 0n && fits(y + P)) alternatives.add(encode({ x: 1n, y: y + P }));
    }
    expect(new Set(SMALL_ORDER_ENCODINGS.filter((entry) => !entry.canonical).map((entry) => entry.hex))).toEqual(alternatives);
  });
});

describe('decodeEdwardsPoint (RFC 8032 §5.1.3)', () => {
  it('decodes the base point B to its x coordinate', () => {
    expect(decodeEdwardsPoint(BASE)).toEqual({
      x: 15112221349535400772501151409588531511454012693041857206046113283949847762202n,
      y: 46316835694926478169428394003475163141307993866256225615783033603165251855960n,
    });
  });

  it('decodes every key WebCrypto generates to a point on the curve that encodes back to the same bytes', async () => {
    for (let i = 0; i < 8; i++) {
      const { publicKey } = (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])) as CryptoKeyPair;
      const raw = new Uint8Array(await crypto.subtle.exportKey('raw', publicKey));
      const point = decodeEdwardsPoint(raw);
      expect(typeof point).toBe('object');
      expect(onCurve(point as EdwardsPoint)).toBe(true);
      expect(hexBytes(encode(point as EdwardsPoint))).toEqual(raw);
      expect(ed25519KeyFault(raw)).toBeUndefined();
    }
  });

  it('refuses y ≥ p as non-canonical, with either sign', () => {
    for (let k = 0n; k < 19n; k++) {
      for (const sign of [0n, 1n]) expect(decodeEdwardsPoint(hexBytes(encode({ x: sign, y: P + k })))).toBe('non-canonical');
    }
  });

  it('refuses x = 0 with the sign bit set (step 4)', () => {
    expect(decodeEdwardsPoint(hexBytes(encode({ x: 1n, y: 1n })))).toBe('not-on-curve');
    expect(decodeEdwardsPoint(hexBytes(encode({ x: 1n, y: P - 1n })))).toBe('not-on-curve');
  });

  it('for any y < p: a point on the curve with the requested sign exactly when (y² − 1) / (d·y² + 1) is a square', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: P - 1n }), fc.boolean(), (y, odd) => {
        const decoded = decodeEdwardsPoint(hexBytes(encode({ x: odd ? 1n : 0n, y })));
        const ratio = mod((y * y - 1n) * inverse(D * y * y + 1n));
        // Euler's criterion: a nonzero square has ratio^((p − 1) / 2) = 1.
        const square = ratio === 0n || pow(ratio, (P - 1n) / 2n) === 1n;
        if (!square || (ratio === 0n && odd)) {
          expect(decoded).toBe('not-on-curve');
          return;
        }
        const point = decoded as EdwardsPoint;
        expect([point.y, point.x & 1n, onCurve(point)]).toEqual([y, odd ? 1n : 0n, true]);
      }),
      { numRuns: 300 },
    );
  });
});

describe('hasSmallOrder and ed25519KeyFault', () => {
  it('find small order in exactly the eight torsion points', () => {
    for (const { hex, canonical } of SMALL_ORDER_ENCODINGS) {
      expect(ed25519KeyFault(hexBytes(hex))).toBe(canonical ? 'small-order' : hexBytes(hex)[0]! >= 0xed ? 'non-canonical' : 'not-on-curve');
    }
    const base = decodeEdwardsPoint(BASE) as EdwardsPoint;
    expect(hasSmallOrder(base)).toBe(false);
    // A point with a torsion component but a prime-order part is not of small order.
    const order8 = decodeEdwardsPoint(hexBytes(SMALL_ORDER_ENCODINGS[4]!.hex)) as EdwardsPoint;
    expect(hasSmallOrder(add(base, order8))).toBe(false);
  });

  it('agree with the affine model on random curve points: small order exactly when [8]P is the identity', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (bytes) => {
        const point = decodeEdwardsPoint(bytes);
        if (typeof point === 'string') return;
        expect(hasSmallOrder(point)).toBe(same(multiply(point, 8), IDENTITY));
        expect(ed25519KeyFault(bytes)).toBe(hasSmallOrder(point) ? 'small-order' : undefined);
      }),
      { numRuns: 100 },
    );
  });

  it('report the length of anything but 32 bytes', () => {
    expect(ed25519KeyFault(new Uint8Array(31))).toBe('length');
    expect(ed25519KeyFault(new Uint8Array(33))).toBe('length');
  });
});

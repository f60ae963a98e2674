import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { readAuthenticationVectors, readRegistrationVectors } from '../test/vectors.ts';
import { checkEcPoint, ecPublicKeyFault, isOnCurve, type EcCurveName } from './_ecPoint.ts';
import { parseAttestationObject } from './attestationObject.ts';
import { base64url } from './base64url.ts';
import { parseCoseKey } from './cose.ts';

const curves: { curve: EcCurveName; bytes: number }[] = [
  { curve: 'P-256', bytes: 32 },
  { curve: 'P-384', bytes: 48 },
  { curve: 'P-521', bytes: 66 },
];

/** Uncompressed points (`0x04 || x || y`) of keys WebCrypto generated, per curve. */
const generated = new Map<EcCurveName, Uint8Array[]>();

beforeAll(async () => {
  for (const { curve } of curves) {
    const points: Uint8Array[] = [];
    for (let i = 0; i < 4; i++) {
      const { publicKey } = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: curve }, true, ['sign', 'verify']);
      points.push(new Uint8Array(await crypto.subtle.exportKey('raw', publicKey)));
    }
    generated.set(curve, points);
  }
});

function coordinates(point: Uint8Array, bytes: number): [Uint8Array, Uint8Array] {
  return [point.slice(1, 1 + bytes), point.slice(1 + bytes)];
}

function dataErrorOf(action: () => void): string | undefined {
  try {
    action();
    return undefined;
  } catch (error) {
    return error instanceof DOMException ? error.name : `not a DOMException: ${String(error)}`;
  }
}

describe('isOnCurve', () => {
  it.each(curves)('accepts every point WebCrypto generates on $curve', ({ curve, bytes }) => {
    for (const point of generated.get(curve)!) expect(isOnCurve(curve, ...coordinates(point, bytes))).toBe(true);
  });

  it('accepts the EC2 credential keys of the captured vectors', () => {
    const keys = [
      ...readAuthenticationVectors().map((vector) => base64url.decode(vector.credential.publicKey)),
      ...readRegistrationVectors().map(
        (vector) => parseAttestationObject(base64url.decode(vector.response.response.attestationObject)).authenticatorData.attestedCredentialData.credentialPublicKey,
      ),
    ].map((bytes) => parseCoseKey(bytes, { canonical: false })); // stored keys: one vector re-encoded its key
    const ec2 = keys.filter((key) => key.kty === 'EC2');
    expect(ec2.length).toBeGreaterThan(10);
    for (const key of ec2) expect(isOnCurve(key.crv, key.x, key.y)).toBe(true);
  });

  it.each(curves)('rejects every single-bit change of a $curve point', ({ curve, bytes }) => {
    fc.assert(
      fc.property(fc.nat({ max: 3 }), fc.nat({ max: 2 * bytes * 8 - 1 }), (which, bit) => {
        const point = Uint8Array.from(generated.get(curve)![which]!);
        point[1 + (bit >> 3)]! ^= 1 << (bit & 7);
        expect(isOnCurve(curve, ...coordinates(point, bytes))).toBe(false);
      }),
    );
  });

  it('rejects a coordinate that is not reduced modulo p, although it names the same point', () => {
    // P-521 coordinates take 66 bytes for 521 bits, so y + p still fits: congruent to y, but not below p.
    const [x, y] = coordinates(generated.get('P-521')![0]!, 66);
    let value = 0n;
    for (const byte of y) value = (value << 8n) | BigInt(byte);
    value += (1n << 521n) - 1n;
    const unreduced = new Uint8Array(66);
    for (let i = 65; i >= 0; i--, value >>= 8n) unreduced[i] = Number(value & 0xffn);
    expect(isOnCurve('P-521', x, y)).toBe(true);
    expect(isOnCurve('P-521', x, unreduced)).toBe(false);
  });

  it('rejects coordinates of the wrong size', () => {
    const [x, y] = coordinates(generated.get('P-256')![0]!, 32);
    expect(isOnCurve('P-256', x.subarray(1), y)).toBe(false);
    expect(isOnCurve('P-256', x, new Uint8Array([0, ...y]))).toBe(false);
    expect(isOnCurve('P-384', x, y)).toBe(false);
  });
});

describe('checkEcPoint', () => {
  it.each(curves)('lets every generated $curve point through', ({ curve }) => {
    for (const point of generated.get(curve)!) expect(dataErrorOf(() => checkEcPoint(curve, point))).toBeUndefined();
  });

  it('throws a DataError DOMException, as WebCrypto importKey does, for an uncompressed point off its curve or of the wrong length', () => {
    const point = Uint8Array.from(generated.get('P-256')![0]!);
    expect(dataErrorOf(() => checkEcPoint('P-384', point))).toBe('DataError');
    expect(dataErrorOf(() => checkEcPoint('P-256', point.subarray(0, 64)))).toBe('DataError');
    point[64]! ^= 1;
    expect(dataErrorOf(() => checkEcPoint('P-256', point))).toBe('DataError');
  });

  it('leaves other encodings (compressed points, garbage) to WebCrypto', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 140 }), (bytes) => {
        fc.pre(bytes[0] !== 0x04);
        expect(dataErrorOf(() => checkEcPoint('P-256', bytes))).toBeUndefined();
      }),
    );
  });
});

describe('ecPublicKeyFault', () => {
  const P256 = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
  const bytes32 = (value: bigint): Uint8Array => Uint8Array.from({ length: 32 }, (_, i) => Number((value >> BigInt(8 * (31 - i))) & 0xffn));

  it.each(curves)('accepts every generated $curve point', ({ curve, bytes }) => {
    for (const point of generated.get(curve)!) expect(ecPublicKeyFault(curve, ...coordinates(point, bytes))).toBeUndefined();
  });

  it('names what is wrong: the size, a coordinate not below p, or a point off the curve such as (0, 0)', () => {
    const [x, y] = coordinates(generated.get('P-256')![0]!, 32);
    expect(ecPublicKeyFault('P-256', x.subarray(1), y)).toBe('length');
    expect(ecPublicKeyFault('P-384', x, y)).toBe('length');
    expect(ecPublicKeyFault('P-256', bytes32(P256), y)).toBe('coordinate-range');
    expect(ecPublicKeyFault('P-256', x, new Uint8Array(32).fill(0xff))).toBe('coordinate-range');
    expect(ecPublicKeyFault('P-256', new Uint8Array(32), new Uint8Array(32))).toBe('not-on-curve');
    const yPlusOne = Uint8Array.from(y);
    yPlusOne[31] = (yPlusOne[31]! + 1) & 0xff;
    expect(ecPublicKeyFault('P-256', x, yPlusOne)).toBe('not-on-curve');
  });
});

import { Decoder, Encoder } from 'cbor-x';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SMALL_ORDER_ENCODINGS, hexBytes } from '../test/ed25519SmallOrder.ts';
import { thrown } from '../test/mutations.ts';
import { readAuthenticationVectors, readRegistrationVectors } from '../test/vectors.ts';
import { base64url } from './base64url.ts';
import { COSE_ALGORITHMS, COSE_ALGORITHM_NAMES, COSE_CURVES, COSE_KEY_TYPES, MAX_COSE_KEY_BYTES, parseCoseKey, type CoseKey } from './cose.ts';
import { isTesseraError, type TesseraErrorCode } from './errors.ts';
import { bytes as octets, concat, encodeCbor, head, headCount, mapOf, raw, tagged, type CborInput } from '../test/cborEncoder.ts';

const authentication = readAuthenticationVectors();
const registration = readRegistrationVectors();
const realKeys: { name: string; alg: number; bytes: Uint8Array }[] = [
  ...authentication.map((v) => ({ name: v.name, alg: v.coseAlg, bytes: base64url.decode(v.credential.publicKey) })),
  ...registration.map((v) => ({ name: `reg ${v.name}`, alg: v.expected.coseAlg, bytes: base64url.decode(v.expected.publicKey) })),
];

const KTY_OF_ALG: Record<number, CoseKey['kty']> = { [-7]: 'EC2', [-8]: 'OKP', [-257]: 'RSA' };

function expectCode(bytes: Uint8Array, code: TesseraErrorCode, message?: RegExp): void {
  const error = thrown(() => parseCoseKey(bytes));
  expect(isTesseraError(error, code), `expected ${code}, got ${String(error)}`).toBe(true);
  if (message !== undefined) expect((error as Error).message).toMatch(message);
}

/** Plain CBOR as authenticators write it: cbor-x's default `encode` would tag maps (259) and byte strings (64). */
const cbor = new Encoder({ mapsAsObjects: false, useRecords: false, tagUint8Array: false });
const encode = (value: unknown): Uint8Array => new Uint8Array(cbor.encode(value));
const cose = (entries: [number | string, unknown][]): Uint8Array => new Uint8Array(encode(new Map(entries)));
const filled = (length: number, byte = 0x5a): Uint8Array => new Uint8Array(length).fill(byte);
/** A 2048-bit odd modulus, minimal. */
const modulus = (bytes = 256): Uint8Array => {
  const n = filled(bytes, 0xc3);
  n[n.length - 1] = 0x01 | 0xc2;
  return n;
};
const E65537 = new Uint8Array([1, 0, 1]);
const hex = (text: string): Uint8Array => Uint8Array.from(text.match(/../g)!, (byte) => Number.parseInt(byte, 16));
/** The base point G of each curve by coordinate size (SEC 2 v2 §2.4.2, §2.5.1, §2.6.1): a valid public key. */
const GENERATORS: Record<number, [Uint8Array, Uint8Array]> = {
  32: [
    hex('6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296'),
    hex('4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5'),
  ],
  48: [
    hex('aa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab7'),
    hex('3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5f'),
  ],
  66: [
    hex('00c6858e06b70404e9cd9e3ecb662395b4429c648139053fb521f828af606b4d3dbaa14b5e77efe75928fe1dc127a2ffa8de3348b3c1856a429bf97e7e31c2e5bd66'),
    hex('011839296a789a3bc0045c8a5fb42c7d1bd998f54449579b446817afbd17273e662c97ee72995ef42640c550b9013fad0761353c7086a272c24088be94769fd16650'),
  ],
};
/** The Ed25519 base point B (RFC 8032 §5.1), encoded: a valid public key. */
const ED25519_BASE = hex('5866666666666666666666666666666666666666666666666666666666666666');
const ec2 = (alg: number, crv: number, size: number, extra: [number, unknown][] = []): Uint8Array => {
  const [x, y] = GENERATORS[size] ?? [filled(size), filled(size, 0x33)];
  return cose([[1, 2], [3, alg], [-1, crv], [-2, x], [-3, y], ...extra]);
};
const okp = (alg: number, crv: number, size = 32): Uint8Array => cose([[1, 1], [3, alg], [-1, crv], [-2, size === 32 ? ED25519_BASE : filled(size)]]);
const rsa = (alg: number, n: Uint8Array, e: Uint8Array = E65537, extra: [number, unknown][] = []): Uint8Array =>
  cose([[1, 3], [3, alg], [-1, n], [-2, e], ...extra]);

describe('COSE constants', () => {
  it('name every algorithm and use the IANA numbers', () => {
    expect(COSE_ALGORITHMS).toMatchObject({ ES256: -7, EdDSA: -8, Ed25519: -19, RS256: -257, PS256: -37, RS1: -65535 });
    for (const [name, value] of Object.entries(COSE_ALGORITHMS)) expect(COSE_ALGORITHM_NAMES[value]).toBe(name);
    expect(COSE_KEY_TYPES).toEqual({ OKP: 1, EC2: 2, RSA: 3, AKP: 7 });
    expect(COSE_CURVES).toEqual({ 'P-256': 1, 'P-384': 2, 'P-521': 3, Ed25519: 6 });
  });
});

describe('parseCoseKey on captured credential keys', () => {
  // Stored keys (the authentication vectors') are the relying party's data; canonical order is waived for them.
  it.each(realKeys)('$name parses to its algorithm', ({ name, alg, bytes }) => {
    const key = parseCoseKey(bytes, { canonical: name.startsWith('reg ') });
    expect(key.alg).toBe(alg);
    expect(key.kty).toBe(KTY_OF_ALG[alg]);
    if (key.kty === 'EC2') expect([key.crv, key.x.length, key.y.length]).toEqual(['P-256', 32, 32]);
    if (key.kty === 'OKP') expect([key.crv, key.x.length]).toEqual(['Ed25519', 32]);
    if (key.kty === 'RSA') expect([key.n.length, key.e]).toEqual([256, E65537]);
  });

  it('returns copies that do not change with the input', () => {
    const bytes = Uint8Array.from(realKeys[0]!.bytes);
    const key = parseCoseKey(bytes);
    const before = Uint8Array.from((key as { x: Uint8Array }).x);
    bytes.fill(0);
    expect((key as { x: Uint8Array }).x).toEqual(before);
  });
});

describe('parseCoseKey accepts every supported shape', () => {
  it.each([
    ['ES256', ec2(-7, 1, 32), { kty: 'EC2', crv: 'P-256' }],
    ['ES384', ec2(-35, 2, 48), { kty: 'EC2', crv: 'P-384' }],
    ['ES512', ec2(-36, 3, 66), { kty: 'EC2', crv: 'P-521' }],
    ['EdDSA', okp(-8, 6), { kty: 'OKP', crv: 'Ed25519' }],
    ['Ed25519', okp(-19, 6), { kty: 'OKP', crv: 'Ed25519' }],
    ...[-257, -258, -259, -37, -38, -39, -65535].map((alg) => [COSE_ALGORITHM_NAMES[alg as -7], rsa(alg, modulus()), { kty: 'RSA' }] as const),
  ] as const)('%s', (_name, bytes, shape) => {
    expect(parseCoseKey(bytes)).toMatchObject(shape);
  });

  it('ignores unknown integer parameters such as kid, and accepts labels in any order only with canonical: false', () => {
    const [x, y] = GENERATORS[32]!;
    expect(parseCoseKey(cose([[1, 2], [2, new Uint8Array([1])], [3, -7], [-1, 1], [-2, x], [-3, y]]))).toMatchObject({ alg: -7 });
    const anyOrder = cose([[-2, x], [3, -7], [2, new Uint8Array([1])], [-3, y], [-1, 1], [1, 2]]);
    expect(parseCoseKey(anyOrder, { canonical: false })).toMatchObject({ alg: -7 });
    expectCode(anyOrder, 'malformed_public_key', /canonical order/);
  });

  it('accepts RSA moduli of 2048 to 16384 bits and exponents 3 and 2^32 - 1', () => {
    const smallest = filled(256, 0);
    smallest[0] = 0x80;
    smallest[255] = 1;
    expect(parseCoseKey(rsa(-257, smallest))).toMatchObject({ kty: 'RSA' });
    expect(parseCoseKey(rsa(-257, modulus(2048)))).toMatchObject({ kty: 'RSA' });
    expect(parseCoseKey(rsa(-257, modulus(), new Uint8Array([3])))).toMatchObject({ kty: 'RSA' });
    expect(parseCoseKey(rsa(-257, modulus(), new Uint8Array([0xff, 0xff, 0xff, 0xff])))).toMatchObject({ kty: 'RSA' });
  });
});

describe('parseCoseKey rejects malformed keys', () => {
  it.each([
    ['truncated CBOR', new Uint8Array([0xa1, 0x01]), /CBOR/],
    ['empty', new Uint8Array(), /empty/],
    ['an array', new Uint8Array(encode([1, 2])), /map/],
    ['a map in tag 259 (cbor-x default encoding)', new Uint8Array([0xd9, 0x01, 0x03, ...ec2(-7, 1, 32)]), /tags/],
    ['an indefinite-length map', new Uint8Array([0xbf, ...ec2(-7, 1, 32).subarray(1), 0xff]), /indefinite/],
    ['a text label', cose([[1, 2], [3, -7], [-1, 1], [-2, filled(32)], [-3, filled(32)], ['x', 1]]), /integers/],
    ['a duplicate label', new Uint8Array([0xa6, ...ec2(-7, 1, 32).subarray(1), 0x03, 0x26]), /duplicate/],
    ['no kty', cose([[3, -7], [-1, 1], [-2, filled(32)], [-3, filled(32)]]), /kty/],
    ['no alg', cose([[1, 2], [-1, 1], [-2, filled(32)], [-3, filled(32)]]), /alg/],
    ['a text alg', cose([[1, 2], [3, 'ES256'], [-1, 1], [-2, filled(32)], [-3, filled(32)]]), /alg/],
    ['ES256 on P-384', ec2(-7, 2, 48), /P-256/],
    ['ES384 on P-256', ec2(-35, 1, 32), /P-384/],
    ['ES512 on an unknown curve', ec2(-36, 8, 66), /P-521/],
    ['RS256 with an EC2 key', ec2(-257, 1, 32), /not an EC2/],
    ['a short x', cose([[1, 2], [3, -7], [-1, 1], [-2, filled(31)], [-3, filled(32)]]), /32 bytes/],
    ['a long y', cose([[1, 2], [3, -7], [-1, 1], [-2, filled(32)], [-3, filled(33)]]), /32 bytes/],
    ['P-521 with 65-byte coordinates', ec2(-36, 3, 65), /66 bytes/],
    ['a compressed point', cose([[1, 2], [3, -7], [-1, 1], [-2, filled(32)], [-3, true]]), /compressed/],
    ['no y', cose([[1, 2], [3, -7], [-1, 1], [-2, filled(32)]]), /y/],
    ['an EC private key', ec2(-7, 1, 32, [[-4, filled(32)]]), /private/],
    ['EdDSA on X25519', okp(-8, 4), /Ed25519/],
    ['Ed25519 on Ed448', okp(-19, 7), /Ed25519/],
    ['a 31-byte Ed25519 key', okp(-8, 6, 31), /32 bytes/],
    ['ES256 with an OKP key', okp(-7, 6), /not an OKP/],
    ['an OKP private key', cose([[1, 1], [3, -8], [-1, 6], [-2, filled(32)], [-4, filled(32)]]), /private/],
    ['a 2047-bit modulus', rsa(-257, Uint8Array.of(0x7f, ...modulus().subarray(1))), /2048/],
    ['a 1024-bit modulus', rsa(-257, modulus(128)), /2048/],
    ['a 16392-bit modulus', rsa(-257, modulus(2049)), /16384/],
    ['a modulus with a leading zero', rsa(-257, Uint8Array.of(0, ...modulus())), /minimal/],
    ['an even modulus', rsa(-257, Uint8Array.of(...modulus().subarray(1), 0xc2)), /even/],
    ['an exponent with a leading zero', rsa(-257, modulus(), new Uint8Array([0, 1, 0, 1])), /minimal/],
    ['an even exponent', rsa(-257, modulus(), new Uint8Array([1, 0, 0])), /odd/],
    ['exponent 1', rsa(-257, modulus(), new Uint8Array([1])), /odd/],
    ['a 33-bit exponent', rsa(-257, modulus(), new Uint8Array([1, 0, 0, 0, 1])), /32 bits/],
    ['ES256 with an RSA key', rsa(-7, modulus()), /not an RSA/],
    ['an RSA private key', rsa(-257, modulus(), E65537, [[-3, modulus()]]), /private/],
    ['a known algorithm with an unknown key type', cose([[1, 4], [3, -7], [-1, filled(16)]]), /key type 4/],
  ])('%s', (_name, bytes, message) => {
    expectCode(bytes, 'malformed_public_key', message);
  });

  it('rejects keys larger than MAX_COSE_KEY_BYTES before decoding', () => {
    expectCode(new Uint8Array(MAX_COSE_KEY_BYTES + 1), 'malformed_public_key', /larger/);
  });

  it('rejects a non-Uint8Array with a TesseraError', () => {
    expectCode('pQECAyYg' as unknown as Uint8Array, 'malformed_public_key');
  });
});

describe('parseCoseKey reports unsupported algorithms and curves', () => {
  it.each([
    ['ES256K on secp256k1', ec2(-47, 8, 32)],
    ['an unknown algorithm on P-256', ec2(-9999, 1, 32)],
    ['EdDSA on Ed448', okp(-8, 7, 57)],
    ['an unknown OKP algorithm', okp(-53, 7, 57)],
    ['an unknown RSA algorithm', rsa(-9999, modulus())],
    ['an unknown algorithm with an AKP key (key type 7, RFC 9964)', cose([[1, 7], [3, -9999], [-1, filled(1312)]])],
    ['symmetric keys', cose([[1, 4], [3, 5], [-1, filled(32)]])],
  ])('%s', (_name, bytes) => {
    expectCode(bytes, 'unsupported_algorithm');
  });

  it('still reports a malformed key as malformed when the algorithm is unknown', () => {
    expectCode(ec2(-9999, 1, 31), 'malformed_public_key');
    expectCode(rsa(-9999, modulus(128)), 'malformed_public_key');
  });
});

describe('parseCoseKey on arbitrary input', () => {
  const accepted = (bytes: Uint8Array): void => {
    try {
      const key = parseCoseKey(bytes);
      expect(['EC2', 'OKP', 'RSA', 'AKP']).toContain(key.kty);
    } catch (error) {
      expect(isTesseraError(error, 'malformed_public_key') || isTesseraError(error, 'unsupported_algorithm'), String(error)).toBe(true);
    }
  };
  const realKey = fc.constantFrom(...realKeys.map((k) => k.bytes));

  it('random bytes yield a key or a TesseraError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), accepted), { numRuns: 2000 });
  });

  it('every truncation of a real key is rejected', () => {
    fc.assert(
      fc.property(realKey, fc.nat(), (bytes, cut) => {
        expect(() => parseCoseKey(bytes.subarray(0, cut % bytes.length))).toThrow();
        accepted(bytes.subarray(0, cut % bytes.length));
      }),
    );
  });

  it('bit flips and byte changes of real keys yield a key or a TesseraError', () => {
    fc.assert(
      fc.property(realKey, fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { minLength: 1, maxLength: 4 }), (bytes, changes) => {
        const mutated = Uint8Array.from(bytes);
        for (const [at, value] of changes) mutated[at % mutated.length] = value < 8 ? mutated[at % mutated.length]! ^ (1 << value) : value;
        accepted(mutated);
      }),
      { numRuns: 3000 },
    );
  });

  it('maps of COSE-like labels and values yield a key or a TesseraError', () => {
    const value = fc.oneof(
      fc.integer({ min: -70000, max: 10 }),
      fc.constantFrom(1, 2, 3, 6, -7, -8, -257, -37),
      fc.uint8Array({ maxLength: 70 }),
      fc.constantFrom(filled(32), filled(48), filled(66), modulus(), E65537),
      fc.boolean(),
      fc.string({ maxLength: 4 }),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: -5, max: 4 }), value), { maxLength: 7 }), (entries) => {
        accepted(cose(entries));
      }),
      { numRuns: 3000 },
    );
  });
});

/** Big-endian bytes of `value`, `size` long. */
function bigEndian(value: bigint, size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let index = size - 1; index >= 0; index--, value >>= 8n) bytes[index] = Number(value & 0xffn);
  return bytes;
}
const toBigInt = (bytes: Uint8Array): bigint => bytes.reduce((value, byte) => (value << 8n) | BigInt(byte), 0n);

const EC_CURVES = [
  { name: 'P-256', alg: -7, crv: 1, size: 32, p: 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn },
  { name: 'P-384', alg: -35, crv: 2, size: 48, p: (1n << 384n) - (1n << 128n) - (1n << 96n) + (1n << 32n) - 1n },
  { name: 'P-521', alg: -36, crv: 3, size: 66, p: (1n << 521n) - 1n },
] as const;
const ecKey = (curve: (typeof EC_CURVES)[number], x: Uint8Array, y: Uint8Array): Uint8Array =>
  cose([[1, 2], [3, curve.alg], [-1, curve.crv], [-2, x], [-3, y]]);
const edKey = (x: Uint8Array, alg = -8): Uint8Array => cose([[1, 1], [3, alg], [-1, 6], [-2, x]]);

describe('parseCoseKey refuses EC2 public keys that are not points of their curve (SEC 1 v2 §3.2.2.1)', () => {
  it.each(EC_CURVES)('accepts every key WebCrypto generates on $name', async (curve) => {
    for (let i = 0; i < 6; i++) {
      const { publicKey } = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: curve.name }, true, ['sign', 'verify']);
      const jwk = await crypto.subtle.exportKey('jwk', publicKey);
      expect(parseCoseKey(ecKey(curve, base64url.decode(jwk.x!), base64url.decode(jwk.y!)))).toMatchObject({ kty: 'EC2', crv: curve.name });
    }
  });

  it.each(EC_CURVES)('$name: y + 1, (0, 0), x = p, x ≥ p, y ≥ p and y + p are refused as malformed_public_key', (curve) => {
    const [x, y] = GENERATORS[curve.size]!;
    const { p, size } = curve;
    expectCode(ecKey(curve, x, bigEndian(toBigInt(y) + 1n, size)), 'malformed_public_key', new RegExp(`not on ${curve.name}`));
    expectCode(ecKey(curve, new Uint8Array(size), new Uint8Array(size)), 'malformed_public_key', /not on/);
    expectCode(ecKey(curve, bigEndian(p, size), y), 'malformed_public_key', /below the field prime/);
    expectCode(ecKey(curve, bigEndian(p + 1n, size), y), 'malformed_public_key', /below the field prime/);
    expectCode(ecKey(curve, new Uint8Array(size).fill(0xff), y), 'malformed_public_key', /below the field prime/);
    expectCode(ecKey(curve, x, bigEndian(p, size)), 'malformed_public_key', /below the field prime/);
    // Only P-521's 66-byte coordinates leave room for y + p, which names the same point modulo p.
    if (toBigInt(y) + p < 1n << BigInt(8 * size)) expectCode(ecKey(curve, x, bigEndian(toBigInt(y) + p, size)), 'malformed_public_key', /below the field prime/);
  });

  it('refuses a point of one curve presented as another of the same size: the generator of P-256 under a different b', () => {
    const [x, y] = GENERATORS[32]!;
    expectCode(ecKey(EC_CURVES[0], y, x), 'malformed_public_key', /not on P-256/);
  });

  it.each(EC_CURVES)('$name: random coordinates yield a key on the curve or malformed_public_key, nothing else', (curve) => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: curve.size, maxLength: curve.size }), fc.uint8Array({ minLength: curve.size, maxLength: curve.size }), (x, y) => {
        const error = thrown(() => parseCoseKey(ecKey(curve, x, y)));
        expect(isTesseraError(error, 'malformed_public_key'), String(error)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('parseCoseKey refuses Ed25519 keys that are not canonical curve points or have small order (RFC 8032 §5.1.3)', () => {
  it.each(SMALL_ORDER_ENCODINGS)('refuses $name ($hex) under EdDSA and Ed25519', ({ hex: encoding, canonical }) => {
    for (const alg of [-8, -19]) {
      expectCode(edKey(hexBytes(encoding), alg), 'malformed_public_key', canonical ? /small order/ : /not canonically encoded|does not decode/);
    }
  });

  it('refuses every encoding with y ≥ p (y = p … 2²⁵⁵ − 1, both signs) as non-canonical', () => {
    for (let k = 0n; k < 19n; k++) {
      for (const sign of [0n, 1n]) {
        const value = (1n << 255n) - 19n + k + (sign << 255n);
        expectCode(edKey(bigEndian(value, 32).reverse()), 'malformed_public_key', /not canonically encoded/);
      }
    }
  });

  it('accepts every key WebCrypto generates', async () => {
    for (let i = 0; i < 16; i++) {
      const { publicKey } = (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])) as CryptoKeyPair;
      const x = new Uint8Array(await crypto.subtle.exportKey('raw', publicKey));
      expect(parseCoseKey(edKey(x, i % 2 === 0 ? -8 : -19))).toMatchObject({ kty: 'OKP', x });
    }
  });

  it('random 32-byte strings yield a key or malformed_public_key, nothing else, and about half are points', () => {
    let accepted = 0;
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (x) => {
        const error = thrown(() => parseCoseKey(edKey(x)));
        if (error === undefined) accepted++;
        else expect(isTesseraError(error, 'malformed_public_key'), String(error)).toBe(true);
      }),
      { numRuns: 400 },
    );
    // Half of all y have a point (x² = u / v is a square for about half of them); none of the accepted is refused.
    expect(accepted).toBeGreaterThan(120);
    expect(accepted).toBeLessThan(280);
  });
});

describe('parseCoseKey: CTAP2 canonical CBOR (WebAuthn L3 §6.5.1.1), attacks', () => {
  /** The labels of an ES256 key, each with its value, in canonical order. */
  const ES256: [number, CborInput][] = [[1, 2], [3, -7], [-1, 1], [-2, GENERATORS[32]![0]], [-3, GENERATORS[32]![1]]];
  const valid = encodeCbor(new Map(ES256));
  const withLabel = (index: number, label: Uint8Array | readonly number[]): Uint8Array =>
    encodeCbor(mapOf(ES256.map(([key, value], at) => [at === index ? raw(label) : key, value] as [CborInput, CborInput]), { order: 'given' }));

  it('accepts the canonical encoding of every captured authenticator-written key, byte for byte', () => {
    expect(parseCoseKey(valid)).toMatchObject({ kty: 'EC2', alg: -7 });
    for (const { name, bytes } of realKeys.filter((key) => key.name.startsWith('reg '))) {
      const decoded = parseCoseKey(bytes);
      expect(decoded.kty, name).toBeDefined();
    }
  });

  it.each([
    ['kty as a half float 2.0', 0, [0xf9, 0x40, 0x00], /map keys must be integers/],
    ['alg label 3 as a double', 1, [0xfb, 0x40, 0x08, 0, 0, 0, 0, 0, 0], /map keys must be integers/],
    ['kty label 1 in one byte', 0, [0x18, 0x01], /shortest form/],
    ['alg label 3 in two bytes', 1, [0x19, 0x00, 0x03], /shortest form/],
    ['crv label −1 in four bytes', 2, [0x3a, 0, 0, 0, 0], /shortest form/],
    ['x label −2 in eight bytes', 3, [0x3b, 0, 0, 0, 0, 0, 0, 0, 1], /shortest form/],
    ['a text label "1" (last, as canonical order puts it)', 4, [0x61, 0x31], /labels must be integers/],
    ['a byte-string label', 0, [0x41, 0x01], /map keys must be integers/],
    ['a tagged label', 0, [0xc1, 0x01], /map keys must be integers/],
  ] as const)('refuses %s', (_name, index, label, message) => {
    expectCode(withLabel(index, label), 'malformed_public_key', message);
  });

  it.each([
    ['kty 2 in one byte', [[1, raw([0x18, 0x02])], ...ES256.slice(1)]],
    ['alg −7 in two bytes', [ES256[0]!, [3, raw([0x39, 0x00, 0x06])], ...ES256.slice(2)]],
    ['x with a one-byte length header where 0x58 is right but a two-byte one is used', [...ES256.slice(0, 3), [-2, raw([0x59, 0x00, 0x20], filled(32))], ES256[4]!]],
    ['a float alg', [ES256[0]!, [3, raw([0xf9, 0xc7, 0x00])], ...ES256.slice(2)]],
    ['a tagged x', [...ES256.slice(0, 3), [-2, tagged(64, filled(32))], ES256[4]!]],
    ['an indefinite-length y', [...ES256.slice(0, 4), [-3, raw([0x5f, 0x58, 0x20], filled(32), [0xff])]]],
  ] as [string, [CborInput, CborInput][]][])('refuses a value with %s', (_name, entries) => {
    expectCode(encodeCbor(mapOf(entries, { order: 'given' })), 'malformed_public_key');
  });

  it('refuses duplicate labels, even with the same value, and an indefinite-length map', () => {
    expectCode(encodeCbor(mapOf([...ES256, [-3, filled(32, 0x33)]])), 'malformed_public_key', /duplicate/);
    expectCode(encodeCbor(mapOf([ES256[0]!, ES256[0]!, ...ES256.slice(1)])), 'malformed_public_key', /duplicate/);
    expectCode(concat(octets(0xbf), valid.subarray(1), octets(0xff)), 'malformed_public_key', /indefinite-length/);
    expectCode(concat(head(5, 5, 1), valid.subarray(1)), 'malformed_public_key', /shortest form/);
  });

  it('refuses every order but the canonical one, and accepts the rest only with canonical: false', () => {
    fc.assert(
      fc.property(fc.shuffledSubarray(ES256, { minLength: 5, maxLength: 5 }), (entries) => {
        const bytes = encodeCbor(new Map(entries), { order: 'given' });
        if (entries.every(([label], index) => label === ES256[index]![0])) {
          expect(parseCoseKey(bytes)).toMatchObject({ alg: -7 });
        } else {
          expectCode(bytes, 'malformed_public_key', /canonical order/);
          expect(parseCoseKey(bytes, { canonical: false })).toMatchObject({ alg: -7 });
        }
      }),
      { numRuns: 200 },
    );
  });

  it('refuses the stored go-webauthn key (labels 3, −1, −2, −3, 1) by default; its authenticator wrote it canonically', () => {
    const vector = authentication.find(({ name }) => name === 'go-webauthn-macos-touchid')!;
    const stored = base64url.decode(vector.credential.publicKey);
    expectCode(stored, 'malformed_public_key', /canonical order/);
    const asWritten = base64url.decode(vector.response.response.authenticatorData).subarray(37 + 18 + 55);
    expect(parseCoseKey(asWritten)).toEqual(parseCoseKey(stored, { canonical: false }));
  });

  it('any valid key with one head widened is refused, canonical or not', () => {
    const keys = [valid, ...realKeys.filter((key) => key.name.startsWith('reg ')).map((key) => key.bytes)];
    fc.assert(
      fc.property(fc.constantFrom(...keys), fc.nat(), fc.constantFrom(1, 2, 4, 8) as fc.Arbitrary<1 | 2 | 4 | 8>, (bytes, pick, width) => {
        const value = decodeCborForTest(bytes);
        const widened = encodeCbor(value, { widen: { head: pick % headCount(value), width } });
        if (widened.length === bytes.length) return;
        expectCode(widened, 'malformed_public_key', /shortest form/);
        expect(thrown(() => parseCoseKey(widened, { canonical: false }))).toBeDefined();
      }),
      { numRuns: 500 },
    );
  });
});

/** A COSE key as an encoder input: every captured key is a map of integers and byte strings. */
function decodeCborForTest(bytes: Uint8Array): CborInput {
  return new Map(new Decoder({ mapsAsObjects: false, useRecords: false }).decode(bytes) as Map<number, CborInput>);
}

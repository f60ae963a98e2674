import { ml_dsa44, ml_dsa65, ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';
import { Encoder } from 'cbor-x';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectTesseraError } from '../test/mutations.ts';
import { COSE_ALGORITHMS, COSE_ALGORITHM_NAMES, COSE_KEY_TYPES, ML_DSA_PUBLIC_KEY_BYTES, parseCoseKey, type AkpCoseKey } from './cose.ts';
import { isTesseraError } from './errors.ts';

/*
 * AKP credential keys (RFC 9964 §4): ML-DSA-44/65/87 public keys, made with @noble/post-quantum.
 */

const cbor = new Encoder({ mapsAsObjects: false, useRecords: false, tagUint8Array: false });
const cose = (entries: [number | string, unknown][]): Uint8Array => new Uint8Array(cbor.encode(new Map(entries)));
/** The canonical AKP COSE_Key (labels 1, 3, −1: CTAP2 canonical order). */
const akp = (alg: number, pub: Uint8Array, extra: [number, unknown][] = []): Uint8Array => cose([[1, 7], [3, alg], [-1, pub], ...extra]);

const SETS = [
  { name: 'ML-DSA-44', alg: -48, noble: ml_dsa44, pubBytes: 1312 },
  { name: 'ML-DSA-65', alg: -49, noble: ml_dsa65, pubBytes: 1952 },
  { name: 'ML-DSA-87', alg: -50, noble: ml_dsa87, pubBytes: 2592 },
] as const;
const seed = (byte: number): Uint8Array => new Uint8Array(32).fill(byte);
const KEYS = SETS.map((set, index) => ({ ...set, pub: set.noble.keygen(seed(index + 1)).publicKey }));

describe('COSE constants for ML-DSA (RFC 9964 §4, §5; IANA)', () => {
  it('name ML-DSA-44/65/87 as −48/−49/−50 and key type AKP as 7, with FIPS 204 public key sizes', () => {
    expect(COSE_ALGORITHMS).toMatchObject({ 'ML-DSA-44': -48, 'ML-DSA-65': -49, 'ML-DSA-87': -50 });
    expect([COSE_ALGORITHM_NAMES[-48], COSE_ALGORITHM_NAMES[-49], COSE_ALGORITHM_NAMES[-50]]).toEqual(['ML-DSA-44', 'ML-DSA-65', 'ML-DSA-87']);
    expect(COSE_KEY_TYPES.AKP).toBe(7);
    expect(ML_DSA_PUBLIC_KEY_BYTES).toEqual({ [-48]: 1312, [-49]: 1952, [-50]: 2592 });
    for (const { noble, alg } of SETS) expect(noble.lengths.publicKey).toBe(ML_DSA_PUBLIC_KEY_BYTES[alg]);
  });
});

describe('parseCoseKey: AKP keys', () => {
  it.each(KEYS)('$name: a key from the library parses to its parameter set and a copy of pub', ({ alg, pub }) => {
    const bytes = akp(alg, pub);
    const key = parseCoseKey(bytes) as AkpCoseKey;
    expect(key).toEqual({ kty: 'AKP', alg, pub });
    bytes.fill(0);
    expect(key.pub).toEqual(pub);
  });

  it('ignores common parameters such as kid (label 2), as for other key types', () => {
    const { alg, pub } = KEYS[0]!;
    expect(parseCoseKey(cose([[1, 7], [2, new Uint8Array([1, 2])], [3, alg], [-1, pub]]))).toMatchObject({ kty: 'AKP', alg });
  });

  it('accepts labels out of canonical order only with canonical: false', () => {
    const { alg, pub } = KEYS[0]!;
    const anyOrder = cose([[-1, pub], [3, alg], [1, 7]]);
    expect(parseCoseKey(anyOrder, { canonical: false })).toMatchObject({ kty: 'AKP', alg });
    expectTesseraError(() => parseCoseKey(anyOrder), 'malformed_public_key', /canonical order/);
  });
});

describe('parseCoseKey refuses malformed AKP keys', () => {
  const [k44, k65, k87] = KEYS as unknown as [(typeof KEYS)[number], (typeof KEYS)[number], (typeof KEYS)[number]];
  it.each([
    ['a 1311-byte ML-DSA-44 pub', akp(-48, k44.pub.subarray(1)), /ML-DSA-44 public keys must be 1312 bytes/],
    ['a 1313-byte ML-DSA-44 pub', akp(-48, Uint8Array.of(...k44.pub, 0)), /1312 bytes/],
    ['an empty pub', akp(-49, new Uint8Array()), /1952 bytes/],
    ['an ML-DSA-44 key that claims ML-DSA-65', akp(-49, k44.pub), /ML-DSA-65 public keys must be 1952 bytes/],
    ['an ML-DSA-65 key that claims ML-DSA-87', akp(-50, k65.pub), /2592 bytes/],
    ['an ML-DSA-87 key that claims ML-DSA-44', akp(-48, k87.pub), /1312 bytes/],
    ['no pub', cose([[1, 7], [3, -48]]), /pub \(label -1\) is missing/],
    ['a text pub', akp(-48, 'pub' as unknown as Uint8Array), /not a byte string/],
    ['no alg (RFC 9964 §4: required)', cose([[1, 7], [-1, k44.pub]]), /alg/],
    ['a private key (priv, label −2)', akp(-48, k44.pub, [[-2, new Uint8Array(32)]]), /private key parameter \(label -2\)/],
    ['an unknown key type parameter (label −3)', akp(-48, k44.pub, [[-3, new Uint8Array(32)]]), /unknown AKP key parameter/],
    ['ES256 with an AKP key', akp(-7, k44.pub), /not an AKP algorithm/],
    ['ML-DSA-44 with an OKP key', cose([[1, 1], [3, -48], [-1, 6], [-2, new Uint8Array(32)]]), /not an OKP algorithm/],
    ['ML-DSA-44 with an EC2 key', cose([[1, 2], [3, -48], [-1, 1], [-2, new Uint8Array(32)], [-3, new Uint8Array(32)]]), /not an EC2/],
    ['ML-DSA-65 with an unknown key type', cose([[1, 8], [3, -49], [-1, k65.pub]]), /does not use key type 8/],
  ])('%s', (_name, bytes, message) => {
    expectTesseraError(() => parseCoseKey(bytes), 'malformed_public_key', message);
  });

  it('reports an unknown algorithm with an AKP key (SLH-DSA, say) as unsupported', () => {
    expectTesseraError(() => parseCoseKey(akp(-9999, k44.pub)), 'unsupported_algorithm', /AKP/);
  });
});

describe('parseCoseKey: AKP properties', () => {
  const set = fc.constantFrom(...SETS);
  const parseOrTesseraError = (bytes: Uint8Array): void => {
    try {
      const key = parseCoseKey(bytes);
      expect(['EC2', 'OKP', 'RSA', 'AKP']).toContain(key.kty);
    } catch (error) {
      expect(isTesseraError(error, 'malformed_public_key') || isTesseraError(error, 'unsupported_algorithm'), String(error)).toBe(true);
    }
  };

  it('encode then parse returns the same key, for every pub of the right size', () => {
    fc.assert(
      fc.property(set, fc.uint8Array({ minLength: 2592, maxLength: 2592 }), ({ alg, pubBytes }, bytes) => {
        const pub = bytes.subarray(0, pubBytes);
        expect(parseCoseKey(akp(alg, pub))).toEqual({ kty: 'AKP', alg, pub: Uint8Array.from(pub) });
      }),
      { numRuns: 100 },
    );
  });

  it('byte changes, truncations and extensions of real keys yield a key or a TesseraError', () => {
    const real = fc.constantFrom(...KEYS.map(({ alg, pub }) => akp(alg, pub)));
    fc.assert(
      fc.property(real, fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { minLength: 1, maxLength: 4 }), fc.integer({ min: -8, max: 3 }), (bytes, changes, resize) => {
        let mutated = Uint8Array.from(bytes);
        // Most changes land in pub, which any bytes may fill: aim half of them at the 10-byte head instead.
        for (const [at, value] of changes) {
          const index = value % 2 === 0 ? at % 10 : at % mutated.length;
          mutated[index] = value < 16 ? mutated[index]! ^ (1 << (value % 8)) : value;
        }
        if (resize < 0) mutated = mutated.subarray(0, mutated.length + resize);
        if (resize > 0) mutated = Uint8Array.of(...mutated, ...new Uint8Array(resize));
        parseOrTesseraError(mutated);
      }),
      { numRuns: 1500 },
    );
  });

  it('maps of AKP-like labels and values yield a key or a TesseraError', () => {
    const value = fc.oneof(
      fc.constantFrom(7, 1, 2, -48, -49, -50, -7, -9999),
      fc.constantFrom(...KEYS.map(({ pub }) => pub)),
      fc.uint8Array({ maxLength: 40 }),
      fc.integer({ min: -70000, max: 10 }),
      fc.boolean(),
      fc.string({ maxLength: 4 }),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: -4, max: 4 }), value), { maxLength: 6 }), (entries) => {
        parseOrTesseraError(cose(entries));
        parseOrTesseraError(cose([[1, 7], ...entries]));
      }),
      { numRuns: 2000 },
    );
  });
});

import { decodeCbor } from './_cbor.ts';
import { ecPublicKeyFault, type EcPublicKeyFault } from './_ecPoint.ts';
import { ed25519KeyFault, type Ed25519KeyFault } from './_edwardsPoint.ts';
import { TesseraError } from './errors.ts';

/*
 * COSE_Key (RFC 9052 §7, key types RFC 9053 §7 / RFC 8152 §13, RSA RFC 8230 §4, AKP RFC 9964 §4) as WebAuthn
 * stores a credential public key (WebAuthn L3 §6.5.1.1), limited to the algorithms of WebAuthn L3 §5.8.5 that
 * WebCrypto can verify, and ML-DSA (RFC 9964), verified with WebCrypto where the runtime has it, else with
 * @noble/post-quantum.
 */

/**
 * COSE algorithm identifiers this library verifies (WebAuthn L3 §5.8.5 `COSEAlgorithmIdentifier`; IANA
 * "COSE Algorithms"): ECDSA and EdDSA from RFC 9053 §2, Ed25519 from RFC 9864 §2.2 (fully specified),
 * RSASSA-PKCS1-v1_5 from RFC 8812 §2, RSASSA-PSS from RFC 8230 §2, ML-DSA (FIPS 204, pure, empty context) from
 * RFC 9964 §5.
 */
export const COSE_ALGORITHMS = {
  ES256: -7,
  ES384: -35,
  ES512: -36,
  EdDSA: -8,
  Ed25519: -19,
  RS256: -257,
  RS384: -258,
  RS512: -259,
  PS256: -37,
  PS384: -38,
  PS512: -39,
  RS1: -65535,
  'ML-DSA-44': -48,
  'ML-DSA-65': -49,
  'ML-DSA-87': -50,
} as const;

/** One of {@link COSE_ALGORITHMS}. */
export type CoseAlgorithm = (typeof COSE_ALGORITHMS)[keyof typeof COSE_ALGORITHMS];

/** The name of each {@link COSE_ALGORITHMS} value, for messages and logs (IANA "COSE Algorithms" names). */
export const COSE_ALGORITHM_NAMES: Readonly<Record<CoseAlgorithm, keyof typeof COSE_ALGORITHMS>> = {
  [-7]: 'ES256',
  [-35]: 'ES384',
  [-36]: 'ES512',
  [-8]: 'EdDSA',
  [-19]: 'Ed25519',
  [-257]: 'RS256',
  [-258]: 'RS384',
  [-259]: 'RS512',
  [-37]: 'PS256',
  [-38]: 'PS384',
  [-39]: 'PS512',
  [-65535]: 'RS1',
  [-48]: 'ML-DSA-44',
  [-49]: 'ML-DSA-65',
  [-50]: 'ML-DSA-87',
};

/** COSE key types this library reads (RFC 9053 §7, RFC 8230 §4, RFC 9964 §4 AKP; IANA "COSE Key Types"). */
export const COSE_KEY_TYPES = { OKP: 1, EC2: 2, RSA: 3, AKP: 7 } as const;

/** COSE elliptic curves this library reads (RFC 9053 §7.1; IANA "COSE Elliptic Curves"). */
export const COSE_CURVES = { 'P-256': 1, 'P-384': 2, 'P-521': 3, Ed25519: 6 } as const;

/** Largest COSE_Key accepted, in bytes; a 16384-bit RSA key takes about 2 KiB. */
export const MAX_COSE_KEY_BYTES = 16_384;

/** Smallest RSA modulus accepted, in bits (NIST SP 800-131A Rev. 2 §3: below 2048 bits is disallowed for signatures). */
export const MIN_RSA_MODULUS_BITS = 2048;

/** Largest RSA modulus accepted, in bits: bounds the cost of one verification. */
export const MAX_RSA_MODULUS_BITS = 16_384;

/** An ECDSA public key (RFC 9053 §7.1.1 EC2, WebAuthn L3 §5.8.5: one curve per algorithm, uncompressed). */
export interface Ec2CoseKey {
  readonly kty: 'EC2';
  readonly alg: typeof COSE_ALGORITHMS.ES256 | typeof COSE_ALGORITHMS.ES384 | typeof COSE_ALGORITHMS.ES512;
  readonly crv: 'P-256' | 'P-384' | 'P-521';
  /** Big-endian x coordinate, exactly the curve's field size (32, 48 or 66 bytes). */
  readonly x: Uint8Array;
  /** Big-endian y coordinate, same length as `x`. */
  readonly y: Uint8Array;
}

/** An Ed25519 public key (RFC 9053 §7.2 OKP, RFC 8032 §5.1.5 encoding). */
export interface OkpCoseKey {
  readonly kty: 'OKP';
  readonly alg: typeof COSE_ALGORITHMS.EdDSA | typeof COSE_ALGORITHMS.Ed25519;
  readonly crv: 'Ed25519';
  /** The 32-byte encoded point. */
  readonly x: Uint8Array;
}

/** An RSA public key (RFC 8230 §4) for RSASSA-PKCS1-v1_5 (RFC 8812 §2) or RSASSA-PSS (RFC 8230 §2). */
export interface RsaCoseKey {
  readonly kty: 'RSA';
  readonly alg:
    | typeof COSE_ALGORITHMS.RS256
    | typeof COSE_ALGORITHMS.RS384
    | typeof COSE_ALGORITHMS.RS512
    | typeof COSE_ALGORITHMS.PS256
    | typeof COSE_ALGORITHMS.PS384
    | typeof COSE_ALGORITHMS.PS512
    | typeof COSE_ALGORITHMS.RS1;
  /** Modulus, minimal big-endian, {@link MIN_RSA_MODULUS_BITS}–{@link MAX_RSA_MODULUS_BITS} bits. */
  readonly n: Uint8Array;
  /** Public exponent, minimal big-endian, odd, 3 ≤ e < 2³². */
  readonly e: Uint8Array;
}

/**
 * An ML-DSA public key (RFC 9964 §4, key type AKP "Algorithm Key Pair"): the parameter set is the one `alg`
 * names, and `pub` is the FIPS 204 §7.2 `pkEncode` of that parameter set.
 */
export interface AkpCoseKey {
  readonly kty: 'AKP';
  readonly alg: typeof COSE_ALGORITHMS['ML-DSA-44'] | typeof COSE_ALGORITHMS['ML-DSA-65'] | typeof COSE_ALGORITHMS['ML-DSA-87'];
  /** The encoded public key, exactly {@link ML_DSA_PUBLIC_KEY_BYTES} of `alg` (1312, 1952 or 2592 bytes). */
  readonly pub: Uint8Array;
}

/** Public key size of each ML-DSA parameter set, in bytes (FIPS 204 §4 Table 2; RFC 9964 §4). */
export const ML_DSA_PUBLIC_KEY_BYTES: Readonly<Record<AkpCoseKey['alg'], number>> = { [-48]: 1312, [-49]: 1952, [-50]: 2592 };

/** A parsed credential public key; see {@link parseCoseKey}. */
export type CoseKey = Ec2CoseKey | OkpCoseKey | RsaCoseKey | AkpCoseKey;

// COSE_Key labels: common parameters (RFC 9052 §7.1) and key type parameters (RFC 9053 §7, RFC 8230 §4).
const KTY = 1;
const ALG = 3;
const CRV = -1;
const X = -2;
const Y = -3;
const D = -4;
const RSA_N = -1;
const RSA_E = -2;
/** RSA private parameters: d, p, q, dP, dQ, qInv, other, r_i, d_i, t_i (RFC 8230 §4). */
const RSA_PRIVATE_LABELS = [-3, -4, -5, -6, -7, -8, -9, -10, -11, -12] as const;
const ED448 = 7;
/** AKP key type parameters (RFC 9964 §4): `pub` (public) and `priv` (private). */
const AKP_PUB = -1;
const AKP_PRIV = -2;

const EC2_CURVE_OF_ALG = {
  [COSE_ALGORITHMS.ES256]: 'P-256',
  [COSE_ALGORITHMS.ES384]: 'P-384',
  [COSE_ALGORITHMS.ES512]: 'P-521',
} as const;
const EC2_COORDINATE_BYTES = { 'P-256': 32, 'P-384': 48, 'P-521': 66 } as const;
const { RS256, RS384, RS512, PS256, PS384, PS512, RS1 } = COSE_ALGORITHMS;
const RSA_ALGORITHMS: ReadonlySet<number> = new Set<number>([RS256, RS384, RS512, PS256, PS384, PS512, RS1]);
const CURVE_NAMES = new Map<number, keyof typeof COSE_CURVES>(
  Object.entries(COSE_CURVES).map(([name, value]) => [value, name as keyof typeof COSE_CURVES]),
);

function malformed(problem: string): never {
  throw new TesseraError('malformed_public_key', `Malformed COSE public key: ${problem}.`);
}

function unsupported(problem: string): never {
  throw new TesseraError('unsupported_algorithm', `Unsupported COSE public key: ${problem}.`);
}

function algorithmName(alg: number): string {
  return (COSE_ALGORITHM_NAMES as Readonly<Record<number, string>>)[alg] ?? `algorithm ${alg}`;
}

function integerAt(map: Map<number, unknown>, label: number, name: string): number {
  const value = map.get(label);
  if (value === undefined) malformed(`${name} (label ${label}) is missing`);
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) malformed(`${name} (label ${label}) is not an integer`);
  return value;
}

function bytesAt(map: Map<number, unknown>, label: number, name: string): Uint8Array {
  const value = map.get(label);
  if (value === undefined) malformed(`${name} (label ${label}) is missing`);
  if (!(value instanceof Uint8Array)) malformed(`${name} (label ${label}) is not a byte string`);
  // A copy: the result outlives the input (it may be cached) and is a plain Uint8Array, not a Buffer view.
  return Uint8Array.from(value);
}

function rejectPrivateParameters(map: Map<number, unknown>, labels: readonly number[]): void {
  for (const label of labels) if (map.has(label)) malformed(`private key parameter (label ${label}) present`);
}

/** Messages for {@link ecPublicKeyFault}'s answers. */
const EC_KEY_FAULTS: Readonly<Record<EcPublicKeyFault, (curve: string) => string>> = {
  length: (curve) => `${curve} coordinates have the wrong size`,
  'coordinate-range': (curve) => `${curve} coordinates must be below the field prime`,
  'not-on-curve': (curve) => `the point is not on ${curve}`,
};

/** Messages for {@link ed25519KeyFault}'s answers. */
const ED25519_KEY_FAULTS: Readonly<Record<Ed25519KeyFault, string>> = {
  length: 'Ed25519 public keys must be 32 bytes',
  'non-canonical': 'the Ed25519 point is not canonically encoded (y is not below p)',
  'not-on-curve': 'the Ed25519 point does not decode to a curve point',
  'small-order': 'the Ed25519 point has small order',
};

function parseEc2(map: Map<number, unknown>, alg: number): Ec2CoseKey {
  const crv = integerAt(map, CRV, 'crv');
  const x = bytesAt(map, X, 'x');
  const yValue = map.get(Y);
  // WebAuthn L3 §5.8.5: EC2 credential keys "MUST NOT use the compressed point form" (y as a sign bit).
  if (typeof yValue === 'boolean') malformed('compressed EC point');
  const y = bytesAt(map, Y, 'y');
  rejectPrivateParameters(map, [D]);
  const curve = CURVE_NAMES.get(crv);
  if (curve !== undefined && curve !== 'Ed25519') {
    const size = EC2_COORDINATE_BYTES[curve];
    if (x.length !== size || y.length !== size) malformed(`${curve} coordinates must be ${size} bytes`);
  }
  if (!(alg in EC2_CURVE_OF_ALG)) {
    if (alg in COSE_ALGORITHM_NAMES) malformed(`${algorithmName(alg)} is not an EC2 algorithm`);
    unsupported(`${algorithmName(alg)} with an EC2 key`);
  }
  const ecAlg = alg as Ec2CoseKey['alg'];
  const expected = EC2_CURVE_OF_ALG[ecAlg];
  // WebAuthn L3 §5.8.5: ES256 keys MUST use P-256, ES384 P-384, ES512 P-521.
  if (curve !== expected) malformed(`${algorithmName(alg)} requires curve ${expected}`);
  // SEC 1 v2 §3.2.2.1: coordinates below p and the point on the curve (which also rules out the identity), checked
  // here so that no such key is enrolled, whether or not it is ever imported.
  const fault = ecPublicKeyFault(expected, x, y);
  if (fault !== undefined) malformed(EC_KEY_FAULTS[fault](expected));
  return { kty: 'EC2', alg: ecAlg, crv: expected, x, y };
}

function parseOkp(map: Map<number, unknown>, alg: number): OkpCoseKey {
  const crv = integerAt(map, CRV, 'crv');
  const x = bytesAt(map, X, 'x');
  rejectPrivateParameters(map, [D]);
  if (alg !== COSE_ALGORITHMS.EdDSA && alg !== COSE_ALGORITHMS.Ed25519) {
    if (alg in COSE_ALGORITHM_NAMES) malformed(`${algorithmName(alg)} is not an OKP algorithm`);
    unsupported(`${algorithmName(alg)} with an OKP key`);
  }
  if (crv !== COSE_CURVES.Ed25519) {
    // EdDSA also names Ed448 (RFC 9053 §2.2), a curve WebCrypto here does not verify.
    if (alg === COSE_ALGORITHMS.EdDSA && crv === ED448) unsupported('EdDSA with curve Ed448');
    malformed(`${algorithmName(alg)} requires curve Ed25519`);
  }
  // RFC 8032 §5.1.3: a canonical encoding of a curve point; and not of small order, since WebCrypto verifies
  // signatures that need no private key under such a key (see _edwardsPoint.ts).
  const fault = ed25519KeyFault(x);
  if (fault !== undefined) malformed(ED25519_KEY_FAULTS[fault]);
  return { kty: 'OKP', alg, crv: 'Ed25519', x };
}

function bitLength(minimal: Uint8Array): number {
  return (minimal.length - 1) * 8 + (32 - Math.clz32(minimal[0]!));
}

function parseRsa(map: Map<number, unknown>, alg: number): RsaCoseKey {
  const n = bytesAt(map, RSA_N, 'n');
  const e = bytesAt(map, RSA_E, 'e');
  rejectPrivateParameters(map, RSA_PRIVATE_LABELS);
  // RFC 8230 §4: "The octet sequence MUST utilize the minimum number of octets needed to represent the value."
  if (n.length === 0 || n[0] === 0) malformed('n is empty or not minimally encoded');
  if (e.length === 0 || e[0] === 0) malformed('e is empty or not minimally encoded');
  const bits = bitLength(n);
  if (bits < MIN_RSA_MODULUS_BITS) malformed(`RSA modulus below ${MIN_RSA_MODULUS_BITS} bits`);
  if (bits > MAX_RSA_MODULUS_BITS) malformed(`RSA modulus above ${MAX_RSA_MODULUS_BITS} bits`);
  if ((n[n.length - 1]! & 1) === 0) malformed('RSA modulus is even');
  if (e.length > 4) malformed('RSA exponent of more than 32 bits');
  let exponent = 0;
  for (const byte of e) exponent = exponent * 256 + byte;
  if (exponent < 3 || exponent % 2 === 0) malformed('RSA exponent must be odd and at least 3');
  if (!RSA_ALGORITHMS.has(alg)) {
    if (alg in COSE_ALGORITHM_NAMES) malformed(`${algorithmName(alg)} is not an RSA algorithm`);
    unsupported(`${algorithmName(alg)} with an RSA key`);
  }
  return { kty: 'RSA', alg: alg as RsaCoseKey['alg'], n, e };
}

function parseAkp(map: Map<number, unknown>, alg: number): AkpCoseKey {
  // RFC 9964 §4: an AKP public key is `pub` alone; `priv` (-2) is the private key. No other key type parameter
  // is defined, so any other negative label is refused too: it could be a private part under a label of a draft
  // (an earlier draft put a `seed` there), and a public key has no use for it.
  rejectPrivateParameters(map, [AKP_PRIV]);
  for (const label of map.keys()) if (label < 0 && label !== AKP_PUB) malformed(`unknown AKP key parameter (label ${label})`);
  const pub = bytesAt(map, AKP_PUB, 'pub');
  if (!(alg in ML_DSA_PUBLIC_KEY_BYTES)) {
    if (alg in COSE_ALGORITHM_NAMES) malformed(`${algorithmName(alg)} is not an AKP algorithm`);
    unsupported(`${algorithmName(alg)} with an AKP key`);
  }
  const mlDsaAlg = alg as AkpCoseKey['alg'];
  // RFC 9964 §4: `alg` is required and binds the key to one parameter set, whose pkEncode has a fixed size
  // (FIPS 204 §7.2); every byte string of that size decodes to a public key.
  const size = ML_DSA_PUBLIC_KEY_BYTES[mlDsaAlg];
  if (pub.length !== size) malformed(`${algorithmName(alg)} public keys must be ${size} bytes`);
  return { kty: 'AKP', alg: mlDsaAlg, pub };
}

/**
 * Parses a credential public key: a CBOR-encoded COSE_Key (WebAuthn L3 §6.5.1.1, RFC 9052 §7) as stored with a
 * credential or found in attested credential data.
 *
 * Checks that the key is CTAP2 canonical CBOR (strict as `_cbor.ts` describes, labels in canonical order) with
 * only integer labels, that `kty` (1) and `alg` (3) are present, that the
 * key type, algorithm and curve agree as WebAuthn L3 §5.8.5 requires (ES256/P-256, ES384/P-384, ES512/P-521,
 * EdDSA and Ed25519/Ed25519, RS and PS algorithms/RSA, ML-DSA-44/65/87/AKP), that coordinates have the exact
 * size of the curve, that an ML-DSA `pub` has the exact size of its parameter set (RFC 9964 §4), that
 * RSA parameters are minimally encoded (RFC 8230 §4) with a modulus of {@link MIN_RSA_MODULUS_BITS} to
 * {@link MAX_RSA_MODULUS_BITS} bits and an odd exponent from 3 to 2³² − 1, and that no private key parameter is
 * present (for AKP, no key type parameter but `pub`). Public keys are validated before they are returned, so that none a client sends can be enrolled:
 * EC2 coordinates are below the field prime and name a point on the algorithm's curve, never the identity
 * (SEC 1 v2 §3.2.2.1); an Ed25519 `x` is a canonical encoding of a curve point (RFC 8032 §5.1.3) that is not
 * one of the eight points of small order, in any encoding. Checking an Ed25519 key costs a few hundred
 * microseconds of BigInt arithmetic; `verifySignature` pays it once per stored key, since it keeps parsed keys in
 * a `PublicKeyCache`.
 *
 * @param bytes - the COSE_Key, at most {@link MAX_COSE_KEY_BYTES}
 * @param options - `canonical: false` waives only the canonical label order, for a key the relying party stored
 *   (which an earlier library may have re-encoded); the default, `true`, is for a key from an authenticator
 * @returns the key, with copies of its byte strings
 * @throws {TesseraError} `malformed_public_key` for invalid CBOR or any violated rule above, including a point
 *   off its curve, a coordinate not below p, or an Ed25519 key that is non-canonical or of small order;
 *   `unsupported_algorithm` for an otherwise well-formed key of a key type, algorithm or curve not in
 *   {@link COSE_ALGORITHMS} (for example ES256K, Ed448 or SLH-DSA)
 * @example
 * ```ts
 * const key = parseCoseKey(base64url.decode(storedCredential.publicKey), { canonical: false });
 * if (key.kty === 'EC2') console.log(key.crv); // 'P-256'
 * ```
 */
export function parseCoseKey(bytes: Uint8Array, options: { canonical?: boolean } = {}): CoseKey {
  if (!(bytes instanceof Uint8Array)) malformed('not a byte array');
  // WebAuthn L3 §6.5.1.1: the key is in CTAP2 canonical CBOR form, so strict CBOR (definite lengths, no tags, no
  // duplicate labels, shortest integers) with labels in canonical order (CTAP 2.2 §8) unless the caller waives it.
  const failure = { code: 'malformed_public_key', subject: 'COSE public key' } as const;
  const decoded = decodeCbor(bytes, failure, MAX_COSE_KEY_BYTES, { canonical: options.canonical !== false });
  if (!(decoded instanceof Map)) malformed('not a CBOR map');
  for (const label of decoded.keys()) if (typeof label !== 'number') malformed('labels must be integers');
  const map = decoded as Map<number, unknown>;
  const kty = integerAt(map, KTY, 'kty');
  const alg = integerAt(map, ALG, 'alg');
  switch (kty) {
    case COSE_KEY_TYPES.EC2:
      return parseEc2(map, alg);
    case COSE_KEY_TYPES.OKP:
      return parseOkp(map, alg);
    case COSE_KEY_TYPES.RSA:
      return parseRsa(map, alg);
    case COSE_KEY_TYPES.AKP:
      return parseAkp(map, alg);
    default:
      if (alg in COSE_ALGORITHM_NAMES) malformed(`${algorithmName(alg)} does not use key type ${kty}`);
      return unsupported(`key type ${kty} with ${algorithmName(alg)}`);
  }
}

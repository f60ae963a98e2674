import { ml_dsa44, ml_dsa65, ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';
import { Encoder } from 'cbor-x';

/*
 * ML-DSA credential keys for the software authenticator (RFC 9964; FIPS 204), made and used with
 * @noble/post-quantum: WebCrypto has ML-DSA in too few runtimes to generate keys with it in tests.
 */

/** The ML-DSA parameter sets the software authenticator can create credentials with. */
export type MlDsaSoftwareAlgorithm = 'ML-DSA-44' | 'ML-DSA-65' | 'ML-DSA-87';

/** COSE algorithm identifier of each parameter set (RFC 9964 §5). */
export const ML_DSA_ALGORITHMS: Readonly<Record<MlDsaSoftwareAlgorithm, number>> = {
  'ML-DSA-44': -48,
  'ML-DSA-65': -49,
  'ML-DSA-87': -50,
};

const NOBLE = { 'ML-DSA-44': ml_dsa44, 'ML-DSA-65': ml_dsa65, 'ML-DSA-87': ml_dsa87 } as const;

/** A held ML-DSA private key (FIPS 204 §7.2 `skEncode`) and whether it signs deterministically. */
export interface MlDsaPrivateKey {
  readonly mlDsa: true;
  readonly secretKey: Uint8Array;
  readonly deterministic: boolean;
}

/** CTAP2-style CBOR: maps stay maps and byte strings stay untagged. */
const cbor = new Encoder({ mapsAsObjects: false, useRecords: false, tagUint8Array: false });

/** Whether `algorithm` names an ML-DSA parameter set. */
export function isMlDsaAlgorithm(algorithm: string): algorithm is MlDsaSoftwareAlgorithm {
  return Object.hasOwn(ML_DSA_ALGORITHMS, algorithm);
}

/**
 * Makes an ML-DSA key pair (FIPS 204 §5.1 ML-DSA.KeyGen), from `seed` (ξ, 32 bytes) when given.
 *
 * @returns the public key as an AKP COSE_Key (RFC 9964 §4: kty 7, alg, pub; canonical label order 1, 3, −1)
 *   and the private key
 */
export function generateMlDsaKey(
  algorithm: MlDsaSoftwareAlgorithm,
  seed: Uint8Array | undefined,
): { publicKey: Uint8Array; privateKey: MlDsaPrivateKey } {
  const { publicKey, secretKey } = NOBLE[algorithm].keygen(seed);
  const coseKey = new Uint8Array(cbor.encode(new Map<number, unknown>([[1, 7], [3, ML_DSA_ALGORITHMS[algorithm]], [-1, publicKey]])));
  return { publicKey: coseKey, privateKey: { mlDsa: true, secretKey, deterministic: seed !== undefined } };
}

/**
 * Signs with pure ML-DSA and an empty context (FIPS 204 §5.2 ML-DSA.Sign with ctx = ε), as RFC 9964 §5 and
 * WebAuthn use it: hedged, or deterministic (rnd = 0³², FIPS 204 §3.4) for a key made from a seed.
 */
export function signMlDsa(algorithm: MlDsaSoftwareAlgorithm, privateKey: MlDsaPrivateKey, data: Uint8Array): Uint8Array {
  return NOBLE[algorithm].sign(data, privateKey.secretKey, privateKey.deterministic ? { extraEntropy: false } : {});
}

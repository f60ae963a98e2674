import { ml_dsa44, ml_dsa65, ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';
import { COSE_ALGORITHM_NAMES, type AkpCoseKey } from './cose.ts';
import { TesseraError } from './errors.ts';

/*
 * ML-DSA signature verification (FIPS 204 §5.3 ML-DSA.Verify, pure ML-DSA with an empty context string, as
 * RFC 9964 §5 uses it for COSE and WebAuthn signs with it): through WebCrypto where the runtime implements
 * ML-DSA (Node 24, Bun, Deno; "Modern Algorithms in WebCrypto"), feature-detected key by key at import, else
 * through @noble/post-quantum. Both compute the same FIPS 204 function; tests check that they agree.
 */

type MlDsaAlgorithm = AkpCoseKey['alg'];

/** Signature size of each parameter set, in bytes (FIPS 204 §4 Table 2). */
export const ML_DSA_SIGNATURE_BYTES: Readonly<Record<MlDsaAlgorithm, number>> = { [-48]: 2420, [-49]: 3309, [-50]: 4627 };

/** The WebCrypto algorithm name of each parameter set (WICG "Modern Algorithms in WebCrypto" §ML-DSA). */
const WEBCRYPTO_NAME: Readonly<Record<MlDsaAlgorithm, string>> = { [-48]: 'ML-DSA-44', [-49]: 'ML-DSA-65', [-50]: 'ML-DSA-87' };

const NOBLE: Readonly<Record<MlDsaAlgorithm, typeof ml_dsa44>> = { [-48]: ml_dsa44, [-49]: ml_dsa65, [-50]: ml_dsa87 };

/** The WebCrypto parameters that verify with `alg`: its name, and the empty context by default (FIPS 204 §5.3). */
export function mlDsaWebCryptoParams(alg: MlDsaAlgorithm): Algorithm {
  return { name: WEBCRYPTO_NAME[alg] };
}

/**
 * Imports an ML-DSA public key into WebCrypto, in the `raw-public` format (the FIPS 204 `pkEncode` bytes).
 *
 * @param key - a key from `parseCoseKey`
 * @returns a `CryptoKey` usable only for `verify`
 * @throws {TesseraError} `unsupported_algorithm` if this runtime's WebCrypto has no ML-DSA (it then rejects the
 *   format or the algorithm name, in ways that differ between runtimes, so every refusal means the same here:
 *   `parseCoseKey` has checked the key already, and every byte string of the right size is a public key)
 */
export async function importMlDsaKey(key: AkpCoseKey): Promise<CryptoKey> {
  try {
    const subtle = globalThis.crypto?.subtle;
    if (subtle === undefined) throw new TypeError('no crypto.subtle');
    // 'raw-public' is not in TypeScript's KeyFormat yet.
    return await subtle.importKey('raw-public' as 'raw', key.pub as Uint8Array<ArrayBuffer>, mlDsaWebCryptoParams(key.alg), true, ['verify']);
  } catch (error) {
    throw new TesseraError('unsupported_algorithm', `This runtime's WebCrypto does not verify ${WEBCRYPTO_NAME[key.alg]}.`, { cause: error });
  }
}

/**
 * Checks that a signature has the exact size of the key's parameter set (FIPS 204 §7.2 `sigEncode`).
 *
 * @throws {TesseraError} `malformed_response` for any other size
 */
export function checkMlDsaSignatureLength(key: AkpCoseKey, signature: Uint8Array): void {
  const size = ML_DSA_SIGNATURE_BYTES[key.alg];
  if (signature.length !== size) {
    throw new TesseraError('malformed_response', `Malformed signature: an ${COSE_ALGORITHM_NAMES[key.alg]} signature is ${size} bytes.`);
  }
}

/**
 * Verifies with @noble/post-quantum: pure ML-DSA, empty context (FIPS 204 Algorithm 3 with ctx = ε).
 *
 * @returns whether the signature verifies
 * @throws {TesseraError} `invalid_argument` if the library refuses its inputs (not expected after the checks above)
 */
export function verifyMlDsaWithNoble(key: AkpCoseKey, signature: Uint8Array, data: Uint8Array): boolean {
  try {
    return NOBLE[key.alg].verify(signature, data, key.pub);
  } catch (error) {
    throw new TesseraError('invalid_argument', 'ML-DSA could not verify the signature with these inputs.', { cause: error });
  }
}

/**
 * Verifies an ML-DSA signature (RFC 9964 §5; WebAuthn L3 §6.5.5: the raw `sigEncode` bytes): the size first,
 * then WebCrypto if the key was imported there, else @noble/post-quantum.
 *
 * @param key - the parsed key
 * @param cryptoKey - its WebCrypto import, or a promise of it that rejects where WebCrypto has no ML-DSA
 * @param signature - the signature as the authenticator produced it
 * @param data - the signed bytes
 * @returns `true` if the signature is valid, `false` if it is well-formed but wrong
 * @throws {TesseraError} `malformed_response` for a signature of the wrong size
 */
export async function verifyMlDsa(
  key: AkpCoseKey,
  cryptoKey: CryptoKey | Promise<CryptoKey>,
  signature: Uint8Array,
  data: Uint8Array,
): Promise<boolean> {
  checkMlDsaSignatureLength(key, signature);
  let imported: CryptoKey | undefined;
  try {
    imported = await cryptoKey;
  } catch {
    imported = undefined;
  }
  if (imported !== undefined) {
    try {
      return await globalThis.crypto.subtle.verify(
        mlDsaWebCryptoParams(key.alg),
        imported,
        signature as Uint8Array<ArrayBuffer>,
        data as Uint8Array<ArrayBuffer>,
      );
    } catch {
      // A WebCrypto that imported the key but will not verify: the library computes the same function.
    }
  }
  return verifyMlDsaWithNoble(key, signature, data);
}

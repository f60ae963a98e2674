import { TesseraError } from '@tessera/core';
import type { MetadataBlobAlgorithm } from './compactJws.ts';

/*
 * Verifies a JWS signature (RFC 7515 §5.2) with WebCrypto, for the asymmetric algorithms of RFC 7518 §3.1 a
 * metadata BLOB may use. ECDSA signatures in JWS are `R || S` of fixed length (RFC 7518 §3.4), the form WebCrypto
 * verifies; RSA-PSS uses a salt as long as the hash (RFC 7518 §3.5); EdDSA is Ed25519 (RFC 8037 §3.1).
 */

interface AlgorithmParameters {
  importParams: RsaHashedImportParams | EcKeyImportParams | Algorithm;
  verifyParams: AlgorithmIdentifier | RsaPssParams | EcdsaParams;
  /** The exact signature length for ECDSA (RFC 7518 §3.4). */
  signatureBytes?: number;
}

const PARAMETERS: Record<MetadataBlobAlgorithm, AlgorithmParameters> = {
  ES256: { importParams: { name: 'ECDSA', namedCurve: 'P-256' }, verifyParams: { name: 'ECDSA', hash: 'SHA-256' }, signatureBytes: 64 },
  ES384: { importParams: { name: 'ECDSA', namedCurve: 'P-384' }, verifyParams: { name: 'ECDSA', hash: 'SHA-384' }, signatureBytes: 96 },
  ES512: { importParams: { name: 'ECDSA', namedCurve: 'P-521' }, verifyParams: { name: 'ECDSA', hash: 'SHA-512' }, signatureBytes: 132 },
  RS256: { importParams: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, verifyParams: { name: 'RSASSA-PKCS1-v1_5' } },
  RS384: { importParams: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-384' }, verifyParams: { name: 'RSASSA-PKCS1-v1_5' } },
  RS512: { importParams: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-512' }, verifyParams: { name: 'RSASSA-PKCS1-v1_5' } },
  PS256: { importParams: { name: 'RSA-PSS', hash: 'SHA-256' }, verifyParams: { name: 'RSA-PSS', saltLength: 32 } },
  PS384: { importParams: { name: 'RSA-PSS', hash: 'SHA-384' }, verifyParams: { name: 'RSA-PSS', saltLength: 48 } },
  PS512: { importParams: { name: 'RSA-PSS', hash: 'SHA-512' }, verifyParams: { name: 'RSA-PSS', saltLength: 64 } },
  // RFC 8037 §3.1: EdDSA over the signing input; Ed25519 only (Ed448 is not in WebCrypto everywhere).
  EdDSA: { importParams: { name: 'Ed25519' }, verifyParams: { name: 'Ed25519' }, signatureBytes: 64 },
};

/** Smallest RSA modulus accepted for a BLOB signer, in bits (RFC 7518 §3.3: 2048 or larger). */
const MIN_RSA_BITS = 2048;

/**
 * Verifies `signature` over `signingInput` with the signer's public key under `alg`.
 *
 * @param alg - the header's algorithm
 * @param spki - the signer certificate's subjectPublicKeyInfo, DER
 * @param signingInput - the JWS signing input (RFC 7515 §5.1)
 * @param signature - the JWS signature
 * @throws {TesseraError} `invalid_metadata` when the key does not fit `alg` (type, curve, a modulus under 2048 bits)
 *   or the signature does not verify
 * @internal
 */
export async function verifyJwsSignature(
  alg: MetadataBlobAlgorithm,
  spki: Uint8Array<ArrayBuffer>,
  signingInput: Uint8Array<ArrayBuffer>,
  signature: Uint8Array<ArrayBuffer>,
): Promise<void> {
  const parameters = PARAMETERS[alg];
  let key: CryptoKey;
  try {
    key = await crypto.subtle.importKey('spki', spki, parameters.importParams, false, ['verify']);
  } catch (error) {
    throw new TesseraError('invalid_metadata', `The metadata BLOB signer's key does not fit ${alg}.`, { cause: error });
  }
  const { modulusLength } = key.algorithm as Partial<RsaHashedKeyAlgorithm>;
  if (modulusLength !== undefined && modulusLength < MIN_RSA_BITS) {
    throw new TesseraError('invalid_metadata', `The metadata BLOB signer's RSA key is shorter than ${MIN_RSA_BITS} bits.`);
  }
  if (parameters.signatureBytes !== undefined && signature.length !== parameters.signatureBytes) {
    throw new TesseraError('invalid_metadata', 'The metadata BLOB signature does not verify (its length is not the one RFC 7518 §3.4 and RFC 8037 §3.1 fix).');
  }
  let valid: boolean;
  try {
    valid = await crypto.subtle.verify(parameters.verifyParams, key, signature, signingInput);
  } catch (error) {
    throw new TesseraError('invalid_metadata', 'The metadata BLOB signature does not verify.', { cause: error });
  }
  if (!valid) throw new TesseraError('invalid_metadata', 'The metadata BLOB signature does not verify (RFC 7515 §5.2).');
}

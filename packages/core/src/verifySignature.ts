import { checkEcPoint } from './_ecPoint.ts';
import { checkMlDsaSignatureLength, importMlDsaKey, mlDsaWebCryptoParams, verifyMlDsa } from './_mlDsa.ts';
import { ecdsaDerToP1363, type EcdsaComponentBytes } from './_ecdsaSignature.ts';
import { base64url } from './base64url.ts';
import { COSE_ALGORITHMS, parseCoseKey, type CoseKey } from './cose.ts';
import { TesseraError, isTesseraError, type TesseraErrorCode } from './errors.ts';
import { defaultPublicKeyCache, type CachedPublicKey, type PublicKeyCache } from './publicKeyCache.ts';

/*
 * Signature verification with a credential public key (WebAuthn L3 §6.5.5 signature formats, §7.2 step 21),
 * through WebCrypto only.
 */

type HashName = 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512';

/** Hash of each algorithm: RFC 9053 §2.1 (ECDSA), RFC 8230 §2 (PSS), RFC 8812 §2 (PKCS#1 v1.5). */
const HASH_OF: Readonly<Record<Exclude<CoseKey['alg'], -8 | -19 | -48 | -49 | -50>, HashName>> = {
  [-7]: 'SHA-256',
  [-35]: 'SHA-384',
  [-36]: 'SHA-512',
  [-257]: 'SHA-256',
  [-258]: 'SHA-384',
  [-259]: 'SHA-512',
  [-37]: 'SHA-256',
  [-38]: 'SHA-384',
  [-39]: 'SHA-512',
  [-65535]: 'SHA-1',
};

const HASH_BYTES: Readonly<Record<HashName, number>> = { 'SHA-1': 20, 'SHA-256': 32, 'SHA-384': 48, 'SHA-512': 64 };

function isPss(alg: CoseKey['alg']): boolean {
  return alg === COSE_ALGORITHMS.PS256 || alg === COSE_ALGORITHMS.PS384 || alg === COSE_ALGORITHMS.PS512;
}

function subtle(): SubtleCrypto {
  const subtleCrypto = globalThis.crypto?.subtle;
  if (subtleCrypto === undefined) throw new TesseraError('unsupported_algorithm', 'WebCrypto (crypto.subtle) is not available.');
  return subtleCrypto;
}

function fromWebCrypto(error: unknown, fallback: TesseraErrorCode, what: string): TesseraError {
  if (isTesseraError(error)) return error;
  // DOMException is not an Error subclass in every runtime, so read its name structurally.
  const notSupported = typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'NotSupportedError';
  return new TesseraError(notSupported ? 'unsupported_algorithm' : fallback, `WebCrypto could not ${what}.`, { cause: error });
}

/**
 * Imports a parsed credential public key into WebCrypto for verification (WebAuthn L3 §6.5.1.1): EC2 keys as
 * an uncompressed point (SEC 1 §2.3.3) for ECDSA, OKP keys as raw Ed25519 (RFC 8032 §5.1.5), RSA keys as a JWK
 * (RFC 7518 §6.3.1) for RSASSA-PKCS1-v1_5 (RFC 8812 §2) or RSA-PSS (RFC 8230 §2) with the algorithm's hash, AKP
 * keys as `raw-public` ML-DSA (RFC 9964) where the runtime's WebCrypto has it.
 *
 * @param key - a key from {@link parseCoseKey}
 * @returns a non-secret `CryptoKey` usable only for `verify`
 * @throws {TesseraError} `malformed_public_key` if WebCrypto rejects the key (for example an EC point not on its
 *   curve); `unsupported_algorithm` if this runtime's WebCrypto lacks the algorithm (ML-DSA in most runtimes:
 *   {@link verifySignature} then verifies with @noble/post-quantum)
 */
export async function importCoseKey(key: CoseKey): Promise<CryptoKey> {
  try {
    switch (key.kty) {
      case 'EC2': {
        const point = new Uint8Array(1 + key.x.length + key.y.length);
        point[0] = 0x04;
        point.set(key.x, 1);
        point.set(key.y, 1 + key.x.length);
        const imported = await subtle().importKey('raw', point, { name: 'ECDSA', namedCurve: key.crv }, true, ['verify']);
        // Deno's importKey accepts a point off its curve; see _ecPoint.ts.
        checkEcPoint(key.crv, point);
        return imported;
      }
      case 'OKP':
        return await subtle().importKey('raw', key.x as Uint8Array<ArrayBuffer>, { name: 'Ed25519' }, true, ['verify']);
      case 'RSA': {
        const jwk: JsonWebKey = { kty: 'RSA', n: base64url.encode(key.n), e: base64url.encode(key.e), ext: true };
        const name = isPss(key.alg) ? 'RSA-PSS' : 'RSASSA-PKCS1-v1_5';
        return await subtle().importKey('jwk', jwk, { name, hash: HASH_OF[key.alg] }, true, ['verify']);
      }
      case 'AKP':
        return await importMlDsaKey(key);
    }
  } catch (error) {
    throw fromWebCrypto(error, 'malformed_public_key', 'import the public key');
  }
}

/**
 * The keys imported by entries that {@link loadPublicKey} made, once the import has succeeded, so a
 * verification can use the key at once instead of waiting a turn for a settled promise. Entries that other
 * code put into a cache are not in it and are awaited.
 */
const importedKeys = new WeakMap<CachedPublicKey, CryptoKey>();

function loadPublicKey(publicKey: Uint8Array): CachedPublicKey {
  // A stored key: strict CBOR, but its label order is the relying party's (an earlier library may have re-encoded it).
  const key = parseCoseKey(publicKey, { canonical: false });
  const entry: CachedPublicKey = { key, cryptoKey: importCoseKey(key) };
  // A rejection is the cache's and the verifier's to handle; this handler only keeps it from going unhandled.
  entry.cryptoKey.then(
    (imported) => {
      importedKeys.set(entry, imported);
    },
    () => undefined,
  );
  return entry;
}

/** WebCrypto verify parameters of each ECDSA hash, made once: the sign-in path allocates nothing it can share. */
const ECDSA_PARAMS: Readonly<Record<HashName, EcdsaParams>> = {
  'SHA-1': Object.freeze({ name: 'ECDSA', hash: 'SHA-1' }),
  'SHA-256': Object.freeze({ name: 'ECDSA', hash: 'SHA-256' }),
  'SHA-384': Object.freeze({ name: 'ECDSA', hash: 'SHA-384' }),
  'SHA-512': Object.freeze({ name: 'ECDSA', hash: 'SHA-512' }),
};
const ED25519_PARAMS: Algorithm = Object.freeze({ name: 'Ed25519' });
const RSA_PKCS1_PARAMS: Algorithm = Object.freeze({ name: 'RSASSA-PKCS1-v1_5' });

function verifyParams(key: CoseKey): AlgorithmIdentifier | EcdsaParams | RsaPssParams {
  switch (key.kty) {
    case 'EC2':
      return ECDSA_PARAMS[HASH_OF[key.alg]];
    case 'OKP':
      return ED25519_PARAMS;
    case 'RSA':
      // RFC 8230 §2: the PSS salt is as long as the hash output.
      return isPss(key.alg) ? { name: 'RSA-PSS', saltLength: HASH_BYTES[HASH_OF[key.alg]] } : RSA_PKCS1_PARAMS;
    case 'AKP':
      return mlDsaWebCryptoParams(key.alg);
  }
}

function malformedSignature(problem: string): never {
  throw new TesseraError('malformed_response', `Malformed signature: ${problem}.`);
}

/** The signature in the form WebCrypto verifies (WebAuthn L3 §6.5.5), or a `malformed_response` error. */
function webCryptoSignature(key: CoseKey, signature: Uint8Array): Uint8Array {
  switch (key.kty) {
    case 'EC2':
      // r and s are as long as a coordinate, which parseCoseKey checked is 32, 48 or 66 bytes.
      return ecdsaDerToP1363(signature, key.x.length as EcdsaComponentBytes);
    case 'OKP':
      // RFC 8032 §5.1.6: an Ed25519 signature is exactly 64 bytes.
      if (signature.length !== 64) malformedSignature('an Ed25519 signature is 64 bytes');
      return signature;
    case 'RSA':
      // RFC 8017 §8.1.2 step 1, §8.2.2 step 1: the signature is exactly as long as the modulus.
      if (signature.length !== key.n.length) malformedSignature('an RSA signature is as long as the modulus');
      return signature;
    case 'AKP':
      // FIPS 204 §4 Table 2: 2420, 3309 or 4627 bytes.
      checkMlDsaSignatureLength(key, signature);
      return signature;
  }
}

/** Input of {@link verifySignature}. */
export interface VerifySignatureInput {
  /** The credential public key: COSE_Key bytes as stored with the credential (WebAuthn L3 §6.5.1.1). */
  publicKey: Uint8Array;
  /** The signature as the authenticator produced it: DER for ECDSA, raw for EdDSA and RSA (WebAuthn L3 §6.5.5). */
  signature: Uint8Array;
  /** The signed bytes, for an assertion `authenticatorData || SHA-256(clientDataJSON)` (WebAuthn L3 §7.2 step 21). */
  data: Uint8Array;
  /** Accept RS1 (RSASSA-PKCS1-v1_5 with SHA-1, RFC 8812 §2), which is deprecated; default `false`. */
  allowRS1?: boolean | undefined;
  /** Where parsed and imported keys are memoised; default {@link defaultPublicKeyCache}. */
  keyCache?: PublicKeyCache | undefined;
}

/**
 * Verifies a signature made with a credential private key (WebAuthn L3 §6.5.5 signature formats, §7.2 step 21):
 * parses and imports the COSE_Key (memoised in `keyCache`), converts an ECDSA `Ecdsa-Sig-Value` from DER, and
 * runs `crypto.subtle.verify` with the algorithm's parameters (ECDSA with SHA-256/384/512 for ES256/384/512,
 * Ed25519 for EdDSA and Ed25519, RSASSA-PKCS1-v1_5 for RS256/384/512 and RS1, RSA-PSS with a salt as long as the
 * hash for PS256/384/512 per RFC 8230 §2). ML-DSA-44/65/87 (RFC 9964) is pure ML-DSA with an empty context
 * (FIPS 204 §5.3), verified by WebCrypto where the runtime has it and by @noble/post-quantum elsewhere.
 *
 * @param input - the key, signature, signed data and policy; see {@link VerifySignatureInput}
 * @returns `true` if the signature is valid, `false` if it is well-formed but wrong
 * @throws {TesseraError} `malformed_public_key` for a bad COSE_Key; `unsupported_algorithm` for an algorithm or
 *   curve not supported, or RS1 without `allowRS1`; `malformed_response` for a signature whose encoding is broken
 *   (bad DER, wrong length); `invalid_argument` if an input is not a `Uint8Array` or WebCrypto refuses it
 * @example
 * ```ts
 * const data = concatBytes(authenticatorData, sha256(clientDataJSON));
 * if (!(await verifySignature({ publicKey: credential.publicKey, signature, data }))) {
 *   throw new TesseraError('invalid_signature', 'The assertion signature does not verify.');
 * }
 * ```
 */
export async function verifySignature(input: VerifySignatureInput): Promise<boolean> {
  const { publicKey, signature, data } = input;
  if (!(publicKey instanceof Uint8Array) || !(signature instanceof Uint8Array) || !(data instanceof Uint8Array)) {
    throw new TesseraError('invalid_argument', 'verifySignature takes publicKey, signature and data as Uint8Array.');
  }
  return await startSignatureVerification(publicKey, signature, data, input.allowRS1, input.keyCache);
}

/**
 * {@link verifySignature} for arguments known to be `Uint8Array`s, without an async frame of its own when the
 * key is already imported (the sign-in verifier's usual case): the returned promise is WebCrypto's, with the
 * error mapping attached. It may throw synchronously (RS1 refused, a malformed signature), so call it from an
 * async function.
 *
 * @internal the sign-in verifier's entry (verifyAuthenticationResponse.ts)
 */
export function startSignatureVerification(
  publicKey: Uint8Array,
  signature: Uint8Array,
  data: Uint8Array,
  allowRS1: boolean | undefined,
  keyCache: PublicKeyCache | undefined,
): Promise<boolean> {
  const entry = (keyCache ?? defaultPublicKeyCache).getOrLoad(publicKey, loadPublicKey);
  const { key } = entry;
  if (key.alg === COSE_ALGORITHMS.RS1 && allowRS1 !== true) {
    throw new TesseraError('unsupported_algorithm', 'RS1 (RSASSA-PKCS1-v1_5 with SHA-1) is not allowed; set allowRS1 to accept it.');
  }
  // RFC 9964: ML-DSA, with WebCrypto when the key imported there, else @noble/post-quantum (see _mlDsa.ts).
  if (key.kty === 'AKP') return verifyMlDsa(key, importedKeys.get(entry) ?? entry.cryptoKey, signature, data);
  // The key's problems come first: a key WebCrypto refuses is reported as such whatever the signature. A key
  // already imported is used at once, without waiting a turn for its settled promise.
  const imported = importedKeys.get(entry);
  if (imported === undefined) return entry.cryptoKey.then((cryptoKey) => verifyWithKey(key, cryptoKey, signature, data));
  return verifyWithKey(key, imported, signature, data);
}

/** `crypto.subtle.verify` with the key's parameters and the signature in WebCrypto's form (§6.5.5). */
function verifyWithKey(key: CoseKey, imported: CryptoKey, signature: Uint8Array, data: Uint8Array): Promise<boolean> {
  const webSignature = webCryptoSignature(key, signature);
  let verification: Promise<boolean>;
  try {
    verification = subtle().verify(verifyParams(key), imported, webSignature as Uint8Array<ArrayBuffer>, data as Uint8Array<ArrayBuffer>);
  } catch (error) {
    throw fromWebCrypto(error, 'invalid_argument', 'verify the signature with these inputs');
  }
  return verification.then(undefined, (error: unknown) => {
    throw fromWebCrypto(error, 'invalid_argument', 'verify the signature with these inputs');
  });
}

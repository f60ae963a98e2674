import { Encoder } from 'cbor-x';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import type { AttestationStatement } from '../attestationObject.ts';
import { base64url } from '../base64url.ts';
import { COSE_ALGORITHMS } from '../cose.ts';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '../responseJSON.ts';
import { ML_DSA_ALGORITHMS, generateMlDsaKey, isMlDsaAlgorithm, signMlDsa, type MlDsaPrivateKey, type MlDsaSoftwareAlgorithm } from './_mlDsaKey.ts';

/*
 * A WebAuthn authenticator and client in software, for tests: it creates credentials with WebCrypto keys and
 * answers ceremonies with exactly the JSON a browser's PublicKeyCredential.toJSON() returns. Every field a test
 * may want to break (flags, counter, client data, attestation) can be set.
 */

/** Algorithms the software authenticator can create credentials with (WebAuthn L3 §5.8.5; ML-DSA, RFC 9964). */
export type SoftwareAlgorithm =
  | 'ES256' | 'ES384' | 'ES512' | 'EdDSA' | 'Ed25519' | 'RS256' | 'RS384' | 'RS512' | 'PS256' | 'PS384' | 'PS512' | 'RS1'
  | MlDsaSoftwareAlgorithm;

/** Options of a {@link SoftwareAuthenticator}. */
export interface SoftwareAuthenticatorOptions {
  /** Algorithm of the credentials it creates; default `ES256`. */
  algorithm?: SoftwareAlgorithm;
  /** Whether it verifies the user (sets UV) when asked to; default `true`. */
  verifiesUser?: boolean;
  /** BE and BS flags it reports (§6.3.3); default `false`, `false`. */
  backupEligible?: boolean;
  backupState?: boolean;
  /** Whether it keeps a signature counter (incremented per signature) or always reports 0; default `true`. */
  counts?: boolean;
  /** Transports it reports at registration; default `['internal']`. */
  transports?: string[];
  /** `authenticatorAttachment` it reports; default `'platform'`. */
  attachment?: 'platform' | 'cross-platform';
  /** AAGUID, 16 bytes; default all zeros. */
  aaguid?: Uint8Array;
  /**
   * An attestation statement to send with every credential it creates, whatever was asked for (see
   * {@link AttestationStatementOverride}); `CreateCredentialInput.statement` overrides it. Default: none, so
   * statements follow `attestation`.
   */
  statement?: AttestationStatementOverride;
  /**
   * For ML-DSA credentials: makes each key from this 32-byte seed (FIPS 204 §6.1 ML-DSA.KeyGen_internal's ξ,
   * the n-th credential's from the seed with its last byte plus n) and signs deterministically (FIPS 204 §3.4),
   * so a test sees the same keys and signatures on every run. Default: random keys, hedged signatures.
   */
  mlDsaSeed?: Uint8Array;
}

/** What an attestation statement signs (WebAuthn L3 §6.5.4): the authenticator data and the client data hash. */
export interface AttestationToSign {
  /** The authenticator data exactly as encoded, with the new credential in it. */
  authData: Uint8Array;
  /** SHA-256 of clientDataJSON. */
  clientDataHash: Uint8Array;
}

/**
 * An attestation statement to send instead of the one the authenticator would make (§6.5.4): any `fmt`,
 * registered or not (`'tpm'`, `'bogus'`, `''`), and any `attStmt`, given as a map or made from what it must
 * sign (to sign with a key of the test's own, say). Values go into the CBOR as they are: `Uint8Array`s become
 * byte strings, `Map`s maps. For testing how a relying party treats statements it must refuse or cannot verify.
 */
export interface AttestationStatementOverride {
  fmt: string;
  /** A map; or an array, as a `compound` statement is (WebAuthn L3 §8.9). */
  attStmt: AttestationStatement | ((signed: AttestationToSign) => AttestationStatement | Promise<AttestationStatement>);
}

/** Client data members to add or override, to test the relying party's checks. */
export type ClientDataOverrides = Record<string, unknown>;

/** A credential the software authenticator holds. */
export interface SoftwareCredential {
  id: string;
  rpId: string;
  userHandle: string;
  algorithm: SoftwareAlgorithm;
  /** COSE_Key bytes, as the relying party stores them. */
  publicKey: Uint8Array;
  /** The counter of the last signature. */
  signCount: number;
}

/** Input of {@link SoftwareAuthenticator.createCredential}. */
export interface CreateCredentialInput {
  rpId: string;
  challenge: string;
  origin: string;
  /** User handle, base64url. */
  userHandle: string;
  /** `none` (default), or `packed` self attestation signed with the new credential's key (§8.2). */
  attestation?: 'none' | 'packed';
  /** A statement to send instead of the one `attestation` makes; see {@link AttestationStatementOverride}. */
  statement?: AttestationStatementOverride;
  /** Whether to set UV; default: whether the authenticator verifies users. */
  userVerified?: boolean;
  /** Whether to set UP; default `true`. `false` is what a conditional create may return (WebAuthn L3 §5.1.3, §7.1 step 14). */
  userPresent?: boolean;
  clientData?: ClientDataOverrides;
  /**
   * COSE_Key bytes to send as the credential public key instead of the generated key's, to test that a relying
   * party refuses a planted key (a small-order Ed25519 point, an EC point off its curve). The credential is
   * still held with the generated private key, which signs any `packed` statement and later assertions, so those
   * do not verify under the planted key; give `getAssertion` a `signature` to send a forgery instead.
   */
  publicKey?: Uint8Array;
}

/** Input of {@link SoftwareAuthenticator.getAssertion}. */
export interface GetAssertionInput {
  rpId: string;
  challenge: string;
  origin: string;
  /** Which credential signs; default the most recent one for `rpId`. */
  credentialId?: string;
  /** Whether to set UV; default: whether the authenticator verifies users. */
  userVerified?: boolean;
  /** Whether to set UP; default `true`. */
  userPresent?: boolean;
  /** Whether to return the user handle; default `true` (a discoverable credential). */
  returnUserHandle?: boolean;
  clientData?: ClientDataOverrides;
  clientExtensionResults?: Record<string, unknown>;
  /** Bytes to send as the signature instead of signing, to test forgeries; the counter still advances. */
  signature?: Uint8Array;
  /**
   * The signature counter to send instead of advancing the credential's own (§6.1.1), as a cloned
   * authenticator would; the credential's counter is left as it is.
   */
  signCount?: number;
}

/** The subset of creation options (§5.4) the software client reads. */
export interface CreationOptionsLike {
  challenge: string;
  rp: { id?: string | undefined };
  user: { id: string };
  attestation?: string | undefined;
  authenticatorSelection?: { userVerification?: string | undefined } | undefined;
  excludeCredentials?: readonly { id: string }[] | undefined;
}

/** The subset of request options (§5.5) the software client reads. */
export interface RequestOptionsLike {
  challenge: string;
  rpId?: string | undefined;
  userVerification?: string | undefined;
  allowCredentials?: readonly { id: string }[] | undefined;
}

interface AlgorithmParameters {
  cose: number;
  generate: RsaHashedKeyGenParams | EcKeyGenParams | Algorithm;
  sign: AlgorithmIdentifier | EcdsaParams | RsaPssParams;
  /** ECDSA component size, for the DER conversion. */
  ecdsaSize?: number;
}

/** CTAP2-style CBOR: maps stay maps and byte strings stay untagged (cbor-x's defaults add tags 259 and 64). */
const cbor = new Encoder({ mapsAsObjects: false, useRecords: false, tagUint8Array: false });
const encode = (value: unknown): Uint8Array => new Uint8Array(cbor.encode(value));

const RSA = { modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) };
const PARAMETERS: Record<Exclude<SoftwareAlgorithm, MlDsaSoftwareAlgorithm>, AlgorithmParameters> = {
  ES256: { cose: COSE_ALGORITHMS.ES256, generate: { name: 'ECDSA', namedCurve: 'P-256' }, sign: { name: 'ECDSA', hash: 'SHA-256' }, ecdsaSize: 32 },
  ES384: { cose: COSE_ALGORITHMS.ES384, generate: { name: 'ECDSA', namedCurve: 'P-384' }, sign: { name: 'ECDSA', hash: 'SHA-384' }, ecdsaSize: 48 },
  ES512: { cose: COSE_ALGORITHMS.ES512, generate: { name: 'ECDSA', namedCurve: 'P-521' }, sign: { name: 'ECDSA', hash: 'SHA-512' }, ecdsaSize: 66 },
  EdDSA: { cose: COSE_ALGORITHMS.EdDSA, generate: { name: 'Ed25519' }, sign: { name: 'Ed25519' } },
  Ed25519: { cose: COSE_ALGORITHMS.Ed25519, generate: { name: 'Ed25519' }, sign: { name: 'Ed25519' } },
  RS256: { cose: COSE_ALGORITHMS.RS256, generate: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', ...RSA }, sign: { name: 'RSASSA-PKCS1-v1_5' } },
  RS384: { cose: COSE_ALGORITHMS.RS384, generate: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-384', ...RSA }, sign: { name: 'RSASSA-PKCS1-v1_5' } },
  RS512: { cose: COSE_ALGORITHMS.RS512, generate: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-512', ...RSA }, sign: { name: 'RSASSA-PKCS1-v1_5' } },
  PS256: { cose: COSE_ALGORITHMS.PS256, generate: { name: 'RSA-PSS', hash: 'SHA-256', ...RSA }, sign: { name: 'RSA-PSS', saltLength: 32 } },
  PS384: { cose: COSE_ALGORITHMS.PS384, generate: { name: 'RSA-PSS', hash: 'SHA-384', ...RSA }, sign: { name: 'RSA-PSS', saltLength: 48 } },
  PS512: { cose: COSE_ALGORITHMS.PS512, generate: { name: 'RSA-PSS', hash: 'SHA-512', ...RSA }, sign: { name: 'RSA-PSS', saltLength: 64 } },
  RS1: { cose: COSE_ALGORITHMS.RS1, generate: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-1', ...RSA }, sign: { name: 'RSASSA-PKCS1-v1_5' } },
};

/** The COSE_Key (RFC 9052 §7, RFC 8230) of a WebCrypto public key, as a CBOR map. */
async function coseKeyOf(algorithm: Exclude<SoftwareAlgorithm, MlDsaSoftwareAlgorithm>, publicKey: CryptoKey): Promise<Uint8Array> {
  const jwk = await crypto.subtle.exportKey('jwk', publicKey);
  const bytes = (text: string | undefined): Uint8Array => base64url.decode(text ?? '');
  const alg = PARAMETERS[algorithm].cose;
  if (jwk.kty === 'EC') {
    const curve = { 'P-256': 1, 'P-384': 2, 'P-521': 3 }[jwk.crv as 'P-256' | 'P-384' | 'P-521'];
    return encode(new Map<number, unknown>([[1, 2], [3, alg], [-1, curve], [-2, bytes(jwk.x)], [-3, bytes(jwk.y)]]));
  }
  if (jwk.kty === 'OKP') return encode(new Map<number, unknown>([[1, 1], [3, alg], [-1, 6], [-2, bytes(jwk.x)]]));
  return encode(new Map<number, unknown>([[1, 3], [3, alg], [-1, bytes(jwk.n)], [-2, bytes(jwk.e)]]));
}

/** An ASN.1 DER INTEGER of a big-endian unsigned value (X.690 §8.3): minimal, with a 0x00 if the high bit is set. */
function derInteger(value: Uint8Array): Uint8Array {
  let start = 0;
  while (start < value.length - 1 && value[start] === 0) start++;
  const body = value[start]! & 0x80 ? concatBytes(new Uint8Array([0]), value.subarray(start)) : value.subarray(start);
  return concatBytes(new Uint8Array([0x02, body.length]), body);
}

/** WebCrypto's r||s as the DER `Ecdsa-Sig-Value` authenticators send (WebAuthn L3 §6.5.5). */
function ecdsaP1363ToDer(signature: Uint8Array, size: number): Uint8Array {
  const content = concatBytes(derInteger(signature.subarray(0, size)), derInteger(signature.subarray(size)));
  const length = content.length < 128 ? new Uint8Array([content.length]) : new Uint8Array([0x81, content.length]);
  return concatBytes(new Uint8Array([0x30]), length, content);
}

function flagsByte(flags: { up: boolean; uv: boolean; be: boolean; bs: boolean; at: boolean; ed?: boolean }): number {
  return (flags.up ? 0x01 : 0) | (flags.uv ? 0x04 : 0) | (flags.be ? 0x08 : 0) | (flags.bs ? 0x10 : 0) | (flags.at ? 0x40 : 0) | (flags.ed ? 0x80 : 0);
}

function uint32(value: number): Uint8Array {
  return new Uint8Array([value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255]);
}

interface HeldCredential extends SoftwareCredential {
  privateKey: CryptoKey | MlDsaPrivateKey;
}

/** The COSE algorithm identifier of a software algorithm. */
function coseAlgorithmOf(algorithm: SoftwareAlgorithm): number {
  return isMlDsaAlgorithm(algorithm) ? ML_DSA_ALGORITHMS[algorithm] : PARAMETERS[algorithm].cose;
}

/** A new key pair: the COSE_Key of its public key, and its private key. */
async function generateCredentialKey(
  algorithm: SoftwareAlgorithm,
  mlDsaSeed: Uint8Array | undefined,
): Promise<{ publicKey: Uint8Array; privateKey: CryptoKey | MlDsaPrivateKey }> {
  if (isMlDsaAlgorithm(algorithm)) return generateMlDsaKey(algorithm, mlDsaSeed);
  const keyPair = (await crypto.subtle.generateKey(PARAMETERS[algorithm].generate, true, ['sign', 'verify'])) as CryptoKeyPair;
  return { publicKey: await coseKeyOf(algorithm, keyPair.publicKey), privateKey: keyPair.privateKey };
}

/**
 * A software authenticator and client for tests. Create credentials, then sign in with them; or use
 * {@link SoftwareAuthenticator.register} and {@link SoftwareAuthenticator.authenticate} to answer a relying
 * party's options the way a browser would.
 *
 * @example
 * ```ts
 * const authenticator = new SoftwareAuthenticator({ algorithm: 'EdDSA' });
 * const { options, ticket } = await rp.startRegistration({ user });
 * const response = await authenticator.register(options, 'https://example.com');
 * ```
 */
export class SoftwareAuthenticator {
  readonly #options: Required<Omit<SoftwareAuthenticatorOptions, 'aaguid' | 'statement' | 'mlDsaSeed'>> & {
    aaguid: Uint8Array;
    statement: AttestationStatementOverride | undefined;
  };
  readonly #mlDsaSeed: Uint8Array | undefined;
  /** Keys made so far, for the deterministic ML-DSA seeds. */
  #keysMade = 0;
  readonly #credentials: HeldCredential[] = [];

  /** @param options - see {@link SoftwareAuthenticatorOptions} */
  constructor(options: SoftwareAuthenticatorOptions = {}) {
    this.#options = {
      algorithm: options.algorithm ?? 'ES256',
      verifiesUser: options.verifiesUser ?? true,
      backupEligible: options.backupEligible ?? false,
      backupState: options.backupState ?? false,
      counts: options.counts ?? true,
      transports: options.transports ?? ['internal'],
      attachment: options.attachment ?? 'platform',
      aaguid: options.aaguid ?? new Uint8Array(16),
      statement: options.statement,
    };
    this.#mlDsaSeed = options.mlDsaSeed === undefined ? undefined : Uint8Array.from(options.mlDsaSeed);
  }

  /** The credentials created so far, newest last. */
  get credentials(): readonly SoftwareCredential[] {
    return this.#credentials.map(({ privateKey: _, ...credential }) => ({ ...credential }));
  }

  /** Forgets a credential, as when a user deletes a passkey from the device. */
  forget(credentialId: string): void {
    const index = this.#credentials.findIndex((credential) => credential.id === credentialId);
    if (index >= 0) this.#credentials.splice(index, 1);
  }

  /**
   * Creates a credential and returns the registration response (§5.1 `RegistrationResponseJSON`).
   *
   * @param input - RP ID, challenge, origin, user handle, attestation (or a statement of the test's own) and
   *   overrides
   * @returns what `credential.toJSON()` would return
   */
  async createCredential(input: CreateCredentialInput): Promise<RegistrationResponseJSON> {
    const { algorithm, aaguid, transports, attachment } = this.#options;
    const cose = coseAlgorithmOf(algorithm);
    const seed = this.#mlDsaSeed?.map((byte, index, all) => (index === all.length - 1 ? (byte + this.#keysMade) & 255 : byte));
    this.#keysMade++;
    const keyPair = await generateCredentialKey(algorithm, seed);
    const publicKey = input.publicKey === undefined ? keyPair.publicKey : Uint8Array.from(input.publicKey);
    const credentialId = crypto.getRandomValues(new Uint8Array(32));
    const id = base64url.encode(credentialId);
    const signCount = this.#options.counts ? 1 : 0;
    this.#credentials.push({ id, rpId: input.rpId, userHandle: input.userHandle, algorithm, publicKey, signCount, privateKey: keyPair.privateKey });

    const clientDataJSON = this.#clientData('webauthn.create', input.challenge, input.origin, input.clientData);
    const authenticatorData = concatBytes(
      sha256(utf8ToBytes(input.rpId)),
      new Uint8Array([flagsByte({ up: input.userPresent ?? true, uv: input.userVerified ?? this.#options.verifiesUser, be: this.#options.backupEligible, bs: this.#options.backupState, at: true })]),
      uint32(signCount),
      aaguid,
      new Uint8Array([credentialId.length >> 8, credentialId.length & 255]),
      credentialId,
      publicKey,
    );
    const clientDataHash = sha256(clientDataJSON);
    const statement = input.statement ?? this.#options.statement;
    let fmt: string = input.attestation ?? 'none';
    let attStmt: AttestationStatement = new Map<string, unknown>();
    if (statement !== undefined) {
      fmt = statement.fmt;
      attStmt = typeof statement.attStmt === 'function' ? await statement.attStmt({ authData: authenticatorData, clientDataHash }) : statement.attStmt;
    } else if (fmt === 'packed') {
      attStmt = new Map<string, unknown>([
        ['alg', cose],
        ['sig', await this.#sign(keyPair.privateKey, algorithm, concatBytes(authenticatorData, clientDataHash))],
      ]);
    }
    const attestationObject = encode(new Map<string, unknown>([['fmt', fmt], ['attStmt', attStmt], ['authData', authenticatorData]]));
    return {
      id,
      rawId: id,
      type: 'public-key',
      response: {
        clientDataJSON: base64url.encode(clientDataJSON),
        attestationObject: base64url.encode(attestationObject),
        authenticatorData: base64url.encode(authenticatorData),
        transports,
        publicKeyAlgorithm: cose,
      },
      authenticatorAttachment: attachment,
      clientExtensionResults: {},
    };
  }

  /**
   * Signs an assertion with a held credential and returns the authentication response (§5.1
   * `AuthenticationResponseJSON`).
   *
   * @param input - RP ID, challenge, origin, which credential, flags and overrides
   * @returns what `credential.toJSON()` would return
   * @throws {Error} if no credential matches
   */
  async getAssertion(input: GetAssertionInput): Promise<AuthenticationResponseJSON> {
    const credential =
      input.credentialId === undefined
        ? this.#credentials.findLast((candidate) => candidate.rpId === input.rpId)
        : this.#credentials.find((candidate) => candidate.id === input.credentialId);
    if (credential === undefined) throw new Error('SoftwareAuthenticator: no matching credential');
    if (this.#options.counts && input.signCount === undefined) credential.signCount++;
    const signCount = input.signCount ?? credential.signCount;
    const clientDataJSON = this.#clientData('webauthn.get', input.challenge, input.origin, input.clientData);
    const authenticatorData = concatBytes(
      sha256(utf8ToBytes(input.rpId)),
      new Uint8Array([
        flagsByte({ up: input.userPresent ?? true, uv: input.userVerified ?? this.#options.verifiesUser, be: this.#options.backupEligible, bs: this.#options.backupState, at: false }),
      ]),
      uint32(signCount),
    );
    const signature =
      input.signature ?? (await this.#sign(credential.privateKey, credential.algorithm, concatBytes(authenticatorData, sha256(clientDataJSON))));
    return {
      id: credential.id,
      rawId: credential.id,
      type: 'public-key',
      response: {
        clientDataJSON: base64url.encode(clientDataJSON),
        authenticatorData: base64url.encode(authenticatorData),
        signature: base64url.encode(signature),
        ...((input.returnUserHandle ?? true) ? { userHandle: credential.userHandle } : {}),
      },
      authenticatorAttachment: this.#options.attachment,
      clientExtensionResults: input.clientExtensionResults ?? {},
    };
  }

  /**
   * Answers creation options as a browser on `origin` would (§5.1.3, simplified): refuses if it already
   * holds an excluded credential, verifies the user if asked to and able, and attests as requested
   * (`packed` self attestation for `direct` or `enterprise`, else `none`), or sends the `statement` it was
   * constructed with.
   */
  async register(options: CreationOptionsLike, origin: string): Promise<RegistrationResponseJSON> {
    const rpId = options.rp.id ?? new URL(origin).hostname;
    const excluded = new Set((options.excludeCredentials ?? []).map(({ id }) => id));
    if (this.#credentials.some((credential) => excluded.has(credential.id))) {
      throw new Error('SoftwareAuthenticator: InvalidStateError, an excluded credential is present');
    }
    const attestation = options.attestation === 'direct' || options.attestation === 'enterprise' ? 'packed' : 'none';
    return this.createCredential({ rpId, challenge: options.challenge, origin, userHandle: options.user.id, attestation });
  }

  /**
   * Answers request options as a browser on `origin` would (§5.1.4, simplified): uses the newest allowed
   * credential it holds, or any for the RP ID when `allowCredentials` is empty.
   */
  async authenticate(options: RequestOptionsLike, origin: string): Promise<AuthenticationResponseJSON> {
    const rpId = options.rpId ?? new URL(origin).hostname;
    const allowed = new Set((options.allowCredentials ?? []).map(({ id }) => id));
    const credential = this.#credentials.findLast((candidate) => candidate.rpId === rpId && (allowed.size === 0 || allowed.has(candidate.id)));
    if (credential === undefined) throw new Error('SoftwareAuthenticator: NotAllowedError, no matching credential');
    return this.getAssertion({ rpId, challenge: options.challenge, origin, credentialId: credential.id });
  }

  #clientData(type: string, challenge: string, origin: string, overrides: ClientDataOverrides | undefined): Uint8Array {
    return utf8ToBytes(JSON.stringify({ type, challenge, origin, crossOrigin: false, ...overrides }));
  }

  async #sign(privateKey: CryptoKey | MlDsaPrivateKey, algorithm: SoftwareAlgorithm, data: Uint8Array): Promise<Uint8Array> {
    if (isMlDsaAlgorithm(algorithm)) return signMlDsa(algorithm, privateKey as MlDsaPrivateKey, data);
    const parameters = PARAMETERS[algorithm];
    const signature = new Uint8Array(await crypto.subtle.sign(parameters.sign, privateKey as CryptoKey, data as Uint8Array<ArrayBuffer>));
    return parameters.ecdsaSize === undefined ? signature : ecdsaP1363ToDer(signature, parameters.ecdsaSize);
  }
}

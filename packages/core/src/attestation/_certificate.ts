import {
  DER_TAGS,
  contextTag,
  derBitString,
  derBoolean,
  derChildren,
  derInteger,
  derOctetString,
  derOid,
  derSmallInteger,
  derString,
  derTime,
  readDer,
  type DerElement,
} from './_der.ts';
import { checkEcPoint } from '../_ecPoint.ts';
import { ecdsaDerToP1363, type EcdsaComponentBytes } from '../_ecdsaSignature.ts';
import { equalBytes } from '../_bytes.ts';
import { COSE_ALGORITHMS, COSE_ALGORITHM_NAMES, MAX_RSA_MODULUS_BITS, MIN_RSA_MODULUS_BITS } from '../cose.ts';
import { TesseraError, isTesseraError } from '../errors.ts';

/*
 * X.509 certificates (RFC 5280 §4.1) as attestation statements carry them in `x5c` (WebAuthn L3 §8.2, §8.6),
 * read with the strict DER reader of `_der.ts`, and their public keys imported into WebCrypto to check
 * attestation signatures (WebAuthn L3 §6.5.5). Certificate signatures and paths are not verified here.
 */

/** Largest certificate accepted, in bytes; attestation certificates take under 2 KiB. */
export const MAX_CERTIFICATE_BYTES = 16_384;

/** Most certificates accepted in one `x5c` chain (Android Key chains carry up to five). */
export const MAX_CERTIFICATE_CHAIN_LENGTH = 5;

/** Attribute types of a distinguished name that attestation checks read (RFC 5280 §4.1.2.4, X.520). */
export const NAME_ATTRIBUTES = { C: '2.5.4.6', O: '2.5.4.10', OU: '2.5.4.11', CN: '2.5.4.3' } as const;

/** Algorithm and curve object identifiers (RFC 5480 §2.1.1, RFC 8410 §3, RFC 8017 Appendix C). */
export const KEY_OIDS = {
  ecPublicKey: '1.2.840.10045.2.1',
  'P-256': '1.2.840.10045.3.1.7',
  'P-384': '1.3.132.0.34',
  'P-521': '1.3.132.0.35',
  Ed25519: '1.3.101.112',
  rsaEncryption: '1.2.840.113549.1.1.1',
} as const;

/** basicConstraints (RFC 5280 §4.2.1.9). */
const BASIC_CONSTRAINTS = '2.5.29.19';

/** One attribute of a distinguished name (RFC 5280 §4.1.2.4): its type OID and its value as text. */
export interface NameAttribute {
  readonly type: string;
  readonly value: string;
}

/** A distinguished name: every attribute of every relative distinguished name, in encoded order. */
export type Name = readonly NameAttribute[];

/** One certificate extension (RFC 5280 §4.1.2.9): criticality and the DER in `extnValue`. */
export interface CertificateExtension {
  readonly critical: boolean;
  readonly value: Uint8Array;
}

/** A parsed X.509 certificate (RFC 5280 §4.1). Byte arrays are views of one private copy of the input. */
export interface Certificate {
  /** The whole certificate, as given. */
  readonly der: Uint8Array;
  /** The exact TBSCertificate encoding, which the issuer signed (§4.1.1.1). */
  readonly tbs: Uint8Array;
  /** OID of the issuer's signature algorithm (§4.1.1.2); the same as inside `tbs`. */
  readonly signatureAlgorithm: string;
  /** The issuer's signature (§4.1.1.3). */
  readonly signature: Uint8Array;
  /** 1, 2 or 3 (§4.1.2.1). */
  readonly version: number;
  /** The serial number's two's-complement octets (§4.1.2.2). */
  readonly serialNumber: Uint8Array;
  /** Who signed the certificate (§4.1.2.4). */
  readonly issuer: Name;
  /** Whom the certificate names (§4.1.2.6); empty when only subjectAltName names it. */
  readonly subject: Name;
  /** Start of the validity period, epoch milliseconds (§4.1.2.5). */
  readonly notBefore: number;
  /** End of the validity period, epoch milliseconds, inclusive (§4.1.2.5). */
  readonly notAfter: number;
  /** The exact SubjectPublicKeyInfo encoding (§4.1.2.7), as WebCrypto's `importKey('spki')` takes it. */
  readonly subjectPublicKeyInfo: Uint8Array;
  /** OID of the public key algorithm, such as {@link KEY_OIDS}`.ecPublicKey`. */
  readonly publicKeyAlgorithm: string;
  /** OID of the named curve, for EC keys (RFC 5480 §2.1.1.1). */
  readonly publicKeyCurve?: string;
  /** Extensions by OID (§4.1.2.9); each OID at most once. */
  readonly extensions: ReadonlyMap<string, CertificateExtension>;
}

function malformed(problem: string): never {
  throw new TesseraError('invalid_attestation', `Malformed attestation certificate: ${problem}.`);
}

/** AlgorithmIdentifier (RFC 5280 §4.1.1.2): the OID, and the parameters if any. */
function algorithmIdentifier(element: DerElement): { oid: string; parameters?: DerElement } {
  const [oid, parameters, ...rest] = derChildren(element, DER_TAGS.SEQUENCE);
  if (oid === undefined || rest.length > 0) malformed('AlgorithmIdentifier must hold one or two elements');
  return parameters === undefined ? { oid: derOid(oid) } : { oid: derOid(oid), parameters };
}

/** Name (RFC 5280 §4.1.2.4): SEQUENCE OF RelativeDistinguishedName, each a non-empty SET OF type and value. */
function parseName(element: DerElement): Name {
  const attributes: NameAttribute[] = [];
  for (const rdn of derChildren(element, DER_TAGS.SEQUENCE)) {
    const members = derChildren(rdn, DER_TAGS.SET);
    if (members.length === 0) malformed('empty relative distinguished name');
    for (const member of members) {
      const [type, value, ...rest] = derChildren(member, DER_TAGS.SEQUENCE);
      if (type === undefined || value === undefined || rest.length > 0) malformed('attribute must hold a type and a value');
      attributes.push({ type: derOid(type), value: derString(value) });
    }
  }
  return attributes;
}

/** Extensions (RFC 5280 §4.1.2.9): a non-empty SEQUENCE OF Extension, no OID twice. */
function parseExtensions(element: DerElement): Map<string, CertificateExtension> {
  const [list, ...rest] = derChildren(element);
  if (list === undefined || rest.length > 0) malformed('[3] must hold one SEQUENCE');
  const extensions = new Map<string, CertificateExtension>();
  const entries = derChildren(list, DER_TAGS.SEQUENCE);
  if (entries.length === 0) malformed('empty extensions');
  for (const entry of entries) {
    const fields = derChildren(entry, DER_TAGS.SEQUENCE);
    if (fields.length !== 2 && fields.length !== 3) malformed('extension must hold two or three elements');
    const oid = derOid(fields[0]!);
    // critical BOOLEAN DEFAULT FALSE: DER omits FALSE (X.690 §11.5), but some issuers encode it; both mean FALSE.
    const critical = fields.length === 3 ? derBoolean(fields[1]!) : false;
    const value = derOctetString(fields[fields.length - 1]!);
    if (extensions.has(oid)) malformed('an extension appears twice');
    extensions.set(oid, { critical, value });
  }
  return extensions;
}

/**
 * Parses a DER X.509 certificate (RFC 5280 §4.1), strictly and without verifying anything: the structure of
 * Certificate and TBSCertificate, version 1–3 with unique identifiers only from v2 and extensions only in v3,
 * the inner signature algorithm equal to the outer one (§4.1.1.2), names whose values are character strings,
 * RFC 5280 times, and each extension at most once.
 *
 * @param der - one certificate, at most {@link MAX_CERTIFICATE_BYTES}
 * @returns its fields; byte arrays are views of a private copy of `der`
 * @throws {TesseraError} `invalid_attestation` for an empty, oversized or malformed certificate
 * @internal
 */
export function parseCertificate(der: Uint8Array): Certificate {
  if (!(der instanceof Uint8Array)) malformed('not a byte array');
  if (der.length === 0) malformed('empty');
  if (der.length > MAX_CERTIFICATE_BYTES) malformed(`larger than ${MAX_CERTIFICATE_BYTES} bytes`);
  const copy = new Uint8Array(der);
  const root = readDer(copy);
  const [tbsElement, outerAlgorithm, signatureElement, ...extra] = derChildren(root, DER_TAGS.SEQUENCE);
  if (tbsElement === undefined || outerAlgorithm === undefined || signatureElement === undefined || extra.length > 0) {
    malformed('Certificate must hold three elements');
  }
  const fields = derChildren(tbsElement, DER_TAGS.SEQUENCE);
  let index = 0;
  const next = (): DerElement => fields[index++] ?? malformed('TBSCertificate is truncated');

  let version = 1;
  if (fields[0]?.tag === contextTag(0)) {
    const [versionElement, ...rest] = derChildren(next());
    if (versionElement === undefined || rest.length > 0) malformed('[0] must hold one INTEGER');
    const value = derSmallInteger(versionElement);
    // Version DEFAULT v1: DER omits v1 (X.690 §11.5), so an explicit version is v2 (1) or v3 (2).
    if (value !== 1 && value !== 2) malformed('unsupported version');
    version = value + 1;
  }
  const serialNumber = derInteger(next());
  const innerAlgorithm = next();
  if (!equalBytes(innerAlgorithm.encoded, outerAlgorithm.encoded)) malformed('the two signature algorithms differ');
  const signatureAlgorithm = algorithmIdentifier(outerAlgorithm).oid;
  const issuer = parseName(next());
  const validity = derChildren(next(), DER_TAGS.SEQUENCE);
  if (validity.length !== 2) malformed('Validity must hold two times');
  const notBefore = derTime(validity[0]!);
  const notAfter = derTime(validity[1]!);
  const subject = parseName(next());
  const spki = next();
  const [keyAlgorithm, keyBits, ...keyRest] = derChildren(spki, DER_TAGS.SEQUENCE);
  if (keyAlgorithm === undefined || keyBits === undefined || keyRest.length > 0) malformed('SubjectPublicKeyInfo must hold two elements');
  const { oid: publicKeyAlgorithm, parameters } = algorithmIdentifier(keyAlgorithm);
  derBitString(keyBits);

  // [1] issuerUniqueID and [2] subjectUniqueID (implicit BIT STRINGs, v2 and v3), then [3] extensions (v3 only).
  for (const number of [1, 2]) {
    if (fields[index]?.tag === contextTag(number, true)) {
      if (version < 2) malformed('unique identifier in a version 1 certificate');
      index++;
    }
  }
  let extensions = new Map<string, CertificateExtension>();
  if (fields[index]?.tag === contextTag(3)) {
    if (version !== 3) malformed('extensions in a certificate before version 3');
    extensions = parseExtensions(next());
  }
  if (index !== fields.length) malformed('unexpected elements in TBSCertificate');

  const certificate: Certificate = {
    der: copy,
    tbs: tbsElement.encoded,
    signatureAlgorithm,
    signature: derBitString(signatureElement),
    version,
    serialNumber,
    issuer,
    subject,
    notBefore,
    notAfter,
    subjectPublicKeyInfo: spki.encoded,
    publicKeyAlgorithm,
    extensions,
  };
  if (publicKeyAlgorithm === KEY_OIDS.ecPublicKey && parameters?.tag === DER_TAGS.OID) {
    return { ...certificate, publicKeyCurve: derOid(parameters) };
  }
  return certificate;
}

/**
 * Parses an `x5c` member of an attestation statement (WebAuthn L3 §8.2, §8.6): a non-empty array of DER
 * certificates, leaf first, at most {@link MAX_CERTIFICATE_CHAIN_LENGTH}.
 *
 * @param x5c - the value decoded from CBOR
 * @returns the certificates, in order
 * @throws {TesseraError} `invalid_attestation` if `x5c` is not such an array or a certificate is malformed
 * @internal
 */
export function parseCertificateChain(x5c: unknown): Certificate[] {
  if (!Array.isArray(x5c) || x5c.length === 0) malformed('x5c must be a non-empty array');
  if (x5c.length > MAX_CERTIFICATE_CHAIN_LENGTH) malformed(`x5c holds more than ${MAX_CERTIFICATE_CHAIN_LENGTH} certificates`);
  return x5c.map((item: unknown) => {
    if (!(item instanceof Uint8Array)) malformed('x5c must hold byte strings');
    return parseCertificate(item);
  });
}

/**
 * The values of one attribute type in a name, in order.
 *
 * @param name - a subject or issuer
 * @param type - an attribute type OID, such as {@link NAME_ATTRIBUTES}`.OU`
 * @returns every value of that type (often none or one)
 * @internal
 */
export function nameValues(name: Name, type: string): string[] {
  return name.filter((attribute) => attribute.type === type).map((attribute) => attribute.value);
}

/**
 * The `cA` flag of the basicConstraints extension (RFC 5280 §4.2.1.9).
 *
 * @param cert - a parsed certificate
 * @returns `true` or `false` if the extension is present; `undefined` if it is absent
 * @throws {TesseraError} `invalid_attestation` if the extension's value is malformed
 * @internal
 */
export function basicConstraintsCA(cert: Certificate): boolean | undefined {
  const extension = cert.extensions.get(BASIC_CONSTRAINTS);
  if (extension === undefined) return undefined;
  const fields = derChildren(readDer(extension.value), DER_TAGS.SEQUENCE);
  if (fields.length > 2) malformed('basicConstraints holds more than two elements');
  // cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER (0..MAX) OPTIONAL; an explicit FALSE is read as FALSE.
  let index = 0;
  let ca = false;
  if (fields[0]?.tag === DER_TAGS.BOOLEAN) {
    ca = derBoolean(fields[0]);
    index++;
  }
  if (index < fields.length) derSmallInteger(fields[index++]!);
  if (index !== fields.length) malformed('basicConstraints is malformed');
  return ca;
}

type HashName = 'SHA-256' | 'SHA-384' | 'SHA-512';

/** WebCrypto parameters for an attestation `alg` (WebAuthn L3 §5.8.5; RFC 9053 §2, RFC 8812 §2, RFC 8230 §2). */
type KeyPlan =
  | { kind: 'ECDSA'; namedCurve: 'P-256' | 'P-384' | 'P-521'; hash: HashName; size: EcdsaComponentBytes }
  | { kind: 'Ed25519' }
  | { kind: 'RSASSA-PKCS1-v1_5' | 'RSA-PSS'; hash: HashName; saltLength: number };

const { ES256, ES384, ES512, EdDSA, Ed25519, RS256, RS384, RS512, PS256, PS384, PS512 } = COSE_ALGORITHMS;

const PLANS: ReadonlyMap<number, KeyPlan> = new Map<number, KeyPlan>([
  [ES256, { kind: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256', size: 32 }],
  [ES384, { kind: 'ECDSA', namedCurve: 'P-384', hash: 'SHA-384', size: 48 }],
  [ES512, { kind: 'ECDSA', namedCurve: 'P-521', hash: 'SHA-512', size: 66 }],
  [EdDSA, { kind: 'Ed25519' }],
  [Ed25519, { kind: 'Ed25519' }],
  [RS256, { kind: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', saltLength: 0 }],
  [RS384, { kind: 'RSASSA-PKCS1-v1_5', hash: 'SHA-384', saltLength: 0 }],
  [RS512, { kind: 'RSASSA-PKCS1-v1_5', hash: 'SHA-512', saltLength: 0 }],
  [PS256, { kind: 'RSA-PSS', hash: 'SHA-256', saltLength: 32 }],
  [PS384, { kind: 'RSA-PSS', hash: 'SHA-384', saltLength: 48 }],
  [PS512, { kind: 'RSA-PSS', hash: 'SHA-512', saltLength: 64 }],
]);

function algorithmName(alg: number): string {
  return (COSE_ALGORITHM_NAMES as Readonly<Record<number, string>>)[alg] ?? `algorithm ${alg}`;
}

function planFor(alg: number): KeyPlan {
  const plan = PLANS.get(alg);
  if (plan === undefined) {
    throw new TesseraError('unsupported_algorithm', `Attestation signatures with ${algorithmName(alg)} are not supported.`);
  }
  return plan;
}

function subtle(): SubtleCrypto {
  const subtleCrypto = globalThis.crypto?.subtle;
  if (subtleCrypto === undefined) throw new TesseraError('unsupported_algorithm', 'WebCrypto (crypto.subtle) is not available.');
  return subtleCrypto;
}

function importParams(cert: Certificate, alg: number, plan: KeyPlan): AlgorithmIdentifier | EcKeyImportParams | RsaHashedImportParams {
  const mismatch = (): never => {
    throw new TesseraError('invalid_attestation', `The attestation certificate's key cannot make ${algorithmName(alg)} signatures.`);
  };
  switch (plan.kind) {
    case 'ECDSA':
      if (cert.publicKeyAlgorithm !== KEY_OIDS.ecPublicKey || cert.publicKeyCurve !== KEY_OIDS[plan.namedCurve]) mismatch();
      return { name: 'ECDSA', namedCurve: plan.namedCurve };
    case 'Ed25519':
      if (cert.publicKeyAlgorithm !== KEY_OIDS.Ed25519) mismatch();
      return { name: 'Ed25519' };
    default:
      if (cert.publicKeyAlgorithm !== KEY_OIDS.rsaEncryption) mismatch();
      return { name: plan.kind, hash: plan.hash };
  }
}

/** The subjectPublicKey BIT STRING of a parsed certificate's SubjectPublicKeyInfo (RFC 5280 §4.1.2.7). */
function subjectPublicKey(cert: Certificate): Uint8Array {
  return derBitString(derChildren(readDer(cert.subjectPublicKeyInfo))[1]!);
}

/**
 * Imports a certificate's public key (RFC 5280 §4.1.2.7) for verifying signatures of a COSE algorithm
 * (WebAuthn L3 §5.8.5): ES256/384/512 need an EC key (RFC 5480) on P-256/P-384/P-521, EdDSA and Ed25519 an Ed25519
 * key (RFC 8410), RS256/384/512 and PS256/384/512 an rsaEncryption key (RFC 8017) of
 * {@link MIN_RSA_MODULUS_BITS}–{@link MAX_RSA_MODULUS_BITS} bits.
 *
 * @param cert - a parsed certificate
 * @param alg - a COSE algorithm identifier
 * @returns a `CryptoKey` usable only for `verify`
 * @throws {TesseraError} `unsupported_algorithm` for an algorithm not listed or one this WebCrypto lacks;
 *   `invalid_attestation` if the key does not fit `alg` or WebCrypto rejects it
 * @internal
 */
export async function importCertificateKey(cert: Certificate, alg: number): Promise<CryptoKey> {
  const plan = planFor(alg);
  const params = importParams(cert, alg, plan);
  let key: CryptoKey;
  try {
    key = await subtle().importKey('spki', cert.subjectPublicKeyInfo as Uint8Array<ArrayBuffer>, params, false, ['verify']);
    // Deno's importKey accepts an EC point off its curve; see _ecPoint.ts.
    if (plan.kind === 'ECDSA') checkEcPoint(plan.namedCurve, subjectPublicKey(cert));
  } catch (error) {
    const notSupported = typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'NotSupportedError';
    throw new TesseraError(
      notSupported ? 'unsupported_algorithm' : 'invalid_attestation',
      'WebCrypto could not import the attestation certificate key.',
      { cause: error },
    );
  }
  if (plan.kind === 'RSASSA-PKCS1-v1_5' || plan.kind === 'RSA-PSS') {
    const bits = (key.algorithm as RsaHashedKeyAlgorithm).modulusLength;
    if (bits < MIN_RSA_MODULUS_BITS || bits > MAX_RSA_MODULUS_BITS) {
      throw new TesseraError('invalid_attestation', `The attestation certificate's RSA key is outside ${MIN_RSA_MODULUS_BITS}–${MAX_RSA_MODULUS_BITS} bits.`);
    }
  }
  return key;
}

function invalidSignature(problem: string, cause?: unknown): never {
  throw new TesseraError('invalid_attestation', `Malformed attestation signature: ${problem}.`, cause === undefined ? undefined : { cause });
}

/**
 * Verifies a signature with a certificate's public key (WebAuthn L3 §6.5.5 signature formats): ECDSA
 * signatures arrive as DER `Ecdsa-Sig-Value` and are converted for WebCrypto, Ed25519 signatures are 64 bytes,
 * RSA signatures as long as the modulus; RSA-PSS uses a salt as long as the hash (RFC 8230 §2).
 *
 * @param cert - a parsed certificate
 * @param alg - the COSE algorithm the signer claims (an attestation statement's `alg`)
 * @param signature - the signature as the authenticator produced it
 * @param data - the signed bytes
 * @returns whether the signature is valid
 * @throws {TesseraError} as {@link importCertificateKey}; `invalid_attestation` for a signature whose encoding
 *   is broken
 * @internal
 */
export async function verifyWithCertificate(
  cert: Certificate,
  alg: number,
  signature: Uint8Array,
  data: Uint8Array,
): Promise<boolean> {
  const plan = planFor(alg);
  const key = await importCertificateKey(cert, alg);
  let webSignature = signature;
  let params: AlgorithmIdentifier | EcdsaParams | RsaPssParams;
  switch (plan.kind) {
    case 'ECDSA':
      try {
        webSignature = ecdsaDerToP1363(signature, plan.size);
      } catch (error) {
        if (!isTesseraError(error)) throw error;
        invalidSignature('not a DER ECDSA signature', error);
      }
      params = { name: 'ECDSA', hash: plan.hash };
      break;
    case 'Ed25519':
      // RFC 8032 §5.1.6: an Ed25519 signature is exactly 64 bytes.
      if (signature.length !== 64) invalidSignature('an Ed25519 signature is 64 bytes');
      params = { name: 'Ed25519' };
      break;
    default:
      // RFC 8017 §8.1.2 step 1, §8.2.2 step 1: the signature is as long as the modulus.
      if (signature.length !== Math.ceil((key.algorithm as RsaHashedKeyAlgorithm).modulusLength / 8)) {
        invalidSignature('an RSA signature is as long as the modulus');
      }
      params = plan.kind === 'RSA-PSS' ? { name: 'RSA-PSS', saltLength: plan.saltLength } : { name: plan.kind };
  }
  try {
    return await subtle().verify(params, key, webSignature as Uint8Array<ArrayBuffer>, data as Uint8Array<ArrayBuffer>);
  } catch (error) {
    throw new TesseraError('invalid_attestation', 'WebCrypto could not verify the attestation signature.', { cause: error });
  }
}

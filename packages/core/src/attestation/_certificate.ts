import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  BasicConstraints,
  Certificate as X509Certificate,
  KeyUsage,
  Name as X509Name,
  id_ce_basicConstraints,
  id_ce_keyUsage,
} from '@peculiar/asn1-x509';
import { ECParameters } from '@peculiar/asn1-ecc';
import { checkEcPoint } from '../_ecPoint.ts';
import { ecdsaDerToP1363, type EcdsaComponentBytes } from '../_ecdsaSignature.ts';
import { equalBytes } from '../_bytes.ts';
import { COSE_ALGORITHMS, COSE_ALGORITHM_NAMES, MAX_RSA_MODULUS_BITS, MIN_RSA_MODULUS_BITS } from '../cose.ts';
import { TesseraError, isTesseraError } from '../errors.ts';
import { tbsCertificateBytes, withoutExplicitCAFalse, withoutExplicitCriticalFalse } from './_explicitDefaultFalse.ts';

/*
 * X.509 certificates (RFC 5280 §4.1) as attestation statements carry them in `x5c` (WebAuthn L3 §8.2, §8.6),
 * parsed with the @peculiar/asn1-x509 schemas, and their public keys imported into WebCrypto to check
 * attestation signatures (WebAuthn L3 §6.5.5). Chains are validated in certificateChain.ts.
 *
 * The ASN.1 reader underneath (asn1js) accepts BER, so every certificate must re-encode to exactly its input:
 * that refuses indefinite or non-minimal lengths, non-minimal integers, explicit DEFAULT values, trailing bytes
 * and anything the schema does not read (X.690 §10, RFC 5280 §4.1 "DER"). Two deviations are tolerated: the
 * "unused bits" octet of the outer signatureValue BIT STRING, which some early Yubico U2F attestation
 * certificates set wrongly; it is not covered by the signature, and the signature octets are read as they are.
 * And a BOOLEAN DEFAULT FALSE encoded anyway (an Extension's `critical`, basicConstraints' `cA`), which old
 * vendor certificates carry: see _explicitDefaultFalse.ts. `tbs` is always the TBSCertificate as received, so
 * a certificate's signature is checked over the bytes its issuer signed, never over a re-encoding.
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
  /** The exact AlgorithmIdentifier encoding of the signature algorithm, parameters included (RSA-PSS needs them). */
  readonly signatureAlgorithmDer: Uint8Array;
  /** The issuer's signature (§4.1.1.3). */
  readonly signature: Uint8Array;
  /** 1, 2 or 3 (§4.1.2.1). */
  readonly version: number;
  /** The serial number's two's-complement octets (§4.1.2.2). */
  readonly serialNumber: Uint8Array;
  /** Who signed the certificate (§4.1.2.4). */
  readonly issuer: Name;
  /** The exact DER of the issuer name, for name chaining (RFC 5280 §6.1.3 (a)(4)). */
  readonly issuerDer: Uint8Array;
  /** Whom the certificate names (§4.1.2.6); empty when only subjectAltName names it. */
  readonly subject: Name;
  /** The exact DER of the subject name. */
  readonly subjectDer: Uint8Array;
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
  /** The certificate as @peculiar/asn1-x509 parsed it, for reading extensions with their schemas. */
  readonly asn1: X509Certificate;
}

function malformed(problem: string, cause?: unknown): never {
  throw new TesseraError('invalid_attestation', `Malformed attestation certificate: ${problem}.`, cause === undefined ? undefined : { cause });
}

const bytesOf = (buffer: ArrayBuffer | ArrayBufferView): Uint8Array =>
  buffer instanceof ArrayBuffer ? new Uint8Array(buffer) : new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);

/**
 * Parses DER with an asn1-schema type and requires that it re-encodes to exactly the input (X.690 §10: DER is
 * the one encoding of a value), so BER, trailing bytes and unread elements are refused.
 *
 * @param der - the encoding
 * @param type - an @peculiar/asn1-schema class
 * @param what - what the bytes should be, for the error message
 * @returns the parsed value
 * @throws {TesseraError} `invalid_attestation` if it does not parse or is not DER
 * @internal
 */
export function parseDer<T>(der: Uint8Array, type: new () => T, what: string): T {
  let value: T;
  let encoded: Uint8Array;
  try {
    value = AsnConvert.parse(der, type);
    encoded = new Uint8Array(AsnConvert.serialize(value));
  } catch (error) {
    malformed(`${what} does not parse`, error);
  }
  if (!equalBytes(encoded, der)) malformed(`${what} is not DER`);
  return value;
}

/** Name (RFC 5280 §4.1.2.4): SEQUENCE OF RelativeDistinguishedName, each a non-empty SET OF type and value. */
function readName(name: X509Name): Name {
  const attributes: NameAttribute[] = [];
  for (const rdn of name) {
    if (rdn.length === 0) malformed('empty relative distinguished name');
    for (const { type, value } of rdn) {
      // Character strings only (X.520 DirectoryString, IA5String for emailAddress and domainComponent).
      if (value.anyValue !== undefined) malformed('a name attribute value is not a character string');
      attributes.push({ type, value: value.toString() });
    }
  }
  return attributes;
}

/** Where the outer signatureValue's unused-bits octet is: just before the signature, which ends the certificate. */
function signatureUnusedBitsAt(der: Uint8Array, signatureLength: number): number {
  return der.length - signatureLength - 1;
}

/**
 * Parses a DER X.509 certificate (RFC 5280 §4.1), strictly and without verifying anything: DER only (see the
 * note at the top of this file), version 1–3 with unique identifiers only from v2 and extensions only in v3,
 * the inner signature algorithm equal to the outer one (§4.1.1.2), names whose values are character strings,
 * and each extension at most once.
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
  let asn1: X509Certificate;
  let encoded: Uint8Array;
  try {
    asn1 = AsnConvert.parse(copy, X509Certificate);
    encoded = new Uint8Array(AsnConvert.serialize(asn1));
  } catch (error) {
    malformed('not an X.509 certificate', error);
  }
  const signature = bytesOf(asn1.signatureValue);
  // The DER this certificate should have been: the input, less any explicit `critical FALSE` (X.690 §11.5).
  const expected = withoutExplicitCriticalFalse(copy);
  const unusedBitsAt = signatureUnusedBitsAt(expected, signature.length);
  if (encoded.length !== expected.length || unusedBitsAt < 0 || encoded[unusedBitsAt] !== 0) malformed('not DER');
  for (let at = 0; at < expected.length; at++) {
    if (encoded[at] !== expected[at] && at !== unusedBitsAt) malformed('not DER');
  }
  // What the issuer signed (§4.1.1.1): the received bytes, which differ from a re-encoding by any explicit FALSE.
  const tbs = tbsCertificateBytes(copy);
  if (tbs === undefined) malformed('not DER');

  const tbsFields = asn1.tbsCertificate;
  const version = tbsFields.version + 1;
  if (version < 1 || version > 3) malformed('unsupported version');
  if ((tbsFields.issuerUniqueID !== undefined || tbsFields.subjectUniqueID !== undefined) && version < 2) {
    malformed('unique identifier in a version 1 certificate');
  }
  if (tbsFields.extensions !== undefined && version !== 3) malformed('extensions in a certificate before version 3');
  const outerAlgorithm = new Uint8Array(AsnConvert.serialize(asn1.signatureAlgorithm));
  if (!equalBytes(new Uint8Array(AsnConvert.serialize(tbsFields.signature)), outerAlgorithm)) malformed('the two signature algorithms differ');

  const extensions = new Map<string, CertificateExtension>();
  if (tbsFields.extensions !== undefined) {
    if (tbsFields.extensions.length === 0) malformed('empty extensions');
    for (const extension of tbsFields.extensions) {
      if (extensions.has(extension.extnID)) malformed('an extension appears twice');
      extensions.set(extension.extnID, { critical: extension.critical, value: bytesOf(extension.extnValue.buffer) });
    }
  }
  // asn1-schema keeps an INTEGER's octets as sent, so re-encoding cannot see a non-minimal serial (X.690 §8.3.2).
  const serialNumber = bytesOf(tbsFields.serialNumber);
  if (!isMinimalInteger(serialNumber)) malformed('the serial number is not a minimal INTEGER');
  const spki = tbsFields.subjectPublicKeyInfo;
  const publicKeyAlgorithm = spki.algorithm.algorithm;
  const certificate: Certificate = {
    der: copy,
    tbs,
    signatureAlgorithm: asn1.signatureAlgorithm.algorithm,
    signatureAlgorithmDer: outerAlgorithm,
    signature,
    version,
    serialNumber,
    issuer: readName(tbsFields.issuer),
    issuerDer: new Uint8Array(AsnConvert.serialize(tbsFields.issuer)),
    subject: readName(tbsFields.subject),
    subjectDer: new Uint8Array(AsnConvert.serialize(tbsFields.subject)),
    notBefore: tbsFields.validity.notBefore.getTime().getTime(),
    notAfter: tbsFields.validity.notAfter.getTime().getTime(),
    subjectPublicKeyInfo: new Uint8Array(AsnConvert.serialize(spki)),
    publicKeyAlgorithm,
    extensions,
    asn1,
  };
  if (!Number.isFinite(certificate.notBefore) || !Number.isFinite(certificate.notAfter)) malformed('a validity time is not a date');
  const parameters = spki.algorithm.parameters;
  if (publicKeyAlgorithm === KEY_OIDS.ecPublicKey && parameters instanceof ArrayBuffer) {
    let curve: string | undefined;
    try {
      curve = AsnConvert.parse(parameters, ECParameters).namedCurve;
    } catch (error) {
      malformed('the EC key parameters do not parse', error);
    }
    if (curve !== undefined) return { ...certificate, publicKeyCurve: curve };
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
 * Reads an extension's value with its asn1-schema type, strictly (DER, see {@link parseDer}).
 *
 * @param cert - a parsed certificate
 * @param oid - the extension's OID
 * @param type - the @peculiar/asn1-schema class of its value
 * @returns the value, or `undefined` if the certificate lacks the extension
 * @throws {TesseraError} `invalid_attestation` if the value is malformed
 * @internal
 */
export function readExtension<T>(cert: Certificate, oid: string, type: new () => T): T | undefined {
  const extension = cert.extensions.get(oid);
  return extension === undefined ? undefined : parseDer(extension.value, type, `extension ${oid}`);
}

/**
 * The basicConstraints extension (RFC 5280 §4.2.1.9).
 *
 * @param cert - a parsed certificate
 * @returns `cA` and `pathLenConstraint`, or `undefined` if the extension is absent
 * @throws {TesseraError} `invalid_attestation` if the extension's value is malformed
 * @internal
 */
export function basicConstraints(cert: Certificate): { cA: boolean; pathLenConstraint?: number } | undefined {
  const extension = cert.extensions.get(id_ce_basicConstraints);
  if (extension === undefined) return undefined;
  // An explicit `cA FALSE` means the DEFAULT it spells out (see _explicitDefaultFalse.ts); the rest must be DER.
  const value = parseDer(withoutExplicitCAFalse(extension.value), BasicConstraints, `extension ${id_ce_basicConstraints}`);
  const { pathLenConstraint } = value;
  if (pathLenConstraint !== undefined && (!Number.isSafeInteger(pathLenConstraint) || pathLenConstraint < 0)) {
    malformed('basicConstraints pathLenConstraint is not a non-negative integer');
  }
  return pathLenConstraint === undefined ? { cA: value.cA } : { cA: value.cA, pathLenConstraint };
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
  return basicConstraints(cert)?.cA;
}

/**
 * The keyUsage extension (RFC 5280 §4.2.1.3) as bit flags (`KeyUsageFlags` of @peculiar/asn1-x509:
 * digitalSignature = 1, …, keyCertSign = 32, cRLSign = 64).
 *
 * @param cert - a parsed certificate
 * @returns the flags, or `undefined` if the extension is absent
 * @throws {TesseraError} `invalid_attestation` if the extension's value is malformed
 * @internal
 */
export function keyUsageFlags(cert: Certificate): number | undefined {
  return readExtension(cert, id_ce_keyUsage, KeyUsage)?.toNumber();
}

/**
 * The value of an extension whose content is an OCTET STRING (such as id-fido-gen-ce-aaguid, WebAuthn L3 §8.2.1).
 *
 * @param value - the extension's `extnValue` content
 * @returns the octets inside
 * @throws {TesseraError} `invalid_attestation` if it is not a DER OCTET STRING
 * @internal
 */
export function octetStringValue(value: Uint8Array): Uint8Array {
  return bytesOf(parseDer(value, OctetString, 'an OCTET STRING extension').buffer);
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
  return bytesOf(cert.asn1.tbsCertificate.subjectPublicKeyInfo.subjectPublicKey);
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

/** X.690 §8.3.2: an INTEGER's contents are not empty and their first nine bits are neither all 0 nor all 1. */
function isMinimalInteger(octets: Uint8Array): boolean {
  if (octets.length === 0) return false;
  if (octets.length === 1) return true;
  const [first, second] = [octets[0]!, octets[1]!];
  return !(first === 0x00 && second < 0x80) && !(first === 0xff && second >= 0x80);
}

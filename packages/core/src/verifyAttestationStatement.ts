import { concatBytes } from '@noble/hashes/utils.js';
import { DER_TAGS, derOctetString, readDer } from './_der.ts';
import {
  KEY_OIDS,
  NAME_ATTRIBUTES,
  basicConstraintsCA,
  nameValues,
  parseCertificateChain,
  verifyWithCertificate,
  type Certificate,
} from './_x509.ts';
import { equalBytes } from './_bytes.ts';
import { isRegisteredAttestationFormat, type RegisteredAttestationFormat } from './attestationFormats.ts';
import type { AttestedCredentialData, AuthenticatorData } from './authenticatorData.ts';
import { COSE_ALGORITHMS, parseCoseKey } from './cose.ts';
import { TesseraError, isTesseraError } from './errors.ts';
import { PublicKeyCache } from './publicKeyCache.ts';
import { verifySignature } from './verifySignature.ts';

/*
 * Attestation statement verification (WebAuthn L3 §7.1 steps 19–21) for the formats `none` (§8.7), `packed`
 * (§8.2) and `fido-u2f` (§8.6). Whether the trust path is trustworthy (§7.1 steps 22–23) is left to the caller.
 */

/**
 * Attestation statement formats (WebAuthn L3 §8) that {@link verifyAttestationStatement} verifies; a subset of
 * `REGISTERED_ATTESTATION_FORMATS`.
 */
export const SUPPORTED_ATTESTATION_FORMATS: readonly ['none', 'packed', 'fido-u2f'] = ['none', 'packed', 'fido-u2f'];

/** One of {@link SUPPORTED_ATTESTATION_FORMATS}. */
export type SupportedAttestationFormat = (typeof SUPPORTED_ATTESTATION_FORMATS)[number];

/**
 * Whether {@link verifyAttestationStatement} verifies statements of `fmt` (a case-sensitive match, §7.1 step 20).
 *
 * @param fmt - anything, typically an attestation object's `fmt`
 * @returns whether it is one of {@link SUPPORTED_ATTESTATION_FORMATS}
 * @internal
 */
export function isSupportedAttestationFormat(fmt: unknown): fmt is SupportedAttestationFormat {
  return typeof fmt === 'string' && (SUPPORTED_ATTESTATION_FORMATS as readonly string[]).includes(fmt);
}

/** Input of {@link verifyAttestationStatement}: the parsed attestation object and the hash of the client data. */
export interface AttestationStatementInput {
  /** The attestation statement format identifier (§6.5.4, §8). */
  fmt: string;
  /** The attestation statement (§6.5.4); byte strings as `Uint8Array`. */
  attStmt: Map<string, unknown>;
  /** The authenticator data exactly as encoded, which the statement signs. */
  authData: Uint8Array;
  /** `authData` parsed (§6.1), with the attested credential data of the new credential (§6.5.1). */
  authenticatorData: AuthenticatorData & { attestedCredentialData: AttestedCredentialData };
  /** SHA-256 of clientDataJSON (§7.1 step 11), 32 bytes. */
  clientDataHash: Uint8Array;
  /** The time at which every `x5c` certificate must be valid, epoch milliseconds; default `Date.now()`. */
  now?: number | undefined;
  /**
   * Accept a `packed` self attestation by an RS1 credential (RSASSA-PKCS1-v1_5 with SHA-1, deprecated, §5.8.5),
   * for a relying party that accepts RS1 credentials; default `false`.
   */
  allowRS1?: boolean | undefined;
}

/**
 * The attestation types (§6.5.4) this verifier can tell apart: `Basic` stands for any statement with an `x5c`
 * chain, since telling Basic from AttCA needs metadata about the authenticator.
 */
export type AttestationType = 'None' | 'Self' | 'Basic';

/** What a verified attestation statement establishes (§7.1 step 21). */
export interface AttestationStatementResult {
  /** The statement's format, a registered identifier (§8). */
  fmt: RegisteredAttestationFormat;
  /** The attestation type. */
  type: AttestationType;
  /** The attestation trust path: the `x5c` certificates (DER, leaf first); empty for `None` and `Self`. */
  trustPath: Uint8Array[];
}

/** id-fido-gen-ce-aaguid (WebAuthn L3 §8.2.1): the AAGUID as an extension of the attestation certificate. */
const AAGUID_EXTENSION = '1.3.6.1.4.1.45724.1.1.4';
const OU_AUTHENTICATOR_ATTESTATION = 'Authenticator Attestation';

function invalid(problem: string, cause?: unknown): never {
  throw new TesseraError('invalid_attestation', `Invalid attestation statement: ${problem}.`, cause === undefined ? undefined : { cause });
}

/** §8.2 and §8.6 step 1: the statement must match the format's syntax, so no member is missing or unknown. */
function checkMembers(attStmt: Map<string, unknown>, required: readonly string[], optional: readonly string[] = []): void {
  for (const member of required) if (!attStmt.has(member)) invalid(`"${member}" is missing`);
  for (const member of attStmt.keys()) {
    if (!required.includes(member) && !optional.includes(member)) invalid(`unexpected member "${member}"`);
  }
}

function bytesMember(attStmt: Map<string, unknown>, member: string): Uint8Array {
  const value = attStmt.get(member);
  if (!(value instanceof Uint8Array)) invalid(`"${member}" is not a byte string`);
  return value;
}

/** Every certificate must be within its validity period at `now` (RFC 5280 §4.1.2.5, §6.1.3 (a)(2)). */
function checkValidity(certificates: readonly Certificate[], now: number): void {
  certificates.forEach((certificate, index) => {
    if (now < certificate.notBefore || now > certificate.notAfter) invalid(`x5c certificate ${index} is not valid at this time`);
  });
}

function trustPathOf(certificates: readonly Certificate[]): Uint8Array[] {
  return certificates.map((certificate) => new Uint8Array(certificate.der));
}

/**
 * §8.2.1: version 3; subject C (two letters), O, OU "Authenticator Attestation" and CN, each exactly once; not a
 * CA; an id-fido-gen-ce-aaguid extension, if present, not critical and equal to the AAGUID (§8.2 step 2).
 *
 * The spec asks that basicConstraints "have the CA component set to false". An absent extension is accepted:
 * RFC 5280 §4.2.1.9 gives it the same meaning (the key must not verify certificate signatures).
 */
function checkPackedLeaf(leaf: Certificate, aaguid: Uint8Array): void {
  if (leaf.version !== 3) invalid('the attestation certificate is not version 3');
  const one = (type: string, label: string): string => {
    const values = nameValues(leaf.subject, type);
    if (values.length !== 1 || values[0] === '') invalid(`the attestation certificate subject needs exactly one ${label}`);
    return values[0]!;
  };
  if (!/^[A-Za-z]{2}$/.test(one(NAME_ATTRIBUTES.C, 'C'))) invalid('the attestation certificate subject C is not a country code');
  one(NAME_ATTRIBUTES.O, 'O');
  if (one(NAME_ATTRIBUTES.OU, 'OU') !== OU_AUTHENTICATOR_ATTESTATION) {
    invalid(`the attestation certificate subject OU is not "${OU_AUTHENTICATOR_ATTESTATION}"`);
  }
  one(NAME_ATTRIBUTES.CN, 'CN');
  if (basicConstraintsCA(leaf) === true) invalid('the attestation certificate is a CA certificate');
  const extension = leaf.extensions.get(AAGUID_EXTENSION);
  if (extension !== undefined) {
    if (extension.critical) invalid('the AAGUID extension is marked critical');
    const inner = readDer(extension.value);
    if (inner.tag !== DER_TAGS.OCTET_STRING || derOctetString(inner).length !== 16) invalid('the AAGUID extension is malformed');
    if (!equalBytes(inner.content, aaguid)) invalid('the AAGUID extension does not match the authenticator data');
  }
}

/** `none` (§8.7): the statement is an empty map. */
function verifyNone(input: AttestationStatementInput): AttestationStatementResult {
  if (input.attStmt.size !== 0) invalid('a "none" statement must be empty');
  return { fmt: 'none', type: 'None', trustPath: [] };
}

/** `packed` (§8.2 verification procedure). */
async function verifyPacked(input: AttestationStatementInput, now: number): Promise<AttestationStatementResult> {
  const { attStmt, authenticatorData } = input;
  checkMembers(attStmt, ['alg', 'sig'], ['x5c']);
  const alg = attStmt.get('alg');
  if (typeof alg !== 'number' || !Number.isSafeInteger(alg)) invalid('"alg" is not an integer');
  const sig = bytesMember(attStmt, 'sig');
  const signed = concatBytes(input.authData, input.clientDataHash);
  const { credentialPublicKey, aaguid } = authenticatorData.attestedCredentialData;

  if (!attStmt.has('x5c')) {
    // Self attestation: alg is the credential key's algorithm and the credential key signs.
    if (parseCoseKey(credentialPublicKey).alg !== alg) invalid('"alg" differs from the credential public key algorithm');
    let valid: boolean;
    try {
      // A cache of size 0: keys of unverified registrations never displace stored credentials' keys.
      valid = await verifySignature({
        publicKey: credentialPublicKey,
        signature: sig,
        data: signed,
        keyCache: new PublicKeyCache({ maxEntries: 0 }),
        allowRS1: input.allowRS1,
      });
    } catch (error) {
      if (isTesseraError(error, 'malformed_response')) invalid('the signature is malformed', error);
      throw error;
    }
    if (!valid) invalid('the self attestation signature does not verify');
    return { fmt: 'packed', type: 'Self', trustPath: [] };
  }

  const certificates = parseCertificateChain(attStmt.get('x5c'));
  const leaf = certificates[0]!;
  checkPackedLeaf(leaf, aaguid);
  checkValidity(certificates, now);
  if (!(await verifyWithCertificate(leaf, alg, sig, signed))) invalid('the signature does not verify with the attestation certificate');
  return { fmt: 'packed', type: 'Basic', trustPath: trustPathOf(certificates) };
}

/**
 * `fido-u2f` (§8.6 verification procedure). The AAGUID must be zero: U2F authenticators have none, CTAP 2.x
 * ("Interoperating with CTAP1/U2F authenticators") has the client fill it with zeros, and the U2F signature does not cover it, so any other value would be
 * an unattested claim.
 */
async function verifyFidoU2f(input: AttestationStatementInput, now: number): Promise<AttestationStatementResult> {
  const { attStmt, authenticatorData } = input;
  checkMembers(attStmt, ['sig', 'x5c']);
  const sig = bytesMember(attStmt, 'sig');
  const certificates = parseCertificateChain(attStmt.get('x5c'));
  if (certificates.length !== 1) invalid('a "fido-u2f" x5c must hold exactly one certificate');
  const certificate = certificates[0]!;
  if (certificate.publicKeyAlgorithm !== KEY_OIDS.ecPublicKey || certificate.publicKeyCurve !== KEY_OIDS['P-256']) {
    invalid('the attestation certificate key is not an EC P-256 key');
  }
  const { aaguid, credentialId, credentialPublicKey } = authenticatorData.attestedCredentialData;
  if (aaguid.some((byte) => byte !== 0)) invalid('a "fido-u2f" AAGUID must be zero');
  const key = parseCoseKey(credentialPublicKey);
  if (key.kty !== 'EC2' || key.alg !== COSE_ALGORITHMS.ES256) invalid('a "fido-u2f" credential key must be ES256 on P-256');
  checkValidity(certificates, now);
  const publicKeyU2F = concatBytes(Uint8Array.of(0x04), key.x, key.y);
  const signed = concatBytes(Uint8Array.of(0x00), authenticatorData.rpIdHash, input.clientDataHash, credentialId, publicKeyU2F);
  if (!(await verifyWithCertificate(certificate, COSE_ALGORITHMS.ES256, sig, signed))) {
    invalid('the signature does not verify with the attestation certificate');
  }
  return { fmt: 'fido-u2f', type: 'Basic', trustPath: trustPathOf(certificates) };
}

/**
 * Verifies an attestation statement (WebAuthn L3 §7.1 steps 19–21) in one of
 * {@link SUPPORTED_ATTESTATION_FORMATS}, and reports its attestation type and trust path:
 *
 * - `none` (§8.7): `attStmt` is empty; type `None`.
 * - `packed` (§8.2): `{ alg, sig, x5c? }`. Without `x5c`, self attestation: `alg` equals the credential key's
 *   algorithm and `sig` verifies over `authData || clientDataHash` with the credential key; type `Self`. With
 *   `x5c`, `sig` verifies with the leaf certificate's key using `alg`, the leaf meets §8.2.1 (an absent
 *   basicConstraints counts as not a CA, RFC 5280 §4.2.1.9) and its AAGUID extension, if any, matches; type `Basic`.
 * - `fido-u2f` (§8.6): `{ sig, x5c: [one cert] }`, with a P-256 certificate key, an ES256 credential key and a zero
 *   AAGUID; `sig` verifies (ECDSA with SHA-256) over `0x00 || rpIdHash || clientDataHash || credentialId ||
 *   0x04 || x || y`; type `Basic`.
 *
 * Every `x5c` certificate must be within its validity period at `now` (at most five certificates, 16 KiB each).
 * Whether the trust path leads to a trusted root (§7.1 steps 22–23) is the caller's decision.
 *
 * @param input - the parsed attestation object and `clientDataHash`; see {@link AttestationStatementInput}
 * @returns the format, attestation type and trust path
 * @throws {TesseraError} `unsupported_attestation_format` for any other `fmt`, registered (`tpm`, …) or not;
 *   `invalid_attestation` if the
 *   statement is malformed or does not verify; `unsupported_algorithm` for an `alg` not supported;
 *   `malformed_public_key` for a malformed credential key; `invalid_argument` for a `clientDataHash` that is not
 *   32 bytes or a `now` that is not a finite number
 * @example
 * ```ts
 * const { fmt, attStmt, authData, authenticatorData } = parseAttestationObject(attestationObjectBytes);
 * const result = await verifyAttestationStatement({ fmt, attStmt, authData, authenticatorData, clientDataHash });
 * if (result.type === 'Basic') await checkTrust(result.trustPath); // leaf first
 * ```
 */
export async function verifyAttestationStatement(input: AttestationStatementInput): Promise<AttestationStatementResult> {
  if (!(input.clientDataHash instanceof Uint8Array) || input.clientDataHash.length !== 32) {
    throw new TesseraError('invalid_argument', 'clientDataHash must be the 32-byte SHA-256 of clientDataJSON.');
  }
  const now = input.now ?? Date.now();
  if (!Number.isFinite(now)) throw new TesseraError('invalid_argument', 'now must be a finite number of epoch milliseconds.');
  switch (input.fmt) {
    case 'none':
      return verifyNone(input);
    case 'packed':
      return verifyPacked(input, now);
    case 'fido-u2f':
      return verifyFidoU2f(input, now);
    default:
      // The format is not named in the message when unregistered: it is text the client chose.
      throw new TesseraError(
        'unsupported_attestation_format',
        isRegisteredAttestationFormat(input.fmt)
          ? `The attestation statement format "${input.fmt}" is registered (WebAuthn L3 §8) but not verified by this library.`
          : 'The attestation statement format is not a registered WebAuthn attestation statement format identifier (§8).',
      );
  }
}

import { isRegisteredAttestationFormat, type RegisteredAttestationFormat } from './formats.ts';
import type { AttestationStatement } from '../attestationObject.ts';
import type { AttestedCredentialData, AuthenticatorData } from '../authenticatorData.ts';
import { TesseraError } from '../errors.ts';
import { verifyAndroidKey } from './androidKey.ts';
import { verifyAndroidSafetynet } from './androidSafetynet.ts';
import { verifyApple } from './apple.ts';
import { verifyCompound } from './compound.ts';
import { verifyFidoU2f } from './fidoU2f.ts';
import { verifyNone } from './none.ts';
import { verifyPacked } from './packed.ts';
import { invalid } from './_statement.ts';
import { verifyTpm } from './tpm.ts';

/*
 * Attestation statement verification (WebAuthn L3 §7.1 steps 19–21) for the formats `none` (§8.7), `packed`
 * (§8.2), `fido-u2f` (§8.6), `tpm` (§8.3), `android-key` (§8.4), `android-safetynet` (§8.5), `apple` (§8.8) and
 * `compound` (§8.9): every registered format. Whether the trust path is trustworthy (§7.1 steps 22–23) is decided
 * by the registration verification (`assessTrust`).
 */

/**
 * Attestation statement formats (WebAuthn L3 §8) that {@link verifyAttestationStatement} verifies: today every
 * one of `REGISTERED_ATTESTATION_FORMATS`.
 */
export const SUPPORTED_ATTESTATION_FORMATS: readonly ['none', 'packed', 'fido-u2f', 'tpm', 'android-key', 'android-safetynet', 'apple', 'compound'] = [
  'none',
  'packed',
  'fido-u2f',
  'tpm',
  'android-key',
  'android-safetynet',
  'apple',
  'compound',
];

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

/**
 * Input of {@link verifyAttestationStatement}: the parsed attestation object and the hash of the client data.
 * `Statement` is what `attStmt` may be: {@link verifyAttestationStatement} takes any {@link AttestationStatement}
 * (a map, or an array for `compound`); each map format's own procedure gets the default, a map.
 */
export interface AttestationStatementInput<Statement extends AttestationStatement = Map<string, unknown>> {
  /** The attestation statement format identifier (§6.5.4, §8). */
  fmt: string;
  /** The attestation statement (§6.5.4); byte strings as `Uint8Array`. */
  attStmt: Statement;
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
   * for a relying party that accepts RS1 credentials; default `false`. A `tpm` statement's own RS1 signature,
   * made by the TPM's attestation key, does not depend on it (see the README's attestation section).
   */
  allowRS1?: boolean | undefined;
  /**
   * `android-key` (§8.4 step 5): also accept a key whose origin and purpose only the Android OS vouches for
   * (`softwareEnforced`), not the secure hardware (`teeEnforced`); default `false`, hardware-backed keys only.
   */
  androidKeyAllowSoftwareEnforced?: boolean | undefined;
  /**
   * `android-safetynet` (§8.5): require `ctsProfileMatch` (a device that passed Android compatibility testing);
   * default `true`. With `false`, `basicIntegrity` is required instead.
   */
  safetyNetCtsProfileMatchRequired?: boolean | undefined;
  /** `android-safetynet`: the oldest `timestampMs` accepted, in milliseconds before `now`; default 60 000. */
  safetyNetMaxAgeMs?: number | undefined;
}

/**
 * The attestation types (§6.5.4) this verifier reports: `Basic` stands for a `packed` or `fido-u2f` statement with
 * an `x5c` chain, since telling Basic from AttCA there needs metadata about the authenticator; `AttCA` is what a
 * `tpm` statement is (§8.3); `AnonCA` what an `apple` one is (§8.8).
 */
export type AttestationType = 'None' | 'Self' | 'Basic' | 'AttCA' | 'AnonCA';

/** What a verified attestation statement establishes (§7.1 step 21). */
export interface AttestationStatementResult {
  /** The statement's format, a registered identifier (§8). */
  fmt: RegisteredAttestationFormat;
  /** The attestation type. */
  type: AttestationType;
  /** The attestation trust path: the `x5c` certificates (DER, leaf first); empty for `None` and `Self`. */
  trustPath: Uint8Array[];
  /**
   * For `compound` (§8.9) only: every sub-statement's result, in order. The compound result itself has type
   * `None` and an empty trust path — it has no single one — so a trust decision must look here.
   */
  statements?: AttestationStatementResult[];
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
 * - `tpm` (§8.3): `{ ver: "2.0", alg, x5c, sig, certInfo, pubArea }`; `pubArea` (TPMT_PUBLIC) is the credential
 *   key; `certInfo` (TPMS_ATTEST) is TPM-generated, of type certify, with `extraData` the `alg` hash of
 *   `authData || clientDataHash` and the Name of `pubArea`; `sig` verifies over `certInfo` with the AIK
 *   certificate, which meets §8.3.1 (empty subject, TPM vendor in a critical SAN, tcg-kp-AIKCertificate); RS1
 *   accepted here; type `AttCA`.
 * - `android-key` (§8.4): `{ alg, sig, x5c }`; `sig` verifies over `authData || clientDataHash` with the leaf's
 *   key, which is the credential key; the leaf's KeyDescription has `attestationChallenge` = `clientDataHash`, no
 *   `allApplications`, origin GENERATED and purpose SIGN in `teeEnforced` (or either list with
 *   `androidKeyAllowSoftwareEnforced`); type `Basic`.
 * - `android-safetynet` (§8.5, deprecated by Google): `{ ver, response }`, `response` a compact JWS (RS256 or
 *   ES256, at most 64 KiB) signed by the leaf of its header `x5c`, issued to attest.android.com; its payload's
 *   `nonce` is base64(SHA-256(authData || clientDataHash)), `timestampMs` at most `safetyNetMaxAgeMs` old (and
 *   at most 10 s ahead), `ctsProfileMatch` true (or `basicIntegrity` true without
 *   `safetyNetCtsProfileMatchRequired`); type `Basic`, trust path the header `x5c`.
 * - `apple` (§8.8): `{ x5c }` (an integer `alg` tolerated); the leaf's extension 1.2.840.113635.100.8.2 holds
 *   SHA-256(authData || clientDataHash) and its key is the credential key; type `AnonCA`.
 * - `compound` (§8.9): an array of two to eight `{ fmt, attStmt }` maps, none `compound`; every one must verify by
 *   its own format's procedure; type `None`, empty trust path, and the sub-results in `statements`.
 *
 * Every `x5c` certificate must be within its validity period at `now` (at most five certificates, 16 KiB each).
 * Whether the trust path leads to a trusted root (§7.1 steps 22–23) is the caller's decision.
 *
 * @param input - the parsed attestation object and `clientDataHash`; see {@link AttestationStatementInput}
 * @returns the format, attestation type and trust path
 * @throws {TesseraError} `unsupported_attestation_format` for any other `fmt`, an unregistered one (also inside a
 *   `compound` statement);
 *   `invalid_attestation` if the
 *   statement is malformed or does not verify; `unsupported_algorithm` for an `alg` not supported;
 *   `malformed_public_key` for a malformed credential key; `invalid_argument` for a `clientDataHash` that is not
 *   32 bytes, a `now` that is not a finite number or a negative `safetyNetMaxAgeMs`
 * @example
 * ```ts
 * const { fmt, attStmt, authData, authenticatorData } = parseAttestationObject(attestationObjectBytes);
 * const result = await verifyAttestationStatement({ fmt, attStmt, authData, authenticatorData, clientDataHash });
 * if (result.type === 'Basic') await checkTrust(result.trustPath); // leaf first
 * ```
 */
export async function verifyAttestationStatement(input: AttestationStatementInput<AttestationStatement>): Promise<AttestationStatementResult> {
  if (!(input.clientDataHash instanceof Uint8Array) || input.clientDataHash.length !== 32) {
    throw new TesseraError('invalid_argument', 'clientDataHash must be the 32-byte SHA-256 of clientDataJSON.');
  }
  const now = input.now ?? Date.now();
  if (!Number.isFinite(now)) throw new TesseraError('invalid_argument', 'now must be a finite number of epoch milliseconds.');
  const maxAge = input.safetyNetMaxAgeMs;
  if (maxAge !== undefined && !(Number.isFinite(maxAge) && maxAge >= 0)) {
    throw new TesseraError('invalid_argument', 'safetyNetMaxAgeMs must be a non-negative number of milliseconds.');
  }
  return verifyFormat(input, now);
}

/** §7.1 step 21: the verification procedure of `input.fmt`; `compound` comes back here for each sub-statement. */
async function verifyFormat(input: AttestationStatementInput<AttestationStatement>, now: number): Promise<AttestationStatementResult> {
  if (input.fmt === 'compound') return verifyCompound(input, (statement) => verifyFormat(statement, now));
  if (isSupportedAttestationFormat(input.fmt) && !(input.attStmt instanceof Map)) invalid('the statement is not a map');
  const mapInput = input as AttestationStatementInput;
  switch (input.fmt) {
    case 'none':
      return verifyNone(mapInput);
    case 'packed':
      return verifyPacked(mapInput, now);
    case 'fido-u2f':
      return verifyFidoU2f(mapInput, now);
    case 'tpm':
      return verifyTpm(mapInput, now);
    case 'android-key':
      return verifyAndroidKey(mapInput, now);
    case 'android-safetynet':
      return verifyAndroidSafetynet(mapInput, now);
    case 'apple':
      return verifyApple(mapInput, now);
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

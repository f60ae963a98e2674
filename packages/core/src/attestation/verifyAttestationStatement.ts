import { isRegisteredAttestationFormat, type RegisteredAttestationFormat } from './formats.ts';
import type { AttestedCredentialData, AuthenticatorData } from '../authenticatorData.ts';
import { TesseraError } from '../errors.ts';
import { verifyAndroidKey } from './androidKey.ts';
import { verifyAndroidSafetynet } from './androidSafetynet.ts';
import { verifyApple } from './apple.ts';
import { verifyFidoU2f } from './fidoU2f.ts';
import { verifyNone } from './none.ts';
import { verifyPacked } from './packed.ts';

/*
 * Attestation statement verification (WebAuthn L3 §7.1 steps 19–21) for the formats `none` (§8.7), `packed`
 * (§8.2), `fido-u2f` (§8.6), `android-key` (§8.4), `android-safetynet` (§8.5) and `apple` (§8.8). Whether the trust path is trustworthy (§7.1 steps 22–23) is left to the caller.
 */

/**
 * Attestation statement formats (WebAuthn L3 §8) that {@link verifyAttestationStatement} verifies; a subset of
 * `REGISTERED_ATTESTATION_FORMATS`.
 */
export const SUPPORTED_ATTESTATION_FORMATS: readonly ['none', 'packed', 'fido-u2f', 'android-key', 'android-safetynet', 'apple'] = [
  'none',
  'packed',
  'fido-u2f',
  'android-key',
  'android-safetynet',
  'apple',
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
 * The attestation types (§6.5.4): `Basic` stands for a statement with an `x5c` chain whose format does not say
 * more (telling Basic from AttCA needs metadata about the authenticator); `AttCA` for formats whose certificate an
 * Attestation CA issues (`tpm`); `AnonCA` for Anonymization CA formats (`apple`).
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
 *   32 bytes, a `now` that is not a finite number or a negative `safetyNetMaxAgeMs`
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
  const maxAge = input.safetyNetMaxAgeMs;
  if (maxAge !== undefined && !(Number.isFinite(maxAge) && maxAge >= 0)) {
    throw new TesseraError('invalid_argument', 'safetyNetMaxAgeMs must be a non-negative number of milliseconds.');
  }
  switch (input.fmt) {
    case 'none':
      return verifyNone(input);
    case 'packed':
      return verifyPacked(input, now);
    case 'fido-u2f':
      return verifyFidoU2f(input, now);
    case 'android-key':
      return verifyAndroidKey(input, now);
    case 'android-safetynet':
      return verifyAndroidSafetynet(input, now);
    case 'apple':
      return verifyApple(input, now);
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

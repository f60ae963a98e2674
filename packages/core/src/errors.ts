/**
 * Every error code `@tessera/core` can raise, in one place. Branch on `error.code`, never on
 * `error.message`: messages are for people and may change, codes are API.
 *
 * Adapters map each code to their envelope through a `Record<TesseraErrorCode, …>`, so a code added here
 * fails their build until it is mapped.
 */
export const TESSERA_ERROR_CODES = [
  /** Text that should be canonical unpadded base64url (RFC 4648 §5) is not. */
  'invalid_base64url',
  /** A function argument is outside its documented range (a challenge size, a TTL, a store option). */
  'invalid_argument',
  /** Input to an options builder fails its schema (WebAuthn L3 §5.5 and the descriptors, hints and extensions in it). */
  'invalid_options',
  /** A transport outside WebAuthn L3 §5.8.4 was given while `transportPolicy` is `'strict'`. */
  'unknown_transport',
  /** The relying-party configuration given to `createRelyingParty` fails its schema. */
  'invalid_config',
  /** A challenge store was asked to save a record under a key that already holds a live record. */
  'challenge_store_conflict',
  /** A store (Redis, a database) did not answer, or answered too late; the ceremony can be retried once it is back. */
  'store_unavailable',
  /** A store returned a record that is not one this library wrote (corrupted or foreign data); it is not used. */
  'corrupt_store_record',

  // Verifying what the browser sent back (WebAuthn L3 §7.1 registration, §7.2 authentication)
  /** The browser's response is not well-formed: JSON shape, base64url, clientDataJSON, authenticator data, CBOR (§5.2, §6.1, §6.5). */
  'malformed_response',
  /** A COSE_Key (stored with the credential, or inside attested credential data) is malformed (§6.5.1.1, RFC 9052 §7). */
  'malformed_public_key',
  /** The ticket names no live ceremony of the expected kind: unknown, expired, already used, or for another ceremony. */
  'ticket_not_found',
  /** No credential record exists for the credential the browser used, for example because it was deleted (§7.2 step 6). */
  'unknown_credential',
  /** `id` and `rawId` disagree, or the assertion is not from the credential it was checked against (§7.2 steps 5–7). */
  'credential_mismatch',
  /** The credential is not one of the ceremony's `allowCredentials` (§7.2 step 5). */
  'credential_not_allowed',
  /** `response.userHandle` does not name the ceremony's user or the credential's owner (§7.2 step 6). */
  'user_handle_mismatch',
  /** `clientDataJSON.type` is not the expected ceremony, or the credential type is not `public-key` (§7.1 step 7, §7.2 step 10). */
  'unexpected_type',
  /** `clientDataJSON.challenge` is not the challenge of the ceremony (§7.1 step 8, §7.2 step 11). */
  'challenge_mismatch',
  /** `clientDataJSON.origin` is not an expected origin (§7.1 step 9, §7.2 step 12). */
  'origin_mismatch',
  /** The ceremony ran in a cross-origin iframe (`crossOrigin`, `topOrigin`) that the relying party does not allow (§7.1 step 10, §7.2 step 13). */
  'cross_origin_not_allowed',
  /** `rpIdHash` in the authenticator data is not the SHA-256 of an expected RP ID (§7.1 step 13, §7.2 step 14). */
  'rp_id_mismatch',
  /** The UP flag is not set (§7.1 step 14, §7.2 step 15). */
  'user_not_present',
  /** User verification was required and the UV flag is not set (§7.1 step 15, §7.2 step 16). */
  'user_not_verified',
  /** The BS flag is set while BE is not, which §6.3.3 forbids (§7.1 step 16, §7.2 step 17). */
  'invalid_backup_flags',
  /** The credential's backup eligibility differs from the stored value and the policy rejects that (§7.2 step 18). */
  'backup_eligibility_changed',
  /** The credential's algorithm is not supported here, or not allowed by policy (RS1 unless enabled) (§5.8.5). */
  'unsupported_algorithm',
  /** The signature does not verify (§7.2 step 21, §6.5.5). */
  'invalid_signature',
  /** The signature counter did not increase, suggesting a cloned authenticator (§6.1.1, §7.2 step 22). */
  'sign_count_regression',
  /** The attestation statement format is not a registered identifier (§7.1 step 20, §8), also inside `compound`. */
  'unsupported_attestation_format',
  /** The attestation statement does not verify (§7.1 step 21, §8). */
  'invalid_attestation',
  /** The attestation verified but its trust path was rejected by the relying party's trust hook (§7.1 step 23). */
  'untrusted_attestation',
  /** The credential id is already registered (§7.1 step 25). */
  'credential_already_registered',

  // Certificate chains and the FIDO Metadata Service (RFC 5280 §6, FIDO MDS3)
  /** A certificate chain does not lead to a given trust anchor: a bad signature, a certificate outside its validity, a CA constraint or key usage broken (RFC 5280 §6.1). */
  'invalid_certificate_chain',
  /** A certificate of a chain is listed as revoked by its issuer's CRL (RFC 5280 §5, §6.3). */
  'certificate_revoked',
  /** The authenticator's latest FIDO metadata status is one the relying party refuses (REVOKED, a compromise, a user verification bypass). */
  'authenticator_revoked',
  /** The authenticator (its AAGUID or attestation key) is refused by the relying party's allow or deny list, or has no metadata where metadata is required. */
  'authenticator_not_allowed',
  /** A metadata BLOB is malformed, or its signature or certificate chain does not verify (FIDO MDS3 §3.2). */
  'invalid_metadata',
  /** A metadata BLOB's serial number is not greater than the one already loaded: a replayed or rolled-back BLOB (FIDO MDS3 §3.1.6). */
  'metadata_replayed',
  /** The metadata BLOB could not be loaded (a fetch or file read failed); retrying later may succeed. */
  'metadata_unavailable',
] as const;

/** One of {@link TESSERA_ERROR_CODES}. */
export type TesseraErrorCode = (typeof TESSERA_ERROR_CODES)[number];

/** Options for {@link TesseraError}, beyond its code and message. */
export interface TesseraErrorOptions {
  /** The underlying error or value, for logs (for example a `ZodError`); never sent to clients by adapters. */
  cause?: unknown;
}

/**
 * The single error class of Tessera. Every failure the library detects is thrown (or rejected) as a
 * `TesseraError` with a stable {@link TesseraErrorCode}; anything else that escapes is a bug.
 *
 * Messages never contain secret bytes: no challenge, key, signature or ticket value is ever interpolated.
 *
 * @example
 * ```ts
 * try {
 *   buildAuthenticationOptions({ rpId: 'Example.com' });
 * } catch (error) {
 *   if (isTesseraError(error) && error.code === 'invalid_options') console.warn(error.message);
 * }
 * ```
 */
export class TesseraError extends Error {
  /** Stable, machine-readable reason. */
  readonly code: TesseraErrorCode;

  /**
   * @param code - the stable reason, one of {@link TESSERA_ERROR_CODES}
   * @param message - a human sentence without secret bytes
   * @param options - `cause` for logs
   */
  constructor(code: TesseraErrorCode, message: string, options?: TesseraErrorOptions) {
    super(message, options);
    this.name = 'TesseraError';
    this.code = code;
  }
}

/**
 * Narrows an unknown caught value to a {@link TesseraError}, optionally of one code.
 *
 * Works across duplicated copies of the package (it checks the shape, not the prototype).
 *
 * @param value - anything caught
 * @param code - if given, also require this code
 * @returns whether `value` is a `TesseraError` (with that code)
 */
export function isTesseraError(value: unknown, code?: TesseraErrorCode): value is TesseraError {
  if (!(value instanceof Error) || value.name !== 'TesseraError') return false;
  const actual = (value as { code?: unknown }).code;
  if (typeof actual !== 'string' || !(TESSERA_ERROR_CODES as readonly string[]).includes(actual)) return false;
  return code === undefined || actual === code;
}

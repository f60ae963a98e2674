import type { TesseraErrorCode } from '@tessera/core';

/**
 * How the router answers a {@link TesseraError} code. A client fault carries its HTTP status and a fixed
 * human sentence (never the error's message); a server fault (the relying party's configuration, the
 * application's data or stores) is answered with the route's own 500 envelope and goes to the logger.
 */
export type TesseraErrorResponse =
  | { readonly status: 400; readonly error: string }
  | { readonly status: 503; readonly error: string }
  | { readonly status: 500 };

/**
 * Every core error code mapped to the router's answer. It is a `Record` over `TesseraErrorCode`, so a code
 * added to the core fails this package's build until it is mapped here.
 *
 * Client faults are what the browser's answer or the request got wrong (WebAuthn L3 §7.1, §7.2); server
 * faults are codes that only the application's configuration or data can cause: `invalid_argument` (a
 * store's argument check, a user id too long for `userHandleFromId`), `invalid_options` and
 * `unknown_transport` (options built from the application's stored credentials), `invalid_config`,
 * `challenge_store_conflict` and `corrupt_store_record`. `store_unavailable` (a store that is down) is 503
 * with `Retry-After` and its code on every route (RFC 9110 §15.6.4): the same request can succeed later. It is
 * logged like a 500. One exception is made by `POST /mfa/passkey/auth-verify`: there the only
 * public key involved is the stored one, so `malformed_public_key` and `unsupported_algorithm` are server
 * faults on that route.
 */
export const TESSERA_ERROR_RESPONSES: Readonly<Record<TesseraErrorCode, TesseraErrorResponse>> = Object.freeze({
  invalid_base64url: { status: 400, error: 'The request contains malformed base64url data.' },
  invalid_argument: { status: 500 },
  invalid_options: { status: 500 },
  unknown_transport: { status: 500 },
  invalid_config: { status: 500 },
  challenge_store_conflict: { status: 500 },
  store_unavailable: { status: 503, error: 'The service is temporarily unavailable. Try again shortly.' },
  corrupt_store_record: { status: 500 },
  malformed_response: { status: 400, error: 'The passkey response is malformed.' },
  malformed_public_key: { status: 400, error: 'The passkey public key is malformed.' },
  ticket_not_found: { status: 400, error: 'The challenge is unknown, expired or already used. Request new options and try again.' },
  unknown_credential: { status: 400, error: 'This passkey is not registered.' },
  credential_mismatch: { status: 400, error: 'The passkey response does not match its credential.' },
  credential_not_allowed: { status: 400, error: 'This passkey is not allowed for this account.' },
  user_handle_mismatch: { status: 400, error: 'The passkey belongs to another account.' },
  unexpected_type: { status: 400, error: 'The passkey response is for another kind of ceremony.' },
  challenge_mismatch: { status: 400, error: 'The passkey response answers another challenge.' },
  origin_mismatch: { status: 400, error: 'The passkey response comes from an origin this site does not accept.' },
  cross_origin_not_allowed: { status: 400, error: 'The passkey ceremony ran in a cross-origin frame this site does not allow.' },
  rp_id_mismatch: { status: 400, error: 'The passkey is for another site.' },
  user_not_present: { status: 400, error: 'The authenticator did not confirm user presence.' },
  user_not_verified: { status: 400, error: 'User verification is required.' },
  invalid_backup_flags: { status: 400, error: 'The authenticator reported inconsistent backup flags.' },
  backup_eligibility_changed: { status: 400, error: 'The passkey backup eligibility changed since it was registered.' },
  unsupported_algorithm: { status: 400, error: 'The passkey algorithm is not supported.' },
  invalid_signature: { status: 400, error: 'The passkey signature is invalid.' },
  sign_count_regression: { status: 400, error: 'The passkey signature counter went backwards; the authenticator may have been cloned.' },
  unsupported_attestation_format: { status: 400, error: 'The authenticator attestation format is not supported.' },
  invalid_attestation: { status: 400, error: 'The authenticator attestation is invalid.' },
  untrusted_attestation: { status: 400, error: 'This authenticator is not trusted by this site.' },
  credential_already_registered: { status: 400, error: 'This passkey is already registered.' },
  invalid_certificate_chain: { status: 400, error: 'This authenticator is not trusted by this site.' },
  certificate_revoked: { status: 400, error: 'This authenticator is not trusted by this site.' },
  authenticator_revoked: { status: 400, error: 'This authenticator has been reported as compromised and is not accepted.' },
  authenticator_not_allowed: { status: 400, error: 'This authenticator is not accepted by this site.' },
  invalid_metadata: { status: 500 },
  metadata_replayed: { status: 500 },
  metadata_unavailable: { status: 503, error: 'The service is temporarily unavailable. Try again shortly.' },
});

/**
 * Codes of failures the router detects itself, before any ceremony runs. They share the `code` member of
 * the failure envelope with the core's codes and never collide with them.
 */
export const REQUEST_ERROR_CODES = [
  /** `authenticate(req)` resolved to `null`. */
  'authentication_required',
  /** The body is not JSON, or not valid UTF-8. */
  'invalid_json',
  /** A required member of the body is missing or has the wrong shape. */
  'invalid_request',
  /** The body exceeds `bodyLimitBytes`: declared so in `Content-Length`, or seen while it is read. */
  'payload_too_large',
  /** The body did not arrive in full within `bodyTimeoutMs` (RFC 9110 §15.5.9). */
  'request_timeout',
  /** A body that is not `application/json` (or `application/*+json`), in a charset other than UTF-8, or with a `Content-Encoding` other than `identity`. */
  'unsupported_media_type',
  /** The caller has no passkey with this id: unknown, malformed, or another user's (never told apart). */
  'credential_not_found',
  /** A passkey name that is empty or over 64 characters once trimmed, or has control characters. */
  'invalid_name',
] as const;

/** One of {@link REQUEST_ERROR_CODES}. */
export type RequestErrorCode = (typeof REQUEST_ERROR_CODES)[number];

/** The HTTP status and fixed sentence of each {@link RequestErrorCode}. */
export const REQUEST_ERROR_RESPONSES: Readonly<Record<RequestErrorCode, { readonly status: 400 | 401 | 404 | 408 | 413 | 415; readonly error: string }>> =
  Object.freeze({
    authentication_required: { status: 401, error: 'Authentication required' },
    invalid_json: { status: 400, error: 'The request body is not valid JSON.' },
    invalid_request: { status: 400, error: 'The request body is missing a required field or has an invalid one.' },
    payload_too_large: { status: 413, error: 'The request body is too large.' },
    request_timeout: { status: 408, error: 'The request body did not arrive in time.' },
    unsupported_media_type: { status: 415, error: 'The request body must be JSON (application/json, UTF-8).' },
    credential_not_found: { status: 404, error: 'No such passkey.' },
    invalid_name: { status: 400, error: 'The passkey name must be 1–64 characters, without control characters.' },
  });

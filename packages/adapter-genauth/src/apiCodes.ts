import type { TesseraErrorCode } from '@tessera/core';

/**
 * What a failure looks like on the wire, apart from its `requestId`: the HTTP status (repeated as
 * `statusCode` in the body), the segmented `apiCode` and a fixed human sentence.
 *
 * Numbering: `apiCode` is the HTTP status times 100 plus a two-digit reason, so `Math.floor(apiCode / 100)`
 * is always the status. Within 400 the tens group the kind of fault: 01–09 the HTTP request itself, 10–19
 * the ceremony (ticket, challenge, origin), 20–29 the credential response, 30–39 the authenticator's
 * flags, 40–49 attestation. Within 403, the request was well formed but the credential was refused. A store
 * that is down is 50301 (retry later, with `Retry-After`); every other server fault is 50001, whatever
 * caused it. Causes go to
 * the logger, never to the client.
 */
export interface ApiError {
  /** HTTP status, 4xx for client faults and 5xx for server faults; also the envelope's `statusCode`. */
  readonly statusCode: number;
  /** Stable machine code for the reason (GenAuth's "segmented error code"). */
  readonly apiCode: number;
  /** A fixed sentence per reason, never an error's own message. */
  readonly message: string;
}

const SERVER_FAULT: ApiError = { statusCode: 500, apiCode: 50001, message: 'Internal server error.' };

/** Freezes a table and each of its entries, so no caller can change what clients are told. */
function freezeTable<Key extends string>(table: Record<Key, ApiError>): Readonly<Record<Key, ApiError>> {
  for (const entry of Object.values<ApiError>(table)) Object.freeze(entry);
  return Object.freeze(table);
}

/**
 * The envelope of every `TesseraError` code. A `Record` over the core's codes, so a code added to
 * `TESSERA_ERROR_CODES` fails this package's build until it is mapped here (the tRPC
 * `JSONRPC2_TO_HTTP_CODE` pattern).
 *
 * Codes that only a misconfigured or broken server can raise (`invalid_config`, `invalid_options`,
 * `invalid_argument`, `unknown_transport`, `challenge_store_conflict`, `corrupt_store_record`) are server
 * faults: 500 / 50001. `store_unavailable` is 503 / 50301. Both are logged.
 */
export const TESSERA_ERROR_API_CODES: Readonly<Record<TesseraErrorCode, ApiError>> = freezeTable({
  // The ceremony (WebAuthn L3 §7.1 steps 7–13, §7.2 steps 10–14)
  ticket_not_found: { statusCode: 400, apiCode: 40010, message: 'The ticket is unknown, expired or already used.' },
  challenge_mismatch: { statusCode: 400, apiCode: 40011, message: 'The response answers another challenge.' },
  origin_mismatch: { statusCode: 400, apiCode: 40012, message: 'The response comes from an origin this site does not accept.' },
  cross_origin_not_allowed: { statusCode: 400, apiCode: 40013, message: 'The ceremony ran in a cross-origin frame this site does not allow.' },
  rp_id_mismatch: { statusCode: 400, apiCode: 40014, message: 'The credential is scoped to another relying party.' },
  unexpected_type: { statusCode: 400, apiCode: 40015, message: 'The response is for another kind of ceremony or credential.' },

  // The credential response (§5.1, §6.1, §6.5)
  malformed_response: { statusCode: 400, apiCode: 40020, message: 'The credential response is malformed.' },
  invalid_base64url: { statusCode: 400, apiCode: 40021, message: 'The credential response contains invalid base64url.' },
  malformed_public_key: { statusCode: 400, apiCode: 40022, message: 'The credential public key is malformed.' },
  credential_mismatch: { statusCode: 400, apiCode: 40023, message: 'The credential id does not match the response.' },
  unsupported_algorithm: { statusCode: 400, apiCode: 40024, message: 'The credential uses an algorithm this site does not support.' },
  unknown_credential: { statusCode: 400, apiCode: 40025, message: 'The credential is not registered.' },

  // The authenticator's flags (§6.1, §6.3.3)
  user_not_present: { statusCode: 400, apiCode: 40030, message: 'The authenticator did not confirm user presence.' },
  user_not_verified: { statusCode: 400, apiCode: 40031, message: 'The authenticator did not verify the user.' },
  invalid_backup_flags: { statusCode: 400, apiCode: 40032, message: 'The authenticator reported inconsistent backup flags.' },

  // Attestation (§8)
  unsupported_attestation_format: { statusCode: 400, apiCode: 40040, message: 'The attestation format is not supported.' },
  invalid_attestation: { statusCode: 400, apiCode: 40041, message: 'The attestation does not verify.' },

  // Well-formed, but refused (§7.1 step 23, §7.2 steps 5, 6, 18, 21, 22)
  credential_not_allowed: { statusCode: 403, apiCode: 40301, message: 'This credential cannot be used for this sign-in.' },
  user_handle_mismatch: { statusCode: 403, apiCode: 40302, message: 'The credential does not belong to the user signing in.' },
  invalid_signature: { statusCode: 403, apiCode: 40303, message: 'The signature does not verify.' },
  sign_count_regression: { statusCode: 403, apiCode: 40304, message: 'The signature counter did not increase; the authenticator may be cloned.' },
  backup_eligibility_changed: { statusCode: 403, apiCode: 40305, message: 'The credential changed its backup eligibility since it was registered.' },
  untrusted_attestation: { statusCode: 403, apiCode: 40306, message: 'This authenticator is not trusted by this site.' },
  invalid_certificate_chain: { statusCode: 403, apiCode: 40307, message: 'This authenticator is not trusted by this site.' },
  certificate_revoked: { statusCode: 403, apiCode: 40308, message: 'This authenticator is not trusted by this site.' },
  authenticator_revoked: { statusCode: 403, apiCode: 40309, message: 'This authenticator has been reported as compromised and is not accepted.' },
  authenticator_not_allowed: { statusCode: 403, apiCode: 40310, message: 'This authenticator is not accepted by this site.' },

  // A conflict with stored state (§7.1 step 25)
  credential_already_registered: { statusCode: 409, apiCode: 40901, message: 'This credential is already registered.' },

  // A store that is down: the same request can succeed later
  store_unavailable: { statusCode: 503, apiCode: 50301, message: 'The service is temporarily unavailable; try again shortly.' },
  metadata_unavailable: { statusCode: 503, apiCode: 50302, message: 'The service is temporarily unavailable; try again shortly.' },

  // Server faults
  corrupt_store_record: SERVER_FAULT,
  invalid_config: SERVER_FAULT,
  invalid_options: SERVER_FAULT,
  invalid_argument: SERVER_FAULT,
  unknown_transport: SERVER_FAULT,
  challenge_store_conflict: SERVER_FAULT,
  invalid_metadata: SERVER_FAULT,
  metadata_replayed: SERVER_FAULT,
} satisfies Record<TesseraErrorCode, ApiError>);

/** Failures the handler detects itself, before or around the core: see {@link REQUEST_ERROR_API_CODES}. */
export type RequestError =
  | 'invalid_json'
  | 'invalid_request'
  | 'body_length_mismatch'
  | 'unreadable_request'
  | 'unauthenticated'
  | 'not_found'
  | 'method_not_allowed'
  | 'request_timeout'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'credential_not_found'
  | 'invalid_name'
  | 'internal_error';

/**
 * The envelope of every failure that is not a `TesseraError`: the HTTP layer (RFC 9110 §15.5) and the
 * handler's own checks. Numbered as {@link ApiError} describes.
 */
export const REQUEST_ERROR_API_CODES: Readonly<Record<RequestError, ApiError>> = freezeTable({
  invalid_json: { statusCode: 400, apiCode: 40001, message: 'The request body is not valid JSON.' },
  invalid_request: { statusCode: 400, apiCode: 40002, message: 'The request body is missing a required field or has a field of the wrong type.' },
  body_length_mismatch: { statusCode: 400, apiCode: 40003, message: 'The request body does not match its Content-Length.' },
  unreadable_request: { statusCode: 400, apiCode: 40004, message: 'The request could not be read.' },
  unauthenticated: { statusCode: 401, apiCode: 40101, message: 'Sign in to use this endpoint.' },
  not_found: { statusCode: 404, apiCode: 40401, message: 'There is no such endpoint.' },
  method_not_allowed: { statusCode: 405, apiCode: 40501, message: 'This method is not allowed on this endpoint.' },
  request_timeout: { statusCode: 408, apiCode: 40801, message: 'The request body did not arrive in time.' },
  payload_too_large: { statusCode: 413, apiCode: 41301, message: 'The request body is too large.' },
  unsupported_media_type: { statusCode: 415, apiCode: 41501, message: 'The request body must be JSON, sent as Content-Type: application/json.' },
  // The caller has no passkey with this id: unknown, malformed, or another user's (never told apart).
  credential_not_found: { statusCode: 404, apiCode: 40402, message: 'No such passkey.' },
  // A passkey name that is empty or over 64 characters once trimmed, or has control characters.
  invalid_name: { statusCode: 400, apiCode: 40005, message: 'The passkey name must be 1–64 characters, without control characters.' },
  internal_error: SERVER_FAULT,
} satisfies Record<RequestError, ApiError>);

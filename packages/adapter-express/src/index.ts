/**
 * `@tessera/adapter-express`: the Tessera passkey endpoints as an Express 5 router, answering in the
 * Flashback envelope (`POST /mfa/passkey/*`).
 *
 * The public API is exactly what this file lists; anything else in `src/` is internal.
 *
 * @module
 */

export { passkeyRouter } from './passkeyRouter.ts';
export {
  DEFAULT_BODY_LIMIT_BYTES,
  DEFAULT_BODY_TIMEOUT_MS,
  DEFAULT_RETRY_AFTER_SECONDS,
  MAX_BODY_LIMIT_BYTES,
  MAX_BODY_TIMEOUT_MS,
  MAX_RETRY_AFTER_SECONDS,
  MIN_BODY_LIMIT_BYTES,
  MIN_BODY_TIMEOUT_MS,
  passkeyRouterOptionsSchema,
  passkeyUserSchema,
} from './passkeyRouterOptions.ts';
export type { Authenticate, OnAuthenticated, PasskeyRouterLogger, PasskeyRouterOptions, PasskeyUser, UserHandleOf } from './passkeyRouterOptions.ts';

// Routes
export { AUTH_OPTIONS_PATH } from './_authOptionsRoute.ts';
export { AUTH_VERIFY_PATH } from './_authVerifyRoute.ts';
export { REGISTRATION_OPTIONS_PATH } from './_registrationOptionsRoute.ts';
export { COMPLETE_REGISTRATION_PATHS } from './_completeRegistrationRoute.ts';
export { CREDENTIALS_PATH, CREDENTIAL_PATH } from './_credentialRoutes.ts';
export { WELL_KNOWN_WEBAUTHN_MAX_AGE_SECONDS, wellKnownWebauthnHandler } from './wellKnownWebauthn.ts';
export type { WellKnownWebauthnHandlerOptions } from './wellKnownWebauthn.ts';

// Challenges in the envelope
export { CHALLENGE_ENCODINGS, encodeChallenge, encodedChallengeSchema, normalizeChallenge } from './challengeEncoding.ts';
export type { ChallengeEncoding } from './challengeEncoding.ts';

// Errors
export { REQUEST_ERROR_CODES, REQUEST_ERROR_RESPONSES, TESSERA_ERROR_RESPONSES } from './errorResponses.ts';
export type { RequestErrorCode, TesseraErrorResponse } from './errorResponses.ts';

// Envelopes and request bodies
export {
  REGISTRATION_COMPLETED_MESSAGE,
  authOptionsDataSchema,
  authOptionsEnvelopeSchema,
  authVerifyDataSchema,
  authVerifyEnvelopeSchema,
  credentialDeletedDataSchema,
  credentialDeletedEnvelopeSchema,
  credentialListDataSchema,
  credentialListEnvelopeSchema,
  credentialRenamedDataSchema,
  credentialRenamedEnvelopeSchema,
  failureCodeSchema,
  failureEnvelopeSchema,
  registrationCompletedEnvelopeSchema,
  registrationOptionsDataSchema,
  registrationOptionsEnvelopeSchema,
} from './envelopes.ts';
export type {
  AuthOptionsData,
  AuthOptionsEnvelope,
  AuthVerifyData,
  AuthVerifyEnvelope,
  CredentialDeletedEnvelope,
  CredentialListEnvelope,
  CredentialRenamedEnvelope,
  FailureEnvelope,
  RegistrationCompletedEnvelope,
  RegistrationOptionsData,
  RegistrationOptionsEnvelope,
} from './envelopes.ts';
export { authVerifyBodySchema, completeRegistrationBodySchema, registrationOptionsBodySchema, renameCredentialBodySchema } from './requestBodies.ts';
export type { AuthVerifyBody, CompleteRegistrationBody, RegistrationOptionsBody, RenameCredentialBody } from './requestBodies.ts';

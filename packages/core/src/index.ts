/**
 * `@tessera/core`: a pure, framework-agnostic WebAuthn relying-party core.
 *
 * The public API is exactly what this file lists; anything else in `src/` is internal.
 *
 * @module
 */

// Errors
export { TESSERA_ERROR_CODES, TesseraError, isTesseraError } from './errors.ts';
export type { TesseraErrorCode, TesseraErrorOptions } from './errors.ts';

// Encoding and randomness
export { base64url, isBase64url } from './base64url.ts';
export {
  DEFAULT_CHALLENGE_BYTES,
  MAX_CHALLENGE_BYTES,
  MIN_CHALLENGE_BYTES,
  challengeSchema,
  generateChallenge,
} from './challenge.ts';
export type { GenerateChallengeOptions } from './challenge.ts';

// Building request options (WebAuthn L3 §5.5)
export {
  authenticationOptionsInputSchema,
  buildAuthenticationOptions,
  publicKeyCredentialRequestOptionsJSONSchema,
} from './authenticationOptions.ts';
export type { AuthenticationOptionsInput, PublicKeyCredentialRequestOptionsJSON } from './authenticationOptions.ts';

// The pieces options are made of
export { isValidRpId, rpIdSchema } from './rpId.ts';
export { isValidOrigin, originSchema } from './origin.ts';
export { DEFAULT_TIMEOUT_MS, MAX_TIMEOUT_MS, MIN_TIMEOUT_MS, timeoutSchema } from './timeout.ts';
export { USER_VERIFICATION_REQUIREMENTS, userVerificationRequirementSchema } from './userVerification.ts';
export type { UserVerificationRequirement } from './userVerification.ts';
export {
  AUTHENTICATOR_TRANSPORTS,
  TRANSPORT_POLICIES,
  authenticatorTransportSchema,
  normalizeTransports,
} from './transports.ts';
export type { AuthenticatorTransport, TransportPolicy } from './transports.ts';
export { PUBLIC_KEY_CREDENTIAL_HINTS, publicKeyCredentialHintSchema } from './hints.ts';
export type { PublicKeyCredentialHint } from './hints.ts';
export {
  MAX_CREDENTIAL_ID_BYTES,
  credentialDescriptorInputSchema,
  credentialIdSchema,
  publicKeyCredentialDescriptorJSONSchema,
  publicKeyCredentialTypeSchema,
} from './credentialDescriptor.ts';
export type { CredentialDescriptorInput, PublicKeyCredentialDescriptorJSON } from './credentialDescriptor.ts';
export { authenticationExtensionsInputSchema } from './extensions.ts';
export type { AuthenticationExtensionsClientInputsJSON } from './extensions.ts';
export { MAX_USER_HANDLE_BYTES, userHandleSchema } from './userHandle.ts';
export { TICKET_BYTES, ticketSchema } from './ticket.ts';

// One-time ceremony storage
export {
  MAX_CHALLENGE_STORE_KEY_LENGTH,
  assertChallengeStoreArguments,
  authenticationChallengeRecordSchema,
  challengeRecordSchema,
} from './challengeStore.ts';
export type { AuthenticationChallengeRecord, ChallengeRecord, ChallengeStore } from './challengeStore.ts';
export {
  DEFAULT_MEMORY_STORE_MAX_ENTRIES,
  DEFAULT_MEMORY_STORE_SWEEP_INTERVAL_MS,
  MemoryChallengeStore,
} from './memoryChallengeStore.ts';
export type { MemoryChallengeStoreOptions } from './memoryChallengeStore.ts';

// The relying party
export {
  CHALLENGE_TTL_GRACE_MS,
  createRelyingParty,
  relyingPartyConfigSchema,
  startAuthenticationInputSchema,
} from './relyingParty.ts';
export type {
  RelyingParty,
  RelyingPartyConfig,
  StartAuthenticationInput,
  StartedAuthentication,
} from './relyingParty.ts';

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
export { MAX_USER_HANDLE_BYTES, userHandleFromId, userHandleSchema } from './userHandle.ts';
export { TICKET_BYTES, ticketForChallenge, ticketSchema } from './ticket.ts';

// One-time ceremony storage
export {
  MAX_CHALLENGE_STORE_KEY_LENGTH,
  assertChallengeStoreArguments,
  authenticationChallengeRecordSchema,
  challengeRecordSchema,
  parseStoredChallengeRecord,
  registrationChallengeRecordSchema,
  serializeChallengeRecord,
} from './challengeStore.ts';
export type {
  AuthenticationChallengeRecord,
  ChallengeRecord,
  ChallengeStore,
  RegistrationChallengeRecord,
} from './challengeStore.ts';
export {
  DEFAULT_MEMORY_STORE_MAX_ENTRIES,
  DEFAULT_MEMORY_STORE_SWEEP_INTERVAL_MS,
  MemoryChallengeStore,
} from './memoryChallengeStore.ts';
export type { MemoryChallengeStoreOptions } from './memoryChallengeStore.ts';

// What the browser sends back (WebAuthn L3 §5.1, §5.8.1, §6.1, §6.5)
export {
  authenticationResponseJSONSchema,
  authenticatorAssertionResponseJSONSchema,
  authenticatorAttestationResponseJSONSchema,
  parseAuthenticationResponse,
  parseRegistrationResponse,
  registrationResponseJSONSchema,
} from './responseJSON.ts';
export type { AuthenticationResponseJSON, RegistrationResponseJSON } from './responseJSON.ts';
export { MAX_CLIENT_DATA_JSON_BYTES, collectedClientDataSchema, parseClientDataJSON } from './clientData.ts';
export type { CollectedClientData } from './clientData.ts';
export { MAX_AUTHENTICATOR_DATA_BYTES, parseAuthenticatorData } from './authenticatorData.ts';
export type { AttestedCredentialData, AuthenticatorData, AuthenticatorDataFlags } from './authenticatorData.ts';
export { MAX_ATTESTATION_OBJECT_BYTES, parseAttestationObject } from './attestationObject.ts';
export type { AttestationObject, AttestationStatement } from './attestationObject.ts';

// Keys and signatures (WebAuthn L3 §5.8.5, §6.5.1.1, §6.5.5)
export {
  COSE_ALGORITHMS,
  COSE_ALGORITHM_NAMES,
  COSE_CURVES,
  COSE_KEY_TYPES,
  MAX_COSE_KEY_BYTES,
  MAX_RSA_MODULUS_BITS,
  MIN_RSA_MODULUS_BITS,
  ML_DSA_PUBLIC_KEY_BYTES,
  parseCoseKey,
} from './cose.ts';
export type { CoseAlgorithm, CoseKey, Ec2CoseKey, OkpCoseKey, RsaCoseKey } from './cose.ts';
export type { AkpCoseKey } from './cose.ts';
export { importCoseKey, verifySignature } from './verifySignature.ts';
export type { VerifySignatureInput } from './verifySignature.ts';
export { DEFAULT_PUBLIC_KEY_CACHE_ENTRIES, PublicKeyCache, defaultPublicKeyCache } from './publicKeyCache.ts';
export type { CachedPublicKey, PublicKeyCacheOptions } from './publicKeyCache.ts';

// Verifying an authentication assertion (WebAuthn L3 §7.2)
export { verifyAuthenticationResponse } from './verifyAuthenticationResponse.ts';
export type {
  AuthenticationVerification,
  BackupEligibilityPolicy,
  CredentialToVerify,
  SignCountPolicy,
  VerifyAuthenticationResponseInput,
} from './verifyAuthenticationResponse.ts';
export type { ExtensionOutputs } from './_ceremonyChecks.ts';

// Registration (WebAuthn L3 §5.4, §7.1, §8)
export {
  DEFAULT_REGISTRATION_ALGORITHMS,
  attestationConveyanceSchema,
  authenticatorSelectionSchema,
  buildRegistrationOptions,
  coseAlgorithmSchema,
  publicKeyCredentialCreationOptionsJSONSchema,
  publicKeyCredentialParametersSchema,
  registrationOptionsInputSchema,
  residentKeyRequirementSchema,
  userEntitySchema,
} from './registrationOptions.ts';
export type {
  AttestationConveyancePreference,
  PublicKeyCredentialCreationOptionsJSON,
  RegistrationOptionsInput,
} from './registrationOptions.ts';
export { registrationExtensionsInputSchema } from './registrationExtensions.ts';
export type { RegistrationExtensionsClientInputsJSON } from './registrationExtensions.ts';
export { verifyRegistrationResponse } from './verifyRegistrationResponse.ts';
export type { AttestationResult, RegistrationVerification, TrustDecision, VerifyRegistrationResponseInput } from './verifyRegistrationResponse.ts';
export { SUPPORTED_ATTESTATION_FORMATS, verifyAttestationStatement } from './attestation/verifyAttestationStatement.ts';
export type { AttestationStatementInput, AttestationStatementResult, AttestationType } from './attestation/verifyAttestationStatement.ts';
export { REGISTERED_ATTESTATION_FORMATS, isRegisteredAttestationFormat } from './attestation/formats.ts';
export type { RegisteredAttestationFormat } from './attestation/formats.ts';
export type { SupportedAttestationFormat } from './attestation/verifyAttestationStatement.ts';
export { MAX_CHAIN_CERTIFICATES, MAX_CRL_BYTES, validateCertificateChain } from './attestation/certificateChain.ts';
export type { CertificateChainResult, ValidateCertificateChainInput } from './attestation/certificateChain.ts';
export { anchorsFor, assessTrust } from './attestation/trust.ts';
export type { AssessTrustContext, AssessableStatement, AttestationTrustAnchors } from './attestation/trust.ts';

// Credential records (WebAuthn L3 §4 "Credential Record")
export { MemoryCredentialStore, credentialRecordSchema } from './credentialStore.ts';
export type { CredentialRecord, CredentialStore, CredentialUpdate } from './credentialStore.ts';
export { assertCredentialRecord, assertCredentialUpdate, copyCredentialRecord, credentialUpdateSchema, isSignCountAdvance } from './credentialStore.ts';
export type { StoredCredentialDescriptor } from './credentialStore.ts';
export { MAX_CREDENTIAL_NAME_LENGTH, credentialNameSchema, normalizeCredentialName } from './credentialName.ts';

// The relying party
export {
  CHALLENGE_TTL_GRACE_MS,
  createRelyingParty,
  relyingPartyConfigSchema,
  startAuthenticationInputSchema,
  startRegistrationInputSchema,
} from './relyingParty.ts';
export type {
  FinishAuthenticationInput,
  FinishRegistrationInput,
  FinishedAuthentication,
  RelyingParty,
  RelyingPartyConfig,
  StartAuthenticationInput,
  StartRegistrationInput,
  StartedAuthentication,
  StartedRegistration,
  TrustAttestation,
} from './relyingParty.ts';

// The passkey lifecycle (WebAuthn L3 §5.1.10 signals, §5.11 related origins; management pages)
export {
  MAX_ACCEPTED_CREDENTIAL_IDS,
  allAcceptedCredentialsOptionsSchema,
  currentUserDetailsOptionsSchema,
  signalAllAcceptedCredentials,
  signalCurrentUserDetails,
  signalUnknownCredential,
  signalsSchema,
  unknownCredentialOptionsSchema,
} from './signals.ts';
export type { AllAcceptedCredentialsOptions, CurrentUserDetailsOptions, Signals, UnknownCredentialOptions } from './signals.ts';
export { ZERO_AAGUID, authenticatorDescriptionSchema, coseAlgorithmNameOf, passkeyItemOf, passkeyItemSchema } from './passkeyItem.ts';
export type { AuthenticatorDescription, DescribeAuthenticator, PasskeyItem } from './passkeyItem.ts';
export type { DeletePasskeyInput, PasskeyDeletion, PasskeyList, PasskeyManagement, RenamePasskeyInput } from './passkeyManagement.ts';
export { MAX_RELATED_ORIGINS, WELL_KNOWN_WEBAUTHN_PATH, isValidRelatedOrigin, relatedOriginsSchema, wellKnownWebauthnDocument } from './relatedOrigins.ts';
export type { WellKnownWebauthnDocument } from './relatedOrigins.ts';

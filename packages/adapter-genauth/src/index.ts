/**
 * `@tessera/adapter-genauth`: GenAuth's V3 WebAuthn API (`/api/v3/webauthn/authentication` and
 * `/api/v3/webauthn/registration`, in GenAuth's `{ statusCode, message, requestId, data }` envelope) over
 * `@tessera/core`, as one Fetch API handler, with a typed client. The `node:http`/Express bridge,
 * `toNodeListener`, is in `@tessera/adapter-genauth/node`, so this entry point needs no Node types.
 *
 * The public API is exactly what this file lists; `_`-prefixed modules are internal.
 *
 * @module
 */

// The handler and its options
export { DEFAULT_BODY_LIMIT_BYTES, DEFAULT_BODY_TIMEOUT_MS, DEFAULT_RETRY_AFTER_SECONDS, createGenAuthHandler } from './createGenAuthHandler.ts';
export type { GenAuthHandler } from './createGenAuthHandler.ts';
export { genAuthHandlerOptionsSchema, genAuthUserSchema } from './handlerOptions.ts';
export type { AuthenticatedContext, Authenticate, GenAuthHandlerOptions, GenAuthLogger, GenAuthUser, OnAuthenticated } from './handlerOptions.ts';
export { GENAUTH_ROUTES } from './genAuthRoutes.ts';

// Failures: one table per source, so a new core code fails the build until mapped
export { REQUEST_ERROR_API_CODES, TESSERA_ERROR_API_CODES } from './apiCodes.ts';
export type { ApiError, RequestError } from './apiCodes.ts';

// Envelopes (GenAuth's DTOs) and request bodies
export {
  SUCCESS_MESSAGE,
  authenticationOptionsDtoSchema,
  credentialListDtoSchema,
  deleteCredentialRespDtoSchema,
  deletedCredentialDtoSchema,
  listCredentialsRespDtoSchema,
  renameCredentialRespDtoSchema,
  renamedCredentialDtoSchema,
  errorRespDtoSchema,
  getAuthenticationOptionsRespDtoSchema,
  getRegistrationOptionsRespDtoSchema,
  isErrorRespDto,
  publicKeyCredentialDescriptorDtoSchema,
  publicKeyCredentialRequestOptionsDtoSchema,
  registrationOptionsDtoSchema,
  verifyAuthenticationDataDtoSchema,
  verifyAuthenticationRespDtoSchema,
  verifyRegistrationDataDtoSchema,
  verifyRegistrationRespDtoSchema,
} from './envelopes.ts';
export type {
  AuthenticationOptionsDto,
  DeleteCredentialRespDto,
  ErrorRespDto,
  ListCredentialsRespDto,
  RenameCredentialRespDto,
  SignalledRespDtoShape,
  GetAuthenticationOptionsRespDto,
  GetRegistrationOptionsRespDto,
  PublicKeyCredentialDescriptorDto,
  PublicKeyCredentialRequestOptionsDto,
  SuccessRespDtoShape,
  VerifyAuthenticationRespDto,
  VerifyRegistrationRespDto,
} from './envelopes.ts';
export { verifyAuthenticationReqDtoSchema, verifyRegistrationReqDtoSchema } from './requestBodies.ts';
export type { VerifyAuthenticationReqDto, VerifyRegistrationReqDto } from './requestBodies.ts';

// The client
export { AuthenticationClient, authenticationClientOptionsSchema } from './authenticationClient.ts';
export type { AuthenticationClientOptions, ClientHeaders } from './authenticationClient.ts';

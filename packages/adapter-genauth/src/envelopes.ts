import { z } from 'zod';
import {
  challengeSchema,
  credentialIdSchema,
  passkeyItemSchema,
  publicKeyCredentialCreationOptionsJSONSchema,
  signalsSchema,
  rpIdSchema,
  ticketSchema,
  timeoutSchema,
  userHandleSchema,
  userVerificationRequirementSchema,
} from '@tessera/core';

/*
 * The response envelopes of GenAuth's V3 WebAuthn API, as zod schemas: the single source of the DTO types,
 * of what the handler promises and of what AuthenticationClient accepts. Field names and nesting follow
 * GenAuth's `GetAuthenticationOptionsRespDto` ("Get WebAuthn authentication request initialization
 * parameters", V3 API); where its sample result and its schema tables disagree (`timeout` a string,
 * `allowCredentials` an object), the tables win: `timeout` is a number and `allowCredentials` an array.
 */

/** The `message` of every successful response, as GenAuth sends it. */
export const SUCCESS_MESSAGE = 'Operation successful';

/**
 * Schema of a failure: `{ statusCode, message, apiCode, requestId }` with no `data`. `statusCode` equals the
 * HTTP status (4xx client fault, 5xx server fault); `apiCode` is the segmented code of `apiCodes.ts`;
 * `message` a fixed sentence; `requestId` names the request in the server's logs. `signals` (WebAuthn L3
 * §5.1.10) only where the route says: `unknownCredential` on a sign-in's 400 / 40025.
 */
export const errorRespDtoSchema: z.ZodObject<
  { statusCode: z.ZodInt; message: z.ZodString; apiCode: z.ZodInt; requestId: z.ZodString; signals: z.ZodOptional<typeof signalsSchema> },
  z.core.$strip
> = z.object({
  statusCode: z.int().min(400).max(599),
  message: z.string(),
  apiCode: z.int(),
  requestId: z.string(),
  signals: signalsSchema.optional(),
});

/** A failure envelope; see {@link errorRespDtoSchema}. */
export type ErrorRespDto = z.output<typeof errorRespDtoSchema>;

/**
 * Schema of GenAuth's `PublicKeyCredentialDescriptorDto` (WebAuthn L3 §5.8.3): `id`, `type` (always
 * `public-key`) and `transports`, which GenAuth's table marks required, so it is always an array, empty when
 * the transports are unknown (an empty list restricts nothing, §5.8.3). Values are any strings, as §2.1.1
 * asks clients to tolerate values they do not know; the handler sends only §5.8.4 values.
 */
export const publicKeyCredentialDescriptorDtoSchema: z.ZodObject<
  { id: typeof credentialIdSchema; type: z.ZodLiteral<'public-key'>; transports: z.ZodArray<z.ZodString> },
  z.core.$strip
> = z.object({
  id: credentialIdSchema,
  type: z.literal('public-key'),
  transports: z.array(z.string()),
});

/** GenAuth's `PublicKeyCredentialDescriptorDto`; see {@link publicKeyCredentialDescriptorDtoSchema}. */
export type PublicKeyCredentialDescriptorDto = z.output<typeof publicKeyCredentialDescriptorDtoSchema>;

/**
 * Schema of GenAuth's `PublicKeyCredentialRequestOptionsDto`: the WebAuthn L3 §5.5 request options in their
 * JSON form (§5.1.9), what `PublicKeyCredential.parseRequestOptionsFromJSON()` accepts. `timeout` is a
 * number of milliseconds and `allowCredentials` an array (empty for a discoverable sign-in; a missing one
 * is read as empty). `userVerification` is not in GenAuth's table; the handler always sends it.
 */
export const publicKeyCredentialRequestOptionsDtoSchema: z.ZodObject<
  {
    challenge: typeof challengeSchema;
    allowCredentials: z.ZodDefault<z.ZodArray<typeof publicKeyCredentialDescriptorDtoSchema>>;
    rpId: typeof rpIdSchema;
    timeout: typeof timeoutSchema;
    userVerification: z.ZodOptional<typeof userVerificationRequirementSchema>;
  },
  z.core.$strip
> = z.object({
  challenge: challengeSchema,
  allowCredentials: z.array(publicKeyCredentialDescriptorDtoSchema).default([]),
  rpId: rpIdSchema,
  timeout: timeoutSchema,
  userVerification: userVerificationRequirementSchema.optional(),
});

/** GenAuth's `PublicKeyCredentialRequestOptionsDto`; see {@link publicKeyCredentialRequestOptionsDtoSchema}. */
export type PublicKeyCredentialRequestOptionsDto = z.output<typeof publicKeyCredentialRequestOptionsDtoSchema>;

/** Schema of GenAuth's `AuthenticationOptionsDto`: the request options and the ticket to send back. */
export const authenticationOptionsDtoSchema: z.ZodObject<
  { authenticationOptions: typeof publicKeyCredentialRequestOptionsDtoSchema; ticket: typeof ticketSchema },
  z.core.$strip
> = z.object({ authenticationOptions: publicKeyCredentialRequestOptionsDtoSchema, ticket: ticketSchema });

/** GenAuth's `AuthenticationOptionsDto`; see {@link authenticationOptionsDtoSchema}. */
export type AuthenticationOptionsDto = z.output<typeof authenticationOptionsDtoSchema>;

/** The members every successful envelope has around its `data`. */
export type SuccessRespDtoShape<Data extends z.ZodType> = {
  statusCode: z.ZodLiteral<200>;
  message: z.ZodString;
  requestId: z.ZodString;
  data: Data;
};

function successRespDtoSchema<Data extends z.ZodType>(data: Data): z.ZodObject<SuccessRespDtoShape<Data>, z.core.$strip> {
  return z.object({ statusCode: z.literal(200), message: z.string(), requestId: z.string(), data });
}

/**
 * Schema of GenAuth's `GetAuthenticationOptionsRespDto` as `GET /api/v3/webauthn/authentication` answers
 * it: `{ statusCode: 200, message, requestId, data: { authenticationOptions, ticket } }`.
 */
export const getAuthenticationOptionsRespDtoSchema: z.ZodObject<
  SuccessRespDtoShape<typeof authenticationOptionsDtoSchema>,
  z.core.$strip
> = successRespDtoSchema(authenticationOptionsDtoSchema);

/** `GetAuthenticationOptionsRespDto`; see {@link getAuthenticationOptionsRespDtoSchema}. */
export type GetAuthenticationOptionsRespDto = z.output<typeof getAuthenticationOptionsRespDtoSchema>;

/**
 * Schema of the `data` of a verified sign-in (WebAuthn L3 §7.2): the credential and user (`userId` is the
 * user handle, base64url), the UV flag, the new counter and backup flags, and whatever the application's
 * `onAuthenticated` hook added (GenAuth returns a `tokenSet`), which is why unknown members are kept.
 */
export const verifyAuthenticationDataDtoSchema: z.ZodObject<
  {
    verified: z.ZodLiteral<true>;
    credentialId: typeof credentialIdSchema;
    userId: typeof userHandleSchema;
    userVerified: z.ZodBoolean;
    newSignCount: z.ZodInt;
    backupEligible: z.ZodBoolean;
    backupState: z.ZodBoolean;
    authenticatorAttachment: z.ZodNullable<z.ZodString>;
    signCountRegressed: z.ZodBoolean;
    backupEligibilityChanged: z.ZodBoolean;
  },
  z.core.$loose
> = z.looseObject({
  verified: z.literal(true),
  credentialId: credentialIdSchema,
  userId: userHandleSchema,
  userVerified: z.boolean(),
  newSignCount: z.int().min(0),
  backupEligible: z.boolean(),
  backupState: z.boolean(),
  authenticatorAttachment: z.string().nullable(),
  signCountRegressed: z.boolean(),
  backupEligibilityChanged: z.boolean(),
});

/** The members of a successful envelope that carries `signals` (WebAuthn L3 §5.1.10). */
export type SignalledRespDtoShape<Data extends z.ZodType> = SuccessRespDtoShape<Data> & { signals: typeof signalsSchema };

function signalledRespDtoSchema<Data extends z.ZodType>(data: Data): z.ZodObject<SignalledRespDtoShape<Data>, z.core.$strip> {
  return z.object({ statusCode: z.literal(200), message: z.string(), requestId: z.string(), data, signals: signalsSchema });
}

/**
 * Schema of what `POST /api/v3/webauthn/authentication` answers on success, with `signals.allAcceptedCredentials`:
 * every credential id of the user who signed in.
 */
export const verifyAuthenticationRespDtoSchema: z.ZodObject<
  SignalledRespDtoShape<typeof verifyAuthenticationDataDtoSchema>,
  z.core.$strip
> = signalledRespDtoSchema(verifyAuthenticationDataDtoSchema);

/** A verified sign-in; see {@link verifyAuthenticationRespDtoSchema}. */
export type VerifyAuthenticationRespDto = z.output<typeof verifyAuthenticationRespDtoSchema>;

/** Schema of the `data` of `GET /api/v3/webauthn/registration`: WebAuthn L3 §5.1.8 creation options and the ticket. */
export const registrationOptionsDtoSchema: z.ZodObject<
  { registrationOptions: typeof publicKeyCredentialCreationOptionsJSONSchema; ticket: typeof ticketSchema },
  z.core.$strip
> = z.object({ registrationOptions: publicKeyCredentialCreationOptionsJSONSchema, ticket: ticketSchema });

/** Schema of what `GET /api/v3/webauthn/registration` answers on success. */
export const getRegistrationOptionsRespDtoSchema: z.ZodObject<
  SuccessRespDtoShape<typeof registrationOptionsDtoSchema>,
  z.core.$strip
> = successRespDtoSchema(registrationOptionsDtoSchema);

/** Registration options; see {@link getRegistrationOptionsRespDtoSchema}. */
export type GetRegistrationOptionsRespDto = z.output<typeof getRegistrationOptionsRespDtoSchema>;

/**
 * Schema of the `data` of a verified registration (WebAuthn L3 §7.1): the new credential's id, its owner
 * (user handle), the UV flag, attachment, backup flags, transports, AAGUID and attestation format. The
 * public key stays on the server.
 */
export const verifyRegistrationDataDtoSchema: z.ZodObject<
  {
    verified: z.ZodLiteral<true>;
    credentialId: typeof credentialIdSchema;
    userId: typeof userHandleSchema;
    userVerified: z.ZodBoolean;
    authenticatorAttachment: z.ZodNullable<z.ZodString>;
    backupEligible: z.ZodBoolean;
    backupState: z.ZodBoolean;
    transports: z.ZodArray<z.ZodString>;
    aaguid: z.ZodString;
    fmt: z.ZodString;
  },
  z.core.$strip
> = z.object({
  verified: z.literal(true),
  credentialId: credentialIdSchema,
  userId: userHandleSchema,
  userVerified: z.boolean(),
  authenticatorAttachment: z.string().nullable(),
  backupEligible: z.boolean(),
  backupState: z.boolean(),
  transports: z.array(z.string()),
  aaguid: z.string(),
  fmt: z.string(),
});

/** Schema of what `POST /api/v3/webauthn/registration` answers on success. */
export const verifyRegistrationRespDtoSchema: z.ZodObject<
  SuccessRespDtoShape<typeof verifyRegistrationDataDtoSchema>,
  z.core.$strip
> = successRespDtoSchema(verifyRegistrationDataDtoSchema);

/** A verified registration; see {@link verifyRegistrationRespDtoSchema}. */
export type VerifyRegistrationRespDto = z.output<typeof verifyRegistrationRespDtoSchema>;

/**
 * Whether a response envelope is a failure, narrowing a client's result.
 *
 * @param value - an envelope, typically what an {@link AuthenticationClient} method resolved to
 * @returns whether it is an {@link ErrorRespDto}
 * @example
 * ```ts
 * const result = await client.initAuthenticationOptions();
 * if (isErrorRespDto(result)) throw new Error(`sign-in unavailable (${result.apiCode})`);
 * result.data.ticket;
 * ```
 */
export function isErrorRespDto(value: unknown): value is ErrorRespDto {
  return errorRespDtoSchema.safeParse(value).success;
}

/** Schema of the `data` of `GET /api/v3/webauthn/credentials`: the caller's passkeys, oldest first. */
export const credentialListDtoSchema: z.ZodObject<{ passkeys: z.ZodArray<typeof passkeyItemSchema> }, z.core.$strip> = z.object({
  passkeys: z.array(passkeyItemSchema),
});

/**
 * Schema of what `GET /api/v3/webauthn/credentials` answers: `data.passkeys`, and `signals` with
 * `allAcceptedCredentials` (the ids listed) and `currentUserDetails` (the caller's name as `authenticate`
 * reports it, when it fits WebAuthn's bounds).
 */
export const listCredentialsRespDtoSchema: z.ZodObject<SignalledRespDtoShape<typeof credentialListDtoSchema>, z.core.$strip> =
  signalledRespDtoSchema(credentialListDtoSchema);

/** The caller's passkeys; see {@link listCredentialsRespDtoSchema}. */
export type ListCredentialsRespDto = z.output<typeof listCredentialsRespDtoSchema>;

/** Schema of the `data` of `PATCH /api/v3/webauthn/credentials/{id}`: the passkey as now stored. */
export const renamedCredentialDtoSchema: z.ZodObject<{ passkey: typeof passkeyItemSchema }, z.core.$strip> = z.object({ passkey: passkeyItemSchema });

/** Schema of what `PATCH /api/v3/webauthn/credentials/{id}` answers. */
export const renameCredentialRespDtoSchema: z.ZodObject<SuccessRespDtoShape<typeof renamedCredentialDtoSchema>, z.core.$strip> =
  successRespDtoSchema(renamedCredentialDtoSchema);

/** A renamed passkey; see {@link renameCredentialRespDtoSchema}. */
export type RenameCredentialRespDto = z.output<typeof renameCredentialRespDtoSchema>;

/** Schema of the `data` of `DELETE /api/v3/webauthn/credentials/{id}`: the id deleted. */
export const deletedCredentialDtoSchema: z.ZodObject<{ deletedId: typeof credentialIdSchema }, z.core.$strip> = z.object({ deletedId: credentialIdSchema });

/**
 * Schema of what `DELETE /api/v3/webauthn/credentials/{id}` answers, with `signals.allAcceptedCredentials`: the
 * ids that remain, so the user's authenticator can drop the deleted passkey (WebAuthn L3 §5.1.10).
 */
export const deleteCredentialRespDtoSchema: z.ZodObject<SignalledRespDtoShape<typeof deletedCredentialDtoSchema>, z.core.$strip> =
  signalledRespDtoSchema(deletedCredentialDtoSchema);

/** A deleted passkey; see {@link deleteCredentialRespDtoSchema}. */
export type DeleteCredentialRespDto = z.output<typeof deleteCredentialRespDtoSchema>;

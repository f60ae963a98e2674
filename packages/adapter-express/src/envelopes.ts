import {
  TESSERA_ERROR_CODES,
  publicKeyCredentialCreationOptionsJSONSchema,
  publicKeyCredentialDescriptorJSONSchema,
  passkeyItemSchema,
  rpIdSchema,
  signalsSchema,
  timeoutSchema,
  userVerificationRequirementSchema,
} from '@tessera/core';
import { z } from 'zod';
import { encodedChallengeSchema } from './challengeEncoding.ts';
import { REQUEST_ERROR_CODES } from './errorResponses.ts';

/*
 * Schemas of every response body the router sends: the Flashback envelope `{ success: true, data }` or
 * `{ success: false, error }`. They are strict, so they describe exactly what this version sends (the tests
 * check every response against them); a client that wants to tolerate later additions can `.loose()` them.
 */

/** `{ success: true, data }` around `data`. */
type SuccessEnvelopeSchema<Data extends z.ZodType> = z.ZodObject<{ success: z.ZodLiteral<true>; data: Data }, z.core.$strict>;

function successEnvelope<Data extends z.ZodType>(data: Data): SuccessEnvelopeSchema<Data> {
  return z.strictObject({ success: z.literal(true), data });
}

/** Every `code` a failure envelope can carry: the core's codes and the router's own request codes. */
export const failureCodeSchema: z.ZodEnum<{ [Code in (typeof TESSERA_ERROR_CODES)[number] | (typeof REQUEST_ERROR_CODES)[number]]: Code }> = z.enum([
  ...TESSERA_ERROR_CODES,
  ...REQUEST_ERROR_CODES,
]);

/**
 * Schema of every failure: `{ success: false, error, code? }`. `error` is a fixed sentence (never an
 * internal message); `code` is present on every 4xx and on the 503 of a store outage (`store_unavailable`),
 * and absent on 500s, which carry only the route's fixed sentence, as the Flashback document shows. `signals`
 * (WebAuthn L3 §5.1.10) is present where the route says: `unknownCredential` on a sign-in's
 * `unknown_credential`.
 */
export const failureEnvelopeSchema: z.ZodObject<
  { success: z.ZodLiteral<false>; error: z.ZodString; code: z.ZodOptional<typeof failureCodeSchema>; signals: z.ZodOptional<typeof signalsSchema> },
  z.core.$strict
> = z.strictObject({ success: z.literal(false), error: z.string().min(1), code: failureCodeSchema.optional(), signals: signalsSchema.optional() });

/** A failure body; see {@link failureEnvelopeSchema}. */
export type FailureEnvelope = z.output<typeof failureEnvelopeSchema>;

/**
 * Schema of `data` from `POST /mfa/passkey/auth-options`: the Flashback document's `challenge`, `rpId`,
 * `userVerification` and `timeout`, plus `allowCredentials` (the caller's registered credentials, always an
 * array). Together they are a `PublicKeyCredentialRequestOptionsJSON` (WebAuthn L3 §5.1.9) when the
 * challenge is base64url.
 */
export const authOptionsDataSchema: z.ZodObject<
  {
    challenge: typeof encodedChallengeSchema;
    rpId: typeof rpIdSchema;
    userVerification: typeof userVerificationRequirementSchema;
    timeout: typeof timeoutSchema;
    allowCredentials: z.ZodArray<typeof publicKeyCredentialDescriptorJSONSchema>;
  },
  z.core.$strict
> = z.strictObject({
  challenge: encodedChallengeSchema,
  rpId: rpIdSchema,
  userVerification: userVerificationRequirementSchema,
  timeout: timeoutSchema,
  allowCredentials: z.array(publicKeyCredentialDescriptorJSONSchema),
});

/** `data` of `POST /mfa/passkey/auth-options`; see {@link authOptionsDataSchema}. */
export type AuthOptionsData = z.output<typeof authOptionsDataSchema>;

/** Schema of the 200 body of `POST /mfa/passkey/auth-options`. */
export const authOptionsEnvelopeSchema: SuccessEnvelopeSchema<typeof authOptionsDataSchema> = successEnvelope(authOptionsDataSchema);

/** The 200 body of `POST /mfa/passkey/auth-options`. */
export type AuthOptionsEnvelope = z.output<typeof authOptionsEnvelopeSchema>;

/** Schema of `data` from `POST /mfa/passkey/auth-verify`: the outcome of a verified assertion (WebAuthn L3 §7.2). */
export const authVerifyDataSchema: z.ZodObject<
  {
    verified: z.ZodLiteral<true>;
    credentialId: z.ZodString;
    userVerified: z.ZodBoolean;
    newSignCount: z.ZodNumber;
    backupEligible: z.ZodBoolean;
    backupState: z.ZodBoolean;
    authenticatorAttachment: z.ZodNullable<z.ZodString>;
  },
  z.core.$strict
> = z.strictObject({
  verified: z.literal(true),
  credentialId: z.string(),
  userVerified: z.boolean(),
  newSignCount: z.number().int().min(0),
  backupEligible: z.boolean(),
  backupState: z.boolean(),
  authenticatorAttachment: z.string().nullable(),
});

/** `data` of `POST /mfa/passkey/auth-verify`; see {@link authVerifyDataSchema}. */
export type AuthVerifyData = z.output<typeof authVerifyDataSchema>;

/** `{ success: true, data, signals }` around `data`, with the signals (WebAuthn L3 §5.1.10) the route sends. */
type SignalledEnvelopeSchema<Data extends z.ZodType> = z.ZodObject<
  { success: z.ZodLiteral<true>; data: Data; signals: typeof signalsSchema },
  z.core.$strict
>;

function signalledEnvelope<Data extends z.ZodType>(data: Data): SignalledEnvelopeSchema<Data> {
  return z.strictObject({ success: z.literal(true), data, signals: signalsSchema });
}

/**
 * Schema of the 200 body of `POST /mfa/passkey/auth-verify`, with `signals.allAcceptedCredentials`: the
 * caller's credential ids (WebAuthn L3 §5.1.10).
 */
export const authVerifyEnvelopeSchema: SignalledEnvelopeSchema<typeof authVerifyDataSchema> = signalledEnvelope(authVerifyDataSchema);

/** The 200 body of `POST /mfa/passkey/auth-verify`. */
export type AuthVerifyEnvelope = z.output<typeof authVerifyEnvelopeSchema>;

/**
 * Schema of `data` from `POST /mfa/passkey/registration-options`: `PublicKeyCredentialCreationOptionsJSON`
 * (WebAuthn L3 §5.1.8) with the challenge spelt per `challengeEncoding`.
 */
export const registrationOptionsDataSchema: z.ZodObject<
  Omit<typeof publicKeyCredentialCreationOptionsJSONSchema.shape, 'challenge'> & { challenge: typeof encodedChallengeSchema },
  z.core.$strict
> = publicKeyCredentialCreationOptionsJSONSchema.extend({ challenge: encodedChallengeSchema });

/** `data` of `POST /mfa/passkey/registration-options`; see {@link registrationOptionsDataSchema}. */
export type RegistrationOptionsData = z.output<typeof registrationOptionsDataSchema>;

/** Schema of the 200 body of `POST /mfa/passkey/registration-options`. */
export const registrationOptionsEnvelopeSchema: SuccessEnvelopeSchema<typeof registrationOptionsDataSchema> =
  successEnvelope(registrationOptionsDataSchema);

/** The 200 body of `POST /mfa/passkey/registration-options`. */
export type RegistrationOptionsEnvelope = z.output<typeof registrationOptionsEnvelopeSchema>;

/** The `message` of a completed registration, as the Flashback registration document gives it. */
export const REGISTRATION_COMPLETED_MESSAGE = 'Passkey registration completed';

/** Schema of the 200 body of `POST /mfa/passkey/complete-registration` (and its `-1` alias). */
export const registrationCompletedEnvelopeSchema: z.ZodObject<
  { success: z.ZodLiteral<true>; message: z.ZodLiteral<typeof REGISTRATION_COMPLETED_MESSAGE> },
  z.core.$strict
> = z.strictObject({ success: z.literal(true), message: z.literal(REGISTRATION_COMPLETED_MESSAGE) });

/** The 200 body of `POST /mfa/passkey/complete-registration`. */
export type RegistrationCompletedEnvelope = z.output<typeof registrationCompletedEnvelopeSchema>;

/** Schema of `data` from `GET /mfa/passkey/credentials`: the caller's passkeys, oldest first. */
export const credentialListDataSchema: z.ZodObject<{ passkeys: z.ZodArray<typeof passkeyItemSchema> }, z.core.$strict> = z.strictObject({
  passkeys: z.array(passkeyItemSchema),
});

/**
 * Schema of the 200 body of `GET /mfa/passkey/credentials`: `data.passkeys`, and `signals` with
 * `allAcceptedCredentials` (the ids listed) and `currentUserDetails` (the caller's name as `authenticate`
 * reports it, when it fits WebAuthn's bounds).
 */
export const credentialListEnvelopeSchema: SignalledEnvelopeSchema<typeof credentialListDataSchema> = signalledEnvelope(credentialListDataSchema);

/** The 200 body of `GET /mfa/passkey/credentials`. */
export type CredentialListEnvelope = z.output<typeof credentialListEnvelopeSchema>;

/** Schema of `data` from `PATCH /mfa/passkey/credentials/:id`: the passkey as now stored. */
export const credentialRenamedDataSchema: z.ZodObject<{ passkey: typeof passkeyItemSchema }, z.core.$strict> = z.strictObject({
  passkey: passkeyItemSchema,
});

/** Schema of the 200 body of `PATCH /mfa/passkey/credentials/:id`. */
export const credentialRenamedEnvelopeSchema: SuccessEnvelopeSchema<typeof credentialRenamedDataSchema> = successEnvelope(credentialRenamedDataSchema);

/** The 200 body of `PATCH /mfa/passkey/credentials/:id`. */
export type CredentialRenamedEnvelope = z.output<typeof credentialRenamedEnvelopeSchema>;

/** Schema of `data` from `DELETE /mfa/passkey/credentials/:id`: the id deleted. */
export const credentialDeletedDataSchema: z.ZodObject<{ deletedId: z.ZodString }, z.core.$strict> = z.strictObject({ deletedId: z.string() });

/**
 * Schema of the 200 body of `DELETE /mfa/passkey/credentials/:id`, with `signals.allAcceptedCredentials`: the
 * ids that remain, so the user's authenticator can drop the deleted passkey (WebAuthn L3 §5.1.10).
 */
export const credentialDeletedEnvelopeSchema: SignalledEnvelopeSchema<typeof credentialDeletedDataSchema> = signalledEnvelope(credentialDeletedDataSchema);

/** The 200 body of `DELETE /mfa/passkey/credentials/:id`. */
export type CredentialDeletedEnvelope = z.output<typeof credentialDeletedEnvelopeSchema>;

import { z } from 'zod';
import { encodedChallengeSchema } from './challengeEncoding.ts';

/*
 * Schemas of the request bodies. They check only what the router itself needs; what the browser produced
 * (`credential`) is a JSON object here and is judged by the core, which answers with precise codes
 * (`malformed_response`, `challenge_mismatch`, …) that a shape check here would hide. Unknown members are
 * ignored, so clients may send more than the router reads.
 */

/** A JSON object: the browser's `PublicKeyCredential.toJSON()` before the core parses it (WebAuthn L3 §5.1). */
const credentialJSONSchema: z.ZodRecord<z.ZodString, z.ZodUnknown> = z.record(z.string(), z.unknown());

/** Schema of the body of `POST /mfa/passkey/auth-verify`: `{ credential: AuthenticationResponseJSON }`. */
export const authVerifyBodySchema: z.ZodObject<{ credential: typeof credentialJSONSchema }> = z.object({
  credential: credentialJSONSchema,
});

/** The body of `POST /mfa/passkey/auth-verify`; see {@link authVerifyBodySchema}. */
export type AuthVerifyBody = z.input<typeof authVerifyBodySchema>;

/**
 * Schema of the body of `POST /mfa/passkey/complete-registration`: `{ credential: RegistrationResponseJSON,
 * challenge }`, where `challenge` is the one `registration-options` sent, in base64url or standard base64
 * (padded or not).
 */
export const completeRegistrationBodySchema: z.ZodObject<{ credential: typeof credentialJSONSchema; challenge: typeof encodedChallengeSchema }> =
  z.object({
    credential: credentialJSONSchema,
    challenge: encodedChallengeSchema,
  });

/** The body of `POST /mfa/passkey/complete-registration`; see {@link completeRegistrationBodySchema}. */
export type CompleteRegistrationBody = z.input<typeof completeRegistrationBodySchema>;

/** Schema of the body of `PATCH /mfa/passkey/credentials/:id`: `{ name }`, checked further by `normalizeCredentialName`. */
export const renameCredentialBodySchema: z.ZodObject<{ name: z.ZodString }> = z.object({ name: z.string() });

/** The body of `PATCH /mfa/passkey/credentials/:id`; see {@link renameCredentialBodySchema}. */
export type RenameCredentialBody = z.input<typeof renameCredentialBodySchema>;

/**
 * Schema of the optional body of `POST /mfa/passkey/registration-options`: `{ mediation: 'conditional' }`
 * asks for a conditional create (a passkey upgrade, WebAuthn L3 §5.1.3). Other members are ignored.
 */
export const registrationOptionsBodySchema: z.ZodObject<{ mediation: z.ZodOptional<z.ZodLiteral<'conditional'>> }> = z.object({
  mediation: z.literal('conditional').optional(),
});

/** The body of `POST /mfa/passkey/registration-options`; see {@link registrationOptionsBodySchema}. */
export type RegistrationOptionsBody = z.input<typeof registrationOptionsBodySchema>;

import { z } from 'zod';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@tessera/core';

/*
 * The request bodies of GenAuth's V3 WebAuthn API. These schemas check only the envelope: each member is
 * present and of the right kind. The credential inside is the core's to check (WebAuthn L3 §5.1), so a
 * malformed credential is reported as `malformed_response`, not as a missing field.
 */

function isPlainObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Schema of the body of `POST /api/v3/webauthn/authentication`, GenAuth's `verifyAuthentication`:
 * `{ ticket, authenticationCredential, options? }`. `authenticationCredential` is what the browser's
 * `credential.toJSON()` returned after `navigator.credentials.get()` (WebAuthn L3 §5.1
 * `AuthenticationResponseJSON`); `options` is passed to the `onAuthenticated` hook untouched (GenAuth uses
 * it for things like the token scope).
 */
export const verifyAuthenticationReqDtoSchema: z.ZodObject<
  {
    ticket: z.ZodString;
    authenticationCredential: z.ZodCustom<AuthenticationResponseJSON, AuthenticationResponseJSON>;
    options: z.ZodOptional<z.ZodRecord<z.ZodString, z.ZodUnknown>>;
  },
  z.core.$strip
> = z.object({
  ticket: z.string(),
  authenticationCredential: z.custom<AuthenticationResponseJSON>(isPlainObject),
  options: z.record(z.string(), z.unknown()).optional(),
});

/** The body of `POST /api/v3/webauthn/authentication`; see {@link verifyAuthenticationReqDtoSchema}. */
export type VerifyAuthenticationReqDto = z.input<typeof verifyAuthenticationReqDtoSchema>;

/**
 * Schema of the body of `POST /api/v3/webauthn/registration`: `{ ticket, registrationCredential }`, where
 * `registrationCredential` is what `credential.toJSON()` returned after `navigator.credentials.create()`
 * (WebAuthn L3 §5.1 `RegistrationResponseJSON`).
 */
export const verifyRegistrationReqDtoSchema: z.ZodObject<
  { ticket: z.ZodString; registrationCredential: z.ZodCustom<RegistrationResponseJSON, RegistrationResponseJSON> },
  z.core.$strip
> = z.object({
  ticket: z.string(),
  registrationCredential: z.custom<RegistrationResponseJSON>(isPlainObject),
});

/** The body of `POST /api/v3/webauthn/registration`; see {@link verifyRegistrationReqDtoSchema}. */
export type VerifyRegistrationReqDto = z.input<typeof verifyRegistrationReqDtoSchema>;

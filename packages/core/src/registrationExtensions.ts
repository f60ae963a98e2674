import { z } from 'zod';
import { base64urlBytesSchema } from './_base64urlSchema.ts';
import { jsonExtensionInputSchema, prfValuesSchema } from './extensions.ts';

/**
 * `credProps` (WebAuthn L3 §10.1.3): ask the client whether the new credential is discoverable.
 */
export const credPropsExtensionInputSchema: z.ZodBoolean = z.boolean();

/** `prf` registration inputs (WebAuthn L3 §10.1.4): `eval` only; `evalByCredential` is for authentication. */
export const prfRegistrationInputSchema: z.ZodObject<{ eval: z.ZodOptional<typeof prfValuesSchema> }, z.core.$strict> =
  z.strictObject({ eval: prfValuesSchema.optional() });

/** `largeBlob` registration inputs (WebAuthn L3 §10.1.5): `support` only; `read` and `write` are for authentication. */
export const largeBlobRegistrationInputSchema: z.ZodObject<
  { support: z.ZodOptional<z.ZodEnum<{ required: 'required'; preferred: 'preferred' }>> },
  z.core.$strict
> = z.strictObject({ support: z.enum(['required', 'preferred']).optional() });

/** `credProtect` (CTAP 2.1 §12.1): the credential protection policy to request. */
export const credProtectExtensionInputSchema: z.ZodEnum<{
  userVerificationOptional: 'userVerificationOptional';
  userVerificationOptionalWithCredentialIDList: 'userVerificationOptionalWithCredentialIDList';
  userVerificationRequired: 'userVerificationRequired';
}> = z.enum(['userVerificationOptional', 'userVerificationOptionalWithCredentialIDList', 'userVerificationRequired']);

/**
 * Schema of `AuthenticationExtensionsClientInputsJSON` for `navigator.credentials.create()` (WebAuthn L3
 * §5.7.1, §9): `credProps` (§10.1.3), `prf` (§10.1.4), `largeBlob` (§10.1.5), and the CTAP 2.1 inputs
 * `credentialProtectionPolicy` with `enforceCredentialProtectionPolicy`, `minPinLength` and `credBlob`
 * are shape-checked; any other member passes through if it is JSON.
 */
export const registrationExtensionsInputSchema: z.ZodObject<
  {
    credProps: z.ZodOptional<typeof credPropsExtensionInputSchema>;
    prf: z.ZodOptional<typeof prfRegistrationInputSchema>;
    largeBlob: z.ZodOptional<typeof largeBlobRegistrationInputSchema>;
    credentialProtectionPolicy: z.ZodOptional<typeof credProtectExtensionInputSchema>;
    enforceCredentialProtectionPolicy: z.ZodOptional<z.ZodBoolean>;
    minPinLength: z.ZodOptional<z.ZodBoolean>;
    credBlob: z.ZodOptional<z.ZodString>;
  },
  z.core.$catchall<typeof jsonExtensionInputSchema>
> = z
  .object({
    credProps: credPropsExtensionInputSchema.optional(),
    prf: prfRegistrationInputSchema.optional(),
    largeBlob: largeBlobRegistrationInputSchema.optional(),
    credentialProtectionPolicy: credProtectExtensionInputSchema.optional(),
    enforceCredentialProtectionPolicy: z.boolean().optional(),
    minPinLength: z.boolean().optional(),
    credBlob: base64urlBytesSchema('credBlob', 1, 32).optional(),
  })
  .catchall(jsonExtensionInputSchema);

/** Registration extension inputs in their JSON form; see {@link registrationExtensionsInputSchema}. */
export type RegistrationExtensionsClientInputsJSON = z.output<typeof registrationExtensionsInputSchema>;

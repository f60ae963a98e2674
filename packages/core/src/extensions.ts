import { z } from 'zod';
import { base64urlBytesSchema } from './_base64urlSchema.ts';
import { jsonValueProblem } from './jsonValue.ts';

/** Schema of a `Base64URLString` (WebAuthn L3 §5.1.8) carrying bytes in an extension input. */
const extensionBytesSchema: z.ZodString = base64urlBytesSchema('value', 0, Number.POSITIVE_INFINITY);

function isHttpsUrl(text: string): boolean {
  try {
    return new URL(text).protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * `appid` (WebAuthn L3 §10.1.1, FIDO AppID extension): the U2F application id a legacy credential was
 * registered under, an https URL.
 */
export const appidExtensionInputSchema: z.ZodString = z.string().refine(isHttpsUrl, 'appid must be an https URL');

/** `eval` values of the `prf` extension (WebAuthn L3 §10.1.4 `AuthenticationExtensionsPRFValues`), base64url in JSON. */
export const prfValuesSchema: z.ZodObject<
  { first: typeof extensionBytesSchema; second: z.ZodOptional<typeof extensionBytesSchema> },
  z.core.$strict
> = z.strictObject({ first: extensionBytesSchema, second: extensionBytesSchema.optional() });

/**
 * `prf` authentication inputs (WebAuthn L3 §10.1.4 `AuthenticationExtensionsPRFInputs`). The rule that
 * every `evalByCredential` key names a credential of `allowCredentials` is checked by the options builder,
 * which sees both.
 */
export const prfExtensionInputSchema: z.ZodObject<
  {
    eval: z.ZodOptional<typeof prfValuesSchema>;
    evalByCredential: z.ZodOptional<z.ZodRecord<z.ZodString, typeof prfValuesSchema>>;
  },
  z.core.$strict
> = z.strictObject({
  eval: prfValuesSchema.optional(),
  evalByCredential: z.record(z.string(), prfValuesSchema).optional(),
});

/**
 * `largeBlob` authentication inputs (WebAuthn L3 §10.1.5 `AuthenticationExtensionsLargeBlobInputs`):
 * `read` or `write` (base64url bytes), never both members (the client rejects that with NotSupportedError);
 * `support` belongs to registration only.
 */
export const largeBlobAuthenticationInputSchema: z.ZodObject<
  { read: z.ZodOptional<z.ZodBoolean>; write: z.ZodOptional<typeof extensionBytesSchema> },
  z.core.$strict
> = z
  .strictObject({ read: z.boolean().optional(), write: extensionBytesSchema.optional() })
  .refine((input) => input.read === undefined || input.write === undefined, 'largeBlob takes read or write, not both');

/** `getCredBlob` (CTAP 2.1 §12.2 `credBlob`, requested in `get()`): whether to return the credential's blob. */
export const getCredBlobExtensionInputSchema: z.ZodBoolean = z.boolean();

/**
 * Schema of an extension input that this library does not know: any JSON-serialisable value (a plain
 * object, array, string, finite number, boolean or null, nested at most 32 levels). The JSON form of
 * options (WebAuthn L3 §5.1.9) can carry nothing else.
 */
export const jsonExtensionInputSchema: z.ZodType<unknown> = z.unknown().superRefine((value, context) => {
  const problem = jsonValueProblem(value);
  if (problem !== undefined) context.addIssue({ code: 'custom', message: `extension input must be JSON: ${problem}` });
});

/**
 * Schema of `AuthenticationExtensionsClientInputsJSON` for `navigator.credentials.get()` (WebAuthn L3 §5.7.1,
 * §9): known extensions (`appid` §10.1.1, `prf` §10.1.4, `largeBlob` §10.1.5, `getCredBlob` CTAP 2.1) are
 * shape-checked; any other member passes through if it is JSON-serialisable.
 */
export const authenticationExtensionsInputSchema: z.ZodObject<
  {
    appid: z.ZodOptional<typeof appidExtensionInputSchema>;
    prf: z.ZodOptional<typeof prfExtensionInputSchema>;
    largeBlob: z.ZodOptional<typeof largeBlobAuthenticationInputSchema>;
    getCredBlob: z.ZodOptional<typeof getCredBlobExtensionInputSchema>;
  },
  z.core.$catchall<typeof jsonExtensionInputSchema>
> = z
  .object({
    appid: appidExtensionInputSchema.optional(),
    prf: prfExtensionInputSchema.optional(),
    largeBlob: largeBlobAuthenticationInputSchema.optional(),
    getCredBlob: getCredBlobExtensionInputSchema.optional(),
  })
  .catchall(jsonExtensionInputSchema);

/** Authentication extension inputs in their JSON form; see {@link authenticationExtensionsInputSchema}. */
export type AuthenticationExtensionsClientInputsJSON = z.output<typeof authenticationExtensionsInputSchema>;

import { z } from 'zod';
import { base64urlBytesSchema, base64urlDecodedLaterSchema } from './_base64urlSchema.ts';
import { parseOrThrow } from './_zod.ts';
import { MAX_ATTESTATION_OBJECT_BYTES } from './attestationObject.ts';
import { MAX_AUTHENTICATOR_DATA_BYTES } from './authenticatorData.ts';
import { MAX_CLIENT_DATA_JSON_BYTES } from './clientData.ts';
import { credentialIdSchema } from './credentialDescriptor.ts';
import { MAX_JSON_DEPTH, MAX_JSON_NODES, jsonValueProblem } from './jsonValue.ts';
import { userHandleSchema } from './userHandle.ts';

/*
 * The JSON that `PublicKeyCredential.toJSON()` returns (WebAuthn L3 §5.1), as a relying party receives it.
 * Schemas check shape and base64url only; what the values mean is for the verifier. Objects strip members
 * they do not know instead of rejecting them, because browsers add members over time.
 */

/** Longest signature accepted, in bytes: RSA-4096 is 512, post-quantum signatures a few KiB. */
export const MAX_SIGNATURE_BYTES = 8192;
/** Longest `publicKey` (DER SubjectPublicKeyInfo) accepted, in bytes. */
const MAX_PUBLIC_KEY_BYTES = 16_384;

const clientDataJSONSchema = base64urlBytesSchema('clientDataJSON', 1, MAX_CLIENT_DATA_JSON_BYTES);
const authenticatorDataSchema = base64urlBytesSchema('authenticatorData', 37, MAX_AUTHENTICATOR_DATA_BYTES);
const authenticatorAttachmentSchema: z.ZodOptional<z.ZodNullable<z.ZodString>> = z.string().nullable().optional();
/**
 * `clientExtensionResults` is unsigned and handed to the caller in `extensionOutputs.client`, so it must be JSON a
 * caller can serialise again: at most {@link MAX_JSON_DEPTH} levels and {@link MAX_JSON_NODES} values, no -0. Without
 * the bound, a 64 KiB body nests 30 000 arrays and the caller's `JSON.stringify(result)` overflows the stack.
 */
const clientExtensionResultsSchema: z.ZodOptional<z.ZodRecord<z.ZodString, z.ZodUnknown>> = z
  .record(z.string(), z.unknown())
  .superRefine((value, context) => {
    const problem = jsonValueProblem(value);
    if (problem !== undefined) context.addIssue({ code: 'custom', message: `clientExtensionResults must be plain JSON: ${problem}` });
  })
  .optional();

/** How a schema checks a base64url byte string: {@link base64urlBytesSchema} or {@link base64urlDecodedLaterSchema}. */
type ByteStringSchema = (subject: string, minBytes: number, maxBytes: number) => z.ZodString;

type AssertionResponseSchema = z.ZodPreprocess<
  z.ZodObject<
    {
      clientDataJSON: z.ZodString;
      authenticatorData: z.ZodString;
      signature: z.ZodString;
      userHandle: z.ZodOptional<z.ZodString>;
    },
    z.core.$strip
  >
>;

type AuthenticationResponseSchema = z.ZodObject<
  {
    id: typeof credentialIdSchema;
    rawId: typeof credentialIdSchema;
    type: z.ZodString;
    response: AssertionResponseSchema;
    authenticatorAttachment: typeof authenticatorAttachmentSchema;
    clientExtensionResults: typeof clientExtensionResultsSchema;
  },
  z.core.$strip
>;

/** The assertion response's schema, with its three signed byte strings checked by `byteString`. */
function assertionResponseSchema(byteString: ByteStringSchema): AssertionResponseSchema {
  return z.preprocess(
    dropEmptyUserHandle,
    z.object({
      clientDataJSON: byteString('clientDataJSON', 1, MAX_CLIENT_DATA_JSON_BYTES),
      authenticatorData: byteString('authenticatorData', 37, MAX_AUTHENTICATOR_DATA_BYTES),
      signature: byteString('signature', 1, MAX_SIGNATURE_BYTES),
      userHandle: userHandleSchema.optional(),
    }),
  );
}

function authenticationResponseSchema(response: AssertionResponseSchema): AuthenticationResponseSchema {
  return z.object(
    {
      id: credentialIdSchema,
      rawId: credentialIdSchema,
      type: z.string(),
      response,
      authenticatorAttachment: authenticatorAttachmentSchema,
      clientExtensionResults: clientExtensionResultsSchema,
    },
    { error: 'expected the object that PublicKeyCredential.toJSON() returns' },
  );
}

/**
 * Schema of `AuthenticatorAssertionResponseJSON` (WebAuthn L3 §5.1, the JSON form of §5.2.2). Some clients
 * send `userHandle` as `null` or `""` for a credential without one; both come out as an absent `userHandle`.
 */
export const authenticatorAssertionResponseJSONSchema: AssertionResponseSchema = assertionResponseSchema(base64urlBytesSchema);

/**
 * Schema of `AuthenticationResponseJSON` (WebAuthn L3 §5.1), what `credential.toJSON()` returns after
 * `navigator.credentials.get()`. `type` is any string and `authenticatorAttachment` any string or `null`
 * (§2.1.1: unknown enum values are tolerated); the verifier judges them.
 */
export const authenticationResponseJSONSchema: AuthenticationResponseSchema = authenticationResponseSchema(
  authenticatorAssertionResponseJSONSchema,
);

/**
 * {@link authenticationResponseJSONSchema} without the base64url check of `clientDataJSON`,
 * `authenticatorData` and `signature` (their types and sizes are checked): for a verifier that decodes them
 * strictly at once (§7.2 step 7) and reports a failure as {@link parseAuthenticationResponse} would.
 *
 * @internal
 */
export const authenticationResponseShapeSchema: AuthenticationResponseSchema = authenticationResponseSchema(
  assertionResponseSchema(base64urlDecodedLaterSchema),
);

/** `AuthenticationResponseJSON` (WebAuthn L3 §5.1); see {@link authenticationResponseJSONSchema}. */
export type AuthenticationResponseJSON = z.output<typeof authenticationResponseJSONSchema>;

/**
 * Schema of `AuthenticatorAttestationResponseJSON` (WebAuthn L3 §5.1, the JSON form of §5.2.1). `transports`
 * are any strings (normalised later); `publicKey` and `publicKeyAlgorithm` are the browser's convenience
 * copies of the key in the attestation object.
 */
export const authenticatorAttestationResponseJSONSchema: z.ZodObject<
  {
    clientDataJSON: z.ZodString;
    attestationObject: z.ZodString;
    authenticatorData: z.ZodOptional<z.ZodString>;
    transports: z.ZodOptional<z.ZodArray<z.ZodString>>;
    publicKey: z.ZodOptional<z.ZodString>;
    publicKeyAlgorithm: z.ZodOptional<z.ZodNumberFormat>;
  },
  z.core.$strip
> = z.object({
  clientDataJSON: clientDataJSONSchema,
  attestationObject: base64urlBytesSchema('attestationObject', 1, MAX_ATTESTATION_OBJECT_BYTES),
  authenticatorData: authenticatorDataSchema.optional(),
  transports: z.array(z.string()).optional(),
  publicKey: base64urlBytesSchema('publicKey', 1, MAX_PUBLIC_KEY_BYTES).optional(),
  publicKeyAlgorithm: z.int32().optional(),
});

/**
 * Schema of `RegistrationResponseJSON` (WebAuthn L3 §5.1), what `credential.toJSON()` returns after
 * `navigator.credentials.create()`. Member rules as in {@link authenticationResponseJSONSchema}.
 */
export const registrationResponseJSONSchema: z.ZodObject<
  {
    id: typeof credentialIdSchema;
    rawId: typeof credentialIdSchema;
    type: z.ZodString;
    response: typeof authenticatorAttestationResponseJSONSchema;
    authenticatorAttachment: typeof authenticatorAttachmentSchema;
    clientExtensionResults: typeof clientExtensionResultsSchema;
  },
  z.core.$strip
> = z.object(
  {
    id: credentialIdSchema,
    rawId: credentialIdSchema,
    type: z.string(),
    response: authenticatorAttestationResponseJSONSchema,
    authenticatorAttachment: authenticatorAttachmentSchema,
    clientExtensionResults: clientExtensionResultsSchema,
  },
  { error: 'expected the object that PublicKeyCredential.toJSON() returns' },
);

/** `RegistrationResponseJSON` (WebAuthn L3 §5.1); see {@link registrationResponseJSONSchema}. */
export type RegistrationResponseJSON = z.output<typeof registrationResponseJSONSchema>;

/**
 * Checks the shape of an authentication response (WebAuthn L3 §5.1 `AuthenticationResponseJSON`) as
 * received from the browser, typically the parsed request body.
 *
 * @param json - the value `credential.toJSON()` produced, after a trip through JSON
 * @returns the response with unknown members removed and an empty or `null` `userHandle` removed
 * @throws {TesseraError} `malformed_response` naming each problem by path, never quoting a value
 * @example
 * ```ts
 * const response = parseAuthenticationResponse(await request.json());
 * response.response.signature; // base64url
 * ```
 */
export function parseAuthenticationResponse(json: unknown): AuthenticationResponseJSON {
  return parseOrThrow(authenticationResponseJSONSchema, json, 'malformed_response', 'authentication response');
}

/**
 * Checks the shape of a registration response (WebAuthn L3 §5.1 `RegistrationResponseJSON`) as received
 * from the browser, typically the parsed request body.
 *
 * @param json - the value `credential.toJSON()` produced, after a trip through JSON
 * @returns the response with unknown members removed
 * @throws {TesseraError} `malformed_response` naming each problem by path, never quoting a value
 * @example
 * ```ts
 * const response = parseRegistrationResponse(await request.json());
 * response.response.attestationObject; // base64url
 * ```
 */
export function parseRegistrationResponse(json: unknown): RegistrationResponseJSON {
  return parseOrThrow(registrationResponseJSONSchema, json, 'malformed_response', 'registration response');
}

/** Removes `userHandle: null` and `userHandle: ""`, which clients send for "no user handle" (§5.2.2). */
function dropEmptyUserHandle(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || !('userHandle' in value)) return value;
  const { userHandle, ...rest } = value as { userHandle: unknown };
  return userHandle === null || userHandle === '' ? rest : value;
}

import { z } from 'zod';
import { parseOrThrow } from './_zod.ts';
import { challengeSchema, generateChallenge } from './challenge.ts';
import {
  credentialDescriptorInputSchema,
  normalizeCredentialDescriptors,
  publicKeyCredentialDescriptorJSONSchema,
} from './credentialDescriptor.ts';
import { TesseraError } from './errors.ts';
import { authenticationExtensionsInputSchema, type AuthenticationExtensionsClientInputsJSON } from './extensions.ts';
import { dedupeHints, publicKeyCredentialHintSchema } from './hints.ts';
import { rpIdSchema } from './rpId.ts';
import { DEFAULT_TIMEOUT_MS, timeoutSchema } from './timeout.ts';
import { transportPolicySchema } from './transports.ts';
import { userVerificationRequirementSchema } from './userVerification.ts';

/**
 * Schema of the input of {@link buildAuthenticationOptions}. Unknown members are rejected, so a misspelt
 * option (`userVerfication`) fails loudly instead of being ignored.
 */
export const authenticationOptionsInputSchema: z.ZodObject<
  {
    rpId: typeof rpIdSchema;
    challenge: z.ZodOptional<typeof challengeSchema>;
    timeout: z.ZodOptional<typeof timeoutSchema>;
    userVerification: z.ZodOptional<typeof userVerificationRequirementSchema>;
    allowCredentials: z.ZodOptional<z.ZodArray<typeof credentialDescriptorInputSchema>>;
    hints: z.ZodOptional<z.ZodArray<typeof publicKeyCredentialHintSchema>>;
    extensions: z.ZodOptional<typeof authenticationExtensionsInputSchema>;
    transportPolicy: z.ZodOptional<typeof transportPolicySchema>;
  },
  z.core.$strict
> = z.strictObject({
  rpId: rpIdSchema,
  challenge: challengeSchema.optional(),
  timeout: timeoutSchema.optional(),
  userVerification: userVerificationRequirementSchema.optional(),
  allowCredentials: z.array(credentialDescriptorInputSchema).optional(),
  hints: z.array(publicKeyCredentialHintSchema).optional(),
  extensions: authenticationExtensionsInputSchema.optional(),
  transportPolicy: transportPolicySchema.optional(),
});

/** Input of {@link buildAuthenticationOptions}; see {@link authenticationOptionsInputSchema}. */
export type AuthenticationOptionsInput = z.input<typeof authenticationOptionsInputSchema>;

/**
 * Schema of `PublicKeyCredentialRequestOptionsJSON` (WebAuthn L3 §5.1.9, the JSON form of §5.5
 * `PublicKeyCredentialRequestOptions`) as this library emits it: a strict subset of what the browser's
 * `PublicKeyCredential.parseRequestOptionsFromJSON()` accepts (our bounds on challenge size and timeout,
 * and no members the builder does not emit).
 */
export const publicKeyCredentialRequestOptionsJSONSchema: z.ZodObject<
  {
    challenge: typeof challengeSchema;
    timeout: z.ZodOptional<typeof timeoutSchema>;
    rpId: z.ZodOptional<typeof rpIdSchema>;
    allowCredentials: z.ZodOptional<z.ZodArray<typeof publicKeyCredentialDescriptorJSONSchema>>;
    userVerification: z.ZodOptional<typeof userVerificationRequirementSchema>;
    hints: z.ZodOptional<z.ZodArray<typeof publicKeyCredentialHintSchema>>;
    extensions: z.ZodOptional<typeof authenticationExtensionsInputSchema>;
  },
  z.core.$strict
> = z.strictObject({
  challenge: challengeSchema,
  timeout: timeoutSchema.optional(),
  rpId: rpIdSchema.optional(),
  allowCredentials: z.array(publicKeyCredentialDescriptorJSONSchema).optional(),
  userVerification: userVerificationRequirementSchema.optional(),
  hints: z.array(publicKeyCredentialHintSchema).optional(),
  extensions: authenticationExtensionsInputSchema.optional(),
});

/** `PublicKeyCredentialRequestOptionsJSON` (WebAuthn L3 §5.1.9); see {@link publicKeyCredentialRequestOptionsJSONSchema}. */
export type PublicKeyCredentialRequestOptionsJSON = z.output<typeof publicKeyCredentialRequestOptionsJSONSchema>;

/**
 * Builds options for `navigator.credentials.get()` in their JSON form (WebAuthn L3 §5.5, §5.1.9).
 *
 * - `challenge`: a fresh 32-byte challenge ({@link generateChallenge}) unless one is given, which must be
 *   canonical base64url of 16–64 bytes.
 * - `timeout`: 300000 ms unless given (§15.1's recommended default); `userVerification`: `'preferred'`
 *   unless given (§5.5's default).
 * - `allowCredentials`: ids must be canonical base64url of 1–1023 bytes; repeated ids collapse into one
 *   descriptor with merged transports; transports are normalised (`cable` → `hybrid`, duplicates dropped,
 *   unknown values dropped or, with `transportPolicy: 'strict'`, rejected).
 * - `hints`: §5.8.8 values, repeated ones dropped, order kept.
 * - `extensions`: `appid`, `prf`, `largeBlob` and `getCredBlob` are shape-checked (and `prf.evalByCredential`
 *   keys must name allowed credentials, §10.1.4; `largeBlob.write` needs exactly one allowed credential,
 *   §10.1.5); other extensions pass through if JSON-serialisable.
 * - Absent optional members are omitted, never `undefined`; so are empty `allowCredentials`, `hints` and
 *   `extensions`, whose spec defaults are empty.
 *
 * @param input - see {@link AuthenticationOptionsInput}
 * @returns options ready to send to the browser
 * @throws {TesseraError} `invalid_options` for any invalid input, `unknown_transport` under the strict policy
 * @example
 * ```ts
 * const options = buildAuthenticationOptions({
 *   rpId: 'example.com',
 *   allowCredentials: [{ id: 'AAECAwQFBgcICQoLDA0ODw', transports: ['usb', 'nfc'] }],
 * });
 * // { challenge: '…', timeout: 300000, rpId: 'example.com', allowCredentials: [...], userVerification: 'preferred' }
 * ```
 */
export function buildAuthenticationOptions(input: AuthenticationOptionsInput): PublicKeyCredentialRequestOptionsJSON {
  return assembleAuthenticationOptions(
    parseOrThrow(authenticationOptionsInputSchema, input, 'invalid_options', 'authentication options'),
  );
}

/**
 * Assembles options from input that already passed {@link authenticationOptionsInputSchema}.
 *
 * @internal shared with the relying party, which validates its own (wider) input first
 */
export function assembleAuthenticationOptions(
  input: z.output<typeof authenticationOptionsInputSchema>,
): PublicKeyCredentialRequestOptionsJSON {
  const options: PublicKeyCredentialRequestOptionsJSON = {
    challenge: input.challenge ?? generateChallenge(),
    timeout: input.timeout ?? DEFAULT_TIMEOUT_MS,
    rpId: input.rpId,
  };
  if (input.allowCredentials !== undefined && input.allowCredentials.length > 0) {
    options.allowCredentials = normalizeCredentialDescriptors(input.allowCredentials, input.transportPolicy ?? 'lenient');
  }
  options.userVerification = input.userVerification ?? 'preferred';
  if (input.hints !== undefined && input.hints.length > 0) options.hints = dedupeHints(input.hints);
  if (input.extensions !== undefined && Object.keys(input.extensions).length > 0) {
    checkPrfCredentials(input.extensions.prf?.evalByCredential, options.allowCredentials);
    checkLargeBlobWrite(input.extensions.largeBlob?.write, options.allowCredentials);
    // A deep copy through JSON (the schema proved it is JSON): drops members given as undefined, and keeps
    // later changes to the caller's objects out of the options.
    options.extensions = JSON.parse(JSON.stringify(input.extensions)) as AuthenticationExtensionsClientInputsJSON;
  }
  return options;
}

/**
 * WebAuthn L3 §10.1.4 (prf, client extension processing for authentication): `evalByCredential` needs a
 * non-empty `allowCredentials`, and each of its keys must be the base64url id of an allowed credential;
 * otherwise the browser rejects the whole call. Caught here, where the mistake is made.
 */
function checkPrfCredentials(
  evalByCredential: Readonly<Record<string, unknown>> | undefined,
  allowCredentials: readonly { id: string }[] | undefined,
): void {
  if (evalByCredential === undefined) return;
  const keys = Object.keys(evalByCredential);
  if (keys.length === 0) return;
  if (allowCredentials === undefined) {
    throw new TesseraError('invalid_options', 'Invalid authentication options: extensions.prf.evalByCredential needs allowCredentials.');
  }
  const allowed = new Set(allowCredentials.map((descriptor) => descriptor.id));
  for (const key of keys) {
    if (!allowed.has(key)) {
      throw new TesseraError(
        'invalid_options',
        'Invalid authentication options: every extensions.prf.evalByCredential key must be the id of a credential in allowCredentials.',
      );
    }
  }
}

/**
 * WebAuthn L3 §10.1.5 (largeBlob, client extension processing for authentication): a `write` needs exactly
 * one credential in `allowCredentials`, since the blob is written to one credential.
 */
function checkLargeBlobWrite(write: string | undefined, allowCredentials: readonly unknown[] | undefined): void {
  if (write !== undefined && allowCredentials?.length !== 1) {
    throw new TesseraError(
      'invalid_options',
      'Invalid authentication options: extensions.largeBlob.write needs exactly one credential in allowCredentials.',
    );
  }
}

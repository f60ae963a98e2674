import { z } from 'zod';
import { parseOrThrow } from './_zod.ts';
import { challengeSchema, generateChallenge } from './challenge.ts';
import { COSE_ALGORITHMS, type CoseAlgorithm } from './cose.ts';
import {
  credentialDescriptorInputSchema,
  normalizeCredentialDescriptors,
  publicKeyCredentialDescriptorJSONSchema,
} from './credentialDescriptor.ts';
import { TesseraError } from './errors.ts';
import { dedupeHints, publicKeyCredentialHintSchema } from './hints.ts';
import { registrationExtensionsInputSchema, type RegistrationExtensionsClientInputsJSON } from './registrationExtensions.ts';
import { rpIdSchema } from './rpId.ts';
import { DEFAULT_TIMEOUT_MS, timeoutSchema } from './timeout.ts';
import { transportPolicySchema } from './transports.ts';
import { userHandleSchema } from './userHandle.ts';
import { userVerificationRequirementSchema } from './userVerification.ts';

/**
 * Algorithms offered by default, most preferred first (WebAuthn L3 §5.4 `pubKeyCredParams`): EdDSA, ES256,
 * RS256. ES256 and RS256 cover practically every authenticator; EdDSA first because it is the fastest to
 * verify and has no signature malleability.
 */
export const DEFAULT_REGISTRATION_ALGORITHMS: readonly CoseAlgorithm[] = [COSE_ALGORITHMS.EdDSA, COSE_ALGORITHMS.ES256, COSE_ALGORITHMS.RS256];

/** Schema of a COSE algorithm this library can verify (RS1 only where explicitly allowed at verification). */
export const coseAlgorithmSchema: z.ZodLiteral<CoseAlgorithm> = z.literal(Object.values(COSE_ALGORITHMS), {
  error: 'must be a COSE algorithm this library verifies (ES256, ES384, ES512, EdDSA, Ed25519, RS256, RS384, RS512, PS256, PS384, PS512, RS1, ML-DSA-44, ML-DSA-65, ML-DSA-87)',
});

/** Schema of `PublicKeyCredentialUserEntityJSON` (WebAuthn L3 §5.4.3): user handle, account name and display name. */
export const userEntitySchema: z.ZodObject<
  { id: typeof userHandleSchema; name: z.ZodString; displayName: z.ZodString },
  z.core.$strict
> = z.strictObject({
  id: userHandleSchema,
  name: z.string().min(1, 'user.name must not be empty').max(256, 'user.name must be at most 256 characters'),
  displayName: z.string().max(256, 'user.displayName must be at most 256 characters'),
});

/** The values of WebAuthn L3 §5.4.6 `ResidentKeyRequirement`. */
export const residentKeyRequirementSchema: z.ZodEnum<{ discouraged: 'discouraged'; preferred: 'preferred'; required: 'required' }> =
  z.enum(['discouraged', 'preferred', 'required']);

/** Schema of `AuthenticatorSelectionCriteria` (WebAuthn L3 §5.4.4). */
export const authenticatorSelectionSchema: z.ZodObject<
  {
    authenticatorAttachment: z.ZodOptional<z.ZodEnum<{ platform: 'platform'; 'cross-platform': 'cross-platform' }>>;
    residentKey: z.ZodOptional<typeof residentKeyRequirementSchema>;
    requireResidentKey: z.ZodOptional<z.ZodBoolean>;
    userVerification: z.ZodOptional<typeof userVerificationRequirementSchema>;
  },
  z.core.$strict
> = z.strictObject({
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
  residentKey: residentKeyRequirementSchema.optional(),
  requireResidentKey: z.boolean().optional(),
  userVerification: userVerificationRequirementSchema.optional(),
});

/** The values of WebAuthn L3 §5.4.7 `AttestationConveyancePreference`. */
export const attestationConveyanceSchema: z.ZodEnum<{ none: 'none'; indirect: 'indirect'; direct: 'direct'; enterprise: 'enterprise' }> =
  z.enum(['none', 'indirect', 'direct', 'enterprise']);

/** One of the values of {@link attestationConveyanceSchema}. */
export type AttestationConveyancePreference = z.output<typeof attestationConveyanceSchema>;

/** Schema of the input of {@link buildRegistrationOptions}; unknown members are rejected. */
export const registrationOptionsInputSchema: z.ZodObject<
  {
    rpId: typeof rpIdSchema;
    rpName: z.ZodString;
    user: typeof userEntitySchema;
    challenge: z.ZodOptional<typeof challengeSchema>;
    timeout: z.ZodOptional<typeof timeoutSchema>;
    algorithms: z.ZodOptional<z.ZodArray<typeof coseAlgorithmSchema>>;
    excludeCredentials: z.ZodOptional<z.ZodArray<typeof credentialDescriptorInputSchema>>;
    authenticatorSelection: z.ZodOptional<typeof authenticatorSelectionSchema>;
    hints: z.ZodOptional<z.ZodArray<typeof publicKeyCredentialHintSchema>>;
    attestation: z.ZodOptional<typeof attestationConveyanceSchema>;
    extensions: z.ZodOptional<typeof registrationExtensionsInputSchema>;
    transportPolicy: z.ZodOptional<typeof transportPolicySchema>;
  },
  z.core.$strict
> = z.strictObject({
  rpId: rpIdSchema,
  rpName: z.string().trim().min(1, 'rpName must not be empty').max(256, 'rpName must be at most 256 characters'),
  user: userEntitySchema,
  challenge: challengeSchema.optional(),
  timeout: timeoutSchema.optional(),
  algorithms: z.array(coseAlgorithmSchema).min(1, 'algorithms must list at least one algorithm').optional(),
  excludeCredentials: z.array(credentialDescriptorInputSchema).optional(),
  authenticatorSelection: authenticatorSelectionSchema.optional(),
  hints: z.array(publicKeyCredentialHintSchema).optional(),
  attestation: attestationConveyanceSchema.optional(),
  extensions: registrationExtensionsInputSchema.optional(),
  transportPolicy: transportPolicySchema.optional(),
});

/** Input of {@link buildRegistrationOptions}; see {@link registrationOptionsInputSchema}. */
export type RegistrationOptionsInput = z.input<typeof registrationOptionsInputSchema>;

/** Schema of `PublicKeyCredentialParameters` in JSON (WebAuthn L3 §5.3). */
export const publicKeyCredentialParametersSchema: z.ZodObject<
  { type: z.ZodLiteral<'public-key'>; alg: typeof coseAlgorithmSchema },
  z.core.$strict
> = z.strictObject({ type: z.literal('public-key'), alg: coseAlgorithmSchema });

/**
 * Schema of `PublicKeyCredentialCreationOptionsJSON` (WebAuthn L3 §5.1.8, the JSON form of §5.4) as this
 * library emits it: a strict subset of what `PublicKeyCredential.parseCreationOptionsFromJSON()` accepts.
 */
export const publicKeyCredentialCreationOptionsJSONSchema: z.ZodObject<
  {
    rp: z.ZodObject<{ id: typeof rpIdSchema; name: z.ZodString }, z.core.$strict>;
    user: typeof userEntitySchema;
    challenge: typeof challengeSchema;
    pubKeyCredParams: z.ZodArray<typeof publicKeyCredentialParametersSchema>;
    timeout: z.ZodOptional<typeof timeoutSchema>;
    excludeCredentials: z.ZodOptional<z.ZodArray<typeof publicKeyCredentialDescriptorJSONSchema>>;
    authenticatorSelection: z.ZodOptional<typeof authenticatorSelectionSchema>;
    hints: z.ZodOptional<z.ZodArray<typeof publicKeyCredentialHintSchema>>;
    attestation: z.ZodOptional<typeof attestationConveyanceSchema>;
    extensions: z.ZodOptional<typeof registrationExtensionsInputSchema>;
  },
  z.core.$strict
> = z.strictObject({
  rp: z.strictObject({ id: rpIdSchema, name: z.string() }),
  user: userEntitySchema,
  challenge: challengeSchema,
  pubKeyCredParams: z.array(publicKeyCredentialParametersSchema),
  timeout: timeoutSchema.optional(),
  excludeCredentials: z.array(publicKeyCredentialDescriptorJSONSchema).optional(),
  authenticatorSelection: authenticatorSelectionSchema.optional(),
  hints: z.array(publicKeyCredentialHintSchema).optional(),
  attestation: attestationConveyanceSchema.optional(),
  extensions: registrationExtensionsInputSchema.optional(),
});

/** `PublicKeyCredentialCreationOptionsJSON` (WebAuthn L3 §5.1.8); see {@link publicKeyCredentialCreationOptionsJSONSchema}. */
export type PublicKeyCredentialCreationOptionsJSON = z.output<typeof publicKeyCredentialCreationOptionsJSONSchema>;

/**
 * Builds options for `navigator.credentials.create()` in their JSON form (WebAuthn L3 §5.4, §5.1.8).
 *
 * - `challenge`: a fresh 32-byte challenge unless given; `timeout`: 300000 ms (§15.1) unless given.
 * - `pubKeyCredParams`: `algorithms` (default {@link DEFAULT_REGISTRATION_ALGORITHMS}), repeats dropped.
 * - `excludeCredentials`: the user's existing credentials, normalised like `allowCredentials`, so the
 *   authenticator does not create a second credential for the same account (§5.4).
 * - `authenticatorSelection`: always emitted, defaulting to `residentKey: 'preferred'` (a passkey where the
 *   authenticator can) and `userVerification: 'preferred'`; `requireResidentKey` is set to match
 *   `residentKey` for Level 1 clients (§5.4.4). A conflicting pair is `invalid_options`.
 * - `attestation`: `'none'` unless given (§5.4.7); `hints` deduplicated; extensions shape-checked.
 *
 * @param input - see {@link RegistrationOptionsInput}
 * @returns options ready for `PublicKeyCredential.parseCreationOptionsFromJSON()`
 * @throws {TesseraError} `invalid_options` for invalid input, `unknown_transport` under the strict policy
 * @example
 * ```ts
 * const options = buildRegistrationOptions({
 *   rpId: 'example.com',
 *   rpName: 'Example',
 *   user: { id: user.handle, name: user.email, displayName: user.name },
 * });
 * ```
 */
export function buildRegistrationOptions(input: RegistrationOptionsInput): PublicKeyCredentialCreationOptionsJSON {
  return assembleRegistrationOptions(parseOrThrow(registrationOptionsInputSchema, input, 'invalid_options', 'registration options'));
}

/**
 * Assembles options from input that already passed {@link registrationOptionsInputSchema}.
 *
 * @internal shared with the relying party
 */
export function assembleRegistrationOptions(
  input: z.output<typeof registrationOptionsInputSchema>,
): PublicKeyCredentialCreationOptionsJSON {
  const algorithms = [...new Set(input.algorithms ?? DEFAULT_REGISTRATION_ALGORITHMS)];
  const options: PublicKeyCredentialCreationOptionsJSON = {
    rp: { id: input.rpId, name: input.rpName },
    user: { id: input.user.id, name: input.user.name, displayName: input.user.displayName },
    challenge: input.challenge ?? generateChallenge(),
    pubKeyCredParams: algorithms.map((alg) => ({ type: 'public-key', alg })),
    timeout: input.timeout ?? DEFAULT_TIMEOUT_MS,
  };
  if (input.excludeCredentials !== undefined && input.excludeCredentials.length > 0) {
    options.excludeCredentials = normalizeCredentialDescriptors(input.excludeCredentials, input.transportPolicy ?? 'lenient');
  }
  options.authenticatorSelection = authenticatorSelectionOf(input.authenticatorSelection ?? {});
  if (input.hints !== undefined && input.hints.length > 0) options.hints = dedupeHints(input.hints);
  options.attestation = input.attestation ?? 'none';
  if (input.extensions !== undefined && Object.keys(input.extensions).length > 0) {
    options.extensions = JSON.parse(JSON.stringify(input.extensions)) as RegistrationExtensionsClientInputsJSON;
  }
  return options;
}

/**
 * WebAuthn L3 §5.4.4: `requireResidentKey` is kept for Level 1 clients and must be true exactly when
 * `residentKey` is `required`; `residentKey` defaults to `preferred` here, `required` when only
 * `requireResidentKey: true` is given.
 */
function authenticatorSelectionOf(
  selection: z.output<typeof authenticatorSelectionSchema>,
): z.output<typeof authenticatorSelectionSchema> {
  const residentKey = selection.residentKey ?? (selection.requireResidentKey === true ? 'required' : 'preferred');
  if (selection.requireResidentKey !== undefined && selection.requireResidentKey !== (residentKey === 'required')) {
    throw new TesseraError(
      'invalid_options',
      'Invalid registration options: authenticatorSelection.requireResidentKey must be true exactly when residentKey is "required".',
    );
  }
  return {
    ...(selection.authenticatorAttachment === undefined ? {} : { authenticatorAttachment: selection.authenticatorAttachment }),
    residentKey,
    requireResidentKey: residentKey === 'required',
    userVerification: selection.userVerification ?? 'preferred',
  };
}

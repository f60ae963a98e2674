import { z } from 'zod';
import { parseOrThrow } from './_zod.ts';
import { credentialIdSchema } from './credentialDescriptor.ts';
import { rpIdSchema } from './rpId.ts';
import { userHandleSchema } from './userHandle.ts';

/*
 * The Signal API of WebAuthn L3 §5.1.10: a relying party tells the user's authenticators (through the browser's
 * `PublicKeyCredential.signal*` methods) that a credential is unknown, which credentials it still accepts, or
 * what the user is now called. The server builds the exact dictionaries; the page passes them on unchanged.
 */

/** Most credential ids one `allAcceptedCredentialIds` list may carry: far above any user's passkeys, far below harm. */
export const MAX_ACCEPTED_CREDENTIAL_IDS = 1000;

/** Schema of `UnknownCredentialOptions` (WebAuthn L3 §5.1.10): `{ rpId, credentialId }`, the id base64url. */
export const unknownCredentialOptionsSchema: z.ZodObject<{ rpId: typeof rpIdSchema; credentialId: typeof credentialIdSchema }, z.core.$strict> =
  z.strictObject({ rpId: rpIdSchema, credentialId: credentialIdSchema });

/** `UnknownCredentialOptions` (WebAuthn L3 §5.1.10), for `PublicKeyCredential.signalUnknownCredential()`. */
export type UnknownCredentialOptions = z.output<typeof unknownCredentialOptionsSchema>;

/**
 * Schema of `AllAcceptedCredentialsOptions` (WebAuthn L3 §5.1.10): `{ rpId, userId, allAcceptedCredentialIds }`,
 * the user handle and ids base64url; at most {@link MAX_ACCEPTED_CREDENTIAL_IDS} ids, without repeats.
 */
export const allAcceptedCredentialsOptionsSchema: z.ZodObject<
  { rpId: typeof rpIdSchema; userId: typeof userHandleSchema; allAcceptedCredentialIds: z.ZodArray<typeof credentialIdSchema> },
  z.core.$strict
> = z.strictObject({
  rpId: rpIdSchema,
  userId: userHandleSchema,
  allAcceptedCredentialIds: z
    .array(credentialIdSchema)
    .max(MAX_ACCEPTED_CREDENTIAL_IDS, `allAcceptedCredentialIds must list at most ${MAX_ACCEPTED_CREDENTIAL_IDS} ids`)
    .refine((ids) => new Set(ids).size === ids.length, 'allAcceptedCredentialIds must not repeat an id'),
});

/** `AllAcceptedCredentialsOptions` (WebAuthn L3 §5.1.10), for `PublicKeyCredential.signalAllAcceptedCredentials()`. */
export type AllAcceptedCredentialsOptions = z.output<typeof allAcceptedCredentialsOptionsSchema>;

/**
 * Schema of `CurrentUserDetailsOptions` (WebAuthn L3 §5.1.10): `{ rpId, userId, name, displayName }`, with the
 * same bounds as the user entity at registration (§5.4.3: `name` 1–256 characters, `displayName` at most 256).
 */
export const currentUserDetailsOptionsSchema: z.ZodObject<
  { rpId: typeof rpIdSchema; userId: typeof userHandleSchema; name: z.ZodString; displayName: z.ZodString },
  z.core.$strict
> = z.strictObject({
  rpId: rpIdSchema,
  userId: userHandleSchema,
  name: z.string().min(1, 'name must not be empty').max(256, 'name must be at most 256 characters'),
  displayName: z.string().max(256, 'displayName must be at most 256 characters'),
});

/** `CurrentUserDetailsOptions` (WebAuthn L3 §5.1.10), for `PublicKeyCredential.signalCurrentUserDetails()`. */
export type CurrentUserDetailsOptions = z.output<typeof currentUserDetailsOptionsSchema>;

/**
 * Schema of the `signals` member adapters attach to their answers: each member, when present, is the argument
 * of the browser method of the same name (`PublicKeyCredential.signalUnknownCredential(signals.unknownCredential)`, …).
 */
export const signalsSchema: z.ZodObject<
  {
    unknownCredential: z.ZodOptional<typeof unknownCredentialOptionsSchema>;
    allAcceptedCredentials: z.ZodOptional<typeof allAcceptedCredentialsOptionsSchema>;
    currentUserDetails: z.ZodOptional<typeof currentUserDetailsOptionsSchema>;
  },
  z.core.$strict
> = z.strictObject({
  unknownCredential: unknownCredentialOptionsSchema.optional(),
  allAcceptedCredentials: allAcceptedCredentialsOptionsSchema.optional(),
  currentUserDetails: currentUserDetailsOptionsSchema.optional(),
});

/** The `signals` member of an adapter's answer; see {@link signalsSchema}. */
export type Signals = z.output<typeof signalsSchema>;

/**
 * Builds the argument of `PublicKeyCredential.signalUnknownCredential()` (WebAuthn L3 §5.1.10): send it when a
 * sign-in used a credential the relying party does not know (deleted, or never registered), so the user's
 * authenticator can remove or hide it. Reveals nothing about the account: only the id the browser sent.
 *
 * @param input - `rpId` and the unknown `credentialId` (base64url)
 * @returns a fresh `{ rpId, credentialId }`
 * @throws {TesseraError} `invalid_argument` for an invalid RP ID or an id that is not canonical base64url of 1–1023 bytes
 * @example
 * ```ts
 * const signal = signalUnknownCredential({ rpId: 'example.com', credentialId: 'AQIDBA' });
 * ```
 */
export function signalUnknownCredential(input: UnknownCredentialOptions): UnknownCredentialOptions {
  const { rpId, credentialId } = parseOrThrow(unknownCredentialOptionsSchema, input, 'invalid_argument', 'unknown-credential signal');
  return { rpId, credentialId };
}

/**
 * Builds the argument of `PublicKeyCredential.signalAllAcceptedCredentials()` (WebAuthn L3 §5.1.10): every
 * credential id the relying party still accepts for the user, so authenticators can hide the others. Send it
 * only to the signed-in user (it lists their ids and user handle, §14.6.3), after a sign-in, a list or a delete.
 *
 * @param input - `rpId`, the user handle `userId` and `allAcceptedCredentialIds` (all base64url)
 * @returns a fresh `{ rpId, userId, allAcceptedCredentialIds }`
 * @throws {TesseraError} `invalid_argument` for an invalid RP ID, user handle or id, a repeated id, or more
 *   than {@link MAX_ACCEPTED_CREDENTIAL_IDS} ids
 * @example
 * ```ts
 * const signal = signalAllAcceptedCredentials({ rpId: 'example.com', userId: 'dXNlcg', allAcceptedCredentialIds: ['AQIDBA'] });
 * ```
 */
export function signalAllAcceptedCredentials(input: AllAcceptedCredentialsOptions): AllAcceptedCredentialsOptions {
  const { rpId, userId, allAcceptedCredentialIds } = parseOrThrow(allAcceptedCredentialsOptionsSchema, input, 'invalid_argument', 'all-accepted-credentials signal');
  return { rpId, userId, allAcceptedCredentialIds: [...allAcceptedCredentialIds] };
}

/**
 * Builds the argument of `PublicKeyCredential.signalCurrentUserDetails()` (WebAuthn L3 §5.1.10): the user's
 * current account name and display name, so authenticators show them next to the user's passkeys. Send it to
 * the signed-in user after their name changes.
 *
 * @param input - `rpId`, the user handle `userId` (base64url), `name` and `displayName`
 * @returns a fresh `{ rpId, userId, name, displayName }`
 * @throws {TesseraError} `invalid_argument` for an invalid RP ID or user handle, an empty `name`, or a name over 256 characters
 * @example
 * ```ts
 * const signal = signalCurrentUserDetails({ rpId: 'example.com', userId: 'dXNlcg', name: 'ada@example.com', displayName: 'Ada' });
 * ```
 */
export function signalCurrentUserDetails(input: CurrentUserDetailsOptions): CurrentUserDetailsOptions {
  const { rpId, userId, name, displayName } = parseOrThrow(currentUserDetailsOptionsSchema, input, 'invalid_argument', 'current-user-details signal');
  return { rpId, userId, name, displayName };
}

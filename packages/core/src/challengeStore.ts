import { z } from 'zod';
import { challengeSchema } from './challenge.ts';
import { authenticationExtensionsInputSchema } from './extensions.ts';
import { credentialIdSchema } from './credentialDescriptor.ts';
import { parseOrThrow } from './_zod.ts';
import { TesseraError } from './errors.ts';
import { publicKeyCredentialHintSchema } from './hints.ts';
import { registrationExtensionsInputSchema } from './registrationExtensions.ts';
import { attestationConveyanceSchema, coseAlgorithmSchema } from './registrationOptions.ts';
import { rpIdSchema } from './rpId.ts';
import { userHandleSchema } from './userHandle.ts';
import { userVerificationRequirementSchema } from './userVerification.ts';

/**
 * Schema of what a relying party remembers about an authentication ceremony between issuing options and
 * verifying the browser's answer: everything WebAuthn L3 §7.2 needs from the request (the allowed
 * credentials for step 5, the user for step 6, the challenge for step 11, the RP ID for step 14 — or the
 * `appid` extension's, the user verification requirement for step 16, the extensions for step 19) and when
 * the request stops being redeemable.
 */
export const authenticationChallengeRecordSchema: z.ZodObject<
  {
    ceremony: z.ZodLiteral<'authentication'>;
    challenge: typeof challengeSchema;
    rpId: typeof rpIdSchema;
    userId: z.ZodOptional<typeof userHandleSchema>;
    allowCredentialIds: z.ZodArray<typeof credentialIdSchema>;
    userVerification: typeof userVerificationRequirementSchema;
    hints: z.ZodArray<typeof publicKeyCredentialHintSchema>;
    extensions: z.ZodOptional<typeof authenticationExtensionsInputSchema>;
    expiresAt: z.ZodNumber;
  },
  z.core.$strict
> = z.strictObject({
  ceremony: z.literal('authentication'),
  challenge: challengeSchema,
  rpId: rpIdSchema,
  userId: userHandleSchema.optional(),
  allowCredentialIds: z.array(credentialIdSchema),
  userVerification: userVerificationRequirementSchema,
  hints: z.array(publicKeyCredentialHintSchema),
  extensions: authenticationExtensionsInputSchema.optional(),
  expiresAt: z.number().int().nonnegative(),
});

/** The stored context of one authentication ceremony; see {@link authenticationChallengeRecordSchema}. */
export type AuthenticationChallengeRecord = z.output<typeof authenticationChallengeRecordSchema>;

/**
 * Schema of what a relying party remembers about a registration ceremony (WebAuthn L3 §7.1): the challenge
 * (step 8), RP ID (step 13), user verification requirement (step 15), offered algorithms (step 18),
 * extensions (step 19), the attestation preference (steps 20–23), the user the credential is for, the
 * credentials it must not duplicate (step 25), and whether it is a conditional create (`mediation`, step 14).
 */
export const registrationChallengeRecordSchema: z.ZodObject<
  {
    ceremony: z.ZodLiteral<'registration'>;
    challenge: typeof challengeSchema;
    rpId: typeof rpIdSchema;
    userId: typeof userHandleSchema;
    userVerification: typeof userVerificationRequirementSchema;
    algorithms: z.ZodArray<typeof coseAlgorithmSchema>;
    attestation: typeof attestationConveyanceSchema;
    excludeCredentialIds: z.ZodArray<typeof credentialIdSchema>;
    extensions: z.ZodOptional<typeof registrationExtensionsInputSchema>;
    mediation: z.ZodOptional<z.ZodLiteral<'conditional'>>;
    expiresAt: z.ZodNumber;
  },
  z.core.$strict
> = z.strictObject({
  ceremony: z.literal('registration'),
  challenge: challengeSchema,
  rpId: rpIdSchema,
  userId: userHandleSchema,
  userVerification: userVerificationRequirementSchema,
  algorithms: z.array(coseAlgorithmSchema).min(1),
  attestation: attestationConveyanceSchema,
  excludeCredentialIds: z.array(credentialIdSchema),
  extensions: registrationExtensionsInputSchema.optional(),
  // Present only for a conditional create (WebAuthn L3 §5.1.3), which may come back without UP (§7.1 step 14);
  // records written before it existed lack it and are normal ceremonies.
  mediation: z.literal('conditional').optional(),
  expiresAt: z.number().int().nonnegative(),
});

/** The stored context of one registration ceremony; see {@link registrationChallengeRecordSchema}. */
export type RegistrationChallengeRecord = z.output<typeof registrationChallengeRecordSchema>;

/**
 * Schema of any record a {@link ChallengeStore} holds, told apart by `ceremony`. Stores that serialise
 * records (Redis, a database) validate what they read back with it.
 */
export const challengeRecordSchema: z.ZodDiscriminatedUnion<
  [typeof authenticationChallengeRecordSchema, typeof registrationChallengeRecordSchema],
  'ceremony'
> = z.discriminatedUnion('ceremony', [authenticationChallengeRecordSchema, registrationChallengeRecordSchema]);

/** Any record a {@link ChallengeStore} holds; see {@link challengeRecordSchema}. */
export type ChallengeRecord = z.output<typeof challengeRecordSchema>;

/**
 * One-time storage for ceremony contexts, keyed by an unguessable ticket.
 *
 * A challenge must be redeemable once (WebAuthn L3 §13.4.3: the relying party keeps the challenge only for
 * the ceremony it was issued for), so the contract is:
 *
 * - `save(key, record, ttlMs)` stores `record` for `ttlMs` milliseconds. It never overwrites a live record:
 *   saving under a key that holds one rejects with `challenge_store_conflict`.
 * - `consume(key)` atomically removes and returns the record, or `undefined` if there is none or it has
 *   expired. Across all callers, processes and servers sharing the store, a saved record is returned by
 *   **at most one** `consume`, ever.
 * - A saved record is a copy: changing the object after `save`, or one `consume` returned, changes nothing
 *   the store holds.
 *
 * Prove a new implementation with the suite in `@tessera/core/testing`.
 */
export interface ChallengeStore {
  /**
   * @param key - the ticket
   * @param record - the ceremony context
   * @param ttlMs - lifetime in milliseconds, a positive integer
   * @throws {TesseraError} `challenge_store_conflict` if `key` holds a live record; `invalid_argument` for a bad key or TTL
   */
  save(key: string, record: ChallengeRecord, ttlMs: number): Promise<void>;
  /**
   * @param key - the ticket
   * @returns the record if it was live, removing it; otherwise `undefined`
   */
  consume(key: string): Promise<ChallengeRecord | undefined>;
}

/** Longest key a store must accept; keys are tickets, 32 characters in practice. */
export const MAX_CHALLENGE_STORE_KEY_LENGTH = 256;

/**
 * Checks the arguments every {@link ChallengeStore} receives, so that all implementations reject the same
 * bad calls with the same error.
 *
 * @param key - must be a non-empty string of at most 256 characters
 * @param ttlMs - if given, must be a positive safe integer
 * @throws {TesseraError} `invalid_argument`
 */
export function assertChallengeStoreArguments(key: string, ttlMs?: number): void {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_CHALLENGE_STORE_KEY_LENGTH) {
    throw new TesseraError('invalid_argument', `Challenge store key must be a string of 1–${MAX_CHALLENGE_STORE_KEY_LENGTH} characters.`);
  }
  if (ttlMs !== undefined && !(Number.isSafeInteger(ttlMs) && ttlMs > 0)) {
    throw new TesseraError('invalid_argument', 'Challenge store TTL must be a positive whole number of milliseconds.');
  }
}

/**
 * A record as text for stores that hold strings (Redis, a SQL column): compact JSON. Records are JSON by
 * construction, so {@link parseStoredChallengeRecord} gives back an equal record.
 *
 * @param record - the record to store
 * @returns its compact JSON
 */
export function serializeChallengeRecord(record: ChallengeRecord): string {
  return JSON.stringify(record);
}

/**
 * The record a store read back, validated with {@link challengeRecordSchema}: anything this library did not
 * write (corrupted bytes, another application's value under the same key) is refused, never used.
 *
 * @param text - what the store returned
 * @returns the record
 * @throws {TesseraError} `corrupt_store_record` if it is not JSON or not a record
 */
export function parseStoredChallengeRecord(text: string): ChallengeRecord {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new TesseraError('corrupt_store_record', 'A stored challenge record is not valid JSON.', { cause: error });
  }
  return parseOrThrow(challengeRecordSchema, json, 'corrupt_store_record', 'stored challenge record');
}

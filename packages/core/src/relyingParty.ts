import { z } from 'zod';
import { parseOrThrow } from './_zod.ts';
import {
  assembleAuthenticationOptions,
  authenticationOptionsInputSchema,
  type PublicKeyCredentialRequestOptionsJSON,
} from './authenticationOptions.ts';
import {
  authenticationChallengeRecordSchema,
  type AuthenticationChallengeRecord,
  type ChallengeStore,
} from './challengeStore.ts';
import { DEFAULT_TIMEOUT_MS, timeoutSchema } from './timeout.ts';
import { isOriginOfRpId, originSchema } from './origin.ts';
import { TesseraError } from './errors.ts';
import { rpIdSchema } from './rpId.ts';
import { generateTicket } from './ticket.ts';
import { transportPolicySchema } from './transports.ts';
import { userHandleSchema } from './userHandle.ts';
import { userVerificationRequirementSchema } from './userVerification.ts';

/**
 * How long a ceremony stays redeemable beyond its `timeout` when `challengeTtlMs` is not set: 30 s, for the
 * network round trip and clocks that disagree. The browser may use the whole timeout (WebAuthn L3 §5.5,
 * §15.1), so the record must outlive it.
 */
export const CHALLENGE_TTL_GRACE_MS = 30_000;

const challengeStoreSchema: z.ZodCustom<ChallengeStore> = z.custom<ChallengeStore>(
  (value) =>
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ChallengeStore).save === 'function' &&
    typeof (value as ChallengeStore).consume === 'function',
  'must be a ChallengeStore (an object with save and consume methods)',
);

/** Schema of the configuration of {@link createRelyingParty}. */
export const relyingPartyConfigSchema: z.ZodObject<
  {
    rpId: typeof rpIdSchema;
    rpName: z.ZodString;
    origins: z.ZodArray<typeof originSchema>;
    relatedOrigins: z.ZodOptional<z.ZodArray<typeof originSchema>>;
    challengeStore: typeof challengeStoreSchema;
    challengeTtlMs: z.ZodOptional<z.ZodNumber>;
    timeout: z.ZodOptional<typeof timeoutSchema>;
    userVerification: z.ZodOptional<typeof userVerificationRequirementSchema>;
    transportPolicy: z.ZodOptional<typeof transportPolicySchema>;
    now: z.ZodOptional<z.ZodCustom<() => number>>;
  },
  z.core.$strict
> = z.strictObject({
  rpId: rpIdSchema,
  rpName: z.string().trim().min(1, 'rpName must not be empty').max(256, 'rpName must be at most 256 characters'),
  origins: z.array(originSchema).min(1, 'origins must list at least one origin'),
  relatedOrigins: z.array(originSchema).optional(),
  challengeStore: challengeStoreSchema,
  challengeTtlMs: z.number().int().positive('challengeTtlMs must be positive').optional(),
  timeout: timeoutSchema.optional(),
  userVerification: userVerificationRequirementSchema.optional(),
  transportPolicy: transportPolicySchema.optional(),
  now: z.custom<() => number>((value) => typeof value === 'function', 'now must be a function').optional(),
});

/** Cross-member rules of the configuration, checked after its schema. */
function checkConfig(settings: z.output<typeof relyingPartyConfigSchema>): void {
  for (const origin of settings.origins) {
    if (!isOriginOfRpId(origin, settings.rpId)) {
      throw new TesseraError(
        'invalid_config',
        `Invalid relying party configuration: origin ${origin} cannot use RP ID ${settings.rpId} (its host must be the RP ID or a subdomain of it, WebAuthn L3 §5.1.4.1); list origins on other domains in relatedOrigins (§5.11).`,
      );
    }
  }
  const timeout = settings.timeout ?? DEFAULT_TIMEOUT_MS;
  if (settings.challengeTtlMs !== undefined && settings.challengeTtlMs < timeout) {
    throw new TesseraError(
      'invalid_config',
      `Invalid relying party configuration: challengeTtlMs (${settings.challengeTtlMs}) must be at least the timeout (${timeout}), or ceremonies expire before the browser gives up.`,
    );
  }
}

/** Configuration of {@link createRelyingParty}; see {@link relyingPartyConfigSchema}. */
export type RelyingPartyConfig = z.input<typeof relyingPartyConfigSchema>;

/** Schema of the input of {@link RelyingParty.startAuthentication}. */
export const startAuthenticationInputSchema: z.ZodObject<
  {
    userId: z.ZodOptional<typeof userHandleSchema>;
    allowCredentials: typeof authenticationOptionsInputSchema.shape.allowCredentials;
    userVerification: typeof authenticationOptionsInputSchema.shape.userVerification;
    hints: typeof authenticationOptionsInputSchema.shape.hints;
    extensions: typeof authenticationOptionsInputSchema.shape.extensions;
    timeout: typeof authenticationOptionsInputSchema.shape.timeout;
  },
  z.core.$strict
> = z.strictObject({
  userId: userHandleSchema.optional(),
  allowCredentials: authenticationOptionsInputSchema.shape.allowCredentials,
  userVerification: authenticationOptionsInputSchema.shape.userVerification,
  hints: authenticationOptionsInputSchema.shape.hints,
  extensions: authenticationOptionsInputSchema.shape.extensions,
  timeout: authenticationOptionsInputSchema.shape.timeout,
});

/** Input of {@link RelyingParty.startAuthentication}; see {@link startAuthenticationInputSchema}. */
export type StartAuthenticationInput = z.input<typeof startAuthenticationInputSchema>;

/** What {@link RelyingParty.startAuthentication} resolves to. */
export interface StartedAuthentication {
  /** Send to the browser for `PublicKeyCredential.parseRequestOptionsFromJSON()` (WebAuthn L3 §5.1.9). */
  options: PublicKeyCredentialRequestOptionsJSON;
  /**
   * Send to the browser too; it comes back with the assertion and names the stored ceremony. 192 random
   * bits, unrelated to the challenge.
   */
  ticket: string;
}

/** A relying party bound to one RP ID, its origins and a challenge store. */
export interface RelyingParty {
  /** The RP ID (WebAuthn L3 §4). */
  readonly rpId: string;
  /** The human-palatable RP name (WebAuthn L3 §5.4.1), shown by authenticators at registration. */
  readonly rpName: string;
  /**
   * The origins whose `clientDataJSON.origin` will be accepted (WebAuthn L3 §7.2 step 12): `origins`
   * followed by `relatedOrigins`.
   */
  readonly origins: readonly string[];
  /**
   * Starts an authentication ceremony (WebAuthn L3 §5.5, §7.2): builds request options and stores their
   * context under a fresh ticket until the ceremony is finished or expires.
   *
   * @param input - `userId` (the user handle, base64url, when the user is known) and the options to build
   * @returns the options for the browser and the ticket to send back with the answer
   * @throws {TesseraError} `invalid_options` or `unknown_transport` for bad input; whatever the store throws
   * @example
   * ```ts
   * const { options, ticket } = await rp.startAuthentication({
   *   userId: user.handle,
   *   allowCredentials: user.passkeys.map(({ id, transports }) => ({ id, transports })),
   * });
   * ```
   */
  startAuthentication(input?: StartAuthenticationInput): Promise<StartedAuthentication>;
}

/**
 * Creates a relying party: the object that runs WebAuthn ceremonies for one site.
 *
 * The store's TTL for a ceremony is `challengeTtlMs` when set, else the ceremony's timeout plus
 * {@link CHALLENGE_TTL_GRACE_MS}.
 *
 * @param config - RP ID, name, expected origins, challenge store and defaults; see {@link RelyingPartyConfig}
 * @returns the relying party
 * @throws {TesseraError} `invalid_config` when the configuration fails its schema
 * @example
 * ```ts
 * const rp = createRelyingParty({
 *   rpId: 'example.com',
 *   rpName: 'Example',
 *   origins: ['https://example.com'],
 *   challengeStore: new MemoryChallengeStore(),
 * });
 * ```
 */
export function createRelyingParty(config: RelyingPartyConfig): RelyingParty {
  const settings = parseOrThrow(relyingPartyConfigSchema, config, 'invalid_config', 'relying party configuration');
  checkConfig(settings);
  const { rpId, rpName, challengeStore, challengeTtlMs, transportPolicy = 'lenient' } = settings;
  const origins = Object.freeze([...settings.origins, ...(settings.relatedOrigins ?? [])]);
  const now = settings.now ?? Date.now;
  const defaultTimeout = settings.timeout ?? DEFAULT_TIMEOUT_MS;
  const defaultUserVerification = settings.userVerification ?? 'preferred';

  async function startAuthentication(input: StartAuthenticationInput = {}): Promise<StartedAuthentication> {
    const { userId, ...request } = parseOrThrow(
      startAuthenticationInputSchema,
      input,
      'invalid_options',
      'authentication request',
    );
    const timeout = request.timeout ?? defaultTimeout;
    if (challengeTtlMs !== undefined && timeout > challengeTtlMs) {
      throw new TesseraError('invalid_options', 'Invalid authentication request: timeout exceeds the relying party\'s challengeTtlMs.');
    }
    const userVerification = request.userVerification ?? defaultUserVerification;
    const options = assembleAuthenticationOptions({ ...request, rpId, timeout, userVerification, transportPolicy });
    const ttlMs = challengeTtlMs ?? timeout + CHALLENGE_TTL_GRACE_MS;
    // Built from the options' own values and fresh arrays, then validated, so nothing the caller holds
    // aliases the stored record, and a broken clock cannot store a record that never expires.
    const record: AuthenticationChallengeRecord = parseOrThrow(
      authenticationChallengeRecordSchema,
      {
        ceremony: 'authentication',
        challenge: options.challenge,
        rpId,
        ...(userId === undefined ? {} : { userId }),
        allowCredentialIds: options.allowCredentials?.map((descriptor) => descriptor.id) ?? [],
        userVerification,
        hints: [...(options.hints ?? [])],
        ...(options.extensions === undefined ? {} : { extensions: JSON.parse(JSON.stringify(options.extensions)) as unknown }),
        expiresAt: now() + ttlMs,
      },
      'invalid_config',
      'challenge record (is the now() clock returning epoch milliseconds?)',
    );
    const ticket = generateTicket();
    await challengeStore.save(ticket, record, ttlMs);
    return { options, ticket };
  }

  return Object.freeze({ rpId, rpName, origins, startAuthentication });
}

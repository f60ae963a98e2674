import { z } from 'zod';
import { parseOrThrow } from './_zod.ts';
import {
  assembleAuthenticationOptions,
  authenticationOptionsInputSchema,
  type PublicKeyCredentialRequestOptionsJSON,
} from './authenticationOptions.ts';
import type { AuthenticationChallengeRecord, ChallengeRecord, ChallengeStore, RegistrationChallengeRecord } from './challengeStore.ts';
import type { CredentialRecord, CredentialStore, CredentialUpdate } from './credentialStore.ts';
import type { PublicKeyCache } from './publicKeyCache.ts';
import {
  assembleRegistrationOptions,
  authenticatorSelectionSchema,
  registrationOptionsInputSchema,
  residentKeyRequirementSchema,
  type PublicKeyCredentialCreationOptionsJSON,
} from './registrationOptions.ts';
import { parseAuthenticationResponse, parseRegistrationResponse } from './responseJSON.ts';
import { ticketForChallenge, ticketSchema } from './ticket.ts';
import {
  verifyParsedAuthenticationResponse,
  type AuthenticationVerification,
  type BackupEligibilityPolicy,
  type SignCountPolicy,
} from './verifyAuthenticationResponse.ts';
import {
  verifyRegistrationResponse,
  type AttestationResult,
  type TrustDecision,
  type RegistrationVerification,
} from './verifyRegistrationResponse.ts';
import { DEFAULT_TIMEOUT_MS, timeoutSchema } from './timeout.ts';
import { base64url } from './base64url.ts';
import { parseClientDataJSON } from './clientData.ts';
import { COSE_ALGORITHMS } from './cose.ts';
import { isOriginOfRpId, originSchema } from './origin.ts';
import { TesseraError } from './errors.ts';
import { isAttestationTrustAnchors, type AttestationTrustAnchors } from './attestation/trust.ts';
import { rpIdSchema } from './rpId.ts';
import { transportPolicySchema } from './transports.ts';
import { userHandleSchema } from './userHandle.ts';
import { userVerificationRequirementSchema } from './userVerification.ts';
import type { DescribeAuthenticator } from './passkeyItem.ts';
import { passkeyManagement, type PasskeyManagement } from './passkeyManagement.ts';
import { relatedOriginsSchema, wellKnownWebauthnDocument, type WellKnownWebauthnDocument } from './relatedOrigins.ts';

/**
 * How long a ceremony stays redeemable beyond its `timeout` when `challengeTtlMs` is not set: 30 s, for the
 * network round trip and clocks that disagree. The browser may use the whole timeout (WebAuthn L3 §5.5,
 * §15.1), so the record must outlive it.
 */
export const CHALLENGE_TTL_GRACE_MS = 30_000;

const challengeStoreSchema: z.ZodCustom<ChallengeStore, ChallengeStore> = z.custom<ChallengeStore>(
  (value) =>
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ChallengeStore).save === 'function' &&
    typeof (value as ChallengeStore).consume === 'function',
  'must be a ChallengeStore (an object with save and consume methods)',
);

/** The methods of the `CredentialStore` contract a relying party calls or hands on to adapters. */
const CREDENTIAL_STORE_METHODS = ['get', 'listByUser', 'listRecordsByUser', 'create', 'updateAfterAuthentication', 'rename', 'delete'] as const;

const credentialStoreSchema: z.ZodCustom<CredentialStore, CredentialStore> = z.custom<CredentialStore>(
  (value) =>
    typeof value === 'object' &&
    value !== null &&
    CREDENTIAL_STORE_METHODS.every((name) => typeof (value as Record<string, unknown>)[name] === 'function'),
  `must be a CredentialStore (an object with ${CREDENTIAL_STORE_METHODS.join(', ')} methods)`,
);

/**
 * Decides whether a verified attestation's trust path is trustworthy (WebAuthn L3 §7.1 steps 22–23). Called only
 * for ceremonies that requested an attestation other than `'none'`, and only with statements that verified.
 */
export type TrustAttestation = (attestation: AttestationResult) => TrustDecision | Promise<TrustDecision>;

/** Schema of the configuration of {@link createRelyingParty}. */
export const relyingPartyConfigSchema: z.ZodObject<
  {
    rpId: typeof rpIdSchema;
    rpName: z.ZodString;
    origins: z.ZodArray<typeof originSchema>;
    relatedOrigins: z.ZodOptional<typeof relatedOriginsSchema>;
    challengeStore: typeof challengeStoreSchema;
    credentialStore: typeof credentialStoreSchema;
    keepAttestation: z.ZodOptional<z.ZodBoolean>;
    challengeTtlMs: z.ZodOptional<z.ZodNumber>;
    timeout: z.ZodOptional<typeof timeoutSchema>;
    userVerification: z.ZodOptional<typeof userVerificationRequirementSchema>;
    transportPolicy: z.ZodOptional<typeof transportPolicySchema>;
    algorithms: typeof registrationOptionsInputSchema.shape.algorithms;
    residentKey: z.ZodOptional<typeof residentKeyRequirementSchema>;
    attestation: typeof registrationOptionsInputSchema.shape.attestation;
    signCountPolicy: z.ZodOptional<z.ZodLiteral<'reject'>>;
    backupEligibilityPolicy: z.ZodOptional<z.ZodEnum<{ reject: 'reject'; allow: 'allow' }>>;
    topOrigins: z.ZodOptional<z.ZodArray<typeof originSchema>>;
    allowRS1: z.ZodOptional<z.ZodBoolean>;
    trustAttestation: z.ZodOptional<z.ZodCustom<TrustAttestation, TrustAttestation>>;
    androidKeyAllowSoftwareEnforced: z.ZodOptional<z.ZodBoolean>;
    safetyNetCtsProfileMatchRequired: z.ZodOptional<z.ZodBoolean>;
    safetyNetMaxAgeMs: z.ZodOptional<z.ZodNumber>;
    attestationTrustAnchors: z.ZodOptional<z.ZodCustom<AttestationTrustAnchors, AttestationTrustAnchors>>;
    keyCache: z.ZodOptional<z.ZodCustom<PublicKeyCache, PublicKeyCache>>;
    now: z.ZodOptional<z.ZodCustom<() => number, () => number>>;
    describeAuthenticator: z.ZodOptional<z.ZodCustom<DescribeAuthenticator, DescribeAuthenticator>>;
  },
  z.core.$strict
> = z.strictObject({
  rpId: rpIdSchema,
  rpName: z.string().trim().min(1, 'rpName must not be empty').max(256, 'rpName must be at most 256 characters'),
  origins: z.array(originSchema).min(1, 'origins must list at least one origin'),
  relatedOrigins: relatedOriginsSchema.optional(),
  challengeStore: challengeStoreSchema,
  credentialStore: credentialStoreSchema,
  keepAttestation: z.boolean().optional(),
  challengeTtlMs: z.number().int().positive('challengeTtlMs must be positive').optional(),
  timeout: timeoutSchema.optional(),
  userVerification: userVerificationRequirementSchema.optional(),
  transportPolicy: transportPolicySchema.optional(),
  algorithms: registrationOptionsInputSchema.shape.algorithms,
  residentKey: residentKeyRequirementSchema.optional(),
  // The default attestation conveyance of registrations (§5.4.7), so adapters' routes can ask for it too.
  attestation: registrationOptionsInputSchema.shape.attestation,
  // Only 'reject': the store's compare-and-set cannot write a counter that did not advance (§7.2 step 22).
  signCountPolicy: z.literal('reject', { message: "signCountPolicy must be 'reject': a counter that did not advance is never stored" }).optional(),
  backupEligibilityPolicy: z.enum(['reject', 'allow']).optional(),
  topOrigins: z.array(originSchema).optional(),
  allowRS1: z.boolean().optional(),
  trustAttestation: z
    .custom<TrustAttestation>((value) => typeof value === 'function', 'trustAttestation must be a function')
    .optional(),
  // Attestation format policies (WebAuthn L3 §8.4, §8.5); see AttestationStatementInput.
  androidKeyAllowSoftwareEnforced: z.boolean().optional(),
  safetyNetCtsProfileMatchRequired: z.boolean().optional(),
  safetyNetMaxAgeMs: z.number().int().nonnegative('safetyNetMaxAgeMs must not be negative').optional(),
  attestationTrustAnchors: z
    .custom<AttestationTrustAnchors>(isAttestationTrustAnchors, 'attestationTrustAnchors must be { global?, byFormat?, byAaguid? } of DER certificate arrays')
    .optional(),
  keyCache: z
    .custom<PublicKeyCache>((value) => typeof value === 'object' && value !== null && 'getOrLoad' in value, 'keyCache must be a PublicKeyCache')
    .optional(),
  now: z.custom<() => number>((value) => typeof value === 'function', 'now must be a function').optional(),
  // Names and icons of authenticator models for listPasskeys, e.g. MetadataService.describeAuthenticator.
  describeAuthenticator: z
    .custom<DescribeAuthenticator>((value) => typeof value === 'function', 'describeAuthenticator must be a function')
    .optional(),
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
  if (settings.algorithms?.includes(COSE_ALGORITHMS.RS1) === true && settings.allowRS1 !== true) {
    throw new TesseraError(
      'invalid_config',
      'Invalid relying party configuration: algorithms offers RS1, which is refused at verification unless allowRS1 is true.',
    );
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

/** Schema of the input of {@link RelyingParty.startRegistration}. */
export const startRegistrationInputSchema: z.ZodObject<
  {
    user: typeof registrationOptionsInputSchema.shape.user;
    excludeCredentials: typeof registrationOptionsInputSchema.shape.excludeCredentials;
    authenticatorSelection: typeof registrationOptionsInputSchema.shape.authenticatorSelection;
    attestation: typeof registrationOptionsInputSchema.shape.attestation;
    algorithms: typeof registrationOptionsInputSchema.shape.algorithms;
    hints: typeof registrationOptionsInputSchema.shape.hints;
    extensions: typeof registrationOptionsInputSchema.shape.extensions;
    timeout: typeof registrationOptionsInputSchema.shape.timeout;
    mediation: z.ZodOptional<z.ZodLiteral<'conditional'>>;
  },
  z.core.$strict
> = z.strictObject({
  user: registrationOptionsInputSchema.shape.user,
  excludeCredentials: registrationOptionsInputSchema.shape.excludeCredentials,
  authenticatorSelection: registrationOptionsInputSchema.shape.authenticatorSelection,
  attestation: registrationOptionsInputSchema.shape.attestation,
  algorithms: registrationOptionsInputSchema.shape.algorithms,
  hints: registrationOptionsInputSchema.shape.hints,
  extensions: registrationOptionsInputSchema.shape.extensions,
  timeout: registrationOptionsInputSchema.shape.timeout,
  // A conditional create (passkey upgrade, WebAuthn L3 §5.1.3): kept in the ceremony record, and only such a
  // ceremony may come back without UP (§7.1 step 14).
  mediation: z.literal('conditional', { message: "mediation must be 'conditional' or absent" }).optional(),
});

/** Input of {@link RelyingParty.startRegistration}; see {@link startRegistrationInputSchema}. */
export type StartRegistrationInput = z.input<typeof startRegistrationInputSchema>;

/** What {@link RelyingParty.startRegistration} resolves to. */
export interface StartedRegistration {
  /** Send to the browser for `PublicKeyCredential.parseCreationOptionsFromJSON()` (WebAuthn L3 §5.1.8). */
  options: PublicKeyCredentialCreationOptionsJSON;
  /** Send to the browser too; it comes back with the new credential. */
  ticket: string;
}

/** Input of {@link RelyingParty.finishRegistration}. */
export interface FinishRegistrationInput {
  /** The ticket {@link RelyingParty.startRegistration} returned; when absent, derived from the response's challenge. */
  ticket?: string | undefined;
  /**
   * What the browser's `credential.toJSON()` returned after `navigator.credentials.create()`, as parsed from
   * the request body: `unknown`, because it is validated here (`malformed_response` unless it is a
   * `RegistrationResponseJSON`, §5.1), so no cast is needed.
   */
  response: unknown;
  /**
   * The user the caller is signed in as (user handle, base64url), when there is one: the ceremony must have
   * been started for them (`user_handle_mismatch`), checked before anything is stored.
   */
  userId?: string | undefined;
}

/** Input of {@link RelyingParty.finishAuthentication}. */
export interface FinishAuthenticationInput {
  /** The ticket {@link RelyingParty.startAuthentication} returned; when absent, derived from the response's challenge. */
  ticket?: string | undefined;
  /**
   * What the browser's `credential.toJSON()` returned after `navigator.credentials.get()`, as parsed from the
   * request body: `unknown`, because it is validated here (`malformed_response` unless it is an
   * `AuthenticationResponseJSON`, §5.1), so no cast is needed.
   */
  response: unknown;
  /**
   * The user the caller is signed in as (user handle, base64url), when there is one: the credential must be
   * theirs (`credential_not_allowed`), checked before anything is verified or stored.
   */
  userId?: string | undefined;
}

/** What {@link RelyingParty.finishAuthentication} resolves to. */
export interface FinishedAuthentication extends AuthenticationVerification {
  /** The user who signed in: the credential's owner (user handle, base64url). */
  userId: string;
  /** What was stored in the credential record (WebAuthn L3 §7.2 step 24) by the compare-and-set. */
  credentialUpdate: CredentialUpdate;
  /** The credential record as it now stands in the store, after the update. */
  credential: CredentialRecord;
}

/** What {@link RelyingParty.startAuthentication} resolves to. */
export interface StartedAuthentication {
  /** Send to the browser for `PublicKeyCredential.parseRequestOptionsFromJSON()` (WebAuthn L3 §5.1.9). */
  options: PublicKeyCredentialRequestOptionsJSON;
  /**
   * Names the stored ceremony: send it to the browser with the options and have it come back with the answer,
   * or leave it out of the envelope and let `finishAuthentication` derive it from the answer (see
   * `ticketForChallenge`).
   */
  ticket: string;
}

/** A relying party bound to one RP ID, its origins, a challenge store and a credential store. */
export interface RelyingParty extends PasskeyManagement {
  /** The RP ID (WebAuthn L3 §4). */
  readonly rpId: string;
  /** The human-palatable RP name (WebAuthn L3 §5.4.1), shown by authenticators at registration. */
  readonly rpName: string;
  /**
   * The origins whose `clientDataJSON.origin` will be accepted (WebAuthn L3 §7.2 step 12): `origins`
   * followed by `relatedOrigins`.
   */
  readonly origins: readonly string[];
  /** The `relatedOrigins` of the configuration (WebAuthn L3 §5.11), empty when none. */
  readonly relatedOrigins: readonly string[];
  /**
   * The document to serve at `https://<RP ID>/.well-known/webauthn` (WebAuthn L3 §5.11), or `undefined`
   * when the relying party has no `relatedOrigins` (answer 404 then).
   *
   * @returns a fresh `{ origins }`, or `undefined`
   */
  wellKnownWebauthn(): WellKnownWebauthnDocument | undefined;
  /**
   * Where this relying party keeps credential records (WebAuthn L3 §4): the `credentialStore` it was created
   * with, for the application's own reads (a passkey-management page, for instance).
   */
  readonly credentialStore: CredentialStore;
  /**
   * Starts an authentication ceremony (WebAuthn L3 §5.5, §7.2): builds request options and stores their
   * context under a fresh ticket until the ceremony is finished or expires. When `userId` is given and
   * `allowCredentials` is not, `allowCredentials` lists the user's credentials from the credential store
   * (`listByUser`); an explicit `[]` lists none (a discoverable sign-in, §5.4.6).
   *
   * @param input - `userId` (the user handle, base64url, when the user is known) and the options to build
   * @returns the options for the browser and the ticket to send back with the answer
   * @throws {TesseraError} `invalid_options` or `unknown_transport` for bad input; whatever the stores throw
   * @example
   * ```ts
   * const { options, ticket } = await rp.startAuthentication({ userId: user.handle });
   * ```
   */
  startAuthentication(input?: StartAuthenticationInput): Promise<StartedAuthentication>;
  /**
   * Finishes an authentication ceremony (WebAuthn L3 §7.2). The ticket is consumed **before** anything is
   * verified, so a failed attempt burns it too and no ticket is ever accepted twice. Then: the credential
   * must be one of the ceremony's `allowCredentials` when there were any (step 5); it must exist and belong
   * to the ceremony's user, or to the user named by `userHandle` in a discoverable sign-in (step 6); user
   * verification is required exactly when the ceremony said `required` (step 16); and the assertion is
   * verified (steps 7–22). Then the record is updated (step 24) with the store's compare-and-set on the
   * counter read before verifying: of any number of concurrent sign-ins carrying the same non-zero counter
   * (a cloned authenticator, §6.1.1), exactly one succeeds and the others fail `sign_count_regression`.
   *
   * @param input - the ticket, the browser's response, and the signed-in caller if any
   * @returns the verification, the user who signed in, what was stored and the updated record
   * @throws {TesseraError} `ticket_not_found`, `credential_not_allowed`, `unknown_credential` (also when the
   *   credential was deleted while verifying), `user_handle_mismatch`, `sign_count_regression` (a counter
   *   that did not advance, or another sign-in stored one first), every code of `verifyAuthenticationResponse`,
   *   and whatever the stores throw (`store_unavailable`)
   * @example
   * ```ts
   * const { userId } = await rp.finishAuthentication({ ticket, response });
   * ```
   */
  finishAuthentication(input: FinishAuthenticationInput): Promise<FinishedAuthentication>;
  /**
   * Starts a registration ceremony (WebAuthn L3 §5.4, §7.1): builds creation options for `user` and stores
   * their context under a fresh ticket. When `excludeCredentials` is not given, it lists the user's
   * credentials from the credential store (`listByUser`, §5.4.3), so an authenticator does not register
   * twice; an explicit `[]` excludes none.
   * `mediation: 'conditional'` starts a conditional create (a passkey upgrade, §5.1.3; the page then calls
   * `navigator.credentials.create({ mediation: 'conditional', publicKey })`): the ceremony record keeps it, and
   * only such a ceremony may finish with the UP flag clear (§7.1 step 14).
   *
   * @param input - the user (handle, account name, display name), credentials to exclude, and options
   * @returns the options for the browser and the ticket to send back with the new credential
   * @throws {TesseraError} `invalid_options` or `unknown_transport` for bad input; whatever the stores throw
   * @example
   * ```ts
   * const { options, ticket } = await rp.startRegistration({
   *   user: { id: user.handle, name: user.email, displayName: user.name },
   * });
   * ```
   */
  startRegistration(input: StartRegistrationInput): Promise<StartedRegistration>;
  /**
   * Finishes a registration ceremony (WebAuthn L3 §7.1): consumes the ticket first, verifies the response
   * against the stored ceremony (user verification required exactly when it said `required`, algorithm
   * among those offered) and returns the credential record to store. The attestation statement's `fmt` must be
   * registered (else `unsupported_attestation_format`), and the statement must verify by its format's procedure
   * whatever the ceremony requested: every registered format is verified (`SUPPORTED_ATTESTATION_FORMATS`), so
   * the record's `fmt` is the verified statement's. `attestationTrustAnchors` and `trustAttestation` are consulted
   * only when the ceremony requested more than `'none'` (§7.1 steps 22–23). The new record is then stored with
   * `credentialStore.create` (§7.1 steps 25–26), with the attestation object and client data bytes when the
   * relying party was created with `keepAttestation: true`.
   * User presence (UP) is required unless the ceremony was started with `mediation: 'conditional'` (§7.1 step 14).
   *
   * @param input - the ticket, the browser's response, and the signed-in caller if any
   * @returns the verification with the credential record as stored
   * @throws {TesseraError} `ticket_not_found`, `user_handle_mismatch` (a ceremony started for another user
   *   than `input.userId`), `credential_already_registered` (an excluded or already stored credential), every
   *   code of `verifyRegistrationResponse` (`unsupported_attestation_format`, `invalid_attestation`,
   *   `untrusted_attestation` among them), and whatever the stores throw (`store_unavailable`)
   * @example
   * ```ts
   * const { credential } = await rp.finishRegistration({ ticket, response });
   * ```
   */
  finishRegistration(input: FinishRegistrationInput): Promise<RegistrationVerification>;
}

/**
 * Creates a relying party: the object that runs WebAuthn ceremonies for one site.
 *
 * The store's TTL for a ceremony is `challengeTtlMs` when set, else the ceremony's timeout plus
 * {@link CHALLENGE_TTL_GRACE_MS}. Credential records live in `credentialStore`: registration creates them and
 * sign-in updates them there, so an application never writes a counter itself. `signCountPolicy` accepts only
 * `'reject'` (the default): a counter that did not advance is never stored.
 *
 * @param config - RP ID, name, expected origins, the two stores and defaults; see {@link RelyingPartyConfig}
 * @returns the relying party
 * @throws {TesseraError} `invalid_config` when the configuration fails its schema
 * @example
 * ```ts
 * const rp = createRelyingParty({
 *   rpId: 'example.com',
 *   rpName: 'Example',
 *   origins: ['https://example.com'],
 *   challengeStore: new MemoryChallengeStore(),
 *   credentialStore: new MemoryCredentialStore(),
 * });
 * ```
 */
export function createRelyingParty(config: RelyingPartyConfig): RelyingParty {
  const settings = parseOrThrow(relyingPartyConfigSchema, config, 'invalid_config', 'relying party configuration');
  checkConfig(settings);
  const { rpId, rpName, challengeStore, credentialStore, challengeTtlMs, transportPolicy = 'lenient' } = settings;
  const origins = Object.freeze([...settings.origins, ...(settings.relatedOrigins ?? [])]);
  const relatedOrigins = Object.freeze([...(settings.relatedOrigins ?? [])]);
  const wellKnownWebauthn = (): WellKnownWebauthnDocument | undefined =>
    relatedOrigins.length === 0 ? undefined : wellKnownWebauthnDocument(relatedOrigins);
  const now = settings.now ?? Date.now;
  const defaultTimeout = settings.timeout ?? DEFAULT_TIMEOUT_MS;
  const defaultUserVerification = settings.userVerification ?? 'preferred';

  function ttlFor(timeout: number): number {
    if (challengeTtlMs !== undefined && timeout > challengeTtlMs) {
      throw new TesseraError('invalid_options', 'Invalid ceremony request: timeout exceeds the relying party\'s challengeTtlMs.');
    }
    return challengeTtlMs ?? timeout + CHALLENGE_TTL_GRACE_MS;
  }

  /**
   * When a ceremony that starts now and lives `ttlMs` expires. Checked, so a broken clock cannot store a
   * record that never expires.
   */
  function expiryAfter(ttlMs: number): number {
    const expiresAt = now() + ttlMs;
    if (!Number.isSafeInteger(expiresAt) || expiresAt < 0) {
      throw new TesseraError('invalid_config', 'Invalid relying party configuration: now() must return epoch milliseconds as a whole number.');
    }
    return expiresAt;
  }

  /**
   * Stores a ceremony's record under its ticket. Records are built from values the schemas already
   * validated, in fresh arrays, with `extensions` deep-copied, so nothing the caller holds aliases them.
   */
  async function saveCeremony(record: ChallengeRecord, ttlMs: number): Promise<string> {
    const ticket = ticketForChallenge(record.challenge);
    await challengeStore.save(ticket, record, ttlMs);
    return ticket;
  }

  /**
   * Takes the ceremony stored under `ticket` out of the store, whatever happens next: a ticket is redeemable
   * once. Without a ticket, the ceremony is the one whose challenge the response answers. Anything but a
   * live record of the expected ceremony is `ticket_not_found`.
   */
  async function consumeCeremony<Ceremony extends ChallengeRecord['ceremony']>(
    givenTicket: unknown,
    response: unknown,
    ceremony: Ceremony,
  ): Promise<Extract<ChallengeRecord, { ceremony: Ceremony }>> {
    // Built only when thrown: an error captures a stack, which a successful finish need not pay for.
    const notFound = () => new TesseraError('ticket_not_found', `No ${ceremony} ceremony is waiting under this ticket: it is unknown, expired or already used.`);
    const ticket = givenTicket === undefined ? ticketForChallenge(challengeOf(response)) : givenTicket;
    if (!ticketSchema.safeParse(ticket).success) throw notFound();
    const record = await challengeStore.consume(ticket as string);
    if (record === undefined || record.ceremony !== ceremony || record.expiresAt <= now()) throw notFound();
    return record as Extract<ChallengeRecord, { ceremony: Ceremony }>;
  }

  async function startAuthentication(input: StartAuthenticationInput = {}): Promise<StartedAuthentication> {
    const request = parseOrThrow(startAuthenticationInputSchema, input, 'invalid_options', 'authentication request');
    const timeout = request.timeout ?? defaultTimeout;
    const ttlMs = ttlFor(timeout);
    const userVerification = request.userVerification ?? defaultUserVerification;
    const options = assembleAuthenticationOptions({
      rpId,
      timeout,
      userVerification,
      transportPolicy,
      allowCredentials:
        request.allowCredentials ?? (request.userId === undefined ? undefined : await credentialStore.listByUser(request.userId)),
      hints: request.hints,
      extensions: request.extensions,
    });
    // Built as one object literal (no spreads): this runs on every sign-in, and copying objects is what
    // used to cost the most here.
    const record: AuthenticationChallengeRecord = {
      ceremony: 'authentication',
      challenge: options.challenge,
      rpId,
      allowCredentialIds: options.allowCredentials === undefined ? [] : options.allowCredentials.map(idOf),
      userVerification,
      hints: options.hints === undefined ? [] : [...options.hints],
      expiresAt: expiryAfter(ttlMs),
    };
    if (request.userId !== undefined) record.userId = request.userId;
    if (options.extensions !== undefined) record.extensions = structuredClone(options.extensions);
    return { options, ticket: await saveCeremony(record, ttlMs) };
  }

  async function finishAuthentication(input: FinishAuthenticationInput): Promise<FinishedAuthentication> {
    const record = await consumeCeremony(input?.ticket, input?.response, 'authentication');
    const response = parseAuthenticationResponse(input.response);
    const caller = input.userId;

    // §7.2 step 5: one of the credentials the ceremony allowed, if it named any.
    if (record.allowCredentialIds.length > 0 && !record.allowCredentialIds.includes(response.id)) {
      throw new TesseraError('credential_not_allowed', 'The credential is not one this sign-in allowed.');
    }
    // §7.2 step 6: the credential exists and belongs to the user being authenticated.
    const credential = await credentialStore.get(response.id);
    if (credential === undefined) throw new TesseraError('unknown_credential', 'No credential with this id is registered.');
    if (credential.id !== response.id) throw new TesseraError('credential_mismatch', 'The credential store returned another credential.');
    checkCredentialOwner(record, credential, response.response.userHandle);
    if (caller !== undefined && credential.userId !== caller) {
      throw new TesseraError('credential_not_allowed', 'The credential belongs to another user than the caller.');
    }

    const verification = await verifyParsedAuthenticationResponse(response, {
      expectedChallenge: record.challenge,
      expectedOrigin: origins,
      expectedRpId: record.rpId,
      expectedTopOrigin: settings.topOrigins,
      credential,
      requireUserVerification: record.userVerification === 'required',
      appid: record.extensions?.appid,
      signCountPolicy: 'reject',
      backupEligibilityPolicy: settings.backupEligibilityPolicy,
      allowRS1: settings.allowRS1,
      keyCache: settings.keyCache,
    });
    // §7.2 step 24, as a compare-and-set on the counter read above: a concurrent sign-in that stored first
    // makes this one fail sign_count_regression; a credential deleted meanwhile is unknown.
    const credentialUpdate: CredentialUpdate = {
      expectedSignCount: credential.signCount,
      signCount: verification.newSignCount,
      backupState: verification.backupState,
      backupEligible: verification.backupEligible,
      uvInitialized: verification.userVerified,
      lastUsedAt: now(),
    };
    if (!(await credentialStore.updateAfterAuthentication(credential.id, credentialUpdate))) {
      throw new TesseraError('unknown_credential', 'The credential was deleted while the sign-in was verified.');
    }
    const { signCount, backupState, backupEligible, lastUsedAt } = credentialUpdate;
    const uvInitialized = credential.uvInitialized || credentialUpdate.uvInitialized; // as the store keeps it
    const stored: CredentialRecord = { ...credential, signCount, backupState, backupEligible, uvInitialized, lastUsedAt };
    return Object.assign(verification, { userId: credential.userId, credentialUpdate, credential: stored });
  }

  /**
   * The request's authenticator selection over the party's defaults (WebAuthn L3 §5.4.4): `userVerification`
   * from the configuration, and `residentKey` from it unless the request says either resident-key member.
   */
  function registrationSelectionOf(
    selection: z.output<typeof startRegistrationInputSchema>['authenticatorSelection'],
  ): z.output<typeof authenticatorSelectionSchema> {
    // Member by member, with `??`: a member given as `undefined` (which the schema keeps) means "not said",
    // and must not override a default such as `userVerification: 'required'`.
    const given = selection ?? {};
    const saysResidentKey = given.residentKey !== undefined || given.requireResidentKey !== undefined;
    const selected: z.output<typeof authenticatorSelectionSchema> = { userVerification: given.userVerification ?? defaultUserVerification };
    if (given.authenticatorAttachment !== undefined) selected.authenticatorAttachment = given.authenticatorAttachment;
    if (given.requireResidentKey !== undefined) selected.requireResidentKey = given.requireResidentKey;
    const residentKey = saysResidentKey ? given.residentKey : settings.residentKey;
    if (residentKey !== undefined) selected.residentKey = residentKey;
    return selected;
  }

  async function startRegistration(input: StartRegistrationInput): Promise<StartedRegistration> {
    const request = parseOrThrow(startRegistrationInputSchema, input, 'invalid_options', 'registration request');
    // As for the configuration's algorithms: RS1 offered but refused at finish would fail at its very end.
    if (request.algorithms?.includes(COSE_ALGORITHMS.RS1) === true && settings.allowRS1 !== true) {
      throw new TesseraError('invalid_options', 'Invalid registration request: algorithms offers RS1, which is refused unless allowRS1 is true.');
    }
    const timeout = request.timeout ?? defaultTimeout;
    const ttlMs = ttlFor(timeout);
    const excludeCredentials = request.excludeCredentials ?? (await credentialStore.listByUser(request.user.id));
    const options = assembleRegistrationOptions({
      ...request,
      excludeCredentials,
      rpId,
      rpName,
      timeout,
      transportPolicy,
      algorithms: request.algorithms ?? settings.algorithms,
      attestation: request.attestation ?? settings.attestation,
      authenticatorSelection: registrationSelectionOf(request.authenticatorSelection),
    });
    const record: RegistrationChallengeRecord = {
      ceremony: 'registration',
      challenge: options.challenge,
      rpId,
      userId: options.user.id,
      userVerification: options.authenticatorSelection?.userVerification ?? 'preferred',
      algorithms: options.pubKeyCredParams.map(({ alg }) => alg),
      attestation: options.attestation ?? 'none',
      excludeCredentialIds: options.excludeCredentials?.map(idOf) ?? [],
      expiresAt: expiryAfter(ttlMs),
    };
    if (options.extensions !== undefined) record.extensions = structuredClone(options.extensions);
    if (request.mediation === 'conditional') record.mediation = 'conditional';
    const ticket = await saveCeremony(record, ttlMs);
    return { options, ticket };
  }

  async function finishRegistration(input: FinishRegistrationInput): Promise<RegistrationVerification> {
    const record = await consumeCeremony(input?.ticket, input?.response, 'registration');
    if (input.userId !== undefined && input.userId !== record.userId) {
      throw new TesseraError('user_handle_mismatch', 'The registration was started for another user than the caller.');
    }
    const response = parseRegistrationResponse(input.response);
    const verification = await verifyRegistrationResponse({
      response,
      expectedChallenge: record.challenge,
      expectedOrigin: origins,
      expectedRpId: record.rpId,
      expectedTopOrigin: settings.topOrigins,
      userId: record.userId,
      requireUserVerification: record.userVerification === 'required',
      // §7.1 step 14: UP may be clear only for a ceremony this relying party started as conditional; nothing
      // the caller or the browser says can change what the stored record says.
      mediation: record.mediation === 'conditional' ? 'conditional' : undefined,
      algorithms: record.algorithms.filter((alg) => alg !== COSE_ALGORITHMS.RS1 || settings.allowRS1 === true),
      attestation: record.attestation,
      trustAttestation: settings.trustAttestation,
      androidKeyAllowSoftwareEnforced: settings.androidKeyAllowSoftwareEnforced,
      safetyNetCtsProfileMatchRequired: settings.safetyNetCtsProfileMatchRequired,
      safetyNetMaxAgeMs: settings.safetyNetMaxAgeMs,
      attestationTrustAnchors: settings.attestationTrustAnchors,
      now: now(),
    });
    // §7.1 step 25, for the credentials this ceremony knew about; the credential store checks all others.
    if (record.excludeCredentialIds.includes(verification.credential.id)) {
      throw new TesseraError('credential_already_registered', 'This credential is already registered.');
    }
    if (settings.keepAttestation === true) {
      // §4 "attestationObject", "attestationClientDataJSON": kept to verify the attestation again later.
      verification.credential.attestationObject = new Uint8Array(base64url.decode(response.response.attestationObject));
      verification.credential.attestationClientDataJSON = new Uint8Array(base64url.decode(response.response.clientDataJSON));
    }
    // §7.1 steps 25–26: the store refuses an id it knows (credential_already_registered), atomically.
    await credentialStore.create(verification.credential);
    return verification;
  }

  const management = passkeyManagement(rpId, credentialStore, settings.describeAuthenticator);
  return Object.freeze({
    rpId,
    rpName,
    origins,
    relatedOrigins,
    credentialStore,
    wellKnownWebauthn,
    startAuthentication,
    finishAuthentication,
    startRegistration,
    finishRegistration,
    ...management,
  });
}

/**
 * WebAuthn L3 §7.2 step 6. If the user was identified before the ceremony, the credential must be theirs and
 * a returned user handle must be theirs too. If not (a discoverable sign-in), the authenticator must return
 * the user handle, and the credential must belong to that user.
 */
function checkCredentialOwner(record: AuthenticationChallengeRecord, credential: CredentialRecord, userHandle: string | undefined): void {
  if (record.userId !== undefined) {
    if (credential.userId !== record.userId) {
      throw new TesseraError('credential_not_allowed', 'The credential belongs to another user than the one signing in.');
    }
    if (userHandle !== undefined && userHandle !== record.userId) {
      throw new TesseraError('user_handle_mismatch', 'The authenticator returned another user handle than the one signing in.');
    }
    return;
  }
  if (userHandle === undefined) {
    throw new TesseraError('user_handle_mismatch', 'A sign-in without a known user needs the user handle from the authenticator.');
  }
  if (userHandle !== credential.userId) {
    throw new TesseraError('user_handle_mismatch', 'The user handle does not belong to the credential’s owner.');
  }
}

/**
 * The challenge a browser response answers, read from its `clientDataJSON` (WebAuthn L3 §5.8.1), to find the
 * ceremony when no ticket was sent. Only structure is checked here; the ceremony's checks come later.
 */
function challengeOf(response: unknown): string {
  const encoded = (response as { response?: { clientDataJSON?: unknown } } | null | undefined)?.response?.clientDataJSON;
  const malformed = () => new TesseraError('malformed_response', 'Malformed response: response.clientDataJSON is missing or not base64url.');
  if (typeof encoded !== 'string') throw malformed();
  let bytes: Uint8Array;
  try {
    bytes = base64url.decode(encoded); // validates as it decodes
  } catch {
    throw malformed();
  }
  return parseClientDataJSON(bytes).challenge;
}

/** A credential descriptor's id. */
function idOf(descriptor: { id: string }): string {
  return descriptor.id;
}

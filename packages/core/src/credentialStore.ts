import { z } from 'zod';
import { REGISTERED_ATTESTATION_FORMATS, type RegisteredAttestationFormat } from './attestation/formats.ts';
import { parseOrThrow } from './_zod.ts';
import { credentialIdSchema } from './credentialDescriptor.ts';
import { credentialNameSchema, normalizeCredentialName } from './credentialName.ts';
import { TesseraError } from './errors.ts';
import { authenticatorTransportSchema, type AuthenticatorTransport } from './transports.ts';
import { userHandleSchema } from './userHandle.ts';

/** An AAGUID (§6.5.1) in its usual text form: 32 lowercase hex digits in 8-4-4-4-12 groups. */
const aaguidSchema: z.ZodString = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'aaguid must be a lowercase 8-4-4-4-12 UUID');

/** Bytes kept in a record; a plain `Uint8Array` (a Node `Buffer` passes too, and is copied). */
const bytesSchema = (what: string): z.ZodCustom<Uint8Array<ArrayBuffer>, Uint8Array<ArrayBuffer>> =>
  z.instanceof(Uint8Array<ArrayBuffer>, { message: `${what} must be bytes (a Uint8Array)` });

/** Latest time a JavaScript `Date` can hold, in epoch ms (ECMA-262 §21.4.1.22): 8.64 × 10¹⁵. */
const MAX_EPOCH_MS = 8_640_000_000_000_000;

/** A point in time as epoch milliseconds that a `Date` can represent. */
const epochMsSchema: z.ZodNumber = z.number().int().min(0).max(MAX_EPOCH_MS);

/** A signature counter (§6.1.1): an unsigned 32-bit integer. */
const signCountSchema: z.ZodNumber = z.number().int().min(0).max(0xffff_ffff);

/**
 * Schema of a credential record: what a relying party keeps about a registered credential (WebAuthn L3
 * §4 "Credential Record", §7.1 step 26) and updates after each sign-in (§7.2 step 24).
 *
 * - `id`: the credential ID, base64url; `userId`: the user handle it was registered for, base64url.
 * - `publicKey`: the credential public key as COSE_Key bytes (§6.5.1.1), exactly as the authenticator sent it.
 * - `signCount`: the last signature counter seen (§6.1.1).
 * - `transports`: what the browser reported at registration (§5.2.1 `getTransports()`), for `allowCredentials`.
 * - `backupEligible` / `backupState`: the BE and BS flags (§6.3.3).
 * - `uvInitialized`: whether any ceremony with this credential verified the user (UV flag, §7.1 step 26);
 *   it only ever turns on, at a sign-in with UV set (§7.2 step 24).
 * - `aaguid`: the authenticator model (§6.5.1), all zeros when the attestation was not kept; `fmt`: the
 *   attestation statement format it was registered with (§8), `none` when its statement was not verified.
 * - `attestationObject` / `attestationClientDataJSON`: the registration's attestation object and client data
 *   bytes (§4 "attestationObject", "attestationClientDataJSON"), present only when the relying party keeps
 *   them, so the attestation can be verified again later (for example against newer metadata).
 * - `createdAt`: when the credential was registered; `lastUsedAt`: when it last signed in, `null` until then.
 *   Both epoch milliseconds.
 * - `name`: the user's own label for the credential, if they gave one (see `normalizeCredentialName`).
 */
export const credentialRecordSchema: z.ZodObject<
  {
    id: typeof credentialIdSchema;
    userId: typeof userHandleSchema;
    publicKey: z.ZodCustom<Uint8Array<ArrayBuffer>, Uint8Array<ArrayBuffer>>;
    signCount: z.ZodNumber;
    transports: z.ZodArray<typeof authenticatorTransportSchema>;
    backupEligible: z.ZodBoolean;
    backupState: z.ZodBoolean;
    uvInitialized: z.ZodBoolean;
    aaguid: typeof aaguidSchema;
    fmt: z.ZodEnum<{ [F in RegisteredAttestationFormat]: F }>;
    attestationObject: z.ZodOptional<z.ZodCustom<Uint8Array<ArrayBuffer>, Uint8Array<ArrayBuffer>>>;
    attestationClientDataJSON: z.ZodOptional<z.ZodCustom<Uint8Array<ArrayBuffer>, Uint8Array<ArrayBuffer>>>;
    createdAt: z.ZodNumber;
    lastUsedAt: z.ZodNullable<z.ZodNumber>;
    name: z.ZodOptional<typeof credentialNameSchema>;
  },
  z.core.$strict
> = z.strictObject({
  id: credentialIdSchema,
  userId: userHandleSchema,
  publicKey: bytesSchema('publicKey'),
  signCount: signCountSchema,
  transports: z.array(authenticatorTransportSchema),
  backupEligible: z.boolean(),
  backupState: z.boolean(),
  uvInitialized: z.boolean(),
  aaguid: aaguidSchema,
  fmt: z.enum(REGISTERED_ATTESTATION_FORMATS),
  attestationObject: bytesSchema('attestationObject').optional(),
  attestationClientDataJSON: bytesSchema('attestationClientDataJSON').optional(),
  createdAt: epochMsSchema,
  lastUsedAt: epochMsSchema.nullable(),
  name: credentialNameSchema.optional(),
});

/** A credential record; see {@link credentialRecordSchema}. */
export type CredentialRecord = z.output<typeof credentialRecordSchema>;

/**
 * What request options need of a stored credential (WebAuthn L3 §5.8.3): its id and transports, for
 * `allowCredentials` and `excludeCredentials`. {@link CredentialStore.listByUser} returns these.
 */
export interface StoredCredentialDescriptor {
  /** The credential ID, base64url. */
  id: string;
  /** The transports reported at registration. */
  transports: AuthenticatorTransport[];
}

/**
 * Schema of a compare-and-set update after a verified sign-in (WebAuthn L3 §7.2 step 24); see
 * {@link CredentialStore.updateAfterAuthentication}.
 */
export const credentialUpdateSchema: z.ZodObject<
  {
    expectedSignCount: z.ZodNumber;
    signCount: z.ZodNumber;
    backupState: z.ZodBoolean;
    backupEligible: z.ZodBoolean;
    uvInitialized: z.ZodBoolean;
    lastUsedAt: z.ZodNumber;
  },
  z.core.$strict
> = z.strictObject({
  expectedSignCount: signCountSchema,
  signCount: signCountSchema,
  backupState: z.boolean(),
  backupEligible: z.boolean(),
  uvInitialized: z.boolean(),
  lastUsedAt: epochMsSchema,
});

/** What a sign-in writes to a credential record; see {@link credentialUpdateSchema}. */
export interface CredentialUpdate {
  /** The counter the relying party read from the record before verifying; the update applies only if it is still stored. */
  expectedSignCount: number;
  /** The assertion's counter (§7.2 step 22): greater than `expectedSignCount`, or 0 when both are 0. */
  signCount: number;
  /** The current BS flag (§7.2 step 24). */
  backupState: boolean;
  /** The current BE flag, when the policy allowed it to change (§7.2 step 18). */
  backupEligible: boolean;
  /** The UV flag of this sign-in; stores OR it in, so `uvInitialized` never turns off (§7.2 step 24). */
  uvInitialized: boolean;
  /** When the sign-in happened, epoch ms. */
  lastUsedAt: number;
}

/**
 * Whether storing `next` over `stored` moves the signature counter forward (WebAuthn L3 §7.2 step 22):
 * `next` is greater, or both are 0 (an authenticator without a counter).
 *
 * @param stored - the counter in the record
 * @param next - the assertion's counter
 * @returns `true` if the update may be stored
 */
export function isSignCountAdvance(stored: number, next: number): boolean {
  return next > stored || (next === 0 && stored === 0);
}

/**
 * Checks an update before a store touches anything, so every implementation refuses the same bad calls with
 * the same error. A counter that does not move forward cannot win any compare-and-set, so it fails here.
 *
 * @param update - the update to check
 * @returns the update, validated
 * @throws {TesseraError} `invalid_argument` if it fails {@link credentialUpdateSchema};
 *   `sign_count_regression` if `signCount` does not move forward from `expectedSignCount` (§7.2 step 22)
 */
export function assertCredentialUpdate(update: CredentialUpdate): CredentialUpdate {
  const parsed = parseOrThrow(credentialUpdateSchema, update, 'invalid_argument', 'credential update');
  if (!isSignCountAdvance(parsed.expectedSignCount, parsed.signCount)) {
    throw new TesseraError('sign_count_regression', 'The signature counter did not increase.');
  }
  return parsed;
}

/**
 * Checks a record before a store keeps it.
 *
 * @param record - the record to create
 * @returns the record, validated
 * @throws {TesseraError} `invalid_argument` if it fails {@link credentialRecordSchema}
 */
export function assertCredentialRecord(record: CredentialRecord): CredentialRecord {
  return parseOrThrow(credentialRecordSchema, record, 'invalid_argument', 'credential record');
}

/**
 * Where credential records live (WebAuthn L3 §4 "Credential Record"). Implement it over your database and
 * prove it with `credentialStoreConformance` from `@tessera/core/testing`; {@link MemoryCredentialStore} is
 * the in-process reference implementation. The contract:
 *
 * - **Values, not references.** Records are copied in and out: changing an object given to or returned by
 *   the store never changes what is stored. Every field round-trips exactly, bytes included.
 * - **Order.** Lists are oldest first: by `createdAt`, ties in the order the records were created.
 * - **`create` is atomic per id.** A credential ID is registered at most once, for any user (§7.1 step
 *   25): of any number of concurrent creates of one id, exactly one succeeds.
 * - **Sign-ins compare and set.** A relying party reads the record (`get`), verifies the assertion against
 *   it, then calls `updateAfterAuthentication` with the counter it read as `expectedSignCount`. The update
 *   is applied only if the stored counter still equals `expectedSignCount` and the new one moves forward
 *   (`expectedSignCount < signCount`, or both 0, §7.2 step 22), as one atomic step. So of any number of
 *   concurrent sign-ins carrying the same non-zero counter (a cloned authenticator, §6.1.1), exactly one
 *   succeeds and the others fail `sign_count_regression`.
 * - **Owners.** `rename` and `delete` act only on the named user's credential: another user's id is
 *   indistinguishable from an unknown one (`false`).
 * - **Failures.** A database that is down or too slow rejects with `store_unavailable`; anything read back
 *   that is not a valid record rejects with `corrupt_store_record` and is never used.
 */
export interface CredentialStore {
  /**
   * @param id - a credential ID (base64url)
   * @returns its record, or `undefined`
   */
  get(id: string): Promise<CredentialRecord | undefined>;
  /**
   * The cheap list request options need (§5.8.3 `allowCredentials` / `excludeCredentials`).
   *
   * @param userId - a user handle (base64url)
   * @returns `{ id, transports }` of every credential registered for that user, oldest first
   */
  listByUser(userId: string): Promise<StoredCredentialDescriptor[]>;
  /**
   * The full list, for a user's passkey-management page.
   *
   * @param userId - a user handle (base64url)
   * @returns every record registered for that user, oldest first
   */
  listRecordsByUser(userId: string): Promise<CredentialRecord[]>;
  /**
   * Adds a new record (§7.1 step 26), atomically with respect to its id (§7.1 step 25).
   *
   * @param record - the record `finishRegistration` / `verifyRegistrationResponse` produced
   * @throws {TesseraError} `credential_already_registered` if the id exists, for any user;
   *   `invalid_argument` if the record fails {@link credentialRecordSchema}
   */
  create(record: CredentialRecord): Promise<void>;
  /**
   * Stores what a verified sign-in changed (§7.2 step 24), as one compare-and-set: applied only if the stored
   * counter still equals `update.expectedSignCount` and `update.signCount` moves forward from it. Sets
   * `signCount`, `backupState`, `backupEligible` and `lastUsedAt`; turns `uvInitialized` on if the update's
   * is set (never off). Nothing else changes.
   *
   * @param id - the credential ID (base64url)
   * @param update - see {@link CredentialUpdate}
   * @returns `true` if applied; `false` if there is no such record (deleted meanwhile)
   * @throws {TesseraError} `sign_count_regression` if the stored counter is no longer `expectedSignCount` or
   *   the new counter does not move forward (nothing is written); `invalid_argument` for a malformed update
   */
  updateAfterAuthentication(id: string, update: CredentialUpdate): Promise<boolean>;
  /**
   * Sets the user's label for one of their credentials.
   *
   * @param id - the credential ID (base64url)
   * @param userId - the user who asks; only their own credential is renamed
   * @param name - what they typed; stored as {@link normalizeCredentialName} returns it
   * @returns `false` if there is no such credential or it belongs to another user
   * @throws {TesseraError} `invalid_argument` for a name that is empty or over 64 characters once trimmed
   */
  rename(id: string, userId: string, name: string): Promise<boolean>;
  /**
   * Removes one of the user's credentials; its id may be registered again afterwards.
   *
   * @param id - the credential ID (base64url)
   * @param userId - the user who asks; only their own credential is deleted
   * @returns `false` if there is no such credential or it belongs to another user
   */
  delete(id: string, userId: string): Promise<boolean>;
}

/**
 * In-process {@link CredentialStore}: for tests, demos and single-process tools. Records are validated and
 * copied on the way in and out, so later changes to the caller's objects cannot reach the store. Every
 * method does its check and its write without awaiting in between, so JavaScript's run-to-completion makes
 * each one atomic.
 */
export class MemoryCredentialStore implements CredentialStore {
  readonly #byId = new Map<string, CredentialRecord>();
  readonly #idsByUser = new Map<string, Set<string>>();

  /** {@inheritDoc CredentialStore.get} */
  async get(id: string): Promise<CredentialRecord | undefined> {
    const record = this.#byId.get(id);
    return record === undefined ? undefined : copyCredentialRecord(record);
  }

  /** {@inheritDoc CredentialStore.listByUser} */
  async listByUser(userId: string): Promise<StoredCredentialDescriptor[]> {
    return this.#recordsOf(userId).map(({ id, transports }) => ({ id, transports: [...transports] }));
  }

  /** {@inheritDoc CredentialStore.listRecordsByUser} */
  async listRecordsByUser(userId: string): Promise<CredentialRecord[]> {
    return this.#recordsOf(userId).map(copyCredentialRecord);
  }

  /** {@inheritDoc CredentialStore.create} */
  async create(record: CredentialRecord): Promise<void> {
    const parsed = assertCredentialRecord(record);
    if (this.#byId.has(parsed.id)) {
      throw new TesseraError('credential_already_registered', 'This credential is already registered.');
    }
    this.#byId.set(parsed.id, copyCredentialRecord(parsed));
    const ids = this.#idsByUser.get(parsed.userId) ?? new Set<string>();
    ids.add(parsed.id);
    this.#idsByUser.set(parsed.userId, ids);
  }

  /** {@inheritDoc CredentialStore.updateAfterAuthentication} */
  async updateAfterAuthentication(id: string, update: CredentialUpdate): Promise<boolean> {
    const checked = assertCredentialUpdate(update);
    const record = this.#byId.get(id);
    if (record === undefined) return false;
    if (record.signCount !== checked.expectedSignCount) {
      throw new TesseraError('sign_count_regression', 'The signature counter changed since the credential was read.');
    }
    const updated = copyCredentialRecord(record);
    updated.signCount = checked.signCount;
    updated.backupState = checked.backupState;
    updated.backupEligible = checked.backupEligible;
    updated.uvInitialized = record.uvInitialized || checked.uvInitialized;
    updated.lastUsedAt = checked.lastUsedAt;
    this.#byId.set(id, updated);
    return true;
  }

  /** {@inheritDoc CredentialStore.rename} */
  async rename(id: string, userId: string, name: string): Promise<boolean> {
    const normalized = normalizeCredentialName(name);
    const record = this.#byId.get(id);
    if (record === undefined || record.userId !== userId) return false;
    this.#byId.set(id, { ...copyCredentialRecord(record), name: normalized });
    return true;
  }

  /** {@inheritDoc CredentialStore.delete} */
  async delete(id: string, userId: string): Promise<boolean> {
    const record = this.#byId.get(id);
    if (record === undefined || record.userId !== userId) return false;
    this.#byId.delete(id);
    this.#idsByUser.get(userId)?.delete(id);
    return true;
  }

  /** The user's records, oldest first (by `createdAt`; the sort is stable, so ties keep creation order). */
  #recordsOf(userId: string): CredentialRecord[] {
    const ids = this.#idsByUser.get(userId);
    if (ids === undefined) return [];
    return [...ids].map((id) => this.#byId.get(id)!).sort((a, b) => a.createdAt - b.createdAt);
  }
}

/**
 * A deep copy of a record: new byte arrays and a new transports list, optional members only when present.
 *
 * @param record - a valid record
 * @returns a record sharing nothing mutable with `record`
 */
export function copyCredentialRecord(record: CredentialRecord): CredentialRecord {
  // Field by field: a spread with overrides costs more, and every sign-in reads records through here.
  const copy: CredentialRecord = {
    id: record.id,
    userId: record.userId,
    publicKey: new Uint8Array(record.publicKey),
    signCount: record.signCount,
    transports: [...record.transports],
    backupEligible: record.backupEligible,
    backupState: record.backupState,
    uvInitialized: record.uvInitialized,
    aaguid: record.aaguid,
    fmt: record.fmt,
    createdAt: record.createdAt,
    lastUsedAt: record.lastUsedAt,
  };
  if (record.attestationObject !== undefined) copy.attestationObject = new Uint8Array(record.attestationObject);
  if (record.attestationClientDataJSON !== undefined) copy.attestationClientDataJSON = new Uint8Array(record.attestationClientDataJSON);
  if (record.name !== undefined) copy.name = record.name;
  return copy;
}

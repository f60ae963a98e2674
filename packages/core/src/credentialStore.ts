import { z } from 'zod';
import { credentialIdSchema } from './credentialDescriptor.ts';
import { TesseraError } from './errors.ts';
import { authenticatorTransportSchema } from './transports.ts';
import { userHandleSchema } from './userHandle.ts';

/** An AAGUID (§6.5.1) in its usual text form: 32 lowercase hex digits in 8-4-4-4-12 groups. */
const aaguidSchema: z.ZodString = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'aaguid must be a lowercase 8-4-4-4-12 UUID');

/**
 * Schema of a credential record: what a relying party keeps about a registered credential (WebAuthn L3
 * §4 "Credential Record", §7.1 step 26) and updates after each sign-in (§7.2 step 24).
 *
 * - `id`: the credential ID, base64url; `userId`: the user handle it was registered for, base64url.
 * - `publicKey`: the credential public key as COSE_Key bytes (§6.5.1.1), exactly as the authenticator sent it.
 * - `signCount`: the last signature counter seen (§6.1.1).
 * - `transports`: what the browser reported at registration (§5.2.1 `getTransports()`), for `allowCredentials`.
 * - `backupEligible` / `backupState`: the BE and BS flags (§6.3.3).
 * - `aaguid`: the authenticator model (§6.5.1), all zeros when the attestation was not kept; `fmt`: the
 *   attestation statement format it was registered with (§8), `none` when its statement was not verified.
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
    aaguid: typeof aaguidSchema;
    fmt: z.ZodString;
  },
  z.core.$strict
> = z.strictObject({
  id: credentialIdSchema,
  userId: userHandleSchema,
  publicKey: z.instanceof(Uint8Array<ArrayBuffer>, { message: 'publicKey must be COSE_Key bytes (a Uint8Array)' }),
  signCount: z.number().int().min(0).max(0xffff_ffff),
  transports: z.array(authenticatorTransportSchema),
  backupEligible: z.boolean(),
  backupState: z.boolean(),
  aaguid: aaguidSchema,
  fmt: z.string().min(1),
});

/** A credential record; see {@link credentialRecordSchema}. */
export type CredentialRecord = z.output<typeof credentialRecordSchema>;

/** What changes in a credential record after a successful sign-in (WebAuthn L3 §7.2 step 24). */
export interface CredentialUpdate {
  /** The new signature counter (§7.2 step 22). */
  signCount: number;
  /** The current BS flag (§7.2 step 18). */
  backupState: boolean;
  /** The current BE flag, when the policy allowed it to change (§7.2 step 18). */
  backupEligible: boolean;
}

/**
 * Where credential records live. Implement it over your database; {@link MemoryCredentialStore} is the
 * in-process reference implementation.
 */
export interface CredentialStore {
  /**
   * @param id - a credential ID (base64url)
   * @returns its record, or `undefined`
   */
  get(id: string): Promise<CredentialRecord | undefined>;
  /**
   * @param userId - a user handle (base64url)
   * @returns every record registered for that user, oldest first
   */
  listByUser(userId: string): Promise<CredentialRecord[]>;
  /**
   * Adds a new record. Must be atomic with respect to the id: WebAuthn L3 §7.1 step 25 requires that a
   * credential ID is registered at most once, for any user.
   *
   * @throws {TesseraError} `credential_already_registered` if the id exists
   */
  create(record: CredentialRecord): Promise<void>;
  /**
   * Applies the state a sign-in produced (§7.2 step 24).
   *
   * @returns `false` if the record no longer exists
   */
  update(id: string, update: CredentialUpdate): Promise<boolean>;
  /**
   * @returns `false` if there was no such record
   */
  delete(id: string): Promise<boolean>;
}

/**
 * In-process {@link CredentialStore}: for tests, demos and single-process tools. Records are validated and
 * copied on the way in, so later changes to the caller's objects cannot reach the store.
 */
export class MemoryCredentialStore implements CredentialStore {
  readonly #byId = new Map<string, CredentialRecord>();
  readonly #idsByUser = new Map<string, Set<string>>();

  /** {@inheritDoc CredentialStore.get} */
  async get(id: string): Promise<CredentialRecord | undefined> {
    const record = this.#byId.get(id);
    return record === undefined ? undefined : copy(record);
  }

  /** {@inheritDoc CredentialStore.listByUser} */
  async listByUser(userId: string): Promise<CredentialRecord[]> {
    const ids = this.#idsByUser.get(userId) ?? [];
    return [...ids].map((id) => copy(this.#byId.get(id)!));
  }

  /** {@inheritDoc CredentialStore.create} */
  async create(record: CredentialRecord): Promise<void> {
    const parsed = credentialRecordSchema.safeParse(record);
    if (!parsed.success) {
      throw new TesseraError('invalid_argument', 'Invalid credential record.', { cause: parsed.error });
    }
    if (this.#byId.has(record.id)) {
      throw new TesseraError('credential_already_registered', 'This credential is already registered.');
    }
    this.#byId.set(record.id, copy(parsed.data));
    const ids = this.#idsByUser.get(record.userId) ?? new Set<string>();
    ids.add(record.id);
    this.#idsByUser.set(record.userId, ids);
  }

  /** {@inheritDoc CredentialStore.update} */
  async update(id: string, update: CredentialUpdate): Promise<boolean> {
    const record = this.#byId.get(id);
    if (record === undefined) return false;
    const updated = copy(record);
    updated.signCount = update.signCount;
    updated.backupState = update.backupState;
    updated.backupEligible = update.backupEligible;
    this.#byId.set(id, updated);
    return true;
  }

  /** {@inheritDoc CredentialStore.delete} */
  async delete(id: string): Promise<boolean> {
    const record = this.#byId.get(id);
    if (record === undefined) return false;
    this.#byId.delete(id);
    this.#idsByUser.get(record.userId)?.delete(id);
    return true;
  }
}

function copy(record: CredentialRecord): CredentialRecord {
  // Field by field: a spread with overrides costs more, and every sign-in reads records through here.
  return {
    id: record.id,
    userId: record.userId,
    publicKey: new Uint8Array(record.publicKey),
    signCount: record.signCount,
    transports: [...record.transports],
    backupEligible: record.backupEligible,
    backupState: record.backupState,
    aaguid: record.aaguid,
    fmt: record.fmt,
  };
}

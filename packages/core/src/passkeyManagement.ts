import { parseOrThrow } from './_zod.ts';
import { credentialIdSchema } from './credentialDescriptor.ts';
import { normalizeCredentialName } from './credentialName.ts';
import type { CredentialRecord, CredentialStore } from './credentialStore.ts';
import { passkeyItemOf, ZERO_AAGUID, type AuthenticatorDescription, type DescribeAuthenticator, type PasskeyItem } from './passkeyItem.ts';
import { MAX_ACCEPTED_CREDENTIAL_IDS, signalAllAcceptedCredentials, type AllAcceptedCredentialsOptions } from './signals.ts';
import { userHandleSchema } from './userHandle.ts';

/** What {@link PasskeyManagement.listPasskeys} resolves to. */
export interface PasskeyList {
  /** The user's passkeys, oldest first. */
  passkeys: PasskeyItem[];
  /**
   * `allAcceptedCredentials`: the ids listed, for `PublicKeyCredential.signalAllAcceptedCredentials()` (WebAuthn
   * L3 §5.1.10); left out when the user has more than `MAX_ACCEPTED_CREDENTIAL_IDS` passkeys.
   */
  signals: { allAcceptedCredentials?: AllAcceptedCredentialsOptions };
}

/** What {@link PasskeyManagement.deletePasskey} resolves to when it deleted something. */
export interface PasskeyDeletion {
  /** The id of the passkey deleted. */
  deletedId: string;
  /**
   * `allAcceptedCredentials`: the ids that remain, so authenticators can drop the deleted one (WebAuthn L3
   * §5.1.10); left out when more than `MAX_ACCEPTED_CREDENTIAL_IDS` remain.
   */
  signals: { allAcceptedCredentials?: AllAcceptedCredentialsOptions };
}

/** Input of {@link PasskeyManagement.renamePasskey}. */
export interface RenamePasskeyInput {
  /** The user who asks (user handle, base64url): only their own passkey is renamed. */
  userId: string;
  /** The passkey's credential ID, base64url. */
  credentialId: string;
  /** What the user typed; stored trimmed and in Unicode NFC (`normalizeCredentialName`). */
  name: string;
}

/** Input of {@link PasskeyManagement.deletePasskey}. */
export interface DeletePasskeyInput {
  /** The user who asks (user handle, base64url): only their own passkey is deleted. */
  userId: string;
  /** The passkey's credential ID, base64url. */
  credentialId: string;
}

/**
 * A relying party's passkey-management methods: list, rename and delete a user's passkeys, owner-checked, and
 * the `allAcceptedCredentials` signal. Another user's credential ID is treated exactly like an unknown one
 * (`undefined`), so a caller cannot learn whether an id exists.
 */
export interface PasskeyManagement {
  /**
   * Lists the user's passkeys for a management page, each described by `describeAuthenticator` when the
   * relying party has one, with the matching `allAcceptedCredentials` signal.
   *
   * @param userId - the user handle, base64url
   * @returns the passkeys, oldest first, and the signal
   * @throws {TesseraError} `invalid_argument` for a malformed user handle; `invalid_config` for a
   *   `describeAuthenticator` result that is not `{ name, icon? }`; whatever the store or the hook throws
   * @example
   * ```ts
   * const { passkeys, signals } = await rp.listPasskeys(user.handle);
   * ```
   */
  listPasskeys(userId: string): Promise<PasskeyList>;
  /**
   * Sets the user's label of one of their passkeys.
   *
   * @param input - the user, the credential ID and the new name (1–64 characters once trimmed, NFC)
   * @returns the passkey as now stored, or `undefined` if the user has no passkey with this id (unknown, or another user's)
   * @throws {TesseraError} `invalid_argument` for a bad name (checked first) or a malformed user handle;
   *   whatever the store throws
   */
  renamePasskey(input: RenamePasskeyInput): Promise<PasskeyItem | undefined>;
  /**
   * Deletes one of the user's passkeys; a sign-in with it then fails `unknown_credential`.
   *
   * @param input - the user and the credential ID
   * @returns the id deleted and the `allAcceptedCredentials` signal of what remains, or `undefined` if the
   *   user has no passkey with this id (unknown, or another user's)
   * @throws {TesseraError} `invalid_argument` for a malformed user handle; whatever the store throws
   */
  deletePasskey(input: DeletePasskeyInput): Promise<PasskeyDeletion | undefined>;
  /**
   * The `allAcceptedCredentials` signal for a user (WebAuthn L3 §5.1.10): every credential ID registered for
   * them now. Send it only to that user, for example after a successful sign-in.
   *
   * @param userId - the user handle, base64url
   * @returns `{ rpId, userId, allAcceptedCredentialIds }`, or `undefined` when the user has more than
   *   `MAX_ACCEPTED_CREDENTIAL_IDS` passkeys (a truncated list would make authenticators hide valid ones)
   * @throws {TesseraError} `invalid_argument` for a malformed user handle; whatever the store throws
   */
  allAcceptedCredentialsSignal(userId: string): Promise<AllAcceptedCredentialsOptions | undefined>;
}

/**
 * The management methods over a credential store.
 *
 * @internal
 */
export function passkeyManagement(rpId: string, credentialStore: CredentialStore, describeAuthenticator: DescribeAuthenticator | undefined): PasskeyManagement {
  function checkedUser(userId: string): string {
    return parseOrThrow(userHandleSchema, userId, 'invalid_argument', 'user handle');
  }

  async function describe(records: readonly CredentialRecord[]): Promise<PasskeyItem[]> {
    const descriptions = new Map<string, AuthenticatorDescription | undefined>();
    if (describeAuthenticator !== undefined) {
      for (const { aaguid } of records) {
        if (aaguid === ZERO_AAGUID || descriptions.has(aaguid)) continue;
        descriptions.set(aaguid, await describeAuthenticator(aaguid));
      }
    }
    return records.map((record) => passkeyItemOf(record, descriptions.get(record.aaguid)));
  }

  /**
   * The signal for these ids, or `undefined` when there are too many for one: §5.1.10 makes the list
   * exhaustive (authenticators hide every id not in it), so it is never truncated.
   */
  function acceptedSignal(userId: string, ids: string[]): AllAcceptedCredentialsOptions | undefined {
    if (ids.length > MAX_ACCEPTED_CREDENTIAL_IDS) return undefined;
    return signalAllAcceptedCredentials({ rpId, userId, allAcceptedCredentialIds: ids });
  }

  async function allAcceptedCredentialsSignal(userId: string): Promise<AllAcceptedCredentialsOptions | undefined> {
    const descriptors = await credentialStore.listByUser(checkedUser(userId));
    return acceptedSignal(userId, descriptors.map(({ id }) => id));
  }

  async function listPasskeys(userId: string): Promise<PasskeyList> {
    const records = await credentialStore.listRecordsByUser(checkedUser(userId));
    const passkeys = await describe(records);
    const allAcceptedCredentials = acceptedSignal(userId, records.map(({ id }) => id));
    return { passkeys, signals: allAcceptedCredentials === undefined ? {} : { allAcceptedCredentials } };
  }

  async function renamePasskey({ userId, credentialId, name }: RenamePasskeyInput): Promise<PasskeyItem | undefined> {
    const normalized = normalizeCredentialName(name);
    const owner = checkedUser(userId);
    // A malformed id cannot name anyone's passkey: the same answer as an unknown one.
    if (!credentialIdSchema.safeParse(credentialId).success) return undefined;
    if (!(await credentialStore.rename(credentialId, owner, normalized))) return undefined;
    const record = await credentialStore.get(credentialId);
    // Deleted (or, impossibly, re-registered for someone else) between the two calls: gone for this user.
    if (record === undefined || record.userId !== owner) return undefined;
    const [item] = await describe([record]);
    return item;
  }

  async function deletePasskey({ userId, credentialId }: DeletePasskeyInput): Promise<PasskeyDeletion | undefined> {
    const owner = checkedUser(userId);
    if (!credentialIdSchema.safeParse(credentialId).success) return undefined;
    if (!(await credentialStore.delete(credentialId, owner))) return undefined;
    const allAcceptedCredentials = await allAcceptedCredentialsSignal(owner);
    return { deletedId: credentialId, signals: allAcceptedCredentials === undefined ? {} : { allAcceptedCredentials } };
  }

  return { listPasskeys, renamePasskey, deletePasskey, allAcceptedCredentialsSignal };
}

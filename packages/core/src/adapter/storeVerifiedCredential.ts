import type { CredentialRecord, CredentialStore } from '../credentialStore.ts';
import { TesseraError, type TesseraErrorCode } from '../errors.ts';
import type { FinishedAuthentication } from '../relyingParty.ts';

/**
 * After a verified sign-in (WebAuthn L3 §7.2): checks that the credential belongs to the caller, when there
 * is one, and stores the new counter and backup state (§7.2 step 24).
 *
 * For adapter authors only: not covered by semver stability; it may change in any release.
 *
 * @param credentials - the application's credential store
 * @param result - what `finishAuthentication` returned
 * @param caller - the signed-in caller's user handle, or `undefined` for a sign-in without a caller
 * @throws {TesseraError} `credential_not_allowed` when the credential is another user's;
 *   `unknown_credential` when the store no longer has it; `sign_count_regression` when another sign-in
 *   stored a counter first (the store's compare-and-set)
 */
export async function storeAuthentication(credentials: CredentialStore, result: FinishedAuthentication, caller: string | undefined): Promise<void> {
  if (caller !== undefined && result.userId !== caller) {
    throw new TesseraError('credential_not_allowed', 'The credential belongs to another user than the caller.');
  }
  if (!(await credentials.updateAfterAuthentication(result.credentialId, result.credentialUpdate))) {
    throw new TesseraError('unknown_credential', 'The credential was deleted while the sign-in was verified.');
  }
}

/**
 * After a verified registration (WebAuthn L3 §7.1): checks that the credential was created for the caller,
 * and stores it (§7.1 steps 25–26). Nothing is stored for another user's credential.
 *
 * For adapter authors only: not covered by semver stability; it may change in any release.
 *
 * @param credentials - the application's credential store
 * @param credential - the record `finishRegistration` returned
 * @param caller - the signed-in caller's user handle
 * @param mismatch - the code to fail with when the credential is another user's (the adapter's API decides)
 * @throws {TesseraError} `mismatch` when the credential was created for another user
 */
export async function storeRegistration(
  credentials: CredentialStore,
  credential: CredentialRecord,
  caller: string,
  mismatch: TesseraErrorCode,
): Promise<void> {
  if (credential.userId !== caller) {
    throw new TesseraError(mismatch, 'The credential was created for another user than the caller.');
  }
  await credentials.create(credential);
}

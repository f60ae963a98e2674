import { isTesseraError, normalizeCredentialName, signalCurrentUserDetails, type Signals } from '@tessera/core';
import { registrationUserOf } from '@tessera/core/adapter';
import { RequestError } from './_requestError.ts';
import type { RouteContext, RouteDefinition } from './_route.ts';
import type { RouteSettings } from './_routeSettings.ts';
import type { CredentialDeletedEnvelope, CredentialListEnvelope, CredentialRenamedEnvelope } from './envelopes.ts';
import { renameCredentialBodySchema } from './requestBodies.ts';

/** The path of the caller's passkey list (our addition to the Flashback API). */
export const CREDENTIALS_PATH = '/mfa/passkey/credentials';

/** The path of one of the caller's passkeys, `:id` its credential ID (base64url). */
export const CREDENTIAL_PATH = '/mfa/passkey/credentials/:id';

/** The `:id` of the path, as Express decoded it. */
function credentialIdOf({ req }: RouteContext): string {
  const id: unknown = req.params['id'];
  return typeof id === 'string' ? id : '';
}

/**
 * `currentUserDetails` (WebAuthn L3 §5.1.10) from what `authenticate` reports, with the same defaults as
 * registration (`name` the user's id, `displayName` the name), so authenticators show the user's current
 * name; left out when it does not fit WebAuthn's bounds.
 */
function currentUserDetailsOf({ user, handle }: RouteContext, rpId: string): Signals['currentUserDetails'] {
  const { name, displayName } = registrationUserOf(user, handle);
  try {
    return signalCurrentUserDetails({ rpId, userId: handle, name, displayName });
  } catch {
    return undefined;
  }
}

/**
 * `GET /mfa/passkey/credentials`: the caller's passkeys for a management page (name, authenticator, dates,
 * synced, transports, algorithm), with `signals.allAcceptedCredentials` (the ids listed) and
 * `signals.currentUserDetails`. Every failure after authentication is a server fault.
 */
export function listCredentialsRoute({ relyingParty }: RouteSettings): RouteDefinition {
  return {
    method: 'get',
    paths: [CREDENTIALS_PATH],
    serverFailure: 'Failed to list passkeys',
    tesseraFaults: 'none',
    async handle(context): Promise<CredentialListEnvelope> {
      const { passkeys, signals } = await relyingParty.listPasskeys(context.handle);
      const currentUserDetails = currentUserDetailsOf(context, relyingParty.rpId);
      return {
        success: true,
        data: { passkeys },
        signals: { ...signals, ...(currentUserDetails === undefined ? {} : { currentUserDetails }) },
      };
    },
  };
}

/**
 * `PATCH /mfa/passkey/credentials/:id` with `{ name }`: renames one of the caller's passkeys (1–64 characters
 * once trimmed, Unicode NFC). A bad name is `invalid_name` (400); an id the caller does not own, known or
 * not, is `credential_not_found` (404), so nobody can learn whether another user's id exists.
 */
export function renameCredentialRoute({ relyingParty }: RouteSettings): RouteDefinition {
  return {
    method: 'patch',
    paths: [CREDENTIAL_PATH],
    serverFailure: 'Failed to rename passkey',
    tesseraFaults: 'none',
    async handle(context): Promise<CredentialRenamedEnvelope> {
      const parsed = renameCredentialBodySchema.safeParse(context.body);
      if (!parsed.success) throw new RequestError('invalid_request', { cause: parsed.error });
      let name: string;
      try {
        name = normalizeCredentialName(parsed.data.name);
      } catch (error) {
        if (isTesseraError(error, 'invalid_argument')) throw new RequestError('invalid_name', { cause: error });
        throw error;
      }
      const passkey = await relyingParty.renamePasskey({ userId: context.handle, credentialId: credentialIdOf(context), name });
      if (passkey === undefined) throw new RequestError('credential_not_found');
      return { success: true, data: { passkey } };
    },
  };
}

/**
 * `DELETE /mfa/passkey/credentials/:id`: deletes one of the caller's passkeys, with
 * `signals.allAcceptedCredentials` of those that remain. An id the caller does not own, known or not, is
 * `credential_not_found` (404).
 */
export function deleteCredentialRoute({ relyingParty }: RouteSettings): RouteDefinition {
  return {
    method: 'delete',
    paths: [CREDENTIAL_PATH],
    serverFailure: 'Failed to delete passkey',
    tesseraFaults: 'none',
    async handle(context): Promise<CredentialDeletedEnvelope> {
      const deletion = await relyingParty.deletePasskey({ userId: context.handle, credentialId: credentialIdOf(context) });
      if (deletion === undefined) throw new RequestError('credential_not_found');
      return { success: true, data: { deletedId: deletion.deletedId }, signals: deletion.signals };
    },
  };
}

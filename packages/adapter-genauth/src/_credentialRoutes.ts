import { z } from 'zod';
import { isTesseraError, normalizeCredentialName, signalCurrentUserDetails, type Signals } from '@tessera/core';
import { registrationUserOf } from '@tessera/core/adapter';
import { successResponse } from './_envelope.ts';
import { readJsonBody } from './_readJsonBody.ts';
import { RequestFailure } from './_requestFailure.ts';
import { callerAndHandle, type Route } from './_routes.ts';
import type { GenAuthUser } from './handlerOptions.ts';

/*
 * The caller's passkeys under `{basePath}/api/v3/webauthn/credentials`: list, rename, delete. Every route
 * needs a caller (401 / 40101 otherwise) and acts only on the caller's own passkeys: an id that is not
 * theirs, whether it exists or not, is 404 / 40402, so nobody can learn another user's ids.
 */

const renameBodySchema = z.object({ name: z.string() });

/**
 * `currentUserDetails` (WebAuthn L3 §5.1.10) from what `authenticate` reports, with registration's defaults
 * (`name` the user's id, `displayName` the name); left out when it does not fit WebAuthn's bounds.
 */
function currentUserDetailsOf(user: GenAuthUser, handle: string, rpId: string): Signals['currentUserDetails'] {
  const { name, displayName } = registrationUserOf(user, handle);
  try {
    return signalCurrentUserDetails({ rpId, userId: handle, name, displayName });
  } catch {
    return undefined;
  }
}

/**
 * `GET /api/v3/webauthn/credentials`: `data: { passkeys }`, oldest first, with `signals.allAcceptedCredentials`
 * (the ids listed) and `signals.currentUserDetails`.
 *
 * @internal
 */
export const listCredentials: Route = async (request, requestId, context) => {
  const { user, handle } = await callerAndHandle(request, context);
  const { passkeys, signals } = await context.relyingParty.listPasskeys(handle);
  const currentUserDetails = currentUserDetailsOf(user, handle, context.relyingParty.rpId);
  return successResponse({ passkeys }, requestId, { ...signals, ...(currentUserDetails === undefined ? {} : { currentUserDetails }) });
};

/**
 * `PATCH /api/v3/webauthn/credentials/{id}` with `{ name }`: `data: { passkey }` as now stored. A name that is
 * empty or over 64 characters once trimmed (NFC) is 400 / 40005.
 *
 * @internal
 */
export function renameCredential(credentialId: string): Route {
  return async (request, requestId, context) => {
    const { handle } = await callerAndHandle(request, context);
    const parsed = renameBodySchema.safeParse(await readJsonBody(request, context.bodyLimitBytes, context.bodyTimeoutMs));
    if (!parsed.success) throw new RequestFailure('invalid_request', { cause: parsed.error });
    let name: string;
    try {
      name = normalizeCredentialName(parsed.data.name);
    } catch (error) {
      if (isTesseraError(error, 'invalid_argument')) throw new RequestFailure('invalid_name', { cause: error });
      throw error;
    }
    const passkey = await context.relyingParty.renamePasskey({ userId: handle, credentialId, name });
    if (passkey === undefined) throw new RequestFailure('credential_not_found');
    return successResponse({ passkey }, requestId);
  };
}

/**
 * `DELETE /api/v3/webauthn/credentials/{id}`: `data: { deletedId }`, with `signals.allAcceptedCredentials` of
 * the passkeys that remain.
 *
 * @internal
 */
export function deleteCredential(credentialId: string): Route {
  return async (request, requestId, context) => {
    const { handle } = await callerAndHandle(request, context);
    const deletion = await context.relyingParty.deletePasskey({ userId: handle, credentialId });
    if (deletion === undefined) throw new RequestFailure('credential_not_found');
    return successResponse({ deletedId: deletion.deletedId }, requestId, deletion.signals);
  };
}

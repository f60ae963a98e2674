import { ticketForChallenge, type RegistrationResponseJSON } from '@tessera/core';
import { RequestError } from './_requestError.ts';
import type { RouteDefinition } from './_route.ts';
import type { RouteSettings } from './_routeSettings.ts';
import { normalizeChallenge } from './challengeEncoding.ts';
import { REGISTRATION_COMPLETED_MESSAGE, type RegistrationCompletedEnvelope } from './envelopes.ts';
import { completeRegistrationBodySchema } from './requestBodies.ts';

/** The paths of the Flashback registration document: `complete-registration` and its `-1` alias. */
export const COMPLETE_REGISTRATION_PATHS: readonly string[] = ['/mfa/passkey/complete-registration', '/mfa/passkey/complete-registration-1'];

/**
 * `POST /mfa/passkey/complete-registration` with `{ credential, challenge }`: verifies the new credential
 * (WebAuthn L3 §7.1) against the ceremony named by `challenge` (base64 or base64url, normalised, then
 * `ticketForChallenge`), which must have been started for the caller (`user_handle_mismatch`); the relying
 * party stores it (§7.1 steps 25–26). Every 400
 * reads "Passkey registration failed", as the document has it; `code` says why.
 */
export function completeRegistrationRoute({ relyingParty }: RouteSettings): RouteDefinition {
  return {
    paths: COMPLETE_REGISTRATION_PATHS,
    serverFailure: 'Passkey registration failed',
    badRequest: 'Passkey registration failed',
    tesseraFaults: 'table',
    async handle({ handle, body }): Promise<RegistrationCompletedEnvelope> {
      const parsed = completeRegistrationBodySchema.safeParse(body);
      const challenge = parsed.success ? normalizeChallenge(parsed.data.challenge) : undefined;
      if (!parsed.success || challenge === undefined) throw new RequestError('invalid_request', { cause: parsed.error });
      await relyingParty.finishRegistration({
        ticket: ticketForChallenge(challenge),
        // The core parses the response itself and answers malformed_response for anything else.
        response: parsed.data.credential as unknown as RegistrationResponseJSON,
        userId: handle,
      });
      return { success: true, message: REGISTRATION_COMPLETED_MESSAGE };
    },
  };
}

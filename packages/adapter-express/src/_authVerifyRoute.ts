import { type AuthenticationResponseJSON, type FinishedAuthentication } from '@tessera/core';
import { RequestError } from './_requestError.ts';
import { withUnknownCredentialSignal } from '@tessera/core/adapter';
import { CallbackFault, type RouteDefinition } from './_route.ts';
import type { RouteSettings } from './_routeSettings.ts';
import type { AuthVerifyEnvelope } from './envelopes.ts';
import { authVerifyBodySchema } from './requestBodies.ts';

/** The path of the assertion check that completes `auth-options` (our addition to the Flashback API). */
export const AUTH_VERIFY_PATH = '/mfa/passkey/auth-verify';

/**
 * `POST /mfa/passkey/auth-verify` with `{ credential }`: verifies the caller's assertion (WebAuthn L3 §7.2).
 * The ceremony is found from the challenge the assertion signs (`ticketForChallenge`), is consumed whatever
 * the outcome, and must have been started for the caller: an assertion made for another user's options is
 * `credential_not_allowed`. The relying party stores the new counter and backup state (§7.2 step 24, a
 * compare-and-set: a replayed counter is `sign_count_regression`), then `onAuthenticated` runs.
 */
export function authVerifyRoute({ relyingParty, onAuthenticated }: RouteSettings): RouteDefinition {
  return {
    paths: [AUTH_VERIFY_PATH],
    serverFailure: 'Failed to verify passkey',
    tesseraFaults: 'table',
    // The only public key in a sign-in is the stored one: if the core cannot use it (malformed, or of an
    // algorithm it does not support or allow), the fault is the server's data or configuration.
    serverFaultCodes: ['malformed_public_key', 'unsupported_algorithm'],
    async handle({ handle, body, req, res }): Promise<AuthVerifyEnvelope> {
      const parsed = authVerifyBodySchema.safeParse(body);
      if (!parsed.success) throw new RequestError('invalid_request', { cause: parsed.error });
      let result: FinishedAuthentication;
      try {
        result = await relyingParty.finishAuthentication({
          // The core parses the response itself and answers malformed_response for anything else.
          response: parsed.data.credential as unknown as AuthenticationResponseJSON,
          // The credential must be the caller's: checked before anything is verified or stored.
          userId: handle,
        });
      } catch (error) {
        throw withUnknownCredentialSignal(error, relyingParty.rpId, parsed.data.credential['id']);
      }
      if (onAuthenticated !== undefined) {
        try {
          await onAuthenticated(result, req, res);
        } catch (error) {
          throw new CallbackFault(error);
        }
      }
      const { credentialId, userVerified, newSignCount, backupEligible, backupState, authenticatorAttachment } = result;
      // §5.1.10: the ids the caller may still use, so their authenticators can hide any others.
      const allAcceptedCredentials = await relyingParty.allAcceptedCredentialsSignal(handle);
      return {
        success: true,
        data: { verified: true, credentialId, userVerified, newSignCount, backupEligible, backupState, authenticatorAttachment },
        signals: { allAcceptedCredentials },
      };
    },
  };
}


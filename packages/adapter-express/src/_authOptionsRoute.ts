import type { RouteDefinition } from './_route.ts';
import type { RouteSettings } from './_routeSettings.ts';
import { encodeChallenge } from './challengeEncoding.ts';
import type { AuthOptionsEnvelope } from './envelopes.ts';

/** The path of the Flashback document `post__passkey_auth-options`. */
export const AUTH_OPTIONS_PATH = '/mfa/passkey/auth-options';

/**
 * `POST /mfa/passkey/auth-options`: request options for the caller's second factor (WebAuthn L3 §5.5),
 * restricted to the caller's registered credentials (the relying party lists them from its credential store). The body, if any, is not used. Every failure after
 * authentication (a store that is down, a stored credential the core rejects) is a server fault.
 */
export function authOptionsRoute({ relyingParty, challengeEncoding }: RouteSettings): RouteDefinition {
  return {
    paths: [AUTH_OPTIONS_PATH],
    serverFailure: 'Failed to generate authentication options',
    tesseraFaults: 'none',
    async handle({ handle }): Promise<AuthOptionsEnvelope> {
      const { options } = await relyingParty.startAuthentication({ userId: handle });
      const { challenge, rpId, userVerification, timeout } = options;
      if (rpId === undefined || userVerification === undefined || timeout === undefined) {
        throw new Error('startAuthentication returned options without rpId, userVerification or timeout.');
      }
      return {
        success: true,
        data: { challenge: encodeChallenge(challenge, challengeEncoding), rpId, userVerification, timeout, allowCredentials: options.allowCredentials ?? [] },
      };
    },
  };
}

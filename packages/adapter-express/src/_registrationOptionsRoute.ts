import { registrationUserOf } from '@tessera/core/adapter';
import type { RouteDefinition } from './_route.ts';
import type { RouteSettings } from './_routeSettings.ts';
import { encodeChallenge } from './challengeEncoding.ts';
import type { RegistrationOptionsEnvelope } from './envelopes.ts';

/** The path that starts adding a passkey to the caller's account (our addition to the Flashback API). */
export const REGISTRATION_OPTIONS_PATH = '/mfa/passkey/registration-options';

/**
 * `POST /mfa/passkey/registration-options`: creation options for the caller (WebAuthn L3 §5.4), with the
 * caller's existing credentials as `excludeCredentials` (the relying party lists them from its credential store). `user.name` defaults to the user's id and
 * `user.displayName` to the name. Every failure after authentication is a server fault.
 */
export function registrationOptionsRoute({ relyingParty, challengeEncoding }: RouteSettings): RouteDefinition {
  return {
    paths: [REGISTRATION_OPTIONS_PATH],
    serverFailure: 'Failed to generate registration options',
    tesseraFaults: 'none',
    async handle({ user, handle }): Promise<RegistrationOptionsEnvelope> {
      const { options } = await relyingParty.startRegistration({ user: registrationUserOf(user, handle) });
      return { success: true, data: { ...options, challenge: encodeChallenge(options.challenge, challengeEncoding) } };
    },
  };
}

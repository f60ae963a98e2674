import { registrationUserOf } from '@tessera/core/adapter';
import { RequestError } from './_requestError.ts';
import type { RouteDefinition } from './_route.ts';
import { registrationOptionsBodySchema } from './requestBodies.ts';
import type { RouteSettings } from './_routeSettings.ts';
import { encodeChallenge } from './challengeEncoding.ts';
import type { RegistrationOptionsEnvelope } from './envelopes.ts';

/** The path that starts adding a passkey to the caller's account (our addition to the Flashback API). */
export const REGISTRATION_OPTIONS_PATH = '/mfa/passkey/registration-options';

/**
 * `POST /mfa/passkey/registration-options`: creation options for the caller (WebAuthn L3 §5.4), with the
 * caller's existing credentials as `excludeCredentials` (the relying party lists them from its credential store). `user.name` defaults to the user's id and
 * `user.displayName` to the name. A body `{ "mediation": "conditional" }` starts a conditional create (a
 * passkey upgrade, §5.1.3): only that ceremony may finish without the UP flag (§7.1 step 14); any other
 * `mediation` is `invalid_request`. Every other failure after authentication is a server fault.
 */
export function registrationOptionsRoute({ relyingParty, challengeEncoding }: RouteSettings): RouteDefinition {
  return {
    paths: [REGISTRATION_OPTIONS_PATH],
    serverFailure: 'Failed to generate registration options',
    tesseraFaults: 'none',
    async handle({ user, handle, body }): Promise<RegistrationOptionsEnvelope> {
      const mediation = mediationOf(body);
      const { options } = await relyingParty.startRegistration({
        user: registrationUserOf(user, handle),
        ...(mediation === undefined ? {} : { mediation }),
      });
      return { success: true, data: { ...options, challenge: encodeChallenge(options.challenge, challengeEncoding) } };
    },
  };
}

/**
 * The `mediation` the body asks for. Bodies were not read before this member existed, so anything but a JSON
 * object is still ignored; an object's `mediation` must be `'conditional'` or absent.
 */
function mediationOf(body: unknown): 'conditional' | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const parsed = registrationOptionsBodySchema.safeParse(body);
  if (!parsed.success) throw new RequestError('invalid_request', { cause: parsed.error });
  return parsed.data.mediation;
}

import { WELL_KNOWN_WEBAUTHN_PATH } from '@tessera/core';
import { DEFAULT_BODY_LIMIT_BYTES, DEFAULT_BODY_TIMEOUT_MS, DEFAULT_RETRY_AFTER_SECONDS, checkedUserHandle, consoleLogger } from '@tessera/core/adapter';
import express, { type RequestHandler, type Router } from 'express';
import { authOptionsRoute } from './_authOptionsRoute.ts';
import { authVerifyRoute } from './_authVerifyRoute.ts';
import { completeRegistrationRoute } from './_completeRegistrationRoute.ts';
import { CREDENTIAL_PATH, CREDENTIALS_PATH, deleteCredentialRoute, listCredentialsRoute, renameCredentialRoute } from './_credentialRoutes.ts';
import { malformedCredentialPathHandler } from './_malformedPathHandler.ts';
import { jsonBodyReader } from './_jsonBody.ts';
import { registrationOptionsRoute } from './_registrationOptionsRoute.ts';
import { routeHandler, type RouteEnvironment } from './_route.ts';
import type { RouteSettings } from './_routeSettings.ts';
import { parsePasskeyRouterOptions, type PasskeyRouterOptions } from './passkeyRouterOptions.ts';
import { wellKnownWebauthnHandler } from './wellKnownWebauthn.ts';

/**
 * An Express 5 router with the passkey endpoints of the Flashback API, answering in its envelope
 * `{ success: true, data | message }` / `{ success: false, error, code? }`:
 *
 * - `POST /mfa/passkey/auth-options`: request options for the caller (WebAuthn L3 §5.5);
 * - `POST /mfa/passkey/auth-verify`: verifies the assertion (§7.2) and updates the credential;
 * - `POST /mfa/passkey/registration-options`: creation options for the caller (§5.4);
 * - `POST /mfa/passkey/complete-registration` (alias `…-1`): verifies and stores a new credential (§7.1);
 * - `GET /mfa/passkey/credentials`, `PATCH` and `DELETE /mfa/passkey/credentials/:id`: the caller's passkeys,
 *   owner-checked (another user's id is 404 `credential_not_found`, exactly like an unknown one);
 * - `GET /.well-known/webauthn` (§5.11) when the relying party has `relatedOrigins` (otherwise the request
 *   passes on); it is only found there when the router is mounted at the root: else mount
 *   `wellKnownWebauthnHandler` at the root yourself.
 *
 * Answers carry `signals` (§5.1.10) where the lifecycle needs them: `allAcceptedCredentials` after a sign-in,
 * a list and a delete, `currentUserDetails` with a list, and `unknownCredential` on a sign-in's 400
 * `unknown_credential`.
 *
 * Every route needs a caller (`authenticate`); ceremonies are found from their challenge, so no ticket
 * travels in the envelope. Bodies are JSON, parsed inside the routes (other paths fall through unread),
 * limited to `bodyLimitBytes` (413) and to `bodyTimeoutMs` (408). Server faults answer the route's fixed 500
 * envelope and go to `logger`; a store outage (`store_unavailable`) answers 503 with `Retry-After`
 * (`retryAfterSeconds`) and goes to `logger` too.
 *
 * @param options - the relying party (which owns the credential store), `authenticate`, and optional `userHandle`,
 *   `onAuthenticated`, `challengeEncoding`, `bodyLimitBytes`, `bodyTimeoutMs`, `retryAfterSeconds` and `logger`;
 *   see {@link PasskeyRouterOptions}
 * @returns the router, to mount with `app.use(router)` or under a prefix
 * @throws {TesseraError} `invalid_config` when the options fail their schema
 * @example
 * ```ts
 * const app = express();
 * app.use(passkeyRouter({
 *   relyingParty: createRelyingParty({ rpId: 'example.com', rpName: 'Example', origins: ['https://example.com'], challengeStore, credentialStore }),
 *   authenticate: async (req) => sessions.userFor(req.get('authorization')), // { id, name?, displayName? } | null
 * }));
 * ```
 */
export function passkeyRouter(options: PasskeyRouterOptions): Router {
  const settings = parsePasskeyRouterOptions(options);
  const routeSettings: RouteSettings = {
    relyingParty: settings.relyingParty,
    challengeEncoding: settings.challengeEncoding ?? 'base64url',
    onAuthenticated: settings.onAuthenticated,
  };
  const environment: RouteEnvironment = {
    authenticate: settings.authenticate,
    userHandle: checkedUserHandle(settings.userHandle),
    readBody: jsonBodyReader({ limitBytes: settings.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES, timeoutMs: settings.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS }),
    logger: settings.logger ?? consoleLogger,
    retryAfterSeconds: settings.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS,
  };
  const router = express.Router();
  const routes = [authOptionsRoute, authVerifyRoute, registrationOptionsRoute, completeRegistrationRoute, listCredentialsRoute, renameCredentialRoute, deleteCredentialRoute];
  const handlers: Partial<Record<string, RequestHandler>> = {};
  for (const route of routes) {
    const definition = route(routeSettings);
    const handler = routeHandler(environment, definition);
    if (definition.paths.includes(CREDENTIAL_PATH)) handlers[definition.method ?? 'post'] = handler;
    router[definition.method ?? 'post']([...definition.paths], handler);
  }
  // A malformed %-escape in :id: the routes' own envelope, not Express's HTML error page.
  router.use(CREDENTIALS_PATH, malformedCredentialPathHandler({ patch: handlers['patch']!, delete: handlers['delete']! }));
  // Useful only when the router is mounted at the root; otherwise mount wellKnownWebauthnHandler there.
  router.get(WELL_KNOWN_WEBAUTHN_PATH, wellKnownWebauthnHandler(settings.relyingParty, { fallThrough: true }));
  return router;
}

import { WELL_KNOWN_WEBAUTHN_PATH, isTesseraError } from '@tessera/core';
import { DEFAULT_BODY_LIMIT_BYTES, DEFAULT_BODY_TIMEOUT_MS, DEFAULT_RETRY_AFTER_SECONDS, checkedUserHandle, consoleLogger } from '@tessera/core/adapter';
import { failureResponse } from './_envelope.ts';
import { SignalledFailure } from '@tessera/core/adapter';
import { RequestFailure } from './_requestFailure.ts';
import { deleteCredential, listCredentials, renameCredential } from './_credentialRoutes.ts';
import { wellKnownWebauthn } from './_wellKnownWebauthn.ts';
import { ServerFault } from './_serverFault.ts';
import {
  finishAuthentication,
  finishRegistration,
  startAuthentication,
  startRegistration,
  type Route,
  type RouteContext,
} from './_routes.ts';
import { GENAUTH_ROUTES } from './genAuthRoutes.ts';
import { REQUEST_ERROR_API_CODES, TESSERA_ERROR_API_CODES, type ApiError } from './apiCodes.ts';
import { parseHandlerOptions, type GenAuthHandlerOptions } from './handlerOptions.ts';

/** A Fetch API handler: what Bun, Deno, Cloudflare Workers, Hono and Next.js route handlers take. */
export type GenAuthHandler = (request: Request) => Promise<Response>;

/** Default of `bodyLimitBytes`: 64 KiB, far above any credential response (§5.1) and far below harm. */
export { DEFAULT_BODY_LIMIT_BYTES } from '@tessera/core/adapter';
/** Default of `bodyTimeoutMs`: 10 s for a body to arrive in full once the handler reads it. */
export { DEFAULT_BODY_TIMEOUT_MS } from '@tessera/core/adapter';
/** Default of `retryAfterSeconds`: the `Retry-After` of a 503 / 50301. */
export { DEFAULT_RETRY_AFTER_SECONDS } from '@tessera/core/adapter';

/** The methods a route answers. */
type RouteMethods = Partial<Record<'GET' | 'HEAD' | 'POST' | 'PATCH' | 'DELETE', Route>>;

/**
 * Creates GenAuth's V3 WebAuthn endpoints as one Fetch API handler:
 *
 * - `GET  {basePath}/api/v3/webauthn/authentication`: `GetAuthenticationOptionsRespDto` (WebAuthn L3 §5.5)
 * - `POST {basePath}/api/v3/webauthn/authentication`: `{ ticket, authenticationCredential, options? }` →
 *   a verified sign-in (§7.2) plus what `onAuthenticated` returns
 * - `GET  {basePath}/api/v3/webauthn/registration`: creation options for the signed-in caller (§5.4)
 * - `POST {basePath}/api/v3/webauthn/registration`: `{ ticket, registrationCredential }` → the new
 *   credential, stored (§7.1)
 * - `GET {basePath}/api/v3/webauthn/credentials`: the caller's passkeys; `PATCH …/credentials/{id}` with
 *   `{ name }` renames one, `DELETE …/credentials/{id}` deletes one. Owner-checked: anyone else's id, known
 *   or not, is 404 / 40402
 * - `GET /.well-known/webauthn` (at the root, not under `basePath`; §5.11): `{ origins }` when the relying
 *   party has `relatedOrigins`, else 404 / 40401
 *
 * Answers carry `signals` (§5.1.10) where the lifecycle needs them: `allAcceptedCredentials` after a sign-in,
 * a list and a delete, `currentUserDetails` with a list, `unknownCredential` on a sign-in's 400 / 40025.
 *
 * The handler never throws. Every failure is `{ statusCode, message, apiCode, requestId }` with the HTTP
 * status `statusCode`, mapped from `TESSERA_ERROR_API_CODES` or `REQUEST_ERROR_API_CODES`. Server faults are
 * logged with their cause and reach the client only as 500 / 50001; a store outage (`store_unavailable`) is
 * logged too and answered 503 / 50301 with `Retry-After: retryAfterSeconds`. A body over `bodyLimitBytes`
 * is 413 / 41301, one not arrived within `bodyTimeoutMs` 408 / 40801.
 * Whatever `authenticate`, `userHandle` or `onAuthenticated` throws is a server fault, `TesseraError`s included, and so is a `userHandle` result that
 * is not a user handle. On `POST …/authentication`, `malformed_public_key` and `unsupported_algorithm` are
 * server faults too: the only key there is the stored one.
 *
 * @param options - see {@link GenAuthHandlerOptions}
 * @returns `(request: Request) => Promise<Response>`
 * @throws {TesseraError} `invalid_config` when the options fail their schema
 * @example
 * ```ts
 * const handler = createGenAuthHandler({
 *   relyingParty: rp,
 *   authenticate: async (request) => sessions.userOf(request.headers.get('authorization')),
 *   onAuthenticated: async (result) => ({ tokenSet: await issueTokens(result.userId) }),
 * });
 * Bun.serve({ fetch: handler });                       // or Deno.serve(handler), Hono: app.all('/api/v3/webauthn/*', (c) => handler(c.req.raw))
 * createServer(toNodeListener(handler)).listen(3000);  // node:http (toNodeListener from '@tessera/adapter-genauth/node'), or app.use(toNodeListener(handler)) in Express
 * ```
 */
export function createGenAuthHandler(options: GenAuthHandlerOptions): GenAuthHandler {
  const settings = parseHandlerOptions(options);
  const basePath = settings.basePath ?? '';
  const logger = settings.logger ?? consoleLogger;
  const nextRequestId = settings.requestId ?? (() => crypto.randomUUID());
  const context: RouteContext = {
    relyingParty: settings.relyingParty,
    authenticate: settings.authenticate,
    userHandle: checkedUserHandle(settings.userHandle),
    onAuthenticated: settings.onAuthenticated,
    bodyLimitBytes: settings.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES,
    bodyTimeoutMs: settings.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS,
  };
  const retryAfter = String(settings.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS);
  const routes = new Map<string, RouteMethods>([
    [basePath + GENAUTH_ROUTES.authentication, { GET: startAuthentication, POST: finishAuthentication }],
    [basePath + GENAUTH_ROUTES.registration, { GET: startRegistration, POST: finishRegistration }],
    [basePath + GENAUTH_ROUTES.credentials, { GET: listCredentials }],
    // At the root whatever basePath is: browsers fetch it from https://<RP ID>/.well-known/webauthn (§5.11).
    // HEAD too, as for any cacheable GET (RFC 9110 §9.3.2): caches and CDNs revalidate with it.
    [WELL_KNOWN_WEBAUTHN_PATH, { GET: wellKnownWebauthn, HEAD: wellKnownWebauthn }],
  ]);
  const credentialPrefix = `${basePath}${GENAUTH_ROUTES.credentials}/`;

  /** The route of a path: a fixed one, or `…/credentials/{id}` for one passkey. */
  function routeOf(path: string): RouteMethods | undefined {
    const fixed = routes.get(path);
    if (fixed !== undefined || !path.startsWith(credentialPrefix)) return fixed;
    const segment = path.slice(credentialPrefix.length);
    if (segment.length === 0 || segment.includes('/')) return undefined;
    let id: string;
    try {
      id = decodeURIComponent(segment);
    } catch {
      id = ''; // matches no passkey: 404 like any id that is not the caller's
    }
    return { PATCH: renameCredential(id), DELETE: deleteCredential(id) };
  }

  function requestIdFor(): string {
    try {
      const id = nextRequestId();
      if (typeof id === 'string' && id.length > 0 && id.length <= 256) return id;
    } catch {
      // fall through: a broken generator must not cost the response
    }
    return crypto.randomUUID();
  }

  function report(error: unknown, request: Request, requestId: string): void {
    // A ServerFault is reported by what caused it, and by where that came from.
    const details = error instanceof ServerFault ? { source: error.source, error: error.cause } : { error };
    try {
      logger.error('GenAuth handler: server fault', { requestId, method: request.method, path: pathOf(request), ...details });
    } catch {
      // a failing logger must not cost the response
    }
  }

  /**
   * The envelope of a thrown failure; server faults are reported with their cause. A ServerFault (an
   * application callback, a stored credential) is 500 / 50001 whatever its cause's code.
   */
  function failureFor(thrown: unknown, request: Request, requestId: string): Response {
    const signals = thrown instanceof SignalledFailure ? thrown.signals : undefined;
    const error = thrown instanceof SignalledFailure ? thrown.cause : thrown;
    let apiError: ApiError = REQUEST_ERROR_API_CODES.internal_error;
    let headers: Readonly<Record<string, string>> = {};
    if (error instanceof RequestFailure) {
      apiError = REQUEST_ERROR_API_CODES[error.kind];
      headers = error.headers;
    } else if (isTesseraError(error) && Object.hasOwn(TESSERA_ERROR_API_CODES, error.code)) {
      apiError = TESSERA_ERROR_API_CODES[error.code];
      // A store that is down (503): the same request can succeed later (RFC 9110 §15.6.4, §10.2.3).
      if (apiError.statusCode === 503) headers = { 'retry-after': retryAfter };
    }
    if (apiError.statusCode >= 500) report(error, request, requestId);
    // Signals ride only on a client fault's envelope (4xx).
    return failureResponse(apiError, requestId, headers, apiError.statusCode < 500 ? signals : undefined);
  }

  return async function genAuthHandler(request: Request): Promise<Response> {
    const requestId = requestIdFor();
    try {
      const route = routeOf(pathOf(request));
      if (route === undefined) throw new RequestFailure('not_found');
      const method = request.method.toUpperCase();
      const run = Object.hasOwn(route, method) ? route[method as keyof RouteMethods] : undefined;
      if (run === undefined) throw new RequestFailure('method_not_allowed', { headers: { allow: Object.keys(route).join(', ') } });
      return await run(request, requestId, context);
    } catch (error) {
      return failureFor(error, request, requestId);
    }
  };
}

/** The request's path, without query or fragment; `''` if its URL cannot be read. */
function pathOf(request: Request): string {
  try {
    return new URL(request.url).pathname;
  } catch {
    return '';
  }
}

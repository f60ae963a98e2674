import { isTesseraError, TesseraError, type TesseraErrorCode } from '@tessera/core';
import { SignalledFailure } from '@tessera/core/adapter';
import type { Request, RequestHandler, Response } from 'express';
import type { JsonBodyReader } from './_jsonBody.ts';
import { RequestError } from './_requestError.ts';
import type { FailureEnvelope } from './envelopes.ts';
import { REQUEST_ERROR_RESPONSES, TESSERA_ERROR_RESPONSES } from './errorResponses.ts';
import { passkeyUserSchema, type Authenticate, type PasskeyRouterLogger, type PasskeyUser, type UserHandleOf } from './passkeyRouterOptions.ts';

/** What a route's handler receives: the authenticated caller, its user handle and the parsed body. */
export interface RouteContext {
  /** The caller, as `authenticate` reported it (validated). */
  user: { id: string; name?: string | undefined; displayName?: string | undefined };
  /** The caller's WebAuthn user handle, base64url. */
  handle: string;
  /** The JSON body, or `undefined` when the request had none. */
  body: unknown;
  /** The request and response, for the application's hooks. */
  req: Request;
  res: Response;
}

/** One route of the router: its paths, its handler and how its failures read. */
export interface RouteDefinition {
  /** The HTTP method; default `post`. */
  method?: 'get' | 'post' | 'patch' | 'delete';
  /** The path and its aliases. */
  paths: readonly string[];
  /** The `error` of this route's 500 envelope. */
  serverFailure: string;
  /** When set, the `error` of every 400 this route sends (the code still says why). */
  badRequest?: string;
  /** Whether a `TesseraError` may be the client's fault here (`table`), or is always a server fault (`none`). */
  tesseraFaults: 'table' | 'none';
  /** Codes that are server faults on this route, whatever the table says. */
  serverFaultCodes?: readonly TesseraErrorCode[];
  /** Produces the 200 body; throws `TesseraError`s and `RequestError`s for failures. */
  handle(context: RouteContext): Promise<object>;
}

/** What every route shares. */
export interface RouteEnvironment {
  /** The application's `authenticate` option. */
  authenticate: Authenticate;
  /** Returns a valid user handle or throws (`checkedUserHandle` of `@tessera/core/adapter`). */
  userHandle: UserHandleOf;
  /** The body reader, with the router's size limit. */
  readBody: JsonBodyReader;
  /** Where server faults (and store outages) go. */
  logger: PasskeyRouterLogger;
  /** The `Retry-After` of a 503 `store_unavailable`, in seconds. */
  retryAfterSeconds: number;
}

/**
 * The Express handler of a route: authenticate the caller (before reading the body, so anonymous requests
 * are never parsed), read the body, run the route, and send `{ success: true, … }` or the failure envelope.
 * It never rejects and never lets an internal message reach the client.
 */
export function routeHandler(environment: RouteEnvironment, route: RouteDefinition): RequestHandler {
  return async (req: Request, res: Response): Promise<void> => {
    try {
      const { user, handle } = await identify(environment, req);
      const body = await environment.readBody(req);
      send(res, 200, await route.handle({ user, handle, body, req, res }));
    } catch (error) {
      fail(environment, route, req, res, error);
    }
  };
}

/**
 * A failure inside the application's callbacks (`authenticate`, `userHandle`, `onAuthenticated`): always a
 * server fault, even when the callback threw a `TesseraError` whose code would otherwise be the client's.
 */
export class CallbackFault extends Error {
  /** @param cause - what the callback threw */
  constructor(cause: unknown) {
    super('An application callback failed.', { cause });
    this.name = 'CallbackFault';
  }
}

async function identify(environment: RouteEnvironment, req: Request): Promise<Pick<RouteContext, 'user' | 'handle'>> {
  let found: unknown;
  try {
    found = await environment.authenticate(req);
  } catch (error) {
    throw new CallbackFault(error);
  }
  if (found === null || found === undefined) throw new RequestError('authentication_required');
  const user = passkeyUserSchema.safeParse(found);
  if (!user.success) {
    const problem = new TesseraError('invalid_config', 'authenticate(req) must resolve to { id, name?, displayName? } or null.', { cause: user.error });
    throw new CallbackFault(problem);
  }
  try {
    return { user: user.data, handle: environment.userHandle(found as PasskeyUser) };
  } catch (error) {
    throw new CallbackFault(error);
  }
}

function fail(environment: RouteEnvironment, route: RouteDefinition, req: Request, res: Response, thrown: unknown): void {
  const signals = thrown instanceof SignalledFailure ? thrown.signals : undefined;
  const error = thrown instanceof SignalledFailure ? thrown.cause : thrown;
  const answer = answerOf(route, error);
  if (answer === undefined || answer.status >= 500) {
    const cause = error instanceof CallbackFault ? error.cause : error;
    log(environment.logger, `${req.method} ${req.baseUrl}${req.path} failed`, {
      route: route.paths[0],
      ...(isTesseraError(cause) ? { code: cause.code } : {}),
      error: cause,
    });
  }
  if (answer === undefined) {
    send(res, 500, { success: false, error: route.serverFailure } satisfies FailureEnvelope);
    return;
  }
  // 503: the same request can succeed once the store is back (RFC 9110 §15.6.4, §10.2.3).
  if (answer.status === 503) res.setHeader('Retry-After', String(environment.retryAfterSeconds));
  const sentence = answer.status === 400 && route.badRequest !== undefined ? route.badRequest : answer.error;
  const envelope: FailureEnvelope = { success: false, error: sentence, code: answer.code };
  // Signals ride only on a client fault's envelope (4xx), never on a 503.
  if (signals !== undefined && answer.status < 500) envelope.signals = signals;
  send(res, answer.status, envelope);
}

/**
 * The status, sentence and code of a failure that has its own envelope: a client fault (4xx), or a store
 * outage (503, on every route, unless an application callback threw it); `undefined` for a server fault.
 */
function answerOf(route: RouteDefinition, error: unknown): { status: number; error: string; code: NonNullable<FailureEnvelope['code']> } | undefined {
  if (error instanceof RequestError) return { ...REQUEST_ERROR_RESPONSES[error.code], code: error.code };
  if (!isTesseraError(error)) return undefined;
  const response = TESSERA_ERROR_RESPONSES[error.code];
  if (response.status === 503) return { status: response.status, error: response.error, code: error.code };
  if (route.tesseraFaults === 'none' || route.serverFaultCodes?.includes(error.code)) return undefined;
  return response.status === 500 ? undefined : { status: response.status, error: response.error, code: error.code };
}

/**
 * Writes an envelope, with `Cache-Control: no-store` and `X-Content-Type-Options: nosniff` on every answer.
 * Not `res.json`: its ETag (a SHA-1 of every body) and freshness check serve cacheable GET responses, and
 * these are `no-store` POST responses, so the router writes the JSON itself.
 *
 * An answer sent before the request body arrived in full (401 before reading, 415, 413, 408, a client gone)
 * closes the connection, and so does every 408 (RFC 9110 §15.5.9): otherwise Node would read the rest of the
 * body, however large or slow, to keep the connection for another request.
 */
function send(res: Response, status: number, body: object): void {
  if (res.headersSent) return;
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Content-Type-Options', 'nosniff'); // no browser may read an envelope as anything but JSON
  if (status === 408 || !res.req.complete) res.setHeader('Connection', 'close');
  res.end(JSON.stringify(body)); // Node adds Content-Length for a body written in one piece
}

/** Logs, and never lets a broken logger turn a handled failure into a crash. */
function log(logger: PasskeyRouterLogger, message: string, details: Record<string, unknown>): void {
  try {
    logger.error(`Tessera passkey router: ${message}`, details);
  } catch {
    // The client still gets its envelope.
  }
}

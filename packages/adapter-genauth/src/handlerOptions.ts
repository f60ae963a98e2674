import { z } from 'zod';
import type { FinishedAuthentication, RelyingParty } from '@tessera/core';
import { adapterUserSchema, hasMethods, isFunction, isRelyingParty, parseAdapterOptions } from '@tessera/core/adapter';

/**
 * Schema of the signed-in caller that `authenticate` returns: the application's user id and, for the
 * registration options (WebAuthn L3 §5.4.3), an account name (non-empty when given; default the id) and a
 * display name (default the name).
 */
export const genAuthUserSchema: z.ZodObject<
  { id: z.ZodString; name: z.ZodOptional<z.ZodString>; displayName: z.ZodOptional<z.ZodString> },
  z.core.$strip
> = adapterUserSchema;

/** The signed-in caller; see {@link genAuthUserSchema}. */
export type GenAuthUser = z.output<typeof genAuthUserSchema>;

/** Where the handler reports server faults: anything that became a 5xx envelope, with its cause. */
export interface GenAuthLogger {
  /**
   * @param message - a fixed sentence
   * @param details - `requestId` (also in the envelope the client got), `method`, `path` and `error`
   */
  error(message: string, details: Record<string, unknown>): void;
}

/** What `onAuthenticated` receives besides the verified sign-in. */
export interface AuthenticatedContext {
  /** The request that finished the sign-in (its body already read). */
  request: Request;
  /** The `options` member of the request body, if the client sent one. */
  options?: Record<string, unknown>;
}

/** Finds the signed-in caller of a request, or `null`; reads headers or cookies, never the body. */
export type Authenticate = (request: Request) => Promise<GenAuthUser | null> | GenAuthUser | null;

/** Called after a verified sign-in; what it returns is merged into the response's `data`. */
export type OnAuthenticated = (
  result: FinishedAuthentication,
  context: AuthenticatedContext,
) => Promise<Record<string, unknown> | void> | Record<string, unknown> | void;

/** Schema of the options of `createGenAuthHandler`; see {@link GenAuthHandlerOptions}. */
export const genAuthHandlerOptionsSchema: z.ZodObject<
  {
    relyingParty: z.ZodCustom<RelyingParty, RelyingParty>;
    authenticate: z.ZodOptional<z.ZodCustom<Authenticate, Authenticate>>;
    userHandle: z.ZodOptional<z.ZodCustom<(user: GenAuthUser) => string, (user: GenAuthUser) => string>>;
    onAuthenticated: z.ZodOptional<z.ZodCustom<OnAuthenticated, OnAuthenticated>>;
    basePath: z.ZodOptional<z.ZodString>;
    bodyLimitBytes: z.ZodOptional<z.ZodInt>;
    bodyTimeoutMs: z.ZodOptional<z.ZodInt>;
    retryAfterSeconds: z.ZodOptional<z.ZodInt>;
    requestId: z.ZodOptional<z.ZodCustom<() => string, () => string>>;
    logger: z.ZodOptional<z.ZodCustom<GenAuthLogger, GenAuthLogger>>;
  },
  z.core.$strict
> = z.strictObject({
  relyingParty: z.custom<RelyingParty>(isRelyingParty, 'must be a RelyingParty from createRelyingParty'),
  authenticate: z.custom<Authenticate>(isFunction, 'must be a function').optional(),
  userHandle: z.custom<(user: GenAuthUser) => string>(isFunction, 'must be a function').optional(),
  onAuthenticated: z.custom<OnAuthenticated>(isFunction, 'must be a function').optional(),
  basePath: z
    .string()
    .regex(/^(?:\/[A-Za-z0-9\-._~!$&'()*+,;=:@%]+)*$/, 'must be empty or a path such as "/auth", without a trailing slash')
    .optional(),
  bodyLimitBytes: z.int().min(1).max(64 * 1024 * 1024).optional(),
  bodyTimeoutMs: z.int().min(100, 'must be at least 100 (milliseconds)').max(300_000, 'must be at most 300000 (milliseconds)').optional(),
  retryAfterSeconds: z.int().min(0, 'must be at least 0 (seconds)').max(86_400, 'must be at most 86400 (seconds)').optional(),
  requestId: z.custom<() => string>(isFunction, 'must be a function').optional(),
  logger: z.custom<GenAuthLogger>(hasMethods('error'), 'must have an error(message, details) method').optional(),
});

/**
 * Options of `createGenAuthHandler`:
 *
 * - `relyingParty`: the core's relying party; credential records live in its `credentialStore`.
 * - `authenticate(request)`: the signed-in caller, or `null`. Read headers or cookies only; the body belongs
 *   to the handler. Without it (or with `null`) sign-in options are for a discoverable credential and the
 *   registration routes answer 401.
 * - `userHandle(user)`: the user handle (WebAuthn L3 §5.4.3) for a caller; default `userHandleFromId(user.id)`.
 * - `onAuthenticated(result, { request, options })`: after a verified sign-in; its object is merged into `data`.
 * - `basePath`: prefix of every route, default `''`; `bodyLimitBytes`: default 65536.
 * - `bodyTimeoutMs`: how long a body may take to arrive once the handler reads it, 100 ms to 300 s; default
 *   10000. Later, 408 / 40801 (RFC 9110 §15.5.9).
 * - `retryAfterSeconds`: the `Retry-After` of the 503 / 50301 answer to `store_unavailable`, 0 to 86400;
 *   default 1.
 * - `requestId()`: default `crypto.randomUUID()`; `logger`: default `console.error`.
 */
export type GenAuthHandlerOptions = z.input<typeof genAuthHandlerOptionsSchema>;

/**
 * Validates handler options.
 *
 * @internal
 * @throws {TesseraError} `invalid_config`, naming each problem by path
 */
export function parseHandlerOptions(options: unknown): z.output<typeof genAuthHandlerOptionsSchema> {
  return parseAdapterOptions(genAuthHandlerOptionsSchema, options, 'GenAuth handler options');
}

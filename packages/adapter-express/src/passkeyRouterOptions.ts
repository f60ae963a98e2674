import type { FinishedAuthentication, RelyingParty } from '@tessera/core';
import { adapterUserSchema, hasMethods, isFunction, isRelyingParty, parseAdapterOptions } from '@tessera/core/adapter';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { CHALLENGE_ENCODINGS } from './challengeEncoding.ts';

/** Default `bodyLimitBytes`: 64 KiB, far above a registration response with an RSA key and an attestation chain. */
export { DEFAULT_BODY_LIMIT_BYTES } from '@tessera/core/adapter';
/** Smallest `bodyLimitBytes`: 1 KiB, below which no registration response fits (a guard against a limit given in KiB). */
export const MIN_BODY_LIMIT_BYTES = 1_024;
/** Largest `bodyLimitBytes`: 16 MiB. */
export const MAX_BODY_LIMIT_BYTES = 16_777_216;

/** Default `bodyTimeoutMs`: 10 s for a body to arrive in full once the router starts reading it. */
export { DEFAULT_BODY_TIMEOUT_MS } from '@tessera/core/adapter';
/** Smallest `bodyTimeoutMs`: 100 ms (a guard against a deadline given in seconds). */
export const MIN_BODY_TIMEOUT_MS = 100;
/** Largest `bodyTimeoutMs`: 300 s, Node's own `requestTimeout`; beyond it Node cuts the request first. */
export const MAX_BODY_TIMEOUT_MS = 300_000;

/** Default `retryAfterSeconds`: the `Retry-After` of a 503 `store_unavailable`. */
export { DEFAULT_RETRY_AFTER_SECONDS } from '@tessera/core/adapter';
/** Largest `retryAfterSeconds`: one day. */
export const MAX_RETRY_AFTER_SECONDS = 86_400;

/**
 * Schema of the user `authenticate(req)` resolves to: the application's own id for the user, and the
 * account name and display name shown by authenticators at registration (WebAuthn L3 §5.4.3).
 */
export const passkeyUserSchema: z.ZodObject<
  { id: z.ZodString; name: z.ZodOptional<z.ZodString>; displayName: z.ZodOptional<z.ZodString> },
  z.core.$strip
> = adapterUserSchema;

/** The signed-in user, as `authenticate(req)` reports it; see {@link passkeyUserSchema}. */
export type PasskeyUser = z.input<typeof passkeyUserSchema>;

/**
 * Finds the caller of a request, typically from its `Authorization: Bearer …` header. Resolves to `null`
 * for an anonymous or invalid caller (the router answers 401); a rejection is a server fault (500, logged).
 */
export type Authenticate = (req: Request) => Promise<PasskeyUser | null> | PasskeyUser | null;

/** Maps the caller to its WebAuthn user handle (base64url of 1–64 bytes, WebAuthn L3 §5.4.3). */
export type UserHandleOf = (user: PasskeyUser) => string;

/**
 * Runs after `auth-verify` verified the caller's passkey and stored the credential's new state, before the
 * 200 envelope is sent: the place to mark the session as having passed the second factor (for example
 * `req.session.mfa = true`, or a cookie through `res`). A rejection is a server fault (500, logged), and the
 * client is not told it signed in.
 */
export type OnAuthenticated = (result: FinishedAuthentication, req: Request, res: Response) => Promise<void> | void;

/** Where the router reports server faults. Details hold the route and the caught error, for your logs only. */
export interface PasskeyRouterLogger {
  /**
   * @param message - what failed, e.g. `POST /mfa/passkey/auth-options failed`
   * @param details - `{ route, error, code? }`
   */
  error(message: string, details: Record<string, unknown>): void;
}

/** Schema of the options of `passkeyRouter`; unknown members are rejected, so a misspelt option fails loudly. */
export const passkeyRouterOptionsSchema: z.ZodObject<
  {
    relyingParty: z.ZodCustom<RelyingParty, RelyingParty>;
    authenticate: z.ZodCustom<Authenticate, Authenticate>;
    userHandle: z.ZodOptional<z.ZodCustom<UserHandleOf, UserHandleOf>>;
    onAuthenticated: z.ZodOptional<z.ZodCustom<OnAuthenticated, OnAuthenticated>>;
    challengeEncoding: z.ZodOptional<z.ZodEnum<{ base64url: 'base64url'; base64: 'base64' }>>;
    bodyLimitBytes: z.ZodOptional<z.ZodNumber>;
    bodyTimeoutMs: z.ZodOptional<z.ZodNumber>;
    retryAfterSeconds: z.ZodOptional<z.ZodNumber>;
    logger: z.ZodOptional<z.ZodCustom<PasskeyRouterLogger, PasskeyRouterLogger>>;
  },
  z.core.$strict
> = z.strictObject({
  relyingParty: z.custom<RelyingParty>(isRelyingParty, 'relyingParty must be a RelyingParty (from createRelyingParty)'),
  authenticate: z.custom<Authenticate>(isFunction, 'authenticate must be a function'),
  userHandle: z.custom<UserHandleOf>(isFunction, 'userHandle must be a function').optional(),
  onAuthenticated: z.custom<OnAuthenticated>(isFunction, 'onAuthenticated must be a function').optional(),
  challengeEncoding: z.enum(CHALLENGE_ENCODINGS).optional(),
  bodyLimitBytes: z
    .number()
    .int('bodyLimitBytes must be a whole number of bytes')
    .min(MIN_BODY_LIMIT_BYTES, `bodyLimitBytes must be at least ${MIN_BODY_LIMIT_BYTES}`)
    .max(MAX_BODY_LIMIT_BYTES, `bodyLimitBytes must be at most ${MAX_BODY_LIMIT_BYTES}`)
    .optional(),
  bodyTimeoutMs: z
    .number()
    .int('bodyTimeoutMs must be a whole number of milliseconds')
    .min(MIN_BODY_TIMEOUT_MS, `bodyTimeoutMs must be at least ${MIN_BODY_TIMEOUT_MS}`)
    .max(MAX_BODY_TIMEOUT_MS, `bodyTimeoutMs must be at most ${MAX_BODY_TIMEOUT_MS}`)
    .optional(),
  retryAfterSeconds: z
    .number()
    .int('retryAfterSeconds must be a whole number of seconds')
    .min(0, 'retryAfterSeconds must be at least 0')
    .max(MAX_RETRY_AFTER_SECONDS, `retryAfterSeconds must be at most ${MAX_RETRY_AFTER_SECONDS}`)
    .optional(),
  logger: z.custom<PasskeyRouterLogger>(hasMethods('error'), 'logger must have an error(message, details) method').optional(),
});

/** Options of `passkeyRouter`; see {@link passkeyRouterOptionsSchema} and the package README. */
export type PasskeyRouterOptions = z.input<typeof passkeyRouterOptionsSchema>;

/**
 * Validates the router's options.
 *
 * @internal used by `passkeyRouter`; not exported from the package
 *
 * @param options - as given to `passkeyRouter`
 * @returns the options, as given
 * @throws {TesseraError} `invalid_config`, naming each broken option
 */
export function parsePasskeyRouterOptions(options: unknown): z.output<typeof passkeyRouterOptionsSchema> {
  return parseAdapterOptions(passkeyRouterOptionsSchema, options, 'passkey router options');
}

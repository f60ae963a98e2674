import { z } from 'zod';
import {
  DEFAULT_TIMEOUT_MS,
  TesseraError,
  isTesseraError,
  type FinishedAuthentication,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationVerification,
  type RelyingParty,
} from '@tessera/core';
import { adapterUserSchema, registrationUserOf, withUnknownCredentialSignal } from '@tessera/core/adapter';
import { successResponse } from './_envelope.ts';
import { readJsonBody } from './_readJsonBody.ts';
import { RequestFailure } from './_requestFailure.ts';
import { ServerFault, callback } from './_serverFault.ts';
import type { AuthenticationOptionsDto, PublicKeyCredentialRequestOptionsDto } from './envelopes.ts';
import { type Authenticate, type GenAuthUser, type OnAuthenticated } from './handlerOptions.ts';
import { verifyAuthenticationReqDtoSchema, verifyRegistrationReqDtoSchema } from './requestBodies.ts';

/*
 * The four routes of GenAuth's V3 WebAuthn API, each a thin translation: read the request, call the core,
 * shape the result. Failures are thrown (TesseraError from the core, RequestFailure from here) and turned into
 * envelopes by the handler. The application's callbacks run through `callback`, so whatever they throw is a
 * ServerFault (500, logged), never a client fault.
 */

/** What the routes need, from the validated handler options. @internal */
export interface RouteContext {
  relyingParty: RelyingParty;
  authenticate: Authenticate | undefined;
  userHandle: (user: GenAuthUser) => string;
  onAuthenticated: OnAuthenticated | undefined;
  bodyLimitBytes: number;
  bodyTimeoutMs: number;
}

/** A route: answers one method on one path. @internal */
export type Route = (request: Request, requestId: string, context: RouteContext) => Promise<Response>;

const hookResultSchema = z.record(z.string(), z.unknown()).optional();

/**
 * Core codes that, on `POST …/authentication`, can only be about the stored credential public key: a server
 * fault there, although at registration (where the key is the client's) they are the client's.
 */
const STORED_KEY_CODES: ReadonlySet<string> = new Set(['malformed_public_key', 'unsupported_algorithm']);

/** The signed-in caller, or `null`. A hook that throws or returns something else is a server fault. */
async function callerOf(request: Request, context: RouteContext): Promise<GenAuthUser | null> {
  const { authenticate } = context;
  if (authenticate === undefined) return null;
  const user: unknown = await callback('authenticate', () => authenticate(request));
  if (user === null || user === undefined) return null;
  const parsed = adapterUserSchema.safeParse(user);
  if (!parsed.success) {
    const problem = new TesseraError('invalid_config', 'authenticate(request) must return { id, name?, displayName? } or null.', { cause: parsed.error });
    throw new ServerFault('authenticate', problem);
  }
  return parsed.data;
}

/**
 * The caller's user handle. `context.userHandle` is checked (`checkedUserHandle`): one that throws or returns
 * anything but a user handle is a server fault.
 */
function handleOf(user: GenAuthUser, context: RouteContext): Promise<string> {
  return callback('userHandle', () => context.userHandle(user));
}

async function requireCaller(request: Request, context: RouteContext): Promise<GenAuthUser> {
  const user = await callerOf(request, context);
  if (user === null) throw new RequestFailure('unauthenticated');
  return user;
}

/**
 * The signed-in caller and their user handle; `unauthenticated` (401) when nobody is signed in.
 *
 * @internal
 */
export async function callerAndHandle(request: Request, context: RouteContext): Promise<{ user: GenAuthUser; handle: string }> {
  const user = await requireCaller(request, context);
  return { user, handle: await handleOf(user, context) };
}

/** The `mediation` query parameter of `GET …/registration`: absent, or `conditional` (WebAuthn L3 §5.1.3). */
function mediationOf(request: Request): 'conditional' | undefined {
  let values: string[];
  try {
    values = new URL(request.url).searchParams.getAll('mediation');
  } catch {
    return undefined;
  }
  if (values.length === 0) return undefined;
  if (values.length === 1 && values[0] === 'conditional') return 'conditional';
  throw new RequestFailure('invalid_request');
}

async function readBody<Schema extends z.ZodType>(request: Request, schema: Schema, context: RouteContext): Promise<z.output<Schema>> {
  const result = schema.safeParse(await readJsonBody(request, context.bodyLimitBytes, context.bodyTimeoutMs));
  if (!result.success) throw new RequestFailure('invalid_request', { cause: result.error });
  return result.data;
}

/** The core's request options (WebAuthn L3 §5.1.9) in GenAuth's `PublicKeyCredentialRequestOptionsDto` form. */
function requestOptionsDto(options: PublicKeyCredentialRequestOptionsJSON, relyingParty: RelyingParty): PublicKeyCredentialRequestOptionsDto {
  return {
    challenge: options.challenge,
    allowCredentials: (options.allowCredentials ?? []).map(({ id, type, transports }) => ({ id, type, transports: transports ?? [] })),
    rpId: options.rpId ?? relyingParty.rpId,
    timeout: options.timeout ?? DEFAULT_TIMEOUT_MS, // the relying party always sets it
    ...(options.userVerification === undefined ? {} : { userVerification: options.userVerification }),
  };
}

/**
 * `GET /api/v3/webauthn/authentication` (GenAuth `initAuthenticationOptions`, WebAuthn L3 §5.5): options for
 * the signed-in caller's credentials, or for a discoverable credential when nobody is signed in.
 *
 * @internal
 */
export const startAuthentication: Route = async (request, requestId, context) => {
  const user = await callerOf(request, context);
  // With a caller, the relying party lists their credentials from its store as allowCredentials.
  const input = user === null ? {} : { userId: await handleOf(user, context) };
  const { options, ticket } = await context.relyingParty.startAuthentication(input);
  const data: AuthenticationOptionsDto = { authenticationOptions: requestOptionsDto(options, context.relyingParty), ticket };
  return successResponse(data, requestId);
};

/**
 * `POST /api/v3/webauthn/authentication` (GenAuth `verifyAuthentication`, WebAuthn L3 §7.2): verifies the
 * assertion against the ticket's ceremony; the relying party stores the new counter and backup state (§7.2
 * step 24, a compare-and-set), then the application adds what it issues.
 *
 * @internal
 */
export const finishAuthentication: Route = async (request, requestId, context) => {
  const { ticket, authenticationCredential, options } = await readBody(request, verifyAuthenticationReqDtoSchema, context);
  let result: FinishedAuthentication;
  try {
    result = await context.relyingParty.finishAuthentication({
      ticket,
      response: authenticationCredential,
    });
  } catch (error) {
    // At sign-in the only public key, and so the only algorithm, is the stored credential's (an assertion
    // carries none, §6.1): if it cannot be used, the store holds a bad record. That is the server's fault.
    if (isTesseraError(error) && STORED_KEY_CODES.has(error.code)) throw new ServerFault('stored credential', error);
    throw withUnknownCredentialSignal(error, context.relyingParty.rpId, (authenticationCredential as { id?: unknown }).id);
  }
  // No caller check: a sign-in needs no caller (discoverable credentials); the ticket's ceremony decides.
  const { onAuthenticated } = context;
  const returned: unknown =
    onAuthenticated === undefined
      ? undefined
      : await callback('onAuthenticated', () => onAuthenticated(result, { request, ...(options === undefined ? {} : { options }) }));
  const hookResult = hookResultSchema.safeParse(returned);
  if (!hookResult.success) {
    const problem = new TesseraError('invalid_config', 'onAuthenticated must return an object or nothing.', { cause: hookResult.error });
    throw new ServerFault('onAuthenticated', problem);
  }
  const added = hookResult.data;
  return successResponse(
    {
      verified: true,
      credentialId: result.credentialId,
      userId: result.userId,
      userVerified: result.userVerified,
      newSignCount: result.newSignCount,
      backupEligible: result.backupEligible,
      backupState: result.backupState,
      authenticatorAttachment: result.authenticatorAttachment,
      signCountRegressed: result.signCountRegressed,
      backupEligibilityChanged: result.backupEligibilityChanged,
      ...added,
    },
    requestId,
    // §5.1.10: the ids the user may still use, so their authenticators can hide any others.
    { allAcceptedCredentials: await context.relyingParty.allAcceptedCredentialsSignal(result.userId) },
  );
};

/**
 * `GET /api/v3/webauthn/registration` (WebAuthn L3 §5.4): creation options for the signed-in caller, with
 * their existing credentials excluded so an authenticator does not register twice. `?mediation=conditional`
 * starts a conditional create (a passkey upgrade, §5.1.3), the only ceremony that may finish without the UP
 * flag (§7.1 step 14); any other `mediation` is `invalid_request`.
 *
 * @internal
 */
export const startRegistration: Route = async (request, requestId, context) => {
  const user = await requireCaller(request, context);
  const mediation = mediationOf(request);
  const id = await handleOf(user, context);
  // The relying party excludes the caller's stored credentials (excludeCredentials from its store).
  const { options, ticket } = await context.relyingParty.startRegistration({
    user: registrationUserOf(user, id),
    ...(mediation === undefined ? {} : { mediation }),
  });
  return successResponse({ registrationOptions: options, ticket }, requestId);
};

/**
 * `POST /api/v3/webauthn/registration` (WebAuthn L3 §7.1): verifies the new credential against the ticket's
 * ceremony, which must be the caller's own; the relying party stores it (§7.1 steps 25–26).
 *
 * @internal
 */
export const finishRegistration: Route = async (request, requestId, context) => {
  const user = await requireCaller(request, context);
  const userId = await handleOf(user, context);
  const { ticket, registrationCredential } = await readBody(request, verifyRegistrationReqDtoSchema, context);
  let verification: RegistrationVerification;
  try {
    verification = await context.relyingParty.finishRegistration({ ticket, response: registrationCredential, userId });
  } catch (error) {
    // Someone else's ceremony: the caller has no ceremony under this ticket (ticket_not_found). Nothing is stored.
    if (isTesseraError(error) && error.code === 'user_handle_mismatch') {
      throw new TesseraError('ticket_not_found', 'No registration ceremony of the caller is waiting under this ticket.');
    }
    throw error;
  }
  const { credential } = verification;
  return successResponse(
    {
      verified: true,
      credentialId: credential.id,
      userId,
      userVerified: verification.userVerified,
      authenticatorAttachment: verification.authenticatorAttachment,
      backupEligible: credential.backupEligible,
      backupState: credential.backupState,
      transports: [...credential.transports],
      aaguid: credential.aaguid,
      fmt: credential.fmt,
    },
    requestId,
  );
};

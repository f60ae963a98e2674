import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import {
  MemoryChallengeStore,
  MemoryCredentialStore,
  TesseraError,
  base64url,
  createRelyingParty,
  isTesseraError,
  ticketForChallenge,
  userHandleFromId,
  type ChallengeStore,
  type CredentialStore,
} from '@tessera/core';
import { SoftwareAuthenticator, type SoftwareAlgorithm } from '@tessera/core/testing';
import { closeServers, listen } from '../test/harness.ts';
import { AuthenticationClient } from './authenticationClient.ts';
import { createGenAuthHandler, type GenAuthHandler } from './createGenAuthHandler.ts';
import {
  errorRespDtoSchema,
  getAuthenticationOptionsRespDtoSchema,
  getRegistrationOptionsRespDtoSchema,
  isErrorRespDto,
  verifyAuthenticationRespDtoSchema,
  verifyRegistrationRespDtoSchema,
  type ErrorRespDto,
} from './envelopes.ts';
import type { GenAuthHandlerOptions, GenAuthUser } from './handlerOptions.ts';
import { toNodeListener, type NodeListenerOptions } from './toNodeListener.ts';
import { IDENTITY_SIGNATURE, REGISTERED_FORMATS, VERIFIED_FORMATS, anyPlant, planted } from '@tessera/test-support/plantedRegistration';
import { chunkOf, pump, rawRequest, slowly, trickle } from '@tessera/test-support/rawHttp';

const ORIGIN = 'https://example.com';
const AUTHENTICATION = '/api/v3/webauthn/authentication';
const REGISTRATION = '/api/v3/webauthn/registration';
const USERS: Record<string, GenAuthUser> = {
  alice: { id: 'user-alice', name: 'alice@example.com', displayName: 'Alice' },
  bob: { id: 'user-bob', name: 'bob@example.com', displayName: 'Bob' },
};
const handleOf = (name: string): string => userHandleFromId(USERS[name]!.id);

/** The test application's sign-in: `Authorization: Bearer <name>`. */
async function bearer(request: Request): Promise<GenAuthUser | null> {
  const match = /^Bearer (\w+)$/.exec(request.headers.get('authorization') ?? '');
  return (match && USERS[match[1]!]) ?? null;
}

afterEach(closeServers);

/** A relying party, a credential store and the handler, listening on 127.0.0.1 through toNodeListener. */
async function serve(
  options: Partial<GenAuthHandlerOptions> & { challengeStore?: ChallengeStore; credentials?: CredentialStore; listener?: NodeListenerOptions } = {},
) {
  const { challengeStore = new MemoryChallengeStore({ sweepIntervalMs: 0 }), credentials = new MemoryCredentialStore(), listener, ...handlerOptions } = options;
  const relyingParty = createRelyingParty({ rpId: 'example.com', rpName: 'Example', origins: [ORIGIN], challengeStore, credentialStore: credentials });
  const logger = { error: vi.fn() };
  const handler = createGenAuthHandler({ relyingParty, authenticate: bearer, logger, ...handlerOptions });
  const baseUrl = `http://${await listen(toNodeListener(handler, { logger, ...listener }))}`;
  const client = (user?: string): AuthenticationClient =>
    new AuthenticationClient({ baseUrl, headers: user === undefined ? {} : { authorization: `Bearer ${user}` } });
  return { relyingParty, credentials, logger, handler, baseUrl, client };
}
type Served = Awaited<ReturnType<typeof serve>>;

interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
}

/** A request over the socket; the body is always JSON. */
async function send(served: Served, path: string, init: RequestInit & { user?: string; json?: unknown } = {}): Promise<Answer> {
  const { user, json, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (user !== undefined) headers.set('authorization', `Bearer ${user}`);
  if (json !== undefined) headers.set('content-type', 'application/json');
  const response = await fetch(served.baseUrl + path, { ...rest, headers, ...(json === undefined ? {} : { method: 'POST', body: JSON.stringify(json) }) });
  expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
  expect(response.headers.get('cache-control')).toBe('no-store');
  return { status: response.status, headers: response.headers, body: await response.json() };
}

/** Asserts the failure envelope, exactly: its four members, the HTTP status equal to statusCode, and the apiCode. */
function expectFailure(answer: Answer, apiCode: number): ErrorRespDto {
  const dto = errorRespDtoSchema.parse(answer.body);
  expect(Object.keys(answer.body as object).sort()).toEqual(['apiCode', 'message', 'requestId', 'statusCode']);
  expect(answer.status).toBe(dto.statusCode);
  expect(dto.apiCode).toBe(apiCode);
  expect(Math.floor(dto.apiCode / 100)).toBe(dto.statusCode);
  return dto;
}

function expectSuccess<Schema extends z.ZodType>(answer: Answer, schema: Schema): z.output<Schema> {
  expect(answer.status).toBe(200);
  return schema.parse(answer.body);
}

/** Registers a new credential for `user` through the routes, as a browser would. */
async function register(served: Served, user: string, authenticator = new SoftwareAuthenticator()) {
  const started = expectSuccess(await send(served, REGISTRATION, { user }), getRegistrationOptionsRespDtoSchema);
  const registrationCredential = await authenticator.register(started.data.registrationOptions, ORIGIN);
  const finished = expectSuccess(
    await send(served, REGISTRATION, { user, json: { ticket: started.data.ticket, registrationCredential } }),
    verifyRegistrationRespDtoSchema,
  );
  return { authenticator, credentialId: finished.data.credentialId, started, finished };
}

/** Starts a sign-in (for `user`, or a discoverable one) and answers it with `authenticator`. */
async function signInBody(served: Served, authenticator: SoftwareAuthenticator, user?: string) {
  const started = expectSuccess(await send(served, AUTHENTICATION, user === undefined ? {} : { user }), getAuthenticationOptionsRespDtoSchema);
  const authenticationCredential = await authenticator.authenticate(started.data.authenticationOptions, ORIGIN);
  return { ticket: started.data.ticket, authenticationCredential, started };
}

describe('register, then sign in, through the handler', () => {
  it.each<SoftwareAlgorithm>(['ES256', 'EdDSA', 'RS256'])('works with an %s credential, over fetch and AuthenticationClient', async (algorithm) => {
    const served = await serve();
    const authenticator = new SoftwareAuthenticator({ algorithm });
    const alice = served.client('alice');

    const registrationOptions = await alice.initRegistrationOptions();
    if (isErrorRespDto(registrationOptions)) throw new Error(registrationOptions.message);
    expect(registrationOptions).toMatchObject({ statusCode: 200, message: 'Operation successful' });
    expect(registrationOptions.data.registrationOptions.user).toEqual({ id: handleOf('alice'), name: 'alice@example.com', displayName: 'Alice' });
    const registered = await alice.verifyRegistration({
      ticket: registrationOptions.data.ticket,
      registrationCredential: await authenticator.register(registrationOptions.data.registrationOptions, ORIGIN),
    });
    if ('apiCode' in registered) throw new Error(registered.message);
    expect(registered.data).toMatchObject({ verified: true, userId: handleOf('alice'), userVerified: true, transports: ['internal'], fmt: 'none' });
    const credentialId = registered.data.credentialId;
    expect(await served.credentials.get(credentialId)).toMatchObject({ userId: handleOf('alice'), signCount: 1 });

    const started = expectSuccess(await send(served, AUTHENTICATION, { user: 'alice' }), getAuthenticationOptionsRespDtoSchema);
    expect(started.data.authenticationOptions).toMatchObject({
      allowCredentials: [{ id: credentialId, type: 'public-key', transports: ['internal'] }],
      rpId: 'example.com',
      timeout: 300_000,
      userVerification: 'preferred',
    });
    const result = await alice.verifyAuthentication({
      ticket: started.data.ticket,
      authenticationCredential: await authenticator.authenticate(started.data.authenticationOptions, ORIGIN),
    });
    expect(verifyAuthenticationRespDtoSchema.parse(result).data).toEqual({
      verified: true,
      credentialId,
      userId: handleOf('alice'),
      userVerified: true,
      newSignCount: 2,
      backupEligible: false,
      backupState: false,
      authenticatorAttachment: 'platform',
      signCountRegressed: false,
      backupEligibilityChanged: false,
    });
    expect((await served.credentials.get(credentialId))!.signCount).toBe(2);
  });

  it('signs in a user it did not know in advance (discoverable credential, allowCredentials: [])', async () => {
    const served = await serve();
    const { authenticator, credentialId } = await register(served, 'bob');
    const client = served.client();
    const started = await client.initAuthenticationOptions();
    if ('apiCode' in started) throw new Error(started.message);
    expect(started.data.authenticationOptions.allowCredentials).toEqual([]);
    const response = await client.verifyAuthentication({
      ticket: started.data.ticket,
      authenticationCredential: await authenticator.authenticate(started.data.authenticationOptions, ORIGIN),
    });
    expect(response).toMatchObject({ statusCode: 200, data: { verified: true, credentialId, userId: handleOf('bob') } });
  });

  it('merges what onAuthenticated returns (a tokenSet) into data, and hands it the request and options', async () => {
    const onAuthenticated = vi.fn(async (result: { userId: string }) => ({
      tokenSet: { access_token: `token-for-${result.userId}`, token_type: 'Bearer', expires_in: 3600 },
    }));
    const served = await serve({ onAuthenticated });
    const { authenticator } = await register(served, 'alice');
    const body = await signInBody(served, authenticator, 'alice');
    const answer = await send(served, AUTHENTICATION, { json: { ...body, options: { scope: 'openid profile' } } });
    const { data } = expectSuccess(answer, verifyAuthenticationRespDtoSchema);
    expect(data.tokenSet).toEqual({ access_token: `token-for-${handleOf('alice')}`, token_type: 'Bearer', expires_in: 3600 });
    expect(onAuthenticated).toHaveBeenCalledOnce();
    const [result, context] = onAuthenticated.mock.calls[0] as unknown as [unknown, { request: Request; options?: unknown }];
    expect(result).toMatchObject({ verified: true, userId: handleOf('alice'), credentialUpdate: { signCount: 2 } });
    expect(context.request).toBeInstanceOf(Request);
    expect(context.options).toEqual({ scope: 'openid profile' });
  });

  it('excludes the caller’s existing credentials when registering another', async () => {
    const served = await serve();
    const { credentialId } = await register(served, 'alice');
    const started = expectSuccess(await send(served, REGISTRATION, { user: 'alice' }), getRegistrationOptionsRespDtoSchema);
    expect(started.data.registrationOptions.excludeCredentials).toEqual([{ id: credentialId, type: 'public-key', transports: ['internal'] }]);
  });

  it('answers a handler called directly with a Fetch Request, under a basePath', async () => {
    const relyingParty = createRelyingParty({ rpId: 'example.com', rpName: 'Example', origins: [ORIGIN], challengeStore: new MemoryChallengeStore(), credentialStore: new MemoryCredentialStore() });
    let next = 0;
    const handler = createGenAuthHandler({ relyingParty, basePath: '/auth', requestId: () => `req-${++next}` });
    const ok = await handler(new Request(`https://example.com/auth${AUTHENTICATION}?ignored=1`));
    expect(ok.status).toBe(200);
    expect(getAuthenticationOptionsRespDtoSchema.parse(await ok.json())).toMatchObject({ requestId: 'req-1' });
    const missing = await handler(new Request(`https://example.com${AUTHENTICATION}`));
    expect(errorRespDtoSchema.parse(await missing.json())).toEqual({ statusCode: 404, apiCode: 40401, message: 'There is no such endpoint.', requestId: 'req-2' });
    const unauthenticated = await handler(new Request(`https://example.com/auth${REGISTRATION}`));
    expect(unauthenticated.status).toBe(401);
  });
});

describe('bad input gets a 4xx envelope', () => {
  it('refuses malformed JSON, a wrong content type or encoding, and missing or mistyped fields', async () => {
    const served = await serve();
    const post = (body: string, contentType: string | null, extra: Record<string, string> = {}) =>
      send(served, AUTHENTICATION, { method: 'POST', body, headers: { ...(contentType === null ? {} : { 'content-type': contentType }), ...extra } });
    expectFailure(await post('{"ticket":', 'application/json'), 40001);
    expectFailure(await post('', 'application/json'), 40001);
    const notUtf8 = await send(served, AUTHENTICATION, { method: 'POST', body: new Uint8Array([0x22, 0xff, 0x22]), headers: { 'content-type': 'application/json; charset=UTF-8' } });
    expectFailure(notUtf8, 40001);
    expectFailure(await post('{}', 'text/plain'), 41501);
    expectFailure(await post('{}', null), 41501);
    expectFailure(await post('{}', 'application/json; charset=iso-8859-1'), 41501);
    expectFailure(await post('{}', 'application/jsonx'), 41501);
    expectFailure(await post('{}', 'application/json', { 'content-encoding': 'gzip' }), 41501);
    for (const body of [{}, { ticket: 'x' }, { authenticationCredential: {} }, { ticket: 1, authenticationCredential: {} }, { ticket: 'x', authenticationCredential: [] }, [], 'text', null, { ticket: 'x', authenticationCredential: {}, options: 'scope' }]) {
      expectFailure(await send(served, AUTHENTICATION, { json: body }), 40002);
    }
    for (const body of [{}, { ticket: 'x' }, { ticket: 'x', registrationCredential: 'credential' }]) {
      expectFailure(await send(served, REGISTRATION, { user: 'alice', json: body }), 40002);
    }
  });

  it('tells an unknown ticket from a malformed credential on a live ticket', async () => {
    const served = await serve();
    const { authenticator } = await register(served, 'alice');
    const { ticket, authenticationCredential } = await signInBody(served, authenticator, 'alice');
    expectFailure(await send(served, AUTHENTICATION, { json: { ticket: 'not-a-ticket', authenticationCredential } }), 40010);
    expectFailure(await send(served, AUTHENTICATION, { json: { ticket, authenticationCredential: { id: authenticationCredential.id } } }), 40020);
  });

  it('refuses a body over the limit, with a Content-Length or chunked, and stays usable', async () => {
    const served = await serve({ bodyLimitBytes: 1024 });
    const big = JSON.stringify({ ticket: 'x', authenticationCredential: { padding: 'x'.repeat(1_000_000) } });
    expectFailure(await send(served, AUTHENTICATION, { method: 'POST', body: big, headers: { 'content-type': 'application/json' } }), 41301);
    const chunks = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let index = 0; index < 64; index++) controller.enqueue(new TextEncoder().encode(`"${'y'.repeat(16_382)}",`));
        controller.close();
      },
    });
    const chunked = await send(served, AUTHENTICATION, {
      method: 'POST',
      body: chunks,
      headers: { 'content-type': 'application/json' },
      duplex: 'half',
    } as RequestInit);
    expectFailure(chunked, 41301);
    // At exactly the limit the body is read (and is simply not a valid request).
    const exact = JSON.stringify({ ticket: 'x'.repeat(1024 - 13) });
    expect(new TextEncoder().encode(exact).byteLength).toBe(1024);
    expectFailure(await send(served, AUTHENTICATION, { method: 'POST', body: exact, headers: { 'content-type': 'application/json' } }), 40002);
    expectFailure(await send(served, AUTHENTICATION, { method: 'POST', body: `${exact} `, headers: { 'content-type': 'application/json' } }), 41301);
    expect(served.logger.error).not.toHaveBeenCalled();
  });

  it('refuses a Content-Length that disagrees with the body, or is not a number', async () => {
    const { handler } = await serve();
    const post = (headers: Record<string, string>, body: string) =>
      handler(new Request(`http://localhost${AUTHENTICATION}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body }));
    const body = JSON.stringify({ ticket: 'x', authenticationCredential: {} });
    for (const [length, apiCode] of [
      ['5', 40003],
      [String(body.length + 10), 40003],
      ['999999999', 41301],
      ['-1', 40004],
      ['1e3', 40004],
      ['12, 13', 40004],
    ] as const) {
      const response = await post({ 'content-length': length }, body);
      expect(errorRespDtoSchema.parse(await response.json())).toMatchObject({ apiCode });
    }
  });

  it('answers 404 for unknown routes and 405 with Allow for other methods', async () => {
    const served = await serve();
    for (const path of ['/', '/api/v3/webauthn', `${AUTHENTICATION}/`, `${AUTHENTICATION}x`, '/API/V3/WEBAUTHN/AUTHENTICATION']) {
      expectFailure(await send(served, path), 40401);
    }
    for (const method of ['PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      for (const path of [AUTHENTICATION, REGISTRATION]) {
        const answer = await send(served, path, { method });
        expectFailure(answer, 40501);
        expect(answer.headers.get('allow')).toBe('GET, POST');
      }
    }
  });

  it('answers 401 on the registration routes without a signed-in caller', async () => {
    const served = await serve();
    expectFailure(await send(served, REGISTRATION), 40101);
    expectFailure(await send(served, REGISTRATION, { user: 'mallory' }), 40101);
    expectFailure(await send(served, REGISTRATION, { json: { ticket: 'x', registrationCredential: {} } }), 40101);
  });
});

describe('oversized and slow bodies, over a raw socket', () => {
  const ONE_GIB = 2 ** 30;
  const headOf = (path: string, headers: string[]): string =>
    [`POST ${path} HTTP/1.1`, 'Host: example.com', 'Authorization: Bearer alice', 'Content-Type: application/json', ...headers].join('\r\n');
  const addressOf = (served: Served): string => served.baseUrl.replace('http://', '');
  const envelopeOf = (body: string, apiCode: number): ErrorRespDto => {
    const dto = errorRespDtoSchema.parse(JSON.parse(body));
    expect(dto.apiCode).toBe(apiCode);
    return dto;
  };

  it.each([AUTHENTICATION, REGISTRATION])('POST %s answers 413 to a Content-Length over the limit before a byte of the body arrives', async (path) => {
    const served = await serve();
    const answer = await rawRequest(addressOf(served), headOf(path, [`Content-Length: ${ONE_GIB}`]), undefined, { settleMs: 200 });
    expect(answer.status).toBe(413);
    envelopeOf(answer.body, 41301);
    expect(served.logger.error).not.toHaveBeenCalled();
  });

  it('answers 413 at once to a declared 1 GiB body the client keeps sending, and closes the connection without draining it', async () => {
    // A deadline far past the wait: a closed connection here was closed by the early answer, not by the deadline.
    const served = await serve({ listener: { bodyTimeoutMs: 30_000 } });
    const answer = await rawRequest(addressOf(served), headOf(AUTHENTICATION, [`Content-Length: ${ONE_GIB}`]), pump(new Uint8Array(65_536), ONE_GIB), { settleMs: 5_000 });
    expect(answer.status).toBe(413);
    expect(answer.answeredAfterMs, 'answered long before the deadline').toBeLessThan(3_000);
    expect(answer.closed, 'the answer closed the connection').toBe(true);
    expect(answer.written).toBeLessThan(ONE_GIB);
  });

  it('answers 413 to a chunked body as soon as it passes the limit, while the client is still sending', async () => {
    const served = await serve({ bodyLimitBytes: 4096, listener: { bodyTimeoutMs: 30_000 } });
    // An endless chunked body: only the server can end this exchange.
    const answer = await rawRequest(addressOf(served), headOf(AUTHENTICATION, ['Transfer-Encoding: chunked']), pump(chunkOf(1024)), { settleMs: 5_000 });
    expect(answer.status).toBe(413);
    envelopeOf(answer.body, 41301);
    expect(answer.answeredAfterMs, 'answered long before the deadline').toBeLessThan(3_000);
    expect(answer.closed).toBe(true);
    expect(served.logger.error).not.toHaveBeenCalled();
  });

  it.each([
    ['the handler’s bodyTimeoutMs', { bodyTimeoutMs: 500 }, 'Content-Length: 4096', trickle('{', 50)],
    ['the handler’s bodyTimeoutMs, chunked', { bodyTimeoutMs: 500 }, 'Transfer-Encoding: chunked', trickle('1\r\n \r\n', 50)],
    ['the listener’s bodyTimeoutMs', { listener: { bodyTimeoutMs: 500 } }, 'Content-Length: 4096', trickle('{', 50)],
    ['the listener’s bodyTimeoutMs, chunked', { listener: { bodyTimeoutMs: 500 } }, 'Transfer-Encoding: chunked', trickle('1\r\n \r\n', 50)],
  ] as const)('answers 408 / 40801 to a trickled body after %s, and closes the connection', async (_, options, header, feed) => {
    const served = await serve(options);
    for (const path of [AUTHENTICATION, REGISTRATION]) {
      const answer = await rawRequest(addressOf(served), headOf(path, [header]), feed);
      expect(answer.status, path).toBe(408);
      expect(envelopeOf(answer.body, 40801)).toMatchObject({ statusCode: 408, message: 'The request body did not arrive in time.' });
      expect(answer.headers['connection']).toBe('close');
      expect(answer.headers['cache-control']).toBe('no-store');
      expect(answer.closed).toBe(true);
      expect(answer.answeredAfterMs).toBeGreaterThanOrEqual(450);
      expect(answer.answeredAfterMs).toBeLessThan(5_000);
    }
    expect(served.logger.error).not.toHaveBeenCalled();
  });

  it('gives a body 10 s by default, then answers 408 / 40801', async () => {
    const served = await serve();
    const answer = await rawRequest(addressOf(served), headOf(AUTHENTICATION, ['Content-Length: 60000']), trickle('{', 100), { waitMs: 20_000 });
    expect(answer.status).toBe(408);
    envelopeOf(answer.body, 40801);
    expect(answer.answeredAfterMs).toBeGreaterThanOrEqual(9_900);
    expect(answer.answeredAfterMs).toBeLessThan(15_000);
    expect(answer.closed).toBe(true);
  }, 25_000);

  it('answers a body that arrives slowly but in time as usual, and keeps the connection', async () => {
    const served = await serve({ bodyTimeoutMs: 3_000, listener: { bodyTimeoutMs: 3_000 } });
    const body = JSON.stringify({ ticket: 'x', authenticationCredential: {} });
    const answer = await rawRequest(addressOf(served), headOf(AUTHENTICATION, [`Content-Length: ${body.length}`]), slowly(body, 20), { settleMs: 300 });
    expect(answer.status).toBe(400);
    envelopeOf(answer.body, 40010); // read in full and judged: the ticket is unknown
    expect(answer.answeredAfterMs).toBeGreaterThanOrEqual(body.length * 15);
    expect(answer.closed).toBe(false);
  });

  it('answers 408 from the handler alone, on any runtime: a Fetch body stream that never ends', async () => {
    const relyingParty = createRelyingParty({ rpId: 'example.com', rpName: 'Example', origins: [ORIGIN], challengeStore: new MemoryChallengeStore(), credentialStore: new MemoryCredentialStore() });
    const handler = createGenAuthHandler({ relyingParty, bodyTimeoutMs: 300 });
    let cancelled = false;
    const endless = new ReadableStream<Uint8Array>({
      pull: () => new Promise(() => {}), // never another byte
      cancel: () => void (cancelled = true),
    });
    const response = await handler(
      new Request(`https://example.com${AUTHENTICATION}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: endless, duplex: 'half' } as RequestInit),
    );
    expect(response.status).toBe(408);
    expect(response.headers.get('connection')).toBe('close');
    expect(errorRespDtoSchema.parse(await response.json())).toMatchObject({ statusCode: 408, apiCode: 40801 });
    expect(cancelled).toBe(true);
  });
});

describe('tickets belong to one user and one use', () => {
  it('does not let user B finish a registration with A’s ticket, and stores nothing', async () => {
    const served = await serve();
    const started = expectSuccess(await send(served, REGISTRATION, { user: 'alice' }), getRegistrationOptionsRespDtoSchema);
    const registrationCredential = await new SoftwareAuthenticator().register(started.data.registrationOptions, ORIGIN);
    expectFailure(await send(served, REGISTRATION, { user: 'bob', json: { ticket: started.data.ticket, registrationCredential } }), 40010);
    expect(await served.credentials.get(registrationCredential.id)).toBeUndefined();
    expect(await served.credentials.listByUser(handleOf('bob'))).toEqual([]);
  });

  it('refuses an assertion answering A’s ceremony posted with B’s ticket, and A’s own ticket still works', async () => {
    const served = await serve();
    const alice = await register(served, 'alice');
    await register(served, 'bob');
    const forAlice = await signInBody(served, alice.authenticator, 'alice');
    const forBob = expectSuccess(await send(served, AUTHENTICATION, { user: 'bob' }), getAuthenticationOptionsRespDtoSchema);
    const anonymous = expectSuccess(await send(served, AUTHENTICATION), getAuthenticationOptionsRespDtoSchema);

    expectFailure(await send(served, AUTHENTICATION, { json: { ...forAlice, ticket: forBob.data.ticket } }), 40301);
    expectFailure(await send(served, AUTHENTICATION, { json: { ...forAlice, ticket: anonymous.data.ticket } }), 40011);
    expect((await served.credentials.get(alice.credentialId))!.signCount).toBe(1);
    expectSuccess(await send(served, AUTHENTICATION, { json: forAlice }), verifyAuthenticationRespDtoSchema);
  });

  it('refuses a replayed ticket, for sign-in and for registration', async () => {
    const served = await serve();
    const { authenticator, started } = await register(served, 'alice');
    const replayedRegistration = await send(served, REGISTRATION, {
      user: 'alice',
      json: { ticket: started.data.ticket, registrationCredential: await new SoftwareAuthenticator().register(started.data.registrationOptions, ORIGIN) },
    });
    expectFailure(replayedRegistration, 40010);

    const body = await signInBody(served, authenticator, 'alice');
    expectSuccess(await send(served, AUTHENTICATION, { json: body }), verifyAuthenticationRespDtoSchema);
    expectFailure(await send(served, AUTHENTICATION, { json: body }), 40010);
  });

  it('answers 409 when the store already holds the credential', async () => {
    const credentials = new MemoryCredentialStore();
    credentials.create = async () => {
      throw new TesseraError('credential_already_registered', 'This credential is already registered.');
    };
    const served = await serve({ credentials });
    const started = expectSuccess(await send(served, REGISTRATION, { user: 'alice' }), getRegistrationOptionsRespDtoSchema);
    const registrationCredential = await new SoftwareAuthenticator().register(started.data.registrationOptions, ORIGIN);
    expectFailure(await send(served, REGISTRATION, { user: 'alice', json: { ticket: started.data.ticket, registrationCredential } }), 40901);
  });

  it('keeps a bad public key a client fault at registration, where the key is the client’s', async () => {
    const served = await serve();
    const started = expectSuccess(await send(served, REGISTRATION, { user: 'alice' }), getRegistrationOptionsRespDtoSchema);
    const authenticator = new SoftwareAuthenticator();
    const credential = await authenticator.register(started.data.registrationOptions, ORIGIN);
    // The COSE_Key ends the authenticator data (and the attestation object): claim kty 3 (RSA) for an ES256 key.
    const keyLength = authenticator.credentials[0]!.publicKey.length;
    const withRsaKty = (encoded: string): string => {
      const bytes = base64url.decode(encoded);
      expect(bytes[bytes.length - keyLength + 2]).toBe(0x02);
      bytes[bytes.length - keyLength + 2] = 0x03;
      return base64url.encode(bytes);
    };
    const tampered = {
      ...credential,
      response: {
        ...credential.response,
        attestationObject: withRsaKty(credential.response.attestationObject),
        authenticatorData: withRsaKty(credential.response.authenticatorData!),
      },
    };
    expectFailure(await send(served, REGISTRATION, { user: 'alice', json: { ticket: started.data.ticket, registrationCredential: tampered } }), 40022);

    // RS1 is not offered by default: the client chose an algorithm this site does not support.
    const again = expectSuccess(await send(served, REGISTRATION, { user: 'alice' }), getRegistrationOptionsRespDtoSchema);
    const rs1 = await new SoftwareAuthenticator({ algorithm: 'RS1' }).register(again.data.registrationOptions, ORIGIN);
    expectFailure(await send(served, REGISTRATION, { user: 'alice', json: { ticket: again.data.ticket, registrationCredential: rs1 } }), 40024);
    expect(served.logger.error).not.toHaveBeenCalled();
  });

  it('refuses a registration response replayed against a fresh ceremony', async () => {
    const served = await serve();
    const { started } = await register(served, 'alice');
    const again = expectSuccess(await send(served, REGISTRATION, { user: 'alice' }), getRegistrationOptionsRespDtoSchema);
    // A registration response replayed against a fresh ceremony answers another challenge.
    const first = await new SoftwareAuthenticator().register(started.data.registrationOptions, ORIGIN);
    expectFailure(await send(served, REGISTRATION, { user: 'alice', json: { ticket: again.data.ticket, registrationCredential: first } }), 40011);
  });
});

describe('server faults get a 5xx envelope, are logged and leak nothing', () => {
  const SECRET = 'redis://admin:hunter2@10.0.0.7:6379';
  const failingStore = (failing: 'save' | 'consume', error: unknown): ChallengeStore => {
    const inner = new MemoryChallengeStore({ sweepIntervalMs: 0 });
    return {
      save: (...args) => (failing === 'save' ? Promise.reject(error) : inner.save(...args)),
      consume: (...args) => (failing === 'consume' ? Promise.reject(error) : inner.consume(...args)),
    };
  };

  it.each(['save', 'consume'] as const)('when the challenge store’s %s throws', async (failing) => {
    const served = await serve({ challengeStore: failingStore(failing, new Error(`connect ECONNREFUSED ${SECRET}`)) });
    const answer =
      failing === 'save'
        ? await send(served, AUTHENTICATION)
        : await send(served, AUTHENTICATION, { json: { ticket: ticketForChallenge(base64url.encode(new Uint8Array(32))), authenticationCredential: {} } });
    const dto = expectFailure(answer, 50001);
    expect(dto.message).toBe('Internal server error.');
    expect(JSON.stringify(answer.body)).not.toMatch(/hunter2|ECONNREFUSED|Error|at /);
    expect(served.logger.error).toHaveBeenCalledOnce();
    const [message, details] = served.logger.error.mock.calls[0]!;
    expect(message).toBe('GenAuth handler: server fault');
    expect(details).toMatchObject({ requestId: dto.requestId, path: AUTHENTICATION, error: expect.objectContaining({ message: expect.stringContaining(SECRET) }) });
  });

  it('answers 503 / 50301 with Retry-After: 1 when the store says it is unavailable, and logs it', async () => {
    const served = await serve({ challengeStore: failingStore('save', new TesseraError('store_unavailable', `Redis at ${SECRET} timed out.`)) });
    const answer = await send(served, AUTHENTICATION);
    const dto = expectFailure(answer, 50301);
    expect(dto.message).toBe('The service is temporarily unavailable; try again shortly.');
    expect(JSON.stringify(answer.body)).not.toContain('hunter2');
    expect(answer.headers.get('retry-after')).toBe('1');
    expect(served.logger.error).toHaveBeenCalledOnce();
    expect(served.logger.error.mock.calls[0]![1]).toMatchObject({ requestId: dto.requestId, error: expect.objectContaining({ code: 'store_unavailable' }) });
  });

  it('answers 503 / 50301 with the Retry-After of retryAfterSeconds on all four routes while a store is down', async () => {
    const state = { down: false };
    /** `store` whose every method fails with `store_unavailable` while `state.down`, as a store in an outage does. */
    const outage = <Store extends object>(store: Store): Store =>
      new Proxy(store, {
        get(target, key) {
          const member: unknown = Reflect.get(target, key, target);
          if (typeof member !== 'function') return member;
          return (...args: unknown[]) =>
            state.down ? Promise.reject(new TesseraError('store_unavailable', `No answer from ${SECRET}.`)) : (member as (...a: unknown[]) => unknown).apply(target, args);
        },
      });
    for (const broken of ['challengeStore', 'credentials'] as const) {
      state.down = false;
      const served = await serve({
        retryAfterSeconds: 30,
        ...(broken === 'challengeStore' ? { challengeStore: outage(new MemoryChallengeStore({ sweepIntervalMs: 0 })) } : { credentials: outage(new MemoryCredentialStore()) }),
      });
      const { authenticator } = await register(served, 'alice');
      const signIn = await signInBody(served, authenticator, 'alice');
      const started = expectSuccess(await send(served, REGISTRATION, { user: 'alice' }), getRegistrationOptionsRespDtoSchema);
      const registrationCredential = await new SoftwareAuthenticator().register(started.data.registrationOptions, ORIGIN);
      state.down = true;
      const answers = [
        await send(served, AUTHENTICATION, { user: 'alice' }),
        await send(served, AUTHENTICATION, { json: signIn }),
        await send(served, REGISTRATION, { user: 'alice' }),
        await send(served, REGISTRATION, { user: 'alice', json: { ticket: started.data.ticket, registrationCredential } }),
      ];
      for (const answer of answers) {
        expectFailure(answer, 50301);
        expect(answer.headers.get('retry-after'), broken).toBe('30');
        expect(JSON.stringify(answer.body)).not.toContain('hunter2');
      }
      expect(served.logger.error, broken).toHaveBeenCalledTimes(4);
      for (const [, details] of served.logger.error.mock.calls) expect(details).toMatchObject({ error: expect.objectContaining({ code: 'store_unavailable' }) });
    }
  });

  it('when a hook throws or returns something unusable', async () => {
    const throwing = await serve({ authenticate: async () => Promise.reject(new Error(SECRET)) });
    expectFailure(await send(throwing, AUTHENTICATION), 50001);
    expectFailure(await send(throwing, REGISTRATION), 50001);
    expect(throwing.logger.error).toHaveBeenCalledTimes(2);

    const noId = await serve({ authenticate: async () => ({ name: 'no id' }) as never });
    expectFailure(await send(noId, AUTHENTICATION), 50001);

    const badHook = await serve({ onAuthenticated: () => [SECRET] as never });
    const { authenticator } = await register(badHook, 'alice');
    const answer = await send(badHook, AUTHENTICATION, { json: await signInBody(badHook, authenticator, 'alice') });
    expectFailure(answer, 50001);
    expect(JSON.stringify(answer.body)).not.toContain('hunter2');
  });

  /** Asserts exactly one log entry for this 500: the request id the client got, where it came from and its cause. */
  function expectLoggedCause(served: Served, dto: ErrorRespDto, source: string, cause: Record<string, unknown>, index = 0): void {
    const [message, details] = served.logger.error.mock.calls[index]!;
    expect(message).toBe('GenAuth handler: server fault');
    expect(details).toMatchObject({ requestId: dto.requestId, source, error: expect.objectContaining(cause) });
  }

  it('when authenticate throws a TesseraError whose code would be the client’s', async () => {
    const leak = `session DB unreachable at 10.0.0.5 (${SECRET})`;
    const served = await serve({
      authenticate: async () => {
        throw new TesseraError('ticket_not_found', leak);
      },
    });
    const answers = [
      await send(served, AUTHENTICATION),
      await send(served, REGISTRATION),
      await send(served, REGISTRATION, { json: { ticket: 'x', registrationCredential: {} } }),
    ];
    expect(served.logger.error).toHaveBeenCalledTimes(3);
    answers.forEach((answer, index) => {
      const dto = expectFailure(answer, 50001);
      expect(dto.message).toBe('Internal server error.');
      expect(JSON.stringify(answer.body)).not.toMatch(/10\.0\.0\.5|hunter2|session/);
      expectLoggedCause(served, dto, 'authenticate', { code: 'ticket_not_found', message: leak }, index);
    });
  });

  it('when userHandle throws, or returns something that is not a user handle', async () => {
    const throwing = await serve({
      userHandle: () => {
        throw new TesseraError('user_handle_mismatch', `directory at ${SECRET} refused`);
      },
    });
    for (const [path, index] of [[AUTHENTICATION, 0], [REGISTRATION, 1]] as const) {
      const answer = await send(throwing, path, { user: 'alice' });
      expectLoggedCause(throwing, expectFailure(answer, 50001), 'userHandle', { code: 'user_handle_mismatch' }, index);
      expect(JSON.stringify(answer.body)).not.toContain('hunter2');
    }
    expect(throwing.logger.error).toHaveBeenCalledTimes(2);

    for (const bad of ['', 'not a handle!', 'dXNlci1hbGljZQ==', 'A'.repeat(200), 42, undefined]) {
      const served = await serve({ userHandle: () => bad as never });
      expectLoggedCause(served, expectFailure(await send(served, AUTHENTICATION, { user: 'alice' }), 50001), 'userHandle', { code: 'invalid_config' });
      expectFailure(await send(served, REGISTRATION, { user: 'alice' }), 50001);
      expect(served.logger.error).toHaveBeenCalledTimes(2);
    }
    // A valid custom handle is used as it is.
    const custom = await serve({ userHandle: (user) => userHandleFromId(`tenant-1:${user.id}`) });
    const started = expectSuccess(await send(custom, REGISTRATION, { user: 'alice' }), getRegistrationOptionsRespDtoSchema);
    expect(started.data.registrationOptions.user.id).toBe(userHandleFromId('tenant-1:user-alice'));
  });

  it('when onAuthenticated throws a TesseraError whose code would be the client’s', async () => {
    const served = await serve({
      onAuthenticated: async () => {
        throw new TesseraError('invalid_signature', `token service at ${SECRET} rejected the key`);
      },
    });
    const { authenticator } = await register(served, 'alice');
    const answer = await send(served, AUTHENTICATION, { json: await signInBody(served, authenticator, 'alice') });
    const dto = expectFailure(answer, 50001);
    expect(JSON.stringify(answer.body)).not.toContain('hunter2');
    expect(served.logger.error).toHaveBeenCalledOnce();
    expectLoggedCause(served, dto, 'onAuthenticated', { code: 'invalid_signature', message: expect.stringContaining(SECRET) });
  });

  it.each([
    ['malformed_public_key', 'truncated', (key: Uint8Array) => key.slice(0, 10)],
    // A well-formed COSE_Key for EdDSA on Ed448, which the core does not support: kty 1, alg -8, crv 7, x (57 bytes).
    ['unsupported_algorithm', 'an Ed448 key', () => new Uint8Array([0xa4, 0x01, 0x01, 0x03, 0x27, 0x20, 0x07, 0x21, 0x58, 0x39, ...new Uint8Array(57).fill(7)])],
  ] as const)('when the stored public key cannot be used at sign-in (%s: %s)', async (code, _, corrupt) => {
    const served = await serve();
    const { authenticator, credentialId } = await register(served, 'alice');
    const get = served.credentials.get.bind(served.credentials);
    served.credentials.get = async (id) => {
      const record = await get(id);
      return record === undefined ? undefined : { ...record, publicKey: new Uint8Array(corrupt(record.publicKey)) };
    };
    const answer = await send(served, AUTHENTICATION, { json: await signInBody(served, authenticator, 'alice') });
    const dto = expectFailure(answer, 50001);
    expect(dto.message).toBe('Internal server error.');
    expect(served.logger.error).toHaveBeenCalledOnce();
    expectLoggedCause(served, dto, 'stored credential', { code });
    expect((await get(credentialId))!.signCount).toBe(1);
  });

  it('falls back to a random request id and keeps answering when the logger throws', async () => {
    const served = await serve({
      requestId: () => {
        throw new Error('no ids today');
      },
      logger: {
        error: () => {
          throw new Error('disk full');
        },
      },
      challengeStore: failingStore('save', new Error('down')),
    });
    const dto = expectFailure(await send(served, AUTHENTICATION), 50001);
    expect(dto.requestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('options', () => {
  it('are validated (invalid_config)', () => {
    const credentials = new MemoryCredentialStore();
    const relyingParty = createRelyingParty({ rpId: 'example.com', rpName: 'Example', origins: [ORIGIN], challengeStore: new MemoryChallengeStore(), credentialStore: credentials });
    for (const options of [
      {},
      { relyingParty: {} },
      // The relying party owns the credential store: the old option is refused, not silently ignored.
      { relyingParty, credentials },
      { relyingParty, basePath: 'auth' },
      { relyingParty, basePath: '/auth/' },
      { relyingParty, bodyLimitBytes: 0 },
      { relyingParty, bodyLimitBytes: 1.5 },
      { relyingParty, authenticate: 'bearer' },
      { relyingParty, logger: console.log },
      { relyingParty, bodyLimit: 1024 },
      { relyingParty, bodyTimeoutMs: 50 },
      { relyingParty, bodyTimeoutMs: 400_000 },
      { relyingParty, bodyTimeoutMs: 1.5 },
      { relyingParty, retryAfterSeconds: -1 },
      { relyingParty, retryAfterSeconds: 2.5 },
      { relyingParty, retryAfterSeconds: '1' },
    ]) {
      let caught: unknown;
      try {
        createGenAuthHandler(options as GenAuthHandlerOptions);
      } catch (error) {
        caught = error;
      }
      expect(isTesseraError(caught, 'invalid_config'), JSON.stringify(Object.keys(options))).toBe(true);
    }
  });

  it('of toNodeListener are validated too (invalid_config)', () => {
    const handler: GenAuthHandler = async () => new Response(null);
    for (const options of [{ bodyTimeoutMs: 10 }, { bodyTimeoutMs: 600_000 }, { bodyTimeoutMs: '10s' }, { logger: console.log }, { bodyTimeout: 1000 }]) {
      expect(() => toNodeListener(handler, options as NodeListenerOptions), JSON.stringify(options)).toThrow(
        expect.objectContaining({ code: 'invalid_config', message: expect.stringMatching(/GenAuth node listener options/) }),
      );
    }
    expect(typeof toNodeListener(handler, { bodyTimeoutMs: 100, logger: { error: () => {} } })).toBe('function');
  });
});

describe('random bodies (fast-check)', () => {
  const json = fc.jsonValue({ maxDepth: 4 });
  const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), json.map((value) => JSON.stringify(value)));

  /** Checks one answer: never a 5xx, always a valid envelope; never a success when `mustFail`. */
  function expectEnvelope(answer: Answer, mustFail = false): void {
    expect(answer.status).toBeLessThan(500);
    if (mustFail) expect(answer.status, JSON.stringify(answer.body)).not.toBe(200);
    if (answer.status !== 200) expectFailure(answer, errorRespDtoSchema.parse(answer.body).apiCode);
  }

  /** `credential` with the member at `path` (`head` or `head.tail`) replaced; whether that changed it. */
  function replaced(credential: Record<string, unknown>, path: string, value: unknown): boolean {
    const [head, tail] = path.split('.') as [string, string | undefined];
    const owner = tail === undefined ? credential : (credential[head] as Record<string, unknown>);
    const key = tail ?? head;
    const changed = JSON.stringify(owner[key]) !== JSON.stringify(value);
    owner[key] = value;
    return changed;
  }

  it.each([AUTHENTICATION, REGISTRATION])('POST %s: arbitrary text and JSON', async (path) => {
    const served = await serve();
    await fc.assert(
      fc.asyncProperty(text, async (body) => {
        expectEnvelope(await send(served, path, { method: 'POST', user: 'alice', body, headers: { 'content-type': 'application/json' } }), true);
      }),
      { numRuns: 150 },
    );
    expect(served.logger.error).not.toHaveBeenCalled();
  });

  it('POST authentication: a live ticket with a real assertion, one member replaced by anything', async () => {
    const served = await serve();
    const { authenticator } = await register(served, 'alice');
    const paths = ['id', 'rawId', 'type', 'response', 'response.clientDataJSON', 'response.authenticatorData', 'response.signature', 'response.userHandle', 'clientExtensionResults', 'authenticatorAttachment'];
    // Signed, or checked against the stored credential: changing any of these, or the ticket, must fail.
    const bound = new Set(['id', 'rawId', 'type', 'response', 'response.clientDataJSON', 'response.authenticatorData', 'response.signature']);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...paths), json, fc.boolean(), async (path, value, useTicket) => {
        const body = await signInBody(served, authenticator, 'alice');
        const credential = structuredClone(body.authenticationCredential) as Record<string, unknown>;
        const changed = replaced(credential, path, value);
        const answer = await send(served, AUTHENTICATION, { json: { ticket: useTicket ? body.ticket : value, authenticationCredential: credential } });
        expectEnvelope(answer, !useTicket || (bound.has(path) && changed));
      }),
      { numRuns: 120 },
    );
    expect(served.logger.error).not.toHaveBeenCalled();
  });

  it('POST registration: a live ticket with a real attestation, one member replaced by anything', async () => {
    const served = await serve();
    const paths = ['id', 'rawId', 'type', 'response', 'response.clientDataJSON', 'response.attestationObject', 'response.transports', 'response.publicKeyAlgorithm', 'clientExtensionResults'];
    // Signed or bound to the attested credential: changing any of these must fail.
    const bound = new Set(['id', 'rawId', 'type', 'response', 'response.clientDataJSON', 'response.attestationObject']);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...paths), json, async (path, value) => {
        const started = expectSuccess(await send(served, REGISTRATION, { user: 'alice' }), getRegistrationOptionsRespDtoSchema);
        const credential = structuredClone(await new SoftwareAuthenticator().register(started.data.registrationOptions, ORIGIN)) as Record<string, unknown>;
        const changed = replaced(credential, path, value);
        const answer = await send(served, REGISTRATION, { user: 'alice', json: { ticket: started.data.ticket, registrationCredential: credential } });
        expectEnvelope(answer, bound.has(path) && changed);
      }),
      { numRuns: 60 },
    );
    expect(served.logger.error).not.toHaveBeenCalled();
  });
});

/*
 * Whole sequences, as a hostile client drives them: register a credential with any public key bytes, any
 * attestation `fmt` and any statement, then sign in with it (for the caller, and as a discoverable
 * credential) with the authenticator's own signature and with forgeries. Every answer must be 2xx or 4xx
 * with the logger silent, and no sign-in may succeed unless the authenticator's own key was registered and
 * its own signature sent.
 */
describe('register with anything, then sign in (fast-check sequences)', () => {
  it('answers every step 2xx/4xx with the logger silent, and only the genuine key with its genuine signature signs in', async () => {
    const served = await serve({ onAuthenticated: () => ({ tokenSet: { access_token: 'issued' } }) });
    /** One request; the answer must be below 500 and nothing logged. */
    const step = async (what: string, path: string, init: Parameters<typeof send>[2] = {}): Promise<Answer> => {
      const answer = await send(served, path, init);
      expect(answer.status, `${what}: ${JSON.stringify(answer.body)}`).toBeLessThan(500);
      expect(served.logger.error.mock.calls.map(([, details]) => (details as { error?: { code?: string } }).error?.code ?? 'no code'), `${what} was logged as a server fault`).toEqual([]);
      return answer;
    };
    let genuineSignIns = 0;
    await fc.assert(
      fc.asyncProperty(anyPlant, fc.constantFrom<SoftwareAlgorithm>('ES256', 'EdDSA'), fc.uint8Array({ minLength: 64, maxLength: 72 }), async (plant, algorithm, randomSignature) => {
        served.logger.error.mockClear();
        const started = expectSuccess(await step('GET registration', REGISTRATION, { user: 'alice' }), getRegistrationOptionsRespDtoSchema);
        const authenticator = new SoftwareAuthenticator({ algorithm });
        const genuine = await authenticator.register(started.data.registrationOptions, ORIGIN);
        const registrationCredential = planted(genuine, authenticator.credentials[0]!.publicKey, plant);
        const registered = await step('POST registration', REGISTRATION, { user: 'alice', json: { ticket: started.data.ticket, registrationCredential } });
        if (registered.status !== 200) return;
        // §7.1 steps 19–21: only a registered fmt, and a statement of a format the library verifies is verified.
        if (plant.fmt !== undefined) expect(REGISTERED_FORMATS, 'a registration with an unregistered fmt was accepted').toContain(plant.fmt);
        if (plant.fmt !== undefined) expect(VERIFIED_FORMATS, 'a statement that cannot verify was accepted').not.toContain(plant.fmt);
        for (const caller of ['alice', undefined] as const) {
          for (const signature of ['genuine', 'identity forgery', 'random'] as const) {
            const options = expectSuccess(await step('GET authentication', AUTHENTICATION, caller === undefined ? {} : { user: caller }), getAuthenticationOptionsRespDtoSchema);
            const authenticationCredential = await authenticator.getAssertion({
              rpId: 'example.com',
              challenge: options.data.authenticationOptions.challenge,
              origin: ORIGIN,
              credentialId: genuine.id,
            });
            if (signature === 'identity forgery') authenticationCredential.response.signature = base64url.encode(IDENTITY_SIGNATURE);
            if (signature === 'random') authenticationCredential.response.signature = base64url.encode(randomSignature);
            const what = `POST authentication (${caller ?? 'discoverable'}) with the ${signature} signature`;
            const verified = await step(what, AUTHENTICATION, { json: { ticket: options.data.ticket, authenticationCredential } });
            if (verified.status === 200) {
              expect({ signature, keyPlanted: plant.publicKey !== undefined }, `${what}: a sign-in succeeded without the private key`).toEqual({ signature: 'genuine', keyPlanted: false });
            }
            // An enrolled genuine key signs in with its own signature: the sequence reaches the sign-in it means to test.
            if (signature === 'genuine' && plant.publicKey === undefined) {
              expect(verified.status, `${what}: the genuine key enrolled but could not sign in`).toBe(200);
              genuineSignIns++;
            }
          }
        }
      }),
      { numRuns: 150 },
    );
    expect(genuineSignIns, 'no run reached a genuine sign-in').toBeGreaterThan(0);
  }, 180_000);
});

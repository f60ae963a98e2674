import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import {
  MemoryChallengeStore,
  MemoryCredentialStore,
  base64url,
  TesseraError,
  createRelyingParty,
  userHandleFromId,
  type ChallengeStore,
  type CredentialStore,
} from '@tessera/core';
import { SoftwareAuthenticator, type SoftwareAlgorithm } from '@tessera/core/testing';
import express from 'express';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { chunkOf, pump, rawRequest, serverSockets, slowly, trickle } from '@tessera/test-support/rawHttp';
import {
  authOptionsEnvelopeSchema,
  authVerifyEnvelopeSchema,
  failureEnvelopeSchema,
  passkeyRouter,
  registrationCompletedEnvelopeSchema,
  registrationOptionsEnvelopeSchema,
  type PasskeyRouterOptions,
} from './index.ts';

const ORIGIN = 'http://localhost:3000';
const USERS: Record<string, { id: string; name?: string; displayName?: string }> = {
  alice: { id: 'alice-0001', name: 'alice@example.com', displayName: 'Alice' },
  bob: { id: 'bob-0002' },
  carol: { id: 'carol-0003', name: 'carol@example.com' },
};
const ALICE = userHandleFromId('alice-0001');

const AUTH_OPTIONS = '/mfa/passkey/auth-options';
const AUTH_VERIFY = '/mfa/passkey/auth-verify';
const REGISTRATION_OPTIONS = '/mfa/passkey/registration-options';
const COMPLETE_REGISTRATION = '/mfa/passkey/complete-registration';
const ROUTES = [AUTH_OPTIONS, AUTH_VERIFY, REGISTRATION_OPTIONS, COMPLETE_REGISTRATION, `${COMPLETE_REGISTRATION}-1`];

interface Reply {
  status: number;
  body: unknown;
  text: string;
  headers: Headers;
}

interface PostOptions {
  /** Bearer token: a key of USERS; `null` for none. Default `alice`. */
  as?: string | null;
  /** A value sent as JSON. */
  json?: unknown;
  /** Raw body text or bytes, sent with `contentType`. */
  raw?: string | Uint8Array<ArrayBuffer>;
  contentType?: string;
  /** More request headers (for example `content-encoding`). */
  headers?: Record<string, string>;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** A real Express 5 app on 127.0.0.1 with the router mounted, and a fallback that shows what fell through. */
async function start(options: { challengeStore?: ChallengeStore; credentials?: CredentialStore; router?: Partial<PasskeyRouterOptions> } = {}) {
  let time = 1_700_000_000_000;
  const clock = { now: () => time, advance: (ms: number) => void (time += ms) };
  const challengeStore = options.challengeStore ?? new MemoryChallengeStore({ now: clock.now, sweepIntervalMs: 0 });
  const credentials = options.credentials ?? new MemoryCredentialStore();
  const relyingParty = createRelyingParty({ rpId: 'localhost', rpName: 'Tessera test', origins: [ORIGIN], challengeStore, now: clock.now, credentialStore: credentials });
  const logger = { error: vi.fn() };
  const app = express();
  app.use(
    passkeyRouter({
      relyingParty,
      authenticate: async (req) => USERS[/^Bearer (\w+)$/.exec(req.get('authorization') ?? '')?.[1] ?? ''] ?? null,
      logger,
      ...options.router,
    }),
  );
  app.use((req, res) => void res.status(404).json({ fellThrough: `${req.method} ${req.path}` }));
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  async function post(path: string, { as = 'alice', json, raw, contentType, headers: extra }: PostOptions = {}): Promise<Reply> {
    const headers: Record<string, string> = { accept: 'application/json', ...extra };
    if (as !== null) headers.authorization = `Bearer ${as}`;
    const body = raw ?? (json === undefined ? undefined : JSON.stringify(json));
    if (body !== undefined) headers['content-type'] = contentType ?? 'application/json';
    const response = await fetch(base + path, { method: 'POST', headers, ...(body === undefined ? {} : { body }) });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: response.status, body: parsed, text, headers: response.headers };
  }

  return { base, post, clock, credentials, logger, server };
}

type Harness = Awaited<ReturnType<typeof start>>;

/** Registration through the router, the way a browser page would drive it. */
async function enrol(harness: Harness, as = 'alice', algorithm: SoftwareAlgorithm = 'ES256') {
  const authenticator = new SoftwareAuthenticator({ algorithm });
  const options = registrationOptionsEnvelopeSchema.parse((await harness.post(REGISTRATION_OPTIONS, { as })).body).data;
  const credential = await authenticator.register(options, ORIGIN);
  const reply = await harness.post(COMPLETE_REGISTRATION, { as, json: { credential, challenge: options.challenge } });
  expect(reply.status).toBe(200);
  return { authenticator, credentialId: credential.id };
}

/** Sign-in options for `as`, answered by `authenticator`. */
async function assertionFor(harness: Harness, authenticator: SoftwareAuthenticator, as = 'alice') {
  const options = authOptionsEnvelopeSchema.parse((await harness.post(AUTH_OPTIONS, { as })).body).data;
  return authenticator.authenticate(options, ORIGIN);
}

function failure(reply: Reply) {
  return failureEnvelopeSchema.parse(reply.body);
}

describe('passkeyRouter: register, then sign in', () => {
  it.each(['ES256', 'EdDSA', 'RS256'] as const)('works end to end with an %s credential and counts the sign-in', async (algorithm) => {
    const harness = await start();
    const started = await harness.post(REGISTRATION_OPTIONS);
    expect(started.status).toBe(200);
    const creation = registrationOptionsEnvelopeSchema.parse(started.body).data;
    expect(creation.user).toEqual({ id: ALICE, name: 'alice@example.com', displayName: 'Alice' });
    expect(creation.rp).toEqual({ id: 'localhost', name: 'Tessera test' });
    expect(creation.excludeCredentials).toBeUndefined();

    const authenticator = new SoftwareAuthenticator({ algorithm });
    const credential = await authenticator.register(creation, ORIGIN);
    const completed = await harness.post(COMPLETE_REGISTRATION, { json: { credential, challenge: creation.challenge } });
    expect(completed.status).toBe(200);
    expect(registrationCompletedEnvelopeSchema.parse(completed.body)).toEqual({ success: true, message: 'Passkey registration completed' });
    expect((await harness.credentials.get(credential.id))?.userId).toBe(ALICE);

    const options = authOptionsEnvelopeSchema.parse((await harness.post(AUTH_OPTIONS)).body).data;
    expect(options.allowCredentials).toEqual([{ id: credential.id, type: 'public-key', transports: ['internal'] }]);
    const verified = await harness.post(AUTH_VERIFY, { json: { credential: await authenticator.authenticate(options, ORIGIN) } });
    expect(verified.status).toBe(200);
    expect(authVerifyEnvelopeSchema.parse(verified.body).data).toEqual({
      verified: true,
      credentialId: credential.id,
      userVerified: true,
      newSignCount: 2,
      backupEligible: false,
      backupState: false,
      authenticatorAttachment: 'platform',
    });
    expect((await harness.credentials.get(credential.id))?.signCount).toBe(2);
  });

  it('lists registered passkeys as excludeCredentials, and completes through the -1 alias', async () => {
    const harness = await start();
    const { credentialId } = await enrol(harness, 'carol');
    const creation = registrationOptionsEnvelopeSchema.parse((await harness.post(REGISTRATION_OPTIONS, { as: 'carol' })).body).data;
    expect(creation.user).toEqual({ id: userHandleFromId('carol-0003'), name: 'carol@example.com', displayName: 'carol@example.com' });
    expect(creation.excludeCredentials).toEqual([{ id: credentialId, type: 'public-key', transports: ['internal'] }]);
    const credential = await new SoftwareAuthenticator({ algorithm: 'EdDSA' }).register(creation, ORIGIN);
    const completed = await harness.post(`${COMPLETE_REGISTRATION}-1`, { as: 'carol', json: { credential, challenge: creation.challenge } });
    expect(registrationCompletedEnvelopeSchema.parse(completed.body).success).toBe(true);
    const options = authOptionsEnvelopeSchema.parse((await harness.post(AUTH_OPTIONS, { as: 'carol' })).body).data;
    expect(options.allowCredentials.map(({ id }) => id)).toEqual([credentialId, credential.id]);
  });

  it("names the user by id when authenticate gives no name (Bob)", async () => {
    const harness = await start();
    const creation = registrationOptionsEnvelopeSchema.parse((await harness.post(REGISTRATION_OPTIONS, { as: 'bob' })).body).data;
    expect(creation.user).toEqual({ id: userHandleFromId('bob-0002'), name: 'bob-0002', displayName: 'bob-0002' });
  });

  it('maps users to handles with the userHandle option', async () => {
    const handle = base64url.encode(new Uint8Array(16).fill(7));
    const harness = await start({ router: { userHandle: () => handle } });
    const { credentialId } = await enrol(harness);
    expect((await harness.credentials.get(credentialId))?.userId).toBe(handle);
  });
});

describe('passkeyRouter: onAuthenticated', () => {
  it('runs after a verified sign-in, with the result, the request and the response, before the 200 is sent', async () => {
    const seen: Array<{ userId: string; credentialId: string; header: string | undefined; storedCount: number | undefined }> = [];
    const harness: Harness = await start({
      router: {
        onAuthenticated: async (result, req, res) => {
          seen.push({
            userId: result.userId,
            credentialId: result.credentialId,
            header: req.get('authorization'),
            storedCount: (await harness.credentials.get(result.credentialId))?.signCount,
          });
          res.setHeader('Set-Cookie', 'mfa=passed; HttpOnly');
        },
      },
    });
    const { authenticator, credentialId } = await enrol(harness);
    const verified = await harness.post(AUTH_VERIFY, { json: { credential: await assertionFor(harness, authenticator) } });
    expect(verified.status).toBe(200);
    expect(verified.headers.get('set-cookie')).toBe('mfa=passed; HttpOnly');
    // The new counter is stored before the hook runs.
    expect(seen).toEqual([{ userId: ALICE, credentialId, header: 'Bearer alice', storedCount: 2 }]);
  });

  it('is not called for a sign-in that fails', async () => {
    const onAuthenticated = vi.fn();
    const harness = await start({ router: { onAuthenticated } });
    const { authenticator } = await enrol(harness);
    const assertion = await assertionFor(harness, authenticator);
    expect((await harness.post(AUTH_VERIFY, { json: { credential: { ...assertion, id: assertion.id.slice(1) } } })).status).toBe(400);
    expect(onAuthenticated).not.toHaveBeenCalled();
  });

  it("is not called when the caller signs with another user's passkey", async () => {
    const onAuthenticated = vi.fn();
    const harness = await start({ router: { onAuthenticated } });
    await enrol(harness, 'alice');
    const bob = await enrol(harness, 'bob');
    const options = authOptionsEnvelopeSchema.parse((await harness.post(AUTH_OPTIONS, { as: 'alice' })).body).data;
    const assertion = await bob.authenticator.authenticate({ ...options, allowCredentials: [] }, ORIGIN);
    const reply = await harness.post(AUTH_VERIFY, { as: 'alice', json: { credential: assertion } });
    expect(failure(reply)).toMatchObject({ code: 'credential_not_allowed' });
    expect(onAuthenticated).not.toHaveBeenCalled();
  });

  it('turns a hook that throws, even a TesseraError, into the 500 envelope and logs it', async () => {
    const harness = await start({
      router: {
        onAuthenticated: () => {
          throw new TesseraError('invalid_signature', 'from the hook');
        },
      },
    });
    const { authenticator } = await enrol(harness);
    const reply = await harness.post(AUTH_VERIFY, { json: { credential: await assertionFor(harness, authenticator) } });
    expect(reply.status).toBe(500);
    expect(reply.body).toEqual({ success: false, error: 'Failed to verify passkey' });
    expect(harness.logger.error).toHaveBeenCalledOnce();
  });

  it('must be a function', async () => {
    await expect(start({ router: { onAuthenticated: 'yes' as never } })).rejects.toMatchObject({ code: 'invalid_config' });
  });
});

describe('POST /mfa/passkey/auth-options (the seed document)', () => {
  it('answers the seed request (no body, Accept and Bearer only) with the documented 200 envelope', async () => {
    const harness = await start();
    const reply = await harness.post(AUTH_OPTIONS);
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
    expect(reply.headers.get('cache-control')).toBe('no-store');
    expect(reply.headers.get('x-content-type-options')).toBe('nosniff');
    expect(reply.headers.get('content-length')).toBe(String(Buffer.byteLength(reply.text)));
    const { data } = authOptionsEnvelopeSchema.parse(reply.body);
    expect(Object.keys(data)).toEqual(['challenge', 'rpId', 'userVerification', 'timeout', 'allowCredentials']);
    expect(data).toMatchObject({ rpId: 'localhost', userVerification: 'preferred', timeout: 300_000, allowCredentials: [] });
    expect(data.challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('gives a fresh challenge every time', async () => {
    const harness = await start();
    const challenges = new Set<string>();
    for (let i = 0; i < 5; i++) challenges.add(authOptionsEnvelopeSchema.parse((await harness.post(AUTH_OPTIONS)).body).data.challenge);
    expect(challenges.size).toBe(5);
  });

  it('ignores a JSON body', async () => {
    const harness = await start();
    expect((await harness.post(AUTH_OPTIONS, { json: { userId: 'someone-else' } })).status).toBe(200);
  });

  it("never lists another user's credentials", async () => {
    const harness = await start();
    await enrol(harness, 'bob');
    const { credentialId } = await enrol(harness, 'alice');
    const options = authOptionsEnvelopeSchema.parse((await harness.post(AUTH_OPTIONS)).body).data;
    expect(options.allowCredentials.map(({ id }) => id)).toEqual([credentialId]);
  });
});

describe('passkeyRouter: who may call', () => {
  it.each(ROUTES)('%s answers 401 without a valid Bearer token, before reading the body', async (path) => {
    const harness = await start();
    for (const as of [null, 'mallory']) {
      const reply = await harness.post(path, { as, raw: '{not json' });
      expect(reply.status).toBe(401);
      expect(reply.body).toEqual({ success: false, error: 'Authentication required', code: 'authentication_required' });
    }
  });

  it('treats an authenticate that throws, or returns no valid user, as a server fault', async () => {
    for (const authenticate of [
      async () => {
        throw new Error('session database at 10.0.0.5 refused');
      },
      async () => ({ id: 42 }) as never,
      async () => {
        throw new TesseraError('ticket_not_found', 'session lookup used the wrong key');
      },
    ]) {
      const harness = await start({ router: { authenticate } });
      const reply = await harness.post(AUTH_OPTIONS);
      expect(reply.status).toBe(500);
      expect(reply.body).toEqual({ success: false, error: 'Failed to generate authentication options' });
      expect(reply.text).not.toMatch(/10\.0\.0\.5|authenticate|Error|session/);
      const verify = await harness.post(AUTH_VERIFY, { json: { credential: {} } });
      expect(verify.body).toEqual({ success: false, error: 'Failed to verify passkey' });
      expect(harness.logger.error).toHaveBeenCalledTimes(2);
    }
  });

  it('refuses a userHandle function that returns something other than a user handle, as a server fault', async () => {
    const harness = await start({ router: { userHandle: (user) => `${user.id}@example.com` } });
    expect((await harness.post(AUTH_OPTIONS)).body).toEqual({ success: false, error: 'Failed to generate authentication options' });
    expect(harness.logger.error.mock.calls[0]?.[1]).toMatchObject({ code: 'invalid_config' });
  });

  it('refuses a user id too long to be a user handle, as a server fault', async () => {
    const harness = await start({ router: { authenticate: () => ({ id: 'x'.repeat(65) }) } });
    const reply = await harness.post(REGISTRATION_OPTIONS);
    expect(reply.body).toEqual({ success: false, error: 'Failed to generate registration options' });
    expect(harness.logger.error.mock.calls[0]?.[1]).toMatchObject({ route: REGISTRATION_OPTIONS, code: 'invalid_argument' });
  });
});

describe('passkeyRouter: ceremonies that must fail', () => {
  it('rejects a replayed assertion: the challenge is used once', async () => {
    const harness = await start();
    const { authenticator, credentialId } = await enrol(harness);
    const assertion = await assertionFor(harness, authenticator);
    expect((await harness.post(AUTH_VERIFY, { json: { credential: assertion } })).status).toBe(200);
    const replay = await harness.post(AUTH_VERIFY, { json: { credential: assertion } });
    expect(replay.status).toBe(400);
    expect(failure(replay)).toEqual({
      success: false,
      error: 'The challenge is unknown, expired or already used. Request new options and try again.',
      code: 'ticket_not_found',
    });
    expect((await harness.credentials.get(credentialId))?.signCount).toBe(2);
  });

  it('rejects an expired challenge', async () => {
    const harness = await start();
    const { authenticator } = await enrol(harness);
    const assertion = await assertionFor(harness, authenticator);
    harness.clock.advance(330_001);
    expect(failure(await harness.post(AUTH_VERIFY, { json: { credential: assertion } })).code).toBe('ticket_not_found');
  });

  it('rejects a challenge the server never issued at complete-registration', async () => {
    const harness = await start();
    const creation = registrationOptionsEnvelopeSchema.parse((await harness.post(REGISTRATION_OPTIONS)).body).data;
    const credential = await new SoftwareAuthenticator().register(creation, ORIGIN);
    const unknown = base64url.encode(crypto.getRandomValues(new Uint8Array(32)));
    const reply = await harness.post(COMPLETE_REGISTRATION, { json: { credential, challenge: unknown } });
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({ success: false, error: 'Passkey registration failed', code: 'ticket_not_found' });
    expect(await harness.credentials.get(credential.id)).toBeUndefined();
  });

  it('rejects a new credential sent with the challenge of another registration', async () => {
    const harness = await start();
    const first = registrationOptionsEnvelopeSchema.parse((await harness.post(REGISTRATION_OPTIONS)).body).data;
    const second = registrationOptionsEnvelopeSchema.parse((await harness.post(REGISTRATION_OPTIONS)).body).data;
    const credential = await new SoftwareAuthenticator().register(first, ORIGIN);
    const reply = await harness.post(COMPLETE_REGISTRATION, { json: { credential, challenge: second.challenge } });
    expect(failure(reply)).toEqual({ success: false, error: 'Passkey registration failed', code: 'challenge_mismatch' });
  });

  it("rejects Bob posting an assertion made for Alice's options, and leaves Alice's passkey untouched", async () => {
    const harness = await start();
    const { authenticator, credentialId } = await enrol(harness, 'alice');
    const stolen = await assertionFor(harness, authenticator, 'alice');
    const reply = await harness.post(AUTH_VERIFY, { as: 'bob', json: { credential: stolen } });
    expect(reply.status).toBe(400);
    expect(failure(reply)).toMatchObject({ code: 'credential_not_allowed' });
    expect((await harness.credentials.get(credentialId))?.signCount).toBe(1);
  });

  it("rejects Bob completing Alice's registration, and stores nothing", async () => {
    const harness = await start();
    const creation = registrationOptionsEnvelopeSchema.parse((await harness.post(REGISTRATION_OPTIONS, { as: 'alice' })).body).data;
    const credential = await new SoftwareAuthenticator().register(creation, ORIGIN);
    const reply = await harness.post(COMPLETE_REGISTRATION, { as: 'bob', json: { credential, challenge: creation.challenge } });
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({ success: false, error: 'Passkey registration failed', code: 'user_handle_mismatch' });
    expect(await harness.credentials.get(credential.id)).toBeUndefined();
  });

  it('rejects an assertion from an origin the relying party does not serve, with its fixed sentence', async () => {
    const harness = await start();
    const { authenticator } = await enrol(harness);
    const options = authOptionsEnvelopeSchema.parse((await harness.post(AUTH_OPTIONS)).body).data;
    const reply = await harness.post(AUTH_VERIFY, { json: { credential: await authenticator.authenticate(options, 'http://evil.localhost') } });
    expect(reply.body).toEqual({ success: false, error: 'The passkey response comes from an origin this site does not accept.', code: 'origin_mismatch' });
  });

  it("refuses a passkey that is already registered: Bob replaying Alice's new credential under his own challenge", async () => {
    const harness = await start();
    const creation = registrationOptionsEnvelopeSchema.parse((await harness.post(REGISTRATION_OPTIONS)).body).data;
    const credential = await new SoftwareAuthenticator().register(creation, ORIGIN);
    await harness.post(COMPLETE_REGISTRATION, { json: { credential, challenge: creation.challenge } });
    // With attestation 'none' nothing signs the client data, so the same credential can answer another challenge.
    const bobs = registrationOptionsEnvelopeSchema.parse((await harness.post(REGISTRATION_OPTIONS, { as: 'bob' })).body).data;
    const clientData = JSON.parse(new TextDecoder().decode(base64url.decode(credential.response.clientDataJSON))) as Record<string, unknown>;
    const clientDataJSON = base64url.encode(new TextEncoder().encode(JSON.stringify({ ...clientData, challenge: bobs.challenge })));
    const replayed = { ...credential, response: { ...credential.response, clientDataJSON } };
    const reply = await harness.post(COMPLETE_REGISTRATION, { as: 'bob', json: { credential: replayed, challenge: bobs.challenge } });
    expect(reply.body).toEqual({ success: false, error: 'Passkey registration failed', code: 'credential_already_registered' });
    expect((await harness.credentials.get(credential.id))?.userId).toBe(ALICE);
  });
});

describe('passkeyRouter: bodies', () => {
  it.each(ROUTES.filter((path) => path !== AUTH_OPTIONS))('%s answers 400 for malformed JSON, 415 for another content type', async (path) => {
    const harness = await start();
    const sentence = path.startsWith(COMPLETE_REGISTRATION) ? 'Passkey registration failed' : 'The request body is not valid JSON.';
    expect(await harness.post(path, { raw: '{"credential": ' })).toMatchObject({ status: 400, body: { success: false, error: sentence, code: 'invalid_json' } });
    const wrongType = await harness.post(path, { raw: 'credential=abc', contentType: 'application/x-www-form-urlencoded' });
    expect(wrongType.status).toBe(415);
    expect(failure(wrongType).code).toBe('unsupported_media_type');
    const latin1 = await harness.post(path, { raw: '{}', contentType: 'application/json; charset=iso-8859-1' });
    expect(latin1.status).toBe(415);
  });

  it.each(ROUTES)('%s refuses a body in any content coding but identity with 415, and never answers 5xx', async (path) => {
    const harness = await start();
    const json = new TextEncoder().encode(JSON.stringify({ credential: {} }));
    const coded: Record<string, Uint8Array> = { gzip: gzipSync(json), deflate: deflateSync(json), br: brotliCompressSync(json) };
    for (const [coding, bytes] of Object.entries(coded)) {
      for (const raw of [new TextEncoder().encode('abcd'), new Uint8Array(bytes)]) {
        const reply = await harness.post(path, { raw, headers: { 'content-encoding': coding } });
        expect(reply.status, `${coding}: ${reply.text}`).toBe(415);
        expect(failure(reply).code).toBe('unsupported_media_type');
      }
    }
    for (const coding of ['x-gzip', 'compress', 'zstd', 'gzip, identity', 'unheard-of']) {
      expect(await harness.post(path, { raw: '{}', headers: { 'content-encoding': coding } })).toMatchObject({
        status: 415,
        body: { success: false, code: 'unsupported_media_type' },
      });
    }
    const identity = await harness.post(path, { raw: '{', headers: { 'content-encoding': 'identity' } });
    expect(identity).toMatchObject({ status: 400, body: { success: false, code: 'invalid_json' } });
    expect(harness.logger.error).not.toHaveBeenCalled();
  });

  it.each(ROUTES)('%s refuses every charset but UTF-8 with 415, and malformed UTF-8 with 400 invalid_json', async (path) => {
    const harness = await start();
    const sentence = path.startsWith(COMPLETE_REGISTRATION) ? 'Passkey registration failed' : 'The request body is not valid JSON.';
    for (const charset of ['utf-16', 'UTF-16LE', 'utf-16be', 'utf-32', 'utf-7', 'utf8', 'us-ascii', 'windows-1252', 'x-unknown']) {
      const reply = await harness.post(path, { raw: '{}', contentType: `application/json; charset=${charset}` });
      expect(reply.status, charset).toBe(415);
      expect(failure(reply).code).toBe('unsupported_media_type');
    }
    const utf16 = new Uint8Array(Buffer.from('{"credential":{}}', 'utf16le'));
    expect((await harness.post(path, { raw: utf16, contentType: 'application/json; charset=utf-16le' })).status).toBe(415);
    for (const charset of ['utf-8', 'UTF-8', '"utf-8"']) {
      expect((await harness.post(path, { raw: '{', contentType: `application/json; charset=${charset}` })).body).toMatchObject({ code: 'invalid_json' });
    }
    for (const bytes of [[0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xe2, 0x82]]) {
      const raw = new Uint8Array([...new TextEncoder().encode('{"credential":"'), ...bytes, ...new TextEncoder().encode('"}')]);
      for (const contentType of ['application/json', 'application/json; charset=utf-8']) {
        const reply = await harness.post(path, { raw, contentType });
        expect(reply.status, `${bytes.join()} as ${contentType}: ${reply.text}`).toBe(400);
        expect(reply.body).toEqual({ success: false, error: sentence, code: 'invalid_json' });
      }
    }
    expect(harness.logger.error).not.toHaveBeenCalled();
  });

  it('sends X-Content-Type-Options: nosniff and Cache-Control: no-store on every answer', async () => {
    const harness = await start();
    const broken = await start({ challengeStore: { save: async () => { throw new Error('down'); }, consume: async () => undefined } });
    const replies = [
      await harness.post(AUTH_OPTIONS),
      await harness.post(REGISTRATION_OPTIONS),
      await harness.post(AUTH_VERIFY, { as: null }),
      await harness.post(AUTH_VERIFY, { raw: '{' }),
      await harness.post(AUTH_VERIFY, { json: {} }),
      await harness.post(AUTH_VERIFY, { raw: '{}', contentType: 'text/plain' }),
      await harness.post(AUTH_VERIFY, { raw: JSON.stringify({ padding: 'x'.repeat(70_000) }) }),
      await broken.post(AUTH_OPTIONS),
    ];
    expect(replies.map(({ status }) => status)).toEqual([200, 200, 401, 400, 400, 415, 413, 500]);
    for (const reply of replies) {
      expect(reply.headers.get('x-content-type-options')).toBe('nosniff');
      expect(reply.headers.get('cache-control')).toBe('no-store');
    }
  });

  it('answers 400 invalid_request for missing or ill-typed fields', async () => {
    const harness = await start();
    const { credentialId } = await enrol(harness);
    for (const json of [{}, { credential: 'abc' }, { credential: [] }, [1, 2], 'credential', null]) {
      expect(failure(await harness.post(AUTH_VERIFY, { json }))).toMatchObject({ code: 'invalid_request' });
    }
    expect(failure(await harness.post(AUTH_VERIFY))).toMatchObject({ code: 'invalid_request' });
    for (const json of [{ credential: {} }, { challenge: base64url.encode(new Uint8Array(32)) }, { credential: {}, challenge: 'not base64!' }]) {
      expect(await harness.post(COMPLETE_REGISTRATION, { json })).toMatchObject({
        status: 400,
        body: { success: false, error: 'Passkey registration failed', code: 'invalid_request' },
      });
    }
    expect(failure(await harness.post(AUTH_VERIFY, { json: { credential: { id: credentialId } } })).code).toBe('malformed_response');
  });

  it('answers 413 for a body over 64 KiB, and honours bodyLimitBytes', async () => {
    const harness = await start();
    const huge = JSON.stringify({ credential: { padding: 'x'.repeat(65_536) } });
    expect(await harness.post(AUTH_VERIFY, { raw: huge })).toMatchObject({ status: 413, body: { code: 'payload_too_large' } });
    expect((await harness.post(AUTH_OPTIONS, { raw: huge })).status).toBe(413);
    const small = await start({ router: { bodyLimitBytes: 2048 } });
    expect((await small.post(AUTH_VERIFY, { json: { credential: { padding: 'x'.repeat(3000) } } })).status).toBe(413);
  });

  it('lets other paths and methods fall through unread', async () => {
    const harness = await start();
    expect(await harness.post('/mfa/passkey/other', { raw: '{broken' })).toMatchObject({ status: 404, body: { fellThrough: 'POST /mfa/passkey/other' } });
    const get = await fetch(`${harness.base}${AUTH_OPTIONS}`, { headers: { authorization: 'Bearer alice' } });
    expect(await get.json()).toEqual({ fellThrough: `GET ${AUTH_OPTIONS}` });
  });
});

describe('passkeyRouter: oversized and slow bodies, over a raw socket', () => {
  const ONE_GIB = 2 ** 30;
  /** A request head as `alice` (or nobody), without the final empty line. */
  const headOf = (path: string, headers: string[], as: string | null = 'alice'): string =>
    [`POST ${path} HTTP/1.1`, 'Host: 127.0.0.1', ...(as === null ? [] : [`Authorization: Bearer ${as}`]), 'Content-Type: application/json', ...headers].join('\r\n');
  const bytesRead = (sockets: { bytesRead: number }[]): number => sockets.reduce((total, socket) => total + socket.bytesRead, 0);

  it.each(ROUTES)('%s answers 413 to a Content-Length over the limit before a byte of the body arrives, and closes', async (path) => {
    const harness = await start();
    const answer = await rawRequest(harness.base, headOf(path, [`Content-Length: ${ONE_GIB}`]));
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toEqual({ success: false, error: 'The request body is too large.', code: 'payload_too_large' });
    expect(answer.headers['connection']).toBe('close');
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(answer.closed).toBe(true);
    expect(harness.logger.error).not.toHaveBeenCalled();
  });

  it('reads next to nothing of a declared 1 GiB body that the client keeps sending', async () => {
    const harness = await start();
    const sockets = serverSockets(harness.server);
    const answer = await rawRequest(harness.base, headOf(AUTH_VERIFY, [`Content-Length: ${ONE_GIB}`]), pump(new Uint8Array(65_536), ONE_GIB));
    expect(answer.status).toBe(413);
    expect(answer.closed).toBe(true);
    expect(bytesRead(sockets)).toBeLessThan(16 * 2 ** 20);
  });

  it('stops reading a chunked body as soon as it passes the limit, answers 413 and closes the connection', async () => {
    const harness = await start({ router: { bodyLimitBytes: 4096 } });
    const sockets = serverSockets(harness.server);
    // An endless chunked body: only the server can end this exchange.
    const answer = await rawRequest(harness.base, headOf(AUTH_VERIFY, ['Transfer-Encoding: chunked']), pump(chunkOf(1024)));
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toEqual({ success: false, error: 'The request body is too large.', code: 'payload_too_large' });
    expect(answer.headers['connection']).toBe('close');
    expect(answer.closed).toBe(true);
    expect(bytesRead(sockets)).toBeLessThan(16 * 2 ** 20);
    expect(harness.logger.error).not.toHaveBeenCalled();
  });

  it.each([
    ['a Content-Length body', 'Content-Length: 4096', trickle('{', 50)],
    ['a chunked body', 'Transfer-Encoding: chunked', trickle('1\r\n \r\n', 50)],
  ] as const)('answers 408 to %s still arriving after bodyTimeoutMs, and closes the connection', async (_, header, feed) => {
    const harness = await start({ router: { bodyTimeoutMs: 500 } });
    for (const path of [AUTH_VERIFY, COMPLETE_REGISTRATION]) {
      const answer = await rawRequest(harness.base, headOf(path, [header]), feed);
      expect(answer.status, path).toBe(408);
      expect(JSON.parse(answer.body)).toEqual({ success: false, error: 'The request body did not arrive in time.', code: 'request_timeout' });
      expect(answer.headers['connection']).toBe('close');
      expect(answer.closed).toBe(true);
      expect(answer.answeredAfterMs).toBeGreaterThanOrEqual(450);
      expect(answer.answeredAfterMs).toBeLessThan(5_000);
    }
    expect(harness.logger.error).not.toHaveBeenCalled();
  });

  it('gives a body 10 s by default, then answers 408', async () => {
    const harness = await start();
    const answer = await rawRequest(harness.base, headOf(AUTH_VERIFY, ['Content-Length: 60000']), trickle('{', 100), { waitMs: 20_000 });
    expect(answer.status).toBe(408);
    expect(answer.answeredAfterMs).toBeGreaterThanOrEqual(9_900);
    expect(answer.answeredAfterMs).toBeLessThan(15_000);
    expect(answer.closed).toBe(true);
  }, 25_000);

  it('answers a body that arrives slowly but in time as usual, and keeps the connection', async () => {
    const harness = await start({ router: { bodyTimeoutMs: 3_000 } });
    const body = JSON.stringify({ padding: 'x'.repeat(10) });
    const answer = await rawRequest(harness.base, headOf(AUTH_OPTIONS, [`Content-Length: ${body.length}`]), slowly(body, 30), { settleMs: 300 });
    expect(answer.status).toBe(200);
    authOptionsEnvelopeSchema.parse(JSON.parse(answer.body));
    expect(answer.answeredAfterMs).toBeGreaterThanOrEqual(body.length * 25);
    expect(answer.closed).toBe(false);
  });

  it('keeps the connection after a failure whose body arrived in full', async () => {
    const harness = await start();
    const answer = await rawRequest(harness.base, headOf(AUTH_VERIFY, ['Content-Length: 1']), slowly('{', 1), { settleMs: 300 });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({ code: 'invalid_json' });
    expect(answer.closed).toBe(false);
  });

  it('answers an anonymous caller 401 without waiting for its body, and closes rather than read the rest', async () => {
    const harness = await start();
    const answer = await rawRequest(harness.base, headOf(AUTH_VERIFY, ['Content-Length: 100000'], null), trickle('{', 100));
    expect(answer.status).toBe(401);
    expect(answer.answeredAfterMs).toBeLessThan(2_000);
    expect(answer.headers['connection']).toBe('close');
    expect(answer.closed).toBe(true);
  });
});

describe('passkeyRouter: store outages', () => {
  const SECRET = 'redis://admin:hunter2@10.0.0.7:6379';
  const UNAVAILABLE = { success: false, error: 'The service is temporarily unavailable. Try again shortly.', code: 'store_unavailable' };

  /** `store` whose every method fails with `store_unavailable` while `state.down`, as a store in an outage does. */
  function outage<Store extends object>(store: Store, state: { down: boolean }): Store {
    return new Proxy(store, {
      get(target, key) {
        const member: unknown = Reflect.get(target, key, target);
        if (typeof member !== 'function') return member;
        return (...args: unknown[]) =>
          state.down ? Promise.reject(new TesseraError('store_unavailable', `No answer from ${SECRET}.`)) : (member as (...a: unknown[]) => unknown).apply(target, args);
      },
    });
  }

  /** Checks one outage answer: 503, the envelope with its code, Retry-After, no secret, and one log entry. */
  function expectUnavailable(harness: Harness, reply: Reply, retryAfter = '1'): void {
    expect(reply.status, reply.text).toBe(503);
    expect(reply.body).toEqual(UNAVAILABLE);
    failureEnvelopeSchema.parse(reply.body);
    expect(reply.headers.get('retry-after')).toBe(retryAfter);
    expect(reply.headers.get('cache-control')).toBe('no-store');
    expect(reply.text).not.toMatch(/hunter2|10\.0\.0\.7|redis/);
    expect(harness.logger.error).toHaveBeenCalledOnce();
    const [message, details] = harness.logger.error.mock.calls[0]!;
    expect(message).toMatch(/^Tessera passkey router: POST \/mfa\/passkey\//);
    expect(details).toMatchObject({ code: 'store_unavailable', error: expect.objectContaining({ message: expect.stringContaining(SECRET) }) });
    harness.logger.error.mockClear();
  }

  it('answers 503 with Retry-After and code store_unavailable on every route when the challenge store is down, and logs it', async () => {
    const state = { down: false };
    const harness = await start({ challengeStore: outage(new MemoryChallengeStore({ sweepIntervalMs: 0 }), state) });
    const { authenticator } = await enrol(harness);
    const creation = registrationOptionsEnvelopeSchema.parse((await harness.post(REGISTRATION_OPTIONS)).body).data;
    const credential = await new SoftwareAuthenticator().register(creation, ORIGIN);
    const assertion = await assertionFor(harness, authenticator);
    state.down = true;
    expectUnavailable(harness, await harness.post(AUTH_OPTIONS));
    expectUnavailable(harness, await harness.post(REGISTRATION_OPTIONS));
    expectUnavailable(harness, await harness.post(AUTH_VERIFY, { json: { credential: assertion } }));
    expectUnavailable(harness, await harness.post(COMPLETE_REGISTRATION, { json: { credential, challenge: creation.challenge } }));
    // Back up: the ceremonies the outage interrupted were never consumed, and complete.
    state.down = false;
    expect((await harness.post(AUTH_VERIFY, { json: { credential: assertion } })).status).toBe(200);
    expect((await harness.post(COMPLETE_REGISTRATION, { json: { credential, challenge: creation.challenge } })).status).toBe(200);
  });

  it('answers 503 on every route when the credential store is down, with the Retry-After of retryAfterSeconds', async () => {
    const state = { down: false };
    const credentials = outage(new MemoryCredentialStore(), state);
    const harness = await start({ credentials, router: { retryAfterSeconds: 30 } });
    const { authenticator } = await enrol(harness);
    const creation = registrationOptionsEnvelopeSchema.parse((await harness.post(REGISTRATION_OPTIONS)).body).data;
    const credential = await new SoftwareAuthenticator().register(creation, ORIGIN);
    const assertion = await assertionFor(harness, authenticator);
    state.down = true;
    expectUnavailable(harness, await harness.post(AUTH_OPTIONS), '30');
    expectUnavailable(harness, await harness.post(REGISTRATION_OPTIONS), '30');
    expectUnavailable(harness, await harness.post(AUTH_VERIFY, { json: { credential: assertion } }), '30');
    expectUnavailable(harness, await harness.post(COMPLETE_REGISTRATION, { json: { credential, challenge: creation.challenge } }), '30');
  });

  it('keeps a store_unavailable thrown by the application’s own callback a 500 without a code', async () => {
    const harness = await start({
      router: {
        authenticate: () => {
          throw new TesseraError('store_unavailable', `session store at ${SECRET} is down`);
        },
      },
    });
    const reply = await harness.post(AUTH_OPTIONS);
    expect(reply).toMatchObject({ status: 500, body: { success: false, error: 'Failed to generate authentication options' } });
    expect(reply.headers.get('retry-after')).toBeNull();
  });
});

describe('passkeyRouter: challengeEncoding', () => {
  /** What a page that decodes with atob would hand to navigator.credentials: the same bytes. */
  const toBase64url = (text: string) => text.replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');

  it("'base64' emits padded standard base64 and accepts either spelling back", async () => {
    const harness = await start({ router: { challengeEncoding: 'base64' } });
    const options = authOptionsEnvelopeSchema.parse((await harness.post(AUTH_OPTIONS)).body).data;
    expect(options.challenge).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(atob(options.challenge)).toHaveLength(32);

    for (const spell of [(text: string) => text, toBase64url, (text: string) => text.replace(/=+$/, '')]) {
      const creation = registrationOptionsEnvelopeSchema.parse((await harness.post(REGISTRATION_OPTIONS)).body).data;
      expect(creation.challenge).toMatch(/^[A-Za-z0-9+/]{43}=$/);
      const credential = await new SoftwareAuthenticator().register({ ...creation, challenge: toBase64url(creation.challenge) }, ORIGIN);
      const reply = await harness.post(COMPLETE_REGISTRATION, { json: { credential, challenge: spell(creation.challenge) } });
      expect(reply.body).toEqual({ success: true, message: 'Passkey registration completed' });
    }
  });

  it("'base64url' (the default) also accepts the challenge back as base64", async () => {
    const harness = await start();
    const creation = registrationOptionsEnvelopeSchema.parse((await harness.post(REGISTRATION_OPTIONS)).body).data;
    const credential = await new SoftwareAuthenticator().register(creation, ORIGIN);
    const asBase64 = creation.challenge.replaceAll('-', '+').replaceAll('_', '/') + '=';
    expect((await harness.post(COMPLETE_REGISTRATION, { json: { credential, challenge: asBase64 } })).status).toBe(200);
  });
});

describe('passkeyRouter: server faults', () => {
  const failingStore: ChallengeStore = {
    save: async () => {
      throw new Error('ECONNREFUSED redis://10.1.2.3:6379 password=hunter2');
    },
    consume: async () => undefined,
  };

  it('answers the documented 500 when the challenge store is down, and logs the cause', async () => {
    const harness = await start({ challengeStore: failingStore });
    const reply = await harness.post(AUTH_OPTIONS);
    expect(reply.status).toBe(500);
    expect(reply.body).toEqual({ success: false, error: 'Failed to generate authentication options' });
    expect(reply.text).not.toMatch(/ECONNREFUSED|hunter2|10\.1\.2\.3|at /);
    expect(harness.logger.error).toHaveBeenCalledOnce();
    const [message, details] = harness.logger.error.mock.calls[0]!;
    expect(message).toContain(`POST ${AUTH_OPTIONS}`);
    expect((details as { error: Error }).error.message).toContain('ECONNREFUSED');

    const registration = await harness.post(REGISTRATION_OPTIONS);
    expect(registration).toMatchObject({ status: 500, body: { success: false, error: 'Failed to generate registration options' } });
  });

  it('answers 500 without a code when the credential store fails, even with a broken logger', async () => {
    const credentials = new MemoryCredentialStore();
    const harness = await start({ credentials, router: { logger: { error: () => { throw new Error('log sink down'); } } } });
    const creation = registrationOptionsEnvelopeSchema.parse((await harness.post(REGISTRATION_OPTIONS)).body).data;
    const credential = await new SoftwareAuthenticator().register(creation, ORIGIN);
    credentials.create = async () => {
      throw new Error('disk full on /var/lib/db');
    };
    const reply = await harness.post(COMPLETE_REGISTRATION, { json: { credential, challenge: creation.challenge } });
    expect(reply.status).toBe(500);
    expect(reply.body).toEqual({ success: false, error: 'Passkey registration failed' });
  });

  it.each([
    ['malformed_public_key', 'a malformed key', new Uint8Array([0xa0])],
    // A well-formed COSE_Key for EdDSA on Ed448, which the core does not support: kty 1, alg -8, crv 7, x (57 bytes).
    ['unsupported_algorithm', 'an Ed448 key', new Uint8Array([0xa4, 0x01, 0x01, 0x03, 0x27, 0x20, 0x07, 0x21, 0x58, 0x39, ...new Uint8Array(57).fill(7)])],
  ] as const)('treats a stored public key the core cannot use as a server fault at sign-in (%s: %s)', async (code, _, publicKey) => {
    const harness = await start();
    const { authenticator, credentialId } = await enrol(harness);
    const record = (await harness.credentials.get(credentialId))!;
    await harness.credentials.delete(credentialId, record.userId);
    await harness.credentials.create({ ...record, publicKey });
    const reply = await harness.post(AUTH_VERIFY, { json: { credential: await assertionFor(harness, authenticator) } });
    expect(reply).toMatchObject({ status: 500, body: { success: false, error: 'Failed to verify passkey' } });
    expect(harness.logger.error.mock.calls[0]?.[1]).toMatchObject({ code });
  });
});

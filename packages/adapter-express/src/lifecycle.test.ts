import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  MemoryChallengeStore,
  MemoryCredentialStore,
  TesseraError,
  createRelyingParty,
  userHandleFromId,
  type CredentialStore,
  type RelyingPartyConfig,
} from '@tessera/core';
import { SoftwareAuthenticator } from '@tessera/core/testing';
import express from 'express';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  authOptionsEnvelopeSchema,
  authVerifyEnvelopeSchema,
  credentialDeletedEnvelopeSchema,
  credentialListEnvelopeSchema,
  credentialRenamedEnvelopeSchema,
  failureEnvelopeSchema,
  passkeyRouter,
  registrationOptionsEnvelopeSchema,
  wellKnownWebauthnHandler,
} from './index.ts';

/*
 * The passkey lifecycle over a real socket: the management routes (owner-checked, 404 for anyone else's id),
 * the signals of WebAuthn L3 §5.1.10, conditional create (§5.1.3, §7.1 step 14) and /.well-known/webauthn (§5.11).
 */

const ORIGIN = 'http://localhost:3000';
const USERS: Record<string, { id: string; name?: string; displayName?: string }> = {
  alice: { id: 'alice-0001', name: 'alice@example.com', displayName: 'Alice' },
  bob: { id: 'bob-0002' },
};
const ALICE = userHandleFromId('alice-0001');
const BOB = userHandleFromId('bob-0002');
const ICLOUD = new Uint8Array([0xfb, 0xfc, 0x30, 0x07, 0x15, 0x4e, 0x4e, 0xcc, 0x8c, 0x0b, 0x6e, 0x02, 0x05, 0x57, 0xd7, 0xbd]);

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

interface Reply {
  status: number;
  body: unknown;
  text: string;
  headers: Headers;
}

async function listen(app: express.Express): Promise<string> {
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  await new Promise((resolve) => server.once('listening', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function start(options: { rp?: Partial<RelyingPartyConfig>; credentials?: CredentialStore; prefix?: string } = {}) {
  let time = 1_700_000_000_000;
  const clock = { now: () => time, advance: (ms: number) => void (time += ms) };
  const credentials = options.credentials ?? new MemoryCredentialStore();
  const relyingParty = createRelyingParty({
    rpId: 'localhost',
    rpName: 'Tessera test',
    origins: [ORIGIN],
    challengeStore: new MemoryChallengeStore({ now: clock.now, sweepIntervalMs: 0 }),
    credentialStore: credentials,
    now: clock.now,
    describeAuthenticator: (aaguid) => (aaguid === 'fbfc3007-154e-4ecc-8c0b-6e020557d7bd' ? { name: 'iCloud Keychain' } : undefined),
    ...options.rp,
  });
  const logger = { error: vi.fn() };
  const app = express();
  const router = passkeyRouter({ relyingParty, authenticate: (req) => USERS[/^Bearer (\w+)$/.exec(req.get('authorization') ?? '')?.[1] ?? ''] ?? null, logger });
  if (options.prefix === undefined) app.use(router);
  else app.use(options.prefix, router);
  app.use((req, res) => void res.status(404).json({ fellThrough: `${req.method} ${req.path}` }));
  const base = await listen(app);

  async function call(method: string, path: string, { as = 'alice' as string | null, json, raw, contentType }: { as?: string | null; json?: unknown; raw?: string; contentType?: string } = {}): Promise<Reply> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (as !== null) headers.authorization = `Bearer ${as}`;
    const body = raw ?? (json === undefined ? undefined : JSON.stringify(json));
    if (body !== undefined) headers['content-type'] = contentType ?? 'application/json';
    const response = await fetch(base + (options.prefix ?? '') + path, { method, headers, ...(body === undefined ? {} : { body }) });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: response.status, body: parsed, text, headers: response.headers };
  }

  async function enrol(as = 'alice', authenticator = new SoftwareAuthenticator()) {
    const options = registrationOptionsEnvelopeSchema.parse((await call('POST', '/mfa/passkey/registration-options', { as })).body).data;
    const credential = await authenticator.register(options, ORIGIN);
    const reply = await call('POST', '/mfa/passkey/complete-registration', { as, json: { credential, challenge: options.challenge } });
    expect(reply.status).toBe(200);
    clock.advance(1000);
    return { authenticator, id: credential.id };
  }

  return { base, call, enrol, clock, credentials, logger, relyingParty };
}

const failure = (reply: Reply) => failureEnvelopeSchema.parse(reply.body);
const encode = (id: string) => encodeURIComponent(id);

describe('GET /mfa/passkey/credentials', () => {
  it('lists the caller’s passkeys only, with names, dates, synced, transports, algorithm and the signals', async () => {
    const harness = await start();
    const first = await harness.enrol('alice', new SoftwareAuthenticator({ aaguid: ICLOUD, backupEligible: true, backupState: true }));
    const second = await harness.enrol('alice', new SoftwareAuthenticator({ algorithm: 'EdDSA', transports: ['usb', 'nfc'] }));
    await harness.enrol('bob');

    const reply = await harness.call('GET', '/mfa/passkey/credentials');
    expect(reply.status).toBe(200);
    expect(reply.headers.get('cache-control')).toBe('no-store');
    expect(reply.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(credentialListEnvelopeSchema.parse(reply.body)).toStrictEqual({
      success: true,
      data: {
        passkeys: [
          { id: first.id, name: 'iCloud Keychain', authenticatorName: 'iCloud Keychain', createdAt: 1_700_000_000_000, lastUsedAt: null, synced: true, transports: ['internal'], algorithm: 'ES256' },
          { id: second.id, name: null, authenticatorName: null, createdAt: 1_700_000_001_000, lastUsedAt: null, synced: false, transports: ['usb', 'nfc'], algorithm: 'EdDSA' },
        ],
      },
      signals: {
        allAcceptedCredentials: { rpId: 'localhost', userId: ALICE, allAcceptedCredentialIds: [first.id, second.id] },
        currentUserDetails: { rpId: 'localhost', userId: ALICE, name: 'alice@example.com', displayName: 'Alice' },
      },
    });
    const bobs = credentialListEnvelopeSchema.parse((await harness.call('GET', '/mfa/passkey/credentials', { as: 'bob' })).body);
    expect(bobs.data.passkeys).toHaveLength(1);
    // Bob has no name: the same defaults as registration (the user's id).
    expect(bobs.signals.currentUserDetails).toEqual({ rpId: 'localhost', userId: BOB, name: 'bob-0002', displayName: 'bob-0002' });
  });

  it('answers an empty list with an empty allAcceptedCredentials, so authenticators can hide every old passkey', async () => {
    const harness = await start();
    const reply = credentialListEnvelopeSchema.parse((await harness.call('GET', '/mfa/passkey/credentials')).body);
    expect(reply.data.passkeys).toEqual([]);
    expect(reply.signals.allAcceptedCredentials).toEqual({ rpId: 'localhost', userId: ALICE, allAcceptedCredentialIds: [] });
  });

  it('a describeAuthenticator hook that fails is a logged 500 with the route’s sentence; a store outage is 503', async () => {
    const broken = await start({ rp: { describeAuthenticator: () => { throw new Error('metadata exploded: secret detail'); } } });
    await broken.enrol('alice', new SoftwareAuthenticator({ aaguid: ICLOUD }));
    const reply = await broken.call('GET', '/mfa/passkey/credentials');
    expect(reply.status).toBe(500);
    expect(reply.body).toEqual({ success: false, error: 'Failed to list passkeys' });
    expect(broken.logger.error).toHaveBeenCalled();

    const down = new MemoryCredentialStore();
    down.listRecordsByUser = async () => {
      throw new TesseraError('store_unavailable', 'down');
    };
    const outage = await start({ credentials: down });
    const answer = await outage.call('GET', '/mfa/passkey/credentials');
    expect(answer.status).toBe(503);
    expect(failure(answer)).toMatchObject({ code: 'store_unavailable' });
    expect(answer.headers.get('retry-after')).not.toBeNull();
  });
});

describe('PATCH /mfa/passkey/credentials/:id', () => {
  it('renames the caller’s passkey: trimmed, NFC, and the list shows it', async () => {
    const harness = await start();
    const { id } = await harness.enrol();
    const reply = await harness.call('PATCH', `/mfa/passkey/credentials/${encode(id)}`, { json: { name: '  Cafe\u0301 laptop  ' } });
    expect(reply.status).toBe(200);
    expect(credentialRenamedEnvelopeSchema.parse(reply.body)).toMatchObject({ success: true, data: { passkey: { id, name: 'Caf\u00e9 laptop', authenticatorName: null } } });
    const list = credentialListEnvelopeSchema.parse((await harness.call('GET', '/mfa/passkey/credentials')).body);
    expect(list.data.passkeys[0]?.name).toBe('Caf\u00e9 laptop');
  });

  it.each([
    ['an empty name', { name: '' }, 400, 'invalid_name'],
    ['only spaces', { name: '    ' }, 400, 'invalid_name'],
    ['65 characters', { name: 'x'.repeat(65) }, 400, 'invalid_name'],
    ['a control character', { name: 'a\u0007b' }, 400, 'invalid_name'],
    ['a number', { name: 42 }, 400, 'invalid_request'],
    ['no name', {}, 400, 'invalid_request'],
    ['no body', undefined, 400, 'invalid_request'],
  ] as const)('refuses %s with %i %s and changes nothing', async (_, json, status, code) => {
    const harness = await start();
    const { id } = await harness.enrol();
    const reply = await harness.call('PATCH', `/mfa/passkey/credentials/${encode(id)}`, json === undefined ? {} : { json });
    expect(reply.status).toBe(status);
    expect(failure(reply).code).toBe(code);
    expect((await harness.credentials.get(id))?.name).toBeUndefined();
  });

  it('takes 64 characters, and refuses a form body (415) as every route does', async () => {
    const harness = await start();
    const { id } = await harness.enrol();
    expect((await harness.call('PATCH', `/mfa/passkey/credentials/${encode(id)}`, { json: { name: '\u00e9'.repeat(64) } })).status).toBe(200);
    const form = await harness.call('PATCH', `/mfa/passkey/credentials/${encode(id)}`, { raw: 'name=x', contentType: 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(415);
    expect(failure(form).code).toBe('unsupported_media_type');
  });
});

describe('PATCH with any body, any id', () => {
  it('answers 200, 400, 404 or 415 with a valid envelope, never 5xx', async () => {
    const harness = await start();
    const { id } = await harness.enrol();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.constant(id), fc.string({ maxLength: 50 }).filter((text) => text.length > 0 && text !== '.' && text !== '..')),
        fc.oneof(fc.jsonValue(), fc.record({ name: fc.oneof(fc.string({ maxLength: 80 }), fc.jsonValue()) })),
        async (target, json) => {
          const reply = await harness.call('PATCH', `/mfa/passkey/credentials/${encodeURIComponent(target)}`, { json });
          expect([200, 400, 404, 415]).toContain(reply.status);
          if (reply.status === 200) credentialRenamedEnvelopeSchema.parse(reply.body);
          else failure(reply);
        },
      ),
      { numRuns: 60 },
    );
    expect(harness.logger.error).not.toHaveBeenCalled();
  });
});

describe('DELETE /mfa/passkey/credentials/:id', () => {
  it('deletes the caller’s passkey and signals the ids that remain; deleting again is 404', async () => {
    const harness = await start();
    const first = await harness.enrol();
    const second = await harness.enrol();
    const reply = await harness.call('DELETE', `/mfa/passkey/credentials/${encode(first.id)}`);
    expect(reply.status).toBe(200);
    expect(credentialDeletedEnvelopeSchema.parse(reply.body)).toStrictEqual({
      success: true,
      data: { deletedId: first.id },
      signals: { allAcceptedCredentials: { rpId: 'localhost', userId: ALICE, allAcceptedCredentialIds: [second.id] } },
    });
    expect(await harness.credentials.get(first.id)).toBeUndefined();
    const again = await harness.call('DELETE', `/mfa/passkey/credentials/${encode(first.id)}`);
    expect(again.status).toBe(404);
    expect(again.body).toEqual({ success: false, error: 'No such passkey.', code: 'credential_not_found' });
  });
});

describe('ATTACK: another user’s passkey', () => {
  it('Bob cannot list, rename or delete Alice’s passkey, and every answer is byte-identical to an unknown id’s', async () => {
    const harness = await start();
    const { id } = await harness.enrol('alice');
    await harness.enrol('bob');
    const unknown = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
    const malformed = 'not*base64url';

    const bobsList = credentialListEnvelopeSchema.parse((await harness.call('GET', '/mfa/passkey/credentials', { as: 'bob' })).body);
    expect(bobsList.data.passkeys.map((passkey) => passkey.id)).not.toContain(id);
    expect(bobsList.signals.allAcceptedCredentials?.allAcceptedCredentialIds).not.toContain(id);

    for (const [method, json] of [['PATCH', { name: 'stolen' }], ['DELETE', undefined]] as const) {
      const answers = await Promise.all(
        [id, unknown, malformed].map((target) => harness.call(method, `/mfa/passkey/credentials/${encode(target)}`, { as: 'bob', ...(json === undefined ? {} : { json }) })),
      );
      for (const answer of answers) {
        expect(answer.status).toBe(404);
        expect(answer.text).toBe(answers[1]!.text);
        expect([...answer.headers.entries()].filter(([name]) => name !== 'date')).toEqual([...answers[1]!.headers.entries()].filter(([name]) => name !== 'date'));
      }
    }
    const stored = await harness.credentials.get(id);
    expect(stored?.userId).toBe(ALICE);
    expect(stored?.name).toBeUndefined();
  });

  it('every management route needs a caller: 401 authentication_required, nothing read or changed', async () => {
    const harness = await start();
    const { id } = await harness.enrol('alice');
    for (const [method, path] of [['GET', '/mfa/passkey/credentials'], ['PATCH', `/mfa/passkey/credentials/${encode(id)}`], ['DELETE', `/mfa/passkey/credentials/${encode(id)}`]] as const) {
      const reply = await harness.call(method, path, { as: null, ...(method === 'PATCH' ? { json: { name: 'x' } } : {}) });
      expect(reply.status).toBe(401);
      expect(reply.body).toEqual({ success: false, error: 'Authentication required', code: 'authentication_required' });
    }
    expect(await harness.credentials.get(id)).toMatchObject({ userId: ALICE });
    expect((await harness.credentials.get(id))?.name).toBeUndefined();
  });
});

describe('signals on sign-in (WebAuthn L3 §5.1.10)', () => {
  it('a successful sign-in carries allAcceptedCredentials', async () => {
    const harness = await start();
    const { authenticator, id } = await harness.enrol();
    const options = authOptionsEnvelopeSchema.parse((await harness.call('POST', '/mfa/passkey/auth-options')).body).data;
    const reply = await harness.call('POST', '/mfa/passkey/auth-verify', { json: { credential: await authenticator.authenticate(options, ORIGIN) } });
    expect(reply.status).toBe(200);
    expect(authVerifyEnvelopeSchema.parse(reply.body).signals).toEqual({ allAcceptedCredentials: { rpId: 'localhost', userId: ALICE, allAcceptedCredentialIds: [id] } });
  });

  it('a sign-in with a passkey the server no longer knows is 400 unknown_credential with signals.unknownCredential', async () => {
    const harness = await start();
    const { authenticator, id } = await harness.enrol();
    const options = authOptionsEnvelopeSchema.parse((await harness.call('POST', '/mfa/passkey/auth-options')).body).data;
    expect((await harness.call('DELETE', `/mfa/passkey/credentials/${encode(id)}`)).status).toBe(200);
    const reply = await harness.call('POST', '/mfa/passkey/auth-verify', { json: { credential: await authenticator.authenticate(options, ORIGIN) } });
    expect(reply.status).toBe(400);
    expect(failure(reply)).toStrictEqual({
      success: false,
      error: 'This passkey is not registered.',
      code: 'unknown_credential',
      signals: { unknownCredential: { rpId: 'localhost', credentialId: id } },
    });
  });

  it('no other failure carries signals (a passkey of another account is not "unknown")', async () => {
    const harness = await start();
    const bobs = await harness.enrol('bob');
    await harness.enrol('alice');
    const options = authOptionsEnvelopeSchema.parse((await harness.call('POST', '/mfa/passkey/auth-options')).body).data;
    const assertion = await bobs.authenticator.getAssertion({ rpId: 'localhost', challenge: options.challenge, origin: ORIGIN });
    const reply = await harness.call('POST', '/mfa/passkey/auth-verify', { json: { credential: assertion } });
    expect(reply.status).toBe(400);
    expect(failure(reply).signals).toBeUndefined();
  });
});

describe('conditional create over HTTP (WebAuthn L3 §5.1.3, §7.1 step 14)', () => {
  async function registerWithoutPresence(harness: Awaited<ReturnType<typeof start>>, body: unknown) {
    const options = registrationOptionsEnvelopeSchema.parse((await harness.call('POST', '/mfa/passkey/registration-options', body === undefined ? {} : { json: body })).body).data;
    const credential = await new SoftwareAuthenticator().createCredential({ rpId: 'localhost', challenge: options.challenge, origin: ORIGIN, userHandle: options.user.id, userPresent: false });
    return harness.call('POST', '/mfa/passkey/complete-registration', { json: { credential, challenge: options.challenge, mediation: 'conditional' } });
  }

  it('a ceremony started with { mediation: "conditional" } completes without UP', async () => {
    const harness = await start();
    const reply = await registerWithoutPresence(harness, { mediation: 'conditional' });
    expect(reply.status).toBe(200);
    expect(credentialListEnvelopeSchema.parse((await harness.call('GET', '/mfa/passkey/credentials')).body).data.passkeys).toHaveLength(1);
  });

  it('ATTACK: a normal ceremony without UP is 400 user_not_present, whatever the completion body claims', async () => {
    const harness = await start();
    for (const body of [undefined, {}, { mediation: undefined }]) {
      const reply = await registerWithoutPresence(harness, body);
      expect(reply.status).toBe(400);
      expect(failure(reply).code).toBe('user_not_present');
    }
    expect(await harness.credentials.listByUser(ALICE)).toEqual([]);
  });

  it('any other mediation is 400 invalid_request', async () => {
    const harness = await start();
    for (const mediation of ['required', 'optional', 'silent', 'CONDITIONAL', 1, null]) {
      const reply = await harness.call('POST', '/mfa/passkey/registration-options', { json: { mediation } });
      expect(reply.status).toBe(400);
      expect(failure(reply).code).toBe('invalid_request');
    }
  });
});

describe('GET /.well-known/webauthn (WebAuthn L3 §5.11)', () => {
  it('the router at the root serves the related origins as application/json, cacheable', async () => {
    const harness = await start({ rp: { relatedOrigins: ['https://example.co.uk', 'https://examplecars.com'] } });
    const reply = await harness.call('GET', '/.well-known/webauthn', { as: null });
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toBe('application/json');
    expect(reply.headers.get('cache-control')).toBe('public, max-age=3600');
    expect(reply.text).toBe('{"origins":["https://example.co.uk","https://examplecars.com"]}');
    const head = await fetch(harness.base + '/.well-known/webauthn', { method: 'HEAD' });
    expect(head.status).toBe(200);
  });

  it('without relatedOrigins the router lets the request fall through (the application’s own 404)', async () => {
    const harness = await start();
    const reply = await harness.call('GET', '/.well-known/webauthn', { as: null });
    expect(reply.status).toBe(404);
    expect(reply.body).toEqual({ fellThrough: 'GET /.well-known/webauthn' });
  });

  it('under a prefix, wellKnownWebauthnHandler mounted at the root serves it; without relatedOrigins it is 404', async () => {
    const rp = (relatedOrigins?: string[]) =>
      createRelyingParty({
        rpId: 'localhost',
        rpName: 'Tessera test',
        origins: [ORIGIN],
        challengeStore: new MemoryChallengeStore({ sweepIntervalMs: 0 }),
        credentialStore: new MemoryCredentialStore(),
        ...(relatedOrigins === undefined ? {} : { relatedOrigins }),
      });
    const app = express();
    const withOrigins = rp(['https://example.co.uk']);
    app.use('/api', passkeyRouter({ relyingParty: withOrigins, authenticate: () => null }));
    app.get('/.well-known/webauthn', wellKnownWebauthnHandler(withOrigins));
    app.get('/none/.well-known/webauthn', wellKnownWebauthnHandler(rp()));
    const base = await listen(app);
    const served = await fetch(base + '/.well-known/webauthn');
    expect(served.status).toBe(200);
    expect(await served.json()).toEqual({ origins: ['https://example.co.uk'] });
    const missing = await fetch(base + '/none/.well-known/webauthn');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('cache-control')).toBe('no-store');
  });
});

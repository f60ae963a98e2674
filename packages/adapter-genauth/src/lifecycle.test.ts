import {
  MemoryChallengeStore,
  MemoryCredentialStore,
  createRelyingParty,
  userHandleFromId,
  type RelyingPartyConfig,
} from '@tessera/core';
import { SoftwareAuthenticator } from '@tessera/core/testing';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { closeServers, listen } from '../test/harness.ts';
import { AuthenticationClient } from './authenticationClient.ts';
import { createGenAuthHandler } from './createGenAuthHandler.ts';
import { isErrorRespDto } from './envelopes.ts';
import {
  deleteCredentialRespDtoSchema,
  errorRespDtoSchema,
  getAuthenticationOptionsRespDtoSchema,
  getRegistrationOptionsRespDtoSchema,
  listCredentialsRespDtoSchema,
  renameCredentialRespDtoSchema,
  verifyAuthenticationRespDtoSchema,
  verifyRegistrationRespDtoSchema,
} from './envelopes.ts';
import type { GenAuthHandlerOptions, GenAuthUser } from './handlerOptions.ts';
import { toNodeListener } from './toNodeListener.ts';

/*
 * The passkey lifecycle over real HTTP (node:http through toNodeListener): the credential routes
 * (owner-checked, 404 for anyone else's id), the signals of WebAuthn L3 §5.1.10, conditional create (§5.1.3,
 * §7.1 step 14) and /.well-known/webauthn (§5.11).
 */

const ORIGIN = 'https://example.com';
const AUTHENTICATION = '/api/v3/webauthn/authentication';
const REGISTRATION = '/api/v3/webauthn/registration';
const CREDENTIALS = '/api/v3/webauthn/credentials';
const USERS: Record<string, GenAuthUser> = {
  alice: { id: 'user-alice', name: 'alice@example.com', displayName: 'Alice' },
  bob: { id: 'user-bob' },
};
const ALICE = userHandleFromId('user-alice');
const ICLOUD = new Uint8Array([0xfb, 0xfc, 0x30, 0x07, 0x15, 0x4e, 0x4e, 0xcc, 0x8c, 0x0b, 0x6e, 0x02, 0x05, 0x57, 0xd7, 0xbd]);

afterEach(closeServers);

async function serve(options: { rp?: Partial<RelyingPartyConfig>; handler?: Partial<GenAuthHandlerOptions> } = {}) {
  let time = 1_700_000_000_000;
  const clock = { now: () => time, advance: (ms: number) => void (time += ms) };
  const credentials = new MemoryCredentialStore();
  const relyingParty = createRelyingParty({
    rpId: 'example.com',
    rpName: 'Example',
    origins: [ORIGIN],
    challengeStore: new MemoryChallengeStore({ sweepIntervalMs: 0, now: clock.now }),
    credentialStore: credentials,
    now: clock.now,
    describeAuthenticator: (aaguid) => (aaguid === 'fbfc3007-154e-4ecc-8c0b-6e020557d7bd' ? { name: 'iCloud Keychain', icon: 'data:image/png;base64,AAAA' } : undefined),
    ...options.rp,
  });
  const logger = { error: vi.fn() };
  const handler = createGenAuthHandler({
    relyingParty,
    authenticate: (request) => USERS[/^Bearer (\w+)$/.exec(request.headers.get('authorization') ?? '')?.[1] ?? ''] ?? null,
    logger,
    ...options.handler,
  });
  const base = `http://${await listen(toNodeListener(handler, { logger }))}`;

  async function call(method: string, path: string, { user = 'alice' as string | null, json }: { user?: string | null; json?: unknown } = {}) {
    const headers: Record<string, string> = {};
    if (user !== null) headers.authorization = `Bearer ${user}`;
    if (json !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(base + path, { method, headers, ...(json === undefined ? {} : { body: JSON.stringify(json) }) });
    const text = await response.text();
    return { status: response.status, headers: response.headers, text, body: JSON.parse(text) as unknown };
  }

  async function enrol(user = 'alice', authenticator = new SoftwareAuthenticator()) {
    const started = getRegistrationOptionsRespDtoSchema.parse((await call('GET', REGISTRATION, { user })).body);
    const registrationCredential = await authenticator.register(started.data.registrationOptions, ORIGIN);
    const finished = await call('POST', REGISTRATION, { user, json: { ticket: started.data.ticket, registrationCredential } });
    expect(finished.status).toBe(200);
    clock.advance(1000);
    return { authenticator, id: verifyRegistrationRespDtoSchema.parse(finished.body).data.credentialId };
  }

  return { base, call, enrol, credentials, logger, relyingParty };
}

type Reply = Awaited<ReturnType<Awaited<ReturnType<typeof serve>>['call']>>;

function expectFailure(reply: Reply, statusCode: number, apiCode: number) {
  expect(reply.status).toBe(statusCode);
  const dto = errorRespDtoSchema.parse(reply.body);
  expect(dto).toMatchObject({ statusCode, apiCode });
  return dto;
}

const path = (id: string) => `${CREDENTIALS}/${encodeURIComponent(id)}`;

describe('GET /api/v3/webauthn/credentials', () => {
  it('lists the caller’s passkeys only, in GenAuth’s envelope, with the signals', async () => {
    const served = await serve();
    const first = await served.enrol('alice', new SoftwareAuthenticator({ aaguid: ICLOUD, backupEligible: true, backupState: true }));
    const second = await served.enrol('alice', new SoftwareAuthenticator({ algorithm: 'RS256' }));
    await served.enrol('bob');
    const reply = await served.call('GET', CREDENTIALS);
    expect(reply.status).toBe(200);
    expect(reply.headers.get('cache-control')).toBe('no-store');
    const dto = listCredentialsRespDtoSchema.parse(reply.body);
    expect(reply.body).toStrictEqual({
      statusCode: 200,
      message: 'Operation successful',
      requestId: dto.requestId,
      data: {
        passkeys: [
          {
            id: first.id,
            name: 'iCloud Keychain',
            authenticatorName: 'iCloud Keychain',
            icon: 'data:image/png;base64,AAAA',
            createdAt: 1_700_000_000_000,
            lastUsedAt: null,
            synced: true,
            transports: ['internal'],
            algorithm: 'ES256',
          },
          { id: second.id, name: null, authenticatorName: null, createdAt: 1_700_000_001_000, lastUsedAt: null, synced: false, transports: ['internal'], algorithm: 'RS256' },
        ],
      },
      signals: {
        allAcceptedCredentials: { rpId: 'example.com', userId: ALICE, allAcceptedCredentialIds: [first.id, second.id] },
        currentUserDetails: { rpId: 'example.com', userId: ALICE, name: 'alice@example.com', displayName: 'Alice' },
      },
    });
  });

  it('needs a caller (401 / 40101), and answers other methods 405 with Allow', async () => {
    const served = await serve();
    expectFailure(await served.call('GET', CREDENTIALS, { user: null }), 401, 40101);
    const post = await served.call('POST', CREDENTIALS, { json: {} });
    expectFailure(post, 405, 40501);
    expect(post.headers.get('allow')).toBe('GET');
    const put = await served.call('PUT', path('AAAA'));
    expectFailure(put, 405, 40501);
    expect(put.headers.get('allow')).toBe('PATCH, DELETE');
    expectFailure(await served.call('GET', `${CREDENTIALS}/a/b`), 404, 40401);
    expectFailure(await served.call('DELETE', `${CREDENTIALS}/`), 404, 40401);
  });
});

describe('PATCH and DELETE /api/v3/webauthn/credentials/{id}', () => {
  it('renames the caller’s passkey (trimmed, NFC) and refuses bad names with 400 / 40005', async () => {
    const served = await serve();
    const { id } = await served.enrol();
    const reply = await served.call('PATCH', path(id), { json: { name: ' Cafe\u0301 key ' } });
    expect(renameCredentialRespDtoSchema.parse(reply.body).data.passkey).toMatchObject({ id, name: 'Caf\u00e9 key' });
    for (const name of ['', '  ', 'x'.repeat(65), 'tab\tinside']) {
      expectFailure(await served.call('PATCH', path(id), { json: { name } }), 400, 40005);
    }
    expectFailure(await served.call('PATCH', path(id), { json: { name: 7 } }), 400, 40002);
    expectFailure(await served.call('PATCH', path(id)), 415, 41501);
    expect((await served.credentials.get(id))?.name).toBe('Caf\u00e9 key');
  });

  it('deletes the caller’s passkey with the remaining ids as signals; again is 404 / 40402', async () => {
    const served = await serve();
    const first = await served.enrol();
    const second = await served.enrol();
    const reply = await served.call('DELETE', path(first.id));
    const dto = deleteCredentialRespDtoSchema.parse(reply.body);
    expect(dto.data).toStrictEqual({ deletedId: first.id });
    expect(dto.signals).toStrictEqual({ allAcceptedCredentials: { rpId: 'example.com', userId: ALICE, allAcceptedCredentialIds: [second.id] } });
    expect(await served.credentials.get(first.id)).toBeUndefined();
    expectFailure(await served.call('DELETE', path(first.id)), 404, 40402);
  });

  it('ATTACK: Bob cannot rename or delete Alice’s passkey, and cannot tell it from an unknown id', async () => {
    const served = await serve();
    const { id } = await served.enrol('alice');
    await served.enrol('bob');
    const bobs = listCredentialsRespDtoSchema.parse((await served.call('GET', CREDENTIALS, { user: 'bob' })).body);
    expect(bobs.data.passkeys.map((passkey) => passkey.id)).not.toContain(id);
    const strip = (reply: Reply) => ({ ...(reply.body as Record<string, unknown>), requestId: undefined });
    for (const [method, json] of [['PATCH', { name: 'stolen' }], ['DELETE', undefined]] as const) {
      const [theirs, unknown, malformed, badEscape] = await Promise.all(
        [path(id), path('AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'), path('not*base64'), `${CREDENTIALS}/%E0%A4%A`].map((target) =>
          served.call(method, target, { user: 'bob', ...(json === undefined ? {} : { json }) }),
        ),
      );
      for (const reply of [theirs!, unknown!, malformed!, badEscape!]) {
        expectFailure(reply, 404, 40402);
        expect(strip(reply)).toEqual(strip(unknown!));
      }
    }
    expect(await served.credentials.get(id)).toMatchObject({ userId: ALICE });
    expect((await served.credentials.get(id))?.name).toBeUndefined();
    for (const method of ['PATCH', 'DELETE']) {
      expectFailure(await served.call(method, path(id), { user: null, ...(method === 'PATCH' ? { json: { name: 'x' } } : {}) }), 401, 40101);
    }
  });
});

describe('AuthenticationClient', () => {
  it('lists, renames and deletes through the typed client, failures as envelopes', async () => {
    const served = await serve();
    const { id } = await served.enrol();
    const client = new AuthenticationClient({ baseUrl: served.base, headers: { authorization: 'Bearer alice' } });
    const list = await client.listCredentials();
    if (isErrorRespDto(list)) throw new Error(list.message);
    expect(list.data.passkeys.map((passkey) => passkey.id)).toEqual([id]);
    expect(list.signals.allAcceptedCredentials?.allAcceptedCredentialIds).toEqual([id]);
    const renamed = await client.renameCredential(id, 'Phone');
    if (isErrorRespDto(renamed)) throw new Error(renamed.message);
    expect(renamed.data.passkey.name).toBe('Phone');
    const bob = new AuthenticationClient({ baseUrl: served.base, headers: { authorization: 'Bearer bob' } });
    expect(await bob.deleteCredential(id)).toMatchObject({ statusCode: 404, apiCode: 40402 });
    const deleted = await client.deleteCredential(id);
    if (isErrorRespDto(deleted)) throw new Error(deleted.message);
    expect(deleted.signals.allAcceptedCredentials?.allAcceptedCredentialIds).toEqual([]);
  });
});

describe('PATCH with any body, any id', () => {
  it('answers 200 or a 4xx envelope, never 5xx', async () => {
    const served = await serve();
    const { id } = await served.enrol();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.constant(id), fc.string({ maxLength: 50 }).filter((text) => text.length > 0 && text !== '.' && text !== '..')),
        fc.oneof(fc.jsonValue(), fc.record({ name: fc.oneof(fc.string({ maxLength: 80 }), fc.jsonValue()) })),
        async (target, json) => {
          const reply = await served.call('PATCH', `${CREDENTIALS}/${encodeURIComponent(target)}`, { json });
          expect(reply.status).toBeLessThan(500);
          if (reply.status === 200) renameCredentialRespDtoSchema.parse(reply.body);
          else errorRespDtoSchema.parse(reply.body);
        },
      ),
      { numRuns: 60 },
    );
    expect(served.logger.error).not.toHaveBeenCalled();
  });
});

describe('signals on sign-in (WebAuthn L3 §5.1.10)', () => {
  it('a successful sign-in carries allAcceptedCredentials of the user who signed in (a discoverable sign-in too)', async () => {
    const served = await serve();
    const { authenticator, id } = await served.enrol();
    const started = getAuthenticationOptionsRespDtoSchema.parse((await served.call('GET', AUTHENTICATION, { user: null })).body);
    const authenticationCredential = await authenticator.authenticate(started.data.authenticationOptions, ORIGIN);
    const reply = await served.call('POST', AUTHENTICATION, { user: null, json: { ticket: started.data.ticket, authenticationCredential } });
    expect(verifyAuthenticationRespDtoSchema.parse(reply.body).signals).toStrictEqual({ allAcceptedCredentials: { rpId: 'example.com', userId: ALICE, allAcceptedCredentialIds: [id] } });
  });

  it('a sign-in with a deleted passkey is 400 / 40025 with signals.unknownCredential', async () => {
    const served = await serve();
    const { authenticator, id } = await served.enrol();
    expect((await served.call('DELETE', path(id))).status).toBe(200);
    const started = getAuthenticationOptionsRespDtoSchema.parse((await served.call('GET', AUTHENTICATION, { user: null })).body);
    const authenticationCredential = await authenticator.authenticate(started.data.authenticationOptions, ORIGIN);
    const reply = await served.call('POST', AUTHENTICATION, { user: null, json: { ticket: started.data.ticket, authenticationCredential } });
    const dto = expectFailure(reply, 400, 40025);
    expect(Object.keys(reply.body as object).sort()).toEqual(['apiCode', 'message', 'requestId', 'signals', 'statusCode']);
    expect(dto.signals).toStrictEqual({ unknownCredential: { rpId: 'example.com', credentialId: id } });
  });
});

describe('conditional create over HTTP (WebAuthn L3 §5.1.3, §7.1 step 14)', () => {
  async function withoutPresence(served: Awaited<ReturnType<typeof serve>>, query: string) {
    const started = getRegistrationOptionsRespDtoSchema.parse((await served.call('GET', REGISTRATION + query)).body);
    const registrationCredential = await new SoftwareAuthenticator().createCredential({
      rpId: 'example.com',
      challenge: started.data.registrationOptions.challenge,
      origin: ORIGIN,
      userHandle: started.data.registrationOptions.user.id,
      userPresent: false,
    });
    return served.call('POST', REGISTRATION + '?mediation=conditional', { json: { ticket: started.data.ticket, registrationCredential, mediation: 'conditional' } });
  }

  it('?mediation=conditional lets the ceremony finish without UP', async () => {
    const served = await serve();
    expect((await withoutPresence(served, '?mediation=conditional')).status).toBe(200);
  });

  it('ATTACK: a normal ceremony without UP is 400 / 40030 whatever the finishing request claims', async () => {
    const served = await serve();
    expectFailure(await withoutPresence(served, ''), 400, 40030);
    expect(await served.credentials.listByUser(ALICE)).toEqual([]);
  });

  it('any other mediation is 400 / 40002', async () => {
    const served = await serve();
    for (const query of ['?mediation=required', '?mediation=Conditional', '?mediation=', '?mediation=conditional&mediation=conditional']) {
      expectFailure(await served.call('GET', REGISTRATION + query), 400, 40002);
    }
  });
});

describe('GET /.well-known/webauthn (WebAuthn L3 §5.11)', () => {
  it('serves { origins } as application/json, cacheable, at the root whatever basePath is', async () => {
    const served = await serve({ rp: { relatedOrigins: ['https://example.co.uk'] }, handler: { basePath: '/auth' } });
    const response = await fetch(served.base + '/.well-known/webauthn');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('cache-control')).toBe('public, max-age=3600');
    expect(await response.text()).toBe('{"origins":["https://example.co.uk"]}');
    expect((await fetch(served.base + '/auth/.well-known/webauthn')).status).toBe(404);
  });

  it('is 404 / 40401 without relatedOrigins', async () => {
    const served = await serve();
    expectFailure(await served.call('GET', '/.well-known/webauthn', { user: null }), 404, 40401);
  });
});

import { MemoryChallengeStore, MemoryCredentialStore, createRelyingParty } from '@tessera/core';
import { SoftwareAuthenticator } from '@tessera/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { closeServers, listen } from '../test/harness.ts';
import { createGenAuthHandler } from './createGenAuthHandler.ts';
import { getRegistrationOptionsRespDtoSchema, verifyRegistrationRespDtoSchema } from './envelopes.ts';
import type { GenAuthUser } from './handlerOptions.ts';
import { toNodeListener } from './toNodeListener.ts';

/*
 * Adversarial review of the credential routes and /.well-known/webauthn (issue #14) over real HTTP: method
 * and path confusion, odd ids, another user's id.
 */

const ORIGIN = 'https://example.com';
const CREDENTIALS = '/api/v3/webauthn/credentials';
const USERS: Record<string, GenAuthUser> = { alice: { id: 'user-alice' }, bob: { id: 'user-bob' } };

afterEach(closeServers);

async function serve(relatedOrigins?: string[]) {
  const credentials = new MemoryCredentialStore();
  const relyingParty = createRelyingParty({
    rpId: 'example.com',
    rpName: 'Example',
    origins: [ORIGIN],
    challengeStore: new MemoryChallengeStore({ sweepIntervalMs: 0 }),
    credentialStore: credentials,
    ...(relatedOrigins === undefined ? {} : { relatedOrigins }),
  });
  const logger = { error: () => {} };
  const handler = createGenAuthHandler({ relyingParty, authenticate: (request) => USERS[/^Bearer (\w+)$/.exec(request.headers.get('authorization') ?? '')?.[1] ?? ''] ?? null, logger });
  const base = `http://${await listen(toNodeListener(handler, { logger }))}`;
  async function call(method: string, path: string, user: string | null = 'alice', json?: unknown) {
    const headers: Record<string, string> = {};
    if (user !== null) headers.authorization = `Bearer ${user}`;
    if (json !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(base + path, { method, headers, ...(json === undefined ? {} : { body: JSON.stringify(json) }) });
    return { status: response.status, headers: response.headers, text: await response.text() };
  }
  async function enrol(user: string) {
    const started = getRegistrationOptionsRespDtoSchema.parse(JSON.parse((await call('GET', '/api/v3/webauthn/registration', user)).text));
    const registrationCredential = await new SoftwareAuthenticator().register(started.data.registrationOptions, ORIGIN);
    const finished = await call('POST', '/api/v3/webauthn/registration', user, { ticket: started.data.ticket, registrationCredential });
    return verifyRegistrationRespDtoSchema.parse(JSON.parse(finished.text)).data.credentialId;
  }
  return { call, enrol, credentials };
}

describe('ATTACK: GenAuth credential routes and /.well-known/webauthn', () => {
  it('HEAD /.well-known/webauthn answers the GET’s headers without a body (a cache revalidating is not refused 405)', async () => {
    const h = await serve(['https://example.co.uk']);
    const get = await h.call('GET', '/.well-known/webauthn', null);
    const head = await h.call('HEAD', '/.well-known/webauthn', null);
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
    for (const name of ['content-type', 'cache-control', 'content-length', 'x-content-type-options']) expect(head.headers.get(name), name).toBe(get.headers.get(name));
    expect(Number(get.headers.get('content-length'))).toBe(new TextEncoder().encode(get.text).length);
    const none = await serve();
    expect((await none.call('HEAD', '/.well-known/webauthn', null)).status).toBe(404);
  });

  it('another user’s id wrapped in path tricks is never renamed or deleted, and nothing is 5xx', async () => {
    const h = await serve();
    const id = await h.enrol('alice');
    await h.enrol('bob');
    const tricks = [`${id}/`, `%${id}`, `${id}%2F..`, `../credentials/${id}`, `%2E%2E%2F${id}`, `${id}%00`, 'A'.repeat(8000), `${id}?x=1`];
    for (const trick of tricks) {
      for (const prefix of [`${CREDENTIALS}/`, `/${CREDENTIALS}/`, `${CREDENTIALS.toUpperCase()}/`]) {
        for (const [method, json] of [['DELETE', undefined], ['PATCH', { name: 'stolen' }]] as const) {
          const reply = await h.call(method, prefix + trick, 'bob', json);
          expect(reply.status, `${method} ${prefix}${trick}`).toBeGreaterThanOrEqual(400);
          expect(reply.status).toBeLessThan(500);
        }
      }
    }
    const stored = await h.credentials.get(id);
    expect(stored).toBeDefined();
    expect(stored?.name).toBeUndefined();
  });
});

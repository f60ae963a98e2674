import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MemoryChallengeStore, MemoryCredentialStore, createRelyingParty } from '@tessera/core';
import { SoftwareAuthenticator } from '@tessera/core/testing';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { passkeyRouter, registrationOptionsEnvelopeSchema } from './index.ts';

/*
 * Adversarial review of the management routes (issue #14): method and path confusion, odd ids, another
 * user's id, and the well-known document's headers, over a real socket.
 */

const ORIGIN = 'http://localhost:3000';
const USERS: Record<string, { id: string }> = { alice: { id: 'alice-0001' }, bob: { id: 'bob-0002' } };

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

async function start(relatedOrigins?: string[]) {
  const credentials = new MemoryCredentialStore();
  const relyingParty = createRelyingParty({
    rpId: 'localhost',
    rpName: 'Tessera test',
    origins: [ORIGIN],
    challengeStore: new MemoryChallengeStore({ sweepIntervalMs: 0 }),
    credentialStore: credentials,
    ...(relatedOrigins === undefined ? {} : { relatedOrigins }),
  });
  const app = express();
  app.use(passkeyRouter({ relyingParty, authenticate: (req) => USERS[/^Bearer (\w+)$/.exec(req.get('authorization') ?? '')?.[1] ?? ''] ?? null, logger: { error: () => {} } }));
  app.use((req, res) => void res.status(404).json({ fellThrough: `${req.method} ${req.path}` }));
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  async function call(method: string, path: string, as: string | null = 'alice', json?: unknown, contentType = 'application/json') {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (as !== null) headers.authorization = `Bearer ${as}`;
    const body = json === undefined ? undefined : typeof json === 'string' ? json : JSON.stringify(json);
    if (body !== undefined) headers['content-type'] = contentType;
    const response = await fetch(base + path, { method, headers, ...(body === undefined ? {} : { body }) });
    return { status: response.status, text: await response.text(), headers: response.headers };
  }
  async function enrol(as: string) {
    const options = registrationOptionsEnvelopeSchema.parse(JSON.parse((await call('POST', '/mfa/passkey/registration-options', as)).text)).data;
    const credential = await new SoftwareAuthenticator().register(options, ORIGIN);
    const reply = await call('POST', '/mfa/passkey/complete-registration', as, { credential, challenge: options.challenge });
    expect(reply.status).toBe(200);
    return credential.id;
  }
  return { base, call, enrol, credentials };
}

describe('ATTACK: odd credential ids and paths', () => {
  it('a malformed %-escape in :id is the routes’ own JSON envelope (401, or 404 like any unknown id), not Express’s HTML error page', async () => {
    const h = await start();
    const id = await h.enrol('alice');
    const unknown = await h.call('DELETE', '/mfa/passkey/credentials/AAAA', 'bob');
    for (const bad of ['%', `%${id}`, `${id}%E0%A4%A`, '%C0%AF']) {
      const deleted = await h.call('DELETE', `/mfa/passkey/credentials/${bad}`, 'bob');
      expect(deleted.status, bad).toBe(404);
      expect(deleted.text).toBe(unknown.text);
      expect(deleted.headers.get('content-type')).toBe(unknown.headers.get('content-type'));
      const renamed = await h.call('PATCH', `/mfa/passkey/credentials/${bad}`, 'alice', { name: 'x' });
      expect(renamed.status).toBe(404);
      expect(JSON.parse(renamed.text)).toMatchObject({ success: false, code: 'credential_not_found' });
      expect(JSON.parse((await h.call('PATCH', `/mfa/passkey/credentials/${bad}`, 'alice', { name: '' })).text)).toMatchObject({ code: 'invalid_name' });
      const anonymous = await h.call('DELETE', `/mfa/passkey/credentials/${bad}`, null);
      expect(anonymous.status).toBe(401);
      expect(JSON.parse(anonymous.text)).toMatchObject({ success: false, code: 'authentication_required' });
    }
    expect(await h.credentials.get(id)).toBeDefined();
  });

  it('another user’s id wrapped in path tricks is never deleted or renamed', async () => {
    const h = await start();
    const id = await h.enrol('alice');
    await h.enrol('bob');
    const paths = [`${id}/`, `${id}%2F..`, `..%2F${id}`, `${id}%00`, `${id}=`, `${id}?id=${id}`, `%2E%2E%2F${id}`, 'A'.repeat(8000)];
    for (const path of paths) {
      for (const prefix of ['/mfa/passkey/credentials/', '/MFA/passkey/Credentials/', '//mfa/passkey/credentials/']) {
        const deleted = await h.call('DELETE', prefix + path, 'bob');
        expect(deleted.status).toBeLessThan(500);
        expect(deleted.status).not.toBe(200);
        const renamed = await h.call('PATCH', prefix + path, 'bob', { name: 'stolen' });
        expect(renamed.status).toBeLessThan(500);
        expect(renamed.status).not.toBe(200);
      }
    }
    const stored = await h.credentials.get(id);
    expect(stored?.name).toBeUndefined();
  });
});

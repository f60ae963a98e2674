import { SoftwareAuthenticator } from '@tessera/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { startDemoServer, type DemoServer } from '../src/demoServer.ts';

/** The demo's own rules over real sockets: who may do what, and that every failure is a 4xx envelope. */

const servers: DemoServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function demo() {
  const server = await startDemoServer({ port: 0, logger: { error: () => {} } });
  servers.push(server);
  async function call(method: string, path: string, { token, body }: { token?: string; body?: unknown } = {}) {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(server.url + path, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return { status: response.status, body: await response.json() };
  }
  return { server, call };
}

describe('the demo server', () => {
  it('listens on localhost and serves both pages with a strict content security policy', async () => {
    const { server } = await demo();
    expect(server.url).toMatch(/^http:\/\/localhost:\d+$/);
    for (const path of ['/', '/genauth']) {
      const response = await fetch(server.url + path);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
      expect(await response.text()).toContain('<script type="module" src="/app.js"></script>');
    }
  });

  it('lets a session that only gave its account name run the passkey step and nothing else', async () => {
    const { server, call } = await demo();
    const owner = (await call('POST', '/demo/accounts', { body: { name: 'ada' } })).body.data.token;
    const authenticator = new SoftwareAuthenticator({ algorithm: 'ES256' });
    const creation = (await call('POST', '/mfa/passkey/registration-options', { token: owner })).body.data;
    const credential = await authenticator.register(creation, server.url);
    expect((await call('POST', '/mfa/passkey/complete-registration', { token: owner, body: { credential, challenge: creation.challenge } })).status).toBe(200);

    const pending = (await call('POST', '/demo/sign-in', { body: { name: 'ada' } })).body.data.token;
    expect((await call('POST', '/mfa/passkey/registration-options', { token: pending })).status).toBe(401);
    expect((await call('GET', '/demo/me', { token: pending })).status).toBe(401);
    expect((await call('DELETE', `/demo/passkeys/${credential.id}`, { token: pending })).status).toBe(401);
    expect((await call('GET', '/api/v3/webauthn/registration', { token: pending })).body.apiCode).toBe(40101);

    const options = (await call('POST', '/mfa/passkey/auth-options', { token: pending })).body.data;
    const assertion = await authenticator.authenticate(options, server.url);
    expect((await call('POST', '/mfa/passkey/auth-verify', { token: pending, body: { credential: assertion } })).status).toBe(200);
    expect((await call('GET', '/demo/me', { token: pending })).body.data).toMatchObject({ name: 'ada', passkeys: [{ id: credential.id, algorithm: 'ES256' }] });
  });

  it("never signs a pending session in with another account's passkey", async () => {
    const { server, call } = await demo();
    const enrol = async (name: string) => {
      const token = (await call('POST', '/demo/accounts', { body: { name } })).body.data.token;
      const authenticator = new SoftwareAuthenticator({ algorithm: 'ES256' });
      const creation = (await call('POST', '/mfa/passkey/registration-options', { token })).body.data;
      const credential = await authenticator.register(creation, server.url);
      await call('POST', '/mfa/passkey/complete-registration', { token, body: { credential, challenge: creation.challenge } });
      return authenticator;
    };
    await enrol('alice');
    const eve = await enrol('eve');
    // Eve answers Alice's sign-in options with her own passkey, on Alice's pending session.
    const alicePending = (await call('POST', '/demo/sign-in', { body: { name: 'alice' } })).body.data.token;
    const options = (await call('POST', '/mfa/passkey/auth-options', { token: alicePending })).body.data;
    const forged = await eve.authenticate({ ...options, allowCredentials: [] }, server.url);
    const reply = await call('POST', '/mfa/passkey/auth-verify', { token: alicePending, body: { credential: forged } });
    expect(reply).toMatchObject({ status: 400, body: { success: false, code: 'credential_not_allowed' } });
    expect((await call('GET', '/demo/me', { token: alicePending })).status).toBe(401);
  });

  it("never lets one account remove another's passkey", async () => {
    const { server, call } = await demo();
    const ada = (await call('POST', '/demo/accounts', { body: { name: 'ada' } })).body.data.token;
    const eve = (await call('POST', '/demo/accounts', { body: { name: 'eve' } })).body.data.token;
    const creation = (await call('POST', '/mfa/passkey/registration-options', { token: ada })).body.data;
    const credential = await new SoftwareAuthenticator({ algorithm: 'EdDSA' }).register(creation, server.url);
    await call('POST', '/mfa/passkey/complete-registration', { token: ada, body: { credential, challenge: creation.challenge } });
    expect(await call('DELETE', `/demo/passkeys/${credential.id}`, { token: eve })).toEqual({
      status: 404,
      body: { success: false, error: 'You have no passkey with this id.' },
    });
    expect(await server.credentials.get(credential.id)).toBeDefined();
  });

  it('answers bad input with a 4xx envelope', async () => {
    const { call, server } = await demo();
    expect(await call('POST', '/demo/accounts', { body: { name: '   ' } })).toEqual({ status: 400, body: { success: false, error: 'Choose an account name.' } });
    expect((await call('POST', '/demo/accounts', { body: { name: 'x'.repeat(65) } })).status).toBe(400);
    expect((await call('POST', '/demo/accounts', { body: { name: 'a\u0000b' } })).status).toBe(400);
    expect((await call('POST', '/demo/accounts', { body: [1, 2] })).status).toBe(400);
    expect((await call('POST', '/demo/sign-in', { body: {} })).status).toBe(400);
    expect((await call('GET', '/demo/me', { token: 'not-a-session' })).status).toBe(401);
    expect((await call('GET', '/demo/nothing-here')).status).toBe(404);
    const malformed = await fetch(`${server.url}/demo/accounts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":' });
    expect(malformed.status).toBe(400);
    const huge = await fetch(`${server.url}/demo/accounts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'x'.repeat(10_000) }) });
    expect(huge.status).toBe(413);
  });
});

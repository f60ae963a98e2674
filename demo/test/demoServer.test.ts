import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SoftwareAuthenticator } from '@tessera/core/testing';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
// The store's own test support: a throwaway PostgreSQL cluster on a free loopback port.
import { startPostgresServer } from '../../packages/store-postgres/test/postgresServer.ts';
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
    // Nor list, rename or delete passkeys (the management routes of both adapters).
    expect((await call('GET', '/mfa/passkey/credentials', { token: pending })).status).toBe(401);
    expect((await call('PATCH', `/mfa/passkey/credentials/${credential.id}`, { token: pending, body: { name: 'mine' } })).status).toBe(401);
    expect((await call('DELETE', `/mfa/passkey/credentials/${credential.id}`, { token: pending })).status).toBe(401);
    expect((await call('GET', '/api/v3/webauthn/registration', { token: pending })).body.apiCode).toBe(40101);

    const options = (await call('POST', '/mfa/passkey/auth-options', { token: pending })).body.data;
    const assertion = await authenticator.authenticate(options, server.url);
    expect((await call('POST', '/mfa/passkey/auth-verify', { token: pending, body: { credential: assertion } })).status).toBe(200);
    expect((await call('GET', '/demo/me', { token: pending })).body.data).toEqual({ name: 'ada' });
    expect((await call('GET', '/mfa/passkey/credentials', { token: pending })).body.data).toMatchObject({ passkeys: [{ id: credential.id, algorithm: 'ES256' }] });
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

  it("never lets one account see, rename or remove another's passkey", async () => {
    const { server, call } = await demo();
    const ada = (await call('POST', '/demo/accounts', { body: { name: 'ada' } })).body.data.token;
    const eve = (await call('POST', '/demo/accounts', { body: { name: 'eve' } })).body.data.token;
    const creation = (await call('POST', '/mfa/passkey/registration-options', { token: ada })).body.data;
    const credential = await new SoftwareAuthenticator({ algorithm: 'EdDSA' }).register(creation, server.url);
    await call('POST', '/mfa/passkey/complete-registration', { token: ada, body: { credential, challenge: creation.challenge } });
    for (const method of ['PATCH', 'DELETE'] as const) {
      const reply = await call(method, `/mfa/passkey/credentials/${credential.id}`, { token: eve, body: method === 'PATCH' ? { name: 'mine' } : undefined });
      expect(reply).toMatchObject({ status: 404, body: { success: false, code: 'credential_not_found' } });
    }
    expect((await call('GET', '/mfa/passkey/credentials', { token: eve })).body.data).toEqual({ passkeys: [] });
    expect((await server.credentials.get(credential.id))?.name).toBeUndefined();
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

/** The command line (`npx -y pnpm@10.34.9 demo` runs `tsx --conditions=@tessera/source server.ts`), as a child process. */

const DEMO_DIR = fileURLToPath(new URL('..', import.meta.url));
const children: ChildProcess[] = [];
const tempDirs: string[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await Promise.all(tempDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

interface Run {
  /** The demo's address once it printed it; rejects if it exits first. */
  ready: Promise<string>;
  /** How it ended, with everything it printed. */
  exit: Promise<{ code: number | null; stdout: string; stderr: string }>;
  child: ChildProcess;
}

/** Runs `server.ts` with these arguments, without the caller's `PORT` or `DATABASE_URL` unless given. */
function runDemo(args: string[], env: Record<string, string> = {}): Run {
  const { PORT: _port, DATABASE_URL: _url, ...inherited } = process.env;
  const child = spawn(process.execPath, ['--conditions=@tessera/source', '--import', 'tsx', 'server.ts', ...args], {
    cwd: DEMO_DIR,
    env: { ...inherited, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => (stdout += chunk));
  child.stderr?.on('data', (chunk) => (stderr += chunk));
  const exit = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.once('exit', (code) => resolve({ code, stdout, stderr })),
  );
  const ready = new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', () => {
      const url = /running at (http:\/\/localhost:\d+)/.exec(stdout)?.[1];
      if (url !== undefined && stdout.includes('Stop it with Ctrl+C.')) resolve(url);
    });
    void exit.then(({ code }) => reject(new Error(`The demo exited (${code}) before it was ready: ${stderr}`)));
  });
  ready.catch(() => {}); // awaited only by the tests that expect a start
  return { ready, exit, child };
}

/** Stops a running demo as Ctrl+C would and returns how it ended. */
async function stop(run: Run) {
  run.child.kill('SIGINT');
  return run.exit;
}

async function createAccountOver(url: string, name: string): Promise<number> {
  const response = await fetch(`${url}/demo/accounts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name }) });
  return response.status;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-demo-cli-'));
  tempDirs.push(dir);
  return dir;
}

describe('the demo command', () => {
  it('keeps accounts in PGlite in the --data directory across a restart', { timeout: 120_000 }, async () => {
    const dataDir = join(await tempDir(), 'data');
    const first = runDemo(['--port', '0', '--data', dataDir]);
    const url = await first.ready;
    expect(await createAccountOver(url, 'ada')).toBe(201);
    const ended = await stop(first);
    expect(ended.code).toBe(0);
    expect(ended.stdout).toContain(`Accounts and passkeys: PGlite at ${dataDir}.`);
    expect(ended.stdout).toContain('a restart signs everyone out');
    expect(ended.stdout).toContain(`rm -rf ${dataDir}`);
    expect(existsSync(join(dataDir, 'PG_VERSION'))).toBe(true);

    const second = runDemo([`--data=${dataDir}`, '--port=0']);
    expect(await createAccountOver(await second.ready, 'ADA')).toBe(409);
    expect((await stop(second)).code).toBe(0);
  });

  it('keeps accounts in the PostgreSQL server DATABASE_URL names, in the demo\'s own table', { timeout: 120_000 }, async () => {
    const postgres = await startPostgresServer();
    try {
      const env = { DATABASE_URL: postgres.url };
      const first = runDemo(['--port', '0'], env);
      expect(await createAccountOver(await first.ready, 'ada')).toBe(201);
      const ended = await stop(first);
      expect(ended.stdout).toContain(`Accounts and passkeys: PostgreSQL at ${postgres.url}.`);
      expect(ended.code).toBe(0);
      const second = runDemo(['--port', '0'], env);
      expect(await createAccountOver(await second.ready, 'Ada')).toBe(409);
      expect((await stop(second)).code).toBe(0);
      const client = new pg.Client({ connectionString: postgres.url });
      await client.connect();
      try {
        expect((await client.query('SELECT name FROM tessera_demo_accounts')).rows).toEqual([{ name: 'ada' }]);
        expect((await client.query('SELECT max(version) AS version FROM tessera_schema_migrations')).rows).toEqual([{ version: 1 }]);
      } finally {
        await client.end();
      }
    } finally {
      await postgres.stop();
    }
  });

  it('keeps nothing with --memory, which beats DATABASE_URL', { timeout: 60_000 }, async () => {
    const env = { DATABASE_URL: `postgres://demo@127.0.0.1:${await freePort()}/nowhere` };
    for (let run = 0; run < 2; run++) {
      const demo = runDemo(['--memory', '--port', '0'], env);
      expect(await createAccountOver(await demo.ready, 'ada')).toBe(201);
      const ended = await stop(demo);
      expect(ended.stdout).toContain('Accounts and passkeys: memory (gone when the demo stops).');
      expect(ended.code).toBe(0);
    }
  });

  it('stops with a clear message and exit code 1 when DATABASE_URL cannot be used, never a stack trace or the password', { timeout: 60_000 }, async () => {
    const port = await freePort();
    const refused = await runDemo(['--port', '0'], { DATABASE_URL: `postgres://demo:s3cret-pw@127.0.0.1:${port}/tessera` }).exit;
    expect(refused.code).toBe(1);
    expect(refused.stdout).not.toContain('running at');
    expect(refused.stderr).toContain(`The demo could not open its storage. Could not prepare the tables in PostgreSQL at postgres://demo:***@127.0.0.1:${port}/tessera`);
    expect(refused.stderr).toContain('ECONNREFUSED');
    expect(refused.stderr).not.toContain('s3cret-pw');
    expect(refused.stderr).not.toMatch(/\n\s+at /);

    const wrongScheme = await runDemo(['--port', '0'], { DATABASE_URL: 'mysql://demo@localhost/tessera' }).exit;
    expect(wrongScheme).toMatchObject({ code: 1, stderr: expect.stringContaining('DATABASE_URL must start with postgres:// or postgresql://, not mysql://.') });
    const notAUrl = await runDemo(['--port', '0'], { DATABASE_URL: 'localhost:5432' }).exit;
    expect(notAUrl).toMatchObject({ code: 1, stderr: expect.stringContaining('DATABASE_URL') });
    expect(notAUrl.stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses contradictory or unknown options with a message and exit code 1', { timeout: 60_000 }, async () => {
    const both = await runDemo(['--memory', '--data', '/tmp/x']).exit;
    expect(both).toMatchObject({ code: 1, stderr: expect.stringContaining('Choose one: --memory keeps nothing') });
    const empty = await runDemo(['--data']).exit;
    expect(empty).toMatchObject({ code: 1, stderr: expect.stringContaining('--data needs a directory') });
    const typo = await runDemo(['--memroy']).exit;
    expect(typo).toMatchObject({ code: 1, stderr: expect.stringContaining('Unknown option --memroy.') });
  });
});

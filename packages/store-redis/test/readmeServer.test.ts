/*
 * The README's Redis example, run as it is written: the first TypeScript block of the README's
 * "Redis: @tessera/store-redis" section is copied into a file, preceded only by what the snippet leaves to
 * the application (`credentials` and `sessions`), and started in a child process with tsx against a real
 * redis-server on 127.0.0.1. Redis is killed mid-run: the process must stay up and answer 5xx envelopes,
 * then serve new ceremonies once Redis is back, without ever accepting a ceremony twice.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SoftwareAuthenticator } from '@tessera/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisServer } from './redisServer.ts';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const ORIGIN = 'https://example.com';

/** The first ```ts block after the README heading of the Redis store. */
function readmeSnippet(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('#### Redis: `@tessera/store-redis`'));
  const match = /```ts\n([\s\S]*?)```/.exec(section);
  if (match === null || !section.startsWith('#### Redis')) throw new Error('the README has no Redis snippet');
  return match[1]!;
}

/** What the snippet leaves to the application: its credential database and its sessions. */
const APPLICATION = `
import { MemoryCredentialStore } from '@tessera/core';
const credentials = new MemoryCredentialStore();
const sessions = {
  userForBearer: (header: string | undefined) => (header === 'Bearer token-ada' ? { id: 'user-ada', name: 'ada@example.com' } : null),
};
`;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

let redis: RedisServer;
let child: ChildProcess;
let workDir: string;
let base: string;
let output = '';

const alive = (): boolean => child.exitCode === null && child.signalCode === null;

async function post(path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(base + path, {
    method: 'POST',
    headers: { authorization: 'Bearer token-ada', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  redis = await startRedisServer();
  // Inside the package, so the snippet's imports resolve as they would in an application.
  workDir = mkdtempSync(join(here, '.readme-'));
  const file = join(workDir, 'server.ts');
  writeFileSync(file, APPLICATION + readmeSnippet());
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  child = spawn(process.execPath, ['--conditions=@tessera/source', '--import', 'tsx', file], {
    cwd: root,
    env: { ...process.env, REDIS_URL: redis.url, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk: Buffer) => void (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => void (output += chunk.toString()));
  const started = Date.now();
  for (;;) {
    if (!alive()) throw new Error(`the README server exited: ${output}`);
    if (Date.now() - started > 30_000) throw new Error(`the README server did not listen within 30 s: ${output}`);
    try {
      await fetch(base, { signal: AbortSignal.timeout(1_000) });
      break;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}, 60_000);

afterAll(async () => {
  if (child !== undefined && alive()) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  await redis?.stop();
  if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true });
});

describe('the README Redis server, in a child process, when Redis dies and comes back', () => {
  const authenticator = new SoftwareAuthenticator();
  type CreationOptions = Parameters<SoftwareAuthenticator['register']>[0];
  type RequestOptions = Parameters<SoftwareAuthenticator['authenticate']>[0];

  it('registers a passkey while Redis is up', async () => {
    const options = await post('/mfa/passkey/registration-options');
    expect(options.status).toBe(200);
    const creationOptions = options.json['data'] as CreationOptions;
    const credential = await authenticator.register(creationOptions, ORIGIN);
    const completed = await post('/mfa/passkey/complete-registration', { credential, challenge: creationOptions.challenge });
    expect(completed).toEqual({ status: 200, json: { success: true, message: 'Passkey registration completed' } });
  });

  it('stays up through the outage with 5xx envelopes, recovers, and never accepts a ceremony twice', async () => {
    const before = await post('/mfa/passkey/auth-options');
    expect(before.status).toBe(200);
    const startedBefore = await authenticator.authenticate(before.json['data'] as RequestOptions, ORIGIN);

    await redis.kill();
    // Long enough for node-redis to report the disconnect and fail several reconnect attempts.
    for (let attempt = 0; attempt < 3; attempt++) {
      for (const request of [() => post('/mfa/passkey/auth-options'), () => post('/mfa/passkey/auth-verify', { credential: startedBefore })]) {
        const answer = await request();
        expect(answer.status, JSON.stringify(answer.json)).toBeGreaterThanOrEqual(500);
        expect(answer.status).toBeLessThan(600);
        expect(answer.json).toMatchObject({ success: false, error: expect.any(String) });
        expect(alive(), output).toBe(true);
      }
    }
    expect(output, 'the snippet’s listener reported the outage').toMatch(/Redis:/);
    expect(alive(), output).toBe(true);

    await redis.restart();
    const deadline = Date.now() + 20_000;
    let options = await post('/mfa/passkey/auth-options');
    while (options.status !== 200 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      options = await post('/mfa/passkey/auth-options');
    }
    expect(options.status, 'a new ceremony starts once Redis is back').toBe(200);
    const assertion = await authenticator.authenticate(options.json['data'] as RequestOptions, ORIGIN);
    const verified = await post('/mfa/passkey/auth-verify', { credential: assertion });
    expect(verified.status).toBe(200);
    expect(verified.json).toMatchObject({ success: true, data: { verified: true } });

    const replay = await post('/mfa/passkey/auth-verify', { credential: assertion });
    expect(replay.status).toBe(400);
    expect(replay.json).toMatchObject({ success: false, code: 'ticket_not_found' });
    const late = await post('/mfa/passkey/auth-verify', { credential: startedBefore });
    expect(late.status).toBe(400);
    expect(late.json).toMatchObject({ success: false, code: 'ticket_not_found' });
    expect(alive(), output).toBe(true);
  }, 60_000);
});

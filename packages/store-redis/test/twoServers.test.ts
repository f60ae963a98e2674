/*
 * Many servers, one Redis (issue: a team behind a load balancer). Two Express apps with the passkey router,
 * each with its own relying party and Redis connection, share one redis-server: options fetched from one
 * are finished on the other; a replay on the first fails; and when Redis goes down both adapters answer with
 * their documented 5xx envelopes, then recover.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { passkeyRouter } from '@tessera/adapter-express';
import { createGenAuthHandler } from '@tessera/adapter-genauth';
import { toNodeListener } from '@tessera/adapter-genauth/node';
import { MemoryCredentialStore, createRelyingParty, userHandleFromId } from '@tessera/core';
import { SoftwareAuthenticator } from '@tessera/core/testing';
import express from 'express';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisChallengeStore } from '../src/redisChallengeStore.ts';
import { startRedisServer, type RedisServer } from './redisServer.ts';

/** The public origin users see, whichever server answers behind the load balancer. */
const ORIGIN = 'http://localhost:8443';
const USERS: Record<string, { id: string; name: string }> = { 'token-ada': { id: 'user-ada', name: 'ada@example.com' } };

let redis: RedisServer;
const closers: Array<() => Promise<unknown>> = [];
const credentials = new MemoryCredentialStore(); // the application's database, shared by both servers
const logged: unknown[] = [];

async function server(kind: 'express' | 'genauth'): Promise<string> {
  const client = createClient({ url: redis.url, socket: { reconnectStrategy: (retries) => Math.min(50 * (retries + 1), 300) } });
  client.on('error', () => undefined);
  await client.connect();
  closers.push(async () => client.destroy());
  const relyingParty = createRelyingParty({
    rpId: 'localhost',
    rpName: 'Example',
    origins: [ORIGIN],
    challengeStore: new RedisChallengeStore({ client, commandTimeoutMs: 300 }),
    credentialStore: credentials,
  });
  const authenticate = (request: { headers: { get?(name: string): string | null; authorization?: string } }) => {
    const header = typeof request.headers.get === 'function' ? request.headers.get('authorization') : request.headers.authorization;
    return USERS[(header ?? '').replace(/^Bearer /, '')] ?? null;
  };
  const logger = { error: (_message: string, details: Record<string, unknown>) => void logged.push(details) };
  let listener: Server;
  if (kind === 'express') {
    const app = express();
    app.use(passkeyRouter({ relyingParty, authenticate: async (req) => authenticate(req as never), logger }));
    listener = createServer(app);
  } else {
    const handler = createGenAuthHandler({ relyingParty, authenticate: async (request) => authenticate(request as never), logger });
    listener = createServer(toNodeListener(handler));
  }
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  closers.push(() => new Promise((resolve) => listener.close(resolve)));
  return `http://127.0.0.1:${(listener.address() as AddressInfo).port}`;
}

async function post(base: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(base + path, {
    method: 'POST',
    headers: { authorization: 'Bearer token-ada', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

let serverA: string;
let serverB: string;
let genAuth: string;

beforeAll(async () => {
  redis = await startRedisServer();
  serverA = await server('express');
  serverB = await server('express');
  genAuth = await server('genauth');
});

afterAll(async () => {
  for (const close of closers.reverse()) await close();
  await redis.stop();
});

describe('two Express servers, one Redis', () => {
  const authenticator = new SoftwareAuthenticator();

  it('registers on A and completes on B, then signs in on A and verifies on B; a replay on A fails', async () => {
    const registration = await post(serverA, '/mfa/passkey/registration-options');
    expect(registration.status).toBe(200);
    const creationOptions = registration.json['data'] as Parameters<SoftwareAuthenticator['register']>[0];
    const credential = await authenticator.register(creationOptions, ORIGIN);
    const completed = await post(serverB, '/mfa/passkey/complete-registration', { credential, challenge: creationOptions.challenge });
    expect(completed).toEqual({ status: 200, json: { success: true, message: 'Passkey registration completed' } });
    expect(await credentials.listByUser(userHandleFromId('user-ada'))).toHaveLength(1);

    const options = await post(serverA, '/mfa/passkey/auth-options');
    expect(options.status).toBe(200);
    const assertion = await authenticator.authenticate(options.json['data'] as Parameters<SoftwareAuthenticator['authenticate']>[0], ORIGIN);
    const verified = await post(serverB, '/mfa/passkey/auth-verify', { credential: assertion });
    expect(verified.status).toBe(200);
    expect(verified.json).toMatchObject({ success: true, data: { verified: true } });

    const replay = await post(serverA, '/mfa/passkey/auth-verify', { credential: assertion });
    expect(replay.status).toBe(400);
    expect(replay.json).toMatchObject({ success: false, code: 'ticket_not_found' });
  });

  it('answers the documented 5xx envelopes while Redis is down, and recovers; no ticket from before is accepted twice', async () => {
    const before = await post(serverA, '/mfa/passkey/auth-options');
    const assertion = await authenticator.authenticate(before.json['data'] as Parameters<SoftwareAuthenticator['authenticate']>[0], ORIGIN);

    const loggedBefore = logged.length;
    await redis.kill();
    const down = await post(serverA, '/mfa/passkey/auth-options');
    expect(down).toEqual({ status: 503, json: { success: false, error: 'The service is temporarily unavailable. Try again shortly.', code: 'store_unavailable' } });
    const genAuthDown = await fetch(`${genAuth}/api/v3/webauthn/authentication`);
    expect(genAuthDown.status).toBeGreaterThanOrEqual(500);
    expect(await genAuthDown.json()).toMatchObject({ statusCode: genAuthDown.status, apiCode: expect.any(Number), requestId: expect.any(String) });
    expect(logged.length, 'the outage reached the logger').toBeGreaterThan(loggedBefore);

    await redis.restart();
    await expect.poll(async () => (await post(serverB, '/mfa/passkey/auth-options')).status, { timeout: 10_000 }).toBe(200);
    expect((await fetch(`${genAuth}/api/v3/webauthn/authentication`)).status).toBe(200);
    // The ceremony started before the outage died with Redis's data: it fails, and can never succeed twice.
    for (const base of [serverA, serverB]) {
      const late = await post(base, '/mfa/passkey/auth-verify', { credential: assertion });
      expect(late.status).toBe(400);
      expect(late.json).toMatchObject({ success: false, code: 'ticket_not_found' });
    }
  });
});

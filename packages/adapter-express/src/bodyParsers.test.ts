import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MemoryChallengeStore, MemoryCredentialStore, createRelyingParty } from '@tessera/core';
import express, { type RequestHandler } from 'express';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { passkeyRouter } from './passkeyRouter.ts';

const ORIGIN = 'http://localhost';
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** An app whose own body parser runs before the router, as applications often mount one globally. */
async function behind(parser: RequestHandler): Promise<{ post(path: string, body: string, contentType: string): Promise<{ status: number; body: unknown }>; logger: { error: ReturnType<typeof vi.fn> } }> {
  const relyingParty = createRelyingParty({
    rpId: 'localhost',
    rpName: 'Tessera test',
    origins: [ORIGIN],
    challengeStore: new MemoryChallengeStore({ sweepIntervalMs: 0 }),
    credentialStore: new MemoryCredentialStore(),
  });
  const logger = { error: vi.fn() };
  const app = express();
  app.use(parser);
  app.use(passkeyRouter({ relyingParty, logger, authenticate: () => ({ id: 'alice', name: 'alice@example.com' }) }));
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    logger,
    async post(path, body, contentType) {
      const response = await fetch(base + path, { method: 'POST', headers: { 'content-type': contentType }, body });
      return { status: response.status, body: (await response.json()) as unknown };
    },
  };
}

describe('passkeyRouter behind the application’s own body parser', () => {
  it.each([
    ['express.urlencoded', express.urlencoded({ extended: true }), 'credential[id]=abc&credential[type]=public-key&challenge=x', 'application/x-www-form-urlencoded'],
    ['express.text', express.text({ type: 'text/plain' }), '{"credential":{},"challenge":"x"}', 'text/plain'],
  ] as const)('refuses a form a cross-site page could post (%s): 415, never read as the body', async (_name, parser, body, contentType) => {
    const app = await behind(parser);
    for (const path of ['/mfa/passkey/complete-registration', '/mfa/passkey/auth-verify']) {
      const answer = await app.post(path, body, contentType);
      expect(answer.status, path).toBe(415);
      expect(answer.body).toMatchObject({ success: false, code: 'unsupported_media_type' });
    }
    expect(app.logger.error).not.toHaveBeenCalled();
  });

  it('takes a JSON body that express.json() already parsed, and judges it by the route’s schema', async () => {
    const app = await behind(express.json());
    const answer = await app.post('/mfa/passkey/auth-verify', '{"credential":"not an object"}', 'application/json');
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ success: false, code: 'invalid_request' });
  });
});

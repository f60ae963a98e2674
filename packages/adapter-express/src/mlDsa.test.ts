import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MemoryChallengeStore, MemoryCredentialStore, createRelyingParty, type CoseAlgorithm } from '@tessera/core';
import { SoftwareAuthenticator } from '@tessera/core/testing';
import express from 'express';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { authOptionsEnvelopeSchema, failureEnvelopeSchema, passkeyRouter, registrationOptionsEnvelopeSchema } from './index.ts';

/*
 * ML-DSA credentials (RFC 9964) over real HTTP: the largest, ML-DSA-87 (a 2.6 KB key, 4.6 KB signatures), is
 * enrolled and signs in through the router when the relying party offers it; a tampered signature is a 400, and
 * a relying party that does not offer ML-DSA refuses the credential with a 400.
 */

const ORIGIN = 'http://localhost:3000';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** A real Express 5 app on 127.0.0.1 with the router, offering `algorithms` (default: the library's). */
async function start(algorithms?: CoseAlgorithm[]) {
  const credentials = new MemoryCredentialStore();
  const relyingParty = createRelyingParty({
    rpId: 'localhost',
    rpName: 'Tessera ML-DSA',
    origins: [ORIGIN],
    challengeStore: new MemoryChallengeStore({ sweepIntervalMs: 0 }),
    credentialStore: credentials,
    ...(algorithms === undefined ? {} : { algorithms }),
  });
  const logger = { error: vi.fn() };
  const app = express();
  app.use(passkeyRouter({ relyingParty, authenticate: () => ({ id: 'alice-0001' }), logger }));
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  async function post(path: string, json?: unknown): Promise<{ status: number; body: unknown }> {
    const headers: Record<string, string> = { accept: 'application/json', authorization: 'Bearer alice' };
    if (json !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(base + path, { method: 'POST', headers, ...(json === undefined ? {} : { body: JSON.stringify(json) }) });
    return { status: response.status, body: await response.json() };
  }
  return { post, credentials, logger };
}
type Harness = Awaited<ReturnType<typeof start>>;

async function register(harness: Harness, authenticator: SoftwareAuthenticator) {
  const creation = registrationOptionsEnvelopeSchema.parse((await harness.post('/mfa/passkey/registration-options')).body).data;
  const credential = await authenticator.register(creation, ORIGIN);
  return { creation, credential, completed: await harness.post('/mfa/passkey/complete-registration', { credential, challenge: creation.challenge }) };
}

async function signIn(harness: Harness, authenticator: SoftwareAuthenticator, change: (signature: string) => string = (signature) => signature) {
  const options = authOptionsEnvelopeSchema.parse((await harness.post('/mfa/passkey/auth-options')).body).data;
  const credential = await authenticator.authenticate(options, ORIGIN);
  const changed = { ...credential, response: { ...credential.response, signature: change(credential.response.signature) } };
  return harness.post('/mfa/passkey/auth-verify', { credential: changed });
}

const flipLastByte = (signature: string): string => {
  const bytes = Buffer.from(signature, 'base64url');
  bytes[bytes.length - 1]! ^= 0x01;
  return bytes.toString('base64url');
};

describe('passkeyRouter with ML-DSA credentials', () => {
  it('offers ML-DSA-87 when configured, enrols it, signs in; a tampered signature or one of another length is a 400', async () => {
    const harness = await start([-50, -7]);
    const authenticator = new SoftwareAuthenticator({ algorithm: 'ML-DSA-87' });
    const { creation, credential, completed } = await register(harness, authenticator);
    expect(creation.pubKeyCredParams.map(({ alg }) => alg)).toEqual([-50, -7]);
    expect(completed.status).toBe(200);
    expect((await harness.credentials.get(credential.id))?.publicKey.length).toBeGreaterThan(2592);

    expect((await signIn(harness, authenticator)).status).toBe(200);
    const tampered = await signIn(harness, authenticator, flipLastByte);
    expect(tampered.status).toBe(400);
    expect(failureEnvelopeSchema.parse(tampered.body)).toMatchObject({ code: 'invalid_signature' });
    const short = await signIn(harness, authenticator, (signature) => Buffer.from(signature, 'base64url').subarray(1).toString('base64url'));
    expect(short.status).toBe(400);
    expect(failureEnvelopeSchema.parse(short.body)).toMatchObject({ code: 'malformed_response' });
    expect(harness.logger.error).not.toHaveBeenCalled();
  });

  it('refuses an ML-DSA credential with a 400 when the relying party does not offer ML-DSA (the default)', async () => {
    const harness = await start();
    const authenticator = new SoftwareAuthenticator({ algorithm: 'ML-DSA-44' });
    const { creation, credential, completed } = await register(harness, authenticator);
    expect(creation.pubKeyCredParams.map(({ alg }) => alg)).not.toContain(-48);
    expect(completed.status).toBe(400);
    expect(failureEnvelopeSchema.parse(completed.body)).toMatchObject({ code: 'unsupported_algorithm' });
    expect(await harness.credentials.get(credential.id)).toBeUndefined();
    expect(harness.logger.error).not.toHaveBeenCalled();
  });
});

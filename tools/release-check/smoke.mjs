/**
 * Smoke test for the Tessera packages as a consumer installs them. `check.mjs` copies this file into two
 * scratch npm projects outside the workspace, one with the four packed tarballs and one with the four
 * package folders linked (`file:`), each beside express@5 and redis@6, and runs it with plain `node`, which
 * resolves the packages' `default` exports: the built `dist/` JavaScript.
 *
 * Every public entry point is imported by its published name and actually used. Any thrown error or failed
 * assertion exits non-zero. Each step prints one line so a failure is easy to place.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import {
  MemoryChallengeStore,
  MemoryCredentialStore,
  base64url,
  buildAuthenticationOptions,
  buildRegistrationOptions,
  createRelyingParty,
  userHandleFromId,
} from '@tessera/core';
import { SoftwareAuthenticator, sampleChallengeRecord } from '@tessera/core/testing';
import { adapterUserSchema, registrationUserOf } from '@tessera/core/adapter';
import { AUTH_OPTIONS_PATH, authOptionsEnvelopeSchema, passkeyRouter } from '@tessera/adapter-express';
import {
  GENAUTH_ROUTES,
  createGenAuthHandler,
  getAuthenticationOptionsRespDtoSchema,
  getRegistrationOptionsRespDtoSchema,
} from '@tessera/adapter-genauth';
import { toNodeListener } from '@tessera/adapter-genauth/node';
import { RedisChallengeStore } from '@tessera/store-redis';
import { PostgresChallengeStore, PostgresCredentialStore, migrate } from '@tessera/store-postgres';
import { FIDO_MDS_ROOT_FINGERPRINT_SHA256, MetadataService, fidoMdsRootCertificate, verifyMetadataBlob } from '@tessera/metadata';
import { PGlite } from '@electric-sql/pglite';
import express from 'express';
import { createClient } from 'redis';

const ORIGIN = 'https://example.com';
const step = (message) => console.log(`smoke: ${message}`);

// @tessera/core: building request options directly.
const user = { id: base64url.encode(new TextEncoder().encode('smoke-user')), name: 'smoke@example.com', displayName: 'Smoke' };
const creation = buildRegistrationOptions({ rpId: 'example.com', rpName: 'Example', user });
assert.equal(creation.rp.id, 'example.com');
assert.equal(creation.user.id, user.id);
const request = buildAuthenticationOptions({ rpId: 'example.com' });
assert.equal(request.rpId, 'example.com');
assert.ok(request.challenge.length > 0);
step('@tessera/core builds registration and authentication options');

// @tessera/core + @tessera/core/testing: a full register, then sign in, with a software authenticator.
const challengeStore = new MemoryChallengeStore({ sweepIntervalMs: 0 });
const credentials = new MemoryCredentialStore();
const relyingParty = createRelyingParty({ rpId: 'example.com', rpName: 'Example', origins: [ORIGIN], challengeStore, credentialStore: credentials });
const authenticator = new SoftwareAuthenticator({ algorithm: 'ES256' });
const registration = await relyingParty.startRegistration({ user });
const { credential } = await relyingParty.finishRegistration({
  ticket: registration.ticket,
  response: await authenticator.register(registration.options, ORIGIN),
});
assert.deepEqual(await credentials.get(credential.id), credential); // finishRegistration stored it
const signIn = await relyingParty.startAuthentication({ userId: user.id, allowCredentials: [{ id: credential.id }] });
const verified = await relyingParty.finishAuthentication({
  ticket: signIn.ticket,
  response: await authenticator.authenticate(signIn.options, ORIGIN),
});
assert.equal(verified.verified, true);
assert.equal(verified.userId, user.id);
assert.equal(verified.credentialId, credential.id);
step('@tessera/core + /testing: registered and signed in with a SoftwareAuthenticator');

// @tessera/core/adapter: the helpers the adapters share.
const adapterUser = adapterUserSchema.parse({ id: 'smoke-user', name: 'smoke@example.com' });
const registrationUser = registrationUserOf(adapterUser, userHandleFromId(adapterUser.id));
assert.deepEqual(registrationUser, { id: userHandleFromId('smoke-user'), name: 'smoke@example.com', displayName: 'smoke@example.com' });
step('@tessera/core/adapter: adapterUserSchema and registrationUserOf work');

// @tessera/adapter-express: mount the router on a real Express 5 app and ask for sign-in options over HTTP.
const app = express();
app.use(
  passkeyRouter({
    relyingParty: createRelyingParty({
      rpId: 'localhost',
      rpName: 'Smoke',
      origins: ['http://localhost:3000'],
      challengeStore,
      credentialStore: new MemoryCredentialStore(),
    }),
    authenticate: async (req) => (req.get('authorization') === 'Bearer smoke' ? { id: 'smoke-user' } : null),
  }),
);
const server = app.listen(0, '127.0.0.1');
await new Promise((resolve, reject) => server.once('listening', resolve).once('error', reject));
try {
  const { port } = server.address();
  const response = await fetch(`http://127.0.0.1:${port}${AUTH_OPTIONS_PATH}`, {
    method: 'POST',
    headers: { accept: 'application/json', authorization: 'Bearer smoke' },
  });
  assert.equal(response.status, 200, `auth-options answered ${response.status}`);
  const envelope = authOptionsEnvelopeSchema.parse(await response.json());
  assert.equal(envelope.success, true);
  assert.equal(envelope.data.rpId, 'localhost');
} finally {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}
step(`@tessera/adapter-express: POST ${AUTH_OPTIONS_PATH} over 127.0.0.1 answered a valid envelope`);

// @tessera/adapter-genauth: call the Fetch API handler with a plain Request, no server.
const handler = createGenAuthHandler({
  relyingParty,
  authenticate: async (req) => (req.headers.get('authorization') === 'Bearer smoke' ? { id: 'smoke-user', name: 'smoke@example.com' } : null),
});
const genAuthResponse = await handler(
  new Request(`https://example.com${GENAUTH_ROUTES.registration}`, { headers: { authorization: 'Bearer smoke' } }),
);
assert.equal(genAuthResponse.status, 200, `GenAuth registration answered ${genAuthResponse.status}`);
const dto = getRegistrationOptionsRespDtoSchema.parse(await genAuthResponse.json());
assert.equal(dto.statusCode, 200);
step(`@tessera/adapter-genauth: GET ${GENAUTH_ROUTES.registration} answered registration options`);

// @tessera/adapter-genauth/node: the same handler on node:http over 127.0.0.1.
const nodeServer = createHttpServer(toNodeListener(handler));
await new Promise((resolve) => nodeServer.listen(0, '127.0.0.1', resolve));
try {
  const reply = await fetch(`http://127.0.0.1:${nodeServer.address().port}${GENAUTH_ROUTES.authentication}`);
  assert.equal(reply.status, 200, `GenAuth authentication answered ${reply.status}`);
  assert.equal(getAuthenticationOptionsRespDtoSchema.parse(await reply.json()).statusCode, 200);
} finally {
  nodeServer.closeAllConnections();
  await new Promise((resolve) => nodeServer.close(resolve));
}
step(`@tessera/adapter-genauth/node: GET ${GENAUTH_ROUTES.authentication} over 127.0.0.1 answered authentication options`);

// @tessera/store-redis: a real redis-server on a free loopback port (Debian's, which .ci/run installs) and the
// real `redis` client, as a user would run them.
const redisPort = await freeLoopbackPort();
const redisServer = spawn(process.env.REDIS_SERVER ?? 'redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
  stdio: ['ignore', 'pipe', 'pipe'],
});
try {
  await untilReady(redisServer);
  const client = createClient({ url: `redis://127.0.0.1:${redisPort}` });
  client.on('error', (error) => console.error('smoke: redis client:', error.message));
  await client.connect();
  const redisStore = new RedisChallengeStore({ client, prefix: 'smoke:' });
  const record = sampleChallengeRecord(1);
  await redisStore.save('ticket-1', record, 60_000);
  assert.equal(await client.exists('smoke:ticket-1'), 1, 'save wrote under the prefix');
  assert.deepEqual(await redisStore.consume('ticket-1'), record);
  assert.equal(await redisStore.consume('ticket-1'), undefined, 'a record is consumed only once');
  client.destroy();
  step(`@tessera/store-redis: RedisChallengeStore saved and consumed through redis-server on 127.0.0.1:${redisPort}`);
} finally {
  redisServer.kill('SIGKILL');
}

// @tessera/store-postgres on PGlite (embedded, no server): migrate, then both stores through a real ceremony.
{
  const db = new PGlite();
  try {
    await migrate(db);
    await migrate(db); // idempotent
    const pgChallenges = new PostgresChallengeStore({ db });
    const pgCredentials = new PostgresCredentialStore({ db });
    const record = sampleChallengeRecord(2);
    await pgChallenges.save('ticket-2', record, 60_000);
    assert.deepEqual(await pgChallenges.consume('ticket-2'), record);
    assert.equal(await pgChallenges.consume('ticket-2'), undefined, 'a record is consumed only once');
    await pgCredentials.create(credential);
    assert.deepEqual(await pgCredentials.get(credential.id), credential);
    assert.deepEqual(await pgCredentials.listByUser(credential.userId), [{ id: credential.id, transports: credential.transports }]);
    step('@tessera/store-postgres: migrate, PostgresChallengeStore and PostgresCredentialStore on PGlite');
  } finally {
    await db.close();
  }
}

// @tessera/metadata: the pinned root hashes to its fingerprint; a BLOB that is not a JWS and a service without a
// BLOB are refused with their codes (no network: the service's fetch is injected).
{
  const { createHash } = await import('node:crypto');
  assert.equal(createHash('sha256').update(fidoMdsRootCertificate()).digest('hex'), FIDO_MDS_ROOT_FINGERPRINT_SHA256);
  await assert.rejects(verifyMetadataBlob({ blob: 'not.a.blob' }), { code: 'invalid_metadata' });
  const offline = new MetadataService({ source: { url: 'https://mds3.fidoalliance.org/', fetch: () => Promise.reject(new Error('offline')) } });
  await assert.rejects(offline.load(), { code: 'metadata_unavailable' });
  assert.equal(offline.describeAuthenticator('00000000-0000-0000-0000-000000000000'), undefined);
  step('@tessera/metadata: pinned MDS3 root, BLOB refusal and an offline MetadataService');
}

/** A free TCP port on 127.0.0.1. */
function freeLoopbackPort() {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** Resolves when redis-server says it accepts connections; fails after 10 s or if it cannot start. */
function untilReady(child) {
  return new Promise((resolve, reject) => {
    let output = '';
    const deadline = setTimeout(() => reject(new Error(`redis-server did not start: ${output}`)), 10_000);
    child.once('error', (error) => {
      clearTimeout(deadline);
      reject(new Error(`redis-server could not start (install it: apt-get install -y redis-server): ${error.message}`));
    });
    const onData = (chunk) => {
      output += chunk;
      if (/Ready to accept connections/i.test(output)) {
        clearTimeout(deadline);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
  });
}

console.log('smoke: all entry points OK');

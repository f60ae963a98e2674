import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  MemoryChallengeStore,
  MemoryCredentialStore,
  createRelyingParty,
  type AttestationConveyancePreference,
} from '@tessera/core';
import { SoftwareAuthenticator, type AttestationStatementOverride } from '@tessera/core/testing';
import express from 'express';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { authVerifyEnvelopeSchema, failureEnvelopeSchema, passkeyRouter, registrationOptionsEnvelopeSchema } from './index.ts';

/*
 * Attestation statements a client chooses (WebAuthn L3 §7.1 steps 20–21), sent to the router over a real socket:
 * an unregistered or empty fmt and a forged packed statement are 400s with the core's code, never a 500, and
 * nothing is stored; a registered format not verified yet is enrolled under 'none' and stored as fmt none.
 */

const ORIGIN = 'http://localhost:3000';
/** A registered format the core does not verify yet, if one is left. */
const USER = { id: 'alice-0001', name: 'alice@example.com', displayName: 'Alice' };

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** An Express app on 127.0.0.1 with the router, whose relying party asks for `attestation` at registration. */
async function start(attestation: AttestationConveyancePreference = 'none') {
  const credentials = new MemoryCredentialStore();
  const relyingParty = createRelyingParty({ rpId: 'localhost', rpName: 'Tessera test', origins: [ORIGIN], challengeStore: new MemoryChallengeStore({ sweepIntervalMs: 0 }), credentialStore: credentials });
  // The router's registration options come from startRegistration; requesting an attestation means wrapping it.
  const rp = { ...relyingParty, startRegistration: (input: Parameters<typeof relyingParty.startRegistration>[0]) => relyingParty.startRegistration({ ...input, attestation }) };
  const logger = { error: vi.fn() };
  const app = express();
  app.use(passkeyRouter({ relyingParty: rp, authenticate: async () => USER, logger }));
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const post = async (path: string, json?: unknown) => {
    const response = await fetch(base + path, {
      method: 'POST',
      headers: { authorization: 'Bearer alice', 'content-type': 'application/json' },
      ...(json === undefined ? {} : { body: JSON.stringify(json) }),
    });
    return { status: response.status, body: (await response.json()) as unknown };
  };
  return { post, credentials, logger };
}

/** Enrols through the router with an authenticator that sends `statement`. */
async function enrol(harness: Awaited<ReturnType<typeof start>>, statement: AttestationStatementOverride) {
  const authenticator = new SoftwareAuthenticator({ statement });
  const options = registrationOptionsEnvelopeSchema.parse((await harness.post('/mfa/passkey/registration-options')).body).data;
  const credential = await authenticator.register(options, ORIGIN);
  const reply = await harness.post('/mfa/passkey/complete-registration', { credential, challenge: options.challenge });
  return { authenticator, credential, reply };
}

describe('complete-registration: attestation statements chosen by the client', () => {
  it.each<[string, string, AttestationStatementOverride]>([
    ['fmt ""', 'unsupported_attestation_format', { fmt: '', attStmt: new Map() }],
    ['fmt "bogus"', 'unsupported_attestation_format', { fmt: 'bogus', attStmt: new Map() }],
    ['fmt "Packed"', 'unsupported_attestation_format', { fmt: 'Packed', attStmt: new Map() }],
    ['packed with a garbage signature', 'invalid_attestation', { fmt: 'packed', attStmt: new Map<string, unknown>([['alg', -7], ['sig', new Uint8Array(71).fill(7)]]) }],
    ['packed with an x5c that is no certificate', 'invalid_attestation', { fmt: 'packed', attStmt: new Map<string, unknown>([['alg', -7], ['sig', new Uint8Array(71)], ['x5c', [new Uint8Array(90)]]]) }],
    ['android-key with an x5c that is no certificate', 'invalid_attestation', { fmt: 'android-key', attStmt: new Map<string, unknown>([['alg', -7], ['sig', new Uint8Array(71)], ['x5c', [new Uint8Array(90)]]]) }],
    [
      'android-safetynet with an unsigned (alg none) JWS',
      'invalid_attestation',
      {
        fmt: 'android-safetynet',
        attStmt: new Map<string, unknown>([
          ['ver', '1'],
          ['response', new TextEncoder().encode(`${Buffer.from('{"alg":"none","x5c":[]}').toString('base64url')}.${Buffer.from('{"ctsProfileMatch":true}').toString('base64url')}.`)],
        ]),
      },
    ],
    ['apple with no certificate', 'invalid_attestation', { fmt: 'apple', attStmt: new Map<string, unknown>([['x5c', []]]) }],
    ['tpm with junk', 'invalid_attestation', { fmt: 'tpm', attStmt: new Map<string, unknown>([['ver', '2.0'], ['sig', new Uint8Array(4)]]) }],
  ])("%s under 'none' is a 400 naming %s, logs nothing and stores nothing", async (_, code, statement) => {
    const harness = await start();
    const { reply, credential } = await enrol(harness, statement);
    expect(reply.status).toBe(400);
    expect(failureEnvelopeSchema.parse(reply.body).code).toBe(code);
    expect(await harness.credentials.get(credential.id)).toBeUndefined();
    expect(harness.logger.error).not.toHaveBeenCalled();
  });

});

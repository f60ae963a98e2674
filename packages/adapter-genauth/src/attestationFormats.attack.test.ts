import {
  MemoryChallengeStore,
  MemoryCredentialStore,
  createRelyingParty,
  type AttestationConveyancePreference,
} from '@tessera/core';
import { SoftwareAuthenticator, type AttestationStatementOverride } from '@tessera/core/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { closeServers, listen } from '../test/harness.ts';
import { createGenAuthHandler } from './createGenAuthHandler.ts';
import { errorRespDtoSchema, getAuthenticationOptionsRespDtoSchema, getRegistrationOptionsRespDtoSchema, verifyAuthenticationRespDtoSchema, verifyRegistrationRespDtoSchema } from './envelopes.ts';
import { toNodeListener } from './toNodeListener.ts';

/*
 * Attestation statements a client chooses (WebAuthn L3 §7.1 steps 20–21), sent to the handler over a real
 * socket: an unregistered or empty fmt and a forged packed statement are 400s with their API codes, never a
 * 500, and nothing is stored; a registered format not verified yet is enrolled under 'none' as fmt none.
 */

const ORIGIN = 'https://example.com';
/** A registered format the core does not verify yet, if one is left. */
const REGISTRATION = '/api/v3/webauthn/registration';
const AUTHENTICATION = '/api/v3/webauthn/authentication';
const ALICE = { id: 'user-alice', name: 'alice@example.com', displayName: 'Alice' };

afterEach(closeServers);

/** The handler on 127.0.0.1, whose relying party asks for `attestation` at registration. */
async function serve(attestation: AttestationConveyancePreference = 'none') {
  const credentials = new MemoryCredentialStore();
  const relyingParty = createRelyingParty({ rpId: 'example.com', rpName: 'Example', origins: [ORIGIN], challengeStore: new MemoryChallengeStore({ sweepIntervalMs: 0 }), credentialStore: credentials });
  // The handler's options come from startRegistration; requesting an attestation means wrapping it.
  const rp = { ...relyingParty, startRegistration: (input: Parameters<typeof relyingParty.startRegistration>[0]) => relyingParty.startRegistration({ ...input, attestation }) };
  const logger = { error: vi.fn() };
  const handler = createGenAuthHandler({ relyingParty: rp, authenticate: async () => ALICE, logger });
  const baseUrl = `http://${await listen(toNodeListener(handler))}`;
  const send = async (path: string, json?: unknown) => {
    const response = await fetch(baseUrl + path, json === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(json) });
    return { status: response.status, body: (await response.json()) as unknown };
  };
  return { send, credentials, logger };
}

async function enrol(served: Awaited<ReturnType<typeof serve>>, statement: AttestationStatementOverride) {
  const authenticator = new SoftwareAuthenticator({ statement });
  const started = getRegistrationOptionsRespDtoSchema.parse((await served.send(REGISTRATION)).body).data;
  const registrationCredential = await authenticator.register(started.registrationOptions, ORIGIN);
  const answer = await served.send(REGISTRATION, { ticket: started.ticket, registrationCredential });
  return { authenticator, registrationCredential, answer };
}

describe('POST registration: attestation statements chosen by the client', () => {
  it.each<[string, number, AttestationStatementOverride]>([
    ['fmt ""', 40040, { fmt: '', attStmt: new Map() }],
    ['fmt "bogus"', 40040, { fmt: 'bogus', attStmt: new Map() }],
    ['fmt "Packed"', 40040, { fmt: 'Packed', attStmt: new Map() }],
    ['packed with a garbage signature', 40041, { fmt: 'packed', attStmt: new Map<string, unknown>([['alg', -7], ['sig', new Uint8Array(71).fill(7)]]) }],
    ['packed with an x5c that is no certificate', 40041, { fmt: 'packed', attStmt: new Map<string, unknown>([['alg', -7], ['sig', new Uint8Array(71)], ['x5c', [new Uint8Array(90)]]]) }],
    ['tpm with junk', 40041, { fmt: 'tpm', attStmt: new Map<string, unknown>([['ver', '2.0'], ['sig', new Uint8Array(4)]]) }],
  ])("%s under 'none' is a 400 with apiCode %i, logs nothing and stores nothing", async (_, apiCode, statement) => {
    const served = await serve();
    const { answer, registrationCredential } = await enrol(served, statement);
    expect(answer.status).toBe(400);
    expect(errorRespDtoSchema.parse(answer.body)).toMatchObject({ statusCode: 400, apiCode });
    expect(await served.credentials.get(registrationCredential.id)).toBeUndefined();
    expect(served.logger.error).not.toHaveBeenCalled();
  });

});

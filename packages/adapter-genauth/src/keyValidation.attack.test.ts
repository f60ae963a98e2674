import { MemoryChallengeStore, MemoryCredentialStore, createRelyingParty } from '@tessera/core';
import { SoftwareAuthenticator, type SoftwareAlgorithm } from '@tessera/core/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { closeServers, listen } from '../test/harness.ts';
import { createGenAuthHandler } from './createGenAuthHandler.ts';
import { errorRespDtoSchema, getAuthenticationOptionsRespDtoSchema, getRegistrationOptionsRespDtoSchema, verifyRegistrationRespDtoSchema } from './envelopes.ts';
import type { GenAuthUser } from './handlerOptions.ts';
import { toNodeListener } from './toNodeListener.ts';

/*
 * Issue 11's attack over real HTTP: a client registers a public key that needs no private key (a small-order
 * Ed25519 point; with the identity 01 00…00, R = identity and S = 0 verifies every message under Node's
 * WebCrypto) or one off its curve, then signs in, discoverably, with a forged assertion to get a tokenSet.
 * Registration must answer 400 / 40022, nothing is stored, and no forged sign-in is answered 200.
 */

const ORIGIN = 'https://example.com';
const AUTHENTICATION = '/api/v3/webauthn/authentication';
const REGISTRATION = '/api/v3/webauthn/registration';
const USERS: Record<string, GenAuthUser> = { mallory: { id: 'user-mallory', name: 'mallory@example.com', displayName: 'Mallory' } };

const hex = (text: string): Uint8Array => Uint8Array.from(text.match(/../g)!, (byte) => Number.parseInt(byte, 16));
/** COSE_Key in CTAP2 canonical CBOR, written out: {1: 1 (OKP), 3: -8 (EdDSA), -1: 6 (Ed25519), -2: x}. */
const ed25519Key = (x: string): Uint8Array<ArrayBuffer> => Uint8Array.of(0xa4, 0x01, 0x01, 0x03, 0x27, 0x20, 0x06, 0x21, 0x58, 0x20, ...hex(x));
/** {1: 2 (EC2), 3: -7 (ES256), -1: 1 (P-256), -2: x, -3: y}. */
const es256Key = (x: Uint8Array, y: Uint8Array): Uint8Array<ArrayBuffer> =>
  Uint8Array.of(0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21, 0x58, 0x20, ...x, 0x22, 0x58, 0x20, ...y);

const IDENTITY = `01${'00'.repeat(31)}`;
/** R = the identity, S = 0: valid for every message under the identity key with a cofactorless verifier. */
const FORGED_SIGNATURE = hex(IDENTITY + '00'.repeat(32));
const P256_X = hex('6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296');
const P256_Y = hex('4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5');
const yPlusOne = Uint8Array.from(P256_Y);
yPlusOne[31]! += 1;

const PLANTED: [string, SoftwareAlgorithm, Uint8Array][] = [
  ['the Ed25519 identity', 'EdDSA', ed25519Key(IDENTITY)],
  ['the Ed25519 point of order 2', 'EdDSA', ed25519Key(`ec${'ff'.repeat(30)}7f`)],
  ['an Ed25519 point of order 4', 'EdDSA', ed25519Key(`${'00'.repeat(31)}80`)],
  ['an Ed25519 point of order 8', 'EdDSA', ed25519Key('26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05')],
  ['the identity with the sign bit set on x = 0', 'EdDSA', ed25519Key(`01${'00'.repeat(30)}80`)],
  ['a P-256 point with y + 1', 'ES256', es256Key(P256_X, yPlusOne)],
  ['P-256 (0, 0)', 'ES256', es256Key(new Uint8Array(32), new Uint8Array(32))],
  ['P-256 x = p', 'ES256', es256Key(hex('ffffffff00000001000000000000000000000000ffffffffffffffffffffffff'), P256_Y)],
];

afterEach(closeServers);

/** The handler on 127.0.0.1, issuing a tokenSet to every verified sign-in, with a logger that records server faults. */
async function serve() {
  const credentials = new MemoryCredentialStore();
  const relyingParty = createRelyingParty({ rpId: 'example.com', rpName: 'Example', origins: [ORIGIN], challengeStore: new MemoryChallengeStore({ sweepIntervalMs: 0 }), credentialStore: credentials });
  const logger = { error: vi.fn() };
  const handler = createGenAuthHandler({
    relyingParty,
    logger,
    authenticate: async (request) => USERS[/^Bearer (\w+)$/.exec(request.headers.get('authorization') ?? '')?.[1] ?? ''] ?? null,
    onAuthenticated: async (result) => ({ tokenSet: { access_token: `token-for-${result.userId}`, token_type: 'Bearer', expires_in: 3600 } }),
  });
  const baseUrl = `http://${await listen(toNodeListener(handler))}`;
  async function send(path: string, user?: string, json?: unknown): Promise<{ status: number; body: unknown }> {
    const headers: Record<string, string> = {};
    if (user !== undefined) headers.authorization = `Bearer ${user}`;
    if (json !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(baseUrl + path, { method: json === undefined ? 'GET' : 'POST', headers, ...(json === undefined ? {} : { body: JSON.stringify(json) }) });
    return { status: response.status, body: await response.json() };
  }
  return { send, credentials, logger };
}

describe('GenAuth registration refuses a client-chosen public key that is not a valid point', () => {
  it.each(PLANTED)('%s: 400 / 40022, nothing stored, and the discoverable forged sign-in gets no tokenSet', async (_name, algorithm, publicKey) => {
    const served = await serve();
    const authenticator = new SoftwareAuthenticator({ algorithm });
    const started = getRegistrationOptionsRespDtoSchema.parse((await served.send(REGISTRATION, 'mallory')).body).data;
    const registrationCredential = await authenticator.createCredential({
      rpId: 'example.com',
      challenge: started.registrationOptions.challenge,
      origin: ORIGIN,
      userHandle: started.registrationOptions.user.id,
      publicKey,
    });
    const registered = await served.send(REGISTRATION, 'mallory', { ticket: started.ticket, registrationCredential });
    expect(verifyRegistrationRespDtoSchema.safeParse(registered.body).success).toBe(false);
    expect(registered.status).toBe(400);
    expect(errorRespDtoSchema.parse(registered.body)).toMatchObject({ statusCode: 400, apiCode: 40022 });
    expect(await served.credentials.get(registrationCredential.id)).toBeUndefined();

    // A discoverable sign-in, as an attacker who knows the credential id and user handle would try it.
    const signIn = getAuthenticationOptionsRespDtoSchema.parse((await served.send(AUTHENTICATION)).body).data;
    const authenticationCredential = await authenticator.getAssertion({
      rpId: 'example.com',
      challenge: signIn.authenticationOptions.challenge,
      origin: ORIGIN,
      signature: FORGED_SIGNATURE,
    });
    const answer = await served.send(AUTHENTICATION, undefined, { ticket: signIn.ticket, authenticationCredential });
    expect(answer.status).not.toBe(200);
    expect(answer.status).toBeLessThan(500);
    expect(JSON.stringify(answer.body)).not.toContain('token-for-');
    expect(served.logger.error, 'a client-chosen key was taken for a server fault').not.toHaveBeenCalled();
  });
});

describe('an identity key stored before this check', () => {
  it('never yields a tokenSet for the forgery: the stored key is refused as a server fault (500 / 50001)', async () => {
    const served = await serve();
    const authenticator = new SoftwareAuthenticator({ algorithm: 'EdDSA' });
    const started = getRegistrationOptionsRespDtoSchema.parse((await served.send(REGISTRATION, 'mallory')).body).data;
    const registrationCredential = await authenticator.register(started.registrationOptions, ORIGIN);
    expect((await served.send(REGISTRATION, 'mallory', { ticket: started.ticket, registrationCredential })).status).toBe(200);
    const record = (await served.credentials.get(registrationCredential.id))!;
    await served.credentials.delete(registrationCredential.id, record.userId);
    await served.credentials.create({ ...record, publicKey: ed25519Key(IDENTITY) });

    const signIn = getAuthenticationOptionsRespDtoSchema.parse((await served.send(AUTHENTICATION)).body).data;
    const authenticationCredential = await authenticator.getAssertion({
      rpId: 'example.com',
      challenge: signIn.authenticationOptions.challenge,
      origin: ORIGIN,
      signature: FORGED_SIGNATURE,
    });
    const answer = await served.send(AUTHENTICATION, undefined, { ticket: signIn.ticket, authenticationCredential });
    expect(errorRespDtoSchema.parse(answer.body)).toMatchObject({ statusCode: 500, apiCode: 50001 });
    expect(JSON.stringify(answer.body)).not.toContain('token-for-');
    expect(served.logger.error).toHaveBeenCalledOnce();
  });
});

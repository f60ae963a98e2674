import { MemoryChallengeStore, MemoryCredentialStore, createRelyingParty } from '@tessera/core';
import { SoftwareAuthenticator } from '@tessera/core/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { closeServers, listen } from '../test/harness.ts';
import { cbor, planted, type CborItem, type Plant } from '@tessera/test-support/plantedRegistration';
import { base64url } from '@tessera/core';
import { createGenAuthHandler } from './createGenAuthHandler.ts';
import { errorRespDtoSchema, getAuthenticationOptionsRespDtoSchema, getRegistrationOptionsRespDtoSchema } from './envelopes.ts';
import type { GenAuthUser } from './handlerOptions.ts';
import { toNodeListener } from './toNodeListener.ts';

/*
 * A second round of attacks on issue 11's guarantees through the GenAuth handler over real HTTP (README "What the
 * library refuses"): attestation formats that look like registered ones, statements that are not maps, forged or
 * oversized statements under 'none', one discoverable assertion replayed 200 times at once, and extension results
 * no caller could serialise. Every answer is 2xx or 4xx with the documented apiCode, and the logger stays silent.
 */

const ORIGIN = 'https://example.com';
/** A registered format the core does not verify yet, if one is left. */
const AUTHENTICATION = '/api/v3/webauthn/authentication';
const REGISTRATION = '/api/v3/webauthn/registration';
const USERS: Record<string, GenAuthUser> = {
  mallory: { id: 'user-mallory', name: 'mallory@example.com', displayName: 'Mallory' },
  alice: { id: 'user-alice', name: 'alice@example.com', displayName: 'Alice' },
};

afterEach(closeServers);

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
  async function sendText(path: string, user?: string, text?: string): Promise<{ status: number; body: unknown }> {
    const headers: Record<string, string> = {};
    if (user !== undefined) headers.authorization = `Bearer ${user}`;
    if (text !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(baseUrl + path, { method: text === undefined ? 'GET' : 'POST', headers, ...(text === undefined ? {} : { body: text }) });
    return { status: response.status, body: await response.json() };
  }
  const send = (path: string, user?: string, json?: unknown) => sendText(path, user, json === undefined ? undefined : JSON.stringify(json));
  return { send, sendText, credentials, logger };
}
type Served = Awaited<ReturnType<typeof serve>>;

/** Registers mallory's credential with `plant` applied to the genuine response; the answer. */
async function registerPlanted(served: Served, plant: Plant | ((attestationObject: Uint8Array) => Uint8Array)) {
  const authenticator = new SoftwareAuthenticator();
  const started = getRegistrationOptionsRespDtoSchema.parse((await served.send(REGISTRATION, 'mallory')).body).data;
  const genuine = await authenticator.register(started.registrationOptions, ORIGIN);
  const registrationCredential =
    typeof plant === 'function'
      ? { ...genuine, response: { ...genuine.response, attestationObject: base64url.encode(plant(base64url.decode(genuine.response.attestationObject))) } }
      : planted(genuine, authenticator.credentials[0]!.publicKey, plant);
  const answer = await served.send(REGISTRATION, 'mallory', { ticket: started.ticket, registrationCredential });
  return { answer, id: genuine.id, authenticator };
}

const LOOKALIKES: CborItem[] = ['p\u0430cked', 'packed\u0000', '\uff4e\uff4f\uff4e\uff45', '\u200bnone', 'none ', 'NONE', 'fido_u2f', 'packed\u0301', '\ufeffnone'];

describe('attestation statements that mean nothing, through GenAuth', () => {
  it.each(LOOKALIKES.map((fmt) => [JSON.stringify(fmt), fmt] as const))('fmt %s is 400 / 40040 and nothing is stored', async (_name, fmt) => {
    const served = await serve();
    const { answer, id } = await registerPlanted(served, { fmt });
    expect(errorRespDtoSchema.parse(answer.body)).toMatchObject({ statusCode: 400, apiCode: 40040 });
    expect(await served.credentials.get(id)).toBeUndefined();
    expect(served.logger.error).not.toHaveBeenCalled();
  });

  it.each<[string, Plant, number]>([
    ['fmt as an integer', { fmt: 1 }, 40020],
    ['fmt as a byte string', { fmt: new TextEncoder().encode('none') }, 40020],
    ['attStmt as an array under "none" (an attestation object may carry one, §6.5.4; none refuses it)', { attStmt: [] }, 40041],
    ['attStmt as text', { attStmt: 'none' }, 40020],
    ['attStmt with an integer key', { attStmt: new Map<CborItem, CborItem>([[1, 1]]) }, 40020],
    ['a "none" statement that is not empty', { fmt: 'none', attStmt: new Map<CborItem, CborItem>([['x5c', []]]) }, 40041],
    ['a "packed" self statement with a garbage signature', { fmt: 'packed', attStmt: new Map<CborItem, CborItem>([['alg', -7], ['sig', new Uint8Array(70)]]) }, 40041],
    ['a "packed" self statement whose alg is not the key\'s', { fmt: 'packed', attStmt: new Map<CborItem, CborItem>([['alg', -8], ['sig', new Uint8Array(64)]]) }, 40041],
    ['a "packed" statement with 1000 certificates', { fmt: 'packed', attStmt: new Map<CborItem, CborItem>([['alg', -7], ['sig', new Uint8Array(70)], ['x5c', Array.from({ length: 1000 }, () => Uint8Array.of(0x30, 0x00))]]) }, 40041],
    ['a "packed" statement with a garbage certificate', { fmt: 'packed', attStmt: new Map<CborItem, CborItem>([['alg', -7], ['sig', new Uint8Array(70)], ['x5c', [Uint8Array.of(0x30, 0x84, 0xff, 0xff, 0xff, 0xff)]]]) }, 40041],
    ['a "fido-u2f" statement with no certificate', { fmt: 'fido-u2f', attStmt: new Map<CborItem, CborItem>([['sig', new Uint8Array(70)], ['x5c', []]]) }, 40041],
    ['a "packed" statement with an unknown member', { fmt: 'packed', attStmt: new Map<CborItem, CborItem>([['alg', -7], ['sig', new Uint8Array(70)], ['ecdaaKeyId', new Uint8Array(4)]]) }, 40041],
  ])('%s (under "none"): 400 with its apiCode, nothing stored', async (_name, plant, apiCode) => {
    const served = await serve();
    const { answer, id } = await registerPlanted(served, plant);
    expect(errorRespDtoSchema.parse(answer.body)).toMatchObject({ statusCode: 400, apiCode });
    expect(await served.credentials.get(id)).toBeUndefined();
    expect(served.logger.error).not.toHaveBeenCalled();
  });

  it.each<[string, (attestationObject: Uint8Array) => Uint8Array]>([
    ['a second "fmt" after authData', (object) => Uint8Array.of(0xa4, ...object.subarray(1), 0x63, 0x66, 0x6d, 0x74, 0x64, 0x6e, 0x6f, 0x6e, 0x65)],
    ['a tag around the attestation object', (object) => Uint8Array.of(0xd9, 0xd9, 0xf7, ...object)],
    ['trailing bytes', (object) => Uint8Array.of(...object, 0x00)],
    ['a map declaring 2^32 - 1 members', (object) => Uint8Array.of(0xba, 0xff, 0xff, 0xff, 0xff, ...object.subarray(1))],
    ['nesting 10 000 arrays deep', () => Uint8Array.from([...Array.from({ length: 10_000 }, () => 0x81), 0x00])],
  ])('an attestation object with %s is 400 / 40020', async (_name, mangle) => {
    const served = await serve();
    const { answer, id } = await registerPlanted(served, mangle);
    expect(errorRespDtoSchema.parse(answer.body)).toMatchObject({ statusCode: 400, apiCode: 40020 });
    expect(await served.credentials.get(id)).toBeUndefined();
    expect(served.logger.error).not.toHaveBeenCalled();
  });
});

describe('one discoverable assertion replayed 200 times at once', () => {
  it('yields exactly one tokenSet; every other answer is 4xx', async () => {
    const served = await serve();
    const authenticator = new SoftwareAuthenticator();
    const started = getRegistrationOptionsRespDtoSchema.parse((await served.send(REGISTRATION, 'mallory')).body).data;
    const registrationCredential = await authenticator.register(started.registrationOptions, ORIGIN);
    expect((await served.send(REGISTRATION, 'mallory', { ticket: started.ticket, registrationCredential })).status).toBe(200);
    const signIn = getAuthenticationOptionsRespDtoSchema.parse((await served.send(AUTHENTICATION)).body).data;
    const authenticationCredential = await authenticator.getAssertion({ rpId: 'example.com', challenge: signIn.authenticationOptions.challenge, origin: ORIGIN });
    const answers = await Promise.all(Array.from({ length: 200 }, () => served.send(AUTHENTICATION, undefined, { ticket: signIn.ticket, authenticationCredential })));
    expect(answers.filter((answer) => JSON.stringify(answer.body).includes('token-for-'))).toHaveLength(1);
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(1);
    expect(answers.every((answer) => answer.status === 200 || (answer.status >= 400 && answer.status < 500))).toBe(true);
    expect(served.logger.error).not.toHaveBeenCalled();
  });

  it('clientExtensionResults nested 20 000 deep is 400 / 40020 and yields no tokenSet', async () => {
    const served = await serve();
    const authenticator = new SoftwareAuthenticator();
    const started = getRegistrationOptionsRespDtoSchema.parse((await served.send(REGISTRATION, 'mallory')).body).data;
    const registrationCredential = await authenticator.register(started.registrationOptions, ORIGIN);
    expect((await served.send(REGISTRATION, 'mallory', { ticket: started.ticket, registrationCredential })).status).toBe(200);
    const signIn = getAuthenticationOptionsRespDtoSchema.parse((await served.send(AUTHENTICATION)).body).data;
    const authenticationCredential = await authenticator.getAssertion({ rpId: 'example.com', challenge: signIn.authenticationOptions.challenge, origin: ORIGIN, clientExtensionResults: { x: 0 } });
    const deep = '['.repeat(20_000) + ']'.repeat(20_000);
    const text = JSON.stringify({ ticket: signIn.ticket, authenticationCredential }).replace('{"x":0}', `{"x":${deep}}`);
    const answer = await served.sendText(AUTHENTICATION, undefined, text);
    expect(errorRespDtoSchema.parse(answer.body)).toMatchObject({ statusCode: 400, apiCode: 40020 });
    expect(served.logger.error).not.toHaveBeenCalled();
  });
});

describe('discoverable sign-in with a doctored assertion', () => {
  /** Mallory and Alice each register a credential; Mallory then signs in with her own, doctored by `doctor`. */
  async function doctoredSignIn(doctor: (credential: Record<string, unknown> & { response: Record<string, unknown> }, alice: { userHandle: string }) => unknown, input: Partial<Parameters<SoftwareAuthenticator['getAssertion']>[0]> = {}) {
    const served = await serve();
    const handles: Record<string, string> = {};
    const authenticators: Record<string, SoftwareAuthenticator> = {};
    for (const user of ['alice', 'mallory']) {
      const authenticator = new SoftwareAuthenticator();
      const started = getRegistrationOptionsRespDtoSchema.parse((await served.send(REGISTRATION, user)).body).data;
      const registrationCredential = await authenticator.register(started.registrationOptions, ORIGIN);
      expect((await served.send(REGISTRATION, user, { ticket: started.ticket, registrationCredential })).status).toBe(200);
      handles[user] = started.registrationOptions.user.id;
      authenticators[user] = authenticator;
    }
    const signIn = getAuthenticationOptionsRespDtoSchema.parse((await served.send(AUTHENTICATION)).body).data;
    const genuine = await authenticators['mallory']!.getAssertion({ rpId: 'example.com', challenge: signIn.authenticationOptions.challenge, origin: ORIGIN, ...input });
    const authenticationCredential = doctor(structuredClone(genuine) as never, { userHandle: handles['alice']! });
    const answer = await served.send(AUTHENTICATION, undefined, { ticket: signIn.ticket, authenticationCredential });
    expect(answer.status, JSON.stringify(answer.body)).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
    expect(JSON.stringify(answer.body)).not.toContain('token-for-');
    expect(served.logger.error).not.toHaveBeenCalled();
  }

  it("Mallory's assertion carrying Alice's user handle gets no tokenSet (§7.2 step 6)", () =>
    doctoredSignIn((credential, alice) => ({ ...credential, response: { ...credential.response, userHandle: alice.userHandle } })));
  it('an assertion with no user handle gets no tokenSet', () => doctoredSignIn((credential) => credential, { returnUserHandle: false }));
  it('an assertion without user presence gets no tokenSet', () => doctoredSignIn((credential) => credential, { userPresent: false }));
  it('client data of type webauthn.create gets no tokenSet', () => doctoredSignIn((credential) => credential, { clientData: { type: 'webauthn.create' } }));
  it('client data from a cross-origin iframe gets no tokenSet', () => doctoredSignIn((credential) => credential, { clientData: { crossOrigin: true, topOrigin: 'https://evil.example' } }));
  it('client data naming the origin with a trailing slash gets no tokenSet', () => doctoredSignIn((credential) => credential, { clientData: { origin: `${ORIGIN}/` } }));
  it("Mallory's assertion under Alice's credential id gets no tokenSet", async () => {
    // The id is swapped for one that exists but whose key did not sign; rawId follows, so only the signature can tell.
    const served = await serve();
    const alice = new SoftwareAuthenticator();
    const started = getRegistrationOptionsRespDtoSchema.parse((await served.send(REGISTRATION, 'alice')).body).data;
    const aliceCredential = await alice.register(started.registrationOptions, ORIGIN);
    expect((await served.send(REGISTRATION, 'alice', { ticket: started.ticket, registrationCredential: aliceCredential })).status).toBe(200);
    const mallory = new SoftwareAuthenticator();
    const startedM = getRegistrationOptionsRespDtoSchema.parse((await served.send(REGISTRATION, 'mallory')).body).data;
    expect((await served.send(REGISTRATION, 'mallory', { ticket: startedM.ticket, registrationCredential: await mallory.register(startedM.registrationOptions, ORIGIN) })).status).toBe(200);
    const signIn = getAuthenticationOptionsRespDtoSchema.parse((await served.send(AUTHENTICATION)).body).data;
    const genuine = await mallory.getAssertion({ rpId: 'example.com', challenge: signIn.authenticationOptions.challenge, origin: ORIGIN });
    const authenticationCredential = { ...genuine, id: aliceCredential.id, rawId: aliceCredential.rawId, response: { ...genuine.response, userHandle: started.registrationOptions.user.id } };
    const answer = await served.send(AUTHENTICATION, undefined, { ticket: signIn.ticket, authenticationCredential });
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
    expect(JSON.stringify(answer.body)).not.toContain('token-for-');
    expect(served.logger.error).not.toHaveBeenCalled();
  });
});

describe('discoverable sign-ins with separate tickets racing on one counter', () => {
  it('20 assertions made in turn and posted at once: every answer 200 or 4xx, at least one tokenSet, the logger silent', async () => {
    const served = await serve();
    const authenticator = new SoftwareAuthenticator();
    const started = getRegistrationOptionsRespDtoSchema.parse((await served.send(REGISTRATION, 'mallory')).body).data;
    const registrationCredential = await authenticator.register(started.registrationOptions, ORIGIN);
    expect((await served.send(REGISTRATION, 'mallory', { ticket: started.ticket, registrationCredential })).status).toBe(200);
    const bodies = [];
    for (let index = 0; index < 20; index++) {
      const signIn = getAuthenticationOptionsRespDtoSchema.parse((await served.send(AUTHENTICATION)).body).data;
      const authenticationCredential = await authenticator.getAssertion({ rpId: 'example.com', challenge: signIn.authenticationOptions.challenge, origin: ORIGIN });
      bodies.push({ ticket: signIn.ticket, authenticationCredential });
    }
    const answers = await Promise.all(bodies.map((body) => served.send(AUTHENTICATION, undefined, body)));
    expect(answers.some((answer) => answer.status === 200 && JSON.stringify(answer.body).includes('token-for-'))).toBe(true);
    expect(answers.every((answer) => answer.status === 200 || (answer.status >= 400 && answer.status < 500)), JSON.stringify(answers)).toBe(true);
    const won = answers.filter((answer) => answer.status === 200);
    expect(won.every((answer) => JSON.stringify(answer.body).includes('token-for-')), 'every 200 carries the tokenSet').toBe(true);
    for (const answer of answers.filter(({ status }) => status !== 200)) {
      expect(answer, 'a losing sign-in lost for its counter').toMatchObject({ status: 403, body: { apiCode: 40304 } });
    }
    expect(served.logger.error).not.toHaveBeenCalled();
  });
});

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MemoryChallengeStore, MemoryCredentialStore, base64url, createRelyingParty } from '@tessera/core';
import { SoftwareAuthenticator, type SoftwareAlgorithm } from '@tessera/core/testing';
import express from 'express';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { authOptionsEnvelopeSchema, failureEnvelopeSchema, passkeyRouter, registrationOptionsEnvelopeSchema } from './index.ts';
import { cbor, type CborItem } from '@tessera/test-support/plantedRegistration';

/*
 * A second round of attacks on issue 11's guarantees over real HTTP (README "What the library refuses"): key
 * encodings the first round did not plant, JSON bodies built to confuse a parser, and one assertion replayed
 * 200 times at once. Every answer is 2xx or 4xx, at most one replay succeeds, and the logger stays silent.
 */

const ORIGIN = 'http://localhost:3000';
const USERS: Record<string, { id: string }> = { mallory: { id: 'mallory-0001' }, alice: { id: 'alice-0002' } };
const hex = (text: string): Uint8Array => Uint8Array.from(text.match(/../g)!, (byte) => Number.parseInt(byte, 16));
const P256_X = hex('6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296');
const P256_Y = hex('4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5');
const key = (entries: [number, CborItem][]): Uint8Array => cbor(new Map(entries));
const rsaModulus = (fill: (index: number) => number): Uint8Array => Uint8Array.from({ length: 256 }, (_, index) => fill(index));

/**
 * Keys a client might plant, each refused with the given code: a key whose CBOR breaks the strict rules cannot be
 * cut out of the authenticator data, so it is refused as a malformed response (still 400, nothing stored).
 */
const PLANTED: [string, SoftwareAlgorithm, Uint8Array, string][] = [
  // x = 0 with the sign bit set (RFC 8032 §5.1.3 step 4): the identity's encoding with bit 255 set.
  ['Ed25519 identity with the sign bit set', 'EdDSA', key([[1, 1], [3, -8], [-1, 6], [-2, hex(`01${'00'.repeat(30)}80`)]]), 'malformed_public_key'],
  ['Ed25519 order-2 point with the sign bit set', 'EdDSA', key([[1, 1], [3, -8], [-1, 6], [-2, hex(`ec${'ff'.repeat(30)}ff`)]]), 'malformed_public_key'],
  ['Ed25519 all-ones (y >= p)', 'EdDSA', key([[1, 1], [3, -8], [-1, 6], [-2, hex('ff'.repeat(32))]]), 'malformed_public_key'],
  ['Ed25519 key with a private d', 'EdDSA', key([[1, 1], [3, -8], [-1, 6], [-2, hex(`58${'66'.repeat(31)}`)], [-4, new Uint8Array(32)]]), 'malformed_public_key'],
  ['P-521 x with bits above 521 set', 'ES512', key([[1, 2], [3, -36], [-1, 3], [-2, hex(`02${'00'.repeat(65)}`)], [-3, hex(`01${'00'.repeat(65)}`)]]), 'malformed_public_key'],
  ['P-256 key on the P-384 algorithm', 'ES256', key([[1, 2], [3, -35], [-1, 1], [-2, P256_X], [-3, P256_Y]]), 'malformed_public_key'],
  ['P-256 key with a private d', 'ES256', key([[1, 2], [3, -7], [-1, 1], [-2, P256_X], [-3, P256_Y], [-4, new Uint8Array(32)]]), 'malformed_public_key'],
  ['P-256 key with y as a sign bit (compressed)', 'ES256', key([[1, 2], [3, -7], [-1, 1], [-2, P256_X], [-3, true]]), 'malformed_public_key'],
  ['kty as text', 'ES256', cbor(new Map<CborItem, CborItem>([[1, 'EC2'], [3, -7], [-1, 1], [-2, P256_X], [-3, P256_Y]])), 'malformed_public_key'],
  ['a text label', 'ES256', cbor(new Map<CborItem, CborItem>([[1, 2], [3, -7], [-1, 1], [-2, P256_X], [-3, P256_Y], ['x', 1]])), 'malformed_public_key'],
  ['a float kty', 'ES256', cbor(new Map<CborItem, CborItem>([[1, 2.5], [3, -7], [-1, 1], [-2, P256_X], [-3, P256_Y]])), 'malformed_response'],
  ['RSA e = 1 in four bytes', 'RS256', key([[1, 3], [3, -257], [-1, rsaModulus((index) => (index === 0 ? 0xc1 : 0x01 + index))], [-2, hex('00000001')]]), 'malformed_public_key'],
  ['RSA e = 1', 'RS256', key([[1, 3], [3, -257], [-1, rsaModulus((index) => (index === 0 ? 0xc1 : 0x01 + index))], [-2, hex('01')]]), 'malformed_public_key'],
  ['RSA even e', 'RS256', key([[1, 3], [3, -257], [-1, rsaModulus((index) => (index === 0 ? 0xc1 : 0x01 + index))], [-2, hex('010000')]]), 'malformed_public_key'],
  ['RSA even n', 'RS256', key([[1, 3], [3, -257], [-1, rsaModulus((index) => (index === 0 ? 0xc1 : index === 255 ? 2 : 1))], [-2, hex('010001')]]), 'malformed_public_key'],
  ['RSA n with a leading zero byte', 'RS256', key([[1, 3], [3, -257], [-1, Uint8Array.of(0, ...rsaModulus(() => 0xff))], [-2, hex('010001')]]), 'malformed_public_key'],
  ['RSA 2040-bit n', 'RS256', key([[1, 3], [3, -257], [-1, rsaModulus((index) => (index === 0 ? 0x01 : 0xff)).subarray(1)], [-2, hex('010001')]]), 'malformed_public_key'],
  ['RSA key with a private d', 'RS256', key([[1, 3], [3, -257], [-1, rsaModulus(() => 0xff)], [-2, hex('010001')], [-3, rsaModulus(() => 1)]]), 'malformed_public_key'],
  ['RSA key with kty EC2 labels', 'RS256', key([[1, 3], [3, -7], [-1, rsaModulus(() => 0xff)], [-2, hex('010001')]]), 'malformed_public_key'],
  ['a key with labels out of canonical order', 'ES256', cbor(new Map<CborItem, CborItem>([[3, -7], [1, 2], [-1, 1], [-2, P256_X], [-3, P256_Y]])), 'malformed_response'],
  ['a key with a duplicate label', 'ES256', Uint8Array.of(0xa5, 0x01, 0x02, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21, 0x58, 0x20, ...P256_X), 'malformed_response'],
  ['a tagged key', 'ES256', Uint8Array.of(0xd8, 0x18, ...key([[1, 2], [3, -7], [-1, 1], [-2, P256_X], [-3, P256_Y]])), 'malformed_response'],
  ['an indefinite-length key', 'ES256', Uint8Array.of(0xbf, ...key([[1, 2], [3, -7], [-1, 1], [-2, P256_X], [-3, P256_Y]]).subarray(1), 0xff), 'malformed_response'],
  ['a key with a 2^64 - 1 length byte string', 'ES256', Uint8Array.of(0xa1, 0x01, 0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), 'malformed_response'],
];

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

async function start() {
  const credentials = new MemoryCredentialStore();
  const relyingParty = createRelyingParty({ rpId: 'localhost', rpName: 'Tessera attack', origins: [ORIGIN], challengeStore: new MemoryChallengeStore({ sweepIntervalMs: 0 }), credentialStore: credentials });
  const logger = { error: vi.fn() };
  const app = express();
  app.use(
    passkeyRouter({
      relyingParty,
      authenticate: (req) => USERS[/^Bearer (\w+)$/.exec(req.get('authorization') ?? '')?.[1] ?? ''] ?? null,
      logger,
    }),
  );
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  async function postText(path: string, as: string, text?: string): Promise<{ status: number; body: unknown }> {
    const headers: Record<string, string> = { accept: 'application/json', authorization: `Bearer ${as}` };
    if (text !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(base + path, { method: 'POST', headers, ...(text === undefined ? {} : { body: text }) });
    return { status: response.status, body: await response.json() };
  }
  const post = (path: string, as: string, json?: unknown) => postText(path, as, json === undefined ? undefined : JSON.stringify(json));
  return { post, postText, credentials, logger };
}
type Harness = Awaited<ReturnType<typeof start>>;

async function registered(harness: Harness, algorithm: SoftwareAlgorithm = 'ES256', counts = true) {
  const authenticator = new SoftwareAuthenticator({ algorithm, counts });
  const creation = registrationOptionsEnvelopeSchema.parse((await harness.post('/mfa/passkey/registration-options', 'alice')).body).data;
  const credential = await authenticator.register(creation, ORIGIN);
  expect((await harness.post('/mfa/passkey/complete-registration', 'alice', { credential, challenge: creation.challenge })).status).toBe(200);
  return authenticator;
}

async function assertion(harness: Harness, authenticator: SoftwareAuthenticator) {
  const options = authOptionsEnvelopeSchema.parse((await harness.post('/mfa/passkey/auth-options', 'alice')).body).data;
  return authenticator.getAssertion({ rpId: 'localhost', challenge: options.challenge, origin: ORIGIN });
}

describe('complete-registration refuses more planted keys', () => {
  it.each(PLANTED)('%s: 400, nothing stored, logger silent', async (_name, algorithm, publicKey, code) => {
    const harness = await start();
    const authenticator = new SoftwareAuthenticator({ algorithm });
    const creation = registrationOptionsEnvelopeSchema.parse((await harness.post('/mfa/passkey/registration-options', 'mallory')).body).data;
    const credential = await authenticator.createCredential({ rpId: 'localhost', challenge: creation.challenge, origin: ORIGIN, userHandle: creation.user.id, publicKey });
    const completed = await harness.post('/mfa/passkey/complete-registration', 'mallory', { credential, challenge: creation.challenge });
    expect(completed.status, JSON.stringify(completed.body)).toBe(400);
    expect(failureEnvelopeSchema.parse(completed.body)).toMatchObject({ success: false, code });
    expect(await harness.credentials.get(credential.id)).toBeUndefined();
    expect(harness.logger.error).not.toHaveBeenCalled();
  });
});

describe('one assertion replayed 200 times at once', () => {
  it.each([true, false])('exactly one 200, every other answer 4xx (authenticator counts: %s)', async (counts) => {
    const harness = await start();
    const authenticator = await registered(harness, 'ES256', counts);
    const credential = await assertion(harness, authenticator);
    const answers = await Promise.all(Array.from({ length: 200 }, () => harness.post('/mfa/passkey/auth-verify', 'alice', { credential })));
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.every((status) => status === 200 || (status >= 400 && status < 500))).toBe(true);
    expect(harness.logger.error).not.toHaveBeenCalled();
  });
});

describe('JSON bodies built to confuse a parser', () => {
  it('a __proto__ member carrying the credential is not read as the credential', async () => {
    const harness = await start();
    const authenticator = await registered(harness);
    const credential = await assertion(harness, authenticator);
    const answer = await harness.postText('/mfa/passkey/auth-verify', 'alice', `{"__proto__":{"credential":${JSON.stringify(credential)}}}`);
    expect(answer.status).toBe(400);
    expect(({} as Record<string, unknown>)['credential']).toBeUndefined();
    expect(harness.logger.error).not.toHaveBeenCalled();
  });

  it('clientExtensionResults nested 20 000 deep (inside the body limit) is 400 malformed_response, not handed to the caller', async () => {
    const harness = await start();
    const authenticator = await registered(harness);
    const credential = await assertion(harness, authenticator);
    const deep = '['.repeat(20_000) + ']'.repeat(20_000);
    const text = JSON.stringify({ credential: { ...credential, clientExtensionResults: { x: 0 } } }).replace('{"x":0}', `{"x":${deep}}`);
    const answer = await harness.postText('/mfa/passkey/auth-verify', 'alice', text);
    expect(answer.status).toBe(400);
    expect(failureEnvelopeSchema.parse(answer.body)).toMatchObject({ code: 'malformed_response' });
    expect(harness.logger.error).not.toHaveBeenCalled();
  });

  it('a body that is 30 000 nested arrays is a 400', async () => {
    const harness = await start();
    const answer = await harness.postText('/mfa/passkey/complete-registration', 'alice', '['.repeat(30_000) + ']'.repeat(30_000));
    expect(answer.status).toBe(400);
    expect(harness.logger.error).not.toHaveBeenCalled();
  });

  it('duplicate credential keys: the last one is read, and a forged last one is refused', async () => {
    const harness = await start();
    const authenticator = await registered(harness);
    const credential = await assertion(harness, authenticator);
    const forged = { ...credential, response: { ...credential.response, signature: credential.response.signature.slice(0, -4) + 'AAAA' } };
    const answer = await harness.postText('/mfa/passkey/auth-verify', 'alice', `{"credential":${JSON.stringify(credential)},"credential":${JSON.stringify(forged)}}`);
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
    expect(harness.logger.error).not.toHaveBeenCalled();
  });

  it('numbers where strings belong, and strings where objects belong, are 400', async () => {
    const harness = await start();
    const authenticator = await registered(harness);
    const credential = await assertion(harness, authenticator);
    for (const body of [
      { credential: { ...credential, id: 12345 } },
      { credential: { ...credential, response: JSON.stringify(credential.response) } },
      { credential: JSON.stringify(credential) },
      { credential: { ...credential, response: { ...credential.response, signature: ['a'] } } },
      { credential: { ...credential, response: { ...credential.response, authenticatorData: 'x'.repeat(60_000) } } },
    ]) {
      const answer = await harness.post('/mfa/passkey/auth-verify', 'alice', body);
      expect(answer.status, JSON.stringify(answer.body)).toBeGreaterThanOrEqual(400);
      expect(answer.status).toBeLessThan(500);
    }
    expect(harness.logger.error).not.toHaveBeenCalled();
  });
});

describe('one credential id enrolled by 20 ceremonies at once', () => {
  it("exactly one 200; the others 400 credential_already_registered, never a 500", async () => {
    // Under 'none' nothing signs the authenticator data, so a client may put one credential id in every response.
    const harness = await start();
    const authenticator = new SoftwareAuthenticator();
    const responses = [];
    let sharedId: Uint8Array | undefined;
    for (let index = 0; index < 20; index++) {
      const creation = registrationOptionsEnvelopeSchema.parse((await harness.post('/mfa/passkey/registration-options', 'alice')).body).data;
      const credential = await authenticator.register(creation, ORIGIN);
      const id = base64url.decode(credential.id);
      sharedId ??= id;
      const authData = base64url.decode(credential.response.authenticatorData!);
      const attestationObject = base64url.decode(credential.response.attestationObject);
      // The id sits after rpIdHash (32), flags (1), counter (4), AAGUID (16) and its length (2), in both copies.
      authData.set(sharedId, 55);
      const at = attestationObject.length - authData.length;
      attestationObject.set(sharedId, at + 55);
      const doctored = {
        ...credential,
        id: base64url.encode(sharedId),
        rawId: base64url.encode(sharedId),
        response: { ...credential.response, authenticatorData: base64url.encode(authData), attestationObject: base64url.encode(attestationObject) },
      };
      responses.push({ credential: doctored, challenge: creation.challenge });
    }
    const answers = await Promise.all(responses.map((body) => harness.post('/mfa/passkey/complete-registration', 'alice', body)));
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(1);
    for (const answer of answers.filter((candidate) => candidate.status !== 200)) {
      expect(answer.status, JSON.stringify(answer.body)).toBe(400);
      expect(failureEnvelopeSchema.parse(answer.body)).toMatchObject({ code: 'credential_already_registered' });
    }
    expect(harness.logger.error).not.toHaveBeenCalled();
  });
});

describe('two sign-ins with two challenges racing on one counter', () => {
  it.each([2, 20])('%i assertions made in turn and posted at once: every answer 200 or 4xx, at least one 200, the logger silent', async (count) => {
    const harness = await start();
    const authenticator = await registered(harness);
    const credentials = [];
    for (let index = 0; index < count; index++) credentials.push(await assertion(harness, authenticator));
    const answers = await Promise.all(credentials.map((credential) => harness.post('/mfa/passkey/auth-verify', 'alice', { credential })));
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.some((status) => status === 200)).toBe(true);
    expect(statuses.every((status) => status === 200 || (status >= 400 && status < 500)), JSON.stringify(answers)).toBe(true);
    for (const answer of answers.filter(({ status }) => status !== 200)) {
      expect(answer, 'a losing sign-in lost for its counter').toMatchObject({ status: 400, body: { code: 'sign_count_regression' } });
    }
    expect(harness.logger.error).not.toHaveBeenCalled();
  });
});

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MemoryChallengeStore, MemoryCredentialStore, createRelyingParty, type CredentialRecord } from '@tessera/core';
import { SoftwareAuthenticator, type SoftwareAlgorithm } from '@tessera/core/testing';
import express from 'express';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { authOptionsEnvelopeSchema, failureEnvelopeSchema, passkeyRouter, registrationOptionsEnvelopeSchema } from './index.ts';

/*
 * Issue 11's attack over real HTTP: a client enrols a public key that needs no private key (a small-order Ed25519
 * point; with the identity 01 00…00, R = identity and S = 0 verifies every message under Node's WebCrypto) or
 * one off its curve, then signs in with a forged assertion. complete-registration must answer 400
 * malformed_public_key, nothing is stored, and the forged sign-in is never answered 200.
 */

const ORIGIN = 'http://localhost:3000';
const USERS: Record<string, { id: string }> = { mallory: { id: 'mallory-0001' }, alice: { id: 'alice-0002' } };
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
  ['an Ed25519 point of order 4', 'EdDSA', ed25519Key('00'.repeat(32))],
  ['an Ed25519 point of order 8', 'EdDSA', ed25519Key('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a')],
  ['the identity encoded as y = p + 1', 'EdDSA', ed25519Key(`ee${'ff'.repeat(30)}7f`)],
  ['a P-256 point with y + 1', 'ES256', es256Key(P256_X, yPlusOne)],
  ['P-256 (0, 0)', 'ES256', es256Key(new Uint8Array(32), new Uint8Array(32))],
  ['P-256 x = p', 'ES256', es256Key(hex('ffffffff00000001000000000000000000000000ffffffffffffffffffffffff'), P256_Y)],
];

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** A real Express 5 app on 127.0.0.1 with the router, an in-memory store and a logger that records server faults. */
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
  async function post(path: string, as: string, json?: unknown): Promise<{ status: number; body: unknown }> {
    const headers: Record<string, string> = { accept: 'application/json', authorization: `Bearer ${as}` };
    if (json !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(base + path, { method: 'POST', headers, ...(json === undefined ? {} : { body: JSON.stringify(json) }) });
    return { status: response.status, body: await response.json() };
  }
  return { post, credentials, logger };
}
type Harness = Awaited<ReturnType<typeof start>>;

/** Sign-in options for `as`, answered with the forged signature for the authenticator's newest credential. */
async function forgedSignIn(harness: Harness, authenticator: SoftwareAuthenticator, as: string) {
  const options = authOptionsEnvelopeSchema.parse((await harness.post('/mfa/passkey/auth-options', as)).body).data;
  const credential = await authenticator.getAssertion({ rpId: 'localhost', challenge: options.challenge, origin: ORIGIN, signature: FORGED_SIGNATURE });
  return harness.post('/mfa/passkey/auth-verify', as, { credential });
}

describe('complete-registration refuses a client-chosen public key that is not a valid point', () => {
  it.each(PLANTED)('%s: 400 malformed_public_key, nothing stored, and the forged sign-in is not 200', async (_name, algorithm, publicKey) => {
    const harness = await start();
    const authenticator = new SoftwareAuthenticator({ algorithm });
    const creation = registrationOptionsEnvelopeSchema.parse((await harness.post('/mfa/passkey/registration-options', 'mallory')).body).data;
    const credential = await authenticator.createCredential({
      rpId: 'localhost',
      challenge: creation.challenge,
      origin: ORIGIN,
      userHandle: creation.user.id,
      publicKey,
    });
    const completed = await harness.post('/mfa/passkey/complete-registration', 'mallory', { credential, challenge: creation.challenge });
    expect(completed.status).toBe(400);
    expect(failureEnvelopeSchema.parse(completed.body)).toMatchObject({ success: false, code: 'malformed_public_key' });
    expect(await harness.credentials.get(credential.id)).toBeUndefined();

    const signIn = await forgedSignIn(harness, authenticator, 'mallory');
    expect(signIn.status).not.toBe(200);
    expect(signIn.status).toBeLessThan(500);
    expect(harness.logger.error, 'a client-chosen key was taken for a server fault').not.toHaveBeenCalled();
  });
});

describe('an identity key stored before this check', () => {
  it('never signs in with the forgery: the stored key is refused as a server fault, not verified', async () => {
    const harness = await start();
    const authenticator = new SoftwareAuthenticator({ algorithm: 'EdDSA' });
    const creation = registrationOptionsEnvelopeSchema.parse((await harness.post('/mfa/passkey/registration-options', 'alice')).body).data;
    const credential = await authenticator.register(creation, ORIGIN);
    expect((await harness.post('/mfa/passkey/complete-registration', 'alice', { credential, challenge: creation.challenge })).status).toBe(200);
    const record = (await harness.credentials.get(credential.id)) as CredentialRecord;
    await harness.credentials.delete(credential.id, record.userId);
    await harness.credentials.create({ ...record, publicKey: ed25519Key(IDENTITY) });

    const signIn = await forgedSignIn(harness, authenticator, 'alice');
    expect(signIn).toMatchObject({ status: 500, body: { success: false, error: 'Failed to verify passkey' } });
    expect(harness.logger.error.mock.calls[0]?.[1]).toMatchObject({ code: 'malformed_public_key' });
  });
});

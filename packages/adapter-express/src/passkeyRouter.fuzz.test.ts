import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { MemoryChallengeStore, MemoryCredentialStore, base64url, createRelyingParty } from '@tessera/core';
import { SoftwareAuthenticator, type SoftwareAlgorithm } from '@tessera/core/testing';
import express from 'express';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import {
  authOptionsEnvelopeSchema,
  authVerifyEnvelopeSchema,
  failureEnvelopeSchema,
  passkeyRouter,
  registrationCompletedEnvelopeSchema,
  registrationOptionsEnvelopeSchema,
} from './index.ts';
import { IDENTITY_SIGNATURE, REGISTERED_FORMATS, VERIFIED_FORMATS, anyPlant, planted } from '@tessera/test-support/plantedRegistration';

/*
 * Random bodies, content types and credentials to every route, as an authenticated caller (an anonymous one
 * is answered 401 before its body is read): never a 5xx, never a crash, always one of the route's documented
 * envelopes.
 */

const ROUTES: Record<string, z.ZodType> = {
  '/mfa/passkey/auth-options': authOptionsEnvelopeSchema,
  '/mfa/passkey/auth-verify': authVerifyEnvelopeSchema,
  '/mfa/passkey/registration-options': registrationOptionsEnvelopeSchema,
  '/mfa/passkey/complete-registration': registrationCompletedEnvelopeSchema,
  '/mfa/passkey/complete-registration-1': registrationCompletedEnvelopeSchema,
};

/** Routes that verify what they are sent: no random body can pass them (no ceremony was started here). */
const VERIFYING = new Set(['/mfa/passkey/auth-verify', '/mfa/passkey/complete-registration', '/mfa/passkey/complete-registration-1']);

let server: Server;
let base: string;
const logger = { error: vi.fn() };

beforeAll(async () => {
  const relyingParty = createRelyingParty({
    rpId: 'localhost',
    rpName: 'Tessera fuzz',
    origins: ['http://localhost:3000'],
    challengeStore: new MemoryChallengeStore(),
    credentialStore: new MemoryCredentialStore(),
  });
  const app = express();
  app.use(passkeyRouter({ relyingParty, authenticate: () => ({ id: 'fuzz-user' }), logger }));
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

/**
 * Posts `body` and checks the answer: below 500, never a success from a verifying route, JSON, the route's
 * success or failure envelope, the router's headers, and nothing logged as a server fault.
 */
async function check(
  path: string,
  body: string | Uint8Array<ArrayBuffer> | undefined,
  contentType: string | undefined,
  contentEncoding?: string,
): Promise<void> {
  const headers: Record<string, string> = { authorization: 'Bearer fuzz' };
  if (contentType !== undefined) headers['content-type'] = contentType;
  if (contentEncoding !== undefined) headers['content-encoding'] = contentEncoding;
  const response = await fetch(base + path, { method: 'POST', headers, ...(body === undefined ? {} : { body }) });
  const text = await response.text();
  expect(response.status, text).toBeLessThan(500);
  if (VERIFYING.has(path)) expect(response.status, text).not.toBe(200);
  expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  expect(response.headers.get('cache-control')).toBe('no-store');
  const json: unknown = JSON.parse(text);
  if (response.status === 200) ROUTES[path]!.parse(json);
  else failureEnvelopeSchema.extend({ code: failureEnvelopeSchema.shape.code.unwrap() }).parse(json);
  expect(logger.error, 'random input was taken for a server fault').not.toHaveBeenCalled();
}

const path = fc.constantFrom(...Object.keys(ROUTES));
const b64u = (text: string) => base64url.encode(new TextEncoder().encode(text));

/** Something shaped like a browser credential, with random parts, to get past the first checks. */
const credentialLike = fc.record(
  {
    id: fc.oneof(fc.string(), fc.base64String().map((s) => s.replace(/=+$/, ''))),
    rawId: fc.string(),
    type: fc.constantFrom('public-key', 'other'),
    response: fc.record(
      {
        clientDataJSON: fc.oneof(fc.string(), fc.jsonValue().map((value) => b64u(JSON.stringify(value) ?? 'null'))),
        authenticatorData: fc.string(),
        signature: fc.string(),
        attestationObject: fc.string(),
        userHandle: fc.string(),
      },
      { requiredKeys: [] },
    ),
    clientExtensionResults: fc.anything(),
  },
  { requiredKeys: [] },
);

const jsonBody = fc.oneof(
  fc.anything().map((value) => JSON.stringify(value) ?? 'null'),
  fc.jsonValue().map((value) => JSON.stringify(value)),
  fc.record({ credential: fc.oneof(fc.anything(), credentialLike), challenge: fc.oneof(fc.string(), fc.base64String()) }).map((value) => JSON.stringify(value)),
);

describe('passkeyRouter under random input', () => {
  it('answers random JSON bodies with a documented envelope, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(path, jsonBody, (route, body) => check(route, body, 'application/json')),
      { numRuns: 300 },
    );
  });

  it('answers random text and bytes under random content types with a documented envelope, never a 5xx', async () => {
    const contentType = fc.option(
      fc.oneof(
        fc.constantFrom('application/json', 'application/json; charset=utf-8', 'application/json; charset=utf-16', 'text/plain', 'application/vnd.api+json', 'application/json; charset', 'multipart/form-data; boundary=x'),
        fc.string(),
      ),
      { nil: undefined },
    );
    const body = fc.option(fc.oneof(fc.string(), fc.uint8Array({ maxLength: 256 }).map((bytes) => new Uint8Array(bytes))), { nil: undefined });
    await fc.assert(
      fc.asyncProperty(path, body, contentType, async (route, payload, type) => {
        // fetch itself refuses header values with control characters; those never reach a server.
        fc.pre(type === undefined || /^[\t\x20-\x7e]*$/.test(type));
        await check(route, payload, type);
      }),
      { numRuns: 300 },
    );
  });

  it('answers random bodies under random content codings and charsets with a documented envelope, never a 5xx', async () => {
    const coding = fc.option(fc.oneof(fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'GZIP', 'x-gzip', 'zstd', 'gzip, identity', ''), fc.string()), { nil: undefined });
    const charset = fc.option(
      fc.oneof(fc.constantFrom('utf-8', 'UTF-8', '"utf-8"', 'utf8', 'utf-16', 'utf-16le', 'UTF-16BE', 'utf-32', 'utf-7', 'iso-8859-1', 'us-ascii', 'x-garbage'), fc.string()),
      { nil: undefined },
    );
    const mediaType = fc.constantFrom('application/json', 'application/vnd.api+json');
    const text = fc.oneof(jsonBody, fc.string());
    const bytes = fc.oneof(
      text.map((value) => new TextEncoder().encode(value)),
      text.map((value) => new Uint8Array(Buffer.from(value, 'utf16le'))),
      fc.uint8Array({ maxLength: 256 }),
    );
    /** The body as sent: raw, or really compressed with one of the codings (whatever the header says). */
    const body = fc.tuple(bytes, fc.constantFrom('raw', 'gzip', 'deflate', 'br')).map(([raw, how]) => {
      const sent = how === 'gzip' ? gzipSync(raw) : how === 'deflate' ? deflateSync(raw) : how === 'br' ? brotliCompressSync(raw) : raw;
      return new Uint8Array(sent);
    });
    await fc.assert(
      fc.asyncProperty(path, fc.option(body, { nil: undefined }), mediaType, charset, coding, async (route, payload, type, set, encoding) => {
        // fetch itself refuses header values with control characters; those never reach a server.
        fc.pre([set, encoding].every((value) => value === undefined || /^[\t\x20-\x7e]*$/.test(value)));
        await check(route, payload, set === undefined ? type : `${type}; charset=${set}`, encoding);
      }),
      { numRuns: 400 },
    );
  });
});

/*
 * Whole sequences, as a hostile client drives them: register a credential with any public key bytes, any
 * attestation `fmt` and any statement, then sign in with it, with the authenticator's own signature and with
 * forgeries. Every answer must be 2xx or 4xx with the logger silent (no 5xx a client can cause), and no
 * sign-in may succeed unless the authenticator's own key was registered and its own signature sent.
 */
describe('passkeyRouter: register with anything, then sign in (fast-check sequences)', () => {
  const ORIGIN = 'http://localhost:3000';

  it('answers every step 2xx/4xx with the logger silent, and only the genuine key with its genuine signature signs in', async () => {
    const sequenceLogger = { error: vi.fn() };
    const relyingParty = createRelyingParty({ rpId: 'localhost', rpName: 'Tessera fuzz', origins: [ORIGIN], challengeStore: new MemoryChallengeStore({ sweepIntervalMs: 0 }), credentialStore: new MemoryCredentialStore() });
    const app = express();
    app.use(passkeyRouter({ relyingParty, authenticate: () => ({ id: 'sequence-user' }), logger: sequenceLogger }));
    const sequenceServer = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => sequenceServer.once('listening', resolve));
    const origin = `http://127.0.0.1:${(sequenceServer.address() as AddressInfo).port}`;

    /** Posts `json`; the answer must be below 500 and nothing logged. */
    const step = async (path: string, what: string, json?: unknown): Promise<{ status: number; body: unknown }> => {
      const response = await fetch(origin + path, {
        method: 'POST',
        headers: { authorization: 'Bearer fuzz', ...(json === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(json === undefined ? {} : { body: JSON.stringify(json) }),
      });
      const text = await response.text();
      expect(response.status, `${what}: ${text}`).toBeLessThan(500);
      expect(sequenceLogger.error.mock.calls.map(([, details]) => (details as { code?: string }).code ?? 'no code'), `${what} was logged as a server fault`).toEqual([]);
      return { status: response.status, body: JSON.parse(text) as unknown };
    };

    let genuineSignIns = 0;
    try {
      await fc.assert(
        fc.asyncProperty(anyPlant, fc.constantFrom('ES256', 'EdDSA') as fc.Arbitrary<SoftwareAlgorithm>, fc.uint8Array({ minLength: 64, maxLength: 72 }), async (plant, algorithm, randomSignature) => {
          sequenceLogger.error.mockClear();
          const creation = registrationOptionsEnvelopeSchema.parse((await step('/mfa/passkey/registration-options', 'registration-options')).body).data;
          const authenticator = new SoftwareAuthenticator({ algorithm });
          const genuine = await authenticator.register(creation, ORIGIN);
          const credential = planted(genuine, authenticator.credentials[0]!.publicKey, plant);
          const registered = await step('/mfa/passkey/complete-registration', 'complete-registration', { credential, challenge: creation.challenge });
          if (registered.status !== 200) return;
          // §7.1 steps 19–21: only a registered fmt, and a statement of a format the library verifies is verified.
          if (plant.fmt !== undefined) expect(REGISTERED_FORMATS, 'a registration with an unregistered fmt was accepted').toContain(plant.fmt);
          if (plant.fmt !== undefined) expect(VERIFIED_FORMATS, 'a statement that cannot verify was accepted').not.toContain(plant.fmt);
          for (const signature of ['genuine', 'identity forgery', 'random'] as const) {
            const options = authOptionsEnvelopeSchema.parse((await step('/mfa/passkey/auth-options', 'auth-options')).body).data;
            const assertion = await authenticator.authenticate(options, ORIGIN);
            if (signature === 'identity forgery') assertion.response.signature = base64url.encode(IDENTITY_SIGNATURE);
            if (signature === 'random') assertion.response.signature = base64url.encode(randomSignature);
            const verified = await step('/mfa/passkey/auth-verify', `auth-verify with the ${signature} signature`, { credential: assertion });
            if (verified.status === 200) {
              expect({ signature, keyPlanted: plant.publicKey !== undefined }, 'a sign-in succeeded without the private key').toEqual({ signature: 'genuine', keyPlanted: false });
            }
            // An enrolled genuine key signs in with its own signature: the sequence reaches the sign-in it means to test.
            if (signature === 'genuine' && plant.publicKey === undefined) {
              expect(verified.status, 'the genuine key enrolled but could not sign in').toBe(200);
              genuineSignIns++;
            }
          }
        }),
        { numRuns: 200 },
      );
      expect(genuineSignIns, 'no run reached a genuine sign-in').toBeGreaterThan(0);
    } finally {
      await new Promise((resolve) => sequenceServer.close(resolve));
    }
  }, 180_000);
});

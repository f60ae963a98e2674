import { describe, expect, expectTypeOf, it, vi } from 'vitest';
import { MemoryChallengeStore, MemoryCredentialStore, createRelyingParty, isTesseraError } from '@tessera/core';
import { SoftwareAuthenticator } from '@tessera/core/testing';
import { AuthenticationClient } from './authenticationClient.ts';
import { createGenAuthHandler } from './createGenAuthHandler.ts';
import { isErrorRespDto, type ErrorRespDto, type GetAuthenticationOptionsRespDto } from './envelopes.ts';

const ORIGIN = 'https://example.com';

/** The handler, reached through the client's `fetch` option: no socket, just the Fetch API shape. */
function setup() {
  const relyingParty = createRelyingParty({ rpId: 'example.com', rpName: 'Example', origins: [ORIGIN], challengeStore: new MemoryChallengeStore(), credentialStore: new MemoryCredentialStore() });
  const handler = createGenAuthHandler({
    relyingParty,
    basePath: '/auth',
    authenticate: async (request) => (request.headers.get('authorization') === 'Bearer alice' ? { id: 'alice' } : null),
  });
  const fetch = vi.fn((input: RequestInfo | URL, init?: RequestInit) => handler(new Request(input, init)));
  return { handler, fetch };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('AuthenticationClient', () => {
  it('registers and signs in, resolving to the typed success DTOs', async () => {
    const { fetch } = setup();
    const token = vi.fn(() => ({ authorization: 'Bearer alice' }));
    const client = new AuthenticationClient({ baseUrl: 'https://example.com/auth/', fetch, headers: token });
    const authenticator = new SoftwareAuthenticator();

    const registration = await client.initRegistrationOptions();
    if (isErrorRespDto(registration)) throw new Error(registration.message);
    const registered = await client.verifyRegistration({
      ticket: registration.data.ticket,
      registrationCredential: await authenticator.register(registration.data.registrationOptions, ORIGIN),
    });
    expect(registered).toMatchObject({ statusCode: 200, data: { verified: true } });

    const started = await client.initAuthenticationOptions();
    expectTypeOf(started).toEqualTypeOf<GetAuthenticationOptionsRespDto | ErrorRespDto>();
    if ('apiCode' in started) throw new Error(started.message);
    expectTypeOf(started.data.authenticationOptions.timeout).toBeNumber();
    const result = await client.verifyAuthentication({
      ticket: started.data.ticket,
      authenticationCredential: await authenticator.authenticate(started.data.authenticationOptions, ORIGIN),
    });
    expect(result).toMatchObject({ statusCode: 200, data: { verified: true, newSignCount: 2 } });

    expect(token).toHaveBeenCalledTimes(4);
    expect(fetch.mock.calls.map(([url, init]) => `${init?.method} ${String(url)}`)).toEqual([
      'GET https://example.com/auth/api/v3/webauthn/registration',
      'POST https://example.com/auth/api/v3/webauthn/registration',
      'GET https://example.com/auth/api/v3/webauthn/authentication',
      'POST https://example.com/auth/api/v3/webauthn/authentication',
    ]);
  });

  it('returns failures as DTOs with their statusCode and apiCode, not thrown', async () => {
    const { fetch } = setup();
    const client = new AuthenticationClient({ baseUrl: 'https://example.com/auth', fetch });
    const registration = await client.initRegistrationOptions();
    expect(isErrorRespDto(registration)).toBe(true);
    expect(registration).toMatchObject({ statusCode: 401, apiCode: 40101 });
    const verified = await client.verifyAuthentication({ ticket: 'unknown', authenticationCredential: {} as never });
    expect(verified).toMatchObject({ statusCode: 400, apiCode: 40010, message: 'The ticket is unknown, expired or already used.' });
  });

  it('rejects with malformed_response when the answer is not JSON or matches neither envelope', async () => {
    for (const answer of [
      new Response('<html>Bad gateway</html>', { status: 502 }),
      Response.json({ statusCode: 200, message: 'Operation successful', requestId: 'r', data: { ticket: 'x' } }),
      Response.json({ statusCode: 200, message: 'ok', requestId: 'r', data: { authenticationOptions: { timeout: '60000', allowCredentials: { type: 'public-key' } } } }),
      Response.json({ success: false, error: 'Failed to generate authentication options' }, { status: 500 }),
    ]) {
      const client = new AuthenticationClient({ baseUrl: 'https://example.com', fetch: async () => answer });
      const error = await rejection(client.initAuthenticationOptions());
      expect(isTesseraError(error, 'malformed_response')).toBe(true);
    }
  });

  it('lets a network failure reject as fetch does', async () => {
    const failure = new TypeError('fetch failed');
    const client = new AuthenticationClient({ baseUrl: 'https://example.com', fetch: async () => Promise.reject(failure) });
    expect(await rejection(client.initAuthenticationOptions())).toBe(failure);
  });

  it('validates its options (invalid_config)', () => {
    for (const options of [{}, { baseUrl: 'example.com' }, { baseUrl: 'ftp://example.com' }, { baseUrl: 'https://example.com/?a=1' }, { baseUrl: 'https://example.com', fetch: 'fetch' }, { baseUrl: 'https://example.com', extra: 1 }]) {
      let caught: unknown;
      try {
        new AuthenticationClient(options as never);
      } catch (error) {
        caught = error;
      }
      expect(isTesseraError(caught, 'invalid_config'), JSON.stringify(options)).toBe(true);
    }
    expect(() => new AuthenticationClient({ baseUrl: new URL('http://localhost:3000') })).not.toThrow();
  });
});

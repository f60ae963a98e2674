import { MemoryChallengeStore, MemoryCredentialStore, createRelyingParty, isTesseraError } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { passkeyRouter, type PasskeyRouterOptions } from './index.ts';

const valid: PasskeyRouterOptions = {
  relyingParty: createRelyingParty({ rpId: 'example.com', rpName: 'Example', origins: ['https://example.com'], challengeStore: new MemoryChallengeStore(), credentialStore: new MemoryCredentialStore() }),
  authenticate: async () => null,
};

/** The message of the invalid_config error `passkeyRouter` throws for `options`. */
function rejection(options: unknown): string {
  try {
    passkeyRouter(options as PasskeyRouterOptions);
  } catch (error) {
    expect(isTesseraError(error, 'invalid_config')).toBe(true);
    return (error as Error).message;
  }
  throw new Error('expected invalid_config');
}

describe('passkeyRouter options', () => {
  it('builds a router from the three required options, and from every optional one', () => {
    expect(typeof passkeyRouter(valid)).toBe('function');
    const router = passkeyRouter({
      ...valid,
      userHandle: (user) => user.id,
      challengeEncoding: 'base64',
      bodyLimitBytes: 8192,
      bodyTimeoutMs: 2_000,
      retryAfterSeconds: 0,
      logger: { error: () => undefined },
    });
    expect(typeof router).toBe('function');
  });

  it('refuses bad options with invalid_config, naming each one', () => {
    expect(rejection(undefined)).toMatch(/Invalid passkey router options/);
    expect(rejection({ ...valid, relyingParty: {} })).toMatch(/relyingParty: relyingParty must be a RelyingParty/);
    // The relying party owns the credential store: the old option is refused, not silently ignored.
    expect(rejection({ ...valid, credentials: new MemoryCredentialStore() })).toMatch(/credentials/);
    expect(rejection({ ...valid, authenticate: 'bearer' })).toMatch(/authenticate: authenticate must be a function/);
    expect(rejection({ ...valid, challengeEncoding: 'hex' })).toMatch(/challengeEncoding/);
    expect(rejection({ ...valid, bodyLimitBytes: 64 })).toMatch(/bodyLimitBytes must be at least 1024/);
    expect(rejection({ ...valid, bodyLimitBytes: 1.5e9 })).toMatch(/bodyLimitBytes must be at most/);
    expect(rejection({ ...valid, bodyTimeoutMs: 10 })).toMatch(/bodyTimeoutMs must be at least 100/);
    expect(rejection({ ...valid, bodyTimeoutMs: 600_000 })).toMatch(/bodyTimeoutMs must be at most 300000/);
    expect(rejection({ ...valid, bodyTimeoutMs: 1.5 })).toMatch(/bodyTimeoutMs must be a whole number/);
    expect(rejection({ ...valid, bodyTimeoutMs: '10s' })).toMatch(/bodyTimeoutMs/);
    expect(rejection({ ...valid, retryAfterSeconds: -1 })).toMatch(/retryAfterSeconds must be at least 0/);
    expect(rejection({ ...valid, retryAfterSeconds: 0.5 })).toMatch(/retryAfterSeconds must be a whole number/);
    expect(rejection({ ...valid, retryAfterSeconds: 100_000 })).toMatch(/retryAfterSeconds must be at most 86400/);
    expect(rejection({ ...valid, logger: console.error })).toMatch(/logger must have an error/);
  });

  it('refuses a misspelt option rather than ignoring it', () => {
    expect(rejection({ ...valid, challengeEncodings: 'base64' })).toMatch(/challengeEncodings/);
  });
});

import { describe, expect, it } from 'vitest';
import { rejectionCode } from '../test/mutations.ts';
import { base64url } from './base64url.ts';
import { MemoryCredentialStore } from './credentialStore.ts';
import { MemoryChallengeStore } from './memoryChallengeStore.ts';
import { createRelyingParty } from './relyingParty.ts';
import { SoftwareAuthenticator } from './testing/softwareAuthenticator.ts';

/*
 * clientExtensionResults is unsigned and comes back to the caller as `extensionOutputs.client`. A client that nests
 * it 20 000 deep (a 40 KB body) must be refused, or the caller's JSON.stringify(result) overflows the stack.
 */

const ORIGIN = 'https://example.com';
const RP_ID = 'example.com';
const alice = { id: base64url.encode(new TextEncoder().encode('alice-0001')), name: 'alice@example.com', displayName: 'Alice' };
const deepArray = (depth: number): unknown => JSON.parse('['.repeat(depth) + ']'.repeat(depth)) as unknown;

async function enrolled() {
  const rp = createRelyingParty({ rpId: RP_ID, rpName: 'Example', origins: [ORIGIN], challengeStore: new MemoryChallengeStore({ sweepIntervalMs: 0 }), credentialStore: new MemoryCredentialStore() });
  const authenticator = new SoftwareAuthenticator();
  const { options, ticket } = await rp.startRegistration({ user: alice });
  const response = await authenticator.register(options, ORIGIN);
  await rp.finishRegistration({ ticket, response });
  return { rp, authenticator };
}

describe('clientExtensionResults that no caller could serialise', () => {
  it.each([
    ['nested 20 000 deep', { x: deepArray(20_000) }],
    ['nested 33 deep', { x: deepArray(33) }],
    ['with 20 000 values', { x: Array.from({ length: 20_000 }, () => 0) }],
  ])('%s: finishAuthentication is malformed_response', async (_name, clientExtensionResults) => {
    const { rp, authenticator } = await enrolled();
    const { options, ticket } = await rp.startAuthentication();
    const response = await authenticator.getAssertion({ rpId: RP_ID, challenge: options.challenge, origin: ORIGIN, clientExtensionResults });
    expect(await rejectionCode(rp.finishAuthentication({ ticket, response }))).toBe('malformed_response');
  });

  it('nested 20 000 deep at registration: finishRegistration is malformed_response', async () => {
    const rp = createRelyingParty({ rpId: RP_ID, rpName: 'Example', origins: [ORIGIN], challengeStore: new MemoryChallengeStore({ sweepIntervalMs: 0 }), credentialStore: new MemoryCredentialStore() });
    const { options, ticket } = await rp.startRegistration({ user: alice });
    const response = await new SoftwareAuthenticator().register(options, ORIGIN);
    expect(await rejectionCode(rp.finishRegistration({ ticket, response: { ...response, clientExtensionResults: { x: deepArray(20_000) } } }))).toBe('malformed_response');
  });

  it('ordinary extension results still pass and reach the caller as sent', async () => {
    const { rp, authenticator } = await enrolled();
    const { options, ticket } = await rp.startAuthentication();
    const clientExtensionResults = { prf: { enabled: true, results: { first: 'AAAA' } }, credProps: { rk: true } };
    const response = await authenticator.getAssertion({ rpId: RP_ID, challenge: options.challenge, origin: ORIGIN, clientExtensionResults });
    const result = await rp.finishAuthentication({ ticket, response });
    expect(result.extensionOutputs?.client).toEqual(clientExtensionResults);
    expect(() => JSON.stringify(result)).not.toThrow();
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { base64url } from './base64url.ts';
import { isTesseraError } from './errors.ts';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from './responseJSON.ts';
import { SoftwareAuthenticator } from './testing/softwareAuthenticator.ts';
import { verifyAuthenticationResponse } from './verifyAuthenticationResponse.ts';
import { verifyRegistrationResponse } from './verifyRegistrationResponse.ts';

const origin = 'https://example.com';
const challenge = base64url.encode(new Uint8Array(32).fill(2));
const bytes = fc.uint8Array({ maxLength: 200 }).map(base64url.encode);

/** A real response with any of its members replaced by random bytes, random JSON or nothing. */
function mutated<T extends { response: Record<string, unknown> }>(real: T): fc.Arbitrary<unknown> {
  const members = Object.keys(real.response);
  return fc.record({ member: fc.constantFrom(...members, 'id', 'type'), value: fc.oneof(bytes, fc.anything(), fc.constant(undefined)) }).map(({ member, value }) =>
    member in real.response ? { ...real, response: { ...real.response, [member]: value } } : { ...real, [member]: value },
  );
}

describe('verifiers: any response at all is verified or rejected with a TesseraError', () => {
  it('verifyAuthenticationResponse', async () => {
    const authenticator = new SoftwareAuthenticator();
    await authenticator.createCredential({ rpId: 'example.com', challenge, origin, userHandle: 'dXNlcg' });
    const [credential] = authenticator.credentials;
    const real = await authenticator.getAssertion({ rpId: 'example.com', challenge, origin });
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.anything(), mutated(real)), async (response) => {
        try {
          await verifyAuthenticationResponse({
            response: response as AuthenticationResponseJSON,
            expectedChallenge: challenge,
            expectedOrigin: origin,
            expectedRpId: 'example.com',
            credential: { id: credential!.id, publicKey: credential!.publicKey, signCount: 0 },
          });
        } catch (error) {
          expect(isTesseraError(error), String(error)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('verifyRegistrationResponse', async () => {
    const authenticator = new SoftwareAuthenticator();
    const real = await authenticator.createCredential({ rpId: 'example.com', challenge, origin, userHandle: 'dXNlcg', attestation: 'packed' });
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.anything(), mutated(real)), async (response) => {
        try {
          await verifyRegistrationResponse({
            response: response as RegistrationResponseJSON,
            expectedChallenge: challenge,
            expectedOrigin: origin,
            expectedRpId: 'example.com',
            userId: 'dXNlcg',
            attestation: 'direct',
          });
        } catch (error) {
          expect(isTesseraError(error), String(error)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});

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

/** A response to verify, and whether a correct verifier must reject it. */
interface Candidate {
  response: unknown;
  mustFail: boolean;
}

/**
 * A real response with any of its members replaced by random bytes, random JSON or nothing. Replacing a
 * member in `bound` (signed, or checked against the credential) with anything else must make verification
 * fail; other members (a user handle, transports) may legitimately carry other values.
 */
function mutated<T extends { response: Record<string, unknown> }>(real: T, bound: readonly string[]): fc.Arbitrary<Candidate> {
  const members = Object.keys(real.response);
  return fc.record({ member: fc.constantFrom(...members, 'id', 'type'), value: fc.oneof(bytes, fc.anything(), fc.constant(undefined)) }).map(({ member, value }) => {
    const inResponse = member in real.response;
    const original = inResponse ? real.response[member] : (real as Record<string, unknown>)[member];
    const response = inResponse ? { ...real, response: { ...real.response, [member]: value } } : { ...real, [member]: value };
    return { response, mustFail: bound.includes(member) && value !== original };
  });
}

/** Anything at all: never a valid response. */
const anything: fc.Arbitrary<Candidate> = fc.anything().map((response) => ({ response, mustFail: true }));

/** Runs `verify`: a rejection must be a TesseraError, and a candidate that must fail must not verify. */
async function check({ response, mustFail }: Candidate, verify: (response: unknown) => Promise<unknown>): Promise<void> {
  let verified = false;
  try {
    await verify(response);
    verified = true;
  } catch (error) {
    expect(isTesseraError(error), String(error)).toBe(true);
  }
  if (mustFail) expect(verified, 'a response that must fail verified').toBe(false);
}

describe('verifiers: any response at all is verified or rejected with a TesseraError', () => {
  it('verifyAuthenticationResponse', async () => {
    const authenticator = new SoftwareAuthenticator();
    await authenticator.createCredential({ rpId: 'example.com', challenge, origin, userHandle: 'dXNlcg' });
    const [credential] = authenticator.credentials;
    const real = await authenticator.getAssertion({ rpId: 'example.com', challenge, origin });
    const bound = ['clientDataJSON', 'authenticatorData', 'signature', 'id', 'type'];
    await fc.assert(
      fc.asyncProperty(fc.oneof(anything, mutated(real, bound)), (candidate) =>
        check(candidate, (response) =>
          verifyAuthenticationResponse({
            response: response as AuthenticationResponseJSON,
            expectedChallenge: challenge,
            expectedOrigin: origin,
            expectedRpId: 'example.com',
            credential: { id: credential!.id, publicKey: credential!.publicKey, signCount: 0 },
          }),
        ),
      ),
      { numRuns: 500 },
    );
  });

  // Under 'none' too: the packed statement is verified whatever was requested (§7.1 step 21), so the attestation
  // object stays bound to the client data.
  it.each(['direct', 'none'] as const)('verifyRegistrationResponse, attestation %s requested', async (attestation) => {
    const authenticator = new SoftwareAuthenticator();
    const real = await authenticator.createCredential({ rpId: 'example.com', challenge, origin, userHandle: 'dXNlcg', attestation: 'packed' });
    const bound = ['clientDataJSON', 'attestationObject', 'id', 'type'];
    await fc.assert(
      fc.asyncProperty(fc.oneof(anything, mutated(real, bound)), (candidate) =>
        check(candidate, (response) =>
          verifyRegistrationResponse({
            response: response as RegistrationResponseJSON,
            expectedChallenge: challenge,
            expectedOrigin: origin,
            expectedRpId: 'example.com',
            userId: 'dXNlcg',
            attestation,
          }),
        ),
      ),
      { numRuns: 500 },
    );
  });
});

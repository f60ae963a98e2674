import { describe, expect, it } from 'vitest';
import { base64url } from './base64url.ts';
import { MemoryCredentialStore } from './credentialStore.ts';
import { isTesseraError } from './errors.ts';
import { MemoryChallengeStore } from './memoryChallengeStore.ts';
import { createRelyingParty } from './relyingParty.ts';
import { SoftwareAuthenticator, type SoftwareAlgorithm } from './testing/softwareAuthenticator.ts';

/*
 * Forged assertion signatures against a genuine stored key (README "What the library refuses"): zero, out-of-range
 * and non-DER ECDSA values, wrong-length EdDSA and RSA signatures, BER lengths and trailing bytes. Each must fail with
 * a typed client error (malformed_response or invalid_signature), never verify and never throw a plain Error.
 */

const ORIGIN = 'https://example.com';
const RP_ID = 'example.com';
const alice = { id: base64url.encode(new TextEncoder().encode('alice-0001')), name: 'alice@example.com', displayName: 'Alice' };
const hex = (text: string): Uint8Array => Uint8Array.from(text.match(/../g) ?? [], (byte) => Number.parseInt(byte, 16));
const P256_N = 'ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551';
const derInt = (value: string): string => `02${(value.length / 2).toString(16).padStart(2, '0')}${value}`;
const derSeq = (...parts: string[]): Uint8Array => {
  const content = parts.join('');
  return hex(`30${(content.length / 2).toString(16).padStart(2, '0')}${content}`);
};

const FORGERIES: [SoftwareAlgorithm, string, Uint8Array][] = [
  ['ES256', 'r = s = 0', derSeq(derInt('00'), derInt('00'))],
  ['ES256', 'r = n, s = 1', derSeq(derInt(`00${P256_N}`), derInt('01'))],
  ['ES256', 'r = 1, s = n', derSeq(derInt('01'), derInt(`00${P256_N}`))],
  ['ES256', 'r = s = 2^256 - 1', derSeq(derInt(`00${'ff'.repeat(32)}`), derInt(`00${'ff'.repeat(32)}`))],
  ['ES256', 'negative r', derSeq(derInt('ff'), derInt('01'))],
  ['ES256', 'an empty SEQUENCE', hex('3000')],
  ['ES256', 'a BER long-form length', hex(`3081060201010201 01`.replace(/ /g, ''))],
  ['ES256', 'trailing bytes after the SEQUENCE', Uint8Array.of(...derSeq(derInt('01'), derInt('01')), 0)],
  ['ES256', 'raw P1363 instead of DER', new Uint8Array(64).fill(1)],
  ['ES256', 'an empty signature', new Uint8Array(0)],
  ['ES256', '8 KiB of zeros', new Uint8Array(8192)],
  ['EdDSA', '63 bytes', new Uint8Array(63)],
  ['EdDSA', 'S = L (non-canonical)', hex(`58${'66'.repeat(31)}edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010`)],
  ['EdDSA', 'all zeros', new Uint8Array(64)],
  ['RS256', 'one byte short', new Uint8Array(255).fill(1)],
  ['RS256', 'the modulus length of zeros', new Uint8Array(256)],
  ['RS256', 'all ones (above the modulus)', new Uint8Array(256).fill(0xff)],
];

describe('forged signatures under a genuine stored key', () => {
  it.each(FORGERIES)('%s, %s: refused with a typed client error', async (algorithm, _name, signature) => {
    const rp = createRelyingParty({ rpId: RP_ID, rpName: 'Example', origins: [ORIGIN], challengeStore: new MemoryChallengeStore({ sweepIntervalMs: 0 }), credentialStore: new MemoryCredentialStore() });
      const authenticator = new SoftwareAuthenticator({ algorithm });
    const registration = await rp.startRegistration({ user: alice });
    await rp.finishRegistration({ ticket: registration.ticket, response: await authenticator.register(registration.options, ORIGIN) });
    const { options, ticket } = await rp.startAuthentication();
    const response = await authenticator.getAssertion({ rpId: RP_ID, challenge: options.challenge, origin: ORIGIN, signature });
    const outcome = await rp.finishAuthentication({ ticket, response }).then(
      () => 'verified',
      (error: unknown) => (isTesseraError(error) ? error.code : `plain ${String(error)}`),
    );
    expect(['malformed_response', 'invalid_signature']).toContain(outcome);
  });
});

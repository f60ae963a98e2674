import { Encoder } from 'cbor-x';
import { describe, expect, it } from 'vitest';
import { SMALL_ORDER_ENCODINGS, hexBytes } from '../test/ed25519SmallOrder.ts';
import { rejectionCode } from '../test/mutations.ts';
import { base64url } from './base64url.ts';
import { MemoryCredentialStore } from './credentialStore.ts';
import { MemoryChallengeStore } from './memoryChallengeStore.ts';
import { createRelyingParty } from './relyingParty.ts';
import { SoftwareAuthenticator, type SoftwareAlgorithm } from './testing/softwareAuthenticator.ts';

/*
 * The attacks of issue 11 against the relying party: enrol a public key that needs no private key (a small-order
 * Ed25519 point), or one that every later sign-in fails on (an EC point off its curve), then sign in with a forged
 * assertion. Registration must refuse the key with malformed_public_key, whatever attestation was requested, and
 * no forged assertion may ever verify.
 */

const ORIGIN = 'https://example.com';
const RP_ID = 'example.com';
const alice = { id: base64url.encode(new TextEncoder().encode('alice-0001')), name: 'alice@example.com', displayName: 'Alice' };
const cbor = new Encoder({ mapsAsObjects: false, useRecords: false, tagUint8Array: false });
const coseKey = (entries: [number, unknown][]): Uint8Array<ArrayBuffer> => new Uint8Array(cbor.encode(new Map(entries)));
const ed25519Key = (x: Uint8Array): Uint8Array<ArrayBuffer> => coseKey([[1, 1], [3, -8], [-1, 6], [-2, x]]);

/** The identity point `01 00…00` as an Ed25519 key, and the signature R = identity, S = 0, valid for it on any message under a cofactorless verifier. */
const IDENTITY_KEY = ed25519Key(hexBytes(SMALL_ORDER_ENCODINGS[0]!.hex));
const FORGED_SIGNATURE = Uint8Array.from({ length: 64 }, (_, index) => (index === 0 ? 1 : 0));

/** The P-256 base point, and the same x with y + 1 (off the curve), (0, 0) and x = p. */
const P256_X = hexBytes('6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296');
const P256_Y = hexBytes('4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5');
const P256_P = hexBytes('ffffffff00000001000000000000000000000000ffffffffffffffffffffffff');
const es256Key = (x: Uint8Array, y: Uint8Array): Uint8Array => coseKey([[1, 2], [3, -7], [-1, 1], [-2, x], [-3, y]]);
const yPlusOne = Uint8Array.from(P256_Y);
yPlusOne[31]! += 1;

const PLANTED: { name: string; algorithm: SoftwareAlgorithm; publicKey: Uint8Array }[] = [
  ...SMALL_ORDER_ENCODINGS.map(({ name, hex }) => ({ name: `Ed25519 ${name}`, algorithm: 'EdDSA' as const, publicKey: ed25519Key(hexBytes(hex)) })),
  { name: 'P-256 y + 1', algorithm: 'ES256', publicKey: es256Key(P256_X, yPlusOne) },
  { name: 'P-256 (0, 0)', algorithm: 'ES256', publicKey: es256Key(new Uint8Array(32), new Uint8Array(32)) },
  { name: 'P-256 x = p', algorithm: 'ES256', publicKey: es256Key(P256_P, P256_Y) },
];

function setup() {
  const credentials = new MemoryCredentialStore();
  const rp = createRelyingParty({ rpId: RP_ID, rpName: 'Example', origins: [ORIGIN], challengeStore: new MemoryChallengeStore({ sweepIntervalMs: 0 }), credentialStore: credentials });
  return { rp, credentials };
}

describe('registration refuses a planted public key with malformed_public_key, and the forged sign-in never verifies', () => {
  it.each(PLANTED.flatMap((planted) => (['none', 'direct'] as const).map((attestation) => ({ ...planted, attestation }))))(
    '$name, attestation $attestation',
    async ({ algorithm, publicKey, attestation }) => {
      const context = setup();
      const authenticator = new SoftwareAuthenticator({ algorithm });
      const { options, ticket } = await context.rp.startRegistration({ user: alice, attestation });
      const response = await authenticator.createCredential({
        rpId: RP_ID,
        challenge: options.challenge,
        origin: ORIGIN,
        userHandle: options.user.id,
        attestation: attestation === 'direct' ? 'packed' : 'none',
        publicKey,
      });
      expect(await rejectionCode(context.rp.finishRegistration({ ticket, response }))).toBe('malformed_public_key');

      // The attacker signs in anyway, with the forgery that the identity key accepts.
      const signIn = await context.rp.startAuthentication();
      const forged = await authenticator.getAssertion({ rpId: RP_ID, challenge: signIn.options.challenge, origin: ORIGIN, signature: FORGED_SIGNATURE });
      const outcome = await context.rp.finishAuthentication({ ticket: signIn.ticket, response: forged }).then(
        (result) => `verified ${String(result.verified)}`,
        (error: unknown) => (error as { code?: string }).code,
      );
      expect(outcome).toBe('unknown_credential');
    },
  );

  it('still registers and signs in a genuine EdDSA credential', async () => {
    const context = setup();
    const authenticator = new SoftwareAuthenticator({ algorithm: 'EdDSA' });
    const { options, ticket } = await context.rp.startRegistration({ user: alice });
    const { credential } = await context.rp.finishRegistration({ ticket, response: await authenticator.register(options, ORIGIN) });
    const signIn = await context.rp.startAuthentication();
    const result = await context.rp.finishAuthentication({ ticket: signIn.ticket, response: await authenticator.authenticate(signIn.options, ORIGIN) });
    expect(result).toMatchObject({ verified: true, credentialId: credential.id });
  });
});

describe('a small-order key stored before this check cannot be used to forge a sign-in', () => {
  it('the identity key in a stored record fails sign-in with malformed_public_key instead of verifying the forgery', async () => {
    const context = setup();
    const authenticator = new SoftwareAuthenticator({ algorithm: 'EdDSA' });
    const { options, ticket } = await context.rp.startRegistration({ user: alice });
    const { credential } = await context.rp.finishRegistration({ ticket, response: await authenticator.register(options, ORIGIN) });
    // What the unchecked registration used to store: the credential with the identity point as its key.
    await context.credentials.delete(credential.id, credential.userId);
    await context.credentials.create({ ...credential, publicKey: IDENTITY_KEY });

    const signIn = await context.rp.startAuthentication();
    const forged = await authenticator.getAssertion({ rpId: RP_ID, challenge: signIn.options.challenge, origin: ORIGIN, signature: FORGED_SIGNATURE });
    expect(await rejectionCode(context.rp.finishAuthentication({ ticket: signIn.ticket, response: forged }))).toBe(
      'malformed_public_key',
    );
  });
});

import { ml_dsa44, ml_dsa65, ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';
import { Encoder } from 'cbor-x';
import { describe, expect, it } from 'vitest';
import { packedX5c } from '../test/attestationStatements.ts';
import { rejectionCode } from '../test/mutations.ts';
import { importMlDsaKey, verifyMlDsa, verifyMlDsaWithNoble } from './_mlDsa.ts';
import { base64url } from './base64url.ts';
import { parseCoseKey, type AkpCoseKey } from './cose.ts';
import { MemoryCredentialStore, credentialRecordSchema } from './credentialStore.ts';
import { isTesseraError } from './errors.ts';
import { MemoryChallengeStore } from './memoryChallengeStore.ts';
import { PublicKeyCache } from './publicKeyCache.ts';
import { buildRegistrationOptions, coseAlgorithmSchema, DEFAULT_REGISTRATION_ALGORITHMS } from './registrationOptions.ts';
import { createRelyingParty, type RelyingPartyConfig } from './relyingParty.ts';
import type { AuthenticationResponseJSON } from './responseJSON.ts';
import { SoftwareAuthenticator } from './testing/softwareAuthenticator.ts';
import { verifyAuthenticationResponse } from './verifyAuthenticationResponse.ts';
import { importCoseKey, verifySignature } from './verifySignature.ts';

/*
 * ML-DSA credentials (RFC 9964) end to end: vectors made in the test with @noble/post-quantum (keygen, sign),
 * verified through verifySignature, verifyAuthenticationResponse and a relying party.
 */

const cbor = new Encoder({ mapsAsObjects: false, useRecords: false, tagUint8Array: false });
const akp = (alg: number, pub: Uint8Array, extra: [number, unknown][] = []): Uint8Array =>
  new Uint8Array(cbor.encode(new Map<number, unknown>([[1, 7], [3, alg], [-1, pub], ...extra])));

const SETS = [
  { name: 'ML-DSA-44', alg: -48, noble: ml_dsa44, signatureBytes: 2420 },
  { name: 'ML-DSA-65', alg: -49, noble: ml_dsa65, signatureBytes: 3309 },
  { name: 'ML-DSA-87', alg: -50, noble: ml_dsa87, signatureBytes: 4627 },
] as const;

/** A vector made with the library: a deterministic key (seeded) and a deterministic signature over `data`. */
const VECTORS = SETS.map((set, index) => {
  const { publicKey, secretKey } = set.noble.keygen(new Uint8Array(32).fill(0x40 + index));
  const data = new TextEncoder().encode(`authenticatorData || SHA-256(clientDataJSON) for ${set.name}`);
  const signature = set.noble.sign(data, secretKey, { extraEntropy: false });
  return { ...set, pub: publicKey, secretKey, coseKey: akp(set.alg, publicKey), data, signature };
});

const flipped = (bytes: Uint8Array, at: number): Uint8Array => {
  const copy = Uint8Array.from(bytes);
  copy[at]! ^= 0x01;
  return copy;
};
const verify = (publicKey: Uint8Array, signature: Uint8Array, data: Uint8Array): Promise<boolean> =>
  verifySignature({ publicKey, signature, data, keyCache: new PublicKeyCache() });

describe('verifySignature with ML-DSA keys (vectors made with @noble/post-quantum)', () => {
  it.each(VECTORS)('$name: the signature is $signatureBytes bytes and verifies', async ({ coseKey, signature, data, signatureBytes }) => {
    expect(signature.length).toBe(signatureBytes);
    expect(await verify(coseKey, signature, data)).toBe(true);
    // Twice through the default cache: the second call takes the cached entry.
    expect(await verifySignature({ publicKey: coseKey, signature, data })).toBe(true);
    expect(await verifySignature({ publicKey: coseKey, signature, data })).toBe(true);
  });

  it.each(VECTORS)('$name: a repeat verification parses and imports nothing, whether or not WebCrypto has ML-DSA', async ({ coseKey, signature, data }) => {
    const keyCache = new PublicKeyCache();
    let loads = 0;
    const counting = Object.assign(Object.create(keyCache) as PublicKeyCache, {
      getOrLoad: (bytes: Uint8Array, load: Parameters<PublicKeyCache['getOrLoad']>[1]) =>
        keyCache.getOrLoad(bytes, (key) => {
          loads++;
          return load(key);
        }),
    });
    for (let i = 0; i < 3; i++) expect(await verifySignature({ publicKey: coseKey, signature, data, keyCache: counting })).toBe(true);
    expect(loads).toBe(1);
    expect(keyCache.size).toBe(1);
  });

  it.each(VECTORS)('$name: a flipped signature byte, a changed message or another key is false', async ({ coseKey, signature, data, alg, noble }) => {
    for (const at of [0, 100, signature.length - 1]) expect(await verify(coseKey, flipped(signature, at), data), `byte ${at}`).toBe(false);
    expect(await verify(coseKey, signature, flipped(data, 0))).toBe(false);
    const other = akp(alg, noble.keygen(new Uint8Array(32).fill(0x7f)).publicKey);
    expect(await verify(other, signature, data)).toBe(false);
  });

  it.each(VECTORS)('$name: a signature of another length is malformed_response', async ({ coseKey, signature, data }) => {
    const others = [VECTORS[0]!.signature, VECTORS[1]!.signature, VECTORS[2]!.signature].filter((other) => other.length !== signature.length);
    for (const bad of [signature.subarray(1), Uint8Array.of(...signature, 0), new Uint8Array(0), new Uint8Array(64), ...others]) {
      const error = await verify(coseKey, bad, data).catch((caught: unknown) => caught);
      expect(isTesseraError(error, 'malformed_response'), `${bad.length} bytes: ${String(error)}`).toBe(true);
    }
  });

  it('a signature made with a context string (not what COSE signs) or as HashML-DSA does not verify', async () => {
    const { coseKey, secretKey, data, noble } = VECTORS[0]!;
    expect(await verify(coseKey, noble.sign(data, secretKey, { context: new Uint8Array([1]) }), data)).toBe(false);
    expect(await verify(coseKey, noble.internal.sign(data, secretKey), data)).toBe(false);
  });

  it('refuses malformed keys before looking at the signature: wrong size, claimed parameter set, private key', async () => {
    const [v44, v65] = VECTORS;
    for (const publicKey of [
      akp(-48, v44!.pub.subarray(1)),
      akp(-49, v44!.pub),
      akp(-48, v65!.pub),
      akp(-48, v44!.pub, [[-2, v44!.secretKey]]),
    ]) {
      const error = await verify(publicKey, v44!.signature, v44!.data).catch((caught: unknown) => caught);
      expect(isTesseraError(error, 'malformed_public_key'), String(error)).toBe(true);
    }
  });
});

describe('ML-DSA: WebCrypto and @noble/post-quantum agree', () => {
  it.each(VECTORS)('$name: both paths give the same answers, where this runtime has WebCrypto ML-DSA', async ({ coseKey, signature, data }) => {
    const key = parseCoseKey(coseKey) as AkpCoseKey;
    const webKey = await importMlDsaKey(key).catch((error: unknown) => error);
    const cases: [Uint8Array, Uint8Array, boolean][] = [
      [signature, data, true],
      [flipped(signature, 7), data, false],
      [signature, flipped(data, 3), false],
    ];
    for (const [sig, message, expected] of cases) {
      expect(verifyMlDsaWithNoble(key, sig, message)).toBe(expected);
      // Whichever path this runtime takes, verifyMlDsa answers the same.
      expect(await verifyMlDsa(key, importMlDsaKey(key), sig, message)).toBe(expected);
    }
    if (webKey instanceof CryptoKey) {
      // This runtime verifies natively (Node 24, Bun, Deno): WebCrypto itself must agree with the library.
      for (const [sig, message, expected] of cases) {
        expect(await crypto.subtle.verify({ name: key.alg === -48 ? 'ML-DSA-44' : key.alg === -49 ? 'ML-DSA-65' : 'ML-DSA-87' }, webKey, sig as Uint8Array<ArrayBuffer>, message as Uint8Array<ArrayBuffer>)).toBe(expected);
      }
      expect(await importCoseKey(key)).toBeInstanceOf(CryptoKey);
    } else {
      // No ML-DSA in this runtime's WebCrypto: the import says so, and the library verifies.
      expect(isTesseraError(webKey, 'unsupported_algorithm'), String(webKey)).toBe(true);
      expect(await rejectionCode(importCoseKey(key))).toBe('unsupported_algorithm');
    }
  });

  it('falls back to the library when the WebCrypto import failed', async () => {
    const { coseKey, signature, data } = VECTORS[0]!;
    const key = parseCoseKey(coseKey) as AkpCoseKey;
    const refused = Promise.reject(new Error('no ML-DSA here'));
    expect(await verifyMlDsa(key, refused, signature, data)).toBe(true);
  });
});

describe('verifyAuthenticationResponse with ML-DSA credentials (SoftwareAuthenticator)', () => {
  const origin = 'https://example.com';
  const challenge = base64url.encode(new Uint8Array(32).fill(9));
  const withSignature = (response: AuthenticationResponseJSON, change: (signature: Uint8Array) => Uint8Array): AuthenticationResponseJSON => ({
    ...response,
    response: { ...response.response, signature: base64url.encode(change(base64url.decode(response.response.signature))) },
  });

  it.each(SETS.map(({ name }) => name))('%s: verifies; a flipped byte is invalid_signature, another length malformed_response', async (algorithm) => {
    const authenticator = new SoftwareAuthenticator({ algorithm, mlDsaSeed: new Uint8Array(32).fill(3) });
    await authenticator.createCredential({ rpId: 'example.com', challenge, origin, userHandle: 'dXNlcg' });
    const [credential] = authenticator.credentials;
    expect(parseCoseKey(credential!.publicKey)).toMatchObject({ kty: 'AKP' });
    const response = await authenticator.getAssertion({ rpId: 'example.com', challenge, origin });
    const input = {
      response,
      expectedChallenge: challenge,
      expectedOrigin: origin,
      expectedRpId: 'example.com',
      credential: { id: credential!.id, publicKey: credential!.publicKey, signCount: 1 },
    };
    expect(await verifyAuthenticationResponse(input)).toMatchObject({ verified: true, newSignCount: 2 });
    expect(await rejectionCode(verifyAuthenticationResponse({ ...input, response: withSignature(response, (s) => flipped(s, 42)) }))).toBe('invalid_signature');
    expect(await rejectionCode(verifyAuthenticationResponse({ ...input, response: withSignature(response, (s) => s.subarray(1)) }))).toBe('malformed_response');
  });

  it('makes the same keys and signatures from the same seed (deterministic signing)', async () => {
    const make = async () => {
      const authenticator = new SoftwareAuthenticator({ algorithm: 'ML-DSA-44', mlDsaSeed: new Uint8Array(32).fill(5) });
      await authenticator.createCredential({ rpId: 'example.com', challenge, origin, userHandle: 'dXNlcg' });
      await authenticator.createCredential({ rpId: 'example.com', challenge, origin, userHandle: 'dXNlcg' });
      const [first, second] = authenticator.credentials;
      return { first: first!.publicKey, second: second!.publicKey };
    };
    const [a, b] = [await make(), await make()];
    expect(a.first).toEqual(b.first);
    expect(a.second).toEqual(b.second);
    expect(a.first).not.toEqual(a.second);
  });
});

describe('RelyingParty with ML-DSA credentials', () => {
  const ORIGIN = 'https://example.com';
  const alice = { id: base64url.encode(new TextEncoder().encode('alice-0001')), name: 'alice@example.com', displayName: 'Alice' };

  function setup(config: Partial<RelyingPartyConfig> = {}) {
    const credentials = new MemoryCredentialStore();
    const rp = createRelyingParty({
      rpId: 'example.com',
      rpName: 'Example',
      origins: [ORIGIN],
      challengeStore: new MemoryChallengeStore({ sweepIntervalMs: 0 }),
      credentialStore: credentials,
      ...config,
    });
    return { rp, credentials };
  }

  it('does not offer ML-DSA by default; offers what `algorithms` lists; the schemas accept −48, −49, −50', () => {
    expect(DEFAULT_REGISTRATION_ALGORITHMS).not.toContain(-48);
    const user = alice;
    expect(buildRegistrationOptions({ rpId: 'example.com', rpName: 'Example', user }).pubKeyCredParams.map(({ alg }) => alg)).toEqual([-8, -7, -257]);
    const offered = buildRegistrationOptions({ rpId: 'example.com', rpName: 'Example', user, algorithms: [-49, -7] });
    expect(offered.pubKeyCredParams).toEqual([{ type: 'public-key', alg: -49 }, { type: 'public-key', alg: -7 }]);
    for (const alg of [-48, -49, -50]) expect(coseAlgorithmSchema.safeParse(alg).success).toBe(true);
    expect(coseAlgorithmSchema.safeParse(-51).success).toBe(false);
  });

  it.each(SETS.flatMap(({ name, alg }) => (['none', 'direct'] as const).map((attestation) => [name, alg, attestation] as const)))(
    '%s (COSE %i, attestation %s): registers when offered, stores the COSE key, then signs in',
    async (algorithm, alg, attestation) => {
      const { rp, credentials } = setup({ algorithms: [alg, -7] });
      const authenticator = new SoftwareAuthenticator({ algorithm });
      const { options, ticket } = await rp.startRegistration({ user: alice, attestation });
      expect(options.pubKeyCredParams[0]).toEqual({ type: 'public-key', alg });
      const registered = await rp.finishRegistration({ ticket, response: await authenticator.register(options, ORIGIN) });
      expect(registered.attestation).toMatchObject(attestation === 'direct' ? { fmt: 'packed', type: 'Self', verified: true } : { fmt: 'none' });
      const stored = await credentials.get(registered.credential.id);
      expect(stored!.publicKey).toEqual(authenticator.credentials[0]!.publicKey);
      expect(credentialRecordSchema.safeParse(stored).success).toBe(true);

      const signIn = await rp.startAuthentication({ userId: alice.id });
      const result = await rp.finishAuthentication({ ticket: signIn.ticket, response: await authenticator.authenticate(signIn.options, ORIGIN) });
      expect(result).toMatchObject({ verified: true, userId: alice.id, newSignCount: 2 });
    },
  );

  it('refuses an ML-DSA credential when ML-DSA was not offered (the default): unsupported_algorithm', async () => {
    const { rp } = setup();
    const authenticator = new SoftwareAuthenticator({ algorithm: 'ML-DSA-44' });
    const { options, ticket } = await rp.startRegistration({ user: alice });
    expect(await rejectionCode(rp.finishRegistration({ ticket, response: await authenticator.register(options, ORIGIN) }))).toBe('unsupported_algorithm');
  });

  it('refuses ML-DSA-87 when only ML-DSA-44 was offered', async () => {
    const { rp } = setup({ algorithms: [-48] });
    const authenticator = new SoftwareAuthenticator({ algorithm: 'ML-DSA-87' });
    const { options, ticket } = await rp.startRegistration({ user: alice });
    expect(await rejectionCode(rp.finishRegistration({ ticket, response: await authenticator.register(options, ORIGIN) }))).toBe('unsupported_algorithm');
  });

  it('refuses a packed self attestation whose ML-DSA signature is altered or whose alg names another parameter set', async () => {
    const { rp } = setup({ algorithms: [-48, -49] });
    const altered = new SoftwareAuthenticator({
      algorithm: 'ML-DSA-44',
      statement: {
        fmt: 'packed',
        attStmt: ({ authData, clientDataHash }) => {
          const { secretKey } = ml_dsa44.keygen(new Uint8Array(32).fill(1));
          // Signed with a key that is not the credential's.
          return new Map<string, unknown>([['alg', -48], ['sig', ml_dsa44.sign(Uint8Array.of(...authData, ...clientDataHash), secretKey)]]);
        },
      },
    });
    const first = await rp.startRegistration({ user: alice, attestation: 'direct' });
    expect(await rejectionCode(rp.finishRegistration({ ticket: first.ticket, response: await altered.register(first.options, ORIGIN) }))).toBe('invalid_attestation');

    const misnamed = new SoftwareAuthenticator({ algorithm: 'ML-DSA-44', statement: { fmt: 'packed', attStmt: new Map<string, unknown>([['alg', -49], ['sig', new Uint8Array(3309)]]) } });
    const second = await rp.startRegistration({ user: alice, attestation: 'direct' });
    expect(await rejectionCode(rp.finishRegistration({ ticket: second.ticket, response: await misnamed.register(second.options, ORIGIN) }))).toBe('invalid_attestation');
  });

  it('registers an ML-DSA credential attested with packed x5c by an ECDSA certificate (as security keys ship them)', async () => {
    const { rp } = setup({ algorithms: [-48] });
    const authenticator = new SoftwareAuthenticator({ algorithm: 'ML-DSA-44', statement: packedX5c(), attachment: 'cross-platform' });
    const { options, ticket } = await rp.startRegistration({ user: alice, attestation: 'direct' });
    const registered = await rp.finishRegistration({ ticket, response: await authenticator.register(options, ORIGIN) });
    expect(registered.attestation).toMatchObject({ fmt: 'packed', type: 'Basic', verified: true });
    const signIn = await rp.startAuthentication({ userId: alice.id });
    expect(await rp.finishAuthentication({ ticket: signIn.ticket, response: await authenticator.authenticate(signIn.options, ORIGIN) })).toMatchObject({ verified: true });
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { thrown } from '../test/mutations.ts';
import { readAuthenticationVectors } from '../test/vectors.ts';
import { base64url } from './base64url.ts';
import { isTesseraError } from './errors.ts';
import { parseAuthenticationResponse, type AuthenticationResponseJSON } from './responseJSON.ts';
import { verifyAuthenticationResponse, type VerifyAuthenticationResponseInput } from './verifyAuthenticationResponse.ts';

/*
 * Attacks on the sign-in verifier's fast paths: the hand-recognised response shape (_assertionShape.ts), the
 * base64url deferred to the decoder, and startSignatureVerification. The rule throughout: the verdict and the
 * error are those of the strict parse (parseAuthenticationResponse) followed by the checks of §7.2.
 */

const vectors = readAuthenticationVectors();
const vector = vectors[0]!;
const sample = vector.response;
const members = ['clientDataJSON', 'authenticatorData', 'signature'] as const;

function inputOf(response: unknown, credential: Partial<VerifyAuthenticationResponseInput['credential']> = {}): VerifyAuthenticationResponseInput {
  return {
    response: response as AuthenticationResponseJSON,
    expectedChallenge: vector.expectedChallenge,
    expectedOrigin: vector.expectedOrigin,
    expectedRpId: vector.expectedRpId,
    credential: { ...vector.credential, publicKey: base64url.decode(vector.credential.publicKey), ...credential },
    requireUserVerification: vector.requireUserVerification,
  };
}

/** What the verifier rejects with, or undefined when it verifies. */
const rejection = (input: VerifyAuthenticationResponseInput): Promise<unknown> =>
  verifyAuthenticationResponse(input).then(
    () => undefined,
    (error: unknown) => error,
  );

describe('a response the strict schema refuses is refused with its error, whatever else is wrong', () => {
  // Characters that are not base64url, some whose low seven bits are ('Ł' & 127 is 'A'), a lone surrogate.
  const foreign = fc.constantFrom('=', '+', '/', ' ', '\n', 'é', '\u0141', '\u00c1', '\ud800', '\udfff', '\u{1f600}', '\u0000', 'A');
  const otherwise = fc.constantFrom<[string, (response: AuthenticationResponseJSON) => AuthenticationResponseJSON]>(
    ['nothing else', (response) => response],
    ['type', (response) => ({ ...response, type: 'not-public-key' })],
    ['id and rawId', (response) => ({ ...response, id: 'AAAA', rawId: 'AAAA' })],
    ['rawId only', (response) => ({ ...response, rawId: 'AAAA' })],
  );

  it('never invalid_base64url, unexpected_type or credential_mismatch: malformed_response with the strict message', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...members), fc.nat(), foreign, otherwise, async (member, at, inserted, [, alter]) => {
        const text = sample.response[member];
        const position = at % (text.length + 1);
        const response = alter({ ...sample, response: { ...sample.response, [member]: text.slice(0, position) + inserted + text.slice(position) } });
        const byParser = thrown(() => parseAuthenticationResponse(response));
        const byVerifier = await rejection(inputOf(response));
        expect(isTesseraError(byVerifier), String(byVerifier)).toBe(true);
        if (byParser === undefined) return;
        expect(isTesseraError(byVerifier, 'malformed_response'), String(byVerifier)).toBe(true);
        expect((byVerifier as Error).message).toBe((byParser as Error).message);
      }),
      { numRuns: 400 },
    );
  });
});

describe('the hand-recognised shape accepts nothing the schema refuses', () => {
  /** The response with its assertion members moved onto a prototype, or made non-enumerable, and `userHandle` given. */
  const shapes: [string, () => unknown][] = [
    ['inherited members with userHandle null', () => ({ ...sample, response: Object.assign(Object.create({ ...sample.response }) as object, { userHandle: null }) })],
    ['inherited members with userHandle ""', () => ({ ...sample, response: Object.assign(Object.create({ ...sample.response }) as object, { userHandle: '' }) })],
    [
      'a non-enumerable signature with userHandle null',
      () => {
        const inner: Record<string, unknown> = { ...sample.response, userHandle: null };
        Object.defineProperty(inner, 'signature', { value: sample.response.signature, enumerable: false });
        return { ...sample, response: inner };
      },
    ],
  ];

  it.each(shapes)('%s: refused as the strict parse refuses it', async (_name, make) => {
    const byParser = thrown(() => parseAuthenticationResponse(make()));
    expect(isTesseraError(byParser, 'malformed_response')).toBe(true);
    const byVerifier = await rejection(inputOf(make()));
    expect(isTesseraError(byVerifier, 'malformed_response'), String(byVerifier)).toBe(true);
    expect((byVerifier as Error).message).toBe((byParser as Error).message);
  });

  it('reads each member once: getters that answer differently later cannot change what was checked', async () => {
    // First read: the real response; any later read: another credential's id and a broken signature.
    const reads = new Map<string, number>();
    const flipping = <T extends object>(target: T, later: Partial<T>): T =>
      new Proxy(target, {
        get(object, key, receiver) {
          const name = String(key);
          const count = (reads.get(name) ?? 0) + 1;
          reads.set(name, count);
          return count > 1 && key in later ? later[key as keyof T] : Reflect.get(object, key, receiver);
        },
      });
    const response = flipping(
      { ...sample, response: flipping({ ...sample.response }, { signature: 'AAAA', authenticatorData: sample.response.authenticatorData.slice(4) }) },
      { id: 'AAAA', rawId: 'AAAA' },
    );
    const result = await verifyAuthenticationResponse(inputOf(response));
    expect(result.credentialId).toBe(vector.credential.id);
    for (const key of ['id', 'rawId', 'response', 'signature', 'authenticatorData', 'clientDataJSON']) expect(reads.get(key), key).toBe(1);
  });

  it('returns nothing the caller can change afterwards: extension outputs are a copy, not the caller’s objects', async () => {
    const clientExtensionResults = { credProps: { rk: true }, list: [1, { a: 'b' }] };
    const result = await verifyAuthenticationResponse(inputOf({ ...sample, clientExtensionResults }));
    clientExtensionResults.credProps.rk = false;
    (clientExtensionResults.list[1] as { a: string }).a = 'changed';
    expect(result.extensionOutputs?.client).toEqual({ credProps: { rk: true }, list: [1, { a: 'b' }] });
  });

  it('a nested getter that answers with a cycle after the check is refused as malformed, never a crash', async () => {
    let reads = 0;
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    const nested = {
      get value(): unknown {
        reads += 1;
        return reads === 1 ? 'fine' : cyclic;
      },
    };
    const error = await rejection(inputOf({ ...sample, clientExtensionResults: { nested } }));
    if (error !== undefined) expect(isTesseraError(error, 'malformed_response'), String(error)).toBe(true);
  });

  it('an inherited appid: true in clientExtensionResults is not the client saying it used appid', async () => {
    // With appid used, the RP ID hash would be checked against the AppID's (§10.1.1) and this response refused.
    const clientExtensionResults = Object.create({ appid: true }) as Record<string, unknown>;
    const input = { ...inputOf({ ...sample, clientExtensionResults }), appid: 'https://appid.example/facets.json' };
    await expect(verifyAuthenticationResponse(input)).resolves.toMatchObject({ verified: true });
    const own = { ...inputOf({ ...sample, clientExtensionResults: { appid: true } }), appid: 'https://appid.example/facets.json' };
    const error = await rejection(own);
    expect(isTesseraError(error, 'rp_id_mismatch'), String(error)).toBe(true);
  });
});

describe('the stored credential’s public key must be bytes', () => {
  it.each<[string, unknown]>([
    ['null', null],
    ['undefined', undefined],
    ['a base64url string', vector.credential.publicKey],
    ['an array of numbers', Array.from(base64url.decode(vector.credential.publicKey))],
    ['an ArrayBuffer', base64url.decode(vector.credential.publicKey).buffer],
    ['an object with a length', { length: 77 }],
  ])('%s is refused with invalid_argument, never a TypeError', async (_name, publicKey) => {
    const error = await rejection(inputOf(sample, { publicKey: publicKey as Uint8Array }));
    expect(isTesseraError(error, 'invalid_argument'), String(error)).toBe(true);
  });

  it('a Buffer and a Uint8Array subclass verify like a Uint8Array', async () => {
    class Bytes extends Uint8Array {}
    const bytes = base64url.decode(vector.credential.publicKey);
    for (const publicKey of [Buffer.from(bytes), Bytes.from(bytes)]) {
      await expect(verifyAuthenticationResponse(inputOf(sample, { publicKey }))).resolves.toMatchObject({ verified: true });
    }
  });
});

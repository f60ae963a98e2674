import { createHash, webcrypto } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concat, encodeCbor, mapOf, raw, tagged, type CborInput } from '../test/cborEncoder.ts';
import { rejectionCode } from '../test/mutations.ts';
import { base64url } from './base64url.ts';
import { verifyAuthenticationResponse } from './verifyAuthenticationResponse.ts';
import { verifyRegistrationResponse } from './verifyRegistrationResponse.ts';

/*
 * Strict CBOR seen from the verifiers: signed authenticator data and attestation objects built here (Ed25519,
 * so a signature is raw bytes), carrying extension outputs and attestation objects a lenient decoder would
 * have accepted. What the verifiers hand back must be plain data.
 */

const rpId = 'example.com';
const origin = 'https://example.com';
const challenge = base64url.encode(new Uint8Array(32).fill(7));
const credentialId = new Uint8Array([1, 2, 3, 4]);
/** UP and UV: the verifiers require user verification by default. */
const UP = 0x01 | 0x04;
const AT = 0x40;
const ED = 0x80;

const sha256 = (data: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(data).digest());
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

const keyPair = (await webcrypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify'])) as CryptoKeyPair;
const x = new Uint8Array(await webcrypto.subtle.exportKey('raw', keyPair.publicKey));
/** The credential public key, as an authenticator writes it: CTAP2 canonical CBOR. */
const coseKey = encodeCbor(new Map<CborInput, CborInput>([[1, 1], [3, -8], [-1, 6], [-2, x]]));

function clientData(type: 'webauthn.get' | 'webauthn.create'): Uint8Array {
  return utf8(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
}

/** rpIdHash | flags | signCount | rest. */
function authenticatorData(flags: number, ...rest: Uint8Array[]): Uint8Array {
  return concat(sha256(utf8(rpId)), Uint8Array.of(flags), Uint8Array.of(0, 0, 0, 1), ...rest);
}

async function signIn(extensions: Uint8Array): Promise<Awaited<ReturnType<typeof verifyAuthenticationResponse>>> {
  const authData = authenticatorData(UP | ED, extensions);
  const clientDataJSON = clientData('webauthn.get');
  const signature = new Uint8Array(await webcrypto.subtle.sign({ name: 'Ed25519' }, keyPair.privateKey, concat(authData, sha256(clientDataJSON))));
  const id = base64url.encode(credentialId);
  return verifyAuthenticationResponse({
    response: {
      id,
      rawId: id,
      type: 'public-key',
      response: { clientDataJSON: base64url.encode(clientDataJSON), authenticatorData: base64url.encode(authData), signature: base64url.encode(signature) },
      clientExtensionResults: {},
    },
    expectedChallenge: challenge,
    expectedOrigin: origin,
    expectedRpId: rpId,
    credential: { id, publicKey: coseKey, signCount: 0 },
  });
}

function register(attestationObject: Uint8Array): ReturnType<typeof verifyRegistrationResponse> {
  const id = base64url.encode(credentialId);
  return verifyRegistrationResponse({
    response: {
      id,
      rawId: id,
      type: 'public-key',
      response: { clientDataJSON: base64url.encode(clientData('webauthn.create')), attestationObject: base64url.encode(attestationObject) },
      clientExtensionResults: {},
    },
    expectedChallenge: challenge,
    expectedOrigin: origin,
    expectedRpId: rpId,
    userId: 'dXNlcg',
    attestation: 'none',
  });
}

/** Attested credential data: zero AAGUID, the credential id, then the key. */
const attested = (key: Uint8Array = coseKey): Uint8Array => concat(new Uint8Array(16), Uint8Array.of(0, credentialId.length), credentialId, key);

/** An attestation object with the members in the order given, duplicates allowed. */
const attestationObject = (...entries: [CborInput, CborInput][]): Uint8Array => encodeCbor(mapOf(entries));

/** Only what JSON has, byte strings, and Maps with integer or text keys; no sharing, no cycles. */
function isPlainData(value: unknown, seen = new Set<object>()): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isSafeInteger(value);
  if (typeof value !== 'object' || seen.has(value)) return false;
  seen.add(value);
  if (value instanceof Uint8Array) return value.constructor === Uint8Array;
  if (value instanceof Map) return [...value].every(([key, item]) => (typeof key === 'string' || typeof key === 'number') && isPlainData(item, seen));
  if (Array.isArray(value)) return value.every((item) => isPlainData(item, seen));
  return Object.getPrototypeOf(value) === Object.prototype && Object.values(value).every((item) => isPlainData(item, seen));
}

/** Extension outputs as an authenticator could send them. */
const outputValue: fc.Arbitrary<CborInput> = fc.letrec<{ value: CborInput }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.integer(),
    fc.string(),
    fc.uint8Array({ maxLength: 16 }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.uniqueArray(fc.tuple(fc.oneof(fc.integer({ min: -30, max: 30 }), fc.string({ maxLength: 4 })), tie('value')), { maxLength: 3, selector: ([key]) => key }).map((entries) => new Map(entries)),
  ),
})).value;
const outputs = fc.uniqueArray(fc.tuple(fc.string({ maxLength: 12 }), outputValue), { maxLength: 4, selector: ([key]) => key }).map((entries) => new Map<CborInput, CborInput>(entries));

describe('verifyAuthenticationResponse: authenticator extension outputs', () => {
  it('verifies a signed assertion with outputs and hands them back as plain data that JSON can carry', async () => {
    const extensions = encodeCbor(new Map<CborInput, CborInput>([['credProtect', 2], ['credBlob', new Uint8Array([9])], ['x', [new Map<CborInput, CborInput>([[1, 'a']])]]]));
    const verification = await signIn(extensions);
    expect(verification.extensionOutputs).toEqual({ client: {}, authenticator: { credProtect: 2, credBlob: new Uint8Array([9]), x: [new Map([[1, 'a']])] } });
    expect(isPlainData(verification.extensionOutputs)).toBe(true);
  });

  it('returns any strict outputs as plain data, never a cycle or class instance: JSON.stringify does not throw', async () => {
    await fc.assert(
      fc.asyncProperty(outputs, async (value) => {
        const { extensionOutputs } = await signIn(encodeCbor(value));
        expect(isPlainData(extensionOutputs)).toBe(true);
        expect(() => JSON.stringify(extensionOutputs)).not.toThrow();
      }),
      { numRuns: 60 },
    );
  });

  it.each([
    ['a cyclic array (tags 28 and 29)', raw([0xd8, 0x1c, 0x81, 0xd8, 0x1d, 0x00])],
    ['a RegExp (tag 27)', tagged(27, ['RegExp', 'a+'])],
    ['a Date (tag 1)', tagged(1, 1_700_000_000)],
    ['a Date (tag 0)', tagged(0, '2024-01-01T00:00:00Z')],
    ['a float', raw([0xfb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0])],
    ['undefined', raw([0xf7])],
  ])('refuses signed outputs holding %s with malformed_response', async (_name, item) => {
    expect(await rejectionCode(signIn(encodeCbor(new Map([['credBlob', item]]))))).toBe('malformed_response');
  });

  it('refuses a duplicate extension identifier, even though the signature is good', async () => {
    expect(await rejectionCode(signIn(encodeCbor(mapOf([['credProtect', 1], ['credProtect', 3]]))))).toBe('malformed_response');
  });
});

describe('verifyRegistrationResponse: strict attestation objects', () => {
  const authData = authenticatorData(UP | AT, attested());

  it('registers a strict, canonical none attestation (the control)', async () => {
    const verification = await register(attestationObject(['fmt', 'none'], ['attStmt', new Map()], ['authData', authData]));
    expect(verification.credential.publicKey).toEqual(coseKey);
  });

  it('refuses two "fmt"s, in either order, with malformed_response', async () => {
    const packed = new Map<CborInput, CborInput>([['alg', -8], ['sig', new Uint8Array(64)]]);
    for (const [first, second] of [['packed', 'none'], ['none', 'packed']]) {
      const bytes = attestationObject(['fmt', first!], ['attStmt', packed], ['authData', authData], ['fmt', second!]);
      expect(await rejectionCode(register(bytes))).toBe('malformed_response');
    }
  });

  it('refuses extension outputs in the attestation that hold a tag, and returns strict ones as plain data', async () => {
    const tagged28 = authenticatorData(UP | AT | ED, attested(), encodeCbor(new Map([['x', raw([0xd8, 0x1c, 0x81, 0xd8, 0x1d, 0x00])]])));
    expect(await rejectionCode(register(attestationObject(['fmt', 'none'], ['attStmt', new Map()], ['authData', tagged28])))).toBe('malformed_response');
    const plain = authenticatorData(UP | AT | ED, attested(), encodeCbor(new Map<CborInput, CborInput>([['credProtect', 2], ['hmac-secret', true]])));
    const verification = await register(attestationObject(['fmt', 'none'], ['attStmt', new Map()], ['authData', plain]));
    expect(verification.extensionOutputs?.authenticator).toEqual({ credProtect: 2, 'hmac-secret': true });
    expect(isPlainData(verification.extensionOutputs)).toBe(true);
  });

  it.each([
    ['labels out of canonical order', encodeCbor(new Map<CborInput, CborInput>([[3, -8], [1, 1], [-1, 6], [-2, x]]), { order: 'given' })],
    ['a non-minimal label', encodeCbor(mapOf([[1, 1], [raw([0x18, 0x03]), -8], [-1, 6], [-2, x]]))],
    ['a float label', encodeCbor(mapOf([[1, 1], [raw([0xf9, 0x42, 0x00]), -8], [-1, 6], [-2, x]]))],
    ['a duplicate label', encodeCbor(mapOf([[1, 1], [3, -8], [3, -8], [-1, 6], [-2, x]]))],
  ])('refuses a credential public key with %s (a 4xx code, never a stored-key fault)', async (_name, key) => {
    const bytes = attestationObject(['fmt', 'none'], ['attStmt', new Map()], ['authData', authenticatorData(UP | AT, attested(key))]);
    expect(await rejectionCode(register(bytes))).toBe('malformed_response');
  });
});

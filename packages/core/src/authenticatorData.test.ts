import { createHash } from 'node:crypto';
import { decode } from 'cbor-x';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeCbor, mapOf, raw, type CborInput } from '../test/cborEncoder.ts';
import { expectTesseraError, expectTruncationsAndBitFlipsHandled, returnsOrThrowsTesseraError, thrown } from '../test/mutations.ts';
import { readAuthenticationVectors, readRegistrationVectors } from '../test/vectors.ts';
import { MAX_AUTHENTICATOR_DATA_BYTES, parseAuthenticatorData } from './authenticatorData.ts';
import { base64url } from './base64url.ts';

const authenticationVectors = readAuthenticationVectors();
const registrationVectors = readRegistrationVectors();

/** Authenticator data of every captured assertion and registration. */
const realAuthenticatorData: { name: string; bytes: Uint8Array }[] = [
  ...authenticationVectors.map(({ name, response }) => ({ name, bytes: base64url.decode(response.response.authenticatorData) })),
  ...registrationVectors.map(({ name, response }) => {
    const attestationObject = decode(base64url.decode(response.response.attestationObject)) as { authData: Uint8Array };
    return { name, bytes: new Uint8Array(attestationObject.authData) };
  }),
];

const UP = 0x01;
const UV = 0x04;
const BE = 0x08;
const BS = 0x10;
const AT = 0x40;
const ED = 0x80;

const RP_ID_HASH = new Uint8Array(createHash('sha256').update('example.com').digest());
const AAGUID = new Uint8Array(16).map((_, index) => index + 1);
const COSE_KEY = cbor(
  new Map<number, unknown>([
    [1, 2],
    [3, -7],
    [-1, 1],
    [-2, new Uint8Array(32).fill(0xaa)],
    [-3, new Uint8Array(32).fill(0xbb)],
  ]),
);

function cbor(value: unknown): Uint8Array {
  return encodeCbor(value as CborInput);
}

function concat(...parts: (Uint8Array | readonly number[])[]): Uint8Array {
  return new Uint8Array(parts.flatMap((part) => [...part]));
}

function uint16(value: number): number[] {
  return [value >> 8, value & 255];
}

/** rpIdHash | flags | signCount, followed by whatever else is given. */
function authenticatorData(flags: number, ...rest: (Uint8Array | readonly number[])[]): Uint8Array {
  return concat(RP_ID_HASH, [flags], [0, 0, 0, 7], ...rest);
}

/** aaguid | credentialIdLength | credentialId | credentialPublicKey. */
function attestedCredentialData(credentialId: Uint8Array, publicKey: Uint8Array | readonly number[] = COSE_KEY): Uint8Array {
  return concat(AAGUID, uint16(credentialId.length), credentialId, publicKey);
}

function expectMalformed(bytes: Uint8Array, message: RegExp): void {
  expectTesseraError(() => parseAuthenticatorData(bytes), 'malformed_response', /^Malformed authenticator data: /, message);
}

/** A parse either succeeds or fails with `malformed_response`; anything else fails the test. */
function parsesOrIsMalformed(bytes: Uint8Array): void {
  returnsOrThrowsTesseraError(() => parseAuthenticatorData(bytes), 'malformed_response');
}

describe('parseAuthenticatorData: captured authenticators', () => {
  it.each(authenticationVectors)('parses the assertion of $name with its counter and flags', (vector) => {
    const parsed = parseAuthenticatorData(base64url.decode(vector.response.response.authenticatorData));
    expect(parsed.rpIdHash).toEqual(new Uint8Array(createHash('sha256').update(vector.expectedRpId).digest()));
    expect(parsed.signCount).toBe(vector.expected.newSignCount);
    expect(parsed.flags.userPresent).toBe(true);
    expect(parsed.flags.userVerified).toBe(vector.expected.userVerified);
    expect(parsed.extensions).toBeUndefined();
  });

  it('parses the attested credential data that macOS Touch ID puts in an assertion', () => {
    const vector = authenticationVectors.find(({ name }) => name === 'go-webauthn-macos-touchid')!;
    const parsed = parseAuthenticatorData(base64url.decode(vector.response.response.authenticatorData));
    expect(parsed.flags.attestedCredentialData).toBe(true);
    expect(base64url.encode(parsed.attestedCredentialData!.credentialId)).toBe(vector.response.rawId);
    expect(parsed.attestedCredentialData!.credentialPublicKey[0]! >> 5).toBe(5); // a CBOR map
  });

  it.each(realAuthenticatorData)('survives every truncation and single-bit flip of $name', ({ bytes }) => {
    expectTruncationsAndBitFlipsHandled(bytes, parseAuthenticatorData, 'malformed_response');
  });
});

describe('parseAuthenticatorData: fixed part', () => {
  it('reads each flag from its own bit, ignoring the reserved bits 1 and 5', () => {
    for (let flags = 0; flags < 0x40; flags++) {
      expect(parseAuthenticatorData(authenticatorData(flags)).flags).toEqual({
        userPresent: (flags & UP) !== 0,
        userVerified: (flags & UV) !== 0,
        backupEligible: (flags & BE) !== 0,
        backupState: (flags & BS) !== 0,
        attestedCredentialData: false,
        extensionData: false,
      });
    }
  });

  it('reads the signature counter as a big-endian unsigned 32-bit integer', () => {
    const read = (counter: number[]): number => parseAuthenticatorData(concat(RP_ID_HASH, [UP], counter)).signCount;
    expect(read([0, 0, 0, 0])).toBe(0);
    expect(read([0x01, 0x02, 0x03, 0x04])).toBe(0x01020304);
    expect(read([0xff, 0xff, 0xff, 0xff])).toBe(4_294_967_295);
  });

  it('returns exactly the fields the flags announce', () => {
    const parsed = parseAuthenticatorData(authenticatorData(UP | UV | BE | BS));
    expect(Object.keys(parsed)).toEqual(['rpIdHash', 'flags', 'signCount']);
    expect(parsed.rpIdHash).toEqual(RP_ID_HASH);
  });

  it('rejects fewer than 37 bytes and more than 64 KiB', () => {
    expectMalformed(authenticatorData(UP).subarray(0, 36), /shorter than 37 bytes/);
    expectMalformed(new Uint8Array(0), /shorter than 37 bytes/);
    // 37 fixed bytes, then {"x": h'…'}: a map header, a 2-byte key and a 3-byte byte-string header.
    const extensionOutput = (size: number): Uint8Array =>
      authenticatorData(UP | ED, [0xa1, 0x61, 0x78, 0x59], uint16(size), new Uint8Array(size));
    const largestBlob = MAX_AUTHENTICATOR_DATA_BYTES - 37 - 1 - 2 - 3;
    expect(extensionOutput(largestBlob)).toHaveLength(MAX_AUTHENTICATOR_DATA_BYTES);
    expect(parseAuthenticatorData(extensionOutput(largestBlob)).extensions!['x']).toHaveLength(largestBlob);
    expectMalformed(extensionOutput(largestBlob + 1), /larger than 65536 bytes/);
  });

  it('rejects trailing bytes when neither AT nor ED is set', () => {
    expectMalformed(authenticatorData(UP, [0]), /1 trailing bytes not announced/);
    expectMalformed(authenticatorData(UP, COSE_KEY), /trailing bytes/);
  });
});

describe('parseAuthenticatorData: attested credential data (AT)', () => {
  it('cuts out the AAGUID, the credential id and the exact COSE_Key bytes', () => {
    const credentialId = new Uint8Array([9, 8, 7, 6, 5]);
    const parsed = parseAuthenticatorData(authenticatorData(UP | AT, attestedCredentialData(credentialId)));
    expect(parsed.attestedCredentialData).toEqual({ aaguid: AAGUID, credentialId, credentialPublicKey: COSE_KEY });
    expect(parsed.extensions).toBeUndefined();
  });

  it.each([
    ['an indefinite-length map', [0xbf, 0x01, 0x02, 0xff], /indefinite-length/],
    ['a label in two bytes', [0xa1, 0x18, 0x01, 0x02], /shortest form/],
    ['a float label', [0xa1, 0xf9, 0x3c, 0x00, 0x02], /map keys must be integers/],
    ['a duplicate label', [0xa2, 0x03, 0x26, 0x03, 0x26], /duplicate map key/],
    ['labels out of canonical order', [0xa2, 0x03, 0x26, 0x01, 0x02], /canonical order/],
    ['a tagged map', [0xd9, 0x01, 0x03, 0xa1, 0x01, 0x02], /tags/],
  ])('refuses a credential public key with %s: an authenticator writes CTAP2 canonical CBOR (§6.5.1.1)', (_name, key, message) => {
    expectMalformed(authenticatorData(UP | AT, attestedCredentialData(new Uint8Array([1]), key)), message);
  });

  it('accepts credential ids of 1 and 1023 bytes and rejects 0 and 1024', () => {
    for (const length of [1, 1023]) {
      const credentialId = new Uint8Array(length).fill(0x5a);
      const parsed = parseAuthenticatorData(authenticatorData(UP | AT, attestedCredentialData(credentialId)));
      expect(parsed.attestedCredentialData!.credentialId).toEqual(credentialId);
    }
    const withIdOf = (length: number): Uint8Array => authenticatorData(UP | AT, attestedCredentialData(new Uint8Array(length)));
    expectMalformed(withIdOf(0), /credential id length 0 is outside 1–1023/);
    expectMalformed(withIdOf(1024), /credential id length 1024 is outside 1–1023/);
    expectMalformed(authenticatorData(UP | AT, AAGUID, [0xff, 0xff], new Uint8Array(100)), /credential id length 65535/);
  });

  it('rejects AT without attested credential data, or with a truncated one', () => {
    const whole = authenticatorData(UP | AT, attestedCredentialData(new Uint8Array(16).fill(3)));
    expectMalformed(authenticatorData(UP | AT), /attested credential data is truncated/);
    expectMalformed(whole.subarray(0, 37 + 17), /attested credential data is truncated/);
    expectMalformed(whole.subarray(0, 37 + 18 + 8), /ends before the credential public key/);
    expectMalformed(whole.subarray(0, 37 + 18 + 16), /ends before the credential public key/);
    expectMalformed(whole.subarray(0, whole.length - 1), /truncated CBOR/);
  });

  it('rejects bytes after the credential public key unless ED is set', () => {
    expectMalformed(authenticatorData(UP | AT, attestedCredentialData(new Uint8Array([1])), [0xa0]), /1 trailing bytes/);
  });

  it('does not parse the key: any single CBOR item is cut out (the COSE parser judges it)', () => {
    const parsed = parseAuthenticatorData(authenticatorData(UP | AT, attestedCredentialData(new Uint8Array([1]), [0x01])));
    expect(parsed.attestedCredentialData!.credentialPublicKey).toEqual(new Uint8Array([0x01]));
  });
});

describe('parseAuthenticatorData: extension outputs (ED)', () => {
  const outputs = new Map<string, unknown>([
    ['credProtect', 2],
    ['hmac-secret', true],
    ['credBlob', new Uint8Array([1, 2, 3])],
  ]);

  it('decodes the map into a plain object, byte strings as Uint8Array', () => {
    const parsed = parseAuthenticatorData(authenticatorData(UP | ED, cbor(outputs)));
    expect(parsed.extensions).toEqual({ credProtect: 2, 'hmac-secret': true, credBlob: new Uint8Array([1, 2, 3]) });
    expect(Object.getPrototypeOf(parsed.extensions)).toBe(Object.prototype);
    expect(parsed.attestedCredentialData).toBeUndefined();
  });

  it('parses AT and ED together, the key ending where the extensions begin', () => {
    const bytes = authenticatorData(UP | AT | ED, attestedCredentialData(new Uint8Array([4, 2])), cbor(outputs));
    const parsed = parseAuthenticatorData(bytes);
    expect(parsed.attestedCredentialData!.credentialPublicKey).toEqual(COSE_KEY);
    expect(parsed.extensions!['credProtect']).toBe(2);
  });

  it('accepts an empty map', () => {
    expect(parseAuthenticatorData(authenticatorData(UP | ED, [0xa0])).extensions).toEqual({});
  });

  it('keeps a "__proto__" key as data, without touching any prototype', () => {
    const parsed = parseAuthenticatorData(authenticatorData(UP | ED, cbor(new Map([['__proto__', new Map([['polluted', true]])]]))));
    expect(Object.getPrototypeOf(parsed.extensions)).toBe(Object.prototype);
    expect(Object.hasOwn(parsed.extensions!, '__proto__')).toBe(true);
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it('rejects ED with nothing after it, a non-map, a non-text key, and bytes after the map', () => {
    expectMalformed(authenticatorData(UP | ED), /ED flag is set but no extension data follows/);
    expectMalformed(authenticatorData(UP | AT | ED, attestedCredentialData(new Uint8Array([1]))), /no extension data follows/);
    expectMalformed(authenticatorData(UP | ED, cbor([1, 2])), /not a CBOR map/);
    expectMalformed(authenticatorData(UP | ED, cbor('credProtect')), /not a CBOR map/);
    expectMalformed(authenticatorData(UP | ED, cbor(new Map([[1, 2]]))), /key that is not a text string/);
    expectMalformed(authenticatorData(UP | ED, cbor(outputs), [0]), /trailing bytes/);
    expectMalformed(authenticatorData(UP | ED, cbor(outputs).subarray(0, 10)), /truncated CBOR/);
  });

  it('rejects extension data nested deeper than the CBOR depth limit', () => {
    expectMalformed(authenticatorData(UP | ED, [0xa1, 0x61, 0x78], new Array(40).fill(0x81), [0x00]), /nested deeper/);
  });
});

describe('parseAuthenticatorData: extension outputs are strict CBOR and plain data', () => {
  const withOutputs = (outputs: CborInput): Uint8Array => authenticatorData(UP | ED, cbor(outputs));

  it.each([
    ['tag 0 (a date string; a Date in lenient decoders)', [0xc0, 0x60]],
    ['tag 1 (an epoch date)', [0xc1, 0x01]],
    ['tag 27 (a serialised object; a RegExp in cbor-x)', [0xd8, 0x1b, 0x82, 0x66, ...new TextEncoder().encode('RegExp'), 0x61, 0x61]],
    ['tags 28 and 29 (a cyclic array)', [0xd8, 0x1c, 0x81, 0xd8, 0x1d, 0x00]],
    ['tag 55799 (self-described CBOR)', [0xd9, 0xd9, 0xf7, 0xa0]],
  ])('refuses %s, nested or not', (_name, item) => {
    expectMalformed(withOutputs(new Map([['credBlob', raw(item)]])), /tags are not allowed/);
    expectMalformed(withOutputs(new Map([['credBlob', [new Map([['x', raw(item)]])]]])), /tags are not allowed/);
  });

  it('refuses a duplicate extension identifier, and duplicate keys inside an output', () => {
    expectMalformed(withOutputs(mapOf([['credProtect', 1], ['credProtect', 3]])), /duplicate map key/);
    expectMalformed(withOutputs(new Map([['x', mapOf([[1, 0], [1, 0]])]])), /duplicate map key/);
  });

  it('refuses indefinite lengths, non-minimal integers, floats and undefined in outputs', () => {
    expectMalformed(authenticatorData(UP | ED, [0xbf, 0x61, 0x78, 0x01, 0xff]), /indefinite-length/);
    expectMalformed(withOutputs(new Map([['credProtect', raw([0x18, 0x02])]])), /shortest form/);
    expectMalformed(authenticatorData(UP | ED, [0xb8, 0x01, 0x61, 0x78, 0x01]), /shortest form/);
    expectMalformed(withOutputs(new Map([['x', raw([0xfb, 0, 0, 0, 0, 0, 0, 0, 0])]])), /floating-point/);
    expectMalformed(withOutputs(new Map([['x', raw([0xf7])]])), /simple values/);
  });

  it('returns outputs that survive JSON (byte strings and nested Maps aside) and hold no cycles', () => {
    const outputs = new Map<CborInput, CborInput>([
      ['credProtect', 2],
      ['hmac-secret', true],
      ['credBlob', new Uint8Array([1, 2])],
      ['x', [null, 'é', -7, new Map<CborInput, CborInput>([[1, 'a'], ['b', [false]]])]],
    ]);
    const { extensions } = parseAuthenticatorData(withOutputs(outputs));
    const replacer = (_key: string, value: unknown): unknown =>
      value instanceof Uint8Array ? { bytes: [...value] } : value instanceof Map ? { map: [...value.entries()] } : value;
    expect(JSON.parse(JSON.stringify(extensions, replacer))).toEqual({
      credProtect: 2,
      'hmac-secret': true,
      credBlob: { bytes: [1, 2] },
      x: [null, 'é', -7, { map: [[1, 'a'], ['b', [false]]] }],
    });
  });
});

describe('parseAuthenticatorData: results and errors', () => {
  it('copies every byte field, so later changes to the input do not show through', () => {
    const outputs = cbor(new Map([['blob', new Uint8Array([7, 7])]]));
    const input = authenticatorData(UP | AT | ED, attestedCredentialData(new Uint8Array([1, 2, 3])), outputs);
    const parsed = parseAuthenticatorData(input);
    const before = structuredClone(parsed);
    input.fill(0);
    expect(parsed).toEqual(before);
    const { aaguid, credentialId, credentialPublicKey } = parsed.attestedCredentialData!;
    for (const field of [parsed.rpIdHash, aaguid, credentialId, credentialPublicKey, parsed.extensions!['blob'] as Uint8Array]) {
      expect(field.buffer).not.toBe(input.buffer);
    }
  });

  it('returns plain Uint8Arrays for a Node Buffer input, not views of it', () => {
    const input = Buffer.from(authenticatorData(UP | AT, attestedCredentialData(new Uint8Array([1]))));
    const parsed = parseAuthenticatorData(input);
    expect(parsed.rpIdHash.constructor).toBe(Uint8Array);
    input.fill(0);
    expect(parsed.rpIdHash).toEqual(RP_ID_HASH);
  });

  it('never puts the bytes in the message', () => {
    const secret = new Uint8Array(40).fill(0x41); // 'AAAA…' in every encoding people grep for
    const error = thrown(() => parseAuthenticatorData(authenticatorData(UP, secret))) as Error;
    expect(error.message).not.toMatch(/AAAA|4141|QUFB/);
    expect(error.message).not.toContain(base64url.encode(RP_ID_HASH));
  });

  it('answers random bytes with a result or malformed_response, nothing else', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), parsesOrIsMalformed), { numRuns: 2000 });
  });

  it('answers random bytes after a valid fixed part, any flags, with a result or malformed_response', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 200 }), (flags, rest) => {
        parsesOrIsMalformed(authenticatorData(flags, rest));
        parsesOrIsMalformed(authenticatorData(flags | AT, AAGUID, uint16(rest.length > 0 ? rest[0]! : 1), rest));
      }),
      { numRuns: 3000 },
    );
  });
});

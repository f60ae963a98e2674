import { decode } from 'cbor-x';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concat, encodeCbor, headCount, mapOf, raw, tagged, type CborInput } from '../test/cborEncoder.ts';
import { expectTesseraError, expectTruncationsAndBitFlipsHandled, returnsOrThrowsTesseraError } from '../test/mutations.ts';
import { readRegistrationVectors } from '../test/vectors.ts';
import { decodeCbor } from './_cbor.ts';
import { MAX_ATTESTATION_OBJECT_BYTES, parseAttestationObject } from './attestationObject.ts';
import { base64url } from './base64url.ts';

const vectors = readRegistrationVectors();

const UP = 0x01;
const AT = 0x40;
const COSE_KEY = cbor(new Map<number, unknown>([[1, 1], [3, -8], [-1, 6], [-2, new Uint8Array(32).fill(9)]]));
/** Authenticator data with attested credential data: a 2-byte credential id and an Ed25519 COSE key. */
const AUTH_DATA = new Uint8Array([
  ...new Uint8Array(32).fill(1), // rpIdHash
  UP | AT,
  ...[0, 0, 0, 0], // signCount
  ...new Uint8Array(16), // aaguid
  ...[0, 2, 0xc1, 0xd2], // credentialIdLength, credentialId
  ...COSE_KEY,
]);

function cbor(value: unknown): Uint8Array {
  return encodeCbor(value as CborInput, { order: 'given' });
}

/** The members in the order given, as browsers write them (not necessarily canonical). */
function attestationObject(members: Record<string, unknown>): Uint8Array {
  return cbor(new Map(Object.entries(members)));
}

const VALID = { fmt: 'none', attStmt: new Map(), authData: AUTH_DATA };

/** 16 bytes as the 8-4-4-4-12 hexadecimal form the vectors use. */
function uuid(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes).toString('hex');
  return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join('-');
}

function expectMalformed(bytes: Uint8Array, message: RegExp): void {
  expectTesseraError(() => parseAttestationObject(bytes), 'malformed_response', message);
}

function parsesOrIsMalformed(bytes: Uint8Array): void {
  returnsOrThrowsTesseraError(() => parseAttestationObject(bytes), 'malformed_response');
}

describe('parseAttestationObject: captured authenticators', () => {
  it.each(vectors)('parses $name with the expected credential, key, AAGUID, counter and flags', (vector) => {
    const bytes = base64url.decode(vector.response.response.attestationObject);
    const parsed = parseAttestationObject(bytes);
    const { attestedCredentialData } = parsed.authenticatorData;
    expect(parsed.fmt).toBe(vector.fmt);
    expect(parsed.attStmt).toBeInstanceOf(Map);
    expect(parsed.authData).toEqual(new Uint8Array((decode(bytes) as { authData: Uint8Array }).authData));
    expect(base64url.encode(attestedCredentialData.credentialId)).toBe(vector.expected.credentialId);
    expect(base64url.encode(attestedCredentialData.credentialId)).toBe(vector.response.rawId);
    expect(base64url.encode(attestedCredentialData.credentialPublicKey)).toBe(vector.expected.publicKey);
    expect(uuid(attestedCredentialData.aaguid)).toBe(vector.expected.aaguid);
    expect(parsed.authenticatorData.signCount).toBe(vector.expected.signCount);
    expect(parsed.authenticatorData.flags.userPresent).toBe(true);
    expect(parsed.authenticatorData.flags.userVerified).toBe(vector.expected.userVerified);
  });

  it.each(vectors)('survives every truncation and single-bit flip of $name', (vector) => {
    const bytes = base64url.decode(vector.response.response.attestationObject);
    expectTruncationsAndBitFlipsHandled(bytes, parseAttestationObject, 'malformed_response');
  });
});

describe('parseAttestationObject: structure', () => {
  it('returns fmt, attStmt as a Map, the raw authData and the parsed authenticator data', () => {
    const attStmt = new Map<string, unknown>([['alg', -8], ['sig', new Uint8Array([1, 2, 3])]]);
    const parsed = parseAttestationObject(attestationObject({ ...VALID, fmt: 'packed', attStmt }));
    expect(parsed.fmt).toBe('packed');
    expect(parsed.attStmt).toEqual(attStmt);
    expect(parsed.authData).toEqual(AUTH_DATA);
    expect(parsed.authenticatorData.attestedCredentialData).toEqual({
      aaguid: new Uint8Array(16),
      credentialId: new Uint8Array([0xc1, 0xd2]),
      credentialPublicKey: COSE_KEY,
    });
  });

  it('returns an attStmt that is an array as it is (§6.5.4 attStmtTemplate; compound uses one, §8.9)', () => {
    const items = [new Map<string, unknown>([['fmt', 'none'], ['attStmt', new Map()]])];
    expect(parseAttestationObject(attestationObject({ ...VALID, fmt: 'compound', attStmt: items })).attStmt).toEqual(items);
    expect(parseAttestationObject(attestationObject({ ...VALID, attStmt: [] })).attStmt).toEqual([]);
  });

  it('ignores members other than fmt, attStmt and authData, in any order', () => {
    const reordered = attestationObject({ authData: AUTH_DATA, epAtt: true, attStmt: new Map(), fmt: 'none' });
    expect(parseAttestationObject(reordered).fmt).toBe('none');
    const integerKey = cbor(new Map<unknown, unknown>([...Object.entries(VALID), [4, 'x']]));
    expect(parseAttestationObject(integerKey).fmt).toBe('none');
  });

  it('copies what it returns, so later changes to the input do not show through', () => {
    const input = attestationObject({ ...VALID, attStmt: new Map([['sig', new Uint8Array([5, 6])]]) });
    const parsed = parseAttestationObject(input);
    input.fill(0);
    expect(parsed.authData).toEqual(AUTH_DATA);
    expect((parsed.attStmt as Map<string, unknown>).get('sig')).toEqual(new Uint8Array([5, 6]));
    expect(parsed.authenticatorData.attestedCredentialData.credentialPublicKey).toEqual(COSE_KEY);
  });

  it('rejects what is not one CBOR map', () => {
    expectMalformed(new Uint8Array(0), /^Malformed attestation object: empty\.$/);
    expectMalformed(cbor([VALID.fmt, VALID.attStmt, VALID.authData]), /not a CBOR map/);
    expectMalformed(cbor('none'), /not a CBOR map/);
    expectMalformed(new Uint8Array([...attestationObject(VALID), 0]), /trailing bytes/);
    expectMalformed(attestationObject(VALID).subarray(0, 20), /truncated CBOR/);
  });

  it('rejects a missing or mistyped fmt, attStmt or authData', () => {
    const { fmt: _fmt, ...noFmt } = VALID;
    const { attStmt: _attStmt, ...noAttStmt } = VALID;
    const { authData: _authData, ...noAuthData } = VALID;
    expectMalformed(attestationObject(noFmt), /"fmt" is missing or not a text string/);
    expectMalformed(attestationObject({ ...VALID, fmt: new Uint8Array([0x6e]) }), /"fmt"/);
    expectMalformed(attestationObject(noAttStmt), /"attStmt" is missing or not a map with text keys/);
    expectMalformed(attestationObject({ ...VALID, attStmt: 'statement' }), /"attStmt"/);
    expectMalformed(attestationObject({ ...VALID, attStmt: new Map([[3, -7]]) }), /"attStmt"/);
    expectMalformed(attestationObject(noAuthData), /"authData" is missing or not a byte string/);
    expectMalformed(attestationObject({ ...VALID, authData: base64url.encode(AUTH_DATA) }), /"authData"/);
  });

  it('requires attested credential data, and well-formed authenticator data', () => {
    const withoutAT = AUTH_DATA.slice(0, 37);
    withoutAT[32] = UP;
    expectMalformed(attestationObject({ ...VALID, authData: withoutAT }), /no attested credential data \(AT flag clear\)/);
    expectMalformed(attestationObject({ ...VALID, authData: AUTH_DATA.subarray(0, 40) }), /^Malformed authenticator data: /);
    const trailing = new Uint8Array([...AUTH_DATA, 0]);
    expectMalformed(attestationObject({ ...VALID, authData: trailing }), /^Malformed authenticator data: .*trailing/);
  });

  it('accepts 128 KiB and rejects one byte more', () => {
    // {"fmt", "attStmt": {"x5c": h'…'}, "authData"}: the byte string has a 5-byte header above 64 KiB.
    const overhead = attestationObject({ ...VALID, attStmt: new Map([['x5c', new Uint8Array(0)]]) }).length + 4;
    const sized = (size: number): Uint8Array =>
      attestationObject({ ...VALID, attStmt: new Map([['x5c', new Uint8Array(size - overhead)]]) });
    expect(sized(MAX_ATTESTATION_OBJECT_BYTES)).toHaveLength(MAX_ATTESTATION_OBJECT_BYTES);
    expect(parseAttestationObject(sized(MAX_ATTESTATION_OBJECT_BYTES)).fmt).toBe('none');
    expectMalformed(sized(MAX_ATTESTATION_OBJECT_BYTES + 1), /larger than 131072 bytes/);
  });

  it('answers random bytes and random maps with a result or malformed_response, nothing else', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), parsesOrIsMalformed), { numRuns: 1000 });
    const member = fc.oneof(
      fc.string(),
      fc.integer(),
      fc.uint8Array({ maxLength: 200 }),
      fc.constant(new Map()),
      fc.constant(AUTH_DATA),
    );
    fc.assert(
      fc.property(member, member, member, (fmt, attStmt, authData) => {
        parsesOrIsMalformed(attestationObject({ fmt, attStmt, authData }));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('parseAttestationObject: strict CBOR (attacks)', () => {
  const AUTH = AUTH_DATA;
  const ATT_STMT = new Map<CborInput, CborInput>([['alg', -8], ['sig', new Uint8Array([1, 2, 3])]]);

  it('refuses a second "fmt", whichever comes first, so no reader can verify one format and another report a different one', () => {
    const twice = (first: string, second: string): Uint8Array =>
      encodeCbor(mapOf([['fmt', first], ['attStmt', ATT_STMT], ['authData', AUTH], ['fmt', second]]));
    expectMalformed(twice('packed', 'none'), /duplicate map key/);
    expectMalformed(twice('none', 'packed'), /duplicate map key/);
    expectMalformed(twice('none', 'none'), /duplicate map key/);
  });

  it('refuses duplicate keys at every level: attStmt, authData, inside attStmt, inside the x5c array', () => {
    expectMalformed(encodeCbor(mapOf([['fmt', 'none'], ['attStmt', new Map()], ['attStmt', ATT_STMT], ['authData', AUTH]])), /duplicate/);
    expectMalformed(encodeCbor(mapOf([['fmt', 'none'], ['attStmt', new Map()], ['authData', AUTH], ['authData', AUTH]])), /duplicate/);
    const statement = mapOf([['alg', -8], ['sig', new Uint8Array([1])], ['sig', new Uint8Array([2])]]);
    expectMalformed(attestationObject({ ...VALID, attStmt: statement }), /duplicate/);
    expectMalformed(attestationObject({ ...VALID, attStmt: new Map([['x5c', [mapOf([['a', 1], ['a', 1]])]]]) }), /duplicate/);
    // Duplicate labels in the credential public key inside authData.
    const keyWithTwoAlgs = encodeCbor(mapOf([[1, 1], [3, -8], [3, -8], [-1, 6], [-2, new Uint8Array(32)]]));
    const authData = concat(AUTH_DATA.subarray(0, AUTH_DATA.length - COSE_KEY.length), keyWithTwoAlgs);
    expectMalformed(attestationObject({ ...VALID, authData }), /^Malformed authenticator data: duplicate map key/);
  });

  it('keeps a byte-order mark: "\uFEFFfmt" is another key, not a second "fmt"', () => {
    const marked = encodeCbor(mapOf([['\uFEFFfmt', 'packed'], ['attStmt', new Map()], ['authData', AUTH], ['fmt', 'none']]));
    expect(parseAttestationObject(marked).fmt).toBe('none');
    expectMalformed(encodeCbor(mapOf([['\uFEFFfmt', 'none'], ['attStmt', new Map()], ['authData', AUTH]])), /"fmt" is missing/);
  });

  it.each([
    ['the whole object in tag 55799', () => encodeCbor(tagged(55799, new Map<CborInput, CborInput>(Object.entries(VALID) as [string, CborInput][])))],
    ['authData in tag 64', () => attestationObject({ ...VALID, authData: tagged(64, AUTH) })],
    ['fmt in tag 0', () => attestationObject({ ...VALID, fmt: tagged(0, 'none') })],
    ['attStmt in tag 259', () => attestationObject({ ...VALID, attStmt: tagged(259, new Map()) })],
    ['a sig in tag 2', () => attestationObject({ ...VALID, attStmt: new Map([['sig', tagged(2, new Uint8Array([1]))]]) })],
  ])('refuses %s', (_name, build) => {
    expectMalformed(build(), /tags are not allowed/);
  });

  it('refuses indefinite lengths and non-minimal heads anywhere in the object', () => {
    expectMalformed(attestationObject({ ...VALID, attStmt: raw([0xbf, 0xff]) }), /indefinite-length/);
    expectMalformed(attestationObject({ ...VALID, fmt: raw([0x7f, 0x64, ...new TextEncoder().encode('none'), 0xff]) }), /indefinite-length/);
    expectMalformed(attestationObject({ ...VALID, fmt: raw([0x78, 0x04, ...new TextEncoder().encode('none')]) }), /shortest form/);
    expectMalformed(attestationObject({ ...VALID, attStmt: new Map([['alg', raw([0x38, 0x06])]]) }), /shortest form/);
    expectMalformed(attestationObject({ ...VALID, attStmt: new Map([['alg', raw([0xfb, 0xc0, 0x1c, 0, 0, 0, 0, 0, 0])]]) }), /floating-point/);
  });

  it.each(vectors)('re-encodes $name byte for byte, and refuses it with any one head widened', (vector) => {
    const bytes = base64url.decode(vector.response.response.attestationObject);
    const value = decodeCbor(bytes, { code: 'malformed_response', subject: 'test' }, MAX_ATTESTATION_OBJECT_BYTES) as CborInput;
    // The captured objects are strict CBOR, not all in canonical order (go-webauthn-packed-es256: fmt, authData, attStmt).
    expect(encodeCbor(value, { order: 'given' })).toEqual(bytes);
    fc.assert(
      fc.property(fc.nat(), fc.constantFrom(1, 2, 4, 8) as fc.Arbitrary<1 | 2 | 4 | 8>, (pick, width) => {
        const widened = encodeCbor(value, { order: 'given', widen: { head: pick % headCount(value), width } });
        if (widened.length !== bytes.length) expectMalformed(widened, /shortest form/);
      }),
      { numRuns: 50 },
    );
  });
});

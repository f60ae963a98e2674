import { decode, encode } from 'cbor-x';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectTesseraError, expectTruncationsAndBitFlipsHandled, returnsOrThrowsTesseraError } from '../test/mutations.ts';
import { readRegistrationVectors } from '../test/vectors.ts';
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
  return new Uint8Array(encode(value));
}

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
    expect(parsed.attStmt.get('sig')).toEqual(new Uint8Array([5, 6]));
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
    expectMalformed(attestationObject({ ...VALID, attStmt: [] }), /"attStmt"/);
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

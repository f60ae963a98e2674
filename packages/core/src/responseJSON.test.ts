import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectTesseraError, returnsOrThrowsTesseraError, thrown } from '../test/mutations.ts';
import { readAuthenticationVectors, readRegistrationVectors } from '../test/vectors.ts';
import { parseAttestationObject } from './attestationObject.ts';
import { parseAuthenticatorData } from './authenticatorData.ts';
import { base64url } from './base64url.ts';
import { parseClientDataJSON } from './clientData.ts';
import {
  authenticationResponseJSONSchema,
  parseAuthenticationResponse,
  parseRegistrationResponse,
  registrationResponseJSONSchema,
} from './responseJSON.ts';

const authenticationVectors = readAuthenticationVectors();
const registrationVectors = readRegistrationVectors();

const bytes = (length: number, fill = 0x61): string => base64url.encode(new Uint8Array(length).fill(fill));
const ASSERTION = {
  id: bytes(16),
  rawId: bytes(16),
  type: 'public-key',
  response: { clientDataJSON: bytes(100), authenticatorData: bytes(37), signature: bytes(70), userHandle: bytes(16) },
  authenticatorAttachment: 'platform',
  clientExtensionResults: {},
};
const ATTESTATION = {
  id: bytes(16),
  rawId: bytes(16),
  type: 'public-key',
  response: {
    clientDataJSON: bytes(100),
    attestationObject: bytes(300),
    authenticatorData: bytes(200),
    transports: ['internal', 'hybrid'],
    publicKey: bytes(91),
    publicKeyAlgorithm: -7,
  },
  authenticatorAttachment: 'cross-platform',
  clientExtensionResults: { credProps: { rk: true } },
};

type Parse = (json: unknown) => unknown;

function expectMalformed(parse: Parse, json: unknown, message: RegExp): void {
  expectTesseraError(() => parse(json), 'malformed_response', message);
}

function parsesOrIsMalformed(parse: Parse, json: unknown): void {
  returnsOrThrowsTesseraError(() => parse(json), 'malformed_response');
}

const assertion = (path: readonly string[], member: unknown): typeof ASSERTION => withMember(ASSERTION, path, member);
const attestation = (path: readonly string[], member: unknown): typeof ATTESTATION => withMember(ATTESTATION, path, member);
const NOT_AN_OBJECT = /: expected the object that PublicKeyCredential\.toJSON\(\) returns\.$/;

/** `value` with the member at `path` replaced (or, with `undefined`, removed); `value` itself is untouched. */
function withMember<T>(value: T, path: readonly string[], member: unknown): T {
  const copy = structuredClone(value) as Record<string, unknown>;
  let parent = copy;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string, unknown>;
  if (member === undefined) delete parent[path.at(-1)!];
  else parent[path.at(-1)!] = member;
  return copy as T;
}

describe('parseAuthenticationResponse', () => {
  it.each(authenticationVectors)('accepts $name as it is, and its bytes parse to the expected counter and flags', (vector) => {
    const parsed = parseAuthenticationResponse(vector.response);
    expect(parsed).toEqual(vector.response);
    const authenticatorData = parseAuthenticatorData(base64url.decode(parsed.response.authenticatorData));
    expect(authenticatorData.signCount).toBe(vector.expected.newSignCount);
    expect(authenticatorData.flags.userVerified).toBe(vector.expected.userVerified);
    expect(parseClientDataJSON(base64url.decode(parsed.response.clientDataJSON)).type).toBe('webauthn.get');
  });

  it('returns every member it knows, and strips the ones it does not', () => {
    expect(parseAuthenticationResponse(ASSERTION)).toEqual(ASSERTION);
    const extended = { ...ASSERTION, future: 1, response: { ...ASSERTION.response, future: 2 } };
    expect(parseAuthenticationResponse(extended)).toEqual(ASSERTION);
  });

  it('treats a null or empty userHandle as absent, without touching the input', () => {
    for (const userHandle of [null, '', undefined]) {
      const input = assertion(['response', 'userHandle'], userHandle);
      const parsed = parseAuthenticationResponse(input);
      expect(Object.keys(parsed.response)).toEqual(['clientDataJSON', 'authenticatorData', 'signature']);
      expect(input.response.userHandle).toBe(userHandle);
    }
  });

  it('bounds userHandle to 1–64 canonical base64url bytes', () => {
    expect(parseAuthenticationResponse(assertion(['response', 'userHandle'], bytes(64))).response.userHandle).toBe(bytes(64));
    const rejects = (userHandle: unknown, message: RegExp): void =>
      expectMalformed(parseAuthenticationResponse, assertion(['response', 'userHandle'], userHandle), message);
    rejects(bytes(65), /response\.userHandle: user handle must decode to 1–64 bytes/);
    rejects('AA==', /response\.userHandle: .*padding/);
    rejects(7, /response\.userHandle/);
  });

  it('bounds the binary members', () => {
    const cases: [string[], number, boolean][] = [
      [['id'], 1, true],
      [['id'], 1023, true],
      [['id'], 0, false],
      [['id'], 1024, false],
      [['rawId'], 0, false],
      [['response', 'clientDataJSON'], 0, false],
      [['response', 'clientDataJSON'], 65_537, false],
      [['response', 'authenticatorData'], 37, true],
      [['response', 'authenticatorData'], 36, false],
      [['response', 'authenticatorData'], 65_536, true],
      [['response', 'authenticatorData'], 65_537, false],
      [['response', 'signature'], 8192, true],
      [['response', 'signature'], 8193, false],
      [['response', 'signature'], 0, false],
    ];
    for (const [path, length, accepted] of cases) {
      const input = assertion(path, bytes(length));
      if (accepted) expect(parseAuthenticationResponse(input), path.join('.')).toEqual(input);
      else expectMalformed(parseAuthenticationResponse, input, new RegExp(`${path.join('\\.')}: .*must decode to`));
    }
  });

  it('rejects missing members and members of the wrong type, naming each', () => {
    const responseMembers = ['clientDataJSON', 'authenticatorData', 'signature'].map((key) => ['response', key]);
    const required = [['id'], ['rawId'], ['type'], ['response'], ...responseMembers];
    for (const path of required) {
      const message = new RegExp(`^Invalid authentication response: ${path.join('\\.')}: `);
      expectMalformed(parseAuthenticationResponse, assertion(path, undefined), message);
    }
    const rejects = (path: string[], member: unknown, message: RegExp): void =>
      expectMalformed(parseAuthenticationResponse, assertion(path, member), message);
    rejects(['type'], 1, /type: .*expected string/);
    rejects(['response'], 'x', /response: .*expected object/);
    rejects(['response', 'signature'], 'MEUC+/==', /response\.signature: .*base64url/);
    rejects(['authenticatorAttachment'], 1, /authenticatorAttachment/);
    rejects(['clientExtensionResults'], [], /clientExtensionResults/);
    rejects(['clientExtensionResults'], 'x', /clientExtensionResults/);
  });

  it('leaves type and authenticatorAttachment values to the verifier (§2.1.1)', () => {
    const cases: [string[], unknown][] = [
      [['type'], 'password'],
      [['authenticatorAttachment'], null],
      [['authenticatorAttachment'], 'future-attachment'],
      [['authenticatorAttachment'], undefined],
      [['clientExtensionResults'], undefined],
    ];
    for (const [path, value] of cases) expect(parseAuthenticationResponse(assertion(path, value))).toEqual(assertion(path, value));
  });

  it('rejects anything but an object with one clear message', () => {
    for (const value of [undefined, null, 'string', 42, [ASSERTION], true]) {
      expectMalformed(parseAuthenticationResponse, value, /^Invalid authentication response: expected the object/);
      expectMalformed(parseAuthenticationResponse, value, NOT_AN_OBJECT);
    }
  });

  it('never quotes a value in the message', () => {
    const secret = bytes(70, 0x7a).slice(0, -2) + '==';
    const error = thrown(() => parseAuthenticationResponse(assertion(['response', 'signature'], secret))) as Error;
    expect(error.message).not.toContain(secret.slice(0, 20));
  });

  it('exports its schema', () => {
    expect(authenticationResponseJSONSchema.safeParse(ASSERTION).success).toBe(true);
  });
});

describe('parseRegistrationResponse', () => {
  it.each(registrationVectors)('accepts $name as it is, and its attestation object parses', (vector) => {
    const parsed = parseRegistrationResponse(vector.response);
    expect(parsed).toEqual(vector.response);
    const { authenticatorData } = parseAttestationObject(base64url.decode(parsed.response.attestationObject));
    expect(base64url.encode(authenticatorData.attestedCredentialData.credentialId)).toBe(vector.expected.credentialId);
    expect(authenticatorData.signCount).toBe(vector.expected.signCount);
    expect(authenticatorData.flags.userVerified).toBe(vector.expected.userVerified);
    expect(parseClientDataJSON(base64url.decode(parsed.response.clientDataJSON)).type).toBe('webauthn.create');
  });

  it('returns every member it knows, and strips the ones it does not', () => {
    expect(parseRegistrationResponse(ATTESTATION)).toEqual(ATTESTATION);
    const extended = { ...ATTESTATION, future: 1, response: { ...ATTESTATION.response, getTransports: 'x' } };
    expect(parseRegistrationResponse(extended)).toEqual(ATTESTATION);
    const minimal = {
      id: ATTESTATION.id,
      rawId: ATTESTATION.rawId,
      type: 'public-key',
      response: { clientDataJSON: bytes(1), attestationObject: bytes(1) },
    };
    expect(parseRegistrationResponse(minimal)).toEqual(minimal);
  });

  it('keeps transports as strings, unknown ones included (normalised later)', () => {
    const transports = ['cable', 'quantum-link', 'usb'];
    expect(parseRegistrationResponse(attestation(['response', 'transports'], transports)).response.transports).toEqual(transports);
    expectMalformed(parseRegistrationResponse, attestation(['response', 'transports'], 'usb'), /response\.transports/);
    expectMalformed(parseRegistrationResponse, attestation(['response', 'transports'], [1]), /response\.transports\.0/);
  });

  it('bounds the binary members and publicKeyAlgorithm', () => {
    const accepted: [string[], unknown][] = [
      [['response', 'attestationObject'], bytes(131_072)],
      [['response', 'publicKey'], bytes(16_384)],
      [['response', 'publicKeyAlgorithm'], -2_147_483_648],
      [['response', 'publicKeyAlgorithm'], -257],
    ];
    for (const [path, value] of accepted) expect(parseRegistrationResponse(attestation(path, value))).toEqual(attestation(path, value));
    const rejected: [string[], unknown][] = [
      [['response', 'attestationObject'], bytes(0)],
      [['response', 'attestationObject'], bytes(131_073)],
      [['response', 'authenticatorData'], bytes(36)],
      [['response', 'publicKey'], bytes(0)],
      [['response', 'publicKey'], bytes(16_385)],
      [['response', 'publicKeyAlgorithm'], 1.5],
      [['response', 'publicKeyAlgorithm'], '-7'],
      [['response', 'publicKeyAlgorithm'], 2 ** 31],
      [['id'], bytes(1024)],
    ];
    for (const [path, value] of rejected) {
      expectMalformed(parseRegistrationResponse, attestation(path, value), new RegExp(`${path.join('\\.')}: `));
    }
  });

  it('rejects missing members, naming each', () => {
    for (const path of [['id'], ['rawId'], ['type'], ['response'], ['response', 'clientDataJSON'], ['response', 'attestationObject']]) {
      const message = new RegExp(`^Invalid registration response: ${path.join('\\.')}: `);
      expectMalformed(parseRegistrationResponse, attestation(path, undefined), message);
    }
  });

  it('rejects anything but an object with one clear message', () => {
    for (const value of [null, 'string', 42, [ATTESTATION]]) {
      expectMalformed(parseRegistrationResponse, value, /^Invalid registration response: expected the object/);
      expectMalformed(parseRegistrationResponse, value, NOT_AN_OBJECT);
    }
  });

  it('exports its schema', () => {
    expect(registrationResponseJSONSchema.safeParse(ATTESTATION).success).toBe(true);
  });
});

describe('response parsers under random input', () => {
  const parsers: [string, Parse, typeof ASSERTION | typeof ATTESTATION][] = [
    ['authentication', parseAuthenticationResponse, ASSERTION],
    ['registration', parseRegistrationResponse, ATTESTATION],
  ];

  it.each(parsers)('%s: any value gives a result or malformed_response, nothing else', (_, parse) => {
    const anything = fc.anything({ withNullPrototype: true, withMap: true, withTypedArray: true });
    fc.assert(fc.property(anything, (value) => parsesOrIsMalformed(parse, value)), { numRuns: 1000 });
  });

  it.each(parsers)('%s: any member replaced by any JSON value gives a result or malformed_response', (_, parse, valid) => {
    const topLevel = ['id', 'rawId', 'type', 'response', 'authenticatorAttachment', 'clientExtensionResults'].map((key) => [key]);
    const paths = [...topLevel, ...Object.keys(valid.response).map((key) => ['response', key])];
    const member = fc.oneof(fc.jsonValue(), fc.constant(undefined));
    fc.assert(
      fc.property(fc.constantFrom(...paths), member, (path, value) => parsesOrIsMalformed(parse, withMember(valid, path, value))),
      { numRuns: 2000 },
    );
  });
});

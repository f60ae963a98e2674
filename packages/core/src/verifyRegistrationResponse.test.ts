import { describe, expect, it } from 'vitest';
import { rejectionCode } from '../test/mutations.ts';
import { readRegistrationVectors, type RegistrationVector } from '../test/vectors.ts';
import { base64url } from './base64url.ts';
import type { TesseraErrorCode } from './errors.ts';
import { SoftwareAuthenticator } from './testing/softwareAuthenticator.ts';
import { verifyRegistrationResponse, type VerifyRegistrationResponseInput } from './verifyRegistrationResponse.ts';

const vectors = readRegistrationVectors();
const USER = base64url.encode(new TextEncoder().encode('user-1'));

function inputOf(vector: RegistrationVector, attestation: VerifyRegistrationResponseInput['attestation']): VerifyRegistrationResponseInput {
  return {
    response: vector.response,
    expectedChallenge: vector.expectedChallenge,
    expectedOrigin: vector.expectedOrigin,
    expectedRpId: vector.expectedRpId,
    userId: USER,
    requireUserVerification: false,
    attestation,
    ...(vector.requiresDate === undefined ? {} : { now: Date.parse(vector.requiresDate) }),
  };
}

describe('verifyRegistrationResponse: real authenticators', () => {
  it.each(vectors.map((vector) => [vector.name, vector] as const))(
    '%s yields the credential the authenticator created (attestation not requested)',
    async (_, vector) => {
      const result = await verifyRegistrationResponse(inputOf(vector, 'none'));
      expect(result.credential).toMatchObject({
        id: vector.expected.credentialId,
        userId: USER,
        signCount: vector.expected.signCount,
        aaguid: vector.expected.aaguid,
        fmt: vector.fmt,
      });
      expect(base64url.encode(result.credential.publicKey)).toBe(vector.expected.publicKey);
      expect(result.userVerified).toBe(vector.expected.userVerified);
      expect(result.attestation).toMatchObject({ fmt: vector.fmt, verified: false });
    },
  );

  const main = vectors.filter((vector) => !vector.extra);
  it.each(main.map((vector) => [vector.name, vector] as const))('%s: its attestation statement verifies when requested', async (_, vector) => {
    const result = await verifyRegistrationResponse(inputOf(vector, 'direct'));
    expect(result.attestation).toMatchObject({ fmt: vector.fmt, verified: true });
    expect(result.attestation.type).toBe(vector.fmt === 'none' ? 'None' : result.attestation.trustPath.length === 0 ? 'Self' : 'Basic');
  });

  const extra = vectors.filter((vector) => vector.extra);
  it.each(extra.map((vector) => [vector.name, vector] as const))('%s: its format is refused when attestation is requested', async (_, vector) => {
    expect(await rejectionCode(verifyRegistrationResponse(inputOf(vector, 'direct')))).toBe('unsupported_attestation_format');
  });

  it('passes verified attestations to the trust hook, and refuses what it rejects', async () => {
    const vector = main.find((candidate) => candidate.fmt === 'packed' && candidate.name.includes('x5c'))!;
    const seen: number[] = [];
    const accepted = await verifyRegistrationResponse({
      ...inputOf(vector, 'direct'),
      trustAttestation: (attestation) => {
        seen.push(attestation.trustPath.length);
        return true;
      },
    });
    expect(accepted.attestation.type).toBe('Basic');
    expect(seen[0]).toBeGreaterThan(0);
    expect(await rejectionCode(verifyRegistrationResponse({ ...inputOf(vector, 'direct'), trustAttestation: async () => false }))).toBe('untrusted_attestation');
  });
});

describe('verifyRegistrationResponse: each check has its own code', () => {
  const origin = 'https://example.com';
  const challenge = base64url.encode(new Uint8Array(32).fill(4));

  async function fresh(options: ConstructorParameters<typeof SoftwareAuthenticator>[0] = {}, clientData: Record<string, unknown> = {}) {
    const authenticator = new SoftwareAuthenticator(options);
    const response = await authenticator.createCredential({ rpId: 'example.com', challenge, origin, userHandle: USER, clientData });
    const input: VerifyRegistrationResponseInput = { response, expectedChallenge: challenge, expectedOrigin: origin, expectedRpId: 'example.com', userId: USER };
    return input;
  }

  it('returns the record, with transports normalised and backup flags', async () => {
    const input = await fresh({ transports: ['usb', 'cable', 'lora'], backupEligible: true, backupState: true });
    const { credential } = await verifyRegistrationResponse(input);
    expect(credential).toMatchObject({ transports: ['usb', 'hybrid'], backupEligible: true, backupState: true, signCount: 1 });
  });

  it.each<[string, Record<string, unknown>, Partial<VerifyRegistrationResponseInput>, TesseraErrorCode]>([
    ['an authentication client data type', { type: 'webauthn.get' }, {}, 'unexpected_type'],
    ['another challenge', {}, { expectedChallenge: base64url.encode(new Uint8Array(32)) }, 'challenge_mismatch'],
    ['another origin', {}, { expectedOrigin: 'https://other.example' }, 'origin_mismatch'],
    ['a cross-origin iframe', { crossOrigin: true }, {}, 'cross_origin_not_allowed'],
    ['another RP ID', {}, { expectedRpId: 'other.example' }, 'rp_id_mismatch'],
    ['an algorithm that was not offered', {}, { algorithms: [-257] }, 'unsupported_algorithm'],
  ])('rejects %s', async (_, clientData, change, code) => {
    const input = await fresh({}, clientData);
    expect(await rejectionCode(verifyRegistrationResponse({ ...input, ...change }))).toBe(code);
  });

  it('requires user verification by default', async () => {
    expect(await rejectionCode(verifyRegistrationResponse(await fresh({ verifiesUser: false })))).toBe('user_not_verified');
    expect((await verifyRegistrationResponse({ ...(await fresh({ verifiesUser: false })), requireUserVerification: false })).userVerified).toBe(false);
  });

  it('rejects BS without BE, and ids that disagree with the authenticator data', async () => {
    expect(await rejectionCode(verifyRegistrationResponse(await fresh({ backupEligible: false, backupState: true })))).toBe('invalid_backup_flags');
    const input = await fresh();
    const other = base64url.encode(new Uint8Array(32).fill(1));
    expect(await rejectionCode(verifyRegistrationResponse({ ...input, response: { ...input.response, id: other, rawId: other } }))).toBe('credential_mismatch');
    expect(await rejectionCode(verifyRegistrationResponse({ ...input, response: { ...input.response, rawId: other } }))).toBe('credential_mismatch');
  });

  it('refuses RS1 credentials unless offered', async () => {
    const input = await fresh({ algorithm: 'RS1' });
    expect(await rejectionCode(verifyRegistrationResponse(input))).toBe('unsupported_algorithm');
    expect((await verifyRegistrationResponse({ ...input, algorithms: [-65535] })).verified).toBe(true);
  });
});

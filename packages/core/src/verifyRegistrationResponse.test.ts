import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { derSign, ecKeyPair, packedWithBorrowedChain, packedX5c } from '../test/attestationStatements.ts';
import { rejectionCode } from '../test/mutations.ts';
import { readRegistrationVectors, type RegistrationVector } from '../test/vectors.ts';
import { base64url } from './base64url.ts';
import { credentialRecordSchema } from './credentialStore.ts';
import type { TesseraErrorCode } from './errors.ts';
import { REGISTERED_ATTESTATION_FORMATS, isRegisteredAttestationFormat } from './attestation/formats.ts';
import { SoftwareAuthenticator, type AttestationStatementOverride, type CreateCredentialInput } from './testing/softwareAuthenticator.ts';
import { SUPPORTED_ATTESTATION_FORMATS, isSupportedAttestationFormat, verifyAttestationStatement } from './attestation/verifyAttestationStatement.ts';
import { parseAttestationObject } from './attestationObject.ts';
import { verifyRegistrationResponse, type VerifyRegistrationResponseInput } from './verifyRegistrationResponse.ts';

const AAGUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

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
    ...(vector.safetyNetCtsProfileMatchRequired === undefined ? {} : { safetyNetCtsProfileMatchRequired: vector.safetyNetCtsProfileMatchRequired }),
  };
}

/** Whether this library verifies the vector's format (the others are accepted unverified under 'none'). */
const verifiable = (vector: RegistrationVector): boolean => (SUPPORTED_ATTESTATION_FORMATS as readonly string[]).includes(vector.fmt);

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
        // A format verified here is recorded; one accepted unverified is recorded as none.
        fmt: verifiable(vector) ? vector.fmt : 'none',
      });
      expect(credentialRecordSchema.safeParse(result.credential).success).toBe(true);
      expect(base64url.encode(result.credential.publicKey)).toBe(vector.expected.publicKey);
      expect(result.userVerified).toBe(vector.expected.userVerified);
      // Statements of supported formats are verified even though attestation was not requested (§7.1 step 21).
      if (!verifiable(vector)) expect(result.attestation).toEqual({ fmt: vector.fmt, type: 'None', trustPath: [], verified: false, trusted: false, aaguid: expect.stringMatching(AAGUID_TEXT) });
      else expect(result.attestation).toMatchObject({ fmt: vector.fmt, verified: true });
    },
  );

  const main = vectors.filter((vector) => !vector.extra);
  it.each(main.map((vector) => [vector.name, vector] as const))('%s: its attestation statement verifies when requested', async (_, vector) => {
    const result = await verifyRegistrationResponse(inputOf(vector, 'direct'));
    expect(result.attestation).toMatchObject({ fmt: vector.fmt, verified: true });
    expect(result.attestation.type).toBe(vector.fmt === 'none' ? 'None' : result.attestation.trustPath.length === 0 ? 'Self' : 'Basic');
  });

  const extraVerified = vectors.filter((vector) => vector.extra && verifiable(vector));
  it.each(extraVerified.map((vector) => [vector.name, vector] as const))('%s: its attestation statement verifies when requested', async (_, vector) => {
    const result = await verifyRegistrationResponse(inputOf(vector, 'direct'));
    expect(result.attestation).toMatchObject({ fmt: vector.fmt, verified: true });
    expect(result.credential.fmt).toBe(vector.fmt);
  });

  const extra = vectors.filter((vector) => vector.extra && !verifiable(vector));
  it.each(extra.map((vector) => [vector.name, vector] as const))('%s: its format is refused when attestation is requested', async (_, vector) => {
    expect(await rejectionCode(verifyRegistrationResponse(inputOf(vector, 'direct')))).toBe('unsupported_attestation_format');
  });

  it('passes verified attestations to the trust hook, and refuses what it rejects', async () => {
    const vector = main.find((candidate) => candidate.fmt === 'packed' && candidate.name.includes('x5c'))!;
    const seen: number[] = [];
    const seenAaguids: string[] = [];
    const accepted = await verifyRegistrationResponse({
      ...inputOf(vector, 'direct'),
      trustAttestation: (attestation) => {
        seen.push(attestation.trustPath.length);
        seenAaguids.push(attestation.aaguid);
        return true;
      },
    });
    expect(accepted.attestation.type).toBe('Basic');
    expect(seen[0]).toBeGreaterThan(0);
    // The hook gets the authenticator data's AAGUID, lower-case 8-4-4-4-12 (§6.5.1), whatever the format.
    expect(seenAaguids).toEqual([accepted.credential.aaguid]);
    expect(seenAaguids[0]).toMatch(AAGUID_TEXT);
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

describe('verifyRegistrationResponse: attestation statements are judged whatever was requested (§7.1 steps 20–23)', () => {
  const origin = 'https://example.com';
  const challenge = base64url.encode(new Uint8Array(32).fill(5));
  const UNSUPPORTED = REGISTERED_ATTESTATION_FORMATS.filter((fmt) => !(SUPPORTED_ATTESTATION_FORMATS as readonly string[]).includes(fmt));

  /** A fresh credential whose attestation object carries `statement`, and the input to verify it. */
  async function withStatement(
    statement: AttestationStatementOverride | undefined,
    attestation?: VerifyRegistrationResponseInput['attestation'],
    create: Partial<CreateCredentialInput> = {},
  ): Promise<VerifyRegistrationResponseInput> {
    const authenticator = new SoftwareAuthenticator();
    const response = await authenticator.createCredential({ rpId: 'example.com', challenge, origin, userHandle: USER, ...(statement ? { statement } : {}), ...create });
    return { response, expectedChallenge: challenge, expectedOrigin: origin, expectedRpId: 'example.com', userId: USER, ...(attestation ? { attestation } : {}) };
  }
  const statementOf = (fmt: string, entries: [string, unknown][] = []): AttestationStatementOverride => ({ fmt, attStmt: new Map(entries) });
  const junk = (length: number): Uint8Array => crypto.getRandomValues(new Uint8Array(length));

  describe("with 'none' requested (the default), a statement of a supported format must still verify", () => {
    it.each<[string, AttestationStatementOverride]>([
      ['packed with a garbage signature', statementOf('packed', [['alg', -7], ['sig', junk(72)]])],
      ['packed with an empty signature', statementOf('packed', [['alg', -7], ['sig', new Uint8Array(0)]])],
      [
        'packed self attestation signed by another key',
        {
          fmt: 'packed',
          attStmt: async ({ authData, clientDataHash }) => {
            const other = await ecKeyPair();
            return new Map<string, unknown>([['alg', -7], ['sig', derSign(other.privateKey, new Uint8Array([...authData, ...clientDataHash]))]]);
          },
        },
      ],
      ['packed whose alg is not the credential’s', statementOf('packed', [['alg', -257], ['sig', junk(256)]])],
      ['packed with no sig', statementOf('packed', [['alg', -7]])],
      ['packed with an x5c that holds no certificate', statementOf('packed', [['alg', -7], ['sig', junk(72)], ['x5c', [junk(300)]]])],
      ['packed with an empty x5c', statementOf('packed', [['alg', -7], ['sig', junk(72)], ['x5c', []]])],
      ['packed x5c whose second certificate is garbage', packedX5c({ intermediate: junk(200) })],
      ['packed x5c whose intermediate has expired', packedX5c({ intermediate: { notAfter: '2021-01-01T00:00:00Z' } })],
      ['packed x5c whose leaf has expired', packedX5c({ leaf: { notAfter: '2021-01-01T00:00:00Z' } })],
      ['packed x5c whose leaf is a CA', packedX5c({ leaf: { ca: true } })],
      ['packed x5c whose leaf lacks OU "Authenticator Attestation"', packedX5c({ leaf: { ou: 'Something Else' } })],
      ['fido-u2f with garbage', statementOf('fido-u2f', [['sig', junk(72)], ['x5c', [junk(300)]]])],
      ['fido-u2f with nothing', statementOf('fido-u2f')],
      ['none with members', statementOf('none', [['sig', junk(72)]])],
    ])('%s is invalid_attestation', async (_, statement) => {
      expect(await rejectionCode(verifyRegistrationResponse(await withStatement(statement)))).toBe('invalid_attestation');
    });

    it("a genuine attestation chain borrowed from another authenticator, with the attacker's signature, is invalid_attestation", async () => {
      const { statement, now } = packedWithBorrowedChain();
      expect(await rejectionCode(verifyRegistrationResponse({ ...(await withStatement(statement)), now }))).toBe('invalid_attestation');
    });

    it('a packed x5c statement that does verify is accepted as verified Basic, and the trust hook is not consulted', async () => {
      const seen: unknown[] = [];
      const result = await verifyRegistrationResponse({ ...(await withStatement(packedX5c())), trustAttestation: (attestation) => (seen.push(attestation), false) });
      expect(result.attestation).toMatchObject({ fmt: 'packed', type: 'Basic', verified: true });
      expect(result.attestation.trustPath).toHaveLength(2);
      expect(result.credential.fmt).toBe('packed');
      expect(seen).toEqual([]);
      // The same statement with attestation requested goes to the hook, which refuses it (§7.1 step 23).
      const direct = await withStatement(packedX5c(), 'direct');
      expect(await rejectionCode(verifyRegistrationResponse({ ...direct, trustAttestation: () => false }))).toBe('untrusted_attestation');
    });

    it('a packed self attestation that verifies is recorded as packed, a none statement as none', async () => {
      const packed = await verifyRegistrationResponse(await withStatement(undefined, undefined, { attestation: 'packed' }));
      expect([packed.attestation, packed.credential.fmt]).toEqual([{ fmt: 'packed', type: 'Self', trustPath: [], verified: true, trusted: false, aaguid: expect.stringMatching(AAGUID_TEXT) }, 'packed']);
      const none = await verifyRegistrationResponse(await withStatement(undefined));
      expect([none.attestation, none.credential.fmt]).toEqual([{ fmt: 'none', type: 'None', trustPath: [], verified: true, trusted: false, aaguid: expect.stringMatching(AAGUID_TEXT) }, 'none']);
    });
  });

  describe('fmt must be a registered identifier, whatever was requested', () => {
    it.each(['', 'bogus', 'Packed', 'NONE', 'none ', 'packed\u0000', 'fido-u2f-v2', '__proto__', 'x'.repeat(5000)])(
      'fmt %j is unsupported_attestation_format',
      async (fmt) => {
        for (const attestation of ['none', 'indirect', 'direct', 'enterprise'] as const) {
          expect(await rejectionCode(verifyRegistrationResponse(await withStatement(statementOf(fmt), attestation)))).toBe('unsupported_attestation_format');
        }
      },
    );

    it('REGISTERED_ATTESTATION_FORMATS is the IANA registry of WebAuthn L3 §8, and holds every supported format', () => {
      expect([...REGISTERED_ATTESTATION_FORMATS].sort()).toEqual(['android-key', 'android-safetynet', 'apple', 'compound', 'fido-u2f', 'none', 'packed', 'tpm']);
      for (const fmt of SUPPORTED_ATTESTATION_FORMATS) expect(isRegisteredAttestationFormat(fmt)).toBe(true);
      expect(isRegisteredAttestationFormat('Packed')).toBe(false);
      expect(isRegisteredAttestationFormat(undefined)).toBe(false);
    });
  });
});

describe('verifyRegistrationResponse: RS1 self attestation', () => {
  it('verifies when RS1 was offered (step 18), under none and direct, and a forged one is refused', async () => {
    const origin = 'https://example.com';
    const challenge = base64url.encode(new Uint8Array(32).fill(6));
    const authenticator = new SoftwareAuthenticator({ algorithm: 'RS1' });
    const response = await authenticator.createCredential({ rpId: 'example.com', challenge, origin, userHandle: USER, attestation: 'packed' });
    const input: VerifyRegistrationResponseInput = { response, expectedChallenge: challenge, expectedOrigin: origin, expectedRpId: 'example.com', userId: USER, algorithms: [-65535] };
    for (const attestation of ['none', 'direct'] as const) {
      expect((await verifyRegistrationResponse({ ...input, attestation })).attestation).toMatchObject({ fmt: 'packed', type: 'Self', verified: true });
    }
    expect(await rejectionCode(verifyRegistrationResponse({ ...input, algorithms: [-257] }))).toBe('unsupported_algorithm');
    const forged = await authenticator.createCredential({
      rpId: 'example.com', challenge, origin, userHandle: USER,
      statement: { fmt: 'packed', attStmt: new Map<string, unknown>([['alg', -65535], ['sig', new Uint8Array(256).fill(1)]]) },
    });
    expect(await rejectionCode(verifyRegistrationResponse({ ...input, response: forged }))).toBe('invalid_attestation');
    // On its own, verifyAttestationStatement accepts an RS1 self attestation only when told to.
    const parsed = parseAttestationObject(base64url.decode(response.response.attestationObject));
    const statement = { ...parsed, clientDataHash: sha256(base64url.decode(response.response.clientDataJSON)) };
    expect(await rejectionCode(verifyAttestationStatement(statement))).toBe('unsupported_algorithm');
    expect(await verifyAttestationStatement({ ...statement, allowRS1: true })).toEqual({ fmt: 'packed', type: 'Self', trustPath: [] });
  });
});

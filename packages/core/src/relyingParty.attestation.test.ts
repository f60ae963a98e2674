import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { packedX5c } from '../test/attestationStatements.ts';
import { compoundStatement } from '../test/compoundStatements.ts';
import { tpmStatement } from '../test/tpmStatements.ts';
import { readRegistrationVectors } from '../test/vectors.ts';
import type { ChallengeRecord, ChallengeStore } from './challengeStore.ts';
import { ticketForChallenge } from './ticket.ts';
import { rejectionCode } from '../test/mutations.ts';
import { REGISTERED_ATTESTATION_FORMATS, isRegisteredAttestationFormat } from './attestation/formats.ts';
import { base64url } from './base64url.ts';
import { COSE_ALGORITHMS } from './cose.ts';
import { MemoryCredentialStore, credentialRecordSchema } from './credentialStore.ts';
import { isTesseraError, type TesseraErrorCode } from './errors.ts';
import { MemoryChallengeStore } from './memoryChallengeStore.ts';
import type { AttestationConveyancePreference } from './registrationOptions.ts';
import { createRelyingParty, type RelyingPartyConfig } from './relyingParty.ts';
import { SoftwareAuthenticator, type AttestationStatementOverride, type SoftwareAlgorithm } from './testing/softwareAuthenticator.ts';
import { SUPPORTED_ATTESTATION_FORMATS } from './attestation/verifyAttestationStatement.ts';

const AAGUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const ORIGIN = 'https://example.com';
const alice = { id: base64url.encode(new TextEncoder().encode('alice-0001')), name: 'alice@example.com', displayName: 'Alice' };
const UNSUPPORTED = REGISTERED_ATTESTATION_FORMATS.filter((fmt) => !(SUPPORTED_ATTESTATION_FORMATS as readonly string[]).includes(fmt));
const EVERY_ALGORITHM = Object.values(COSE_ALGORITHMS);

function setup(config: Partial<RelyingPartyConfig> = {}) {
  const challengeStore = new MemoryChallengeStore({ sweepIntervalMs: 0 });
  const credentials = new MemoryCredentialStore();
  const rp = createRelyingParty({ rpId: 'example.com', rpName: 'Example', origins: [ORIGIN], challengeStore, credentialStore: credentials, allowRS1: true, ...config });
  return { rp, credentials };
}

/** Starts a registration asking for `attestation`, and answers it with `authenticator` as a browser would. */
async function ceremony(context: ReturnType<typeof setup>, authenticator: SoftwareAuthenticator, attestation: AttestationConveyancePreference = 'none') {
  // excludeCredentials: [] — one authenticator registers many credentials for alice here.
  const { options, ticket } = await context.rp.startRegistration({ user: alice, attestation, algorithms: EVERY_ALGORITHM, excludeCredentials: [] });
  return { ticket, response: await authenticator.register(options, ORIGIN) };
}

describe('RelyingParty.finishRegistration: attestation statements (§7.1 steps 20–23)', () => {
  it.each(['', 'bogus'])("fmt %j is unsupported_attestation_format under 'none', before anything reaches the credential store", async (fmt) => {
    const context = setup();
    const authenticator = new SoftwareAuthenticator({ statement: { fmt, attStmt: new Map() } });
    expect(await rejectionCode(context.rp.finishRegistration(await ceremony(context, authenticator)))).toBe('unsupported_attestation_format');
    expect(await context.credentials.listRecordsByUser(alice.id)).toEqual([]);
  });

  it("a packed statement with a garbage signature is invalid_attestation under 'none'", async () => {
    const context = setup();
    const authenticator = new SoftwareAuthenticator({ statement: { fmt: 'packed', attStmt: new Map<string, unknown>([['alg', -7], ['sig', new Uint8Array(70).fill(0x30)]]) } });
    expect(await rejectionCode(context.rp.finishRegistration(await ceremony(context, authenticator)))).toBe('invalid_attestation');
    expect(await context.credentials.listRecordsByUser(alice.id)).toEqual([]);
  });

  it("a tpm statement with junk is invalid_attestation under 'none' and 'direct': tpm is verified whatever was requested", async () => {
    const context = setup({ trustAttestation: () => true });
    const statement: AttestationStatementOverride = { fmt: 'tpm', attStmt: new Map<string, unknown>([['ver', '2.0'], ['sig', new Uint8Array(8)]]) };
    for (const attestation of ['none', 'direct'] as const) {
      expect(await rejectionCode(context.rp.finishRegistration(await ceremony(context, new SoftwareAuthenticator({ statement }), attestation)))).toBe('invalid_attestation');
    }
    expect(await context.credentials.listRecordsByUser(alice.id)).toEqual([]);
  });

  it("a tpm statement of the test's own making registers under 'direct' with fmt tpm, type AttCA and its chain shown to the trust hook", async () => {
    const seen: string[] = [];
    const context = setup({ trustAttestation: ({ fmt, type, trustPath }) => (seen.push(`${fmt}:${type}:${trustPath.length}`), true) });
    for (const algorithm of ['ES256', 'RS256'] as const) {
      const result = await context.rp.finishRegistration(await ceremony(context, new SoftwareAuthenticator({ algorithm, statement: tpmStatement() }), 'direct'));
      expect(result.attestation).toMatchObject({ fmt: 'tpm', type: 'AttCA', verified: true });
      expect((await context.credentials.get(result.credential.id))?.fmt).toBe('tpm');
    }
    expect(seen).toEqual(['tpm:AttCA:2', 'tpm:AttCA:2']);
  });

  it("a compound statement registers under 'direct' with fmt compound and every sub-statement's result; one bad sub-statement refuses it", async () => {
    const seen: unknown[] = [];
    const context = setup({ trustAttestation: (attestation) => (seen.push(attestation.statements?.map(({ fmt, type }) => `${fmt}:${type}`)), true) });
    const result = await context.rp.finishRegistration(await ceremony(context, new SoftwareAuthenticator({ statement: compoundStatement(packedX5c(), tpmStatement()) }), 'direct'));
    expect(result.attestation).toMatchObject({ fmt: 'compound', type: 'None', trustPath: [], verified: true });
    expect((await context.credentials.get(result.credential.id))?.fmt).toBe('compound');
    expect(seen).toEqual([['packed:Basic', 'tpm:AttCA']]);
    const junk: AttestationStatementOverride = { fmt: 'tpm', attStmt: new Map<string, unknown>([['ver', '2.0']]) };
    const refused = context.rp.finishRegistration(await ceremony(context, new SoftwareAuthenticator({ statement: compoundStatement(packedX5c(), junk) }), 'direct'));
    expect(await rejectionCode(refused)).toBe('invalid_attestation');
  });

  it("consults the trust hook only when attestation was requested; under 'none' a verified statement is not put to it", async () => {
    const seen: string[] = [];
    const context = setup({ trustAttestation: ({ fmt }) => (seen.push(fmt), false) });
    const authenticator = new SoftwareAuthenticator({ statement: packedX5c() });
    const result = await context.rp.finishRegistration(await ceremony(context, authenticator));
    expect(result.attestation).toMatchObject({ fmt: 'packed', type: 'Basic', verified: true });
    expect(seen).toEqual([]);
    expect(await rejectionCode(context.rp.finishRegistration(await ceremony(context, authenticator, 'direct')))).toBe('untrusted_attestation');
    expect(seen).toEqual(['packed']);
  });
});

/** How the property's authenticator attests: one of the statements it may send, or random members under a registered fmt (or, now and then, any text). */
type Shape =
  | { kind: 'none' }
  | { kind: 'packed-self' }
  | { kind: 'packed-x5c' }
  | { kind: 'random'; fmt: string; members: [string, unknown][] };

const cborValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.uint8Array({ maxLength: 80 }),
  fc.integer(),
  fc.string({ maxLength: 20 }),
  fc.boolean(),
  fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 3 }),
);
const shape: fc.Arbitrary<Shape> = fc.oneof(
  fc.constant<Shape>({ kind: 'none' }),
  fc.constant<Shape>({ kind: 'packed-self' }),
  fc.constant<Shape>({ kind: 'packed-x5c' }),
  fc.record({
    kind: fc.constant('random' as const),
    fmt: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...REGISTERED_ATTESTATION_FORMATS) }, { weight: 1, arbitrary: fc.string({ maxLength: 20 }) }),
    members: fc.uniqueArray(fc.tuple(fc.constantFrom('alg', 'sig', 'x5c', 'ver', 'certInfo', 'pubArea', 'response', 'ecdaaKeyId', 'extra'), cborValue), {
      maxLength: 4,
      selector: ([member]) => member,
    }),
  }),
);

/** The statement a shape makes the authenticator send, and the attestation a ceremony under `requested` gets. */
function statementOf(value: Shape): { statement?: AttestationStatementOverride; asks?: 'direct' } {
  switch (value.kind) {
    case 'none':
      return {};
    case 'packed-self':
      return { asks: 'direct' }; // the software authenticator answers direct with packed self attestation
    case 'packed-x5c':
      return { statement: packedX5c() };
    case 'random':
      return { statement: { fmt: value.fmt, attStmt: new Map(value.members) } };
  }
}

/** What a correct relying party must answer: a record, or the code of the first check that fails. */
function expectedOutcome(value: Shape, requested: AttestationConveyancePreference, flags: { be: boolean; bs: boolean; uvMissing: boolean }): 'record' | TesseraErrorCode {
  if (flags.uvMissing) return 'user_not_verified';
  if (flags.bs && !flags.be) return 'invalid_backup_flags';
  if (value.kind !== 'random') return 'record';
  if (!isRegisteredAttestationFormat(value.fmt)) return 'unsupported_attestation_format';
  if (!(SUPPORTED_ATTESTATION_FORMATS as readonly string[]).includes(value.fmt)) return requested === 'none' ? 'record' : 'unsupported_attestation_format';
  // Random members under a supported format verify only as the empty none statement.
  return value.fmt === 'none' && value.members.length === 0 ? 'record' : 'invalid_attestation';
}

describe('RelyingParty.finishRegistration: every record it returns is one the record schema accepts', () => {
  it('for random algorithms, flags, transports, AAGUIDs, conveyances and statements of every registered fmt (and others, refused)', async () => {
    const algorithms: SoftwareAlgorithm[] = ['ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519', 'RS256', 'PS256', 'RS1'];
    let records = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          algorithm: fc.constantFrom(...algorithms),
          verifiesUser: fc.boolean(),
          userVerification: fc.constantFrom('required', 'preferred', 'discouraged'),
          backupEligible: fc.boolean(),
          backupState: fc.boolean(),
          transports: fc.array(fc.oneof(fc.constantFrom('usb', 'nfc', 'ble', 'hybrid', 'internal', 'smart-card', 'cable'), fc.string({ maxLength: 12 })), { maxLength: 6 }),
          aaguid: fc.uint8Array({ minLength: 16, maxLength: 16 }),
          requested: fc.constantFrom<AttestationConveyancePreference>('none', 'indirect', 'direct', 'enterprise'),
          shape,
        }),
        async ({ algorithm, verifiesUser, userVerification, backupEligible, backupState, transports, aaguid, requested, shape: value }) => {
          const context = setup();
          const { statement, asks } = statementOf(value);
          const authenticator = new SoftwareAuthenticator({ algorithm, verifiesUser, backupEligible, backupState, transports, aaguid, ...(statement ? { statement } : {}) });
          const conveyance = asks ?? requested;
          const { options, ticket } = await context.rp.startRegistration({
            user: alice,
            attestation: conveyance,
            algorithms: EVERY_ALGORITHM,
            authenticatorSelection: { userVerification },
          });
          const response = await authenticator.register(options, ORIGIN);
          const expected = expectedOutcome(value, conveyance, { be: backupEligible, bs: backupState, uvMissing: userVerification === 'required' && !verifiesUser });
          let outcome: 'record' | TesseraErrorCode;
          try {
            const { credential, attestation } = await context.rp.finishRegistration({ ticket, response });
            outcome = 'record';
            expect(credentialRecordSchema.safeParse(credential).error).toBeUndefined();
            expect(await context.credentials.get(credential.id)).toEqual(credential); // stored as it is
            expect(isRegisteredAttestationFormat(credential.fmt)).toBe(true);
            expect(credential.fmt).toBe(attestation.verified ? attestation.fmt : 'none');
            records++;
          } catch (error) {
            if (!isTesseraError(error)) throw error;
            outcome = error.code;
          }
          expect(outcome).toBe(expected);
        },
      ),
      { numRuns: 60 },
    );
    expect(records).toBeGreaterThan(10);
  }, 120_000);
});

/**
 * A challenge store that files every ceremony under one given challenge, so a captured browser response (whose
 * challenge is fixed) can finish a ceremony the relying party started. Everything else is the memory store's.
 */
class CapturedChallengeStore implements ChallengeStore {
  readonly #inner = new MemoryChallengeStore({ sweepIntervalMs: 0 });
  readonly #challenge: string;

  constructor(challenge: string) {
    this.#challenge = challenge;
  }

  save(_key: string, record: ChallengeRecord, ttlMs: number): Promise<void> {
    return this.#inner.save(ticketForChallenge(this.#challenge), { ...record, challenge: this.#challenge }, ttlMs);
  }

  consume(key: string): Promise<ChallengeRecord | undefined> {
    return this.#inner.consume(key);
  }
}

describe('RelyingParty.finishRegistration: captured Windows Hello (tpm) registrations', () => {
  // A relying party's challenges are 32 bytes and its tickets their first 24: a capture answering a shorter
  // challenge (simplewebauthn-tpm-nonspec-san's is 16 bytes) cannot finish one of its ceremonies.
  const tpmVectors = readRegistrationVectors().filter((vector) => vector.fmt === 'tpm' && vector.expectedChallenge.length >= 32);
  it('covers five of the six captures', () => expect(tpmVectors).toHaveLength(5));

  it.each(tpmVectors)("$name registers under 'direct' and is recorded as fmt tpm", async (vector) => {
    const now = vector.requiresDate === undefined ? Date.now() : Date.parse(vector.requiresDate);
    const credentials = new MemoryCredentialStore();
    const seen: string[] = [];
    const rp = createRelyingParty({
      rpId: vector.expectedRpId,
      rpName: 'Example',
      origins: [vector.expectedOrigin],
      challengeStore: new CapturedChallengeStore(vector.expectedChallenge),
      credentialStore: credentials,
      now: () => now,
      trustAttestation: ({ fmt, type }) => (seen.push(`${fmt}:${type}`), true),
    });
    const user = { ...alice, id: base64url.encode(new TextEncoder().encode(vector.name)) };
    await rp.startRegistration({ user, attestation: 'direct', algorithms: [vector.expected.coseAlg as (typeof EVERY_ALGORITHM)[number]] });
    const result = await rp.finishRegistration({ response: vector.response });
    expect(result.attestation).toMatchObject({ fmt: 'tpm', type: 'AttCA', verified: true });
    expect(result.attestation.trustPath).toHaveLength(2);
    expect(seen).toEqual(['tpm:AttCA']);
    expect(await credentials.get(vector.expected.credentialId)).toMatchObject({ fmt: 'tpm', aaguid: vector.expected.aaguid });
  });
});

describe('createRelyingParty({ attestation }): the default conveyance of every registration', () => {
  it('asks for it when the request does not (as the adapters’ routes do), and the trust decision then runs', async () => {
    const seen: string[] = [];
    const context = setup({ attestation: 'direct', trustAttestation: ({ fmt }) => (seen.push(fmt), false) });
    const { options, ticket } = await context.rp.startRegistration({ user: alice, excludeCredentials: [] });
    expect(options.attestation).toBe('direct');
    const authenticator = new SoftwareAuthenticator({ statement: packedX5c() });
    expect(await rejectionCode(context.rp.finishRegistration({ ticket, response: await authenticator.register(options, ORIGIN) }))).toBe('untrusted_attestation');
    expect(seen).toEqual(['packed']);
    // A request that says otherwise wins.
    expect((await context.rp.startRegistration({ user: alice, attestation: 'none', excludeCredentials: [] })).options.attestation).toBe('none');
  });

  it('refuses a conveyance that is not one of §5.4.7', () => {
    expect(() => setup({ attestation: 'all' as never })).toThrow();
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import { derSign } from '../../test/attestationStatements.ts';
import { rejectionCode } from '../../test/mutations.ts';
import { base64url } from '../base64url.ts';
import { COSE_ALGORITHMS } from '../cose.ts';
import { MemoryCredentialStore } from '../credentialStore.ts';
import { TesseraError, isTesseraError } from '../errors.ts';
import { MemoryChallengeStore } from '../memoryChallengeStore.ts';
import type { AttestationConveyancePreference } from '../registrationOptions.ts';
import { createRelyingParty, type RelyingPartyConfig } from '../relyingParty.ts';
import { SoftwareAuthenticator, type AttestationStatementOverride } from '../testing/softwareAuthenticator.ts';
import { createTestCertificateAuthority, issueTestCertificate, type TestCertificate } from '../testing/testPki.ts';
import { assessTrust, type AttestationTrustAnchors } from './trust.ts';
import type { AttestationStatementResult } from './verifyAttestationStatement.ts';

const ORIGIN = 'https://example.com';
const alice = { id: base64url.encode(new TextEncoder().encode('alice-0001')), name: 'alice@example.com', displayName: 'Alice' };
const AAGUID = Uint8Array.from({ length: 16 }, (_, index) => 0xa0 + index);
const AAGUID_TEXT = 'a0a1a2a3-a4a5-a6a7-a8a9-aaabacadaeaf';
const LEAF_NAME = { C: 'SE', O: 'Test Vendor', OU: 'Authenticator Attestation', CN: 'Test Authenticator' };

let root: TestCertificate;
let intermediate: TestCertificate;
let leaf: TestCertificate;
let otherRoot: TestCertificate;

beforeAll(async () => {
  root = await createTestCertificateAuthority({ subject: { CN: 'Vendor Attestation Root' } });
  intermediate = await issueTestCertificate({ issuer: root, subject: { CN: 'Vendor Attestation CA' }, isCA: true, pathLength: 0 });
  leaf = await issueTestCertificate({ issuer: intermediate, subject: LEAF_NAME });
  otherRoot = await createTestCertificateAuthority({ subject: { CN: 'Other Root' } });
});

/** A `packed` statement (§8.2) signed by `signer`'s key, sending `x5c` as given. */
function packedWith(signer: TestCertificate, x5c: Uint8Array[]): AttestationStatementOverride {
  return {
    fmt: 'packed',
    attStmt: ({ authData, clientDataHash }) =>
      new Map<string, unknown>([
        ['alg', COSE_ALGORITHMS.ES256],
        ['sig', derSign(signer.keys.privateKey, new Uint8Array([...authData, ...clientDataHash]))],
        ['x5c', x5c],
      ]),
  };
}

function setup(config: Partial<RelyingPartyConfig> = {}) {
  const credentials = new MemoryCredentialStore();
  const rp = createRelyingParty({ rpId: 'example.com', rpName: 'Example', origins: [ORIGIN], challengeStore: new MemoryChallengeStore({ sweepIntervalMs: 0 }), credentialStore: credentials, ...config });
  return { rp, credentials };
}

async function register(context: ReturnType<typeof setup>, statement: AttestationStatementOverride | undefined, attestation: AttestationConveyancePreference = 'direct') {
  const authenticator = new SoftwareAuthenticator({ aaguid: AAGUID, ...(statement === undefined ? {} : { statement }) });
  const { options, ticket } = await context.rp.startRegistration({ user: alice, attestation, excludeCredentials: [] });
  return context.rp.finishRegistration({ ticket, response: await authenticator.register(options, ORIGIN) });
}

async function refusal(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a refusal');
}

describe('attestation trust anchors through createRelyingParty (§7.1 steps 22–23)', () => {
  it('without anchors an x5c statement is accepted but not trusted', async () => {
    const result = await register(setup(), packedWith(leaf, [leaf.der, intermediate.der]));
    expect(result.attestation).toMatchObject({ fmt: 'packed', type: 'Basic', verified: true, trusted: false });
  });

  it('a chain that validates to a global, per-format or per-AAGUID anchor is trusted', async () => {
    for (const anchors of [{ global: [root.der] }, { byFormat: { packed: [root.der] } }, { byAaguid: { [AAGUID_TEXT]: [root.der] } }] satisfies AttestationTrustAnchors[]) {
      const result = await register(setup({ attestationTrustAnchors: anchors }), packedWith(leaf, [leaf.der, intermediate.der]));
      expect(result.attestation.trusted, JSON.stringify(Object.keys(anchors))).toBe(true);
    }
  });

  it('a chain that does not lead to the anchors is untrusted_attestation, with the chain error as cause, and nothing is stored', async () => {
    const context = setup({ attestationTrustAnchors: { global: [otherRoot.der] } });
    const error = await refusal(register(context, packedWith(leaf, [leaf.der, intermediate.der])));
    expect(isTesseraError(error, 'untrusted_attestation')).toBe(true);
    expect(isTesseraError((error as TesseraError).cause, 'invalid_certificate_chain')).toBe(true);
    expect(await context.credentials.listRecordsByUser(alice.id)).toEqual([]);
  });

  // GHSA-6hxq-p678-4hr2 through the relying party: the attacker sends their own self-signed "root" in x5c.
  it('refuses a chain ending in a self-signed certificate the relying party never gave', async () => {
    const fakeRoot = await createTestCertificateAuthority({ subject: root.subject });
    const fakeLeaf = await issueTestCertificate({ issuer: fakeRoot, subject: LEAF_NAME });
    const context = setup({ attestationTrustAnchors: { global: [root.der] } });
    expect(await rejectionCode(register(context, packedWith(fakeLeaf, [fakeLeaf.der, fakeRoot.der])))).toBe('untrusted_attestation');
    expect(await rejectionCode(register(context, packedWith(fakeLeaf, [fakeLeaf.der])))).toBe('untrusted_attestation');
  });

  it('anchors of another AAGUID or format do not apply: accepted, not trusted', async () => {
    const anchors: AttestationTrustAnchors = { byAaguid: { '00000000-0000-0000-0000-000000000000': [otherRoot.der] }, byFormat: { 'fido-u2f': [otherRoot.der] } };
    const result = await register(setup({ attestationTrustAnchors: anchors }), packedWith(leaf, [leaf.der, intermediate.der]));
    expect(result.attestation.trusted).toBe(false);
  });

  it('self attestation is never trusted, and under attestation none nothing is checked against anchors', async () => {
    const context = setup({ attestationTrustAnchors: { global: [otherRoot.der] }, trustAttestation: () => true });
    const self = new SoftwareAuthenticator({ aaguid: AAGUID });
    const { options, ticket } = await context.rp.startRegistration({ user: alice, attestation: 'direct', excludeCredentials: [] });
    const result = await context.rp.finishRegistration({ ticket, response: await self.register(options, ORIGIN) });
    expect(result.attestation).toMatchObject({ type: 'Self', trusted: false });
    const unasked = await register(context, packedWith(leaf, [leaf.der, intermediate.der]), 'none');
    expect(unasked.attestation).toMatchObject({ type: 'Basic', verified: true, trusted: false });
  });

  it('trustAttestation runs after the anchors, sees trusted, and may trust a chain itself', async () => {
    const seen: boolean[] = [];
    const anchored = setup({ attestationTrustAnchors: { global: [root.der] }, trustAttestation: ({ trusted }) => (seen.push(trusted), true) });
    expect((await register(anchored, packedWith(leaf, [leaf.der, intermediate.der]))).attestation.trusted).toBe(true);
    expect(seen).toEqual([true]);
    const hookOnly = setup({ trustAttestation: () => true });
    expect((await register(hookOnly, packedWith(leaf, [leaf.der, intermediate.der]))).attestation.trusted).toBe(true);
    const refusing = setup({ attestationTrustAnchors: { global: [root.der] }, trustAttestation: () => false });
    expect(await rejectionCode(register(refusing, packedWith(leaf, [leaf.der, intermediate.der])))).toBe('untrusted_attestation');
  });

  it("trustAttestation may enrol without vouching ('untrusted'): trusted stays the anchors' verdict; anything else refuses", async () => {
    const unvouched = setup({ trustAttestation: () => 'untrusted' });
    expect((await register(unvouched, packedWith(leaf, [leaf.der, intermediate.der]))).attestation).toMatchObject({ verified: true, trusted: false });
    const anchoredUnvouched = setup({ attestationTrustAnchors: { global: [root.der] }, trustAttestation: () => 'untrusted' });
    expect((await register(anchoredUnvouched, packedWith(leaf, [leaf.der, intermediate.der]))).attestation.trusted).toBe(true);
    for (const answer of ['trusted', 1, 'true', null, undefined, {}]) {
      const odd = setup({ trustAttestation: () => answer as never });
      expect(await rejectionCode(register(odd, packedWith(leaf, [leaf.der, intermediate.der])))).toBe('untrusted_attestation');
    }
  });

  it("a TesseraError thrown by trustAttestation propagates unchanged; any other error stays the server's", async () => {
    const revoked = new TesseraError('authenticator_revoked', 'Revoked by the metadata.');
    const context = setup({ attestationTrustAnchors: { global: [root.der] }, trustAttestation: () => { throw revoked; } });
    expect(await refusal(register(context, packedWith(leaf, [leaf.der, intermediate.der])))).toBe(revoked);
    const broken = new TypeError('bug in the hook');
    const buggy = setup({ trustAttestation: () => { throw broken; } });
    expect(await refusal(register(buggy, packedWith(leaf, [leaf.der, intermediate.der])))).toBe(broken);
  });

  it('refuses malformed anchor configuration', () => {
    expect(() => setup({ attestationTrustAnchors: { global: ['x'] } as never })).toThrow();
    expect(() => setup({ attestationTrustAnchors: { byAaguid: { 'A0A1A2A3-A4A5-A6A7-A8A9-AAABACADAEAF': [root.der] } } })).toThrow();
  });
});

describe('assessTrust on compound statements (§8.9)', () => {
  const basic = (trustPath: Uint8Array[]): AttestationStatementResult => ({ fmt: 'packed', type: 'Basic', trustPath });
  const compound = (statements: AttestationStatementResult[]) => ({ fmt: 'compound' as const, type: 'Basic' as const, trustPath: [], statements });
  const context = (anchors: AttestationTrustAnchors) => ({ anchors, aaguid: AAGUID_TEXT, now: Date.now() });

  it('is trusted only when every sub-statement is', async () => {
    const good = basic([leaf.der, intermediate.der]);
    expect(await assessTrust(compound([good, good]), context({ global: [root.der] }))).toBe(true);
    const self: AttestationStatementResult = { fmt: 'packed', type: 'Self', trustPath: [] };
    expect(await assessTrust(compound([good, self]), context({ global: [root.der] }))).toBe(false);
    expect(await assessTrust(compound([]), context({ global: [root.der] }))).toBe(false);
  });

  it('refuses a compound statement when any sub-statement fails its anchors', async () => {
    const stranger = await issueTestCertificate({ issuer: otherRoot, subject: LEAF_NAME });
    const error = await refusal(assessTrust(compound([basic([leaf.der, intermediate.der]), basic([stranger.der])]), context({ global: [root.der] })));
    expect(isTesseraError(error, 'untrusted_attestation')).toBe(true);
  });
});

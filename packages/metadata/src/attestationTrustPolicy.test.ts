import { beforeAll, describe, expect, it } from 'vitest';
import { MemoryChallengeStore, MemoryCredentialStore, base64url, createRelyingParty } from '@tessera/core';
import { SoftwareAuthenticator } from '@tessera/core/testing';
import {
  NOW,
  createAuthenticatorModel,
  createBlobPki,
  entry,
  packedStatement,
  payload,
  signBlob,
  type AuthenticatorModel,
  type BlobPki,
} from '../test/blobBuilder.ts';
import { codeOf } from '../test/outcome.ts';
import { attestationKeyIdentifier, parseCertificate } from './_certificate.ts';
import { decideAttestationTrust } from './attestationTrustPolicy.ts';
import { MetadataService, type MetadataServiceOptions } from './metadataService.ts';
import { verifyMetadataBlob, type VerifiedMetadataBlob } from './verifyMetadataBlob.ts';

const ORIGIN = 'https://example.com';
const alice = { id: base64url.encode(new TextEncoder().encode('alice-0001')), name: 'alice@example.com', displayName: 'Alice' };

let pki: BlobPki;
let certified: AuthenticatorModel;
let revoked: AuthenticatorModel;
let reinstated: AuthenticatorModel;
let unlisted: AuthenticatorModel;
let blob: string;

beforeAll(async () => {
  pki = await createBlobPki();
  [certified, revoked, reinstated, unlisted] = await Promise.all([
    createAuthenticatorModel('2fc0579f-8113-47ea-b116-bb5a8db9202a'),
    createAuthenticatorModel('d8522d9f-575b-4866-88a9-ba99fa02f35b'),
    createAuthenticatorModel('73bb0cd4-e502-49b8-9c6f-b59445bf720b'),
    createAuthenticatorModel('cdd9c1a8-5c2b-4c0b-8d4c-1e4a5b7e9f00'),
  ]);
  blob = await signBlob(
    pki,
    payload([
      entry(certified.aaguid, [certified.root.der]),
      entry(revoked.aaguid, [revoked.root.der], [
        { status: 'FIDO_CERTIFIED_L1', effectiveDate: '2023-01-01' },
        { status: 'REVOKED', effectiveDate: '2025-02-01' },
      ]),
      // A later certification after an older revocation, listed out of order: the latest by effectiveDate wins.
      entry(reinstated.aaguid, [reinstated.root.der], [
        { status: 'FIDO_CERTIFIED', effectiveDate: '2025-03-01' },
        { status: 'REVOKED', effectiveDate: '2024-01-01' },
      ]),
    ]),
  );
});

/** A relying party trusting attestations through a MetadataService over the test BLOB. */
async function relyingParty(options: Partial<MetadataServiceOptions> = {}) {
  const metadata = new MetadataService({ source: { blob }, trustAnchor: pki.root.der, now: () => NOW, ...options });
  await metadata.load();
  const rp = createRelyingParty({
    rpId: 'example.com',
    rpName: 'Example',
    origins: [ORIGIN],
    challengeStore: new MemoryChallengeStore({ sweepIntervalMs: 0 }),
    credentialStore: new MemoryCredentialStore(),
    trustAttestation: metadata.trustAttestation,
  });
  return { rp, metadata };
}

/** Registers a credential made by an authenticator of `model` (packed, x5c by the model's leaf), asking for direct attestation. */
async function register(rp: Awaited<ReturnType<typeof relyingParty>>['rp'], model: AuthenticatorModel, aaguid = model.aaguidBytes) {
  const authenticator = new SoftwareAuthenticator({ aaguid, statement: await packedStatement(model), attachment: 'cross-platform' });
  const { options, ticket } = await rp.startRegistration({ user: alice, attestation: 'direct', excludeCredentials: [] });
  return rp.finishRegistration({ ticket, response: await authenticator.register(options, ORIGIN) });
}

describe('MetadataService.trustAttestation through createRelyingParty (WebAuthn L3 §7.1 steps 22–23)', () => {
  it('accepts a certified model whose attestation chain leads to its attestationRootCertificates', async () => {
    const { rp, metadata } = await relyingParty();
    const result = await register(rp, certified);
    expect(result.attestation).toMatchObject({ fmt: 'packed', type: 'Basic', verified: true, trusted: true });
    expect(metadata.describeAuthenticator(result.credential.aaguid ?? '')?.name).toBe('Test Key 2fc0579f');
  });

  it('refuses a model whose latest status is REVOKED: authenticator_revoked', async () => {
    const { rp } = await relyingParty();
    expect(await codeOf(register(rp, revoked))).toBe('authenticator_revoked');
  });

  it('accepts a model certified again after an older revocation (latest by effectiveDate wins)', async () => {
    const { rp } = await relyingParty();
    expect(await codeOf(register(rp, reinstated))).toBe('accepted');
  });

  it('refuses what the policy says: a configurable status list, allow and deny lists', async () => {
    expect(await codeOf(register((await relyingParty({ refusedStatuses: ['FIDO_CERTIFIED_L1'] })).rp, certified))).toBe('authenticator_revoked');
    expect(await codeOf(register((await relyingParty({ refusedStatuses: [] })).rp, revoked))).toBe('accepted');
    const allowOnlyReinstated = (await relyingParty({ allowedAaguids: [reinstated.aaguid.toUpperCase()] })).rp;
    expect(await codeOf(register(allowOnlyReinstated, certified))).toBe('authenticator_not_allowed');
    expect(await codeOf(register(allowOnlyReinstated, reinstated))).toBe('accepted');
    expect(await codeOf(register((await relyingParty({ deniedAaguids: [certified.aaguid] })).rp, certified))).toBe('authenticator_not_allowed');
  });

  it('refuses a model without metadata by default, and accepts it when told to', async () => {
    expect(await codeOf(register((await relyingParty()).rp, unlisted))).toBe('authenticator_not_allowed');
    const accepted = await register((await relyingParty({ unknownAuthenticators: 'accept' })).rp, unlisted);
    // Enrolled, but nothing vouched for its chain: the hook answers 'untrusted', so `trusted` stays false.
    expect(accepted.attestation).toMatchObject({ fmt: 'packed', type: 'Basic', verified: true, trusted: false });
  });

  it("refuses an attestation chain that does not lead to the model's roots: an impostor claiming a certified AAGUID", async () => {
    const impostor = await createAuthenticatorModel(certified.aaguid);
    expect(await codeOf(register((await relyingParty()).rp, impostor))).toBe('invalid_certificate_chain');
  });

  it('refuses packed self attestation claiming a basic_full model', async () => {
    const { rp } = await relyingParty();
    const authenticator = new SoftwareAuthenticator({ aaguid: certified.aaguidBytes });
    const { options, ticket } = await rp.startRegistration({ user: alice, attestation: 'direct', excludeCredentials: [] });
    // The core's result carries the AAGUID, so the model is found, and its statement does not list basic_surrogate.
    expect(await codeOf(rp.finishRegistration({ ticket, response: await authenticator.register(options, ORIGIN) }))).toBe('untrusted_attestation');
  });
});

describe('decideAttestationTrust', () => {
  let verified: VerifiedMetadataBlob;
  beforeAll(async () => {
    const u2f = await createAuthenticatorModel('00000000-0000-0000-0000-000000000000');
    const keyId = attestationKeyIdentifier(parseCertificate(u2f.leaf.der, 'invalid_certificate_chain'));
    const u2fBlob = await signBlob(pki, payload([{ attestationCertificateKeyIdentifiers: [keyId], statusReports: [{ status: 'REVOKED', effectiveDate: '2022-01-01' }] }]));
    verified = await verifyMetadataBlob({ blob: u2fBlob, trustAnchor: pki.root.der, now: NOW });
    Object.assign(verified, { u2f });
  });

  it('finds a U2F authenticator by its attestation key identifier (FIDO MDS3 §3.1.1)', async () => {
    const { u2f } = verified as unknown as { u2f: AuthenticatorModel };
    expect(await codeOf(decideAttestationTrust(verified, { fmt: 'fido-u2f', type: 'Basic', trustPath: [u2f.leaf.der] }, {}, NOW))).toBe('authenticator_revoked');
  });

  it('uses the AAGUID the result carries, as text or bytes', async () => {
    const metadata = await verifyMetadataBlob({ blob, trustAnchor: pki.root.der, now: NOW });
    for (const aaguid of [revoked.aaguid, revoked.aaguidBytes]) {
      expect(await codeOf(decideAttestationTrust(metadata, { fmt: 'packed', type: 'Basic', trustPath: [revoked.leaf.der], aaguid }, {}, NOW))).toBe('authenticator_revoked');
    }
    expect(await decideAttestationTrust(metadata, { fmt: 'none', type: 'None', trustPath: [], aaguid: certified.aaguid }, {}, NOW)).toBe(false);
  });

  it('trusts self attestation only for a model that declares basic_surrogate', async () => {
    const surrogate = entry(unlisted.aaguid, []);
    (surrogate['metadataStatement'] as { attestationTypes: string[] }).attestationTypes = ['basic_surrogate'];
    const metadata = await verifyMetadataBlob({ blob: await signBlob(pki, payload([surrogate, entry(certified.aaguid, [certified.root.der])])), trustAnchor: pki.root.der, now: NOW });
    expect(await decideAttestationTrust(metadata, { fmt: 'packed', type: 'Self', trustPath: [], aaguid: unlisted.aaguid }, {}, NOW)).toBe(true);
    expect(await decideAttestationTrust(metadata, { fmt: 'packed', type: 'Self', trustPath: [], aaguid: certified.aaguid }, {}, NOW)).toBe(false);
    expect(await decideAttestationTrust(metadata, { fmt: 'none', type: 'None', trustPath: [], aaguid: unlisted.aaguid }, {}, NOW)).toBe(false);
  });

  it("blames the metadata for a malformed attestationRootCertificates entry: invalid_metadata, not the core's invalid_argument", async () => {
    const garbage = entry(certified.aaguid, []);
    // Valid base64 of bytes that are not a certificate (and a truncated real root), so only the X.509 parse fails.
    (garbage['metadataStatement'] as { attestationRootCertificates: string[] }).attestationRootCertificates = [
      Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01]).toString('base64'),
      Buffer.from(certified.root.der.subarray(0, 40)).toString('base64'),
    ];
    const trailing = entry(revoked.aaguid, []);
    // A real root with a byte after it: BER-lenient parsers read it, the core's DER check does not.
    (trailing['metadataStatement'] as { attestationRootCertificates: string[] }).attestationRootCertificates = [Buffer.concat([revoked.root.der, Buffer.from([0])]).toString('base64')];
    const metadata = await verifyMetadataBlob({ blob: await signBlob(pki, payload([garbage, trailing])), trustAnchor: pki.root.der, now: NOW });
    expect(await codeOf(decideAttestationTrust(metadata, { fmt: 'packed', type: 'Basic', trustPath: [certified.leaf.der], aaguid: certified.aaguid }, {}, NOW))).toBe('invalid_metadata');
    expect(await codeOf(decideAttestationTrust(metadata, { fmt: 'packed', type: 'Basic', trustPath: [revoked.leaf.der], aaguid: revoked.aaguid }, {}, NOW))).toBe('invalid_metadata');
  });
});

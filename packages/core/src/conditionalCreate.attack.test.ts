import { describe, expect, it } from 'vitest';
import { rejectionCode } from '../test/mutations.ts';
import { base64url } from './base64url.ts';
import type { ChallengeRecord, ChallengeStore } from './challengeStore.ts';
import { MemoryCredentialStore } from './credentialStore.ts';
import { MemoryChallengeStore } from './memoryChallengeStore.ts';
import { createRelyingParty, type RelyingPartyConfig } from './relyingParty.ts';
import { SoftwareAuthenticator } from './testing/softwareAuthenticator.ts';
import { verifyRegistrationResponse } from './verifyRegistrationResponse.ts';

/*
 * Conditional create (WebAuthn L3 §5.1.3): a passkey upgrade may come back with UP clear, and §7.1 step 14
 * waives the UP check only when the options were created with mediation 'conditional'. The waiver must come
 * from the ceremony record the relying party stored, never from anything the caller or the browser sends.
 */

const ORIGIN = 'https://example.com';
const alice = { id: base64url.encode(new TextEncoder().encode('alice-0001')), name: 'alice@example.com', displayName: 'Alice' };

function setup(config: Partial<RelyingPartyConfig> = {}, challengeStore: ChallengeStore = new MemoryChallengeStore({ sweepIntervalMs: 0 })) {
  const credentials = new MemoryCredentialStore();
  const rp = createRelyingParty({ rpId: 'example.com', rpName: 'Example', origins: [ORIGIN], challengeStore, credentialStore: credentials, ...config });
  return { rp, credentials };
}

async function answer(authenticator: SoftwareAuthenticator, challenge: string, extra: { userPresent?: boolean; clientData?: Record<string, unknown> } = {}) {
  return authenticator.createCredential({ rpId: 'example.com', challenge, origin: ORIGIN, userHandle: alice.id, ...extra });
}

/** A challenge store that shows what was saved. */
class RecordingStore extends MemoryChallengeStore {
  readonly saved: ChallengeRecord[] = [];
  override async save(key: string, record: ChallengeRecord, ttlMs: number): Promise<void> {
    this.saved.push(structuredClone(record));
    return super.save(key, record, ttlMs);
  }
}

describe('conditional create: UP may be clear only for a ceremony started as conditional', () => {
  it('ATTACK: a normal ceremony answered without UP is user_not_present, and nothing is stored', async () => {
    const { rp, credentials } = setup();
    const { options, ticket } = await rp.startRegistration({ user: alice });
    const response = await answer(new SoftwareAuthenticator(), options.challenge, { userPresent: false });
    expect(await rejectionCode(rp.finishRegistration({ ticket, response }))).toBe('user_not_present');
    expect(await credentials.listByUser(alice.id)).toEqual([]);
  });

  it('ATTACK: a caller flag on finishRegistration cannot waive UP for a normal ceremony', async () => {
    const { rp } = setup();
    const { options, ticket } = await rp.startRegistration({ user: alice });
    const response = await answer(new SoftwareAuthenticator(), options.challenge, { userPresent: false });
    const input = { ticket, response, mediation: 'conditional', requireUserPresence: false } as Parameters<typeof rp.finishRegistration>[0];
    expect(await rejectionCode(rp.finishRegistration(input))).toBe('user_not_present');
  });

  it('ATTACK: a client-side claim (clientDataJSON members, the response JSON) cannot waive UP', async () => {
    const { rp } = setup();
    const { options, ticket } = await rp.startRegistration({ user: alice });
    const response = await answer(new SoftwareAuthenticator(), options.challenge, { userPresent: false, clientData: { mediation: 'conditional' } });
    const withClaim = { ...response, mediation: 'conditional', clientExtensionResults: { mediation: 'conditional' } };
    expect(['user_not_present', 'malformed_response']).toContain(await rejectionCode(rp.finishRegistration({ ticket, response: withClaim })));
    const fresh = await rp.startRegistration({ user: alice });
    const again = await answer(new SoftwareAuthenticator(), fresh.options.challenge, { userPresent: false, clientData: { mediation: 'conditional' } });
    expect(await rejectionCode(rp.finishRegistration({ ticket: fresh.ticket, response: again }))).toBe('user_not_present');
  });

  it('ATTACK: a conditional ceremony’s waiver does not carry over to another ceremony of the same user', async () => {
    const { rp } = setup();
    await rp.startRegistration({ user: alice, mediation: 'conditional' });
    const { options, ticket } = await rp.startRegistration({ user: alice });
    const response = await answer(new SoftwareAuthenticator(), options.challenge, { userPresent: false });
    expect(await rejectionCode(rp.finishRegistration({ ticket, response }))).toBe('user_not_present');
  });

  it('a conditional ceremony accepts UP clear (and set), stores the credential, and signs in later only with UP', async () => {
    const { rp, credentials } = setup();
    const authenticator = new SoftwareAuthenticator();
    const { options, ticket } = await rp.startRegistration({ user: alice, mediation: 'conditional' });
    const { credential } = await rp.finishRegistration({ ticket, response: await answer(authenticator, options.challenge, { userPresent: false }) });
    expect(await credentials.get(credential.id)).toBeDefined();

    const present = await rp.startRegistration({ user: alice, mediation: 'conditional', excludeCredentials: [] });
    await expect(rp.finishRegistration({ ticket: present.ticket, response: await answer(new SoftwareAuthenticator(), present.options.challenge) })).resolves.toMatchObject({ verified: true });

    // Sign-ins always need UP (§7.2 step 15), whatever the registration was.
    const request = await rp.startAuthentication({ userId: alice.id, allowCredentials: [{ id: credential.id }] });
    const assertion = await authenticator.getAssertion({ rpId: 'example.com', challenge: request.options.challenge, origin: ORIGIN, credentialId: credential.id, userPresent: false });
    expect(await rejectionCode(rp.finishAuthentication({ ticket: request.ticket, response: assertion }))).toBe('user_not_present');
  });

  it('stores mediation in the ceremony record only for a conditional ceremony; other values are invalid_options', async () => {
    const store = new RecordingStore({ sweepIntervalMs: 0 });
    const { rp } = setup({}, store);
    await rp.startRegistration({ user: alice, mediation: 'conditional' });
    await rp.startRegistration({ user: alice });
    expect(store.saved.map((record) => (record.ceremony === 'registration' ? record.mediation : 'not registration'))).toEqual(['conditional', undefined]);
    expect('mediation' in store.saved[1]!).toBe(false);
    for (const mediation of ['required', 'optional', 'silent', 'Conditional', true, '']) {
      expect(await rejectionCode(rp.startRegistration({ user: alice, mediation: mediation as 'conditional' }))).toBe('invalid_options');
    }
  });

  it('a conditional ceremony still enforces user verification when it was required', async () => {
    const { rp } = setup({ userVerification: 'required' });
    const { options, ticket } = await rp.startRegistration({ user: alice, mediation: 'conditional' });
    const unverified = await new SoftwareAuthenticator({ verifiesUser: false }).createCredential({
      rpId: 'example.com',
      challenge: options.challenge,
      origin: ORIGIN,
      userHandle: alice.id,
      userPresent: false,
    });
    expect(await rejectionCode(rp.finishRegistration({ ticket, response: unverified }))).toBe('user_not_verified');
  });

  it('verifyRegistrationResponse waives UP only for mediation exactly "conditional"', async () => {
    const authenticator = new SoftwareAuthenticator();
    const challenge = base64url.encode(new Uint8Array(32).fill(1));
    const response = await answer(authenticator, challenge, { userPresent: false });
    const base = { response, expectedChallenge: challenge, expectedOrigin: ORIGIN, expectedRpId: 'example.com', userId: alice.id };
    expect(await rejectionCode(verifyRegistrationResponse(base))).toBe('user_not_present');
    expect(await rejectionCode(verifyRegistrationResponse({ ...base, mediation: 'CONDITIONAL' as 'conditional' }))).toBe('user_not_present');
    await expect(verifyRegistrationResponse({ ...base, mediation: 'conditional' })).resolves.toMatchObject({ verified: true });
  });
});

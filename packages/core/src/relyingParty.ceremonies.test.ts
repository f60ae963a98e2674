import { describe, expect, it } from 'vitest';
import { rejectionCode } from '../test/mutations.ts';
import { base64url } from './base64url.ts';
import { MemoryChallengeStore } from './memoryChallengeStore.ts';
import { MemoryCredentialStore } from './credentialStore.ts';
import { createRelyingParty, type RelyingPartyConfig } from './relyingParty.ts';
import { ticketForChallenge } from './ticket.ts';
import { SoftwareAuthenticator, type SoftwareAuthenticatorOptions } from './testing/softwareAuthenticator.ts';

const ORIGIN = 'https://example.com';
const alice = { id: base64url.encode(new TextEncoder().encode('alice-0001')), name: 'alice@example.com', displayName: 'Alice' };
const bob = { id: base64url.encode(new TextEncoder().encode('bob-0002')), name: 'bob@example.com', displayName: 'Bob' };

function setup(config: Partial<RelyingPartyConfig> = {}) {
  let time = 1_700_000_000_000;
  const clock = { now: () => time, advance: (ms: number) => void (time += ms) };
  const challengeStore = new MemoryChallengeStore({ now: clock.now, sweepIntervalMs: 0 });
  const credentials = new MemoryCredentialStore();
  const rp = createRelyingParty({ rpId: 'example.com', rpName: 'Example', origins: [ORIGIN], challengeStore, credentialStore: credentials, now: clock.now, ...config });
  return { rp, credentials, clock, challengeStore };
}

async function enrol(context: ReturnType<typeof setup>, user = alice, options: SoftwareAuthenticatorOptions = {}) {
  const authenticator = new SoftwareAuthenticator(options);
  const { options: creation, ticket } = await context.rp.startRegistration({ user });
  const { credential } = await context.rp.finishRegistration({ ticket, response: await authenticator.register(creation, ORIGIN) });
  return { authenticator, credential };
}

describe('RelyingParty: register, then sign in', () => {
  it.each(['ES256', 'EdDSA', 'RS256'] as const)('works end to end with an %s credential, and updates the record', async (algorithm) => {
    const context = setup();
    const { authenticator, credential } = await enrol(context, alice, { algorithm });
    expect(credential).toMatchObject({ userId: alice.id, signCount: 1, transports: ['internal'], fmt: 'none', aaguid: '00000000-0000-0000-0000-000000000000' });

    const { options, ticket } = await context.rp.startAuthentication({ userId: alice.id, allowCredentials: [{ id: credential.id }] });
    const result = await context.rp.finishAuthentication({ ticket, response: await authenticator.authenticate(options, ORIGIN) });
    expect(result).toMatchObject({ verified: true, userId: alice.id, credentialId: credential.id, newSignCount: 2, credentialUpdate: { expectedSignCount: 1, signCount: 2 } });
    // The relying party stored the sign-in itself (§7.2 step 24), and returns the record as stored.
    const stored = await context.credentials.get(credential.id);
    expect(stored).toMatchObject({ signCount: 2, uvInitialized: true, lastUsedAt: context.clock.now() });
    expect(result.credential).toEqual(stored);
  });

  it('signs in a user it did not know in advance, by the user handle (discoverable credential)', async () => {
    const context = setup();
    const { authenticator } = await enrol(context, bob);
    const { options, ticket } = await context.rp.startAuthentication();
    expect(options.allowCredentials).toBeUndefined();
    const result = await context.rp.finishAuthentication({ ticket, response: await authenticator.authenticate(options, ORIGIN) });
    expect(result.userId).toBe(bob.id);
  });

  it('registers with packed self attestation when direct attestation is requested', async () => {
    const context = setup();
    const authenticator = new SoftwareAuthenticator({ algorithm: 'ES256' });
    const { options, ticket } = await context.rp.startRegistration({ user: alice, attestation: 'direct' });
    const result = await context.rp.finishRegistration({ ticket, response: await authenticator.register(options, ORIGIN) });
    expect(result.attestation).toMatchObject({ fmt: 'packed', type: 'Self', verified: true });
    expect(result.credential.fmt).toBe('packed');
  });
});

describe('RelyingParty: tickets are one-time and bound to their ceremony', () => {
  it('derives the ticket from the challenge, so a response alone finds its ceremony, once', async () => {
    const context = setup();
    const registration = await context.rp.startRegistration({ user: alice });
    expect(registration.ticket).toBe(ticketForChallenge(registration.options.challenge));
    const authenticator = new SoftwareAuthenticator();
    await context.rp.finishRegistration({ response: await authenticator.register(registration.options, ORIGIN) });

    const { options, ticket } = await context.rp.startAuthentication({ userId: alice.id });
    expect(ticket).toBe(ticketForChallenge(options.challenge));
    const response = await authenticator.authenticate(options, ORIGIN);
    expect((await context.rp.finishAuthentication({ response })).userId).toBe(alice.id);
    expect(await rejectionCode(context.rp.finishAuthentication({ response }))).toBe('ticket_not_found');
  });

  it('rejects a ticketless response whose client data cannot be read', async () => {
    const context = setup();
    for (const response of [undefined, {}, { response: { clientDataJSON: 'not base64!' } }, { response: { clientDataJSON: 'e30' } }]) {
      const code = await rejectionCode(context.rp.finishAuthentication({ response: response as never }));
      expect(code).toBe('malformed_response');
    }
  });

  it('rejects a replayed ticket, even after a failed attempt', async () => {
    const context = setup();
    const { authenticator, credential } = await enrol(context);
    const { options, ticket } = await context.rp.startAuthentication({ userId: alice.id });
    const response = await authenticator.authenticate(options, ORIGIN);
    const tampered = { ...response, response: { ...response.response, signature: base64url.encode(new Uint8Array(70)) } };
    expect(await rejectionCode(context.rp.finishAuthentication({ ticket, response: tampered }))).toBe('malformed_response');
    expect(await rejectionCode(context.rp.finishAuthentication({ ticket, response }))).toBe('ticket_not_found');
    expect((await context.credentials.get(credential.id))!.signCount).toBe(1);
  });

  it('rejects a ticket used twice after success', async () => {
    const context = setup();
    const { authenticator } = await enrol(context);
    const { options, ticket } = await context.rp.startAuthentication({ userId: alice.id });
    const response = await authenticator.authenticate(options, ORIGIN);
    await context.rp.finishAuthentication({ ticket, response });
    expect(await rejectionCode(context.rp.finishAuthentication({ ticket, response }))).toBe('ticket_not_found');
  });

  it('rejects an expired ticket', async () => {
    const context = setup();
    const { authenticator } = await enrol(context);
    const { options, ticket } = await context.rp.startAuthentication({ userId: alice.id, timeout: 60_000 });
    const response = await authenticator.authenticate(options, ORIGIN);
    context.clock.advance(90_001);
    expect(await rejectionCode(context.rp.finishAuthentication({ ticket, response }))).toBe('ticket_not_found');
  });

  it("rejects another user's ticket: Bob's credential answering Alice's ceremony", async () => {
    const context = setup();
    await enrol(context, alice);
    const { authenticator: bobs } = await enrol(context, bob);
    // allowCredentials filled from the store lists only Alice's credentials (step 5)…
    const listed = await context.rp.startAuthentication({ userId: alice.id });
    const answer = await bobs.getAssertion({ rpId: 'example.com', challenge: listed.options.challenge, origin: ORIGIN });
    expect(await rejectionCode(context.rp.finishAuthentication({ ticket: listed.ticket, response: answer }))).toBe('credential_not_allowed');
    // …and with none listed, the owner check refuses it (step 6).
    const { options, ticket } = await context.rp.startAuthentication({ userId: alice.id, allowCredentials: [] });
    const response = await bobs.authenticate(options, ORIGIN);
    expect(await rejectionCode(context.rp.finishAuthentication({ ticket, response }))).toBe('credential_not_allowed');
  });

  it("rejects an assertion made for another ceremony's challenge", async () => {
    const context = setup();
    const { authenticator } = await enrol(context);
    const first = await context.rp.startAuthentication({ userId: alice.id });
    const second = await context.rp.startAuthentication({ userId: alice.id });
    const response = await authenticator.authenticate(first.options, ORIGIN);
    expect(await rejectionCode(context.rp.finishAuthentication({ ticket: second.ticket, response }))).toBe('challenge_mismatch');
  });

  it('spends a ceremony found from a challenge that only starts like its own, and refuses it as challenge_mismatch', async () => {
    const context = setup();
    const { authenticator } = await enrol(context);
    const { options } = await context.rp.startAuthentication({ userId: alice.id });
    // A signed answer to a challenge that shares the ticket's 32 characters and differs after them.
    const lastChar = options.challenge.at(-1) === 'A' ? 'E' : 'A';
    const lookalike = { ...options, challenge: `${options.challenge.slice(0, -1)}${lastChar}` };
    expect(ticketForChallenge(lookalike.challenge)).toBe(ticketForChallenge(options.challenge));
    const forged = await authenticator.authenticate(lookalike, ORIGIN);
    expect(await rejectionCode(context.rp.finishAuthentication({ response: forged }))).toBe('challenge_mismatch');
    const genuine = await authenticator.authenticate(options, ORIGIN);
    expect(await rejectionCode(context.rp.finishAuthentication({ response: genuine }))).toBe('ticket_not_found');
  });

  it('rejects a registration ticket for authentication, and a malformed or unknown ticket', async () => {
    const context = setup();
    const { authenticator } = await enrol(context);
    const { options } = await context.rp.startAuthentication({ userId: alice.id });
    const response = await authenticator.authenticate(options, ORIGIN);
    const registration = await context.rp.startRegistration({ user: bob });
    for (const ticket of [registration.ticket, 'short', base64url.encode(new Uint8Array(24)), 42 as unknown as string]) {
      expect(await rejectionCode(context.rp.finishAuthentication({ ticket, response }))).toBe('ticket_not_found');
    }
  });
});

describe('RelyingParty: who may sign in (§7.2 steps 5, 6 and 16)', () => {
  it('rejects a credential outside allowCredentials', async () => {
    const context = setup();
    const { authenticator } = await enrol(context);
    const { credential: other } = await enrol(context);
    const { options, ticket } = await context.rp.startAuthentication({ userId: alice.id, allowCredentials: [{ id: other.id }] });
    const response = await authenticator.getAssertion({ rpId: 'example.com', challenge: options.challenge, origin: ORIGIN });
    expect(await rejectionCode(context.rp.finishAuthentication({ ticket, response }))).toBe('credential_not_allowed');
  });

  it('rejects a deleted credential', async () => {
    const context = setup();
    const { authenticator, credential } = await enrol(context);
    await context.credentials.delete(credential.id, credential.userId);
    const { options, ticket } = await context.rp.startAuthentication();
    const response = await authenticator.authenticate(options, ORIGIN);
    expect(await rejectionCode(context.rp.finishAuthentication({ ticket, response }))).toBe('unknown_credential');
  });

  it('requires a user handle in a discoverable sign-in, and one that owns the credential', async () => {
    const context = setup();
    const { authenticator } = await enrol(context);
    const first = await context.rp.startAuthentication();
    const withoutHandle = await authenticator.getAssertion({ rpId: 'example.com', challenge: first.options.challenge, origin: ORIGIN, returnUserHandle: false });
    expect(await rejectionCode(context.rp.finishAuthentication({ ticket: first.ticket, response: withoutHandle }))).toBe(
      'user_handle_mismatch',
    );
    const second = await context.rp.startAuthentication({ userId: alice.id });
    const response = await authenticator.authenticate(second.options, ORIGIN);
    const forged = { ...response, response: { ...response.response, userHandle: bob.id } };
    expect(await rejectionCode(context.rp.finishAuthentication({ ticket: second.ticket, response: forged }))).toBe(
      'user_handle_mismatch',
    );
  });

  it('requires user verification exactly when the ceremony said required', async () => {
    const context = setup();
    const { credential } = await enrol(context);
    const { authenticator: noUv } = await enrol(context, alice, { verifiesUser: false });
    const required = await context.rp.startAuthentication({ userId: alice.id, userVerification: 'required' });
    const response = await noUv.authenticate(required.options, ORIGIN);
    expect(await rejectionCode(context.rp.finishAuthentication({ ticket: required.ticket, response }))).toBe('user_not_verified');
    const preferred = await context.rp.startAuthentication({ userId: alice.id, userVerification: 'preferred' });
    const result = await context.rp.finishAuthentication({
      ticket: preferred.ticket,
      response: await noUv.authenticate(preferred.options, ORIGIN),
    });
    expect(result).toMatchObject({ verified: true, userVerified: false });
    expect(result.credentialId).not.toBe(credential.id);
  });

  it('rejects a response from an origin the relying party does not serve', async () => {
    const context = setup();
    const { authenticator } = await enrol(context);
    const { options, ticket } = await context.rp.startAuthentication({ userId: alice.id });
    const response = await authenticator.authenticate(options, 'https://evil.example');
    expect(await rejectionCode(context.rp.finishAuthentication({ ticket, response }))).toBe('origin_mismatch');
  });
});

describe('RelyingParty: registration rules (§7.1)', () => {
  it('lists existing credentials as excludeCredentials and refuses to register one of them again (§7.1 step 25)', async () => {
    const context = setup();
    const authenticator = new SoftwareAuthenticator();
    const first = await context.rp.startRegistration({ user: alice });
    const registered = await authenticator.register(first.options, ORIGIN);
    const { credential } = await context.rp.finishRegistration({ ticket: first.ticket, response: registered });
    expect(await context.credentials.get(credential.id)).toEqual(credential);

    const { options, ticket } = await context.rp.startRegistration({ user: alice, excludeCredentials: [{ id: credential.id, transports: ['internal'] }] });
    expect(options.excludeCredentials).toEqual([{ id: credential.id, type: 'public-key', transports: ['internal'] }]);
    // A well-behaved authenticator refuses (§6.3.2 step 3)…
    await expect(authenticator.register(options, ORIGIN)).rejects.toThrow(/InvalidStateError/);
    // …and the server refuses the same credential answering the new challenge. With attestation 'none'
    // nothing signs the client data, so the old response can be re-aimed at it.
    const clientData = JSON.parse(new TextDecoder().decode(base64url.decode(registered.response.clientDataJSON))) as Record<string, unknown>;
    const clientDataJSON = base64url.encode(new TextEncoder().encode(JSON.stringify({ ...clientData, challenge: options.challenge })));
    const reaimed = { ...registered, response: { ...registered.response, clientDataJSON } };
    expect(await rejectionCode(context.rp.finishRegistration({ ticket, response: reaimed }))).toBe('credential_already_registered');
  });

  it('refuses an algorithm that was not offered', async () => {
    const context = setup();
    const authenticator = new SoftwareAuthenticator({ algorithm: 'PS256' });
    const { options, ticket } = await context.rp.startRegistration({ user: alice, algorithms: [-7] });
    expect(await rejectionCode(context.rp.finishRegistration({ ticket, response: await authenticator.register(options, ORIGIN) }))).toBe('unsupported_algorithm');
  });

  it('requires user verification at registration when asked to', async () => {
    const context = setup();
    const authenticator = new SoftwareAuthenticator({ verifiesUser: false });
    const { options, ticket } = await context.rp.startRegistration({ user: alice, authenticatorSelection: { userVerification: 'required' } });
    expect(await rejectionCode(context.rp.finishRegistration({ ticket, response: await authenticator.register(options, ORIGIN) }))).toBe('user_not_verified');
  });

  it('consults the trust hook for verified attestations', async () => {
    const context = setup({ trustAttestation: () => false });
    const authenticator = new SoftwareAuthenticator();
    const { options, ticket } = await context.rp.startRegistration({ user: alice, attestation: 'direct' });
    expect(await rejectionCode(context.rp.finishRegistration({ ticket, response: await authenticator.register(options, ORIGIN) }))).toBe('untrusted_attestation');
  });

  it('refuses the same registration ticket twice', async () => {
    const context = setup();
    const authenticator = new SoftwareAuthenticator();
    const { options, ticket } = await context.rp.startRegistration({ user: alice });
    const response = await authenticator.register(options, ORIGIN);
    await context.rp.finishRegistration({ ticket, response });
    expect(await rejectionCode(context.rp.finishRegistration({ ticket, response }))).toBe('ticket_not_found');
  });
});

describe('RelyingParty: the credential store is the relying party\'s', () => {
  it('fills allowCredentials and excludeCredentials from the store, unless the caller passes them ([] means none)', async () => {
    const context = setup();
    const { credential: first } = await enrol(context);
    const { credential: second } = await enrol(context);
    await enrol(context, bob);
    const listed = [first, second].map(({ id }) => ({ id, type: 'public-key', transports: ['internal'] }));
    expect((await context.rp.startAuthentication({ userId: alice.id })).options.allowCredentials).toEqual(listed);
    expect((await context.rp.startAuthentication({ userId: alice.id, allowCredentials: [] })).options.allowCredentials).toBeUndefined();
    expect((await context.rp.startAuthentication()).options.allowCredentials).toBeUndefined();
    expect((await context.rp.startRegistration({ user: alice })).options.excludeCredentials).toEqual(listed);
    expect((await context.rp.startRegistration({ user: alice, excludeCredentials: [] })).options.excludeCredentials).toBeUndefined();
    expect(context.rp.credentialStore).toBe(context.credentials);
  });

  it('stores the new credential at registration, and refuses an id already in the store (§7.1 step 25)', async () => {
    const context = setup();
    const authenticator = new SoftwareAuthenticator();
    const first = await context.rp.startRegistration({ user: alice });
    const registered = await authenticator.register(first.options, ORIGIN);
    const { credential } = await context.rp.finishRegistration({ ticket: first.ticket, response: registered });
    expect(await context.credentials.listRecordsByUser(alice.id)).toEqual([credential]);
    expect(credential.attestationObject).toBeUndefined();
    // The same credential answering a ceremony that did not exclude it: the store refuses it.
    const { options, ticket } = await context.rp.startRegistration({ user: alice, excludeCredentials: [] });
    const clientData = JSON.parse(new TextDecoder().decode(base64url.decode(registered.response.clientDataJSON))) as Record<string, unknown>;
    const clientDataJSON = base64url.encode(new TextEncoder().encode(JSON.stringify({ ...clientData, challenge: options.challenge })));
    const reaimed = { ...registered, response: { ...registered.response, clientDataJSON } };
    expect(await rejectionCode(context.rp.finishRegistration({ ticket, response: reaimed }))).toBe('credential_already_registered');
    expect(await context.credentials.listRecordsByUser(alice.id)).toEqual([credential]);
  });

  it('keeps the attestation object and client data bytes when configured to (keepAttestation)', async () => {
    const context = setup({ keepAttestation: true });
    const authenticator = new SoftwareAuthenticator();
    const { options, ticket } = await context.rp.startRegistration({ user: alice, attestation: 'direct' });
    const response = await authenticator.register(options, ORIGIN);
    const { credential } = await context.rp.finishRegistration({ ticket, response });
    const stored = await context.credentials.get(credential.id);
    expect(stored?.attestationObject).toEqual(base64url.decode(response.response.attestationObject));
    expect(stored?.attestationClientDataJSON).toEqual(base64url.decode(response.response.clientDataJSON));
  });

  it('refuses to finish for a caller who is not the ceremony\'s user, storing nothing', async () => {
    const context = setup();
    const authenticator = new SoftwareAuthenticator();
    const { options, ticket } = await context.rp.startRegistration({ user: alice });
    const response = await authenticator.register(options, ORIGIN);
    expect(await rejectionCode(context.rp.finishRegistration({ ticket, response, userId: bob.id }))).toBe('user_handle_mismatch');
    expect(await context.credentials.get(response.id)).toBeUndefined();

    const { authenticator: alices, credential } = await enrol(context);
    const signIn = await context.rp.startAuthentication();
    const assertion = await alices.authenticate(signIn.options, ORIGIN);
    expect(await rejectionCode(context.rp.finishAuthentication({ ticket: signIn.ticket, response: assertion, userId: bob.id }))).toBe('credential_not_allowed');
    expect(await context.credentials.get(credential.id)).toEqual(credential);
  });

  it('refuses a replayed counter, and of 50 concurrent sign-ins with one counter exactly one succeeds', async () => {
    const context = setup();
    const { authenticator, credential } = await enrol(context);
    const signIns = await Promise.all(Array.from({ length: 50 }, () => context.rp.startAuthentication({ userId: alice.id })));
    // A cloned authenticator: every assertion carries counter 5.
    const answers = await Promise.all(
      signIns.map(({ options }) => authenticator.getAssertion({ rpId: 'example.com', challenge: options.challenge, origin: ORIGIN, signCount: 5 })),
    );
    const outcomes = await Promise.all(
      signIns.map(({ ticket }, index) =>
        context.rp.finishAuthentication({ ticket, response: answers[index] }).then(
          () => 'ok',
          (error: unknown) => (error as { code?: string }).code,
        ),
      ),
    );
    expect(outcomes.filter((outcome) => outcome === 'ok')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome === 'sign_count_regression')).toHaveLength(49);
    expect((await context.credentials.get(credential.id))!.signCount).toBe(5);

    const again = await context.rp.startAuthentication({ userId: alice.id });
    const replayed = await authenticator.getAssertion({ rpId: 'example.com', challenge: again.options.challenge, origin: ORIGIN, signCount: 5 });
    expect(await rejectionCode(context.rp.finishAuthentication({ ticket: again.ticket, response: replayed }))).toBe('sign_count_regression');
  });

  it('fails unknown_credential when the credential is deleted while the sign-in is verified', async () => {
    const context = setup();
    const { authenticator, credential } = await enrol(context);
    const { options, ticket } = await context.rp.startAuthentication({ userId: alice.id });
    const response = await authenticator.authenticate(options, ORIGIN);
    const get = context.credentials.get.bind(context.credentials);
    context.credentials.get = async (id) => {
      const record = await get(id);
      await context.credentials.delete(credential.id, credential.userId); // deleted right after it was read
      return record;
    };
    expect(await rejectionCode(context.rp.finishAuthentication({ ticket, response }))).toBe('unknown_credential');
  });
});

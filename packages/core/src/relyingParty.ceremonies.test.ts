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
  const rp = createRelyingParty({ rpId: 'example.com', rpName: 'Example', origins: [ORIGIN], challengeStore, now: clock.now, ...config });
  const credentials = new MemoryCredentialStore();
  const getCredential = (id: string) => credentials.get(id);
  return { rp, credentials, getCredential, clock, challengeStore };
}

async function enrol(context: ReturnType<typeof setup>, user = alice, options: SoftwareAuthenticatorOptions = {}) {
  const authenticator = new SoftwareAuthenticator(options);
  const { options: creation, ticket } = await context.rp.startRegistration({ user });
  const { credential } = await context.rp.finishRegistration({ ticket, response: await authenticator.register(creation, ORIGIN) });
  await context.credentials.create(credential);
  return { authenticator, credential };
}

describe('RelyingParty: register, then sign in', () => {
  it.each(['ES256', 'EdDSA', 'RS256'] as const)('works end to end with an %s credential, and updates the record', async (algorithm) => {
    const context = setup();
    const { authenticator, credential } = await enrol(context, alice, { algorithm });
    expect(credential).toMatchObject({ userId: alice.id, signCount: 1, transports: ['internal'], fmt: 'none', aaguid: '00000000-0000-0000-0000-000000000000' });

    const { options, ticket } = await context.rp.startAuthentication({ userId: alice.id, allowCredentials: [{ id: credential.id }] });
    const result = await context.rp.finishAuthentication({ ticket, response: await authenticator.authenticate(options, ORIGIN), getCredential: context.getCredential });
    expect(result).toMatchObject({ verified: true, userId: alice.id, credentialId: credential.id, newSignCount: 2, credentialUpdate: { expectedSignCount: 1, signCount: 2 } });
    expect(await context.credentials.updateAfterAuthentication(result.credentialId, result.credentialUpdate)).toBe(true);
    expect((await context.credentials.get(credential.id))!.signCount).toBe(2);
  });

  it('signs in a user it did not know in advance, by the user handle (discoverable credential)', async () => {
    const context = setup();
    const { authenticator } = await enrol(context, bob);
    const { options, ticket } = await context.rp.startAuthentication();
    expect(options.allowCredentials).toBeUndefined();
    const result = await context.rp.finishAuthentication({ ticket, response: await authenticator.authenticate(options, ORIGIN), getCredential: context.getCredential });
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
    const { credential } = await context.rp.finishRegistration({ response: await authenticator.register(registration.options, ORIGIN) });
    await context.credentials.create(credential);

    const { options, ticket } = await context.rp.startAuthentication({ userId: alice.id });
    expect(ticket).toBe(ticketForChallenge(options.challenge));
    const response = await authenticator.authenticate(options, ORIGIN);
    expect((await context.rp.finishAuthentication({ response, getCredential: context.getCredential })).userId).toBe(alice.id);
    expect(await rejectionCode(context.rp.finishAuthentication({ response, getCredential: context.getCredential }))).toBe('ticket_not_found');
  });

  it('rejects a ticketless response whose client data cannot be read', async () => {
    const context = setup();
    for (const response of [undefined, {}, { response: { clientDataJSON: 'not base64!' } }, { response: { clientDataJSON: 'e30' } }]) {
      const code = await rejectionCode(context.rp.finishAuthentication({ response: response as never, getCredential: context.getCredential }));
      expect(code).toBe('malformed_response');
    }
  });

  it('rejects a replayed ticket, even after a failed attempt', async () => {
    const context = setup();
    const { authenticator, credential } = await enrol(context);
    const { options, ticket } = await context.rp.startAuthentication({ userId: alice.id });
    const response = await authenticator.authenticate(options, ORIGIN);
    const tampered = { ...response, response: { ...response.response, signature: base64url.encode(new Uint8Array(70)) } };
    expect(await rejectionCode(context.rp.finishAuthentication({ ticket, response: tampered, getCredential: context.getCredential }))).toBe('malformed_response');
    expect(await rejectionCode(context.rp.finishAuthentication({ ticket, response, getCredential: context.getCredential }))).toBe('ticket_not_found');
    expect((await context.credentials.get(credential.id))!.signCount).toBe(1);
  });

  it('rejects a ticket used twice after success', async () => {
    const context = setup();
    const { authenticator } = await enrol(context);
    const { options, ticket } = await context.rp.startAuthentication({ userId: alice.id });
    const response = await authenticator.authenticate(options, ORIGIN);
    await context.rp.finishAuthentication({ ticket, response, getCredential: context.getCredential });
    expect(await rejectionCode(context.rp.finishAuthentication({ ticket, response, getCredential: context.getCredential }))).toBe('ticket_not_found');
  });

  it('rejects an expired ticket', async () => {
    const context = setup();
    const { authenticator } = await enrol(context);
    const { options, ticket } = await context.rp.startAuthentication({ userId: alice.id, timeout: 60_000 });
    const response = await authenticator.authenticate(options, ORIGIN);
    context.clock.advance(90_001);
    expect(await rejectionCode(context.rp.finishAuthentication({ ticket, response, getCredential: context.getCredential }))).toBe('ticket_not_found');
  });

  it("rejects another user's ticket: Bob's credential answering Alice's ceremony", async () => {
    const context = setup();
    await enrol(context, alice);
    const { authenticator: bobs } = await enrol(context, bob);
    const { options, ticket } = await context.rp.startAuthentication({ userId: alice.id });
    const response = await bobs.authenticate(options, ORIGIN);
    expect(await rejectionCode(context.rp.finishAuthentication({ ticket, response, getCredential: context.getCredential }))).toBe('credential_not_allowed');
  });

  it("rejects an assertion made for another ceremony's challenge", async () => {
    const context = setup();
    const { authenticator } = await enrol(context);
    const first = await context.rp.startAuthentication({ userId: alice.id });
    const second = await context.rp.startAuthentication({ userId: alice.id });
    const response = await authenticator.authenticate(first.options, ORIGIN);
    expect(await rejectionCode(context.rp.finishAuthentication({ ticket: second.ticket, response, getCredential: context.getCredential }))).toBe('challenge_mismatch');
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
    expect(await rejectionCode(context.rp.finishAuthentication({ response: forged, getCredential: context.getCredential }))).toBe('challenge_mismatch');
    const genuine = await authenticator.authenticate(options, ORIGIN);
    expect(await rejectionCode(context.rp.finishAuthentication({ response: genuine, getCredential: context.getCredential }))).toBe('ticket_not_found');
  });

  it('rejects a registration ticket for authentication, and a malformed or unknown ticket', async () => {
    const context = setup();
    const { authenticator } = await enrol(context);
    const { options } = await context.rp.startAuthentication({ userId: alice.id });
    const response = await authenticator.authenticate(options, ORIGIN);
    const registration = await context.rp.startRegistration({ user: bob });
    for (const ticket of [registration.ticket, 'short', base64url.encode(new Uint8Array(24)), 42 as unknown as string]) {
      expect(await rejectionCode(context.rp.finishAuthentication({ ticket, response, getCredential: context.getCredential }))).toBe('ticket_not_found');
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
    expect(await rejectionCode(context.rp.finishAuthentication({ ticket, response, getCredential: context.getCredential }))).toBe('credential_not_allowed');
  });

  it('rejects a deleted credential', async () => {
    const context = setup();
    const { authenticator, credential } = await enrol(context);
    await context.credentials.delete(credential.id, credential.userId);
    const { options, ticket } = await context.rp.startAuthentication();
    const response = await authenticator.authenticate(options, ORIGIN);
    expect(await rejectionCode(context.rp.finishAuthentication({ ticket, response, getCredential: context.getCredential }))).toBe('unknown_credential');
  });

  it('requires a user handle in a discoverable sign-in, and one that owns the credential', async () => {
    const context = setup();
    const { authenticator } = await enrol(context);
    const first = await context.rp.startAuthentication();
    const withoutHandle = await authenticator.getAssertion({ rpId: 'example.com', challenge: first.options.challenge, origin: ORIGIN, returnUserHandle: false });
    expect(await rejectionCode(context.rp.finishAuthentication({ ticket: first.ticket, response: withoutHandle, getCredential: context.getCredential }))).toBe(
      'user_handle_mismatch',
    );
    const second = await context.rp.startAuthentication({ userId: alice.id });
    const response = await authenticator.authenticate(second.options, ORIGIN);
    const forged = { ...response, response: { ...response.response, userHandle: bob.id } };
    expect(await rejectionCode(context.rp.finishAuthentication({ ticket: second.ticket, response: forged, getCredential: context.getCredential }))).toBe(
      'user_handle_mismatch',
    );
  });

  it('requires user verification exactly when the ceremony said required', async () => {
    const context = setup();
    const { credential } = await enrol(context);
    const { authenticator: noUv } = await enrol(context, alice, { verifiesUser: false });
    const required = await context.rp.startAuthentication({ userId: alice.id, userVerification: 'required' });
    const response = await noUv.authenticate(required.options, ORIGIN);
    expect(await rejectionCode(context.rp.finishAuthentication({ ticket: required.ticket, response, getCredential: context.getCredential }))).toBe('user_not_verified');
    const preferred = await context.rp.startAuthentication({ userId: alice.id, userVerification: 'preferred' });
    const result = await context.rp.finishAuthentication({
      ticket: preferred.ticket,
      response: await noUv.authenticate(preferred.options, ORIGIN),
      getCredential: context.getCredential,
    });
    expect(result).toMatchObject({ verified: true, userVerified: false });
    expect(result.credentialId).not.toBe(credential.id);
  });

  it('rejects a response from an origin the relying party does not serve', async () => {
    const context = setup();
    const { authenticator } = await enrol(context);
    const { options, ticket } = await context.rp.startAuthentication({ userId: alice.id });
    const response = await authenticator.authenticate(options, 'https://evil.example');
    expect(await rejectionCode(context.rp.finishAuthentication({ ticket, response, getCredential: context.getCredential }))).toBe('origin_mismatch');
  });
});

describe('RelyingParty: registration rules (§7.1)', () => {
  it('lists existing credentials as excludeCredentials and refuses to register one of them again (§7.1 step 25)', async () => {
    const context = setup();
    const authenticator = new SoftwareAuthenticator();
    const first = await context.rp.startRegistration({ user: alice });
    const registered = await authenticator.register(first.options, ORIGIN);
    const { credential } = await context.rp.finishRegistration({ ticket: first.ticket, response: registered });
    await context.credentials.create(credential);

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

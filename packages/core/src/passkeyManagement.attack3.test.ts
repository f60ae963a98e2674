import { describe, expect, it } from 'vitest';
import { base64url } from './base64url.ts';
import { MemoryCredentialStore } from './credentialStore.ts';
import { MemoryChallengeStore } from './memoryChallengeStore.ts';
import { createRelyingParty } from './relyingParty.ts';
import { MAX_ACCEPTED_CREDENTIAL_IDS } from './signals.ts';
import { SoftwareAuthenticator } from './testing/softwareAuthenticator.ts';

/*
 * Adversarial review of passkey management (issue #14): a user with more passkeys than one
 * allAcceptedCredentials signal may list (WebAuthn L3 §5.1.10) must still list, delete and sign in.
 */

const ORIGIN = 'https://example.com';
const alice = { id: base64url.encode(new TextEncoder().encode('alice-0001')), name: 'alice@example.com', displayName: 'Alice' };

describe('ATTACK: more passkeys than one signal may carry', () => {
  it('list, delete and sign-in still work; the signal is left out rather than truncated (a short list would hide valid passkeys)', async () => {
    const credentials = new MemoryCredentialStore();
    const rp = createRelyingParty({ rpId: 'example.com', rpName: 'Example', origins: [ORIGIN], challengeStore: new MemoryChallengeStore({ sweepIntervalMs: 0 }), credentialStore: credentials });
    const authenticator = new SoftwareAuthenticator();
    const started = await rp.startRegistration({ user: alice });
    const { credential } = await rp.finishRegistration({ ticket: started.ticket, response: await authenticator.register(started.options, ORIGIN) });
    for (let index = 0; index < MAX_ACCEPTED_CREDENTIAL_IDS; index++) {
      const id = base64url.encode(new Uint8Array([1, index >> 8, index & 0xff, ...new Uint8Array(13)]));
      await credentials.create({ ...credential, id });
    }

    const list = await rp.listPasskeys(alice.id);
    expect(list.passkeys).toHaveLength(MAX_ACCEPTED_CREDENTIAL_IDS + 1);
    expect(list.signals.allAcceptedCredentials).toBeUndefined();
    expect(await rp.allAcceptedCredentialsSignal(alice.id)).toBeUndefined();

    const signIn = await rp.startAuthentication({ allowCredentials: [{ id: credential.id }] });
    await rp.finishAuthentication({ ticket: signIn.ticket, response: await authenticator.authenticate(signIn.options, ORIGIN) });

    const other = list.passkeys.find(({ id }) => id !== credential.id)?.id ?? '';
    const deletion = await rp.deletePasskey({ userId: alice.id, credentialId: other });
    expect(deletion?.deletedId).toBe(other);
    // Back to the limit: the signal lists every id again.
    expect(deletion?.signals.allAcceptedCredentials?.allAcceptedCredentialIds).toHaveLength(MAX_ACCEPTED_CREDENTIAL_IDS);
  });
});

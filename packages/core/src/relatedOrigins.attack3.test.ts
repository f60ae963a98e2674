import { describe, expect, it } from 'vitest';
import { base64url } from './base64url.ts';
import { MemoryCredentialStore } from './credentialStore.ts';
import { MemoryChallengeStore } from './memoryChallengeStore.ts';
import { createRelyingParty } from './relyingParty.ts';
import { SoftwareAuthenticator } from './testing/softwareAuthenticator.ts';

/*
 * Adversarial review of relatedOrigins (WebAuthn L3 §5.11, issue #14): listing the relying party's own origin
 * must not break ceremonies, and a related origin is accepted only exactly as listed.
 */

const alice = { id: base64url.encode(new TextEncoder().encode('alice-0001')), name: 'alice@example.com', displayName: 'Alice' };

async function ceremonyFrom(relatedOrigins: string[], origin: string): Promise<string | undefined> {
  const rp = createRelyingParty({
    rpId: 'example.com',
    rpName: 'Example',
    origins: ['https://example.com'],
    relatedOrigins,
    challengeStore: new MemoryChallengeStore({ sweepIntervalMs: 0 }),
    credentialStore: new MemoryCredentialStore(),
  });
  try {
    const authenticator = new SoftwareAuthenticator();
    const started = await rp.startRegistration({ user: alice });
    await rp.finishRegistration({ ticket: started.ticket, response: await authenticator.register(started.options, origin) });
    const signIn = await rp.startAuthentication({ userId: alice.id });
    await rp.finishAuthentication({ ticket: signIn.ticket, response: await authenticator.authenticate(signIn.options, origin) });
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

describe('ATTACK: relatedOrigins', () => {
  it('listing the relying party’s own origin too changes nothing: ceremonies from it and from the related one still pass', async () => {
    expect(await ceremonyFrom(['https://example.com', 'https://example.co.uk'], 'https://example.com')).toBeUndefined();
    expect(await ceremonyFrom(['https://example.com', 'https://example.co.uk'], 'https://example.co.uk')).toBeUndefined();
  });

  it('an origin near a related one is refused (port, scheme, subdomain, trailing dot)', async () => {
    for (const origin of ['https://example.co.uk:8443', 'http://example.co.uk', 'https://evil.example.co.uk', 'https://example.co.uk.', 'https://example.co.uk.evil.com']) {
      expect(await ceremonyFrom(['https://example.co.uk'], origin), origin).toMatch(/origin/);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { rejectionCode } from '../test/mutations.ts';
import { readRegistrationVectors, type RegistrationVector } from '../test/vectors.ts';
import { COSE_ALGORITHMS } from './cose.ts';
import { MemoryCredentialStore } from './credentialStore.ts';
import { MemoryChallengeStore } from './memoryChallengeStore.ts';
import type { AttestationConveyancePreference } from './registrationOptions.ts';
import { createRelyingParty, type RelyingPartyConfig } from './relyingParty.ts';
import { TICKET_BYTES } from './ticket.ts';
import { base64url } from './base64url.ts';

/*
 * Captured android-key, android-safetynet and apple registrations (WebAuthn L3 §8.4, §8.5, §8.8) through
 * createRelyingParty: the ceremony each answered is put in the challenge store as startRegistration would,
 * and finishRegistration runs at a time inside the captures' certificate validity.
 */

const FORMATS = ['android-key', 'android-safetynet', 'apple'];
const vectors = readRegistrationVectors().filter((vector) => FORMATS.includes(vector.fmt));
const USER = 'dXNlci0x';

async function finish(vector: RegistrationVector, attestation: AttestationConveyancePreference, config: Partial<RelyingPartyConfig> = {}) {
  const challengeStore = new MemoryChallengeStore({ sweepIntervalMs: 0 });
  const credentialStore = new MemoryCredentialStore();
  const now = Date.parse(vector.requiresDate!);
  const rp = createRelyingParty({
    rpId: vector.expectedRpId,
    rpName: 'Example',
    origins: [vector.expectedOrigin],
    challengeStore,
    credentialStore,
    now: () => now,
    ...config,
  });
  // A ticket of its own: one capture's challenge (16 bytes) is shorter than a ticket derived from a challenge.
  const ticket = base64url.encode(globalThis.crypto.getRandomValues(new Uint8Array(TICKET_BYTES)));
  await challengeStore.save(
    ticket,
    {
      ceremony: 'registration',
      challenge: vector.expectedChallenge,
      rpId: vector.expectedRpId,
      userId: USER,
      userVerification: 'preferred',
      algorithms: [COSE_ALGORITHMS.ES256, COSE_ALGORITHMS.RS256],
      attestation,
      excludeCredentialIds: [],
      expiresAt: now + 60_000,
    },
    60_000,
  );
  return { result: rp.finishRegistration({ ticket, response: vector.response }), credentialStore };
}

describe('createRelyingParty: android-key, android-safetynet and apple registrations', () => {
  it('covers every captured registration of the three formats', () => {
    expect(vectors.map((vector) => vector.fmt).sort()).toEqual(['android-key', 'android-key', 'android-safetynet', 'apple', 'apple', 'apple']);
  });

  it.each(vectors)("registers $name under 'direct' with fmt $fmt recorded", async (vector) => {
    const policy = vector.safetyNetCtsProfileMatchRequired === undefined ? {} : { safetyNetCtsProfileMatchRequired: vector.safetyNetCtsProfileMatchRequired };
    const seen: string[] = [];
    const { result, credentialStore } = await finish(vector, 'direct', { ...policy, trustAttestation: ({ fmt }) => (seen.push(fmt), true) });
    const registration = await result;
    expect(registration.attestation).toMatchObject({ fmt: vector.fmt, verified: true, type: vector.fmt === 'apple' ? 'AnonCA' : 'Basic' });
    expect(registration.attestation.trustPath.length).toBeGreaterThan(1);
    expect(seen).toEqual([vector.fmt]);
    expect((await credentialStore.get(vector.expected.credentialId))?.fmt).toBe(vector.fmt);
  });

  it('refuses the SafetyNet capture when ctsProfileMatch is required, as it is by default', async () => {
    const vector = vectors.find((candidate) => candidate.fmt === 'android-safetynet')!;
    const { result, credentialStore } = await finish(vector, 'direct');
    expect(await rejectionCode(result)).toBe('invalid_attestation');
    expect(await credentialStore.get(vector.expected.credentialId)).toBeUndefined();
  });

  it('refuses the SafetyNet capture a minute and a half after its timestamp, unless the allowed age is raised', async () => {
    const vector = vectors.find((candidate) => candidate.fmt === 'android-safetynet')!;
    const later = { ...vector, requiresDate: new Date(Date.parse(vector.requiresDate!) + 90_000).toISOString() };
    const relaxed = { safetyNetCtsProfileMatchRequired: false };
    expect(await rejectionCode((await finish(later, 'direct', relaxed)).result)).toBe('invalid_attestation');
    expect((await (await finish(later, 'direct', { ...relaxed, safetyNetMaxAgeMs: 120_000 })).result).credential.fmt).toBe('android-safetynet');
  });

  it('refuses an android-key capture whose certificates have expired, even under none', async () => {
    const vector = vectors.find((candidate) => candidate.fmt === 'android-key')!;
    const { result } = await finish({ ...vector, requiresDate: '2045-01-01T00:00:00.000Z' }, 'none');
    expect(await rejectionCode(result)).toBe('invalid_attestation');
  });

  it('refuses a negative or fractional safetyNetMaxAgeMs in the configuration', async () => {
    const vector = vectors[0]!;
    for (const safetyNetMaxAgeMs of [-1, 1.5]) {
      expect(await rejectionCode((async () => (await finish(vector, 'direct', { safetyNetMaxAgeMs })).result)())).toBe('invalid_config');
    }
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { base64url } from './base64url.ts';
import { isTesseraError } from './errors.ts';
import {
  MAX_ACCEPTED_CREDENTIAL_IDS,
  signalAllAcceptedCredentials,
  signalCurrentUserDetails,
  signalUnknownCredential,
} from './signals.ts';

const id = fc.uint8Array({ minLength: 1, maxLength: 64 }).map((bytes) => base64url.encode(bytes));
const userId = fc.uint8Array({ minLength: 1, maxLength: 64 }).map((bytes) => base64url.encode(bytes));
const rpId = fc.constantFrom('example.com', 'login.example.com', 'localhost');

/** Calls `build`, and requires it to return or to throw `invalid_argument`, never anything else. */
function outcome<T>(build: () => T): T | 'invalid_argument' {
  try {
    return build();
  } catch (error) {
    if (isTesseraError(error, 'invalid_argument')) return 'invalid_argument';
    throw error;
  }
}

describe('signal builders (WebAuthn L3 §5.1.10)', () => {
  it('signalUnknownCredential returns exactly { rpId, credentialId } for every valid input', () => {
    fc.assert(
      fc.property(rpId, id, (rp, credentialId) => {
        const signal = signalUnknownCredential({ rpId: rp, credentialId });
        expect(signal).toStrictEqual({ rpId: rp, credentialId });
        expect(JSON.parse(JSON.stringify(signal))).toStrictEqual(signal);
      }),
    );
  });

  it('signalAllAcceptedCredentials returns the ids as given, in a fresh array', () => {
    fc.assert(
      fc.property(rpId, userId, fc.uniqueArray(id, { maxLength: 20 }), (rp, user, ids) => {
        const signal = signalAllAcceptedCredentials({ rpId: rp, userId: user, allAcceptedCredentialIds: ids });
        expect(signal).toStrictEqual({ rpId: rp, userId: user, allAcceptedCredentialIds: ids });
        expect(signal.allAcceptedCredentialIds).not.toBe(ids);
      }),
    );
  });

  it('signalCurrentUserDetails returns exactly { rpId, userId, name, displayName }', () => {
    fc.assert(
      fc.property(rpId, userId, fc.string({ minLength: 1, maxLength: 256 }), fc.string({ maxLength: 256 }), (rp, user, name, displayName) => {
        expect(signalCurrentUserDetails({ rpId: rp, userId: user, name, displayName })).toStrictEqual({ rpId: rp, userId: user, name, displayName });
      }),
    );
  });

  it('answers any input with a signal or invalid_argument, never another error', () => {
    const anything = fc.anything({ withObjectString: true, withNullPrototype: true });
    const member = fc.oneof(anything, id, rpId, fc.string());
    fc.assert(
      fc.property(
        fc.record({ rpId: member, credentialId: member, userId: member, allAcceptedCredentialIds: fc.oneof(anything, fc.array(member)), name: member, displayName: member, extra: anything }, { requiredKeys: [] }),
        (input) => {
          outcome(() => signalUnknownCredential(input as never));
          outcome(() => signalAllAcceptedCredentials(input as never));
          outcome(() => signalCurrentUserDetails(input as never));
        },
      ),
    );
    for (const input of [undefined, null, 42, 'x', []]) {
      expect(outcome(() => signalUnknownCredential(input as never))).toBe('invalid_argument');
    }
  });

  it('refuses ids that are not canonical base64url, bad RP IDs, repeats, too many ids and unknown members', () => {
    const bad = [
      () => signalUnknownCredential({ rpId: 'example.com', credentialId: 'AQIDBA==' }),
      () => signalUnknownCredential({ rpId: 'example.com', credentialId: '' }),
      () => signalUnknownCredential({ rpId: 'https://example.com', credentialId: 'AQIDBA' }),
      () => signalUnknownCredential({ rpId: 'example.com', credentialId: 'AQIDBA', extra: 1 } as never),
      () => signalAllAcceptedCredentials({ rpId: 'example.com', userId: 'dXNlcg', allAcceptedCredentialIds: ['AQIDBA', 'AQIDBA'] }),
      () => signalAllAcceptedCredentials({ rpId: 'example.com', userId: 'a+b/', allAcceptedCredentialIds: [] }),
      () =>
        signalAllAcceptedCredentials({
          rpId: 'example.com',
          userId: 'dXNlcg',
          allAcceptedCredentialIds: Array.from({ length: MAX_ACCEPTED_CREDENTIAL_IDS + 1 }, (_, index) => base64url.encode(new Uint8Array([index >> 8, index & 255]))),
        }),
      () => signalCurrentUserDetails({ rpId: 'example.com', userId: 'dXNlcg', name: '', displayName: 'Ada' }),
      () => signalCurrentUserDetails({ rpId: 'example.com', userId: 'dXNlcg', name: 'a'.repeat(257), displayName: 'Ada' }),
    ];
    for (const build of bad) expect(outcome(build)).toBe('invalid_argument');
  });

  it('never puts the rejected value in the message', () => {
    try {
      signalUnknownCredential({ rpId: 'example.com', credentialId: 'secret-looking value==' });
      expect.unreachable();
    } catch (error) {
      expect(String((error as Error).message)).not.toContain('secret-looking');
    }
  });
});

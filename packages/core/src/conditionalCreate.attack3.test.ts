import { describe, expect, it } from 'vitest';
import { rejectionCode } from '../test/mutations.ts';
import { base64url } from './base64url.ts';
import { parseStoredChallengeRecord, type ChallengeRecord, type ChallengeStore } from './challengeStore.ts';
import { MemoryCredentialStore } from './credentialStore.ts';
import { createRelyingParty } from './relyingParty.ts';
import { SoftwareAuthenticator } from './testing/softwareAuthenticator.ts';

/*
 * Conditional create against serialising stores (Redis, Postgres keep JSON and read it back with
 * parseStoredChallengeRecord): a record written before `mediation` existed, or with a tampered `mediation`,
 * must never waive user presence (WebAuthn L3 §7.1 step 14).
 */

const ORIGIN = 'https://example.com';
const alice = { id: base64url.encode(new TextEncoder().encode('alice-0001')), name: 'alice@example.com', displayName: 'Alice' };

/** A store that keeps JSON text, as Redis and Postgres do, with a hook that rewrites it (an old writer, tampering). */
class JsonStore implements ChallengeStore {
  readonly #texts = new Map<string, string>();
  readonly rewrite: (record: Record<string, unknown>) => Record<string, unknown>;
  constructor(rewrite: (record: Record<string, unknown>) => Record<string, unknown>) {
    this.rewrite = rewrite;
  }
  async save(key: string, record: ChallengeRecord): Promise<void> {
    this.#texts.set(key, JSON.stringify(this.rewrite(JSON.parse(JSON.stringify(record)) as Record<string, unknown>)));
  }
  async consume(key: string): Promise<ChallengeRecord | undefined> {
    const text = this.#texts.get(key);
    this.#texts.delete(key);
    return text === undefined ? undefined : parseStoredChallengeRecord(text);
  }
}

async function attempt(rewrite: (record: Record<string, unknown>) => Record<string, unknown>, mediation?: 'conditional') {
  const credentials = new MemoryCredentialStore();
  const rp = createRelyingParty({ rpId: 'example.com', rpName: 'Example', origins: [ORIGIN], challengeStore: new JsonStore(rewrite), credentialStore: credentials });
  const { options, ticket } = await rp.startRegistration({ user: alice, ...(mediation === undefined ? {} : { mediation }) });
  const response = await new SoftwareAuthenticator().createCredential({ rpId: 'example.com', challenge: options.challenge, origin: ORIGIN, userHandle: alice.id, userPresent: false });
  const finished = rp.finishRegistration({ ticket, response });
  const code = await finished.then(
    () => undefined,
    () => rejectionCode(finished),
  );
  return { code, stored: await credentials.listByUser(alice.id) };
}

describe('ATTACK: conditional create through a JSON store', () => {
  it('a conditional record that round-trips keeps its waiver (the control)', async () => {
    const { code, stored } = await attempt((record) => record, 'conditional');
    expect(code).toBeUndefined();
    expect(stored).toHaveLength(1);
  });

  it('a record without mediation (an old writer, or one that dropped it) is a normal ceremony: UP required', async () => {
    const { code, stored } = await attempt(({ mediation: _dropped, ...record }) => record, 'conditional');
    expect(code).toBe('user_not_present');
    expect(stored).toEqual([]);
  });

  it('a tampered mediation is a corrupt record, never a waiver', async () => {
    for (const mediation of [true, 'CONDITIONAL', 'conditional ', 'silent', null, ['conditional'], { value: 'conditional' }]) {
      const { code, stored } = await attempt((record) => ({ ...record, mediation }));
      expect(code, JSON.stringify(mediation)).toBe('corrupt_store_record');
      expect(stored).toEqual([]);
    }
  });

  it('mediation on an authentication record is a corrupt record', () => {
    const text = JSON.stringify({ ceremony: 'authentication', challenge: 'AAAAAAAAAAAAAAAAAAAAAA', rpId: 'example.com', allowCredentialIds: [], userVerification: 'preferred', hints: [], expiresAt: 1, mediation: 'conditional' });
    expect(() => parseStoredChallengeRecord(text)).toThrow();
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rejectionCode } from '../test/mutations.ts';
import { base64url } from './base64url.ts';
import { MemoryCredentialStore } from './credentialStore.ts';
import { MemoryChallengeStore } from './memoryChallengeStore.ts';
import { isTesseraError } from './errors.ts';
import { coseAlgorithmNameOf, passkeyItemOf, passkeyItemSchema, type DescribeAuthenticator } from './passkeyItem.ts';
import { createRelyingParty, type RelyingPartyConfig } from './relyingParty.ts';
import { SoftwareAuthenticator, type SoftwareAuthenticatorOptions } from './testing/softwareAuthenticator.ts';

const ORIGIN = 'https://example.com';
const alice = { id: base64url.encode(new TextEncoder().encode('alice-0001')), name: 'alice@example.com', displayName: 'Alice' };
const bob = { id: base64url.encode(new TextEncoder().encode('bob-0002')), name: 'bob@example.com', displayName: 'Bob' };
const ICLOUD = new Uint8Array([0xfb, 0xfc, 0x30, 0x07, 0x15, 0x4e, 0x4e, 0xcc, 0x8c, 0x0b, 0x6e, 0x02, 0x05, 0x57, 0xd7, 0xbd]);
const ICLOUD_AAGUID = 'fbfc3007-154e-4ecc-8c0b-6e020557d7bd';

function setup(config: Partial<RelyingPartyConfig> = {}) {
  let time = 1_700_000_000_000;
  const clock = { now: () => time, advance: (ms: number) => void (time += ms) };
  const credentials = new MemoryCredentialStore();
  const rp = createRelyingParty({
    rpId: 'example.com',
    rpName: 'Example',
    origins: [ORIGIN],
    challengeStore: new MemoryChallengeStore({ now: clock.now, sweepIntervalMs: 0 }),
    credentialStore: credentials,
    now: clock.now,
    ...config,
  });
  return { rp, credentials, clock };
}

async function enrol(context: ReturnType<typeof setup>, user = alice, options: SoftwareAuthenticatorOptions = {}) {
  const authenticator = new SoftwareAuthenticator(options);
  const { options: creation, ticket } = await context.rp.startRegistration({ user });
  const { credential } = await context.rp.finishRegistration({ ticket, response: await authenticator.register(creation, ORIGIN) });
  return { authenticator, credential };
}

describe('RelyingParty passkey management', () => {
  it('lists a user’s passkeys with name, authenticator, dates, synced, transports and algorithm, and the accepted-ids signal', async () => {
    const calls: string[] = [];
    const describeAuthenticator: DescribeAuthenticator = async (aaguid) => {
      calls.push(aaguid);
      return aaguid === ICLOUD_AAGUID ? { name: 'iCloud Keychain', icon: 'data:image/png;base64,AAAA' } : undefined;
    };
    const context = setup({ describeAuthenticator });
    const synced = await enrol(context, alice, { aaguid: ICLOUD, backupEligible: true, backupState: true, algorithm: 'ES256', transports: ['internal', 'hybrid'] });
    context.clock.advance(1000);
    const plain = await enrol(context, alice, { algorithm: 'EdDSA', transports: ['usb'] });
    context.clock.advance(1000);
    const again = await enrol(context, alice, { aaguid: ICLOUD, algorithm: 'RS256' });
    await enrol(context, bob);
    // A sign-in sets lastUsedAt.
    context.clock.advance(5000);
    const { options, ticket } = await context.rp.startAuthentication({ userId: alice.id, allowCredentials: [{ id: plain.credential.id }] });
    await context.rp.finishAuthentication({ ticket, response: await plain.authenticator.authenticate(options, ORIGIN) });
    await context.rp.renamePasskey({ userId: alice.id, credentialId: again.credential.id, name: '  Work laptop ' });

    const list = await context.rp.listPasskeys(alice.id);
    expect(list.passkeys).toStrictEqual([
      {
        id: synced.credential.id,
        name: 'iCloud Keychain',
        authenticatorName: 'iCloud Keychain',
        icon: 'data:image/png;base64,AAAA',
        createdAt: 1_700_000_000_000,
        lastUsedAt: null,
        synced: true,
        transports: ['internal', 'hybrid'],
        algorithm: 'ES256',
      },
      {
        id: plain.credential.id,
        name: null,
        authenticatorName: null,
        createdAt: 1_700_000_001_000,
        lastUsedAt: 1_700_000_007_000,
        synced: false,
        transports: ['usb'],
        algorithm: 'EdDSA',
      },
      {
        id: again.credential.id,
        name: 'Work laptop',
        authenticatorName: 'iCloud Keychain',
        icon: 'data:image/png;base64,AAAA',
        createdAt: 1_700_000_002_000,
        lastUsedAt: null,
        synced: false,
        transports: ['internal'],
        algorithm: 'RS256',
      },
    ]);
    for (const item of list.passkeys) expect(passkeyItemSchema.safeParse(item).success).toBe(true);
    expect(list.signals).toStrictEqual({
      allAcceptedCredentials: { rpId: 'example.com', userId: alice.id, allAcceptedCredentialIds: [synced.credential.id, plain.credential.id, again.credential.id] },
    });
    // The hook is asked once per AAGUID per list, never for the all-zero AAGUID.
    expect(calls.filter((aaguid) => aaguid === '00000000-0000-0000-0000-000000000000')).toEqual([]);
    expect((await context.rp.listPasskeys(bob.id)).passkeys).toHaveLength(1);
    expect(await context.rp.listPasskeys(base64url.encode(new TextEncoder().encode('nobody')))).toStrictEqual({
      passkeys: [],
      signals: { allAcceptedCredentials: { rpId: 'example.com', userId: base64url.encode(new TextEncoder().encode('nobody')), allAcceptedCredentialIds: [] } },
    });
  });

  it('names are null without a describeAuthenticator hook or a label', async () => {
    const context = setup();
    await enrol(context, alice, { aaguid: ICLOUD });
    const [item] = (await context.rp.listPasskeys(alice.id)).passkeys;
    expect(item).toMatchObject({ name: null, authenticatorName: null });
    expect(item).not.toHaveProperty('icon');
  });

  it('a hook that returns something other than { name, icon? } is invalid_config, not a silent bad item', async () => {
    for (const bad of [{ name: '' }, { name: 42 }, { name: 'x', icon: 'javascript:alert(1)' }, 'iCloud']) {
      const context = setup({ describeAuthenticator: () => bad as never });
      await enrol(context, alice, { aaguid: ICLOUD });
      expect(await rejectionCode(context.rp.listPasskeys(alice.id))).toBe('invalid_config');
    }
  });

  it('renames only the owner’s passkey: another user’s id answers exactly like an unknown one', async () => {
    const context = setup();
    const { credential } = await enrol(context, alice);
    const renamed = await context.rp.renamePasskey({ userId: alice.id, credentialId: credential.id, name: 'Cafe\u0301 phone' });
    expect(renamed).toMatchObject({ id: credential.id, name: 'Caf\u00e9 phone' });

    const unknownId = base64url.encode(new Uint8Array(32).fill(7));
    expect(await context.rp.renamePasskey({ userId: bob.id, credentialId: credential.id, name: 'mine now' })).toBeUndefined();
    expect(await context.rp.renamePasskey({ userId: bob.id, credentialId: unknownId, name: 'mine now' })).toBeUndefined();
    expect(await context.rp.renamePasskey({ userId: bob.id, credentialId: 'not base64url!', name: 'mine now' })).toBeUndefined();
    expect((await context.credentials.get(credential.id))?.name).toBe('Caf\u00e9 phone');
  });

  it('refuses a bad name with invalid_argument before touching the store', async () => {
    const context = setup();
    const { credential } = await enrol(context, alice);
    for (const name of ['', '   ', 'x'.repeat(65), 'a\u0000b', 42 as unknown as string]) {
      expect(await rejectionCode(context.rp.renamePasskey({ userId: alice.id, credentialId: credential.id, name }))).toBe('invalid_argument');
    }
    expect(await context.rp.renamePasskey({ userId: alice.id, credentialId: credential.id, name: 'x'.repeat(64) })).toMatchObject({ name: 'x'.repeat(64) });
  });

  it('deletes only the owner’s passkey and signals the ids that remain; sign-in with it is then unknown_credential', async () => {
    const context = setup();
    const first = await enrol(context, alice);
    const second = await enrol(context, alice);
    expect(await context.rp.deletePasskey({ userId: bob.id, credentialId: first.credential.id })).toBeUndefined();
    expect(await context.credentials.get(first.credential.id)).toBeDefined();

    // Options issued before the delete still allow the credential (§7.2 step 5), so step 6 finds it gone.
    const { options, ticket } = await context.rp.startAuthentication({ userId: alice.id });
    const deletion = await context.rp.deletePasskey({ userId: alice.id, credentialId: first.credential.id });
    expect(deletion).toStrictEqual({
      deletedId: first.credential.id,
      signals: { allAcceptedCredentials: { rpId: 'example.com', userId: alice.id, allAcceptedCredentialIds: [second.credential.id] } },
    });
    expect(await context.rp.deletePasskey({ userId: alice.id, credentialId: first.credential.id })).toBeUndefined();
    const response = await first.authenticator.authenticate(options, ORIGIN);
    expect(await rejectionCode(context.rp.finishAuthentication({ ticket, response }))).toBe('unknown_credential');
  });

  it('allAcceptedCredentialsSignal lists the user’s ids now; a malformed user handle is invalid_argument', async () => {
    const context = setup();
    const { credential } = await enrol(context, alice);
    expect(await context.rp.allAcceptedCredentialsSignal(alice.id)).toStrictEqual({ rpId: 'example.com', userId: alice.id, allAcceptedCredentialIds: [credential.id] });
    expect(await rejectionCode(context.rp.allAcceptedCredentialsSignal('not a handle'))).toBe('invalid_argument');
    expect(await rejectionCode(context.rp.listPasskeys(''))).toBe('invalid_argument');
    expect(await rejectionCode(context.rp.deletePasskey({ userId: '', credentialId: credential.id }))).toBe('invalid_argument');
  });

  it('coseAlgorithmNameOf reads the alg of a key, and null for bytes that are not one', () => {
    expect(coseAlgorithmNameOf(new Uint8Array([0xa1, 0x03, 0x26]))).toBe('ES256');
    expect(coseAlgorithmNameOf(new Uint8Array([0xa1, 0x03, 0x38, 0x2e]))).toBeNull(); // -47 (ES256K), not named here
    expect(coseAlgorithmNameOf(new Uint8Array([0xff]))).toBeNull();
    expect(coseAlgorithmNameOf(new Uint8Array())).toBeNull();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const name = coseAlgorithmNameOf(bytes);
        expect(name === null || typeof name === 'string').toBe(true);
      }),
    );
  });

  it('passkeyItemOf gives a schema-valid item for any description, or invalid_config', () => {
    const record = {
      id: 'AQIDBA',
      userId: 'dXNlcg',
      publicKey: new Uint8Array([0xa1, 0x03, 0x27]),
      signCount: 0,
      transports: [],
      backupEligible: true,
      backupState: true,
      uvInitialized: false,
      aaguid: '00000000-0000-0000-0000-000000000000',
      fmt: 'none',
      createdAt: 1,
      lastUsedAt: null,
    } as const satisfies Parameters<typeof passkeyItemOf>[0];
    fc.assert(
      fc.property(fc.option(fc.record({ name: fc.oneof(fc.string(), fc.anything()), icon: fc.oneof(fc.constant('data:image/png;base64,AA'), fc.string(), fc.anything()) }, { requiredKeys: [] }), { nil: undefined }), fc.option(fc.string({ minLength: 1, maxLength: 10 }).map((label) => label.trim() || 'x'), { nil: undefined }), (description, label) => {
        try {
          const item = passkeyItemOf({ ...record, transports: [], ...(label === undefined ? {} : { name: label }) }, description as never);
          expect(passkeyItemSchema.safeParse(item).success).toBe(true);
          expect(item.synced).toBe(true);
          expect(item.algorithm).toBe('EdDSA');
          expect(item.name).toBe(label ?? item.authenticatorName);
        } catch (error) {
          expect(isTesseraError(error, 'invalid_config')).toBe(true);
        }
      }),
    );
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rejectionCode } from '../test/mutations.ts';
import { base64url } from './base64url.ts';
import { authenticationChallengeRecordSchema, challengeRecordSchema, type ChallengeStore } from './challengeStore.ts';
import { isTesseraError } from './errors.ts';
import { MemoryChallengeStore } from './memoryChallengeStore.ts';
import { MemoryCredentialStore } from './credentialStore.ts';
import { createRelyingParty, type RelyingPartyConfig } from './relyingParty.ts';
import { SoftwareAuthenticator } from './testing/softwareAuthenticator.ts';

const NOW = 1_700_000_000_000;
const USER = base64url.encode(new TextEncoder().encode('user-7f3a'));
const ID_A = base64url.encode(new Uint8Array(16).fill(0xa1));
const ID_B = base64url.encode(new Uint8Array(16).fill(0xb2));

function setup(overrides: Partial<RelyingPartyConfig> = {}) {
  const store = new MemoryChallengeStore({ now: () => NOW, sweepIntervalMs: 0 });
  const saves: Array<{ key: string; ttlMs: number }> = [];
  const challengeStore: ChallengeStore = {
    save: (key, record, ttlMs) => {
      saves.push({ key, ttlMs });
      return store.save(key, record, ttlMs);
    },
    consume: (key) => store.consume(key),
  };
  const rp = createRelyingParty({
    rpId: 'example.com',
    rpName: 'Example',
    origins: ['https://example.com'],
    challengeStore,
    credentialStore: new MemoryCredentialStore(),
    now: () => NOW,
    ...overrides,
  });
  return { rp, store, saves };
}

function configError(config: unknown): string {
  try {
    createRelyingParty(config as RelyingPartyConfig);
  } catch (error) {
    if (isTesseraError(error, 'invalid_config')) return error.message;
    throw error;
  }
  throw new Error('expected invalid_config');
}

describe('createRelyingParty', () => {
  it('exposes its RP ID, name and origins, frozen', () => {
    const { rp } = setup({ origins: ['https://example.com', 'https://login.example.com'] });
    expect(rp.rpId).toBe('example.com');
    expect(rp.rpName).toBe('Example');
    expect(rp.origins).toEqual(['https://example.com', 'https://login.example.com']);
    expect(Object.isFrozen(rp)).toBe(true);
    expect(Object.isFrozen(rp.origins)).toBe(true);
  });

  it('accepts https origins on the RP ID or its subdomains, and Android app origins', () => {
    const origins = [
      'https://example.com',
      'https://example.com:8443',
      'https://login.example.com',
      `android:apk-key-hash:${base64url.encode(new Uint8Array(32).fill(3))}`,
    ];
    expect(setup({ origins }).rp.origins).toEqual(origins);
  });

  it('accepts http origins on localhost for RP ID localhost', () => {
    const origins = ['http://localhost:3000', 'http://localhost', 'http://app.localhost:5173'];
    expect(setup({ rpId: 'localhost', origins }).rp.origins).toEqual(origins);
  });

  it('rejects origins that cannot use the RP ID, unless listed as related origins (§5.11)', () => {
    const store = new MemoryChallengeStore();
    const base = { rpId: 'example.com', rpName: 'Example', challengeStore: store, credentialStore: new MemoryCredentialStore() };
    for (const origin of ['https://evil.test', 'https://notexample.com', 'https://example.com.evil.test', 'http://localhost:3000']) {
      expect(configError({ ...base, origins: [origin] })).toMatch(/cannot use RP ID example\.com.*relatedOrigins/);
    }
    const rp = createRelyingParty({ ...base, origins: ['https://example.com'], relatedOrigins: ['https://example.co.uk'] });
    expect(rp.origins).toEqual(['https://example.com', 'https://example.co.uk']);
  });

  it.each([
    ['http://example.com', 'plain http off localhost'],
    ['https://example.com/', 'a trailing slash'],
    ['https://example.com/login', 'a path'],
    ['https://EXAMPLE.com', 'an uppercase host'],
    ['https://example.com:443', 'the default port spelt out'],
    ['example.com', 'no scheme'],
    ['ftp://example.com', 'another scheme'],
    ['android:apk-key-hash:short', 'a truncated APK hash'],
  ])('rejects the origin %j (%s)', (origin) => {
    expect(configError({ rpId: 'example.com', rpName: 'Example', origins: [origin], challengeStore: new MemoryChallengeStore(), credentialStore: new MemoryCredentialStore() })).toMatch(
      /origins\.0/,
    );
  });

  it('rejects a missing or broken configuration with invalid_config', () => {
    const store = new MemoryChallengeStore();
    const base = { rpId: 'example.com', rpName: 'Example', origins: ['https://example.com'], challengeStore: store, credentialStore: new MemoryCredentialStore() };
    expect(configError(undefined)).toMatch(/Invalid relying party configuration/);
    expect(configError({ ...base, rpId: 'https://example.com' })).toMatch(/rpId/);
    expect(configError({ ...base, rpName: '  ' })).toMatch(/rpName/);
    expect(configError({ ...base, origins: [] })).toMatch(/origins/);
    expect(configError({ ...base, challengeStore: {} })).toMatch(/challengeStore/);
    expect(configError({ ...base, credentialStore: undefined })).toMatch(/credentialStore/);
    expect(configError({ ...base, credentialStore: { get: () => undefined } })).toMatch(/credentialStore: must be a CredentialStore/);
    // A counter that did not advance can never be stored by the compare-and-set, so 'warn' is refused.
    expect(configError({ ...base, signCountPolicy: 'warn' })).toMatch(/signCountPolicy must be 'reject'/);
    expect(configError({ ...base, keepAttestation: 'yes' })).toMatch(/keepAttestation/);
    expect(configError({ ...base, challengeTtlMs: 0 })).toMatch(/challengeTtlMs/);
    expect(configError({ ...base, timeout: 10 })).toMatch(/timeout/);
    expect(configError({ ...base, challengeTtlMs: 60_000 })).toMatch(/challengeTtlMs \(60000\) must be at least the timeout \(300000\)/);
    expect(configError({ ...base, now: 'yesterday' })).toMatch(/now/);
    expect(configError({ ...base, orgins: ['https://example.com'] })).toMatch(/orgins/);
  });
});

describe('RelyingParty.startAuthentication', () => {
  it('returns options for the browser and a ticket, and stores the whole request context under the ticket', async () => {
    const { rp, store } = setup();
    const { options, ticket } = await rp.startAuthentication({
      userId: USER,
      allowCredentials: [{ id: ID_A, transports: ['usb', 'cable'] }, { id: ID_B }, { id: ID_A, transports: ['nfc'] }],
      userVerification: 'required',
      hints: ['security-key'],
      timeout: 120_000,
    });
    expect(options).toStrictEqual({
      challenge: expect.any(String),
      timeout: 120_000,
      rpId: 'example.com',
      allowCredentials: [
        { id: ID_A, type: 'public-key', transports: ['usb', 'hybrid', 'nfc'] },
        { id: ID_B, type: 'public-key' },
      ],
      userVerification: 'required',
      hints: ['security-key'],
    });
    const record = await store.consume(ticket);
    expect(record).toStrictEqual({
      ceremony: 'authentication',
      challenge: options.challenge,
      rpId: 'example.com',
      userId: USER,
      allowCredentialIds: [ID_A, ID_B],
      userVerification: 'required',
      hints: ['security-key'],
      expiresAt: NOW + 120_000 + 30_000,
    });
    expect(challengeRecordSchema.parse(record)).toStrictEqual(record);
  });

  it('works with no input at all: a discoverable-credential sign-in', async () => {
    const { rp, store } = setup();
    const { options, ticket } = await rp.startAuthentication();
    expect(Object.keys(options)).toEqual(['challenge', 'timeout', 'rpId', 'userVerification']);
    expect(await store.consume(ticket)).toMatchObject({ allowCredentialIds: [], hints: [], userVerification: 'preferred' });
    expect((await store.consume(ticket)) === undefined).toBe(true);
  });

  it('issues tickets of at least 128 random bits: the first 24 bytes of a fresh 32-byte challenge', async () => {
    const { rp } = setup();
    const tickets = new Set<string>();
    for (let round = 0; round < 2000; round++) {
      const { options, ticket } = await rp.startAuthentication();
      expect(base64url.decode(ticket).length * 8).toBeGreaterThanOrEqual(128);
      expect(base64url.decode(options.challenge)).toHaveLength(32);
      expect(options.challenge.startsWith(ticket)).toBe(true);
      tickets.add(ticket);
    }
    expect(tickets.size).toBe(2000);
  });

  it('keeps the record a little longer than the timeout, or for challengeTtlMs when set', async () => {
    const defaults = setup();
    await defaults.rp.startAuthentication();
    await defaults.rp.startAuthentication({ timeout: 60_000 });
    expect(defaults.saves.map(({ ttlMs }) => ttlMs)).toEqual([330_000, 90_000]);

    const fixed = setup({ challengeTtlMs: 45_000, timeout: 30_000 });
    await fixed.rp.startAuthentication({ timeout: 40_000 });
    expect(fixed.saves.map(({ ttlMs }) => ttlMs)).toEqual([45_000]);
    expect(await rejectionCode(fixed.rp.startAuthentication({ timeout: 60_000 }))).toBe('invalid_options');
  });

  it('applies the relying party’s defaults for timeout, userVerification and transport policy', async () => {
    const { rp } = setup({ timeout: 90_000, userVerification: 'required', transportPolicy: 'strict' });
    const { options } = await rp.startAuthentication();
    expect(options.timeout).toBe(90_000);
    expect(options.userVerification).toBe('required');
    expect(await rejectionCode(rp.startAuthentication({ allowCredentials: [{ id: ID_A, transports: ['lora'] }] }))).toBe('unknown_transport');
    expect((await rp.startAuthentication({ userVerification: 'discouraged' })).options.userVerification).toBe('discouraged');
  });

  it('rejects bad input with invalid_options and stores nothing', async () => {
    const { rp, store } = setup();
    const bad: unknown[] = [
      { userId: 'not base64url!' },
      { userId: '' },
      { userId: base64url.encode(new Uint8Array(65)) },
      { allowCredentials: [{ id: 'AB' }] },
      { rpId: 'evil.example' },
      { challenge: base64url.encode(new Uint8Array(32)) },
      { hints: ['nope'] },
      { timeout: 0 },
      'example.com',
    ];
    for (const input of bad) {
      expect(await rejectionCode(rp.startAuthentication(input as never)), JSON.stringify(input)).toBe('invalid_options');
    }
    expect(store.size).toBe(0);
  });

  it('stores the extensions, and nothing the caller holds aliases the stored record', async () => {
    const { rp, store } = setup();
    const extensions = { appid: 'https://example.com/appid.json', custom: { nested: [1] } };
    const { options, ticket } = await rp.startAuthentication({ hints: ['hybrid'], extensions });
    options.hints!.push('security-key');
    (options.extensions!['custom'] as { nested: number[] }).nested.push(2);
    extensions.custom.nested.push(3);
    expect(await store.consume(ticket)).toMatchObject({ hints: ['hybrid'], extensions: { appid: 'https://example.com/appid.json', custom: { nested: [1] } } });
  });

  it('refuses to store a record when the clock is broken', async () => {
    const { rp, store } = setup({ now: () => Number.NaN });
    expect(await rejectionCode(rp.startAuthentication())).toBe('invalid_config');
    expect(store.size).toBe(0);
  });

  it('passes a store failure through to the caller', async () => {
    const failing: ChallengeStore = {
      save: async () => {
        throw new Error('store is down');
      },
      consume: async () => undefined,
    };
    const { rp } = setup({ challengeStore: failing });
    await expect(rp.startAuthentication()).rejects.toThrow('store is down');
  });

  it('every valid request stores a record that passes the record schema', async () => {
    const { rp, store } = setup();
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            userId: fc.uint8Array({ minLength: 1, maxLength: 64 }).map(base64url.encode),
            allowCredentials: fc.array(fc.record({ id: fc.uint8Array({ minLength: 1, maxLength: 64 }).map(base64url.encode) }), {
              maxLength: 5,
            }),
            userVerification: fc.constantFrom('required', 'preferred', 'discouraged' as const),
          },
          { requiredKeys: [] },
        ),
        async (input) => {
          const { options, ticket } = await rp.startAuthentication(input);
          const record = authenticationChallengeRecordSchema.parse(await store.consume(ticket));
          expect(record.challenge).toBe(options.challenge);
          expect(record.allowCredentialIds).toEqual((options.allowCredentials ?? []).map(({ id }) => id));
          expect(record.userId).toBe(input.userId);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('RelyingParty.startRegistration defaults', () => {
  const user = { id: USER, name: 'ada', displayName: 'Ada' };

  it('offers the configured algorithms and resident-key requirement, and the party’s user verification', async () => {
    const { rp } = setup({ algorithms: [-7], residentKey: 'required', userVerification: 'required' });
    const { options } = await rp.startRegistration({ user });
    expect(options.pubKeyCredParams).toEqual([{ type: 'public-key', alg: -7 }]);
    expect(options.authenticatorSelection).toEqual({ residentKey: 'required', requireResidentKey: true, userVerification: 'required' });
  });

  it('lets each request override the defaults, and a request’s requireResidentKey alone wins over residentKey', async () => {
    const { rp } = setup({ algorithms: [-7], residentKey: 'required', userVerification: 'required' });
    const { options } = await rp.startRegistration({
      user,
      algorithms: [-8],
      authenticatorSelection: { requireResidentKey: false, userVerification: 'discouraged' },
    });
    expect(options.pubKeyCredParams).toEqual([{ type: 'public-key', alg: -8 }]);
    expect(options.authenticatorSelection).toEqual({ residentKey: 'preferred', requireResidentKey: false, userVerification: 'discouraged' });
  });

  it('treats members given as undefined as not said, so they keep the configured defaults', async () => {
    const { rp, store } = setup({ residentKey: 'required', userVerification: 'required' });
    const { options, ticket } = await rp.startRegistration({
      user,
      authenticatorSelection: { userVerification: undefined, residentKey: undefined, requireResidentKey: undefined, authenticatorAttachment: undefined },
    });
    expect(options.authenticatorSelection).toEqual({ residentKey: 'required', requireResidentKey: true, userVerification: 'required' });
    expect(await store.consume(ticket)).toMatchObject({ ceremony: 'registration', userVerification: 'required' });
  });

  it('keeps the library defaults without configuration', async () => {
    const { rp } = setup();
    const { options } = await rp.startRegistration({ user });
    expect(options.pubKeyCredParams.map(({ alg }) => alg)).toEqual([-8, -7, -257]);
    expect(options.authenticatorSelection).toEqual({ residentKey: 'preferred', requireResidentKey: false, userVerification: 'preferred' });
  });

  it('requires user verification at finishRegistration exactly when the party said required', async () => {
    const { rp, store } = setup({ userVerification: 'required' });
    const stored = await rp.startRegistration({ user });
    expect(await store.consume(stored.ticket)).toMatchObject({ ceremony: 'registration', userVerification: 'required' });

    const unverified = new SoftwareAuthenticator({ verifiesUser: false });
    const required = await rp.startRegistration({ user });
    const refused = rp.finishRegistration({ ticket: required.ticket, response: await unverified.register(required.options, 'https://example.com') });
    expect(await rejectionCode(refused)).toBe('user_not_verified');

    const { rp: lenient } = setup({ userVerification: 'preferred' });
    const preferred = await lenient.startRegistration({ user });
    const accepted = await lenient.finishRegistration({ ticket: preferred.ticket, response: await unverified.register(preferred.options, 'https://example.com') });
    expect(accepted.userVerified).toBe(false);
  });

  it('rejects bad defaults with invalid_config', () => {
    expect(() => setup({ algorithms: [] })).toThrow(expect.objectContaining({ code: 'invalid_config' }));
    expect(() => setup({ algorithms: [-999 as never] })).toThrow(expect.objectContaining({ code: 'invalid_config' }));
    expect(() => setup({ residentKey: 'always' as never })).toThrow(expect.objectContaining({ code: 'invalid_config' }));
    // RS1 (SHA-1) offered but refused at verification would fail every registration at its end.
    expect(() => setup({ algorithms: [-7, -65535] })).toThrow(expect.objectContaining({ code: 'invalid_config' }));
    expect(() => setup({ algorithms: [-7, -65535], allowRS1: true })).not.toThrow();
  });

  it('refuses a registration request that offers RS1 unless allowRS1 is set', async () => {
    const user = { id: USER, name: 'ada', displayName: 'Ada' };
    expect(await rejectionCode(setup().rp.startRegistration({ user, algorithms: [-7, -65535] }))).toBe('invalid_options');
    const { options } = await setup({ allowRS1: true }).rp.startRegistration({ user, algorithms: [-7, -65535] });
    expect(options.pubKeyCredParams.map(({ alg }) => alg)).toEqual([-7, -65535]);
  });
});

describe('userHandleFromId', () => {
  it('encodes an application id as a user handle, and refuses empty or over-long ids', async () => {
    const { userHandleFromId } = await import('./userHandle.ts');
    expect(userHandleFromId('42')).toBe('NDI');
    expect(base64url.decode(userHandleFromId('é'.repeat(32)))).toHaveLength(64);
    for (const id of ['', 'x'.repeat(65), 42 as unknown as string]) expect(() => userHandleFromId(id)).toThrow(/1–64 bytes/);
  });

  it('is base64url of the id\'s UTF-8 for every id of 1–64 bytes, and refuses every other id', async () => {
    const { userHandleFromId } = await import('./userHandle.ts');
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 70 }), (id) => {
        const utf8 = Buffer.from(id, 'utf8');
        if (utf8.length >= 1 && utf8.length <= 64) expect(userHandleFromId(id)).toBe(utf8.toString('base64url'));
        else expect(() => userHandleFromId(id)).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
      }),
    );
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildAuthenticationOptions,
  publicKeyCredentialRequestOptionsJSONSchema,
  type AuthenticationOptionsInput,
} from './authenticationOptions.ts';
import { base64url, isBase64url } from './base64url.ts';
import { isTesseraError, type TesseraErrorCode } from './errors.ts';
import { AUTHENTICATOR_TRANSPORTS } from './transports.ts';

const ID_A = base64url.encode(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]));
const ID_B = base64url.encode(new Uint8Array(32).fill(0xfe));
const ID_C = base64url.encode(new Uint8Array([255]));

function failure(input: unknown): { code: TesseraErrorCode; message: string } {
  try {
    buildAuthenticationOptions(input as AuthenticationOptionsInput);
  } catch (error) {
    if (isTesseraError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(input)} to be rejected`);
}

describe('buildAuthenticationOptions: defaults and shape', () => {
  it('fills in a 32-byte challenge, 300000 ms and "preferred", and nothing else', () => {
    const options = buildAuthenticationOptions({ rpId: 'example.com' });
    expect(Object.keys(options)).toEqual(['challenge', 'timeout', 'rpId', 'userVerification']);
    expect(options).toEqual({ challenge: expect.any(String), timeout: 300_000, rpId: 'example.com', userVerification: 'preferred' });
    expect(base64url.decode(options.challenge)).toHaveLength(32);
  });

  it('draws a fresh challenge each call', () => {
    expect(buildAuthenticationOptions({ rpId: 'example.com' }).challenge).not.toBe(
      buildAuthenticationOptions({ rpId: 'example.com' }).challenge,
    );
  });

  it('emits every member in the order of WebAuthn L3 §5.5 when all are given', () => {
    const challenge = base64url.encode(new Uint8Array(16).fill(7));
    const options = buildAuthenticationOptions({
      rpId: 'login.example.com',
      challenge,
      timeout: 60_000,
      userVerification: 'required',
      allowCredentials: [{ id: ID_A, type: 'public-key', transports: ['usb', 'nfc'] }],
      hints: ['security-key'],
      extensions: { appid: 'https://example.com/appid.json' },
    });
    expect(options).toStrictEqual({
      challenge,
      timeout: 60_000,
      rpId: 'login.example.com',
      allowCredentials: [{ id: ID_A, type: 'public-key', transports: ['usb', 'nfc'] }],
      userVerification: 'required',
      hints: ['security-key'],
      extensions: { appid: 'https://example.com/appid.json' },
    });
  });

  it('omits empty allowCredentials, hints, extensions and transports instead of emitting them', () => {
    const options = buildAuthenticationOptions({
      rpId: 'example.com',
      allowCredentials: [],
      hints: [],
      extensions: {},
    });
    expect(Object.keys(options)).toEqual(['challenge', 'timeout', 'rpId', 'userVerification']);
    const withBareId = buildAuthenticationOptions({ rpId: 'example.com', allowCredentials: [{ id: ID_A, transports: [] }] });
    expect(withBareId.allowCredentials).toStrictEqual([{ id: ID_A, type: 'public-key' }]);
  });

  it('rejects unknown members, so a misspelt option fails loudly', () => {
    expect(failure({ rpId: 'example.com', userVerfication: 'required' }).code).toBe('invalid_options');
    expect(failure({ rpId: 'example.com', allowCredentials: [{ id: ID_A, transport: ['usb'] }] }).code).toBe('invalid_options');
  });

  it('rejects input that is not an object', () => {
    for (const input of [undefined, null, 'example.com', 42, []]) expect(failure(input).code).toBe('invalid_options');
  });

  it('turns input that throws while being read (a getter, a Proxy) into invalid_options', () => {
    const getter = {
      rpId: 'example.com',
      get timeout(): number {
        throw new Error('boom');
      },
    };
    const proxy = new Proxy({ rpId: 'example.com' }, { ownKeys: () => { throw new Error('trap'); } });
    for (const input of [getter, proxy]) expect(failure(input).code).toBe('invalid_options');
  });
});

describe('buildAuthenticationOptions: rpId', () => {
  it.each(['example.com', 'login.example.com', 'localhost', 'xn--bcher-kva.example', 'a-b.c0.example', 'intranet', 'a.b.c.d.e.f'])(
    'accepts %s',
    (rpId) => {
      expect(buildAuthenticationOptions({ rpId }).rpId).toBe(rpId);
    },
  );

  it.each([
    ['', 'empty'],
    ['Example.com', 'uppercase'],
    ['https://example.com', 'a scheme'],
    ['example.com:443', 'a port'],
    ['example.com/login', 'a path'],
    ['example..com', 'an empty label'],
    ['.example.com', 'a leading dot'],
    ['example.com.', 'a trailing dot'],
    ['-example.com', 'a label starting with a hyphen'],
    ['example-.com', 'a label ending with a hyphen'],
    ['127.0.0.1', 'an IPv4 literal'],
    ['0x7f000001', 'a hexadecimal IPv4 literal'],
    ['1.2.3.0x4', 'an IPv4 literal with a hexadecimal part'],
    ['example.0x10', 'a name whose last label is a hexadecimal number'],
    ['10.1', 'a short IPv4 literal'],
    ['[::1]', 'an IPv6 literal'],
    ['::1', 'a bare IPv6 literal'],
    ['exa mple.com', 'a space'],
    ['exämple.com', 'a non-ASCII character (use punycode)'],
    [`${'a'.repeat(64)}.com`, 'a label over 63 characters'],
    [`${'abcdefghi.'.repeat(26)}com`, 'over 253 characters'],
  ])('rejects %j (%s)', (rpId) => {
    const { code, message } = failure({ rpId });
    expect(code).toBe('invalid_options');
    expect(message).toMatch(/^Invalid authentication options: rpId: /);
  });
});

describe('buildAuthenticationOptions: challenge and timeout', () => {
  it('accepts a caller-supplied challenge of 16 to 64 bytes, as given', () => {
    for (const size of [16, 32, 64]) {
      const challenge = base64url.encode(new Uint8Array(size).fill(size));
      expect(buildAuthenticationOptions({ rpId: 'example.com', challenge }).challenge).toBe(challenge);
    }
  });

  it.each([
    ['15 bytes', base64url.encode(new Uint8Array(15).fill(1))],
    ['65 bytes', base64url.encode(new Uint8Array(65).fill(1))],
    ['padding', `${base64url.encode(new Uint8Array(32).fill(1))}=`],
    ['standard base64', Buffer.from(new Uint8Array(32).fill(0xfb)).toString('base64')],
    ['non-canonical trailing bits', `${base64url.encode(new Uint8Array(32).fill(1)).slice(0, -1)}B`],
    ['an empty string', ''],
  ])('rejects a challenge with %s, without echoing it', (_, challenge) => {
    const { code, message } = failure({ rpId: 'example.com', challenge });
    expect(code).toBe('invalid_options');
    expect(message).toContain('challenge');
    if (challenge.length > 4) expect(message).not.toContain(challenge.slice(0, 16));
  });

  it('accepts whole-millisecond timeouts from 1 s to 1 h', () => {
    for (const timeout of [1_000, 60_000, 300_000, 600_000, 3_600_000]) {
      expect(buildAuthenticationOptions({ rpId: 'example.com', timeout }).timeout).toBe(timeout);
    }
  });

  it('rejects timeouts that are not whole milliseconds within 1 s to 1 h', () => {
    for (const timeout of [0, -1, 999, 3_600_001, 1500.5, Number.NaN, Number.POSITIVE_INFINITY, '60000']) {
      expect(failure({ rpId: 'example.com', timeout }).message).toMatch(/timeout/);
    }
  });

  it('accepts the three userVerification values and nothing else', () => {
    for (const userVerification of ['required', 'preferred', 'discouraged'] as const) {
      expect(buildAuthenticationOptions({ rpId: 'example.com', userVerification }).userVerification).toBe(userVerification);
    }
    for (const userVerification of ['REQUIRED', 'optional', '', true]) {
      expect(failure({ rpId: 'example.com', userVerification }).code).toBe('invalid_options');
    }
  });
});

describe('buildAuthenticationOptions: allowCredentials', () => {
  it('accepts ids of 1 to 1023 bytes and rejects 0 or 1024', () => {
    const longest = base64url.encode(new Uint8Array(1023).fill(9));
    expect(buildAuthenticationOptions({ rpId: 'example.com', allowCredentials: [{ id: ID_C }, { id: longest }] }).allowCredentials).toHaveLength(2);
    expect(failure({ rpId: 'example.com', allowCredentials: [{ id: '' }] }).message).toMatch(/allowCredentials\.0\.id/);
    const tooLong = base64url.encode(new Uint8Array(1024).fill(9));
    expect(failure({ rpId: 'example.com', allowCredentials: [{ id: tooLong }] }).message).toMatch(/1–1023 bytes/);
  });

  it('rejects ids that are not canonical base64url', () => {
    for (const id of [`${ID_A}==`, 'ab+/', 'ab cd', 'abcde', 'AB', 42, null]) {
      expect(failure({ rpId: 'example.com', allowCredentials: [{ id }] }).message).toMatch(/allowCredentials\.0\.id/);
    }
  });

  it('accepts only the public-key type, defaulting to it', () => {
    const [descriptor] = buildAuthenticationOptions({ rpId: 'example.com', allowCredentials: [{ id: ID_A }] }).allowCredentials!;
    expect(descriptor).toStrictEqual({ id: ID_A, type: 'public-key' });
    expect(failure({ rpId: 'example.com', allowCredentials: [{ id: ID_A, type: 'password' }] }).message).toMatch(/type/);
  });

  it('never resolves a transport through Object.prototype, in either policy', () => {
    for (const name of ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf']) {
      const options = buildAuthenticationOptions({ rpId: 'example.com', allowCredentials: [{ id: ID_A, transports: [name, 'usb'] }] });
      expect(options.allowCredentials).toStrictEqual([{ id: ID_A, type: 'public-key', transports: ['usb'] }]);
      expect(failure({ rpId: 'example.com', transportPolicy: 'strict', allowCredentials: [{ id: ID_A, transports: [name] }] }).code).toBe(
        'unknown_transport',
      );
    }
  });

  it('normalises transports: cable becomes hybrid, duplicates go, order stays, unknown ones are dropped', () => {
    const options = buildAuthenticationOptions({
      rpId: 'example.com',
      allowCredentials: [{ id: ID_A, transports: ['nfc', 'cable', 'usb', 'nfc', 'hybrid', 'carrier-pigeon', 'USB'] }],
    });
    expect(options.allowCredentials).toStrictEqual([{ id: ID_A, type: 'public-key', transports: ['nfc', 'hybrid', 'usb'] }]);
  });

  it('drops a descriptor’s transports member when nothing known is left', () => {
    const options = buildAuthenticationOptions({ rpId: 'example.com', allowCredentials: [{ id: ID_A, transports: ['lora'] }] });
    expect(options.allowCredentials).toStrictEqual([{ id: ID_A, type: 'public-key' }]);
  });

  it('rejects unknown transports under the strict policy, accepting cable', () => {
    const { code, message } = failure({
      rpId: 'example.com',
      transportPolicy: 'strict',
      allowCredentials: [{ id: ID_A, transports: ['usb', 'carrier-pigeon'] }],
    });
    expect(code).toBe('unknown_transport');
    expect(message).toMatch(/expected one of usb, nfc, ble, smart-card, hybrid, internal/);
    const options = buildAuthenticationOptions({
      rpId: 'example.com',
      transportPolicy: 'strict',
      allowCredentials: [{ id: ID_A, transports: ['cable', 'internal'] }],
    });
    expect(options.allowCredentials![0]!.transports).toEqual(['hybrid', 'internal']);
  });

  it('collapses repeated ids into one descriptor at the first position, merging transports; "any" wins', () => {
    const options = buildAuthenticationOptions({
      rpId: 'example.com',
      allowCredentials: [
        { id: ID_A, transports: ['usb'] },
        { id: ID_B },
        { id: ID_A, transports: ['nfc', 'usb'] },
        { id: ID_C, transports: ['internal'] },
        { id: ID_B, transports: ['hybrid'] },
      ],
    });
    expect(options.allowCredentials).toStrictEqual([
      { id: ID_A, type: 'public-key', transports: ['usb', 'nfc'] },
      { id: ID_B, type: 'public-key' },
      { id: ID_C, type: 'public-key', transports: ['internal'] },
    ]);
    const unknownFirst = buildAuthenticationOptions({
      rpId: 'example.com',
      allowCredentials: [{ id: ID_A, transports: ['lora'] }, { id: ID_A, transports: ['usb'] }],
    });
    expect(unknownFirst.allowCredentials).toStrictEqual([{ id: ID_A, type: 'public-key' }]);
  });
});

describe('buildAuthenticationOptions: hints', () => {
  it('keeps the §5.8.8 hints in order, each once', () => {
    const options = buildAuthenticationOptions({
      rpId: 'example.com',
      hints: ['hybrid', 'security-key', 'hybrid', 'client-device', 'security-key'],
    });
    expect(options.hints).toEqual(['hybrid', 'security-key', 'client-device']);
  });

  it('rejects unknown hints', () => {
    expect(failure({ rpId: 'example.com', hints: ['security-key', 'phone'] }).message).toMatch(/hints\.1/);
  });
});

describe('buildAuthenticationOptions: extensions', () => {
  const first = base64url.encode(new Uint8Array(32).fill(1));

  it('shape-checks appid, prf, largeBlob and getCredBlob and passes them through', () => {
    const extensions = {
      appid: 'https://example.com/u2f-appid.json',
      prf: { eval: { first, second: first }, evalByCredential: { [ID_A]: { first } } },
      largeBlob: { read: true },
      getCredBlob: true,
    };
    const options = buildAuthenticationOptions({ rpId: 'example.com', allowCredentials: [{ id: ID_A }], extensions });
    expect(options.extensions).toStrictEqual(extensions);
  });

  it.each<[string, Record<string, unknown>]>([
    ['appid that is not https', { appid: 'http://example.com' }],
    ['appid that is not a URL', { appid: 'example.com' }],
    ['prf values that are not base64url', { prf: { eval: { first: 'not base64!' } } }],
    ['prf without first', { prf: { eval: { second: first } } }],
    ['prf with an unknown member', { prf: { evaluate: { first } } }],
    ['largeBlob reading and writing at once', { largeBlob: { read: true, write: first } }],
    ['largeBlob with both members, even read: false', { largeBlob: { read: false, write: first } }],
    ['largeBlob support, which belongs to registration', { largeBlob: { support: 'required' } }],
    ['getCredBlob that is not a boolean', { getCredBlob: 'yes' }],
    ['an unknown extension holding a function', { custom: () => 1 }],
    ['an unknown extension holding NaN', { custom: { value: Number.NaN } }],
    ['an unknown extension holding a Date', { custom: new Date(0) }],
    ['an unknown extension holding undefined', { custom: { value: undefined } }],
  ])('rejects %s', (_, extensions) => {
    expect(failure({ rpId: 'example.com', allowCredentials: [{ id: ID_A }], extensions }).message).toMatch(/extensions/);
  });

  it('requires prf.evalByCredential keys to name allowed credentials (§10.1.4)', () => {
    const evalByCredential = { [ID_B]: { first } };
    expect(failure({ rpId: 'example.com', extensions: { prf: { evalByCredential } } }).message).toMatch(/needs allowCredentials/);
    expect(failure({ rpId: 'example.com', allowCredentials: [{ id: ID_A }], extensions: { prf: { evalByCredential } } }).message).toMatch(
      /must be the id of a credential/,
    );
  });

  it('requires exactly one allowed credential for a largeBlob write (§10.1.5)', () => {
    const extensions = { largeBlob: { write: first } };
    expect(buildAuthenticationOptions({ rpId: 'example.com', allowCredentials: [{ id: ID_A }], extensions }).extensions).toEqual(extensions);
    expect(failure({ rpId: 'example.com', allowCredentials: [{ id: ID_A }, { id: ID_B }], extensions }).message).toMatch(/exactly one/);
  });

  it('omits extension members given as undefined, and copies what it keeps', () => {
    const custom = { list: [1] };
    const options = buildAuthenticationOptions({
      rpId: 'example.com',
      extensions: { appid: undefined, prf: { eval: { first, second: undefined } }, custom },
    });
    expect(options.extensions).toStrictEqual({ prf: { eval: { first } }, custom: { list: [1] } });
    custom.list.push(2);
    expect(options.extensions!['custom']).toStrictEqual({ list: [1] });
  });

  it('does not name credential ids from prf.evalByCredential in messages', () => {
    const { message } = failure({ rpId: 'example.com', allowCredentials: [{ id: ID_A }], extensions: { prf: { evalByCredential: { [ID_A]: { first: 'bad!' } } } } });
    expect(message).toContain('extensions.prf.evalByCredential.<credential id>.first');
    expect(message).not.toContain(ID_A);
  });

  it('bounds the work on pass-through JSON that shares sub-objects', () => {
    let shared: unknown = 'leaf';
    for (let level = 0; level < 30; level++) shared = { left: shared, right: shared };
    const started = performance.now();
    expect(failure({ rpId: 'example.com', extensions: { shared } }).message).toMatch(/more than 10000 values/);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('passes unknown JSON extensions through and rejects cyclic or absurdly deep ones', () => {
    const custom = { nested: [1, 'two', null, true, { three: 3.5 }] };
    expect(buildAuthenticationOptions({ rpId: 'example.com', extensions: { custom } }).extensions).toStrictEqual({ custom });
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(failure({ rpId: 'example.com', extensions: { cyclic } }).message).toMatch(/cyclic/);
    let deep: unknown = 'bottom';
    for (let level = 0; level < 10_000; level++) deep = [deep];
    expect(failure({ rpId: 'example.com', extensions: { deep } }).message).toMatch(/deeper/);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Properties

const credentialIdArbitrary = fc.uint8Array({ minLength: 1, maxLength: 96 }).map((bytes) => base64url.encode(bytes));
const transportArbitrary = fc.constantFrom(...AUTHENTICATOR_TRANSPORTS, 'cable', 'lora', 'USB', '');
const validInputArbitrary: fc.Arbitrary<AuthenticationOptionsInput> = fc.record(
  {
    rpId: fc.constantFrom('example.com', 'localhost', 'a.b-c.example', 'xn--80ak6aa92e.com'),
    challenge: fc.integer({ min: 16, max: 64 }).chain((size) => fc.uint8Array({ minLength: size, maxLength: size })).map(base64url.encode),
    timeout: fc.integer({ min: 1_000, max: 3_600_000 }),
    userVerification: fc.constantFrom('required', 'preferred', 'discouraged' as const),
    allowCredentials: fc.array(
      fc.record(
        { id: credentialIdArbitrary, type: fc.constant('public-key' as const), transports: fc.array(transportArbitrary, { maxLength: 8 }) },
        { requiredKeys: ['id'] },
      ),
      { maxLength: 8 },
    ),
    hints: fc.array(fc.constantFrom('security-key', 'client-device', 'hybrid' as const), { maxLength: 5 }),
    extensions: fc.record(
      {
        getCredBlob: fc.boolean(),
        // Through JSON once, so no -0 (which the builder rightly rejects) reaches a "valid" input.
        custom: fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.parse(JSON.stringify(value)) as unknown),
        largeBlob: fc.constant({ read: true }),
      },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: ['rpId'] },
);

describe('buildAuthenticationOptions: properties', () => {
  it('every output passes its own schema, survives JSON unchanged and holds only canonical ids and known transports', () => {
    fc.assert(
      fc.property(validInputArbitrary, (input) => {
        const options = buildAuthenticationOptions(input);
        expect(publicKeyCredentialRequestOptionsJSONSchema.parse(options)).toStrictEqual(options);
        expect(JSON.parse(JSON.stringify(options))).toStrictEqual(options);
        for (const value of Object.values(options)) expect(value).not.toBeUndefined();
        const ids = (options.allowCredentials ?? []).map((descriptor) => descriptor.id);
        expect(new Set(ids).size).toBe(ids.length);
        expect(new Set(ids)).toEqual(new Set((input.allowCredentials ?? []).map((descriptor) => descriptor.id)));
        for (const descriptor of options.allowCredentials ?? []) {
          expect(isBase64url(descriptor.id)).toBe(true);
          expect(descriptor.type).toBe('public-key');
          if (descriptor.transports !== undefined) {
            expect(descriptor.transports.length).toBeGreaterThan(0);
            expect(new Set(descriptor.transports).size).toBe(descriptor.transports.length);
            for (const transport of descriptor.transports) expect(AUTHENTICATOR_TRANSPORTS).toContain(transport);
          }
        }
        if (options.hints !== undefined) expect(new Set(options.hints).size).toBe(options.hints.length);
      }),
      { numRuns: 500 },
    );
  });

  it('any input at all yields options or a TesseraError, never another exception', () => {
    const anything = fc.oneof(
      validInputArbitrary,
      fc.anything(),
      fc.record({ rpId: fc.string(), allowCredentials: fc.anything(), extensions: fc.anything(), hints: fc.anything() }, { requiredKeys: [] }),
      fc.record({
        rpId: fc.constant('example.com'),
        allowCredentials: fc.array(fc.record({ id: fc.string(), transports: fc.array(fc.string()) }), { maxLength: 4 }),
        transportPolicy: fc.constantFrom('lenient', 'strict', 'other'),
      }),
    );
    fc.assert(
      fc.property(anything, (input) => {
        try {
          buildAuthenticationOptions(input as AuthenticationOptionsInput);
        } catch (error) {
          expect(isTesseraError(error), String(error)).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

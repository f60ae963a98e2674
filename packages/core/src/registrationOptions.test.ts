import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { base64url, isBase64url } from './base64url.ts';
import { isTesseraError, type TesseraErrorCode } from './errors.ts';
import {
  buildRegistrationOptions,
  publicKeyCredentialCreationOptionsJSONSchema,
  type RegistrationOptionsInput,
} from './registrationOptions.ts';

const user = { id: base64url.encode(new TextEncoder().encode('user-42')), name: 'ada@example.com', displayName: 'Ada' };
const base = { rpId: 'example.com', rpName: 'Example', user };

function failure(input: unknown): { code: TesseraErrorCode; message: string } {
  try {
    buildRegistrationOptions(input as RegistrationOptionsInput);
  } catch (error) {
    if (isTesseraError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected a rejection');
}

describe('buildRegistrationOptions', () => {
  it('fills in the defaults, in the member order of WebAuthn L3 §5.4', () => {
    const options = buildRegistrationOptions(base);
    expect(Object.keys(options)).toEqual(['rp', 'user', 'challenge', 'pubKeyCredParams', 'timeout', 'authenticatorSelection', 'attestation']);
    expect(options).toMatchObject({
      rp: { id: 'example.com', name: 'Example' },
      user,
      pubKeyCredParams: [
        { type: 'public-key', alg: -8 },
        { type: 'public-key', alg: -7 },
        { type: 'public-key', alg: -257 },
      ],
      timeout: 300_000,
      authenticatorSelection: { residentKey: 'preferred', requireResidentKey: false, userVerification: 'preferred' },
      attestation: 'none',
    });
    expect(base64url.decode(options.challenge)).toHaveLength(32);
  });

  it('keeps requireResidentKey in step with residentKey (§5.4.4)', () => {
    expect(buildRegistrationOptions({ ...base, authenticatorSelection: { residentKey: 'required' } }).authenticatorSelection).toMatchObject({
      residentKey: 'required',
      requireResidentKey: true,
    });
    expect(buildRegistrationOptions({ ...base, authenticatorSelection: { requireResidentKey: true } }).authenticatorSelection).toMatchObject({
      residentKey: 'required',
      requireResidentKey: true,
    });
    expect(failure({ ...base, authenticatorSelection: { residentKey: 'discouraged', requireResidentKey: true } }).message).toMatch(/requireResidentKey/);
  });

  it('normalises excludeCredentials like allowCredentials, and dedupes algorithms and hints', () => {
    const id = base64url.encode(new Uint8Array(16).fill(1));
    const options = buildRegistrationOptions({
      ...base,
      algorithms: [-7, -7, -257],
      excludeCredentials: [{ id, transports: ['cable', 'usb'] }, { id, transports: ['nfc'] }],
      hints: ['security-key', 'security-key'],
      attestation: 'direct',
      extensions: { credProps: true },
    });
    expect(options.pubKeyCredParams).toEqual([{ type: 'public-key', alg: -7 }, { type: 'public-key', alg: -257 }]);
    expect(options.excludeCredentials).toEqual([{ id, type: 'public-key', transports: ['hybrid', 'usb', 'nfc'] }]);
    expect(options.hints).toEqual(['security-key']);
    expect(options.extensions).toEqual({ credProps: true });
  });

  it.each<[string, Record<string, unknown>]>([
    ['a user handle over 64 bytes', { user: { ...user, id: base64url.encode(new Uint8Array(65)) } }],
    ['an empty user name', { user: { ...user, name: '' } }],
    ['a missing display name', { user: { id: user.id, name: user.name } }],
    ['an unknown algorithm', { algorithms: [-999] }],
    ['no algorithms', { algorithms: [] }],
    ['an unknown attestation preference', { attestation: 'full' }],
    ['prf.evalByCredential at registration', { extensions: { prf: { evalByCredential: {} } } }],
    ['largeBlob.read at registration', { extensions: { largeBlob: { read: true } } }],
    ['an unknown member', { userVerification: 'required' }],
  ])('rejects %s', (_, change) => {
    expect(failure({ ...base, ...change }).code).toBe('invalid_options');
  });

  it('every output passes its own schema, survives JSON unchanged and holds only canonical ids', () => {
    const descriptor = fc.record({ id: fc.uint8Array({ minLength: 1, maxLength: 64 }).map(base64url.encode), transports: fc.array(fc.constantFrom('usb', 'nfc', 'cable', 'lora')) });
    fc.assert(
      fc.property(
        fc.record(
          {
            algorithms: fc.array(fc.constantFrom(-7, -8, -35, -36, -19, -257, -258, -259, -37, -38, -39), { minLength: 1 }),
            excludeCredentials: fc.array(descriptor, { maxLength: 5 }),
            attestation: fc.constantFrom('none', 'indirect', 'direct', 'enterprise' as const),
            authenticatorSelection: fc.record(
              { residentKey: fc.constantFrom('discouraged', 'preferred', 'required' as const), userVerification: fc.constantFrom('required', 'preferred', 'discouraged' as const), authenticatorAttachment: fc.constantFrom('platform', 'cross-platform' as const) },
              { requiredKeys: [] },
            ),
            timeout: fc.integer({ min: 1_000, max: 3_600_000 }),
          },
          { requiredKeys: [] },
        ),
        (change) => {
          const options = buildRegistrationOptions({ ...base, ...(change as Partial<RegistrationOptionsInput>) });
          expect(publicKeyCredentialCreationOptionsJSONSchema.parse(options)).toStrictEqual(options);
          expect(JSON.parse(JSON.stringify(options))).toStrictEqual(options);
          for (const { id } of options.excludeCredentials ?? []) expect(isBase64url(id)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('any input at all yields options or a TesseraError', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.record({ rpId: fc.string(), rpName: fc.anything(), user: fc.anything(), algorithms: fc.anything() }, { requiredKeys: [] })), (input) => {
        try {
          buildRegistrationOptions(input as RegistrationOptionsInput);
        } catch (error) {
          expect(isTesseraError(error), String(error)).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

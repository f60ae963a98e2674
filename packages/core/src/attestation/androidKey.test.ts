import { type AuthorizationList, IntegerSet, NonStandardAuthorization, NonStandardAuthorizationList, NonStandardKeyDescription, SecurityLevel } from '@peculiar/asn1-android';
import { AsnSerializer, OctetString } from '@peculiar/asn1-schema';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  GENERATED_TO_SIGN,
  androidKey,
  codeOf,
  expectLeafFlipsRefused,
  keyDescription,
  random,
  vectorInput,
  vectorsOf,
  withCredentialKey,
} from '../../test/formatStatements.ts';
import { readKeyDescription } from './_keyDescription.ts';
import { verifyAttestationStatement } from './verifyAttestationStatement.ts';

const vectors = vectorsOf('android-key');

/** {@link GENERATED_TO_SIGN} without one field. */
function without(field: keyof AuthorizationList): Partial<AuthorizationList> {
  const list = { ...GENERATED_TO_SIGN };
  delete list[field];
  return list;
}

describe('android-key (WebAuthn L3 §8.4) on captured registrations', () => {
  it('has the two captured devices', () => expect(vectors.map((vector) => vector.name)).toHaveLength(2));

  it.each(vectors)('verifies $name as Basic with x5c as the trust path', async (vector) => {
    const input = vectorInput(vector);
    expect(await verifyAttestationStatement(input)).toEqual({
      fmt: 'android-key',
      type: 'Basic',
      trustPath: (input.attStmt.get('x5c') as Uint8Array[]).map((der) => new Uint8Array(der)),
    });
  });

  it.each(vectors)('refuses $name with another clientDataHash (wrong challenge)', async (vector) => {
    expect(await codeOf({ ...vectorInput(vector), clientDataHash: random(32) })).toBe('invalid_attestation');
  });

  it('refuses a statement presented for another credential, both ways', async () => {
    const [a, b] = vectors.map(vectorInput);
    expect(await codeOf({ ...a!, attStmt: b!.attStmt })).toBe('invalid_attestation');
    expect(await codeOf({ ...b!, attStmt: a!.attStmt })).toBe('invalid_attestation');
  });

  it('refuses the credential key of the other vector', async () => {
    const [a, b] = vectors.map(vectorInput);
    const otherKey = b!.authenticatorData.attestedCredentialData.credentialPublicKey;
    expect(await codeOf(withCredentialKey(a!, otherKey))).toBe('invalid_attestation');
  });

  it.each(vectors)('refuses $name outside its certificates’ validity', async (vector) => {
    expect(await codeOf({ ...vectorInput(vector), now: Date.parse('2040-01-01T00:00:00Z') })).toBe('invalid_attestation');
  });

  it.each(vectors)('refuses or leaves to path validation every flipped byte of the leaf of $name', async (vector) => {
    await expectLeafFlipsRefused(vectorInput(vector));
  });
});

describe('android-key on statements built here', () => {
  it('accepts a TEE key generated to sign, and KeyDescription versions from Keymaster 2 to KeyMint 400', async () => {
    for (const attestationVersion of [1, 2, 3, 4, 100, 200, 300, 400]) {
      expect(await codeOf(await androidKey({ attestationVersion })), `version ${attestationVersion}`).toBe('none');
    }
  });

  it('refuses an attestationChallenge other than the clientDataHash', async () => {
    expect(await codeOf(await androidKey({ challenge: random(32) }))).toBe('invalid_attestation');
  });

  it('refuses a leaf key other than the credential key, even with a valid signature by the leaf', async () => {
    expect(await codeOf(await androidKey({ otherLeafKey: true }))).toBe('invalid_attestation');
  });

  it.each<[string, Partial<AuthorizationList>, Partial<AuthorizationList>]>([
    ['allApplications in teeEnforced', { ...GENERATED_TO_SIGN, allApplications: null }, {}],
    ['allApplications in softwareEnforced', GENERATED_TO_SIGN, { allApplications: null }],
    ['an imported key (origin 2)', { ...GENERATED_TO_SIGN, origin: 2 }, {}],
    ['no origin', without('origin'), {}],
    ['purpose { ENCRYPT }', { ...GENERATED_TO_SIGN, purpose: new IntegerSet([0]) }, {}],
    ['purpose { SIGN, DECRYPT }', { ...GENERATED_TO_SIGN, purpose: new IntegerSet([2, 1]) }, {}],
    ['purpose { VERIFY }', { ...GENERATED_TO_SIGN, purpose: new IntegerSet([3]) }, {}],
    ['purpose { SIGN, AGREE_KEY }', { ...GENERATED_TO_SIGN, purpose: new IntegerSet([2, 6]) }, {}],
    ['no purpose', without('purpose'), {}],
    ['origin and purpose only in softwareEnforced', { algorithm: 3 }, { origin: 0, purpose: new IntegerSet([2]) }],
  ])('refuses %s by default', async (_name, tee, software) => {
    expect(await codeOf(await androidKey({ tee, software }))).toBe('invalid_attestation');
  });

  it('accepts purpose { SIGN, VERIFY }, as Keystore grants asymmetric keys', async () => {
    expect(await codeOf(await androidKey({ tee: { ...GENERATED_TO_SIGN, purpose: new IntegerSet([2, 3]) } }))).toBe('none');
  });

  it('accepts origin and purpose from softwareEnforced only with androidKeyAllowSoftwareEnforced, and still checks them', async () => {
    const softwareOnly = await androidKey({ tee: { algorithm: 3 }, software: { origin: 0, purpose: new IntegerSet([2]) } });
    expect(await codeOf({ ...softwareOnly, androidKeyAllowSoftwareEnforced: true })).toBe('none');
    const imported = await androidKey({ tee: GENERATED_TO_SIGN, software: { origin: 2 } });
    expect(await codeOf({ ...imported, androidKeyAllowSoftwareEnforced: true })).toBe('invalid_attestation');
    expect(await codeOf(imported)).toBe('none');
    const everywhere = await androidKey({ tee: { ...GENERATED_TO_SIGN, allApplications: null } });
    expect(await codeOf({ ...everywhere, androidKeyAllowSoftwareEnforced: true })).toBe('invalid_attestation');
  });

  it('reads an authorization list whose tags are out of order, and still finds a bad value repeated in it', async () => {
    const nonStandard = (entries: Partial<AuthorizationList>[]) => (clientDataHash: Uint8Array) =>
      new Uint8Array(
        AsnSerializer.serialize(
          new NonStandardKeyDescription({
            attestationVersion: 3,
            attestationSecurityLevel: SecurityLevel.trustedEnvironment,
            keymasterVersion: 4,
            keymasterSecurityLevel: SecurityLevel.trustedEnvironment,
            attestationChallenge: new OctetString(clientDataHash),
            uniqueId: new OctetString(0),
            softwareEnforced: new NonStandardAuthorizationList([]),
            teeEnforced: new NonStandardAuthorizationList(entries.map((entry) => new NonStandardAuthorization(entry))),
          }),
        ),
      );
    // Origin (tag 702) before purpose (tag 1): not the order the strict schema requires.
    expect(await codeOf(await androidKey({ extensionValue: nonStandard([{ origin: 0 }, { purpose: new IntegerSet([2]) }]) }))).toBe('none');
    const repeated = nonStandard([{ origin: 0 }, { purpose: new IntegerSet([2]) }, { origin: 2 }]);
    expect(await codeOf(await androidKey({ extensionValue: repeated }))).toBe('invalid_attestation');
    expect(readKeyDescription(repeated(new Uint8Array(32))).hardware).toEqual({ allApplications: false, origins: [0, 2], purposes: [[2]] });
    const everywhere = nonStandard([{ origin: 0 }, { purpose: new IntegerSet([2]) }, { allApplications: null }]);
    expect(await codeOf(await androidKey({ extensionValue: everywhere }))).toBe('invalid_attestation');
  });

  it.each<[string, Partial<Parameters<typeof androidKey>[0]> & object]>([
    ['no KeyDescription extension value', { extensionValue: Uint8Array.of(0x05, 0x00) }],
    ['a truncated KeyDescription', { extensionValue: keyDescription(random(32), {}).subarray(0, 40) }],
  ])('refuses %s', async (_name, spec) => {
    expect(await codeOf(await androidKey(spec))).toBe('invalid_attestation');
  });

  it.each<[string, (attStmt: Map<string, unknown>) => void]>([
    ['no alg', (attStmt) => attStmt.delete('alg')],
    ['no sig', (attStmt) => attStmt.delete('sig')],
    ['no x5c', (attStmt) => attStmt.delete('x5c')],
    ['an unknown member', (attStmt) => attStmt.set('ver', '1')],
    ['a text alg', (attStmt) => attStmt.set('alg', 'ES256')],
    ['an alg of another curve', (attStmt) => attStmt.set('alg', -35)],
    ['a flipped signature', (attStmt) => attStmt.set('sig', (attStmt.get('sig') as Uint8Array).map((byte, index) => (index === 10 ? byte ^ 1 : byte)))],
  ])('refuses a statement with %s', async (_name, edit) => {
    const input = await androidKey();
    const attStmt = new Map(input.attStmt);
    edit(attStmt);
    expect(await codeOf({ ...input, attStmt })).toBe('invalid_attestation');
  });

  it('verifies or refuses with invalid_attestation whole statements whose KeyDescription bytes are mutated', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(400), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 3 }), async (flips) => {
        const input = await androidKey({
          extensionValue: (clientDataHash) => {
            const value = keyDescription(clientDataHash, {});
            for (const [at, mask] of flips) value[at % value.length]! ^= mask;
            return value;
          },
        });
        // Bytes §8.4 does not read (creationDateTime, rootOfTrust) may change and still verify.
        expect(['invalid_attestation', 'none']).toContain(await codeOf(input));
      }),
      { numRuns: 40 },
    );
  });

  it('yields a result or a TesseraError for random mutations of the KeyDescription bytes', async () => {
    const input = await androidKey();
    const value = keyDescription(input.clientDataHash, {});
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(value.length - 1), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }), fc.nat(value.length), async (flips, cut) => {
        const mutated = new Uint8Array(value.subarray(0, Math.max(cut, 1)));
        for (const [at, mask] of flips) if (at < mutated.length) mutated[at]! ^= mask;
        try {
          readKeyDescription(mutated);
        } catch (error) {
          expect((error as { code?: unknown }).code).toBe('invalid_attestation');
        }
      }),
      { numRuns: 300 },
    );
  });
});

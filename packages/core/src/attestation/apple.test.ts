import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { apple, codeOf, expectLeafFlipsRefused, random, vectorInput, vectorsOf, withCredentialKey } from '../../test/formatStatements.ts';
import { octets, seq, tlv, integer } from '../../test/derEncoder.ts';
import { verifyAttestationStatement } from './verifyAttestationStatement.ts';

const vectors = vectorsOf('apple');

describe('apple (WebAuthn L3 §8.8) on captured registrations', () => {
  it('has the three captured registrations', () => expect(vectors).toHaveLength(3));

  it.each(vectors)('verifies $name as AnonCA with x5c as the trust path', async (vector) => {
    const input = vectorInput(vector);
    expect(await verifyAttestationStatement(input)).toEqual({
      fmt: 'apple',
      type: 'AnonCA',
      trustPath: (input.attStmt.get('x5c') as Uint8Array[]).map((der) => new Uint8Array(der)),
    });
  });

  it.each(vectors)('refuses $name with another clientDataHash (wrong nonce)', async (vector) => {
    expect(await codeOf({ ...vectorInput(vector), clientDataHash: random(32) })).toBe('invalid_attestation');
  });

  it('refuses every statement presented for another credential, and every other credential key', async () => {
    const inputs = vectors.map(vectorInput);
    for (const [i, a] of inputs.entries()) {
      for (const [j, b] of inputs.entries()) {
        if (i === j) continue;
        expect(await codeOf({ ...a, attStmt: b.attStmt }), `${i} with ${j}'s statement`).toBe('invalid_attestation');
        expect(await codeOf(withCredentialKey(a, b.authenticatorData.attestedCredentialData.credentialPublicKey)), `${i} with ${j}'s key`).toBe(
          'invalid_attestation',
        );
      }
    }
  });

  it.each(vectors)('refuses $name outside its certificates’ validity', async (vector) => {
    expect(await codeOf({ ...vectorInput(vector), now: Date.parse('2040-01-01T00:00:00Z') })).toBe('invalid_attestation');
  });

  it.each(vectors)('refuses or leaves to path validation every flipped byte of the leaf of $name', async (vector) => {
    await expectLeafFlipsRefused(vectorInput(vector));
  });
});

describe('apple on statements built here', () => {
  it('accepts a well-formed statement, with or without an integer alg', async () => {
    expect(await codeOf(await apple())).toBe('none');
    expect(await codeOf(await apple({ alg: -7 }))).toBe('none');
  });

  it('refuses a leaf key other than the credential key, even with the right nonce', async () => {
    expect(await codeOf(await apple({ otherLeafKey: true }))).toBe('invalid_attestation');
  });

  it.each<[string, (nonce: Uint8Array) => Uint8Array]>([
    ['another nonce', () => seq(tlv(0xa1, octets(random(32))))],
    ['a [0] tag', (nonce) => seq(tlv(0xa0, octets(nonce)))],
    ['a bare OCTET STRING', (nonce) => octets(nonce)],
    ['a truncated nonce', (nonce) => seq(tlv(0xa1, octets(nonce.subarray(1))))],
    ['an extra field', (nonce) => seq(tlv(0xa1, octets(nonce)), integer(1n))],
    ['a BER long-form length', (nonce) => Uint8Array.of(0x30, 0x81, 0x24, 0xa1, 0x22, 0x04, 0x20, ...nonce)],
  ])('refuses a nonce extension with %s', async (_name, value) => {
    expect(await codeOf(await apple({ extensionValue: value }))).toBe('invalid_attestation');
  });

  it.each<[string, (attStmt: Map<string, unknown>) => void]>([
    ['no x5c', (attStmt) => attStmt.delete('x5c')],
    ['an empty x5c', (attStmt) => attStmt.set('x5c', [])],
    ['a sig', (attStmt) => attStmt.set('sig', random(64))],
    ['a text alg', (attStmt) => attStmt.set('alg', 'ES256')],
    ['a leaf without the nonce extension', (attStmt) => attStmt.set('x5c', (attStmt.get('x5c') as Uint8Array[]).slice(1))],
  ])('refuses a statement with %s', async (_name, edit) => {
    const input = await apple();
    const attStmt = new Map(input.attStmt);
    edit(attStmt);
    expect(await codeOf({ ...input, attStmt })).toBe('invalid_attestation');
  });

  it('yields a result or a TesseraError for random mutations of the nonce extension', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 48 }), fc.nat(40), fc.integer({ min: 1, max: 255 }), async (extra, at, mask) => {
        const input = await apple({
          extensionValue: (nonce) => {
            const value = new Uint8Array([...seq(tlv(0xa1, octets(nonce))), ...extra]);
            value[at % value.length]! ^= mask;
            return value;
          },
        });
        expect(['invalid_attestation']).toContain(await codeOf(input));
      }),
      { numRuns: 60 },
    );
  });
});

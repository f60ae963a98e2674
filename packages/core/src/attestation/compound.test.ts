import { createHash } from 'node:crypto';
import { Encoder } from 'cbor-x';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { derSign, ecKeyPair, packedX5c } from '../../test/attestationStatements.ts';
import { compoundStatement, subStatement } from '../../test/compoundStatements.ts';
import { concat } from '../../test/derEncoder.ts';
import { codeOf } from '../../test/formatStatements.ts';
import { tpmStatement } from '../../test/tpmStatements.ts';
import { parseAttestationObject } from '../attestationObject.ts';
import { COSE_ALGORITHMS } from '../cose.ts';
import type { AttestationStatementOverride, AttestationToSign } from '../testing/softwareAuthenticator.ts';
import { MAX_COMPOUND_STATEMENTS } from './compound.ts';
import { verifyAttestationStatement, type AttestationStatementInput } from './verifyAttestationStatement.ts';
import type { AttestationStatement } from '../attestationObject.ts';

const cbor = new Encoder({ mapsAsObjects: false, useRecords: false, tagUint8Array: false });
const sha256 = (data: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(data).digest());
const random = (length: number): Uint8Array => globalThis.crypto.getRandomValues(new Uint8Array(length));

type Input = AttestationStatementInput<AttestationStatement>;

interface Context {
  signed: AttestationToSign;
  /** A packed self attestation by the credential key. */
  self: AttestationStatementOverride;
  /** Builds the input for a compound (or any) statement over this credential. */
  input: (statement: AttestationStatementOverride) => Promise<Input>;
}

/** A new P-256 credential in authenticator data, and a way to attach statements to it. */
async function context(): Promise<Context> {
  const pair = await ecKeyPair();
  const point = new Uint8Array(await globalThis.crypto.subtle.exportKey('raw', pair.publicKey));
  const coseKey = new Uint8Array(cbor.encode(new Map<number, unknown>([[1, 2], [3, -7], [-1, 1], [-2, point.slice(1, 33)], [-3, point.slice(33)]])));
  const authData = concat(sha256(new TextEncoder().encode('example.com')), Uint8Array.of(0x45, 0, 0, 0, 0), random(16), Uint8Array.of(0, 16), random(16), coseKey);
  const signed = { authData, clientDataHash: random(32) };
  const self: AttestationStatementOverride = {
    fmt: 'packed',
    attStmt: new Map<string, unknown>([
      ['alg', COSE_ALGORITHMS.ES256],
      ['sig', derSign(pair.privateKey, concat(signed.authData, signed.clientDataHash))],
    ]),
  };
  const input = async (statement: AttestationStatementOverride): Promise<Input> => {
    const attStmt = typeof statement.attStmt === 'function' ? await statement.attStmt(signed) : statement.attStmt;
    const object = cbor.encode(new Map<string, unknown>([['fmt', statement.fmt], ['attStmt', attStmt], ['authData', authData]]));
    return { ...parseAttestationObject(new Uint8Array(object)), clientDataHash: signed.clientDataHash, now: Date.parse('2030-01-01T00:00:00Z') };
  };
  return { signed, self, input };
}

/** A compound statement whose items are given as they are. */
const rawCompound = (items: unknown[]): AttestationStatementOverride => ({ fmt: 'compound', attStmt: items });

describe('compound (§8.9)', () => {
  it('verifies every sub-statement and reports each result, with type None and no trust path of its own', async () => {
    const { input, self } = await context();
    const result = await verifyAttestationStatement(await input(compoundStatement(packedX5c(), self, tpmStatement())));
    expect(result).toMatchObject({ fmt: 'compound', type: 'None', trustPath: [] });
    expect(result.statements?.map(({ fmt, type, trustPath }) => [fmt, type, trustPath.length])).toEqual([
      ['packed', 'Basic', 2],
      ['packed', 'Self', 0],
      ['tpm', 'AttCA', 2],
    ]);
  });

  it('accepts a none sub-statement, which its syntax does not exclude', async () => {
    const { input, self } = await context();
    const result = await verifyAttestationStatement(await input(compoundStatement({ fmt: 'none', attStmt: new Map() }, self)));
    expect(result.statements?.map(({ type }) => type)).toEqual(['None', 'Self']);
  });

  it('refuses the whole statement when any one sub-statement fails, wherever it is', async () => {
    const { input, self } = await context();
    const broken: AttestationStatementOverride = { fmt: 'packed', attStmt: new Map<string, unknown>([['alg', -7], ['sig', new Uint8Array(70).fill(0x30)]]) };
    for (const parts of [[broken, self], [self, broken], [packedX5c(), self, broken]]) {
      expect(await codeOf(await input(compoundStatement(...parts)))).toBe('invalid_attestation');
    }
  });

  it('refuses a sub-statement made for another credential or another challenge', async () => {
    const mine = await context();
    const theirs = await context();
    const foreign: AttestationStatementOverride = { fmt: 'packed', attStmt: await subStatement(theirs.self, theirs.signed).then((item) => item.get('attStmt') as Map<string, unknown>) };
    expect(await codeOf(await mine.input(compoundStatement(mine.self, foreign)))).toBe('invalid_attestation');
    const good = await mine.input(compoundStatement(packedX5c(), mine.self));
    expect(await codeOf({ ...good, clientDataHash: random(32) })).toBe('invalid_attestation');
  });

  it('refuses a nested compound statement, bounding recursion', async () => {
    const { input, self } = await context();
    const nested = compoundStatement(self, compoundStatement(self, self));
    expect(await codeOf(await input(nested))).toBe('invalid_attestation');
  });

  it('refuses an unregistered sub-format as unsupported_attestation_format', async () => {
    const { input, self } = await context();
    expect(await codeOf(await input(compoundStatement(self, { fmt: 'bogus', attStmt: new Map() })))).toBe('unsupported_attestation_format');
    expect(await codeOf(await input(compoundStatement(self, { fmt: 'Packed', attStmt: new Map() })))).toBe('unsupported_attestation_format');
  });

  it('refuses statements that break the §8.9 syntax', async () => {
    const { input, self, signed } = await context();
    const item = await subStatement(self, signed);
    const cases: [string, AttestationStatementOverride][] = [
      ['a map instead of an array', { fmt: 'compound', attStmt: new Map() }],
      ['an empty array', rawCompound([])],
      ['one statement', rawCompound([item])],
      [`more than ${MAX_COMPOUND_STATEMENTS} statements`, rawCompound(Array.from({ length: MAX_COMPOUND_STATEMENTS + 1 }, () => item))],
      ['an item that is not a map', rawCompound([item, new Uint8Array(4)])],
      ['an item with a third member', rawCompound([item, new Map(item).set('extra', 1)])],
      ['an item without attStmt', rawCompound([item, new Map([['fmt', 'none']])])],
      ['an item whose fmt is not text', rawCompound([item, new Map<string, unknown>([['fmt', 1], ['attStmt', new Map()]])])],
      ['an item whose attStmt is an array', rawCompound([item, new Map<string, unknown>([['fmt', 'packed'], ['attStmt', []]])])],
      ['an item whose attStmt has a non-text key', rawCompound([item, new Map<string, unknown>([['fmt', 'none'], ['attStmt', new Map([[1, 2]])]])])],
    ];
    for (const [label, statement] of cases) expect(await codeOf(await input(statement)), label).toBe('invalid_attestation');
    // An array statement under a map format is refused too.
    expect(await codeOf(await input({ fmt: 'packed', attStmt: [item, item] }))).toBe('invalid_attestation');
  });

  it('yields a result or a TesseraError for random compound statements', async () => {
    const { input, self, signed } = await context();
    const item = await subStatement(self, signed);
    const value: fc.Arbitrary<unknown> = fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.integer(), fc.string({ maxLength: 10 }), fc.constant(new Map()));
    const entry = fc.oneof(
      fc.constant(item),
      fc.dictionary(fc.constantFrom('fmt', 'attStmt', 'x'), fc.oneof(value, fc.constantFrom('none', 'packed', 'tpm', 'compound', 'apple'))).map((members) => new Map(Object.entries(members))),
      value,
    );
    await fc.assert(
      fc.asyncProperty(fc.array(entry, { maxLength: 10 }), async (items) => {
        const code = await codeOf(await input(rawCompound(items)));
        expect(['none', 'invalid_attestation', 'unsupported_attestation_format', 'unsupported_algorithm']).toContain(code);
      }),
      { numRuns: 200 },
    );
  });
});

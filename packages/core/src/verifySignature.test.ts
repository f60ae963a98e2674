import { KeyObject, createHash, sign as nodeSign } from 'node:crypto';
import { Decoder, Encoder } from 'cbor-x';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { readAuthenticationVectors, readRegistrationVectors } from '../test/vectors.ts';
import { base64url } from './base64url.ts';
import { COSE_ALGORITHM_NAMES, parseCoseKey, type CoseAlgorithm } from './cose.ts';
import { isTesseraError } from './errors.ts';
import { PublicKeyCache } from './publicKeyCache.ts';
import { importCoseKey, verifySignature } from './verifySignature.ts';

const subtle = globalThis.crypto.subtle;
const cbor = new Encoder({ mapsAsObjects: false, useRecords: false, tagUint8Array: false });
const coseKey = (entries: [number, unknown][]): Uint8Array => new Uint8Array(cbor.encode(new Map(entries)));
const random = (length: number): Uint8Array<ArrayBuffer> => globalThis.crypto.getRandomValues(new Uint8Array(length));

interface Case {
  alg: CoseAlgorithm;
  publicKey: Uint8Array;
  sign(data: Uint8Array<ArrayBuffer>): Promise<Uint8Array>;
}

async function ecdsaCase(alg: CoseAlgorithm, namedCurve: string, crv: number, size: number, hash: string): Promise<Case> {
  const pair = await subtle.generateKey({ name: 'ECDSA', namedCurve }, true, ['sign', 'verify']);
  const point = new Uint8Array(await subtle.exportKey('raw', pair.publicKey));
  const privateKey = KeyObject.from(pair.privateKey);
  return {
    alg,
    publicKey: coseKey([[1, 2], [3, alg], [-1, crv], [-2, point.slice(1, 1 + size)], [-3, point.slice(1 + size)]]),
    // DER from OpenSSL, independent of the converter under test.
    sign: async (data) => new Uint8Array(nodeSign(hash, data, { key: privateKey, dsaEncoding: 'der' })),
  };
}

async function ed25519Case(alg: CoseAlgorithm): Promise<Case> {
  const pair = (await subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])) as CryptoKeyPair;
  const x = new Uint8Array(await subtle.exportKey('raw', pair.publicKey));
  return {
    alg,
    publicKey: coseKey([[1, 1], [3, alg], [-1, 6], [-2, x]]),
    sign: async (data) => new Uint8Array(await subtle.sign({ name: 'Ed25519' }, pair.privateKey, data)),
  };
}

const RSA_HASH: Record<number, [string, number]> = {
  [-257]: ['SHA-256', 0], [-258]: ['SHA-384', 0], [-259]: ['SHA-512', 0], [-65535]: ['SHA-1', 0],
  [-37]: ['SHA-256', 32], [-38]: ['SHA-384', 48], [-39]: ['SHA-512', 64],
};

let rsaPrivateJwk: JsonWebKey = {};

/** One RSA key pair, imported once per algorithm (the JWK carries no `alg`). */
async function rsaCases(): Promise<Case[]> {
  const pair = await subtle.generateKey(
    { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    true,
    ['sign', 'verify'],
  );
  const { alg: _alg, key_ops: _ops, ...jwk } = await subtle.exportKey('jwk', pair.privateKey);
  rsaPrivateJwk = jwk;
  const publicKey = (alg: number): Uint8Array =>
    coseKey([[1, 3], [3, alg], [-1, base64url.decode(jwk.n!)], [-2, base64url.decode(jwk.e!)]]);
  return Promise.all(
    Object.entries(RSA_HASH).map(async ([algText, [hash, saltLength]]) => {
      const alg = Number(algText) as CoseAlgorithm;
      const name = saltLength > 0 ? 'RSA-PSS' : 'RSASSA-PKCS1-v1_5';
      const privateKey = await subtle.importKey('jwk', jwk, { name, hash }, false, ['sign']);
      return {
        alg,
        publicKey: publicKey(alg),
        sign: async (data: Uint8Array<ArrayBuffer>) => new Uint8Array(await subtle.sign({ name, saltLength }, privateKey, data)),
      };
    }),
  );
}

let cases: Case[] = [];
beforeAll(async () => {
  cases = [
    await ecdsaCase(-7, 'P-256', 1, 32, 'sha256'),
    await ecdsaCase(-35, 'P-384', 2, 48, 'sha384'),
    await ecdsaCase(-36, 'P-521', 3, 66, 'sha512'),
    await ed25519Case(-8),
    await ed25519Case(-19),
    ...(await rsaCases()),
  ];
});
const caseFor = (alg: CoseAlgorithm): Case => cases.find((c) => c.alg === alg)!;
const ALGS = [-7, -35, -36, -8, -19, -257, -258, -259, -37, -38, -39, -65535] as const;

async function outcome(run: Promise<boolean>): Promise<boolean | string> {
  try {
    return await run;
  } catch (error) {
    if (!isTesseraError(error)) throw error;
    return error.code;
  }
}

describe('verifySignature with generated keys', () => {
  const named = ALGS.map((alg) => [COSE_ALGORITHM_NAMES[alg], alg] as const);
  it.each(named)('%s verifies a signature and rejects any changed byte', async (_name, alg) => {
    const { publicKey, sign } = caseFor(alg);
    const allowRS1 = alg === -65535;
    const keyCache = new PublicKeyCache();
    const data = random(100);
    const signature = await sign(data);
    expect(await verifySignature({ publicKey, signature, data, allowRS1, keyCache })).toBe(true);
    expect(await verifySignature({ publicKey, signature, data: random(100), allowRS1, keyCache })).toBe(false);

    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.nat(), fc.integer({ min: 1, max: 255 }), async (inSignature, at, xor) => {
        const changedSignature = Uint8Array.from(signature);
        const changedData = Uint8Array.from(data);
        if (inSignature) changedSignature[at % signature.length]! ^= xor;
        else changedData[at % data.length]! ^= xor;
        const result = await outcome(verifySignature({ publicKey, signature: changedSignature, data: changedData, allowRS1, keyCache }));
        // A changed DER header is a broken encoding; anything else is a wrong signature.
        expect([false, 'malformed_response']).toContain(result);
      }),
      { numRuns: 40 },
    );
  });

  it('rejects RS1 unless allowRS1 is set', async () => {
    const { publicKey, sign } = caseFor(-65535);
    const data = random(32);
    const signature = await sign(data);
    expect(await outcome(verifySignature({ publicKey, signature, data }))).toBe('unsupported_algorithm');
    expect(await outcome(verifySignature({ publicKey, signature, data, allowRS1: false }))).toBe('unsupported_algorithm');
    expect(await verifySignature({ publicKey, signature, data, allowRS1: true })).toBe(true);
  });

  it('uses the hash length as the PSS salt length and never mixes PKCS#1 v1.5 and PSS', async () => {
    const data = random(64);
    const ps256 = caseFor(-37);
    const rs256 = caseFor(-257);
    expect(await verifySignature({ publicKey: rs256.publicKey, signature: await ps256.sign(data), data })).toBe(false);
    expect(await verifySignature({ publicKey: ps256.publicKey, signature: await rs256.sign(data), data })).toBe(false);
    const privateKey = await subtle.importKey('jwk', rsaPrivateJwk, { name: 'RSA-PSS', hash: 'SHA-256' }, false, ['sign']);
    const publicKey = ps256.publicKey;
    const withSalt = async (saltLength: number) => new Uint8Array(await subtle.sign({ name: 'RSA-PSS', saltLength }, privateKey, data));
    expect(await verifySignature({ publicKey, signature: await withSalt(32), data })).toBe(true);
    expect(await verifySignature({ publicKey, signature: await withSalt(0), data })).toBe(false);
    expect(await verifySignature({ publicKey, signature: await withSalt(20), data })).toBe(false);
  });

  it('rejects signatures of the wrong size as malformed', async () => {
    const data = random(16);
    for (const alg of [-8, -257] as const) {
      const { publicKey, sign } = caseFor(alg);
      const signature = await sign(data);
      expect(await outcome(verifySignature({ publicKey, signature: signature.subarray(1), data }))).toBe('malformed_response');
      expect(await outcome(verifySignature({ publicKey, signature: new Uint8Array([...signature, 0]), data }))).toBe('malformed_response');
    }
    expect(await outcome(verifySignature({ publicKey: caseFor(-7).publicKey, signature: new Uint8Array(64), data }))).toBe('malformed_response');
  });

  it('treats an ES256 signature checked against a P-384 key as malformed or wrong, never valid', async () => {
    const data = random(16);
    const signature = await caseFor(-7).sign(data);
    expect([false, 'malformed_response']).toContain(await outcome(verifySignature({ publicKey: caseFor(-35).publicKey, signature, data })));
  });
});

describe('verifySignature errors', () => {
  it('reports a malformed key, an unsupported algorithm and non-bytes input with their codes', async () => {
    const signature = new Uint8Array(64);
    const data = new Uint8Array(1);
    expect(await outcome(verifySignature({ publicKey: new Uint8Array([0xa0]), signature, data }))).toBe('malformed_public_key');
    const es256k = coseKey([[1, 2], [3, -47], [-1, 8], [-2, random(32)], [-3, random(32)]]);
    expect(await outcome(verifySignature({ publicKey: es256k, signature, data }))).toBe('unsupported_algorithm');
    const { publicKey } = caseFor(-8);
    expect(await outcome(verifySignature({ publicKey, signature: 'AAAA' as unknown as Uint8Array, data }))).toBe('invalid_argument');
    expect(await outcome(verifySignature({ publicKey, signature, data: [1, 2] as unknown as Uint8Array }))).toBe('invalid_argument');
    expect(await outcome(verifySignature({ publicKey: null as unknown as Uint8Array, signature, data }))).toBe('invalid_argument');
  });

  it('turns a point that is not on its curve into malformed_public_key, not a DOMException', async () => {
    const offCurve = coseKey([[1, 2], [3, -7], [-1, 1], [-2, new Uint8Array(32).fill(1)], [-3, new Uint8Array(32).fill(2)]]);
    const signature = await caseFor(-7).sign(new Uint8Array(1));
    expect(await outcome(verifySignature({ publicKey: offCurve, signature, data: new Uint8Array(1) }))).toBe('malformed_public_key');
    // parseCoseKey refuses the point; a CoseKey built by hand reaches importCoseKey, which refuses it too.
    expect(() => parseCoseKey(offCurve)).toThrow(/not on P-256/);
    const handBuilt = { kty: 'EC2', alg: -7, crv: 'P-256', x: new Uint8Array(32).fill(1), y: new Uint8Array(32).fill(2) } as const;
    const error = await importCoseKey(handBuilt).catch((e: unknown) => e);
    expect(isTesseraError(error, 'malformed_public_key')).toBe(true);
    expect((error as Error).cause).toBeInstanceOf(Error);
  });

  it('imports every key as a public verify-only CryptoKey', async () => {
    for (const { publicKey } of cases) {
      const key = await importCoseKey(parseCoseKey(publicKey));
      expect([key.type, key.usages]).toEqual(['public', ['verify']]);
    }
  });

  it('answers random keys and signatures with a boolean or a TesseraError', async () => {
    const keyCache = new PublicKeyCache({ maxEntries: 8 });
    const mutatedKey = fc
      .tuple(fc.constantFrom(...cases.map((c) => c.publicKey)), fc.nat(), fc.nat({ max: 255 }))
      .map(([bytes, at, value]) => {
        const copy = Uint8Array.from(bytes);
        copy[at % copy.length] = value;
        return copy;
      });
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(mutatedKey, fc.constantFrom(...cases.map((c) => c.publicKey)), fc.uint8Array({ maxLength: 80 })),
        fc.uint8Array({ maxLength: 300 }),
        fc.boolean(),
        async (publicKey, signature, allowRS1) => {
          const result = await outcome(verifySignature({ publicKey, signature, data: signature, allowRS1, keyCache }));
          expect([false, 'malformed_public_key', 'unsupported_algorithm', 'malformed_response']).toContain(result);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('verifySignature with captured signatures', () => {
  const decoder = new Decoder({ mapsAsObjects: false, useRecords: false });
  const sha256 = (bytes: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(bytes).digest());
  const signedData = (authenticatorData: Uint8Array, clientDataJSON: Uint8Array): Uint8Array =>
    new Uint8Array([...authenticatorData, ...sha256(clientDataJSON)]);

  const assertions = readAuthenticationVectors().map((v) => ({
    name: v.name,
    publicKey: base64url.decode(v.credential.publicKey),
    signature: base64url.decode(v.response.response.signature),
    data: signedData(base64url.decode(v.response.response.authenticatorData), base64url.decode(v.response.response.clientDataJSON)),
  }));

  it.each(assertions)('the assertion of $name verifies, and not over other data', async ({ publicKey, signature, data }) => {
    expect(await verifySignature({ publicKey, signature, data })).toBe(true);
    const changed = Uint8Array.from(data);
    changed[changed.length - 1]! ^= 1;
    expect(await verifySignature({ publicKey, signature, data: changed })).toBe(false);
  });

  // Packed self attestation is signed by the credential key itself (WebAuthn L3 §8.2).
  const selfAttestations = readRegistrationVectors().flatMap((v) => {
    const object = decoder.decode(base64url.decode(v.response.response.attestationObject)) as Map<string, unknown>;
    const attStmt = object.get('attStmt') as Map<string, unknown>;
    if (v.fmt !== 'packed' || attStmt.has('x5c')) return [];
    return [{
      name: v.name,
      publicKey: base64url.decode(v.expected.publicKey),
      signature: new Uint8Array(attStmt.get('sig') as Uint8Array),
      data: signedData(new Uint8Array(object.get('authData') as Uint8Array), base64url.decode(v.response.response.clientDataJSON)),
    }];
  });

  it('covers some packed self attestations', () => {
    expect(selfAttestations.length).toBeGreaterThan(0);
  });

  it.each(selfAttestations)('the packed self attestation of $name verifies', async ({ publicKey, signature, data }) => {
    expect(await verifySignature({ publicKey, signature, data })).toBe(true);
  });
});

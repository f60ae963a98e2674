import { KeyObject, X509Certificate, createHash, sign as nodeSign } from 'node:crypto';
import { Encoder } from 'cbor-x';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ECDSA_SHA256, bits, boolean, concat, extension, integer, name, octets, oid, printable, seq, time, tlv, utf8 } from '../../test/derEncoder.ts';
import { readRegistrationVectors, type RegistrationVector } from '../../test/vectors.ts';
import { childrenOf, nodeAt, type DerNode } from '../../test/derWalker.ts';
import { codeOf } from '../../test/formatStatements.ts';
import { NAME_ATTRIBUTES, parseCertificate } from './_certificate.ts';
import { parseAttestationObject } from '../attestationObject.ts';
import { COSE_ALGORITHMS } from '../cose.ts';
import { REGISTERED_ATTESTATION_FORMATS } from './formats.ts';
import {
  SUPPORTED_ATTESTATION_FORMATS,
  isSupportedAttestationFormat,
  verifyAttestationStatement,
  type AttestationStatementInput,
  type AttestationType,
} from './verifyAttestationStatement.ts';

const subtle = globalThis.crypto.subtle;
const cbor = new Encoder({ mapsAsObjects: false, useRecords: false, tagUint8Array: false });
const sha256 = (data: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(data).digest());
const random = (length: number): Uint8Array => globalThis.crypto.getRandomValues(new Uint8Array(length));

const AAGUID_OID = '1.3.6.1.4.1.45724.1.1.4';
const BASIC_CONSTRAINTS_OID = '2.5.29.19';

const YUBICO_SUBJECT: [string, Uint8Array][] = [
  [NAME_ATTRIBUTES.C, printable('SE')],
  [NAME_ATTRIBUTES.O, utf8('Example Vendor')],
  [NAME_ATTRIBUTES.OU, utf8('Authenticator Attestation')],
  [NAME_ATTRIBUTES.CN, utf8('Example Authenticator')],
];

interface CertSpec {
  subject?: [string, Uint8Array][];
  version?: 1 | 3;
  /** `undefined` leaves basicConstraints out. */
  ca?: boolean | undefined;
  extensions?: Uint8Array[];
  notBefore?: string;
  notAfter?: string;
}

/** A certificate for `subjectKey`, signed by `issuerKey` (ECDSA P-256, SHA-256), valid per node:crypto. */
async function certificate(subjectKey: CryptoKey, issuerKey: CryptoKey, spec: CertSpec): Promise<Uint8Array> {
  const extensions = [
    ...(spec.ca === undefined ? [] : [extension(BASIC_CONSTRAINTS_OID, seq(...(spec.ca ? [boolean(true)] : [])), true)]),
    ...(spec.extensions ?? []),
  ];
  const v3 = (spec.version ?? 3) === 3;
  const tbs = seq(
    ...(v3 ? [tlv(0xa0, integer(2n))] : []),
    integer(42n),
    ECDSA_SHA256,
    name([NAME_ATTRIBUTES.CN, utf8('Example Attestation CA')]),
    seq(time(Date.parse(spec.notBefore ?? '2020-01-01T00:00:00Z')), time(Date.parse(spec.notAfter ?? '2099-12-31T23:59:59Z'))),
    name(...(spec.subject ?? YUBICO_SUBJECT)),
    new Uint8Array(await subtle.exportKey('spki', subjectKey)),
    ...(v3 && extensions.length > 0 ? [tlv(0xa3, seq(...extensions))] : []),
  );
  const signature = nodeSign('sha256', tbs, { key: KeyObject.from(issuerKey), dsaEncoding: 'der' });
  return seq(tbs, ECDSA_SHA256, bits(signature));
}

let caPair: CryptoKeyPair;
let caCert: Uint8Array;
const NOW = Date.parse('2030-06-01T00:00:00Z');
const RP_ID_HASH = sha256(new TextEncoder().encode('example.com'));

async function ecPair(namedCurve = 'P-256'): Promise<CryptoKeyPair> {
  return subtle.generateKey({ name: 'ECDSA', namedCurve }, true, ['sign', 'verify']);
}

async function ec2CoseKey(publicKey: CryptoKey): Promise<Uint8Array> {
  const point = new Uint8Array(await subtle.exportKey('raw', publicKey));
  return new Uint8Array(cbor.encode(new Map<number, unknown>([[1, 2], [3, -7], [-1, 1], [-2, point.slice(1, 33)], [-3, point.slice(33)]])));
}

interface Built {
  input: AttestationStatementInput;
  attStmt: Map<string, unknown>;
}

/** An attestation object for a new credential, through parseAttestationObject, with `now` = {@link NOW}. */
async function attestation(
  fmt: string,
  makeStatement: (authData: Uint8Array, clientDataHash: Uint8Array, credential: { id: Uint8Array; point: Uint8Array }) => Promise<Map<string, unknown>>,
  options: { aaguid?: Uint8Array; credentialKey?: Uint8Array } = {},
): Promise<Built> {
  const credentialPair = await ecPair();
  const credentialPublicKey = options.credentialKey ?? (await ec2CoseKey(credentialPair.publicKey));
  const credentialId = random(16);
  const aaguid = options.aaguid ?? random(16);
  const authData = concat(RP_ID_HASH, Uint8Array.of(0x41, 0, 0, 0, 0), aaguid, Uint8Array.of(0, credentialId.length), credentialId, credentialPublicKey);
  const clientDataHash = random(32);
  const point = new Uint8Array(await subtle.exportKey('raw', credentialPair.publicKey));
  const attStmt = await makeStatement(authData, clientDataHash, { id: credentialId, point });
  const parsed = parseAttestationObject(new Uint8Array(cbor.encode(new Map<string, unknown>([['fmt', fmt], ['attStmt', attStmt], ['authData', authData]]))));
  const mapStatement = parsed.attStmt as Map<string, unknown>;
  return { input: { ...parsed, attStmt: mapStatement, clientDataHash, now: NOW }, attStmt: mapStatement };
}

const derSign = (key: CryptoKey, data: Uint8Array, hash = 'sha256'): Uint8Array =>
  new Uint8Array(nodeSign(hash, data, { key: KeyObject.from(key), dsaEncoding: 'der' }));

interface PackedSpec extends CertSpec {
  aaguid?: Uint8Array;
  /** The AAGUID extension's value; `'same'` copies the authenticator data's AAGUID. */
  aaguidExtension?: 'same' | Uint8Array | undefined;
  aaguidCritical?: boolean;
  caSpec?: CertSpec;
  curve?: 'P-256' | 'P-384';
  alg?: number;
}

async function packedX5c(spec: PackedSpec = {}): Promise<Built> {
  const aaguid = spec.aaguid ?? random(16);
  const pair = await ecPair(spec.curve);
  const aaguidValue = spec.aaguidExtension === 'same' || !('aaguidExtension' in spec) ? octets(aaguid) : spec.aaguidExtension;
  const leaf = await certificate(pair.publicKey, caPair.privateKey, {
    ca: false,
    ...spec,
    extensions: [...(aaguidValue === undefined ? [] : [extension(AAGUID_OID, aaguidValue, spec.aaguidCritical)]), ...(spec.extensions ?? [])],
  });
  const issuer = spec.caSpec === undefined ? caCert : await certificate(caPair.publicKey, caPair.privateKey, spec.caSpec);
  return attestation(
    'packed',
    async (authData, clientDataHash) =>
      new Map<string, unknown>([
        ['alg', spec.alg ?? (spec.curve === 'P-384' ? COSE_ALGORITHMS.ES384 : COSE_ALGORITHMS.ES256)],
        ['sig', derSign(pair.privateKey, concat(authData, clientDataHash), spec.curve === 'P-384' ? 'sha384' : 'sha256')],
        ['x5c', [leaf, issuer]],
      ]),
    { aaguid },
  );
}

async function fidoU2f(spec: { aaguid?: Uint8Array; curve?: 'P-256' | 'P-384'; certs?: number; notAfter?: string; credentialKey?: Uint8Array } = {}): Promise<Built> {
  const pair = await ecPair(spec.curve);
  const cert = await certificate(pair.publicKey, caPair.privateKey, { subject: [[NAME_ATTRIBUTES.CN, utf8('U2F')]], ...(spec.notAfter ? { notAfter: spec.notAfter } : {}) });
  return attestation(
    'fido-u2f',
    async (_authData, clientDataHash, credential) =>
      new Map<string, unknown>([
        ['sig', derSign(pair.privateKey, concat(Uint8Array.of(0), RP_ID_HASH, clientDataHash, credential.id, credential.point))],
        ['x5c', Array.from({ length: spec.certs ?? 1 }, () => cert)],
      ]),
    { aaguid: spec.aaguid ?? new Uint8Array(16), ...(spec.credentialKey ? { credentialKey: spec.credentialKey } : {}) },
  );
}

const withStatement = (built: Built, edit: (attStmt: Map<string, unknown>) => void): AttestationStatementInput => {
  const attStmt = new Map(built.attStmt);
  edit(attStmt);
  return { ...built.input, attStmt };
};

beforeAll(async () => {
  caPair = await ecPair();
  caCert = await certificate(caPair.publicKey, caPair.privateKey, { ca: true, subject: [[NAME_ATTRIBUTES.CN, utf8('Example Attestation CA')]] });
});

// ---- Captured registrations ----
const vectors = readRegistrationVectors();
const decode = (value: string): Uint8Array => new Uint8Array(Buffer.from(value, 'base64url'));

function vectorInput(vector: RegistrationVector): AttestationStatementInput {
  const parsed = parseAttestationObject(decode(vector.response.response.attestationObject));
  const clientDataHash = sha256(decode(vector.response.response.clientDataJSON));
  // Every none/packed/fido-u2f certificate here is valid today (until 2033 at the earliest), so those need no date.
  return { ...parsed, attStmt: parsed.attStmt as Map<string, unknown>, clientDataHash, ...(vector.requiresDate === undefined ? {} : { now: Date.parse(vector.requiresDate) }) };
}

const main = vectors.filter((vector) => vector.extra !== true);
const extra = vectors.filter((vector) => vector.extra === true);
const signed = main.filter((vector) => vector.fmt !== 'none');

describe('verifyAttestationStatement on captured registrations', () => {
  it('covers 17 main and 12 extra cases', () => {
    expect(main.length).toBe(17);
    expect(extra.length).toBe(12);
    expect(SUPPORTED_ATTESTATION_FORMATS).toEqual(['none', 'packed', 'fido-u2f', 'tpm', 'android-key', 'android-safetynet', 'apple', 'compound']);
  });

  it.each(main)('verifies $name ($fmt)', async (vector) => {
    const input = vectorInput(vector);
    const x5c = (input.attStmt.get('x5c') as Uint8Array[] | undefined) ?? [];
    const type: AttestationType = vector.fmt === 'none' ? 'None' : x5c.length === 0 ? 'Self' : 'Basic';
    const result = await verifyAttestationStatement(input);
    expect(result).toEqual({ fmt: vector.fmt, type, trustPath: x5c.map((der) => new Uint8Array(der)) });
  });

  it.each(extra.filter((vector) => !isSupportedAttestationFormat(vector.fmt)))('reports $name ($fmt) as unsupported_attestation_format', async (vector) => {
    expect(await codeOf(vectorInput(vector))).toBe('unsupported_attestation_format');
  });

  it.each(extra.filter((vector) => isSupportedAttestationFormat(vector.fmt)))('verifies $name ($fmt) at its requiresDate', async (vector) => {
    const input = vectorInput(vector);
    const result = await verifyAttestationStatement({ ...input, safetyNetCtsProfileMatchRequired: vector.safetyNetCtsProfileMatchRequired });
    expect(result.fmt).toBe(vector.fmt);
    expect(result.type).toBe(vector.fmt === 'apple' ? 'AnonCA' : vector.fmt === 'tpm' ? 'AttCA' : 'Basic');
  });

  it.each(signed)('rejects $name with any byte of sig flipped', async (vector) => {
    const input = vectorInput(vector);
    const sig = input.attStmt.get('sig') as Uint8Array;
    for (let index = 0; index < sig.length; index++) {
      for (const mask of [0x01, 0x80]) {
        const flipped = new Uint8Array(sig);
        flipped[index]! ^= mask;
        const attStmt = new Map(input.attStmt).set('sig', flipped);
        expect(await codeOf({ ...input, attStmt }), `byte ${index} ^ ${mask}`).toBe('invalid_attestation');
      }
    }
  });

  it('rejects the captured certificates outside their validity', async () => {
    const input = vectorInput(main.find((vector) => vector.name === 'go-webauthn-packed-es256')!);
    expect(await codeOf({ ...input, now: Date.parse('2033-04-11T00:00:00Z') })).toBe('invalid_attestation');
    expect(await codeOf({ ...input, now: Date.parse('2033-04-10T23:59:59Z') })).toBe('none');
    expect(await codeOf({ ...input, now: Date.parse('2018-04-10T23:59:59Z') })).toBe('invalid_attestation');
  });

  it('rejects self attestation whose alg differs from the credential key', async () => {
    const input = vectorInput(main.find((vector) => vector.name === 'simplewebauthn-packed-self-es256')!);
    for (const alg of [COSE_ALGORITHMS.ES384, COSE_ALGORITHMS.RS256, COSE_ALGORITHMS.EdDSA, 12345]) {
      expect(await codeOf({ ...input, attStmt: new Map(input.attStmt).set('alg', alg) })).toBe('invalid_attestation');
    }
  });

  it('rejects a statement presented with another clientDataHash', async () => {
    for (const vector of signed) {
      const input = vectorInput(vector);
      expect(await codeOf({ ...input, clientDataHash: random(32) })).toBe('invalid_attestation');
    }
  });
});

/** Offsets of an element inside the certificate it was read from. */
const span = (element: DerNode): [number, number] => [element.start, element.end];

/** Bytes whose change the statement check itself must notice, whatever the trust decision. */
function checkedSpans(der: Uint8Array, fmt: string): [number, number][] {
  const root = nodeAt(der, 0);
  const [tbs] = childrenOf(der, root);
  const fields = childrenOf(der, tbs!);
  const hasVersion = fields[0]!.tag === 0xa0;
  const spans: [number, number][] = [
    [0, tbs!.contentStart], // Certificate and TBSCertificate headers
    span(fields[hasVersion ? 6 : 5]!), // SubjectPublicKeyInfo
  ];
  if (hasVersion) spans.push(span(fields[0]!));
  if (fmt !== 'packed') return spans;
  for (const rdn of childrenOf(der, fields[hasVersion ? 5 : 4]!)) {
    const [type, value] = childrenOf(der, childrenOf(der, rdn)[0]!);
    if (der.subarray(type!.contentStart, type!.end).join() === '85,4,11') spans.push(span(value!)); // the OU value
  }
  const extensions = fields.find((field) => field.tag === 0xa3);
  for (const ext of extensions === undefined ? [] : childrenOf(der, childrenOf(der, extensions)[0]!)) {
    const parts = childrenOf(der, ext);
    if (Buffer.from(der.subarray(parts[0]!.start, parts[0]!.end)).equals(Buffer.from(oid(AAGUID_OID)))) spans.push(span(parts[parts.length - 1]!));
  }
  return spans;
}

describe('verifyAttestationStatement with altered certificates', () => {
  const seen = new Set<string>();
  const targets: { label: string; vector: RegistrationVector; index: number }[] = [];
  for (const vector of signed) {
    const x5c = (vectorInput(vector).attStmt.get('x5c') as Uint8Array[] | undefined) ?? [];
    x5c.forEach((der, index) => {
      const id = `${vector.fmt}:${Buffer.from(der).toString('base64')}`;
      if (!seen.has(id)) targets.push({ label: `${vector.name} x5c[${index}]`, vector, index });
      seen.add(id);
    });
  }

  // A flip anywhere is either rejected here (always with a TesseraError) or left to the relying party's trust
  // decision: bytes this check does not read (serial, issuer, signature, unread extensions) are covered only by
  // the issuer's signature, which path validation against a trusted root verifies.
  it.each(targets)('rejects or leaves to path validation every flipped byte of $label', async ({ vector, index }) => {
    const input = vectorInput(vector);
    const x5c = (input.attStmt.get('x5c') as Uint8Array[]).map((der) => new Uint8Array(der));
    const der = x5c[index]!;
    const mustReject = index === 0 ? checkedSpans(der, vector.fmt) : [[0, 1] as [number, number]];
    const issuer = x5c[index + 1] ?? (index > 0 ? der : undefined);
    let rejected = 0;
    for (let at = 0; at < der.length; at++) {
      const flipped = new Uint8Array(der);
      flipped[at]! ^= 0x01;
      const chain = x5c.map((cert, position) => (position === index ? flipped : cert));
      const code = await codeOf({ ...input, attStmt: new Map(input.attStmt).set('x5c', chain) });
      expect(['none', 'invalid_attestation'], `byte ${at}`).toContain(code);
      if (code !== 'none') {
        rejected++;
        continue;
      }
      expect(mustReject.some(([start, end]) => at >= start && at < end), `byte ${at} was accepted`).toBe(false);
      if (issuer !== undefined) {
        // The issuer is in x5c (or this is the self-signed root): its signature no longer verifies.
        expect(new X509Certificate(flipped).verify(new X509Certificate(issuer).publicKey), `byte ${at}`).toBe(false);
      }
    }
    expect(rejected).toBeGreaterThan(0);
  });
});

describe('verifyAttestationStatement: packed with x5c', () => {
  it('accepts a leaf meeting §8.2.1, reporting Basic and the whole chain', async () => {
    const built = await packedX5c();
    const result = await verifyAttestationStatement(built.input);
    expect(result.type).toBe('Basic');
    expect(result.fmt).toBe('packed');
    expect(result.trustPath).toEqual((built.attStmt.get('x5c') as Uint8Array[]).map((der) => new Uint8Array(der)));
    // The built leaf is a real certificate: node:crypto reads it and its signature verifies.
    const leaf = new X509Certificate(result.trustPath[0]!);
    expect(leaf.verify(new X509Certificate(caCert).publicKey)).toBe(true);
    expect(leaf.subject).toContain('OU=Authenticator Attestation');
  });

  it('accepts ES384 from a P-384 leaf', async () => {
    expect(await codeOf((await packedX5c({ curve: 'P-384' })).input)).toBe('none');
  });

  it('accepts a leaf without basicConstraints (RFC 5280 §4.2.1.9: not a CA) or without the AAGUID extension', async () => {
    expect(await codeOf((await packedX5c({ ca: undefined })).input)).toBe('none');
    expect(await codeOf((await packedX5c({ aaguidExtension: undefined })).input)).toBe('none');
  });

  it('accepts a leaf that spells out the DEFAULT FALSE: an AAGUID extension marked critical FALSE, basicConstraints cA FALSE', async () => {
    // Old vendor CAs and Chrome's virtual authenticator wrote these (X.690 §11.5 omits them); the meaning is the DEFAULT's.
    expect(await codeOf((await packedX5c({ aaguidCritical: false })).input)).toBe('none');
    const explicitNotCA = extension(BASIC_CONSTRAINTS_OID, seq(boolean(false)), true);
    expect(await codeOf((await packedX5c({ ca: undefined, extensions: [explicitNotCA] })).input)).toBe('none');
    // Spelled-out TRUE still means TRUE: a CA leaf and a critical AAGUID extension stay refused below.
    const explicitCA = extension(BASIC_CONSTRAINTS_OID, seq(boolean(true)), true);
    expect(await codeOf((await packedX5c({ ca: undefined, extensions: [explicitCA] })).input)).toBe('invalid_attestation');
  });

  it.each<[string, PackedSpec]>([
    ['another OU', { subject: YUBICO_SUBJECT.map(([type, value]) => [type, type === NAME_ATTRIBUTES.OU ? utf8('Authenticator') : value]) }],
    ['no OU', { subject: YUBICO_SUBJECT.filter(([type]) => type !== NAME_ATTRIBUTES.OU) }],
    ['two OUs', { subject: [...YUBICO_SUBJECT, [NAME_ATTRIBUTES.OU, utf8('Authenticator Attestation')]] }],
    ['no C', { subject: YUBICO_SUBJECT.filter(([type]) => type !== NAME_ATTRIBUTES.C) }],
    ['a C that is not two letters', { subject: YUBICO_SUBJECT.map(([type, value]) => [type, type === NAME_ATTRIBUTES.C ? printable('Sweden') : value]) }],
    ['no O', { subject: YUBICO_SUBJECT.filter(([type]) => type !== NAME_ATTRIBUTES.O) }],
    ['no CN', { subject: YUBICO_SUBJECT.filter(([type]) => type !== NAME_ATTRIBUTES.CN) }],
    ['an empty CN', { subject: YUBICO_SUBJECT.map(([type, value]) => [type, type === NAME_ATTRIBUTES.CN ? utf8('') : value]) }],
    ['basicConstraints CA=true', { ca: true }],
    ['version 1', { version: 1, aaguidExtension: undefined }],
    ['an AAGUID extension for another authenticator', { aaguidExtension: octets(random(16)) }],
    ['a critical AAGUID extension', { aaguidCritical: true }],
    ['an AAGUID extension of 15 bytes', { aaguidExtension: octets(random(15)) }],
    ['an AAGUID extension that is not an OCTET STRING', { aaguidExtension: seq(octets(random(16))) }],
    ['an expired leaf', { notAfter: '2030-05-31T23:59:59Z' }],
    ['a leaf not yet valid', { notBefore: '2030-06-01T00:00:01Z' }],
    ['an expired intermediate', { caSpec: { ca: true, notAfter: '2029-01-01T00:00:00Z' } }],
    ['an alg of another curve', { alg: COSE_ALGORITHMS.ES384 }],
    ['an alg for another key type', { alg: COSE_ALGORITHMS.EdDSA }],
  ])('rejects a leaf with %s as invalid_attestation', async (_name, spec) => {
    expect(await codeOf((await packedX5c(spec)).input)).toBe('invalid_attestation');
  });

  it('accepts a leaf valid up to and including notAfter', async () => {
    expect(await codeOf((await packedX5c({ notAfter: '2030-06-01T00:00:00Z', notBefore: '2030-06-01T00:00:00Z' })).input)).toBe('none');
  });

  it('rejects an alg it does not support as unsupported_algorithm', async () => {
    expect(await codeOf((await packedX5c({ alg: COSE_ALGORITHMS.RS1 })).input)).toBe('unsupported_algorithm');
    expect(await codeOf((await packedX5c({ alg: -47 })).input)).toBe('unsupported_algorithm');
  });

  it.each<[string, (attStmt: Map<string, unknown>) => void]>([
    ['no sig', (attStmt) => attStmt.delete('sig')],
    ['no alg', (attStmt) => attStmt.delete('alg')],
    ['a text alg', (attStmt) => attStmt.set('alg', 'ES256')],
    ['a fractional alg', (attStmt) => attStmt.set('alg', -7.5)],
    ['a text sig', (attStmt) => attStmt.set('sig', 'MEUCIQ')],
    ['an empty x5c', (attStmt) => attStmt.set('x5c', [])],
    ['an x5c that is not an array', (attStmt) => attStmt.set('x5c', caCert)],
    ['six certificates', (attStmt) => attStmt.set('x5c', [...(attStmt.get('x5c') as Uint8Array[]), caCert, caCert, caCert, caCert])],
    ['a malformed leaf', (attStmt) => attStmt.set('x5c', [Uint8Array.of(0x30, 0x00)])],
    ['an ecdaaKeyId (removed in Level 2)', (attStmt) => attStmt.set('ecdaaKeyId', random(32))],
    ['an unknown member', (attStmt) => attStmt.set('ver', '2.0')],
  ])('rejects a statement with %s as invalid_attestation', async (_name, edit) => {
    expect(await codeOf(withStatement(await packedX5c(), edit))).toBe('invalid_attestation');
  });
});

describe('verifyAttestationStatement: packed self attestation', () => {
  const selfAttestation = (kind: 'ES256' | 'EdDSA'): Promise<Built> =>
    (async () => {
      if (kind === 'ES256') {
        const pair = await ecPair();
        return attestation('packed', async (authData, clientDataHash) => new Map<string, unknown>([
          ['alg', COSE_ALGORITHMS.ES256],
          ['sig', derSign(pair.privateKey, concat(authData, clientDataHash))],
        ]), { credentialKey: await ec2CoseKey(pair.publicKey) });
      }
      const pair = (await subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])) as CryptoKeyPair;
      const x = new Uint8Array(await subtle.exportKey('raw', pair.publicKey));
      const credentialKey = new Uint8Array(cbor.encode(new Map<number, unknown>([[1, 1], [3, -8], [-1, 6], [-2, x]])));
      return attestation('packed', async (authData, clientDataHash) => new Map<string, unknown>([
        ['alg', COSE_ALGORITHMS.EdDSA],
        ['sig', new Uint8Array(await subtle.sign({ name: 'Ed25519' }, pair.privateKey, concat(authData, clientDataHash) as Uint8Array<ArrayBuffer>))],
      ]), { credentialKey });
    })();

  it.each(['ES256', 'EdDSA'] as const)('accepts %s self attestation as Self with an empty trust path', async (kind) => {
    expect(await verifyAttestationStatement((await selfAttestation(kind)).input)).toEqual({ fmt: 'packed', type: 'Self', trustPath: [] });
  });

  it('rejects a mismatched alg, a malformed or a wrong signature as invalid_attestation', async () => {
    const built = await selfAttestation('ES256');
    expect(await codeOf(withStatement(built, (attStmt) => attStmt.set('alg', COSE_ALGORITHMS.ES512)))).toBe('invalid_attestation');
    expect(await codeOf(withStatement(built, (attStmt) => attStmt.set('sig', random(70))))).toBe('invalid_attestation');
    const ed = await selfAttestation('EdDSA');
    expect(await codeOf(withStatement(ed, (attStmt) => attStmt.set('sig', random(63))))).toBe('invalid_attestation');
    expect(await codeOf(withStatement(ed, (attStmt) => attStmt.set('sig', random(64))))).toBe('invalid_attestation');
  });
});

describe('verifyAttestationStatement: fido-u2f', () => {
  it('accepts a U2F statement as Basic', async () => {
    const built = await fidoU2f();
    const result = await verifyAttestationStatement(built.input);
    expect(result.type).toBe('Basic');
    expect(result.trustPath).toHaveLength(1);
  });

  it('rejects a non-zero AAGUID (a U2F signature does not cover it)', async () => {
    expect(await codeOf((await fidoU2f({ aaguid: random(16) })).input)).toBe('invalid_attestation');
  });

  it('rejects two certificates, a P-384 certificate key, a non-ES256 credential key and an expired certificate', async () => {
    expect(await codeOf((await fidoU2f({ certs: 2 })).input)).toBe('invalid_attestation');
    expect(await codeOf((await fidoU2f({ curve: 'P-384' })).input)).toBe('invalid_attestation');
    expect(await codeOf((await fidoU2f({ notAfter: '2025-01-01T00:00:00Z' })).input)).toBe('invalid_attestation');
    const { publicKey } = (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])) as CryptoKeyPair;
    const x = new Uint8Array(await crypto.subtle.exportKey('raw', publicKey));
    const ed = new Uint8Array(cbor.encode(new Map<number, unknown>([[1, 1], [3, -8], [-1, 6], [-2, x]])));
    expect(await codeOf((await fidoU2f({ credentialKey: ed })).input)).toBe('invalid_attestation');
  });

  it('rejects an alg member, a missing x5c and a missing sig', async () => {
    const built = await fidoU2f();
    expect(await codeOf(withStatement(built, (attStmt) => attStmt.set('alg', -7)))).toBe('invalid_attestation');
    expect(await codeOf(withStatement(built, (attStmt) => attStmt.delete('x5c')))).toBe('invalid_attestation');
    expect(await codeOf(withStatement(built, (attStmt) => attStmt.delete('sig')))).toBe('invalid_attestation');
  });
});

describe('verifyAttestationStatement: none, other formats and arguments', () => {
  it('rejects a none statement that is not empty', async () => {
    const input = vectorInput(main.find((vector) => vector.fmt === 'none')!);
    expect(await codeOf({ ...input, attStmt: new Map([['sig', random(8)]]) })).toBe('invalid_attestation');
  });

  it.each(['Packed', '', ...REGISTERED_ATTESTATION_FORMATS.filter((fmt) => !isSupportedAttestationFormat(fmt))])('reports fmt %j as unsupported_attestation_format', async (fmt) => {
    const built = await packedX5c();
    expect(await codeOf({ ...built.input, fmt })).toBe('unsupported_attestation_format');
  });

  it('rejects a clientDataHash that is not 32 bytes and a now that is not finite as invalid_argument', async () => {
    const { input } = await packedX5c();
    expect(await codeOf({ ...input, clientDataHash: input.clientDataHash.subarray(1) })).toBe('invalid_argument');
    expect(await codeOf({ ...input, now: Number.NaN })).toBe('invalid_argument');
  });

  it('defaults now to the current time', async () => {
    const { input } = await packedX5c({ notBefore: '2020-01-01T00:00:00Z', notAfter: '2021-01-01T00:00:00Z' });
    const { now: _now, ...withoutNow } = input;
    expect(await codeOf({ ...input, now: Date.parse('2020-06-01T00:00:00Z') })).toBe('none');
    expect(await codeOf(withoutNow)).toBe('invalid_attestation');
  });

  it('yields a result or a TesseraError for random statements', async () => {
    const built = await packedX5c();
    const leaf = (built.attStmt.get('x5c') as Uint8Array[])[0]!;
    const member = fc.oneof(
      fc.uint8Array({ maxLength: 80 }),
      fc.integer({ min: -70_000, max: 70_000 }),
      fc.string({ maxLength: 8 }),
      fc.array(fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.constant(leaf), fc.constant(caCert)), { maxLength: 6 }),
      fc.constant(leaf),
    );
    const statement = fc.dictionary(fc.constantFrom('alg', 'sig', 'x5c', 'ver'), member, { maxKeys: 4 });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('none', 'packed', 'fido-u2f'), statement, async (fmt, members) => {
        const code = await codeOf({ ...built.input, fmt, attStmt: new Map(Object.entries(members)) });
        expect(['invalid_attestation', 'unsupported_algorithm', 'none']).toContain(code);
        // Only an empty "none" statement is accepted: no random packed or fido-u2f statement verifies.
        if (code === 'none') expect({ fmt, members }).toEqual({ fmt: 'none', members: {} });
      }),
      { numRuns: 400 },
    );
  });

  it('keeps the trust path independent of the input', async () => {
    const built = await packedX5c();
    const result = await verifyAttestationStatement(built.input);
    (built.attStmt.get('x5c') as Uint8Array[])[0]!.fill(0);
    expect(parseCertificate(result.trustPath[0]!).version).toBe(3);
  });
});

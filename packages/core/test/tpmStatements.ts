/**
 * Test support only: `tpm` attestation statements (WebAuthn L3 §8.3) of a test's own making — a software "TPM"
 * whose attestation key (AIK) certifies the credential key the authenticator data holds, and an AIK certificate
 * issued by a test CA that meets §8.3.1 unless told otherwise. Never imported by library code.
 */
import { createHash, generateKeyPairSync, sign as nodeSign, type KeyObject } from 'node:crypto';
import { parseAuthenticatorData } from '../src/authenticatorData.ts';
import { COSE_ALGORITHMS, parseCoseKey } from '../src/cose.ts';
import type { AttestationStatementOverride, AttestationToSign } from '../src/testing/softwareAuthenticator.ts';
import { ECDSA_SHA256, bits, boolean, concat, extension, integer, oid, octets, seq, time, tlv, utf8, name } from './derEncoder.ts';

export const TCG = { manufacturer: '2.23.133.2.1', model: '2.23.133.2.2', version: '2.23.133.2.3', aik: '2.23.133.8.3' } as const;
const SAN = '2.5.29.17';
const EKU = '2.5.29.37';
const BASIC_CONSTRAINTS = '2.5.29.19';
const AAGUID = '1.3.6.1.4.1.45724.1.1.4';

const u16 = (value: number): Uint8Array => Uint8Array.of(value >> 8, value & 0xff);
const u32 = (value: number): Uint8Array => Uint8Array.of(value >>> 24, (value >> 16) & 0xff, (value >> 8) & 0xff, value & 0xff);
const sized = (content: Uint8Array): Uint8Array => concat(u16(content.length), content);
const random = (length: number): Uint8Array => globalThis.crypto.getRandomValues(new Uint8Array(length));
const HASH_NAMES: Record<number, string> = { 0x0004: 'sha1', 0x000b: 'sha256', 0x000c: 'sha384', 0x000d: 'sha512' };
const digest = (alg: number, data: Uint8Array): Uint8Array => new Uint8Array(createHash(HASH_NAMES[alg]!).update(data).digest());

/** The SAN's directoryName as RDNs of attributes: the profile's layout is one attribute per RDN. */
export type TpmDirectoryName = [string, Uint8Array][][];

/** The profile's layout (TCG EK Credential Profile §3.2.9): manufacturer, model, version, each its own RDN. */
export const SPEC_DIRECTORY_NAME: TpmDirectoryName = [
  [[TCG.manufacturer, utf8('id:53544D20')]],
  [[TCG.model, utf8('ST33HTPHAHC0')]],
  [[TCG.version, utf8('id:00490008')]],
];

/** A subjectAltName value: GeneralNames holding directoryName [4] per `rdns`, then `others` as they are. */
export function sanValue(rdns: TpmDirectoryName[], others: Uint8Array[] = []): Uint8Array {
  return seq(...rdns.map((groups) => tlv(0xa4, seq(...groups.map((group) => tlv(0x31, ...group.map(([type, value]) => seq(oid(type), value))))))), ...others);
}

/** What a test may vary in a synthetic tpm statement; every default meets §8.3 and §8.3.1. */
export interface TpmSpec {
  /** The statement's `alg`; default RS1, as Windows Hello uses. ES256 makes an EC AIK. */
  alg?: number;
  /** The SAN extension value; default {@link SPEC_DIRECTORY_NAME}; `null` leaves the SAN out. */
  san?: Uint8Array | null;
  sanCritical?: boolean;
  /** The subject Name; default empty. */
  subject?: Uint8Array;
  /** EKU purposes; default tcg-kp-AIKCertificate; `null` leaves the extension out. */
  eku?: string[] | null;
  /** basicConstraints cA; default false; `null` leaves the extension out. */
  ca?: boolean | null;
  /** The AAGUID extension: `'same'` copies the authenticator data's; default absent. */
  aaguid?: 'same' | Uint8Array;
  aaguidCritical?: boolean;
  /** 1 makes a version 1 certificate (no extensions). */
  version?: 1 | 3;
  /** pubArea's nameAlg; default SHA-256 (0x000B). */
  nameAlg?: number;
  /** Encode an RSA exponent of 65537 as 0, the TPM default; default true. */
  exponentZero?: boolean;
  notAfter?: string;
}

let rsaAik: { privateKey: KeyObject; publicKey: KeyObject } | undefined;
let ecAik: { privateKey: KeyObject; publicKey: KeyObject } | undefined;
let ca: { privateKey: KeyObject; publicKey: KeyObject } | undefined;

function keys(alg: number): { aik: { privateKey: KeyObject; publicKey: KeyObject }; ca: { privateKey: KeyObject; publicKey: KeyObject } } {
  ca ??= generateKeyPairSync('ec', { namedCurve: 'P-256' });
  if (alg === COSE_ALGORITHMS.ES256) return { aik: (ecAik ??= generateKeyPairSync('ec', { namedCurve: 'P-256' })), ca };
  return { aik: (rsaAik ??= generateKeyPairSync('rsa', { modulusLength: 2048 })), ca };
}

/** The TPMT_PUBLIC of a COSE credential key (TPM 2.0 Part 2 §12.2.4), as Windows Hello builds it. */
export function pubAreaOf(credentialPublicKey: Uint8Array, nameAlg = 0x000b, exponentZero = true): Uint8Array {
  const key = parseCoseKey(credentialPublicKey);
  const header = (type: number): Uint8Array => concat(u16(type), u16(nameAlg), u32(0x00060472), sized(new Uint8Array(0)), u16(0x0010));
  if (key.kty === 'RSA') {
    const e = key.e.reduce((sum, byte) => sum * 256 + byte, 0);
    return concat(header(0x0001), u16(0x0010), u16(key.n.length * 8), u32(exponentZero && e === 65_537 ? 0 : e), sized(key.n));
  }
  if (key.kty === 'EC2') {
    const curve = { 'P-256': 3, 'P-384': 4, 'P-521': 5 }[key.crv];
    return concat(header(0x0023), u16(0x0010), u16(curve), u16(0x0010), sized(key.x), sized(key.y));
  }
  throw new Error('a TPM holds no OKP key');
}

/** A TPMS_ATTEST of type certify (TPM 2.0 Part 2 §10.12.8) over `pubArea`, with `extraData`. */
export function certInfoOf(pubArea: Uint8Array, extraData: Uint8Array, nameAlg = 0x000b): Uint8Array {
  const tpmName = concat(u16(nameAlg), digest(nameAlg, pubArea));
  return concat(u32(0xff544347), u16(0x8017), sized(concat(u16(0x000b), random(32))), sized(extraData), random(17), random(8), sized(tpmName), sized(concat(u16(0x000b), random(32))));
}

/** An AIK certificate for `spec`, issued by the test CA (ECDSA with SHA-256). */
function aikCertificate(spec: TpmSpec, aikPublic: KeyObject, aaguid: Uint8Array): Uint8Array {
  const extensions = [
    ...(spec.ca === null ? [] : [extension(BASIC_CONSTRAINTS, seq(...(spec.ca === true ? [boolean(true)] : [])), true)]),
    ...(spec.eku === null ? [] : [extension(EKU, seq(...(spec.eku ?? [TCG.aik]).map(oid)))]),
    ...(spec.san === null ? [] : [extension(SAN, spec.san ?? sanValue([SPEC_DIRECTORY_NAME]), spec.sanCritical === false ? undefined : true)]),
    ...(spec.aaguid === undefined ? [] : [extension(AAGUID, octets(spec.aaguid === 'same' ? aaguid : spec.aaguid), spec.aaguidCritical)]),
  ];
  const v3 = (spec.version ?? 3) === 3;
  const tbs = seq(
    ...(v3 ? [tlv(0xa0, integer(2n))] : []),
    integer(77n),
    ECDSA_SHA256,
    name(['2.5.4.3', utf8('Test TPM AIK CA')]),
    seq(time(Date.parse('2020-01-01T00:00:00Z')), time(Date.parse(spec.notAfter ?? '2049-12-31T23:59:59Z'))),
    spec.subject ?? seq(),
    new Uint8Array(aikPublic.export({ type: 'spki', format: 'der' })),
    ...(v3 ? [tlv(0xa3, seq(...extensions))] : []),
  );
  return seq(tbs, ECDSA_SHA256, bits(new Uint8Array(nodeSign('sha256', tbs, { key: keys(COSE_ALGORITHMS.ES256).ca.privateKey, dsaEncoding: 'der' }))));
}

/** The test CA's certificate, to put after the AIK certificate in `x5c`. */
export function tpmCaCertificate(): Uint8Array {
  const { ca: pair } = keys(COSE_ALGORITHMS.ES256);
  const tbs = seq(
    tlv(0xa0, integer(2n)),
    integer(1n),
    ECDSA_SHA256,
    name(['2.5.4.3', utf8('Test TPM AIK CA')]),
    seq(time(Date.parse('2020-01-01T00:00:00Z')), time(Date.parse('2049-12-31T23:59:59Z'))),
    name(['2.5.4.3', utf8('Test TPM AIK CA')]),
    new Uint8Array(pair.publicKey.export({ type: 'spki', format: 'der' })),
    tlv(0xa3, seq(extension(BASIC_CONSTRAINTS, seq(boolean(true)), true))),
  );
  return seq(tbs, ECDSA_SHA256, bits(new Uint8Array(nodeSign('sha256', tbs, { key: pair.privateKey, dsaEncoding: 'der' }))));
}

const SIGN_HASH: Record<number, string> = { [COSE_ALGORITHMS.RS1]: 'sha1', [COSE_ALGORITHMS.RS256]: 'sha256', [COSE_ALGORITHMS.ES256]: 'sha256' };

/** The members of a tpm statement for `signed`, per `spec`. */
export function tpmAttStmt({ authData, clientDataHash }: AttestationToSign, spec: TpmSpec = {}): Map<string, unknown> {
  const alg = spec.alg ?? COSE_ALGORITHMS.RS1;
  const nameAlg = spec.nameAlg ?? 0x000b;
  const { attestedCredentialData } = parseAuthenticatorData(authData);
  if (attestedCredentialData === undefined) throw new Error('no attested credential data');
  const pubArea = pubAreaOf(attestedCredentialData.credentialPublicKey, nameAlg, spec.exponentZero ?? true);
  const extraHash = alg === COSE_ALGORITHMS.RS1 ? 0x0004 : 0x000b;
  const certInfo = certInfoOf(pubArea, digest(extraHash, concat(authData, clientDataHash)), nameAlg);
  const { aik } = keys(alg);
  const sig = nodeSign(SIGN_HASH[alg]!, certInfo, alg === COSE_ALGORITHMS.ES256 ? { key: aik.privateKey, dsaEncoding: 'der' } : aik.privateKey);
  return new Map<string, unknown>([
    ['ver', '2.0'],
    ['alg', alg],
    ['x5c', [aikCertificate(spec, aik.publicKey, attestedCredentialData.aaguid), tpmCaCertificate()]],
    ['sig', new Uint8Array(sig)],
    ['certInfo', certInfo],
    ['pubArea', pubArea],
  ]);
}

/** A tpm statement for the SoftwareAuthenticator's `statement` option. */
export function tpmStatement(spec: TpmSpec = {}): AttestationStatementOverride {
  return { fmt: 'tpm', attStmt: (signed) => tpmAttStmt(signed, spec) };
}

/**
 * Test support only: `android-key`, `android-safetynet` and `apple` attestation statements of a test's own
 * making (WebAuthn L3 §8.4, §8.5, §8.8), over certificates this file issues (ECDSA P-256 issuers), and the
 * captured vectors of those formats as verifier inputs. Never imported by library code.
 */
import { KeyObject, X509Certificate, createHash, sign as nodeSign } from 'node:crypto';
import { AuthorizationList, IntegerSet, KeyDescription, RootOfTrust, SecurityLevel } from '@peculiar/asn1-android';
import { AsnSerializer, OctetString } from '@peculiar/asn1-schema';
import { Encoder } from 'cbor-x';
import { expect } from 'vitest';
import { parseAttestationObject, type AttestationStatement } from '../src/attestationObject.ts';
import type { AttestationStatementInput } from '../src/attestation/verifyAttestationStatement.ts';
import { verifyAttestationStatement } from '../src/attestation/verifyAttestationStatement.ts';
import { validateCertificateChain } from '../src/attestation/certificateChain.ts';
import type { TesseraErrorCode } from '../src/errors.ts';
import { ECDSA_SHA256, bits, boolean, concat, extension, integer, name, octets, seq, tlv, time, utf8 } from './derEncoder.ts';
import { settledCode } from './outcome.ts';
import { childrenOf, nodeAt } from './derWalker.ts';
import { readRegistrationVectors, type RegistrationVector } from './vectors.ts';

const subtle = globalThis.crypto.subtle;
const cbor = new Encoder({ mapsAsObjects: false, useRecords: false, tagUint8Array: false });

export const sha256 = (data: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(data).digest());
export const random = (length: number): Uint8Array => globalThis.crypto.getRandomValues(new Uint8Array(length));
const CN = '2.5.4.3';
const SAN = '2.5.29.17';

/** The verification time of built statements. */
export const NOW: number = Date.parse('2030-06-01T00:00:00Z');

/** An exportable EC P-256 key pair. */
export function ecPair(): Promise<CryptoKeyPair> {
  return subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
}

/** ECDSA with SHA-256 as DER (§6.5.5). */
export const derSign = (key: CryptoKey, data: Uint8Array): Uint8Array =>
  new Uint8Array(nodeSign('sha256', data, { key: KeyObject.from(key), dsaEncoding: 'der' }));

/** The ES256 COSE_Key of an EC P-256 public key. */
export async function ec2CoseKey(publicKey: CryptoKey): Promise<Uint8Array> {
  const point = new Uint8Array(await subtle.exportKey('raw', publicKey));
  return new Uint8Array(cbor.encode(new Map<number, unknown>([[1, 2], [3, -7], [-1, 1], [-2, point.slice(1, 33)], [-3, point.slice(33)]])));
}

/** What a certificate of {@link issue} may vary. */
export interface IssueSpec {
  subject?: Uint8Array;
  extensions?: Uint8Array[];
  notBefore?: string;
  notAfter?: string;
  ca?: boolean;
}

/** A v3 certificate for the SubjectPublicKeyInfo `spki`, signed by `issuer` (ECDSA P-256 with SHA-256). */
export function issue(spki: Uint8Array, issuer: CryptoKey, spec: IssueSpec = {}): Uint8Array {
  const extensions = [...(spec.ca === true ? [extension('2.5.29.19', seq(boolean(true)), true)] : []), ...(spec.extensions ?? [])];
  const tbs = seq(
    tlv(0xa0, integer(2n)),
    integer(99n),
    ECDSA_SHA256,
    name([CN, utf8('Test Root')]),
    seq(time(Date.parse(spec.notBefore ?? '2020-01-01T00:00:00Z')), time(Date.parse(spec.notAfter ?? '2049-12-31T23:59:59Z'))),
    spec.subject ?? name([CN, utf8('Test Leaf')]),
    spki,
    ...(extensions.length > 0 ? [tlv(0xa3, seq(...extensions))] : []),
  );
  return seq(tbs, ECDSA_SHA256, bits(derSign(issuer, tbs)));
}

/** The SubjectPublicKeyInfo DER of a public key. */
export async function spkiOf(publicKey: CryptoKey): Promise<Uint8Array> {
  return new Uint8Array(await subtle.exportKey('spki', publicKey));
}

/** Authenticator data (§6.1) attesting `credentialPublicKey`, with AT and UP set. */
export function authDataFor(credentialPublicKey: Uint8Array): Uint8Array {
  const credentialId = random(16);
  return concat(sha256(new TextEncoder().encode('example.com')), Uint8Array.of(0x41, 0, 0, 0, 0), random(16), Uint8Array.of(0, 16), credentialId, credentialPublicKey);
}

/** The statements built here are maps (only `compound` is an array, §6.5.4). */
function mapOf(attStmt: unknown): Map<string, unknown> {
  if (!(attStmt instanceof Map)) throw new Error('expected a map statement');
  return attStmt as Map<string, unknown>;
}

/** A verifier input for `fmt` and `attStmt`, parsed as a relying party would parse the attestation object. */
export function inputFor(fmt: string, attStmt: Map<string, unknown>, authData: Uint8Array, clientDataHash: Uint8Array, now: number = NOW): AttestationStatementInput {
  const parsed = parseAttestationObject(new Uint8Array(cbor.encode(new Map<string, unknown>([['fmt', fmt], ['attStmt', attStmt], ['authData', authData]]))));
  return { ...parsed, attStmt: mapOf(parsed.attStmt), clientDataHash, now };
}

/** The error code a verification ends with, or `'none'` when it succeeds; anything but a TesseraError is rethrown. */
export function codeOf(input: AttestationStatementInput<AttestationStatement>): Promise<TesseraErrorCode | 'none'> {
  return settledCode(verifyAttestationStatement(input));
}

/**
 * Flips one bit of every byte of the leaf of `input`'s x5c in turn and asserts that the verifier refuses it
 * with `invalid_attestation` or, for a byte the statement check does not read (serial, issuer, signature,
 * unread extensions), that the issuer's signature no longer verifies, so chain validation refuses it; and that
 * the verifier itself refuses at least one.
 */
export async function expectLeafFlipsRefused(input: AttestationStatementInput): Promise<void> {
  const x5c = input.attStmt.get('x5c') as Uint8Array[];
  const leaf = x5c[0]!;
  let refused = 0;
  for (let at = 0; at < leaf.length; at++) {
    const flipped = new Uint8Array(leaf);
    flipped[at]! ^= 0x01;
    const code = await codeOf({ ...input, attStmt: new Map(input.attStmt).set('x5c', [flipped, ...x5c.slice(1)]) });
    expect(['none', 'invalid_attestation'], `byte ${at}`).toContain(code);
    if (code !== 'none') refused++;
    else if (at !== signatureUnusedBitsAt(leaf)) expect(await refusedByPathValidation(flipped, x5c[1]!, input.now), `byte ${at}`).toBe(true);
  }
  expect(refused).toBeGreaterThan(0);
}

// ---- Captured vectors ----

const decode = (value: string): Uint8Array => new Uint8Array(Buffer.from(value, 'base64url'));

/**
 * Where a certificate's signature BIT STRING keeps its unused-bits count: the one byte outside the signed bytes
 * that the parser tolerates (some Yubico U2F certificates set it wrongly), so flipping it changes nothing signed.
 */
export function signatureUnusedBitsAt(certificate: Uint8Array): number {
  return childrenOf(certificate, nodeAt(certificate, 0))[2]!.contentStart;
}

/**
 * Whether a certificate the statement check accepted fails path validation under `issuer`, by this library's own
 * chain validator (the hosts' X.509 verifiers disagree: Deno's node:crypto verifies some altered certificates,
 * Bun's BoringSSL refuses to parse some Node's OpenSSL takes). Not for the byte at {@link signatureUnusedBitsAt}.
 */
export async function refusedByPathValidation(certificate: Uint8Array, issuer: Uint8Array, now: number | undefined): Promise<boolean> {
  return validateCertificateChain({ chain: [certificate], anchors: [issuer], ...(now === undefined ? {} : { now }) }).then(
    () => false,
    () => true,
  );
}

/** The captured registrations of one format. */
export function vectorsOf(fmt: string): RegistrationVector[] {
  return readRegistrationVectors().filter((vector) => vector.fmt === fmt);
}

/** A captured registration as verifier input, at its `requiresDate`, with its SafetyNet policy. */
export function vectorInput(vector: RegistrationVector): AttestationStatementInput {
  const parsed = parseAttestationObject(decode(vector.response.response.attestationObject));
  return {
    ...parsed,
    attStmt: mapOf(parsed.attStmt),
    clientDataHash: sha256(decode(vector.response.response.clientDataJSON)),
    ...(vector.requiresDate === undefined ? {} : { now: Date.parse(vector.requiresDate) }),
    ...(vector.safetyNetCtsProfileMatchRequired === undefined ? {} : { safetyNetCtsProfileMatchRequired: vector.safetyNetCtsProfileMatchRequired }),
  };
}

/** `input` with its credential public key replaced by `credentialPublicKey` (authData re-encoded and re-parsed). */
export function withCredentialKey(input: AttestationStatementInput, credentialPublicKey: Uint8Array): AttestationStatementInput {
  const { credentialId, credentialPublicKey: old } = input.authenticatorData.attestedCredentialData;
  const start = 37 + 16 + 2 + credentialId.length;
  const authData = concat(input.authData.subarray(0, start), credentialPublicKey, input.authData.subarray(start + old.length));
  return { ...input, ...inputFor(input.fmt, input.attStmt, authData, input.clientDataHash), now: input.now };
}

// ---- android-key (§8.4) ----

/** What {@link androidKey} may vary in the KeyDescription and the statement. */
export interface AndroidKeySpec {
  tee?: Partial<AuthorizationList>;
  software?: Partial<AuthorizationList>;
  /** The attestationChallenge; default the clientDataHash. */
  challenge?: Uint8Array;
  /** The extension's DER (or a function of the clientDataHash making it), instead of a KeyDescription. */
  extensionValue?: Uint8Array | ((clientDataHash: Uint8Array) => Uint8Array);
  /** A key other than the credential's in the leaf (it signs too). */
  otherLeafKey?: boolean;
  attestationVersion?: number;
}

/** The authorization list of a key generated in the TEE to sign: origin GENERATED, purpose { SIGN }. */
export const GENERATED_TO_SIGN: Partial<AuthorizationList> = {
  purpose: new IntegerSet([2]),
  algorithm: 3,
  origin: 0,
  rootOfTrust: new RootOfTrust({ verifiedBootKey: new OctetString(32), deviceLocked: true, verifiedBootState: 0, verifiedBootHash: new OctetString(32) }),
};

/** A KeyDescription (Android Key Attestation extension) as DER. */
export function keyDescription(challenge: Uint8Array, spec: AndroidKeySpec): Uint8Array {
  const description = new KeyDescription({
    attestationVersion: spec.attestationVersion ?? 300,
    attestationSecurityLevel: SecurityLevel.trustedEnvironment,
    keymasterVersion: spec.attestationVersion ?? 300,
    keymasterSecurityLevel: SecurityLevel.trustedEnvironment,
    attestationChallenge: new OctetString(challenge),
    uniqueId: new OctetString(0),
    softwareEnforced: new AuthorizationList(spec.software ?? { creationDateTime: 1_700_000_000_000 }),
    teeEnforced: new AuthorizationList(spec.tee ?? GENERATED_TO_SIGN),
  });
  return new Uint8Array(AsnSerializer.serialize(description));
}

/** An `android-key` input: a credential key certified by a test CA with a KeyDescription per `spec`, signing. */
export async function androidKey(spec: AndroidKeySpec = {}): Promise<AttestationStatementInput> {
  const ca = await ecPair();
  const credential = await ecPair();
  const leafKey = spec.otherLeafKey === true ? await ecPair() : credential;
  const authData = authDataFor(await ec2CoseKey(credential.publicKey));
  const clientDataHash = random(32);
  const value =
    typeof spec.extensionValue === 'function'
      ? spec.extensionValue(clientDataHash)
      : (spec.extensionValue ?? keyDescription(spec.challenge ?? clientDataHash, spec));
  const leaf = issue(await spkiOf(leafKey.publicKey), ca.privateKey, {
    subject: name([CN, utf8('Android Keystore Key')]),
    extensions: [extension('1.3.6.1.4.1.11129.2.1.17', value)],
  });
  const root = issue(await spkiOf(ca.publicKey), ca.privateKey, { ca: true });
  const attStmt = new Map<string, unknown>([
    ['alg', -7],
    ['sig', derSign(leafKey.privateKey, concat(authData, clientDataHash))],
    ['x5c', [leaf, root]],
  ]);
  return inputFor('android-key', attStmt, authData, clientDataHash);
}

// ---- apple (§8.8) ----

/** An `apple` input: the credential key certified by a test CA with the nonce extension (value `extensionValue(nonce)`). */
export async function apple(spec: { extensionValue?: (nonce: Uint8Array) => Uint8Array; otherLeafKey?: boolean; alg?: unknown } = {}): Promise<AttestationStatementInput> {
  const ca = await ecPair();
  const credential = await ecPair();
  const leafKey = spec.otherLeafKey === true ? await ecPair() : credential;
  const authData = authDataFor(await ec2CoseKey(credential.publicKey));
  const clientDataHash = random(32);
  const nonce = sha256(concat(authData, clientDataHash));
  const value = spec.extensionValue?.(nonce) ?? seq(tlv(0xa1, octets(nonce)));
  const leaf = issue(await spkiOf(leafKey.publicKey), ca.privateKey, { extensions: [extension('1.2.840.113635.100.8.2', value)] });
  const root = issue(await spkiOf(ca.publicKey), ca.privateKey, { ca: true });
  const attStmt = new Map<string, unknown>([['x5c', [leaf, root]]]);
  if (spec.alg !== undefined) attStmt.set('alg', spec.alg);
  return inputFor('apple', attStmt, authData, clientDataHash);
}

// ---- android-safetynet (§8.5) ----

/** What {@link safetyNet} may vary. */
export interface SafetyNetSpec {
  /** Header members; `alg` default `ES256` (signed with a P-256 key) or `RS256` (an RSA-2048 key). */
  header?: Record<string, unknown>;
  /** Payload members over the valid defaults; `undefined` removes one. */
  payload?: Record<string, unknown>;
  /** Leaf certificate's subjectAltName dNSName; `null` leaves the SAN out. Default attest.android.com. */
  dnsName?: string | null;
  /** Leaf subject CN; default attest.android.com. */
  commonName?: string;
  /** Replace the compact serialization (given the valid one). */
  compact?: (jws: string) => string;
  ver?: unknown;
}

const b64url = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');
const json = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));

/** An `android-safetynet` input: a JWS signed by a leaf issued to attest.android.com by a test CA. */
export async function safetyNet(spec: SafetyNetSpec = {}): Promise<AttestationStatementInput> {
  const alg = spec.header?.['alg'] === 'RS256' ? 'RS256' : 'ES256';
  const signer =
    alg === 'RS256'
      ? await subtle.generateKey({ name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: Uint8Array.of(1, 0, 1), hash: 'SHA-256' }, true, ['sign', 'verify'])
      : await ecPair();
  const ca = await ecPair();
  const dnsName = spec.dnsName === undefined ? 'attest.android.com' : spec.dnsName;
  const leaf = issue(await spkiOf(signer.publicKey), ca.privateKey, {
    subject: name([CN, utf8(spec.commonName ?? 'attest.android.com')]),
    extensions: dnsName === null ? [] : [extension(SAN, seq(tlv(0x82, new TextEncoder().encode(dnsName))))],
  });
  const root = issue(await spkiOf(ca.publicKey), ca.privateKey, { ca: true });
  const credential = await ecPair();
  const authData = authDataFor(await ec2CoseKey(credential.publicKey));
  const clientDataHash = random(32);
  const header = { alg, x5c: [leaf, root].map((der) => Buffer.from(der).toString('base64')), ...spec.header };
  const payload: Record<string, unknown> = {
    nonce: Buffer.from(sha256(concat(authData, clientDataHash))).toString('base64'),
    timestampMs: NOW - 1_000,
    apkPackageName: 'com.google.android.gms',
    ctsProfileMatch: true,
    basicIntegrity: true,
    ...spec.payload,
  };
  for (const key of Object.keys(payload)) if (payload[key] === undefined) delete payload[key];
  const signingInput = `${b64url(json(header))}.${b64url(json(payload))}`;
  const data = new TextEncoder().encode(signingInput);
  const signature =
    alg === 'RS256'
      ? new Uint8Array(await subtle.sign('RSASSA-PKCS1-v1_5', signer.privateKey, data))
      : new Uint8Array(await subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, signer.privateKey, data));
  const compact = `${signingInput}.${b64url(signature)}`;
  const attStmt = new Map<string, unknown>([
    ['ver', spec.ver ?? '252037029'],
    ['response', new TextEncoder().encode(spec.compact?.(compact) ?? compact)],
  ]);
  return inputFor('android-safetynet', attStmt, authData, clientDataHash);
}

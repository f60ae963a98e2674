import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  BasicConstraints,
  Certificate,
  CertificateList,
  Extension,
  Extensions,
  KeyUsage,
  KeyUsageFlags,
  Name,
  RelativeDistinguishedName,
  RevokedCertificate,
  SubjectPublicKeyInfo,
  TBSCertList,
  TBSCertificate,
  Time,
  Validity,
  Version,
  id_ce_basicConstraints,
  id_ce_keyUsage,
} from '@peculiar/asn1-x509';
import { ECDSASigValue } from '@peculiar/asn1-ecc';
import { RsaSaPssParams, id_RSASSA_PSS, id_mgf1, id_sha256WithRSAEncryption } from '@peculiar/asn1-rsa';

/*
 * A small X.509 public key infrastructure for tests (RFC 5280 §4.1 certificates, §5.1 CRLs), built with the
 * @peculiar/asn1-x509 schemas and signed with WebCrypto: trust anchors, intermediates, attestation leaves and
 * revocation lists of a test's own, to exercise chain validation and attestation trust without captured data.
 * Web platform only, so it runs wherever the core does.
 */

/** Key and signature algorithms the test PKI can make (COSE names, WebAuthn L3 §5.8.5). */
export type TestKeyAlgorithm = 'ES256' | 'ES384' | 'ES512' | 'RS256' | 'PS256' | 'Ed25519';

/** A distinguished name (RFC 5280 §4.1.2.4) given as its common attributes, encoded in the order C, O, OU, CN. */
export interface TestName {
  C?: string;
  O?: string;
  OU?: string;
  CN?: string;
}

/** Key usages (RFC 5280 §4.2.1.3) by name. */
export type TestKeyUsage = 'digitalSignature' | 'nonRepudiation' | 'keyEncipherment' | 'dataEncipherment' | 'keyAgreement' | 'keyCertSign' | 'cRLSign';

/** An extension to add as it is (RFC 5280 §4.1.2.9): its OID, the DER of its value, and criticality. */
export interface TestExtension {
  oid: string;
  value: Uint8Array;
  critical?: boolean;
}

/** A certificate the test PKI issued, with the key pair of its subject. */
export interface TestCertificate {
  /** The certificate, DER. */
  der: Uint8Array;
  /** The subject's key pair: the private key signs what this certificate certifies (or CRLs). */
  keys: CryptoKeyPair;
  /** The subject key's algorithm, which is also how it signs. */
  algorithm: TestKeyAlgorithm;
  /** The subject name as given. */
  subject: TestName;
  /** The serial number's octets, as encoded. */
  serialNumber: Uint8Array;
}

/** Input of {@link issueTestCertificate}. Every member is optional; defaults make a valid leaf. */
export interface IssueTestCertificateInput {
  /** The CA that signs; omitted: the certificate is self-signed with its own key. */
  issuer?: TestCertificate;
  /** Subject name; default `{ CN: 'Test Certificate' }`. */
  subject?: TestName;
  /** The key pair to certify; default a new one of `algorithm`. */
  keys?: CryptoKeyPair;
  /** Algorithm of a new key pair; default `'ES256'` (ECDSA P-256). */
  algorithm?: TestKeyAlgorithm;
  /** Start of validity; default 2020-01-01. */
  notBefore?: Date;
  /** End of validity; default 2049-12-31. */
  notAfter?: Date;
  /** basicConstraints cA (RFC 5280 §4.2.1.9), critical; `undefined` omits the extension. Default `false` (leaf). */
  isCA?: boolean | undefined;
  /** basicConstraints pathLenConstraint; only with `isCA`. */
  pathLength?: number;
  /** keyUsage (critical); default `['keyCertSign', 'cRLSign']` for a CA, none for a leaf. `[]` omits it. */
  keyUsage?: TestKeyUsage[];
  /** More extensions, as they are. */
  extensions?: TestExtension[];
  /** Serial number octets (a positive DER INTEGER's content); default 16 random bytes. */
  serialNumber?: Uint8Array;
  /** Signs with this private key instead of the issuer's (to forge); the algorithm stays the issuer's. */
  signingKey?: CryptoKey;
}

/** Input of {@link issueTestCrl}. */
export interface IssueTestCrlInput {
  /** The CA whose CRL it is: its subject is the CRL issuer, its key signs. */
  issuer: TestCertificate;
  /** Serial numbers (octets, as {@link TestCertificate}`.serialNumber`) listed as revoked. */
  revokedSerialNumbers?: Uint8Array[];
  /** Default 2020-01-01. */
  thisUpdate?: Date;
  /** Default 2049-12-31; `null` omits it. */
  nextUpdate?: Date | null;
  /** Signs with this private key instead of the issuer's (to forge). */
  signingKey?: CryptoKey;
}

const NAME_OIDS: Readonly<Record<keyof TestName, string>> = { C: '2.5.4.6', O: '2.5.4.10', OU: '2.5.4.11', CN: '2.5.4.3' };

const GENERATE: Readonly<Record<TestKeyAlgorithm, RsaHashedKeyGenParams | EcKeyGenParams | Algorithm>> = {
  ES256: { name: 'ECDSA', namedCurve: 'P-256' },
  ES384: { name: 'ECDSA', namedCurve: 'P-384' },
  ES512: { name: 'ECDSA', namedCurve: 'P-521' },
  RS256: { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: Uint8Array.of(1, 0, 1), hash: 'SHA-256' },
  PS256: { name: 'RSA-PSS', modulusLength: 2048, publicExponent: Uint8Array.of(1, 0, 1), hash: 'SHA-256' },
  Ed25519: { name: 'Ed25519' },
};

const SHA256 = '2.16.840.1.101.3.4.2.1';

/** The signatureAlgorithm (RFC 5280 §4.1.1.2) for signatures by a key of `algorithm` (RFC 5758 §3.2, RFC 4055 §3.1, RFC 8410 §3). */
function signatureAlgorithm(algorithm: TestKeyAlgorithm): AlgorithmIdentifier {
  switch (algorithm) {
    case 'ES256':
      return new AlgorithmIdentifier({ algorithm: '1.2.840.10045.4.3.2' });
    case 'ES384':
      return new AlgorithmIdentifier({ algorithm: '1.2.840.10045.4.3.3' });
    case 'ES512':
      return new AlgorithmIdentifier({ algorithm: '1.2.840.10045.4.3.4' });
    case 'RS256':
      return new AlgorithmIdentifier({ algorithm: id_sha256WithRSAEncryption, parameters: null });
    case 'PS256': {
      const sha256 = new AlgorithmIdentifier({ algorithm: SHA256, parameters: null });
      const params = new RsaSaPssParams({
        hashAlgorithm: sha256,
        maskGenAlgorithm: new AlgorithmIdentifier({ algorithm: id_mgf1, parameters: AsnConvert.serialize(sha256) }),
        saltLength: 32,
      });
      return new AlgorithmIdentifier({ algorithm: id_RSASSA_PSS, parameters: AsnConvert.serialize(params) });
    }
    case 'Ed25519':
      return new AlgorithmIdentifier({ algorithm: '1.3.101.112' });
  }
}

/** Minimal positive two's-complement octets of an unsigned big-endian number (X.690 §8.3). */
function positiveInteger(bytes: Uint8Array): ArrayBuffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const trimmed = bytes.subarray(start);
  const out = (trimmed[0]! & 0x80) !== 0 ? new Uint8Array([0, ...trimmed]) : Uint8Array.from(trimmed);
  return out.buffer;
}

/** Signs `data` the way X.509 carries signatures: ECDSA as DER Ecdsa-Sig-Value (RFC 5758 §3.2), others raw. */
async function sign(algorithm: TestKeyAlgorithm, privateKey: CryptoKey, data: Uint8Array): Promise<Uint8Array> {
  const bytes = data as Uint8Array<ArrayBuffer>;
  switch (algorithm) {
    case 'ES256':
    case 'ES384':
    case 'ES512': {
      const hash = algorithm === 'ES256' ? 'SHA-256' : algorithm === 'ES384' ? 'SHA-384' : 'SHA-512';
      const p1363 = new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash }, privateKey, bytes));
      const half = p1363.length / 2;
      const value = new ECDSASigValue({ r: positiveInteger(p1363.subarray(0, half)), s: positiveInteger(p1363.subarray(half)) });
      return new Uint8Array(AsnConvert.serialize(value));
    }
    case 'RS256':
      return new Uint8Array(await crypto.subtle.sign({ name: 'RSASSA-PKCS1-v1_5' }, privateKey, bytes));
    case 'PS256':
      return new Uint8Array(await crypto.subtle.sign({ name: 'RSA-PSS', saltLength: 32 }, privateKey, bytes));
    case 'Ed25519':
      return new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, privateKey, bytes));
  }
}

function encodeName(name: TestName): Name {
  const rdns: RelativeDistinguishedName[] = [];
  for (const key of ['C', 'O', 'OU', 'CN'] as const) {
    const value = name[key];
    if (value === undefined) continue;
    // RFC 5280 §4.1.2.4: countryName is a PrintableString; the others UTF8String.
    const attributeValue = key === 'C' ? new AttributeValue({ printableString: value }) : new AttributeValue({ utf8String: value });
    rdns.push(new RelativeDistinguishedName([new AttributeTypeAndValue({ type: NAME_OIDS[key], value: attributeValue })]));
  }
  return new Name(rdns);
}

function keyUsageExtension(usages: readonly TestKeyUsage[]): Extension {
  let flags = 0;
  for (const usage of usages) flags |= KeyUsageFlags[usage];
  return new Extension({ extnID: id_ce_keyUsage, critical: true, extnValue: new OctetString(AsnConvert.serialize(new KeyUsage(flags))) });
}

/**
 * Makes a key pair for the test PKI.
 *
 * @param algorithm - default `'ES256'`
 * @returns an extractable key pair that can sign and verify
 */
export async function generateTestKeys(algorithm: TestKeyAlgorithm = 'ES256'): Promise<CryptoKeyPair> {
  return (await crypto.subtle.generateKey(GENERATE[algorithm], true, ['sign', 'verify'])) as CryptoKeyPair;
}

/**
 * Issues an X.509 v3 certificate (RFC 5280 §4.1) for tests: signed by `issuer` (or self-signed), with
 * basicConstraints, keyUsage and any extensions of the test's choosing.
 *
 * @param input - see {@link IssueTestCertificateInput}; every member has a default
 * @returns the DER certificate, the subject's key pair and its serial number
 * @example
 * ```ts
 * const root = await createTestCertificateAuthority();
 * const leaf = await issueTestCertificate({ issuer: root, subject: { CN: 'Leaf' } });
 * ```
 */
export async function issueTestCertificate(input: IssueTestCertificateInput = {}): Promise<TestCertificate> {
  const algorithm = input.keys === undefined ? (input.algorithm ?? 'ES256') : (input.algorithm ?? algorithmOfKey(input.keys.publicKey));
  const keys = input.keys ?? (await generateTestKeys(algorithm));
  const subject = input.subject ?? { CN: 'Test Certificate' };
  const issuerName = input.issuer?.subject ?? subject;
  const signerAlgorithm = input.issuer?.algorithm ?? algorithm;
  const signingKey = input.signingKey ?? input.issuer?.keys.privateKey ?? keys.privateKey;
  const serialNumber = input.serialNumber ?? Uint8Array.from([0x01, ...crypto.getRandomValues(new Uint8Array(15))]);
  const isCA = 'isCA' in input ? input.isCA : false;

  const extensions: Extension[] = [];
  if (isCA !== undefined) {
    const constraints = new BasicConstraints(isCA ? { cA: true, ...(input.pathLength === undefined ? {} : { pathLenConstraint: input.pathLength }) } : {});
    extensions.push(new Extension({ extnID: id_ce_basicConstraints, critical: true, extnValue: new OctetString(AsnConvert.serialize(constraints)) }));
  }
  const usages = input.keyUsage ?? (isCA === true ? ['keyCertSign', 'cRLSign'] : []);
  if (usages.length > 0) extensions.push(keyUsageExtension(usages));
  for (const extension of input.extensions ?? []) {
    extensions.push(new Extension({ extnID: extension.oid, critical: extension.critical ?? false, extnValue: new OctetString(extension.value) }));
  }

  const spki = AsnConvert.parse(new Uint8Array(await crypto.subtle.exportKey('spki', keys.publicKey)), SubjectPublicKeyInfo);
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: Uint8Array.from(serialNumber).buffer,
    signature: signatureAlgorithm(signerAlgorithm),
    issuer: encodeName(issuerName),
    validity: new Validity({ notBefore: input.notBefore ?? new Date('2020-01-01T00:00:00Z'), notAfter: input.notAfter ?? new Date('2049-12-31T23:59:59Z') }),
    subject: encodeName(subject),
    subjectPublicKeyInfo: spki,
    ...(extensions.length > 0 ? { extensions: new Extensions(extensions) } : {}),
  });
  const tbsBytes = new Uint8Array(AsnConvert.serialize(tbs));
  const signature = await sign(signerAlgorithm, signingKey, tbsBytes);
  const certificate = new Certificate({ tbsCertificate: tbs, signatureAlgorithm: signatureAlgorithm(signerAlgorithm), signatureValue: Uint8Array.from(signature).buffer });
  return { der: new Uint8Array(AsnConvert.serialize(certificate)), keys, algorithm, subject, serialNumber: Uint8Array.from(serialNumber) };
}

function algorithmOfKey(key: CryptoKey): TestKeyAlgorithm {
  const algorithm = key.algorithm as Partial<EcKeyAlgorithm & RsaHashedKeyAlgorithm>;
  if (algorithm.name === 'ECDSA') return algorithm.namedCurve === 'P-384' ? 'ES384' : algorithm.namedCurve === 'P-521' ? 'ES512' : 'ES256';
  if (algorithm.name === 'RSA-PSS') return 'PS256';
  if (algorithm.name === 'RSASSA-PKCS1-v1_5') return 'RS256';
  return 'Ed25519';
}

/**
 * Creates a self-signed root certificate authority for tests (RFC 5280 §4.2.1.9 cA, keyCertSign and cRLSign).
 *
 * @param input - as {@link issueTestCertificate}, without `issuer`; default subject `{ CN: 'Test Root CA' }`
 * @returns the root certificate and its key pair: pass its `der` as a trust anchor
 */
export async function createTestCertificateAuthority(input: Omit<IssueTestCertificateInput, 'issuer' | 'isCA'> = {}): Promise<TestCertificate> {
  return issueTestCertificate({ subject: { CN: 'Test Root CA' }, ...input, isCA: true });
}

/**
 * Issues a certificate revocation list (RFC 5280 §5.1, version 2) for tests, signed by `issuer`.
 *
 * @param input - see {@link IssueTestCrlInput}
 * @returns the DER CRL
 */
export async function issueTestCrl(input: IssueTestCrlInput): Promise<Uint8Array> {
  const { issuer } = input;
  const revocationDate = new Time(input.thisUpdate ?? new Date('2020-01-01T00:00:00Z'));
  const revoked = (input.revokedSerialNumbers ?? []).map(
    (serial) => new RevokedCertificate({ userCertificate: Uint8Array.from(serial).buffer, revocationDate }),
  );
  const nextUpdate = input.nextUpdate === undefined ? new Date('2049-12-31T23:59:59Z') : input.nextUpdate;
  const tbs = new TBSCertList({
    version: Version.v2,
    signature: signatureAlgorithm(issuer.algorithm),
    issuer: encodeName(issuer.subject),
    thisUpdate: new Time(input.thisUpdate ?? new Date('2020-01-01T00:00:00Z')),
    ...(nextUpdate === null ? {} : { nextUpdate: new Time(nextUpdate) }),
    ...(revoked.length > 0 ? { revokedCertificates: revoked } : {}),
  });
  const tbsBytes = new Uint8Array(AsnConvert.serialize(tbs));
  const signature = await sign(issuer.algorithm, input.signingKey ?? issuer.keys.privateKey, tbsBytes);
  const crl = new CertificateList({ tbsCertList: tbs, signatureAlgorithm: signatureAlgorithm(issuer.algorithm), signature: Uint8Array.from(signature).buffer });
  return new Uint8Array(AsnConvert.serialize(crl));
}

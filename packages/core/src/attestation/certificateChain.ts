import { AsnConvert } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier, CertificateList, KeyUsageFlags, type Extension } from '@peculiar/asn1-x509';
import { RsaSaPssParams, id_RSASSA_PSS, id_mgf1 } from '@peculiar/asn1-rsa';
import { ecdsaDerToP1363, type EcdsaComponentBytes } from '../_ecdsaSignature.ts';
import { equalBytes } from '../_bytes.ts';
import { MAX_RSA_MODULUS_BITS, MIN_RSA_MODULUS_BITS } from '../cose.ts';
import { TesseraError, isTesseraError } from '../errors.ts';
import { KEY_OIDS, basicConstraints, keyUsageFlags, parseCertificate, parseDer, type Certificate } from './_certificate.ts';

/*
 * Certification path validation (RFC 5280 §6.1) for attestation trust paths (WebAuthn L3 §7.1 steps 22–23)
 * and for the FIDO Metadata Service's BLOB signer: a chain as an authenticator or server sent it, leaf first,
 * must lead to one of the trust anchors the relying party was given. No path building: the chain's order is
 * the path's. Policies, name constraints and revocation by anything but the CRLs given are not processed.
 */

/** Most certificates accepted in a chain, the anchor included if sent. */
export const MAX_CHAIN_CERTIFICATES = 8;

/** Largest CRL accepted, in bytes. */
export const MAX_CRL_BYTES = 1_048_576;

/** Input of {@link validateCertificateChain}. */
export interface ValidateCertificateChainInput {
  /** DER certificates, leaf first, each certified by the next, as sent (an `x5c`, say). */
  chain: readonly Uint8Array[];
  /** DER trust anchor certificates: a path must end at one of them. */
  anchors: readonly Uint8Array[];
  /** When every certificate must be valid, epoch milliseconds; default `Date.now()`. */
  now?: number | undefined;
  /** DER CRLs (RFC 5280 §5) to consult; those of issuers outside the path are ignored. */
  crls?: readonly Uint8Array[] | undefined;
}

/** What {@link validateCertificateChain} established. */
export interface CertificateChainResult {
  /** The validated certificates, leaf first, up to but excluding the anchor (empty when the leaf is an anchor). */
  path: Uint8Array[];
  /** The trust anchor the path leads to, as given in `anchors`. */
  anchor: Uint8Array;
}

/** Extensions a critical marking does not make fatal: those processed here or by the attestation formats. */
const UNDERSTOOD_CRITICAL_EXTENSIONS: ReadonlySet<string> = new Set([
  '2.5.29.19', // basicConstraints (§4.2.1.9), processed here
  '2.5.29.15', // keyUsage (§4.2.1.3), processed here
  '2.5.29.37', // extKeyUsage (§4.2.1.12), read by formats that require a purpose (tpm)
  '2.5.29.17', // subjectAltName (§4.2.1.6), critical when the subject is empty (tpm AIK certificates)
  '2.5.29.32', // certificatePolicies (§4.2.1.4): any policy is acceptable (initial-policy-set anyPolicy, §6.1.1 (c))
]);

function chainError(problem: string, cause?: unknown): never {
  throw new TesseraError('invalid_certificate_chain', `Invalid certificate chain: ${problem}.`, cause === undefined ? undefined : { cause });
}

type SignatureScheme =
  | { kind: 'ECDSA'; hash: string }
  | { kind: 'RSASSA-PKCS1-v1_5'; hash: string }
  | { kind: 'RSA-PSS'; hash: string; saltLength: number }
  | { kind: 'Ed25519' };

const HASH_OIDS: Readonly<Record<string, string>> = {
  '2.16.840.1.101.3.4.2.1': 'SHA-256',
  '2.16.840.1.101.3.4.2.2': 'SHA-384',
  '2.16.840.1.101.3.4.2.3': 'SHA-512',
};

/**
 * Certificate and CRL signature algorithms (RFC 5758 §3.2, RFC 4055 §5, RFC 8017 Appendix A.2.4, RFC 8410 §3).
 * SHA-1 signatures (ecdsa-with-SHA1, sha1WithRSAEncryption) are refused: SHA-1 collisions are practical, and no
 * attestation chain we know of needs them.
 */
const SIMPLE_SCHEMES: ReadonlyMap<string, SignatureScheme> = new Map<string, SignatureScheme>([
  ['1.2.840.10045.4.3.2', { kind: 'ECDSA', hash: 'SHA-256' }],
  ['1.2.840.10045.4.3.3', { kind: 'ECDSA', hash: 'SHA-384' }],
  ['1.2.840.10045.4.3.4', { kind: 'ECDSA', hash: 'SHA-512' }],
  ['1.2.840.113549.1.1.11', { kind: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }],
  ['1.2.840.113549.1.1.12', { kind: 'RSASSA-PKCS1-v1_5', hash: 'SHA-384' }],
  ['1.2.840.113549.1.1.13', { kind: 'RSASSA-PKCS1-v1_5', hash: 'SHA-512' }],
  ['1.3.101.112', { kind: 'Ed25519' }],
]);

/** The signature scheme of an AlgorithmIdentifier's DER; RSA-PSS parameters must use one hash throughout. */
function schemeOf(algorithmDer: Uint8Array): SignatureScheme {
  const algorithm = AsnConvert.parse(algorithmDer, AlgorithmIdentifier);
  const simple = SIMPLE_SCHEMES.get(algorithm.algorithm);
  if (simple !== undefined) return simple;
  if (algorithm.algorithm === id_RSASSA_PSS && algorithm.parameters instanceof ArrayBuffer) {
    const params = parseDer(new Uint8Array(algorithm.parameters), RsaSaPssParams, 'RSASSA-PSS parameters');
    const hash = HASH_OIDS[params.hashAlgorithm.algorithm];
    const mgfHash =
      params.maskGenAlgorithm.algorithm === id_mgf1 && params.maskGenAlgorithm.parameters instanceof ArrayBuffer
        ? HASH_OIDS[AsnConvert.parse(params.maskGenAlgorithm.parameters, AlgorithmIdentifier).algorithm]
        : undefined;
    if (hash !== undefined && mgfHash === hash && params.trailerField === 1) return { kind: 'RSA-PSS', hash, saltLength: params.saltLength };
  }
  return chainError(`the signature algorithm ${algorithm.algorithm} is not supported`);
}

const CURVES: Readonly<Record<string, { namedCurve: string; size: EcdsaComponentBytes }>> = {
  [KEY_OIDS['P-256']]: { namedCurve: 'P-256', size: 32 },
  [KEY_OIDS['P-384']]: { namedCurve: 'P-384', size: 48 },
  [KEY_OIDS['P-521']]: { namedCurve: 'P-521', size: 66 },
};

/**
 * Whether `issuer`'s key made `signature` over `data` with the algorithm `algorithmDer` names.
 *
 * @throws {TesseraError} `invalid_certificate_chain` when the key does not fit the algorithm or is refused
 */
async function verifiedBy(issuer: Certificate, algorithmDer: Uint8Array, signature: Uint8Array, data: Uint8Array): Promise<boolean> {
  let scheme: SignatureScheme;
  try {
    scheme = schemeOf(algorithmDer);
  } catch (error) {
    if (isTesseraError(error, 'invalid_certificate_chain')) throw error;
    chainError('a signature algorithm is malformed', error);
  }
  const subtle = globalThis.crypto.subtle;
  const spki = issuer.subjectPublicKeyInfo as Uint8Array<ArrayBuffer>;
  let webSignature = signature;
  let key: CryptoKey;
  let params: AlgorithmIdentifier | EcdsaParams | RsaPssParams | Algorithm;
  try {
    if (scheme.kind === 'ECDSA') {
      const curve = issuer.publicKeyAlgorithm === KEY_OIDS.ecPublicKey ? CURVES[issuer.publicKeyCurve ?? ''] : undefined;
      if (curve === undefined) return chainError('an issuer key does not fit its signature algorithm');
      key = await subtle.importKey('spki', spki, { name: 'ECDSA', namedCurve: curve.namedCurve }, false, ['verify']);
      try {
        webSignature = ecdsaDerToP1363(signature, curve.size);
      } catch {
        return false;
      }
      params = { name: 'ECDSA', hash: scheme.hash };
    } else if (scheme.kind === 'Ed25519') {
      if (issuer.publicKeyAlgorithm !== KEY_OIDS.Ed25519) return chainError('an issuer key does not fit its signature algorithm');
      key = await subtle.importKey('spki', spki, { name: 'Ed25519' }, false, ['verify']);
      params = { name: 'Ed25519' };
    } else {
      if (issuer.publicKeyAlgorithm !== KEY_OIDS.rsaEncryption) return chainError('an issuer key does not fit its signature algorithm');
      key = await subtle.importKey('spki', spki, { name: scheme.kind, hash: scheme.hash }, false, ['verify']);
      const bits = (key.algorithm as RsaHashedKeyAlgorithm).modulusLength;
      if (bits < MIN_RSA_MODULUS_BITS || bits > MAX_RSA_MODULUS_BITS) return chainError(`an issuer RSA key is outside ${MIN_RSA_MODULUS_BITS}–${MAX_RSA_MODULUS_BITS} bits`);
      params = scheme.kind === 'RSA-PSS' ? { name: 'RSA-PSS', saltLength: scheme.saltLength } : { name: scheme.kind };
    }
    return await subtle.verify(params, key, webSignature as Uint8Array<ArrayBuffer>, data as Uint8Array<ArrayBuffer>);
  } catch (error) {
    if (isTesseraError(error)) throw error;
    return chainError('WebCrypto refused an issuer key or signature', error);
  }
}

function parseChainCertificate(der: unknown, what: string): Certificate {
  if (!(der instanceof Uint8Array)) chainError(`${what} is not a byte array`);
  try {
    return parseCertificate(der);
  } catch (error) {
    return chainError(`${what} is malformed`, error);
  }
}

function checkCriticalExtensions(cert: Certificate, what: string): void {
  for (const [oid, extension] of cert.extensions) {
    // §6.1.4 (o), §4.2: a certificate with a critical extension we do not process must be refused.
    if (extension.critical && !UNDERSTOOD_CRITICAL_EXTENSIONS.has(oid)) chainError(`${what} has an unrecognised critical extension ${oid}`);
  }
}

function checkValidAt(cert: Certificate, now: number, what: string): void {
  // §6.1.3 (a)(2): notBefore ≤ now ≤ notAfter (both inclusive, §4.1.2.5).
  if (now < cert.notBefore || now > cert.notAfter) chainError(`${what} is not valid at this time`);
}

/**
 * §6.1.4 (k)–(n) for a certificate that issues the next one down: a CA by basicConstraints (required in v3
 * intermediates; for an anchor only when present), within its pathLenConstraint counting the intermediates
 * below it, and with keyCertSign when keyUsage is present.
 */
function checkIssuer(cert: Certificate, intermediatesBelow: number, what: string, isAnchor: boolean): void {
  let constraints: ReturnType<typeof basicConstraints>;
  let usage: number | undefined;
  try {
    constraints = basicConstraints(cert);
    usage = keyUsageFlags(cert);
  } catch (error) {
    return chainError(`${what} has a malformed extension`, error);
  }
  if (constraints === undefined) {
    // A trust anchor is trusted as given (§6.1.1 (d)); a v1 root certificate carries no extensions.
    if (!isAnchor) chainError(`${what} issues a certificate but is not marked as a CA`);
  } else {
    if (!constraints.cA) chainError(`${what} issues a certificate but is not a CA`);
    if (constraints.pathLenConstraint !== undefined && intermediatesBelow > constraints.pathLenConstraint) chainError(`${what} path length constraint is exceeded`);
  }
  if (usage !== undefined && (usage & KeyUsageFlags.keyCertSign) === 0) chainError(`${what} may not sign certificates (keyUsage)`);
}

interface ParsedCrl {
  issuerDer: Uint8Array;
  algorithmDer: Uint8Array;
  tbs: Uint8Array;
  signature: Uint8Array;
  thisUpdate: number;
  nextUpdate: number | undefined;
  revoked: Uint8Array[];
  extensions: readonly Extension[];
}

function parseCrl(der: unknown, index: number): ParsedCrl {
  if (!(der instanceof Uint8Array) || der.length === 0 || der.length > MAX_CRL_BYTES) chainError(`CRL ${index} is empty, too large or not bytes`);
  let crl: CertificateList;
  try {
    crl = parseDer(new Uint8Array(der), CertificateList, `CRL ${index}`);
  } catch (error) {
    return chainError(`CRL ${index} is malformed`, error);
  }
  const tbs = crl.tbsCertList;
  const algorithmDer = new Uint8Array(AsnConvert.serialize(crl.signatureAlgorithm));
  if (!equalBytes(algorithmDer, new Uint8Array(AsnConvert.serialize(tbs.signature)))) chainError(`CRL ${index} names two signature algorithms`);
  return {
    issuerDer: new Uint8Array(AsnConvert.serialize(tbs.issuer)),
    algorithmDer,
    tbs: new Uint8Array(AsnConvert.serialize(tbs)),
    signature: new Uint8Array(crl.signature),
    thisUpdate: tbs.thisUpdate.getTime().getTime(),
    nextUpdate: tbs.nextUpdate?.getTime().getTime(),
    revoked: (tbs.revokedCertificates ?? []).map((entry) => new Uint8Array(entry.userCertificate)),
    extensions: [...(tbs.crlExtensions ?? []), ...(tbs.revokedCertificates ?? []).flatMap((entry) => entry.crlEntryExtensions ?? [])],
  };
}

/**
 * §6.3 (simplified: complete CRLs only): every CRL by `issuer` must verify with its key, be current at `now`
 * (thisUpdate ≤ now ≤ nextUpdate) and carry no critical extension; `cert` must not be listed.
 */
async function checkRevocation(cert: Certificate, issuer: Certificate, crls: readonly ParsedCrl[], now: number, what: string): Promise<void> {
  for (const crl of crls) {
    if (!equalBytes(crl.issuerDer, cert.issuerDer) || !equalBytes(crl.issuerDer, issuer.subjectDer)) continue;
    if (!(await verifiedBy(issuer, crl.algorithmDer, crl.signature, crl.tbs))) chainError(`a CRL for ${what} does not verify with its issuer's key`);
    let usage: number | undefined;
    try {
      usage = keyUsageFlags(issuer);
    } catch (error) {
      chainError(`the issuer of ${what} has a malformed extension`, error);
    }
    if (usage !== undefined && (usage & KeyUsageFlags.cRLSign) === 0) chainError(`the issuer of ${what} may not sign CRLs (keyUsage)`);
    if (!Number.isFinite(crl.thisUpdate) || now < crl.thisUpdate || (crl.nextUpdate !== undefined && !(now <= crl.nextUpdate))) {
      chainError(`a CRL for ${what} is not current`);
    }
    if (crl.extensions.some((extension) => extension.critical)) chainError(`a CRL for ${what} has a critical extension`);
    if (crl.revoked.some((serial) => equalBytes(serial, cert.serialNumber))) {
      throw new TesseraError('certificate_revoked', `The ${what} is revoked by its issuer's CRL.`);
    }
  }
}

/**
 * Validates a certification path to a trust anchor (RFC 5280 §6.1; WebAuthn L3 §7.1 steps 22–23):
 *
 * - The path ends at an anchor: the chain's first certificate byte-equal to an anchor is that anchor (the
 *   certificates after it are ignored), or else an anchor whose subject is the last certificate's issuer and
 *   whose key verifies its signature. A self-signed certificate inside the chain is never an anchor unless it
 *   is byte-equal to one (GHSA-6hxq-p678-4hr2).
 * - Every certificate's issuer name equals the next one's subject name, byte for byte, and its signature
 *   verifies with the next one's key: ECDSA P-256/P-384/P-521 with SHA-256/384/512, RSA PKCS#1 v1.5 and PSS
 *   with SHA-256/384/512 (keys of 2048–16384 bits), Ed25519. SHA-1 certificate signatures are refused.
 * - Every certificate, the anchor included, is valid at `now`; none has a critical extension outside
 *   basicConstraints, keyUsage, extKeyUsage, subjectAltName and certificatePolicies.
 * - Every issuer is a CA (basicConstraints cA; an anchor without the extension is trusted as given), within
 *   its pathLenConstraint, with keyCertSign if it has keyUsage.
 * - With `crls`: every CRL whose issuer is a certificate's issuer must verify with that issuer's key and be
 *   current; a certificate it lists is revoked.
 *
 * @param input - the chain (at most {@link MAX_CHAIN_CERTIFICATES}), the anchors, `now` and CRLs
 * @returns the validated path and the anchor it ends at
 * @throws {TesseraError} `invalid_certificate_chain` when the path does not validate; `certificate_revoked`
 *   when a CRL lists one of its certificates; `invalid_argument` for malformed anchors or input
 * @example
 * ```ts
 * // Fragment: x5c and rootDer stand for the caller's certificates
 * const { anchor } = await validateCertificateChain({ chain: x5c, anchors: [rootDer] });
 * ```
 */
export async function validateCertificateChain(input: ValidateCertificateChainInput): Promise<CertificateChainResult> {
  const { chain, anchors, crls = [] } = input;
  const now = input.now ?? Date.now();
  if (!Number.isFinite(now)) throw new TesseraError('invalid_argument', 'now must be a finite number of epoch milliseconds.');
  if (!Array.isArray(anchors) || !Array.isArray(crls)) throw new TesseraError('invalid_argument', 'anchors and crls must be arrays of DER bytes.');
  if (!Array.isArray(chain) || chain.length === 0) chainError('the chain is empty');
  if (chain.length > MAX_CHAIN_CERTIFICATES) chainError(`the chain holds more than ${MAX_CHAIN_CERTIFICATES} certificates`);
  const anchorDers = anchors.map((der: unknown) => {
    if (!(der instanceof Uint8Array)) throw new TesseraError('invalid_argument', 'Every trust anchor must be DER bytes.');
    return der;
  });

  // The chain's first certificate byte-equal to an anchor ends the path there.
  const anchorIndex = chain.findIndex((der) => der instanceof Uint8Array && anchorDers.some((anchor) => equalBytes(anchor, der)));
  const path = (anchorIndex < 0 ? chain : chain.slice(0, anchorIndex)).map((der, index) => parseChainCertificate(der, `certificate ${index}`));
  const parsedCrls = crls.map((der, index) => parseCrl(der, index));

  let anchor: Certificate;
  let anchorDer: Uint8Array;
  if (anchorIndex >= 0) {
    anchorDer = chain[anchorIndex]!;
    anchor = parseChainCertificate(anchorDer, 'the trust anchor');
  } else {
    // The anchor issued the last certificate: same name and a verifying signature (§6.1.1 (d), §6.1.3 (a)).
    const last = path[path.length - 1]!;
    let found: { cert: Certificate; der: Uint8Array } | undefined;
    for (const der of anchorDers) {
      let candidate: Certificate;
      try {
        candidate = parseCertificate(der);
      } catch (error) {
        throw new TesseraError('invalid_argument', 'A trust anchor is not a DER X.509 certificate.', { cause: error });
      }
      if (!equalBytes(candidate.subjectDer, last.issuerDer)) continue;
      if (await verifiedBy(candidate, last.signatureAlgorithmDer, last.signature, last.tbs).catch(() => false)) {
        found = { cert: candidate, der };
        break;
      }
    }
    if (found === undefined) chainError('it does not lead to a trust anchor');
    anchor = found.cert;
    anchorDer = found.der;
  }

  checkValidAt(anchor, now, 'the trust anchor');
  if (path.length > 0) checkIssuer(anchor, path.length - 1, 'the trust anchor', true);
  // From the anchor down (§6.1.3–§6.1.4): each certificate is certified by the one above it.
  for (let index = path.length - 1; index >= 0; index--) {
    const cert = path[index]!;
    const issuer = index === path.length - 1 ? anchor : path[index + 1]!;
    const what = index === 0 ? 'leaf certificate' : `certificate ${index}`;
    if (!equalBytes(cert.issuerDer, issuer.subjectDer)) chainError(`the ${what}'s issuer is not the next certificate's subject`);
    if (!(await verifiedBy(issuer, cert.signatureAlgorithmDer, cert.signature, cert.tbs))) chainError(`the ${what}'s signature does not verify`);
    checkValidAt(cert, now, `the ${what}`);
    checkCriticalExtensions(cert, `the ${what}`);
    if (index > 0) checkIssuer(cert, index - 1, `the ${what}`, false);
    await checkRevocation(cert, issuer, parsedCrls, now, what);
  }
  return { path: path.map((cert) => new Uint8Array(cert.der)), anchor: new Uint8Array(anchorDer) };
}

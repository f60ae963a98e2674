import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { Certificate, KeyUsage, KeyUsageFlags, SubjectAlternativeName } from '@peculiar/asn1-x509';
import { sha1 } from '@noble/hashes/legacy.js';
import { TesseraError, type TesseraErrorCode } from '@tessera/core';

/*
 * The few facts this package reads from a certificate, parsed with @peculiar/asn1-x509 (RFC 5280 §4.1): the
 * subjectPublicKeyInfo to import the BLOB signer's key, the key identifier MDS3 indexes U2F authenticators by, and
 * the FIDO AAGUID extension of a packed attestation certificate. Signatures and paths are validated by the core's
 * `validateCertificateChain`, not here.
 */

/** id-fido-gen-ce-aaguid (WebAuthn L3 §8.2.1): the AAGUID in a packed attestation certificate. */
const AAGUID_EXTENSION = '1.3.6.1.4.1.45724.1.1.4';

/**
 * Parses a DER certificate.
 *
 * @param der - the certificate
 * @param code - the error code when it does not parse
 * @returns the parsed certificate
 * @throws {TesseraError} `code`
 * @internal
 */
export function parseCertificate(der: Uint8Array, code: TesseraErrorCode): Certificate {
  try {
    return AsnConvert.parse(der, Certificate);
  } catch (error) {
    throw new TesseraError(code, 'A certificate is not a well-formed X.509 certificate (RFC 5280 §4.1).', { cause: error });
  }
}

/**
 * The DER subjectPublicKeyInfo of a certificate, as WebCrypto's `importKey('spki', …)` takes it.
 *
 * @param certificate - a parsed certificate
 * @returns the SPKI bytes
 * @internal
 */
export function subjectPublicKeyInfo(certificate: Certificate): Uint8Array<ArrayBuffer> {
  return new Uint8Array(AsnConvert.serialize(certificate.tbsCertificate.subjectPublicKeyInfo));
}

/**
 * The key identifier MDS3 lists U2F attestation certificates by (`attestationCertificateKeyIdentifiers`, FIDO
 * MDS3 §3.1.1): SHA-1 of the subjectPublicKey BIT STRING's bytes, RFC 5280 §4.2.1.2 method 1, lower-case hex.
 *
 * @param certificate - a parsed certificate
 * @returns 40 lower-case hex characters
 * @internal
 */
export function attestationKeyIdentifier(certificate: Certificate): string {
  return toHex(sha1(new Uint8Array(certificate.tbsCertificate.subjectPublicKeyInfo.subjectPublicKey)));
}

/**
 * The AAGUID a packed attestation certificate carries in id-fido-gen-ce-aaguid (WebAuthn L3 §8.2.1), if any.
 *
 * @param certificate - a parsed certificate
 * @returns the AAGUID, lower-case 8-4-4-4-12, or `undefined` when the extension is absent or malformed
 * @internal
 */
export function certificateAaguid(certificate: Certificate): string | undefined {
  const extension = certificate.tbsCertificate.extensions?.find((candidate) => candidate.extnID === AAGUID_EXTENSION);
  if (extension === undefined) return undefined;
  try {
    const inner = new Uint8Array(AsnConvert.parse(extension.extnValue.buffer, OctetString).buffer);
    return inner.length === 16 ? formatAaguid(inner) : undefined;
  } catch {
    return undefined;
  }
}

/** keyUsage (RFC 5280 §4.2.1.3). */
const KEY_USAGE = '2.5.29.15';

/**
 * Whether a certificate's key may sign content such as a metadata BLOB (RFC 5280 §4.2.1.3): with no keyUsage
 * extension, any use is allowed; with one, `digitalSignature` or `nonRepudiation` (contentCommitment) must be
 * set — a key limited to keyCertSign, cRLSign or encipherment may not sign anything else.
 *
 * @param certificate - a parsed certificate
 * @returns whether the key may make a JWS signature; `false` for a malformed keyUsage
 * @internal
 */
export function keyMaySignContent(certificate: Certificate): boolean {
  const extension = certificate.tbsCertificate.extensions?.find((candidate) => candidate.extnID === KEY_USAGE);
  if (extension === undefined) return true;
  try {
    const usage = AsnConvert.parse(extension.extnValue.buffer, KeyUsage).toNumber();
    return (usage & (KeyUsageFlags.digitalSignature | KeyUsageFlags.nonRepudiation)) !== 0;
  } catch {
    return false;
  }
}

/** subjectAltName (RFC 5280 §4.2.1.6) and the commonName attribute (X.520). */
const SUBJECT_ALT_NAME = '2.5.29.17';
const COMMON_NAME = '2.5.4.3';

/**
 * The DNS names a certificate is for: its subjectAltName dNSName entries (RFC 5280 §4.2.1.6) and its subject
 * commonName values, lower-cased.
 *
 * @param certificate - a parsed certificate
 * @returns the names, possibly none
 * @internal
 */
export function certificateHostNames(certificate: Certificate): string[] {
  const names: string[] = [];
  const extension = certificate.tbsCertificate.extensions?.find((candidate) => candidate.extnID === SUBJECT_ALT_NAME);
  if (extension !== undefined) {
    try {
      for (const name of AsnConvert.parse(extension.extnValue.buffer, SubjectAlternativeName)) {
        if (name.dNSName !== undefined) names.push(name.dNSName.toLowerCase());
      }
    } catch {
      // A malformed subjectAltName names nothing.
    }
  }
  for (const rdn of certificate.tbsCertificate.subject) {
    for (const attribute of rdn) {
      if (attribute.type === COMMON_NAME) names.push(attribute.value.toString().toLowerCase());
    }
  }
  return names;
}

/**
 * An AAGUID's 16 bytes as lower-case 8-4-4-4-12.
 *
 * @param bytes - 16 bytes
 * @returns the text form
 * @internal
 */
export function formatAaguid(bytes: Uint8Array): string {
  const hex = toHex(bytes);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Lower-case hex. */
function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

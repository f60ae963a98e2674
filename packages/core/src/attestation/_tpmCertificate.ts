import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { ExtendedKeyUsage, SubjectAlternativeName, type AttributeValue } from '@peculiar/asn1-x509';
import { equalBytes } from '../_bytes.ts';
import { basicConstraintsCA, type Certificate } from './_certificate.ts';
import { invalid } from './_statement.ts';
import { tpmVendorName } from './_tpmVendors.ts';

/*
 * The TPM attestation (AIK) certificate requirements of WebAuthn L3 §8.3.1, and the AAGUID extension check of
 * §8.3's verification procedure. Extension values are read with @peculiar/asn1-x509 and must be DER: each is
 * re-encoded and compared with what was given, so no two readers can see different contents.
 */

/** subjectAltName (RFC 5280 §4.2.1.6). */
const SUBJECT_ALT_NAME = '2.5.29.17';
/** extKeyUsage (RFC 5280 §4.2.1.12). */
const EXT_KEY_USAGE = '2.5.29.37';
/** tcg-kp-AIKCertificate (TCG EK Credential Profile; WebAuthn L3 §8.3.1). */
export const TCG_KP_AIK_CERTIFICATE = '2.23.133.8.3';
/** id-fido-gen-ce-aaguid (WebAuthn L3 §8.3). */
const AAGUID_EXTENSION = '1.3.6.1.4.1.45724.1.1.4';

/** The TPM attributes of the SAN's directoryName (TCG EK Credential Profile §3.2.9). */
export const TCG_AT = {
  tpmManufacturer: '2.23.133.2.1',
  tpmModel: '2.23.133.2.2',
  tpmVersion: '2.23.133.2.3',
} as const;

/** What the AIK certificate's SAN says about the TPM. */
export interface TpmDevice {
  /** tcg-at-tpmManufacturer, `id:` and the vendor ID in hexadecimal. */
  readonly manufacturer: string;
  /** The registered vendor's name. */
  readonly vendor: string;
  /** tcg-at-tpmModel. */
  readonly model: string;
  /** tcg-at-tpmVersion. */
  readonly version: string;
}

/** Parses a DER extension value as `type`, refusing anything that does not re-encode to the same bytes. */
function parseDer<T>(value: Uint8Array, type: new () => T, what: string): T {
  let parsed: T;
  try {
    parsed = AsnConvert.parse(value, type);
  } catch (error) {
    invalid(`the attestation certificate's ${what} is malformed`, error);
  }
  let encoded: Uint8Array;
  try {
    encoded = new Uint8Array(AsnConvert.serialize(parsed));
  } catch (error) {
    invalid(`the attestation certificate's ${what} is malformed`, error);
  }
  if (!equalBytes(encoded, value)) invalid(`the attestation certificate's ${what} is not DER`);
  return parsed;
}

/** The text of a DirectoryString value: UTF8String (what the profile defines) or PrintableString. */
function text(value: AttributeValue): string | undefined {
  const string = value.utf8String ?? value.printableString;
  return string === undefined || string === '' ? undefined : string;
}

/**
 * The SAN (§8.3.1: "set as defined in [TPMv2-EK-Profile] section 3.2.9"): critical, since the subject is empty
 * (RFC 5280 §4.2.1.6), with exactly one directoryName holding tcg-at-tpmManufacturer, tcg-at-tpmModel and
 * tcg-at-tpmVersion, each exactly once and nothing else, and a manufacturer in the TCG vendor registry.
 *
 * The profile puts each attribute in a relative distinguished name of its own; Microsoft's AIK CA also issues
 * certificates (Nuvoton, Intel TPMs) with the three in one multi-valued RDN. Both say the same three things, so
 * both are read, in any order. What could make two readers disagree is refused: an attribute twice, a second
 * directoryName, a foreign attribute, a value that is not text. Other GeneralNames (the profile's optional
 * HardwareModuleName, an otherName) are left alone.
 */
function checkSubjectAltName(leaf: Certificate): TpmDevice {
  const extension = leaf.extensions.get(SUBJECT_ALT_NAME);
  if (extension === undefined) invalid('the attestation certificate has no subject alternative name');
  if (!extension.critical) invalid('the attestation certificate subject alternative name is not critical, yet its subject is empty');
  const names = parseDer(extension.value, SubjectAlternativeName, 'subject alternative name');
  const directoryNames = names.filter((name) => name.directoryName !== undefined);
  if (directoryNames.length !== 1) invalid('the attestation certificate subject alternative name needs exactly one directoryName');
  const found = new Map<string, string>();
  for (const rdn of directoryNames[0]!.directoryName!) {
    for (const attribute of rdn) {
      if (!(Object.values(TCG_AT) as string[]).includes(attribute.type)) invalid('the TPM directoryName holds an attribute other than the TPM manufacturer, model and version');
      if (found.has(attribute.type)) invalid('the TPM directoryName holds an attribute twice');
      const value = text(attribute.value);
      if (value === undefined) invalid('a TPM directoryName attribute is not a non-empty string');
      found.set(attribute.type, value);
    }
  }
  const manufacturer = found.get(TCG_AT.tpmManufacturer);
  const model = found.get(TCG_AT.tpmModel);
  const version = found.get(TCG_AT.tpmVersion);
  if (manufacturer === undefined || model === undefined || version === undefined) {
    invalid('the TPM directoryName lacks the TPM manufacturer, model or version');
  }
  const vendor = tpmVendorName(manufacturer);
  if (vendor === undefined) invalid('the TPM manufacturer is not in the TCG TPM vendor registry');
  // TPM_PT_FIRMWARE_VERSION in hexadecimal ("id:00020000"; Microsoft's AIK CA also writes short forms, "id:13").
  if (!/^id:[0-9A-Fa-f]{1,8}$/.test(version)) invalid('the TPM version is not "id:" and a hexadecimal number');
  return { manufacturer, vendor, model, version };
}

/**
 * Checks a `tpm` statement's AIK certificate (WebAuthn L3 §8.3.1, and the AAGUID step of §8.3): version 3; an
 * empty subject; the SAN described at {@link checkSubjectAltName}; an extended key usage containing
 * tcg-kp-AIKCertificate; not a CA (an absent basicConstraints means the same, RFC 5280 §4.2.1.9); an
 * id-fido-gen-ce-aaguid extension, if present, not critical and equal to the authenticator data's AAGUID.
 *
 * @param leaf - `x5c[0]`, parsed
 * @param aaguid - the AAGUID of the attested credential data
 * @returns what the SAN says about the TPM
 * @throws {TesseraError} `invalid_attestation` for a certificate that fails any requirement
 * @internal
 */
export function checkAikCertificate(leaf: Certificate, aaguid: Uint8Array): TpmDevice {
  if (leaf.version !== 3) invalid('the attestation certificate is not version 3');
  if (leaf.subject.length !== 0) invalid('the attestation certificate subject is not empty');
  const device = checkSubjectAltName(leaf);
  const eku = leaf.extensions.get(EXT_KEY_USAGE);
  if (eku === undefined) invalid('the attestation certificate has no extended key usage');
  if (!parseDer(eku.value, ExtendedKeyUsage, 'extended key usage').includes(TCG_KP_AIK_CERTIFICATE)) {
    invalid('the attestation certificate extended key usage lacks tcg-kp-AIKCertificate');
  }
  if (basicConstraintsCA(leaf) === true) invalid('the attestation certificate is a CA certificate');
  const extension = leaf.extensions.get(AAGUID_EXTENSION);
  if (extension !== undefined) {
    if (extension.critical) invalid('the AAGUID extension is marked critical');
    const value = new Uint8Array(parseDer(extension.value, OctetString, 'AAGUID extension').buffer);
    if (value.length !== 16) invalid('the AAGUID extension is malformed');
    if (!equalBytes(value, aaguid)) invalid('the AAGUID extension does not match the authenticator data');
  }
  return device;
}

/**
 * Every registered attestation statement format identifier: the formats WebAuthn L3 §8 defines (§8.2
 * `packed`, §8.3 `tpm`, §8.4 `android-key`, §8.5 `android-safetynet`, §8.6 `fido-u2f`, §8.7 `none`, §8.8
 * `apple`, §8.9 `compound`), which are the entries of the IANA "WebAuthn Attestation Statement Format
 * Identifiers" registry (RFC 8809 §2.1, §12.1 of the spec).
 *
 * A registration whose `fmt` is not one of these, matched case-sensitively (§7.1 step 20), is refused with
 * `unsupported_attestation_format` whatever attestation was requested. Which of them this library verifies is
 * `SUPPORTED_ATTESTATION_FORMATS`.
 */
export const REGISTERED_ATTESTATION_FORMATS: readonly ['packed', 'tpm', 'android-key', 'android-safetynet', 'fido-u2f', 'none', 'apple', 'compound'] = [
  'packed',
  'tpm',
  'android-key',
  'android-safetynet',
  'fido-u2f',
  'none',
  'apple',
  'compound',
];

/** One of {@link REGISTERED_ATTESTATION_FORMATS}. */
export type RegisteredAttestationFormat = (typeof REGISTERED_ATTESTATION_FORMATS)[number];

/**
 * Whether `fmt` is a registered attestation statement format identifier (WebAuthn L3 §7.1 step 20: a USASCII
 * case-sensitive match, so `Packed` is not `packed`).
 *
 * @param fmt - anything, typically an attestation object's `fmt`
 * @returns whether it is one of {@link REGISTERED_ATTESTATION_FORMATS}
 */
export function isRegisteredAttestationFormat(fmt: unknown): fmt is RegisteredAttestationFormat {
  return typeof fmt === 'string' && (REGISTERED_ATTESTATION_FORMATS as readonly string[]).includes(fmt);
}

import { cborItemEnd, decodeCbor, type CborFailure } from './_cbor.ts';
import { MAX_CREDENTIAL_ID_BYTES } from './credentialDescriptor.ts';
import { TesseraError } from './errors.ts';

/*
 * Authenticator data, WebAuthn L3 §6.1:
 *
 *   rpIdHash (32) | flags (1) | signCount (4, big-endian)
 *   | attestedCredentialData (if AT): aaguid (16) | credentialIdLength (2, big-endian) | credentialId | credentialPublicKey (CBOR)
 *   | extensions (if ED): a CBOR map
 */

/** Largest authenticator data (WebAuthn L3 §6.1) accepted, in bytes; real ones are a few hundred bytes at most. */
export const MAX_AUTHENTICATOR_DATA_BYTES = 65_536;

const RP_ID_HASH_BYTES = 32;
const FLAGS_OFFSET = 32;
const SIGN_COUNT_OFFSET = 33;
/** rpIdHash, flags and signCount: the part every authenticator data has. */
const FIXED_PART_BYTES = 37;
const AAGUID_BYTES = 16;

/** The flag bits of §6.1; bits 1 and 5 are reserved for future use and ignored. */
const FLAG_BITS = {
  userPresent: 0x01,
  userVerified: 0x04,
  backupEligible: 0x08,
  backupState: 0x10,
  attestedCredentialData: 0x40,
  extensionData: 0x80,
} as const;

const FAILURE: CborFailure = { code: 'malformed_response', subject: 'authenticator data' };

/**
 * The flags byte of authenticator data (WebAuthn L3 §6.1), one boolean per defined bit. The backup flags
 * (§6.3.3) are reported as they are; whether BS without BE is acceptable is the verifier's decision.
 */
export interface AuthenticatorDataFlags {
  /** UP, bit 0: the user was present. */
  userPresent: boolean;
  /** UV, bit 2: the user was verified. */
  userVerified: boolean;
  /** BE, bit 3: the credential may be backed up (§6.3.3). */
  backupEligible: boolean;
  /** BS, bit 4: the credential is backed up (§6.3.3). */
  backupState: boolean;
  /** AT, bit 6: attested credential data follows the signature counter (§6.5.1). */
  attestedCredentialData: boolean;
  /** ED, bit 7: authenticator extension outputs end the authenticator data (§9). */
  extensionData: boolean;
}

/** Attested credential data (WebAuthn L3 §6.5.1): the new credential, as created. */
export interface AttestedCredentialData {
  /** The authenticator model's AAGUID, 16 bytes (all zero when the authenticator does not say). */
  aaguid: Uint8Array<ArrayBuffer>;
  /** The credential id, 1–1023 bytes. */
  credentialId: Uint8Array<ArrayBuffer>;
  /** The credential public key exactly as encoded: a COSE_Key (§6.5.1.1), not parsed here. */
  credentialPublicKey: Uint8Array<ArrayBuffer>;
}

/**
 * Authenticator data (WebAuthn L3 §6.1), parsed. Every byte array is a fresh copy, never a view of the input,
 * and is backed by an `ArrayBuffer`, so it can go straight to WebCrypto as a `BufferSource`.
 */
export interface AuthenticatorData {
  /** SHA-256 of the RP ID the credential is scoped to, 32 bytes. */
  rpIdHash: Uint8Array<ArrayBuffer>;
  /** The flags byte. */
  flags: AuthenticatorDataFlags;
  /** The signature counter (§6.1.1), an unsigned 32-bit integer; 0 when the authenticator keeps none. */
  signCount: number;
  /** Present exactly when the AT flag is set. */
  attestedCredentialData?: AttestedCredentialData;
  /**
   * Authenticator extension outputs (§9) by extension identifier; present exactly when the ED flag is set.
   * Values are as decoded from CBOR: byte strings as `Uint8Array`, nested maps as `Map` (keyed by integers or
   * text strings), and otherwise numbers, strings, booleans, null and arrays, with no shared or cyclic references.
   */
  extensions?: Record<string, unknown>;
}

/**
 * Parses authenticator data (WebAuthn L3 §6.1), as found in an assertion (§5.2.2) or in an attestation
 * object (§6.5). It checks structure only: the RP ID hash, flags and counter are for the verifier to judge.
 *
 * - At least 37 bytes, at most {@link MAX_AUTHENTICATOR_DATA_BYTES}.
 * - AT set: attested credential data (§6.5.1) follows, with a credential id of 1–1023 bytes and a credential
 *   public key that is one strict CBOR item in CTAP2 canonical form (§6.5.1.1), kept as its exact bytes.
 *   Assertions may carry it too (macOS Touch ID does); it is parsed, not rejected.
 * - ED set: a strict CBOR map of extension outputs with text keys follows and ends exactly at the end.
 * - Strict CBOR (`_cbor.ts`): definite lengths, shortest integers and lengths, no tags, floats, `undefined`
 *   or duplicate keys, valid UTF-8; so the extension outputs are plain data.
 * - Any byte not accounted for by the flags is an error.
 *
 * @param bytes - the authenticator data
 * @returns its fields, copied out of `bytes`
 * @throws {TesseraError} `malformed_response` for any structural problem; the message never contains the bytes
 * @example
 * ```ts
 * const { rpIdHash, flags, signCount } = parseAuthenticatorData(base64url.decode(response.authenticatorData));
 * if (!flags.userPresent) throw new Error('user not present');
 * ```
 */
export function parseAuthenticatorData(bytes: Uint8Array): AuthenticatorData {
  if (bytes.length < FIXED_PART_BYTES) fail(`shorter than ${FIXED_PART_BYTES} bytes`);
  if (bytes.length > MAX_AUTHENTICATOR_DATA_BYTES) fail(`larger than ${MAX_AUTHENTICATOR_DATA_BYTES} bytes`);

  const flags = parseFlags(bytes[FLAGS_OFFSET]!);
  const authenticatorData: AuthenticatorData = {
    rpIdHash: copyBytes(bytes, 0, RP_ID_HASH_BYTES),
    flags,
    signCount: readUint32(bytes, SIGN_COUNT_OFFSET),
  };

  let offset = FIXED_PART_BYTES;
  if (flags.attestedCredentialData) {
    const { attestedCredentialData, end } = parseAttestedCredentialData(bytes, offset);
    authenticatorData.attestedCredentialData = attestedCredentialData;
    offset = end;
  }
  if (flags.extensionData) {
    if (offset === bytes.length) fail('the ED flag is set but no extension data follows');
    authenticatorData.extensions = parseExtensions(bytes, offset);
  } else if (offset !== bytes.length) {
    fail(`${bytes.length - offset} trailing bytes not announced by the AT or ED flag`);
  }
  return authenticatorData;
}

/** One boolean per defined bit of the flags byte (§6.1, backup flags §6.3.3). */
function parseFlags(byte: number): AuthenticatorDataFlags {
  return {
    userPresent: (byte & FLAG_BITS.userPresent) !== 0,
    userVerified: (byte & FLAG_BITS.userVerified) !== 0,
    backupEligible: (byte & FLAG_BITS.backupEligible) !== 0,
    backupState: (byte & FLAG_BITS.backupState) !== 0,
    attestedCredentialData: (byte & FLAG_BITS.attestedCredentialData) !== 0,
    extensionData: (byte & FLAG_BITS.extensionData) !== 0,
  };
}

/** Attested credential data (§6.5.1) starting at `offset`, and where it ends. */
function parseAttestedCredentialData(
  bytes: Uint8Array,
  offset: number,
): { attestedCredentialData: AttestedCredentialData; end: number } {
  const idLengthOffset = offset + AAGUID_BYTES;
  const idOffset = idLengthOffset + 2;
  if (idOffset > bytes.length) fail('the AT flag is set but attested credential data is truncated');
  const idLength = (bytes[idLengthOffset]! << 8) | bytes[idLengthOffset + 1]!;
  if (idLength === 0 || idLength > MAX_CREDENTIAL_ID_BYTES) {
    fail(`credential id length ${idLength} is outside 1–${MAX_CREDENTIAL_ID_BYTES}`);
  }
  const keyOffset = idOffset + idLength;
  if (keyOffset >= bytes.length) fail('attested credential data ends before the credential public key');
  // Strict CBOR in canonical order, as the authenticator must write it (§6.5.1.1); its meaning is parseCoseKey's to check.
  const end = cborItemEnd(bytes, keyOffset, FAILURE, { canonical: true });
  return {
    attestedCredentialData: {
      aaguid: copyBytes(bytes, offset, idLengthOffset),
      credentialId: copyBytes(bytes, idOffset, keyOffset),
      credentialPublicKey: copyBytes(bytes, keyOffset, end),
    },
    end,
  };
}

/** The extension outputs map (§6.1, §9) filling `bytes` from `offset`, as a plain object. */
function parseExtensions(bytes: Uint8Array, offset: number): Record<string, unknown> {
  // Strict CBOR (see _cbor.ts): plain data only, no tags (so no Date, RegExp or shared reference), no duplicates.
  const outputs = decodeCbor(bytes.subarray(offset), FAILURE, MAX_AUTHENTICATOR_DATA_BYTES);
  if (!(outputs instanceof Map)) fail('extension data is not a CBOR map');
  for (const key of outputs.keys()) {
    if (typeof key !== 'string') fail('extension data has a key that is not a text string');
  }
  return Object.fromEntries(outputs) as Record<string, unknown>;
}

/** Big-endian unsigned 32-bit integer at `offset` (the caller has checked the length). */
function readUint32(bytes: Uint8Array, offset: number): number {
  return bytes[offset]! * 0x1000000 + ((bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!);
}

/** A fresh `Uint8Array` holding `bytes[start..end)`; also right for a Node `Buffer`, whose `slice` is a view. */
function copyBytes(bytes: Uint8Array, start: number, end: number): Uint8Array<ArrayBuffer> {
  return new Uint8Array(bytes.subarray(start, end));
}

function fail(problem: string): never {
  throw new TesseraError('malformed_response', `Malformed authenticator data: ${problem}.`);
}

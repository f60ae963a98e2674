import { decodeCbor, type CborFailure } from './_cbor.ts';
import { parseAuthenticatorData, type AttestedCredentialData, type AuthenticatorData } from './authenticatorData.ts';
import { TesseraError } from './errors.ts';

/** Largest attestation object (WebAuthn L3 §6.5) accepted, in bytes; certificate chains (TPM, Android) take a few KiB. */
export const MAX_ATTESTATION_OBJECT_BYTES = 131_072;

const FAILURE: CborFailure = { code: 'malformed_response', subject: 'attestation object' };

/**
 * An attestation statement as an attestation object carries it (WebAuthn L3 §6.5.4 `attStmtTemplate`): a map
 * with text keys, or an array, which only `compound` (§8.9) uses.
 */
export type AttestationStatement = Map<string, unknown> | unknown[];

/** An attestation object (WebAuthn L3 §6.5, §6.5.4), parsed. */
export interface AttestationObject {
  /** The attestation statement format identifier (§8), such as `packed` or `none`; not checked here. */
  fmt: string;
  /**
   * The attestation statement, whose members depend on `fmt` (§8): a map with text keys, or for `compound` an
   * array; byte strings are `Uint8Array`s.
   */
  attStmt: AttestationStatement;
  /** The authenticator data exactly as encoded, which attestation signatures cover. */
  authData: Uint8Array<ArrayBuffer>;
  /** `authData` parsed (§6.1); it always carries the attested credential data (§6.5.1) of the new credential. */
  authenticatorData: AuthenticatorData & { attestedCredentialData: AttestedCredentialData };
}

/**
 * Parses an attestation object (WebAuthn L3 §6.5, from §5.2.1 `AuthenticatorAttestationResponse`): a CBOR
 * map with the text keys `fmt` (a text string), `attStmt` (a map with text keys, or an array: §6.5.4
 * `attStmtTemplate`, used by `compound`) and `authData` (a byte string), whose authenticator data must have the AT flag set and carry attested credential data (§6.5.1).
 * Other members of the map are ignored. The statement itself is not verified here.
 *
 * @param bytes - the attestation object, as decoded from base64url
 * @returns its members, with the authenticator data parsed; no byte array is a view of `bytes`
 * @throws {TesseraError} `malformed_response` for empty input, input over {@link MAX_ATTESTATION_OBJECT_BYTES},
 *   CBOR that is not strict (a duplicate key such as a second `fmt`, a tag, an indefinite length, a non-minimal
 *   integer or length, a float, invalid UTF-8; see `_cbor.ts`), a missing or mistyped member, or malformed
 *   authenticator data
 * @example
 * ```ts
 * const { fmt, attStmt, authenticatorData } = parseAttestationObject(base64url.decode(response.attestationObject));
 * const { credentialId, credentialPublicKey } = authenticatorData.attestedCredentialData;
 * ```
 */
export function parseAttestationObject(bytes: Uint8Array): AttestationObject {
  if (bytes.length > MAX_ATTESTATION_OBJECT_BYTES) fail(`larger than ${MAX_ATTESTATION_OBJECT_BYTES} bytes`);
  // Strict CBOR (see _cbor.ts): above all no duplicate keys, so no reader can take another "fmt" or "authData".
  const decoded = decodeCbor(bytes, FAILURE, MAX_ATTESTATION_OBJECT_BYTES);
  if (!(decoded instanceof Map)) fail('not a CBOR map');

  const fmt: unknown = decoded.get('fmt');
  if (typeof fmt !== 'string') fail('"fmt" is missing or not a text string');
  const attStmt: unknown = decoded.get('attStmt');
  if (!isMapWithTextKeys(attStmt) && !Array.isArray(attStmt)) fail('"attStmt" is missing or not a map with text keys or an array');
  const authData = decoded.get('authData');
  if (!(authData instanceof Uint8Array)) fail('"authData" is missing or not a byte string');

  const authenticatorData = parseAuthenticatorData(authData);
  const { attestedCredentialData } = authenticatorData;
  if (attestedCredentialData === undefined) fail('the authenticator data has no attested credential data (AT flag clear)');
  // The decoder's byte strings are copies of their own, holding no reference to the input or each other.
  return {
    fmt,
    attStmt,
    authData,
    authenticatorData: { ...authenticatorData, attestedCredentialData },
  };
}

function isMapWithTextKeys(value: unknown): value is Map<string, unknown> {
  if (!(value instanceof Map)) return false;
  for (const key of value.keys()) if (typeof key !== 'string') return false;
  return true;
}

function fail(problem: string): never {
  throw new TesseraError('malformed_response', `Malformed attestation object: ${problem}.`);
}

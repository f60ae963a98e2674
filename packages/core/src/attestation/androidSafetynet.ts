import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes } from '@noble/hashes/utils.js';
import { AsnParser } from '@peculiar/asn1-schema';
import { SubjectAlternativeName, id_ce_subjectAltName } from '@peculiar/asn1-x509';
import { encodeBase64 } from './_base64.ts';
import { NAME_ATTRIBUTES, nameValues, type Certificate } from './_certificate.ts';
import { parseCompactJws, verifyCompactJws } from './_jws.ts';
import { bytesMember, checkMembers, checkValidity, invalid, trustPathOf } from './_statement.ts';
import type { AttestationStatementInput, AttestationStatementResult } from './verifyAttestationStatement.ts';

/*
 * `android-safetynet` (WebAuthn L3 §8.5). Google deprecated the SafetyNet Attestation API for the Play Integrity
 * API and has been turning it off since 2024 (https://developer.android.com/privacy-and-security/safetynet/deprecation-timeline);
 * Android stopped producing this format for new registrations, but registrations made with it still arrive.
 */

/** The host name SafetyNet's signing certificate is issued to (§8.5; SafetyNet "Verify the compatibility check response"). */
export const SAFETYNET_HOSTNAME = 'attest.android.com';

/** Default oldest acceptable `timestampMs`: a response older than this, in milliseconds, is refused. */
export const DEFAULT_SAFETYNET_MAX_AGE_MS = 60_000;

/** How far in the future `timestampMs` may be, in milliseconds: clock skew between Google and the relying party. */
export const SAFETYNET_CLOCK_SKEW_MS = 10_000;

/** Longest `ver` accepted, in characters (it is a Play Services version number, today 9 digits). */
const MAX_VER_LENGTH = 64;

/**
 * "attestationCert is issued to the hostname attest.android.com" (§8.5), as a TLS client checks a host name (RFC
 * 6125 §6.4): a subjectAltName dNSName equal to it (ASCII case-insensitively, no wildcard), or, only when the
 * certificate has no subjectAltName, a subject CN equal to it.
 */
function checkHostname(leaf: Certificate): void {
  const san = leaf.extensions.get(id_ce_subjectAltName);
  if (san !== undefined) {
    let names: SubjectAlternativeName;
    try {
      names = AsnParser.parse(san.value, SubjectAlternativeName);
    } catch (error) {
      return invalid('the SafetyNet certificate subjectAltName is malformed', error);
    }
    const dnsNames = Array.from(names, (name) => name.dNSName).filter((name) => name !== undefined);
    if (!dnsNames.some((name) => name.toLowerCase() === SAFETYNET_HOSTNAME)) invalid(`the SafetyNet certificate is not issued to ${SAFETYNET_HOSTNAME}`);
    return;
  }
  const commonNames = nameValues(leaf.subject, NAME_ATTRIBUTES.CN);
  if (commonNames.length !== 1 || commonNames[0]!.toLowerCase() !== SAFETYNET_HOSTNAME) invalid(`the SafetyNet certificate is not issued to ${SAFETYNET_HOSTNAME}`);
}

/**
 * The payload checks (§8.5 steps 3–4 and SafetyNet's "Verify the compatibility check response"): `nonce` is
 * base64(SHA-256(authData || clientDataHash)) exactly as Google sends it (standard alphabet, padded),
 * `timestampMs` lies within [now − maxAge, now + skew], and `ctsProfileMatch` is `true` — or, when the relying
 * party does not require it, `basicIntegrity` is `true`.
 */
function checkPayload(payload: Record<string, unknown>, input: AttestationStatementInput, now: number): void {
  const expectedNonce = encodeBase64(sha256(concatBytes(input.authData, input.clientDataHash)));
  if (payload['nonce'] !== expectedNonce) invalid('the SafetyNet nonce does not match the authenticator data and client data hash');
  const timestamp = payload['timestampMs'];
  if (typeof timestamp !== 'number' || !Number.isSafeInteger(timestamp)) invalid('the SafetyNet timestampMs is not an integer');
  const maxAge = input.safetyNetMaxAgeMs ?? DEFAULT_SAFETYNET_MAX_AGE_MS;
  if (timestamp > now + SAFETYNET_CLOCK_SKEW_MS) invalid('the SafetyNet response is dated in the future');
  if (timestamp < now - maxAge) invalid('the SafetyNet response is too old');
  if (input.safetyNetCtsProfileMatchRequired === false) {
    if (payload['basicIntegrity'] !== true) invalid('the SafetyNet response does not report basicIntegrity');
  } else if (payload['ctsProfileMatch'] !== true) {
    invalid('the SafetyNet response does not report ctsProfileMatch');
  }
}

/**
 * `android-safetynet` (WebAuthn L3 §8.5 verification procedure): `{ ver, response }`, `ver` a non-empty text
 * string and `response` a compact JWS signed (RS256 or ES256) by the leaf of its header's `x5c`, which is issued to
 * attest.android.com and valid at `now`; the payload as {@link checkPayload}. Type `Basic`, trust path the
 * header's `x5c`.
 */
export async function verifyAndroidSafetynet(input: AttestationStatementInput, now: number): Promise<AttestationStatementResult> {
  const { attStmt } = input;
  // Step 1: the syntax.
  checkMembers(attStmt, ['ver', 'response']);
  const ver = attStmt.get('ver');
  if (typeof ver !== 'string' || ver.length === 0 || ver.length > MAX_VER_LENGTH) invalid('"ver" is not a non-empty version string');
  const jws = parseCompactJws(bytesMember(attStmt, 'response'));
  // Steps 2 and 4: a valid SafetyNet response, from the SafetyNet service.
  const leaf = jws.certificates[0]!;
  checkValidity(jws.certificates, now);
  checkHostname(leaf);
  if (!(await verifyCompactJws(jws))) invalid('the SafetyNet response signature does not verify');
  // Steps 3 and 4: what it attests.
  checkPayload(jws.payload, input, now);
  return { fmt: 'android-safetynet', type: 'Basic', trustPath: trustPathOf(jws.certificates) };
}

import { TesseraError, isTesseraError, type TrustDecision } from '@tessera/core';
import { decodeStandardBase64 } from './_base64.ts';
import { attestationKeyIdentifier, certificateAaguid, formatAaguid, parseCertificate } from './_certificate.ts';
import { validateChainToAnchors } from './_chain.ts';
import { DEFAULT_REFUSED_STATUSES, refusedStatus } from './authenticatorStatus.ts';
import type { MetadataEntry } from './metadataBlobPayload.ts';
import type { VerifiedMetadataBlob } from './verifyMetadataBlob.ts';

/*
 * The trust decision of WebAuthn L3 §7.1 steps 22–23 made with FIDO metadata: the authenticator model is found in the
 * BLOB (by AAGUID, or for U2F by its attestation key identifier, FIDO MDS3 §3.1.1), its latest status must not be a
 * refused one (§3.1.4), it must pass the relying party's allow and deny lists, and its attestation trust path must
 * lead to one of the model's `attestationRootCertificates` (FIDO Metadata Statement §4; RFC 5280 §6.1).
 */

/** The zero AAGUID: authenticators that do not tell their model (U2F, many platform authenticators with `none`). */
const ZERO_AAGUID = '00000000-0000-0000-0000-000000000000';

/** What the trust decision reads of a verified attestation: the core's `AttestationResult` has all of it. */
export interface MetadataAttestation {
  /** The attestation statement format (WebAuthn L3 §8). */
  fmt: string;
  /** The attestation type (§6.5.4): `None`, `Self`, `Basic`, `AttCA`, … */
  type: string;
  /** The attestation trust path: DER certificates, leaf first; empty for `None` and `Self`. */
  trustPath: readonly Uint8Array[];
  /** The AAGUID from the authenticator data (§6.5.1), 8-4-4-4-12 text or 16 bytes, when the result carries it. */
  aaguid?: string | Uint8Array | undefined;
}

/** The relying party's policy over metadata. */
export interface AttestationTrustPolicy {
  /** Latest statuses refused with `authenticator_revoked`; default {@link DEFAULT_REFUSED_STATUSES}. */
  refusedStatuses?: readonly string[] | undefined;
  /** When given, only these AAGUIDs are accepted (any case); anything else is `authenticator_not_allowed`. */
  allowedAaguids?: readonly string[] | undefined;
  /** These AAGUIDs are refused with `authenticator_not_allowed`, whatever their metadata says. */
  deniedAaguids?: readonly string[] | undefined;
  /**
   * What to do with an authenticator the BLOB has no entry for: `'refuse'` (default) throws
   * `authenticator_not_allowed`; `'accept'` accepts it with its attestation verified but its trust path unchecked,
   * answering `'untrusted'` so the registration's `attestation.trusted` stays `false`.
   */
  unknownAuthenticators?: 'refuse' | 'accept' | undefined;
  /** DER CRLs to check attestation chains with (RFC 5280 §6.3), when you have them. */
  attestationCrls?: readonly Uint8Array[] | undefined;
}

/**
 * Decides whether a verified attestation is trusted, by FIDO metadata and the relying party's policy.
 *
 * @param blob - the verified BLOB
 * @param attestation - what the attestation established
 * @param policy - see {@link AttestationTrustPolicy}
 * @param now - the time chains are validated at, epoch ms
 * @returns `true` when trusted; `'untrusted'` for a model the BLOB does not list under `unknownAuthenticators:
 *   'accept'` (enrolled, trust path unchecked); `false` when there is no attestation to trust (`None`, or `Self` for a model whose
 *   statement does not list `basic_surrogate`, or a model without `attestationRootCertificates`)
 * @throws {TesseraError} `authenticator_not_allowed` (deny list, allow list, no metadata under `'refuse'`),
 *   `authenticator_revoked` (a refused latest status), `invalid_metadata` (a model's root is not a certificate),
 *   `invalid_certificate_chain` or `certificate_revoked` (the
 *   trust path does not lead to the model's roots)
 */
export async function decideAttestationTrust(blob: VerifiedMetadataBlob, attestation: MetadataAttestation, policy: AttestationTrustPolicy, now: number): Promise<TrustDecision> {
  const leaf = attestation.trustPath[0] === undefined ? undefined : parseCertificate(attestation.trustPath[0], 'invalid_certificate_chain');
  let aaguid = normalizeAaguid(attestation.aaguid) ?? (leaf === undefined ? undefined : certificateAaguid(leaf));
  if (aaguid === ZERO_AAGUID) aaguid = undefined;

  if (aaguid !== undefined && (policy.deniedAaguids ?? []).some((denied) => denied.toLowerCase() === aaguid)) {
    throw new TesseraError('authenticator_not_allowed', 'This authenticator model is refused by the relying party.');
  }
  if (policy.allowedAaguids !== undefined && (aaguid === undefined || !policy.allowedAaguids.some((allowed) => allowed.toLowerCase() === aaguid))) {
    throw new TesseraError('authenticator_not_allowed', 'This authenticator model is not one the relying party allows.');
  }

  let entry: MetadataEntry | undefined = aaguid === undefined ? undefined : blob.byAaguid.get(aaguid);
  if (entry === undefined && leaf !== undefined && aaguid === undefined) {
    // U2F and other AAGUID-less authenticators are listed by attestation key identifier (FIDO MDS3 §3.1.1).
    entry = blob.byAttestationCertificateKeyIdentifier.get(attestationKeyIdentifier(leaf));
  }
  if (entry === undefined) {
    if (policy.unknownAuthenticators === 'accept') return 'untrusted';
    throw new TesseraError('authenticator_not_allowed', 'The FIDO metadata has no entry for this authenticator.');
  }

  const refused = refusedStatus(entry, policy.refusedStatuses ?? DEFAULT_REFUSED_STATUSES, now);
  if (refused !== undefined) {
    throw new TesseraError('authenticator_revoked', `The authenticator's latest FIDO metadata status is ${refused}.`);
  }

  const statement = entry.metadataStatement;
  if (attestation.trustPath.length === 0) {
    // Self attestation is all a basic_surrogate model can give (Metadata Statement §4 attestationTypes); None proves nothing.
    return attestation.type === 'Self' && statement !== undefined && statement.attestationTypes.includes('basic_surrogate');
  }
  const anchors = (statement?.attestationRootCertificates ?? []).map((root, index) => decodeStandardBase64(root, `attestationRootCertificates[${index}]`));
  if (anchors.length === 0) return false;
  if (!Number.isFinite(now)) throw new TesseraError('invalid_argument', 'now must be a finite number of epoch milliseconds.');
  const crls = policy.attestationCrls;
  if (crls !== undefined && (!Array.isArray(crls) || !crls.every((crl) => crl instanceof Uint8Array))) {
    throw new TesseraError('invalid_argument', 'attestationCrls must be an array of DER CRLs.');
  }
  try {
    await validateChainToAnchors(attestation.trustPath, anchors, now, crls);
  } catch (error) {
    // With `now` and the CRLs checked, the core's invalid_argument can only mean a root that is not a DER certificate:
    // the BLOB's fault, not the caller's.
    if (isTesseraError(error, 'invalid_argument')) {
      throw new TesseraError('invalid_metadata', "A model's attestationRootCertificates entry is not a DER X.509 certificate.", { cause: error });
    }
    throw error;
  }
  return true;
}

/** An AAGUID as lower-case 8-4-4-4-12, from text or 16 bytes. */
function normalizeAaguid(aaguid: string | Uint8Array | undefined): string | undefined {
  if (aaguid === undefined) return undefined;
  if (aaguid instanceof Uint8Array) return aaguid.length === 16 ? formatAaguid(aaguid) : undefined;
  return aaguid.toLowerCase();
}

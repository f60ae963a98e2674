import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { asList, checkAuthenticatorData, checkClientData, collectExtensionOutputs, type ExtensionOutputs } from './_ceremonyChecks.ts';
import { parseAttestationObject, type AttestationStatement } from './attestationObject.ts';
import { isRegisteredAttestationFormat } from './attestation/formats.ts';
import { assessTrust, type AttestationTrustAnchors } from './attestation/trust.ts';
import { base64url } from './base64url.ts';
import { parseClientDataJSON } from './clientData.ts';
import { COSE_ALGORITHM_NAMES, COSE_ALGORITHMS, parseCoseKey, type CoseAlgorithm } from './cose.ts';
import type { CredentialRecord } from './credentialStore.ts';
import { TesseraError } from './errors.ts';
import type { AttestationConveyancePreference } from './registrationOptions.ts';
import { parseRegistrationResponse, type RegistrationResponseJSON } from './responseJSON.ts';
import { normalizeTransports } from './transports.ts';
import {
  isSupportedAttestationFormat,
  verifyAttestationStatement,
  type AttestationStatementInput,
  type AttestationStatementResult,
} from './attestation/verifyAttestationStatement.ts';

/** Every algorithm this library verifies except RS1, which must be asked for (§5.8.5). */
const ALGORITHMS_WITHOUT_RS1: readonly CoseAlgorithm[] = Object.values(COSE_ALGORITHMS).filter((alg) => alg !== COSE_ALGORITHMS.RS1);

/**
 * What a `trustAttestation` hook decides of a verified attestation (WebAuthn L3 §7.1 step 23): `true` accepts it
 * and vouches for its trust path, `false` refuses it, `'untrusted'` accepts it without vouching for anything, so
 * `attestation.trusted` is not made `true` by the hook.
 */
export type TrustDecision = boolean | 'untrusted';

/**
 * What the attestation of a new credential established (WebAuthn L3 §6.5, §7.1 steps 20–23).
 *
 * - `verified: true`: the statement, of a format in `SUPPORTED_ATTESTATION_FORMATS`, was verified by its
 *   format's procedure (§7.1 step 21), whatever attestation was requested. When an attestation other than
 *   `'none'` was requested, `trustAttestation` (if any) also accepted its trust path (steps 22–23); with
 *   `'none'` the trust decision is skipped, so an `x5c` chain is then self-consistent but trusted by no one.
 * - `verified: false` is not produced today: `SUPPORTED_ATTESTATION_FORMATS` holds every registered format. The
 *   member stays for a format registered later and not yet verified here, which would be accepted only when
 *   `'none'` was requested, with `type` `'None'`, an empty `trustPath` and a credential record whose `fmt` is
 *   `'none'`, so no record claims a statement that was never checked.
 *
 * `trusted` is `true` only when attestation other than `'none'` was requested and the trust path validated to
 * one of the `attestationTrustAnchors` (§7.1 steps 22–23), or `trustAttestation` accepted a statement with a
 * trust path. Self and None attestation are never trusted.
 */
export interface AttestationResult extends AttestationStatementResult {
  /** Whether the statement was verified (§7.1 step 21); see {@link AttestationResult}. */
  verified: boolean;
  /** Whether the trust path leads to an anchor the relying party trusts (§7.1 step 23); see {@link AttestationResult}. */
  trusted: boolean;
  /**
   * The AAGUID of the authenticator data's attested credential data (§6.5.1), lower-case 8-4-4-4-12, so that a
   * `trustAttestation` hook can find the model whatever the format (Self attestation and formats without the
   * AAGUID certificate extension included). All zeros when the authenticator does not tell its model.
   */
  aaguid: string;
}

/** Input of {@link verifyRegistrationResponse}. */
export interface VerifyRegistrationResponseInput {
  /** What the browser's `PublicKeyCredential.toJSON()` returned after `navigator.credentials.create()` (§5.1). */
  response: RegistrationResponseJSON;
  /** The challenge that was sent, base64url, or a predicate (§7.1 step 8). */
  expectedChallenge: string | ((challenge: string) => boolean | Promise<boolean>);
  /** The origin or origins the page may have (§7.1 step 9). */
  expectedOrigin: string | readonly string[];
  /** The RP ID or IDs the credential may be scoped to (§7.1 step 13). */
  expectedRpId: string | readonly string[];
  /** Top-level origins allowed to embed the ceremony in a cross-origin iframe (§7.1 step 10). */
  expectedTopOrigin?: string | readonly string[] | undefined;
  /** The user handle the credential is being registered for, base64url; it goes into the record. */
  userId: string;
  /** Require the UV flag (§7.1 step 15); default `true`. */
  requireUserVerification?: boolean | undefined;
  /**
   * `'conditional'` when the ceremony's options were created with `mediation: 'conditional'` (a conditional
   * create, §5.1.3): then the UP flag may be clear (§7.1 step 14). Take it from the ceremony's server-side
   * record, never from the request: anything else would let a caller skip user presence.
   */
  mediation?: 'conditional' | undefined;
  /** Algorithms that were offered in `pubKeyCredParams` (§7.1 step 18); default every algorithm but RS1. */
  algorithms?: readonly CoseAlgorithm[] | undefined;
  /**
   * The attestation conveyance that was requested (§5.4.7); default `'none'`. Whatever it is, `fmt` must be
   * registered (`REGISTERED_ATTESTATION_FORMATS`) and statements of `SUPPORTED_ATTESTATION_FORMATS` are verified
   * (§7.1 steps 20–21); every registered format is supported. With `'none'` the trust decision (steps 22–23,
   * `attestationTrustAnchors` and `trustAttestation`) is skipped.
   */
  attestation?: AttestationConveyancePreference | undefined;
  /**
   * Decides whether a verified attestation's trust path is trustworthy (§7.1 steps 22–23), for example by
   * checking the chain against FIDO Metadata Service roots (`@tessera/metadata`'s `MetadataService.trustAttestation`).
   * Called only when an attestation other than `'none'` was requested, after `attestationTrustAnchors`, with the
   * verified {@link AttestationResult} (`trusted` is the anchors' verdict; `aaguid` names the model). It returns
   * `true` (accepted, and a trust path is trusted), `false` (refused: `untrusted_attestation`) or `'untrusted'`
   * (accepted without vouching for the trust path, so `trusted` stays the anchors' verdict). Without it every
   * verified statement is accepted.
   */
  trustAttestation?: ((attestation: AttestationResult) => TrustDecision | Promise<TrustDecision>) | undefined;
  /**
   * Trust anchors for attestation trust paths (§7.1 steps 22–23), by AAGUID, by format or global. When
   * attestation other than `'none'` was requested and the statement has a trust path, and anchors exist for
   * its AAGUID, format or globally, the path must validate to one of them (`validateCertificateChain`), else
   * `untrusted_attestation`. Without such anchors the registration is accepted with `trusted: false`.
   */
  attestationTrustAnchors?: AttestationTrustAnchors | undefined;
  /** The time at which attestation certificates must be valid, epoch ms; default now. */
  now?: number | undefined;
  /** `android-key`: accept origin and purpose vouched for only in `softwareEnforced`; default `false` (§8.4). */
  androidKeyAllowSoftwareEnforced?: boolean | undefined;
  /** `android-safetynet`: require `ctsProfileMatch` (else `basicIntegrity`); default `true` (§8.5). */
  safetyNetCtsProfileMatchRequired?: boolean | undefined;
  /** `android-safetynet`: the oldest `timestampMs` accepted, in ms before `now`; default 60 000 (§8.5). */
  safetyNetMaxAgeMs?: number | undefined;
}

/** What {@link verifyRegistrationResponse} resolves to when every check passed. */
export interface RegistrationVerification {
  verified: true;
  /**
   * The credential record to store (WebAuthn L3 §7.1 step 26). Its `fmt` is the format of the verified
   * statement.
   */
  credential: CredentialRecord;
  /** What the attestation established. */
  attestation: AttestationResult;
  /** The UV flag. */
  userVerified: boolean;
  /** `platform`, `cross-platform` or another value the browser reported, or `null`. */
  authenticatorAttachment: string | null;
  /** Extension outputs, when the client or the authenticator reported any (§7.1 step 19). */
  extensionOutputs?: ExtensionOutputs;
}

/**
 * Verifies a registration response, statelessly: WebAuthn L3 §7.1 "Registering a New Credential", steps
 * 5–24, and returns the credential record to store. Step 25 (the id is not registered yet) is the
 * credential store's job: `CredentialStore.create` refuses a known id.
 *
 * @param input - the response and what it must match; see {@link VerifyRegistrationResponseInput}
 * @returns the verification with the new credential record
 * @throws {TesseraError} `malformed_response`, `unexpected_type`, `credential_mismatch`, `challenge_mismatch`,
 *   `origin_mismatch`, `cross_origin_not_allowed`, `rp_id_mismatch`, `user_not_present`, `user_not_verified`,
 *   `invalid_backup_flags`, `malformed_public_key`, `unsupported_algorithm`; `unsupported_attestation_format`
 *   for an unregistered `fmt` (always);
 *   `invalid_attestation` for a statement of a supported format that does not verify (always);
 *   `untrusted_attestation` when the trust path does not validate to the `attestationTrustAnchors` that apply, or
 *   `trustAttestation` refuses (neither under `'none'`); whatever `trustAttestation` throws
 * @example
 * ```ts
 * const { credential } = await verifyRegistrationResponse({
 *   response: body.credential,
 *   expectedChallenge: stored.challenge,
 *   expectedOrigin: 'https://example.com',
 *   expectedRpId: 'example.com',
 *   userId: user.handle,
 * });
 * await credentials.create(credential);
 * ```
 */
export async function verifyRegistrationResponse(input: VerifyRegistrationResponseInput): Promise<RegistrationVerification> {
  const response = parseRegistrationResponse(input.response);
  if (response.type !== 'public-key') throw new TesseraError('unexpected_type', 'The credential type is not public-key.');
  if (response.id !== response.rawId) throw new TesseraError('credential_mismatch', 'The response id and rawId differ.');

  // Steps 5–10: the client data.
  const clientDataBytes = base64url.decode(response.response.clientDataJSON);
  const clientData = parseClientDataJSON(clientDataBytes);
  const clientDataChecked = checkClientData(clientData, 'webauthn.create', input);
  if (clientDataChecked !== undefined) await clientDataChecked;
  // Step 11: its hash, which the attestation signs.
  const clientDataHash = sha256(clientDataBytes);

  // Step 12: the attestation object; the new credential is in its authenticator data.
  const { fmt, attStmt, authData, authenticatorData } = parseAttestationObject(base64url.decode(response.response.attestationObject));
  const { credentialId, credentialPublicKey, aaguid } = authenticatorData.attestedCredentialData;
  if (base64url.encode(credentialId) !== response.id) {
    throw new TesseraError('credential_mismatch', 'The response id is not the id of the credential in the authenticator data.');
  }

  // Steps 13–16: RP ID hash, user presence, user verification, backup flags.
  checkAuthenticatorData(authenticatorData, asList(input.expectedRpId), input.requireUserVerification ?? true, input.mediation !== 'conditional');

  // Step 18: the credential's algorithm is one that was offered.
  const publicKey = parseCoseKey(credentialPublicKey);
  const algorithms = input.algorithms ?? ALGORITHMS_WITHOUT_RS1;
  if (!algorithms.includes(publicKey.alg)) {
    throw new TesseraError('unsupported_algorithm', `The credential uses ${COSE_ALGORITHM_NAMES[publicKey.alg]}, which was not offered.`);
  }

  // Steps 20–23: the attestation statement and its trustworthiness.
  // A self attestation is signed by the credential's own key, so RS1 is as acceptable there as step 18 found it.
  const allowRS1 = publicKey.alg === COSE_ALGORITHMS.RS1;
  const attestation = await assessAttestation(input, {
    fmt,
    attStmt,
    authData,
    authenticatorData,
    clientDataHash,
    allowRS1,
    androidKeyAllowSoftwareEnforced: input.androidKeyAllowSoftwareEnforced,
    safetyNetCtsProfileMatchRequired: input.safetyNetCtsProfileMatchRequired,
    safetyNetMaxAgeMs: input.safetyNetMaxAgeMs,
  });
  // The record names a format only when its statement was verified (signature and certificates, §7.1 step 21),
  // so no reader takes an unchecked one for proof. Whether its trust path is trusted (steps 22–23) is another
  // question, answered only when attestation was requested: see `attestation.verified` and `trustAttestation`.
  const recordedFmt = attestation.verified ? attestation.fmt : 'none';

  const extensionOutputs = collectExtensionOutputs(response.clientExtensionResults, authenticatorData.extensions);
  return {
    verified: true,
    credential: {
      id: response.id,
      userId: input.userId,
      publicKey: credentialPublicKey,
      signCount: authenticatorData.signCount,
      transports: normalizeTransports(response.response.transports ?? []),
      backupEligible: authenticatorData.flags.backupEligible,
      backupState: authenticatorData.flags.backupState,
      aaguid: formatAaguid(aaguid),
      fmt: recordedFmt,
      uvInitialized: authenticatorData.flags.userVerified,
      createdAt: input.now ?? Date.now(),
      lastUsedAt: null,
    },
    attestation,
    userVerified: authenticatorData.flags.userVerified,
    authenticatorAttachment: response.authenticatorAttachment ?? null,
    ...(extensionOutputs === undefined ? {} : { extensionOutputs }),
  };
}

/**
 * §7.1 steps 20–23. Step 20: `fmt` must be a registered identifier. Step 21: a statement of a supported format
 * is verified whatever conveyance was requested (the step has no exception, and verifying costs little).
 * Steps 22–23: the trust decision, skipped when `'none'` was requested. Every registered format is supported
 * today; the branch for one that is not (accepted only under `'none'`, unverified) guards a future registration.
 */
async function assessAttestation(
  input: VerifyRegistrationResponseInput,
  statement: Omit<AttestationStatementInput<AttestationStatement>, 'now'>,
): Promise<AttestationResult> {
  const { fmt } = statement;
  const requested = input.attestation ?? 'none';
  const aaguid = formatAaguid(statement.authenticatorData.attestedCredentialData.aaguid);
  if (!isRegisteredAttestationFormat(fmt)) {
    throw new TesseraError('unsupported_attestation_format', 'The attestation statement format is not a registered WebAuthn attestation statement format identifier (§8).');
  }
  if (!isSupportedAttestationFormat(fmt)) {
    if (requested !== 'none') {
      throw new TesseraError('unsupported_attestation_format', `The attestation statement format "${fmt}" is not verified by this library.`);
    }
    return { fmt, type: 'None', trustPath: [], verified: false, trusted: false, aaguid };
  }
  const now = input.now ?? Date.now();
  const verifiedStatement = await verifyAttestationStatement({ ...statement, now });
  const attestation: AttestationResult = { ...verifiedStatement, verified: true, trusted: false, aaguid };
  if (requested === 'none') return attestation;
  // Step 22–23: the anchors first; a TesseraError thrown by trustAttestation (a revoked authenticator, say)
  // propagates unchanged.
  attestation.trusted = await assessTrust(verifiedStatement, { anchors: input.attestationTrustAnchors, aaguid, now });
  if (input.trustAttestation !== undefined) {
    const decision = await input.trustAttestation(attestation);
    if (decision !== true && decision !== 'untrusted') {
      throw new TesseraError('untrusted_attestation', 'The attestation is valid but its trust path is not trusted by this relying party.');
    }
    // The hook's `true` makes a trust path trusted; Self and None have none to trust. `'untrusted'` enrols the
    // credential without saying anything of its trust path (a model the hook knows nothing about, say).
    if (decision === true && verifiedStatement.trustPath.length > 0) attestation.trusted = true;
  }
  return attestation;
}

/** An AAGUID (§6.5.1) in the usual 8-4-4-4-12 lowercase hexadecimal form. */
function formatAaguid(aaguid: Uint8Array): string {
  const hex = bytesToHex(aaguid);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

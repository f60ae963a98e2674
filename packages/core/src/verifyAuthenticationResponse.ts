import { freshBytes } from './_byteSlab.ts';
import { SHA256_BYTES, sha256Into } from './_sha256.ts';
import { asList, checkAuthenticatorData, checkClientData, collectExtensionOutputs, type ExtensionOutputs } from './_ceremonyChecks.ts';
import { parseAuthenticatorData } from './authenticatorData.ts';
import { base64urlByteLength, decodeBase64urlInto } from './base64url.ts';
import { parseClientDataJSON } from './clientData.ts';
import { TesseraError } from './errors.ts';
import type { PublicKeyCache } from './publicKeyCache.ts';
import { usualAssertionShape } from './_assertionShape.ts';
import { parseOrUndefined } from './_zod.ts';
import { authenticationResponseShapeSchema, parseAuthenticationResponse, type AuthenticationResponseJSON } from './responseJSON.ts';
import { startSignatureVerification } from './verifySignature.ts';

/** What to do when the signature counter did not increase (WebAuthn L3 §6.1.1, §7.2 step 22). */
export type SignCountPolicy = 'reject' | 'warn';
/** What to do when the BE flag differs from the stored value (WebAuthn L3 §6.3.3, §7.2 step 18). */
export type BackupEligibilityPolicy = 'reject' | 'allow';

/** The stored credential an assertion is checked against (a subset of a credential record, §4). */
export interface CredentialToVerify {
  /** The credential ID, base64url. */
  id: string;
  /** The credential public key, COSE_Key bytes (§6.5.1.1). */
  publicKey: Uint8Array;
  /** The signature counter stored after the last ceremony (§6.1.1). */
  signCount: number;
  /** The BE flag stored at registration (§6.3.3); when given, a change is checked (§7.2 step 18). */
  backupEligible?: boolean | undefined;
}

/** Input of {@link verifyAuthenticationResponse}. */
export interface VerifyAuthenticationResponseInput {
  /** What the browser's `PublicKeyCredential.toJSON()` returned after `navigator.credentials.get()` (§5.1). */
  response: AuthenticationResponseJSON;
  /**
   * The challenge that was sent, as base64url, or a predicate for challenges the caller checks itself
   * (for example a challenge that encodes data). §7.2 step 11.
   */
  expectedChallenge: string | ((challenge: string) => boolean | Promise<boolean>);
  /** The origin or origins the page may have (§7.2 step 12). */
  expectedOrigin: string | readonly string[];
  /** The RP ID or IDs the credential may be scoped to (§7.2 step 14). */
  expectedRpId: string | readonly string[];
  /**
   * Top-level origins of pages allowed to embed the ceremony in a cross-origin iframe (§7.2 step 13). When
   * absent, a response with `crossOrigin: true` or a `topOrigin` is rejected.
   */
  expectedTopOrigin?: string | readonly string[] | undefined;
  /** The stored credential; see {@link CredentialToVerify}. */
  credential: CredentialToVerify;
  /** Require the UV flag (§7.2 step 16); default `true`. Pass `false` only when the request said it was not required. */
  requireUserVerification?: boolean | undefined;
  /**
   * The `appid` extension input sent with the request (§10.1.1). When the client reports it used it
   * (`clientExtensionResults.appid === true`), the RP ID hash is checked against SHA-256 of this AppID.
   */
  appid?: string | undefined;
  /** Default `'reject'`: a counter that did not increase fails with `sign_count_regression`; `'warn'` reports it. */
  signCountPolicy?: SignCountPolicy | undefined;
  /** Default `'reject'`: a changed BE flag fails with `backup_eligibility_changed`; `'allow'` reports it. */
  backupEligibilityPolicy?: BackupEligibilityPolicy | undefined;
  /** Accept RS1 (RSASSA-PKCS1-v1_5 with SHA-1) credentials; default `false`. */
  allowRS1?: boolean | undefined;
  /** Where imported public keys are memoised; default a shared bounded cache. */
  keyCache?: PublicKeyCache | undefined;
}

/** What {@link verifyAuthenticationResponse} resolves to when every check passed. */
export interface AuthenticationVerification {
  verified: true;
  /** The credential that signed, base64url. */
  credentialId: string;
  /** The counter to store (§7.2 step 24). */
  newSignCount: number;
  /** The UV flag. */
  userVerified: boolean;
  /** The BE flag (§6.3.3). */
  backupEligible: boolean;
  /** The BS flag (§6.3.3); store it (§7.2 step 24). */
  backupState: boolean;
  /** `platform`, `cross-platform` or another value the browser reported (§5.1), or `null`. */
  authenticatorAttachment: string | null;
  /** The user handle the authenticator returned, base64url, if any (§6.1 of the assertion). */
  userHandle?: string;
  /** Extension outputs, present when the client or the authenticator reported any (§7.2 step 19). */
  extensionOutputs?: ExtensionOutputs;
  /** With `signCountPolicy: 'warn'`: the counter did not increase, a sign of a cloned authenticator (§6.1.1). */
  signCountRegressed: boolean;
  /** With `backupEligibilityPolicy: 'allow'`: the BE flag differs from the stored one (§7.2 step 18). */
  backupEligibilityChanged: boolean;
}

/**
 * Verifies an authentication assertion, statelessly: WebAuthn L3 §7.2 "Verifying an Authentication
 * Assertion", steps 7–22, with the request's values given by the caller. Steps 5 and 6 (is the credential
 * allowed, does it belong to the user) need the stored ceremony and the user's credentials: the relying
 * party's `finishAuthentication` does them before calling this.
 *
 * @param input - the response and what it must match; see {@link VerifyAuthenticationResponseInput}
 * @returns the verification, with the state to store
 * @throws {TesseraError} with a code for each failed check: `malformed_response`, `unexpected_type`,
 *   `credential_mismatch`, `challenge_mismatch`, `origin_mismatch`, `cross_origin_not_allowed`,
 *   `rp_id_mismatch`, `user_not_present`, `user_not_verified`, `invalid_backup_flags`,
 *   `backup_eligibility_changed`, `malformed_public_key`, `unsupported_algorithm`, `invalid_signature`,
 *   `sign_count_regression`; `invalid_argument` if `credential.publicKey` is not a `Uint8Array`
 * @example
 * ```ts
 * const result = await verifyAuthenticationResponse({
 *   response: body.credential,
 *   expectedChallenge: stored.challenge,
 *   expectedOrigin: 'https://example.com',
 *   expectedRpId: 'example.com',
 *   credential: { id: record.id, publicKey: record.publicKey, signCount: record.signCount },
 * });
 * await credentials.updateAfterAuthentication(result.credentialId, {
 *   expectedSignCount: record.signCount, signCount: result.newSignCount, backupState: result.backupState,
 *   backupEligible: result.backupEligible, uvInitialized: result.userVerified, lastUsedAt: Date.now(),
 * });
 * ```
 */
export function verifyAuthenticationResponse(input: VerifyAuthenticationResponseInput): Promise<AuthenticationVerification> {
  // Not `async`: one async frame (the verification's) instead of two; a synchronous throw becomes a rejection.
  let response: AuthenticationResponseJSON;
  try {
    // §5.1: the response's shape, the usual form recognised by hand, any other by the schema. Its three signed byte
    // strings are checked as base64url where step 7 decodes them, in one pass instead of two; any failure is
    // reported exactly as parseAuthenticationResponse reports it.
    const json = input.response;
    response = usualAssertionShape(json) ?? parseOrUndefined(authenticationResponseShapeSchema, json) ?? parseAuthenticationResponse(json);
  } catch (error) {
    return Promise.reject(error as Error);
  }
  return verifyParsedAuthenticationResponse(response, input);
}

/**
 * {@link verifyAuthenticationResponse} for a response that already passed `parseAuthenticationResponse`.
 *
 * @internal the relying party parses the response once, for §7.2 steps 5–6, and verifies it with this
 */
export async function verifyParsedAuthenticationResponse(
  response: AuthenticationResponseJSON,
  input: Omit<VerifyAuthenticationResponseInput, 'response'>,
): Promise<AuthenticationVerification> {
  const { credential } = input;

  // Step 7: cData, authData and sig. First, so that a response the strict schema refuses (its byte strings are
  // checked here) is refused as malformed_response whatever else is wrong with it, as parseAuthenticationResponse
  // would have refused it.
  const { clientDataBytes, authenticatorDataBytes, signature, signedData } = decodeAssertion(response);

  // §5.1: a public key credential; its id and rawId name the same credential, the one being checked.
  if (response.type !== 'public-key') throw new TesseraError('unexpected_type', 'The credential type is not public-key.');
  if (response.id !== response.rawId) throw new TesseraError('credential_mismatch', 'The response id and rawId differ.');
  if (response.id !== credential.id) {
    throw new TesseraError('credential_mismatch', 'The assertion was made by another credential than the one being verified.');
  }

  // Steps 8–9: UTF-8 decode and parse the client data.
  const clientData = parseClientDataJSON(clientDataBytes);
  // Steps 10–13: what the client says about the ceremony.
  const clientDataChecked = checkClientData(clientData, 'webauthn.get', input);
  if (clientDataChecked !== undefined) await clientDataChecked;

  // Steps 14–17: what the authenticator says about itself. With the appid extension used, the credential is
  // scoped to the AppID instead of the RP ID (§10.1.1).
  const authenticatorData = parseAuthenticatorData(authenticatorDataBytes);
  const usedAppid = input.appid !== undefined && response.clientExtensionResults?.['appid'] === true;
  checkAuthenticatorData(authenticatorData, usedAppid ? [input.appid!] : asList(input.expectedRpId), input.requireUserVerification ?? true);
  const { flags } = authenticatorData;

  // Step 18: the backup eligibility must not change over a credential's life.
  const backupEligibilityChanged = credential.backupEligible !== undefined && credential.backupEligible !== flags.backupEligible;
  if (backupEligibilityChanged && (input.backupEligibilityPolicy ?? 'reject') === 'reject') {
    throw new TesseraError('backup_eligibility_changed', 'The credential’s backup eligibility differs from when it was registered.');
  }

  // Step 19: extension outputs are reported to the caller, whose policy they concern.
  // Steps 20–21: the signature over authData || SHA-256(cData). The hash goes into the room decodeAssertion
  // left after authData, which makes signedData whole (_sha256.ts says why not @noble/hashes here).
  sha256Into(clientDataBytes, signedData, authenticatorDataBytes.length);
  // startSignatureVerification trusts its arguments' types (verifySignature checks them): the stored key is the caller's.
  const { publicKey } = credential;
  if (!(publicKey instanceof Uint8Array)) {
    throw new TesseraError('invalid_argument', 'credential.publicKey must be a Uint8Array (COSE_Key bytes).');
  }
  const valid = await startSignatureVerification(publicKey, signature, signedData, input.allowRS1, input.keyCache);
  if (!valid) throw new TesseraError('invalid_signature', 'The assertion signature does not verify.');

  // Step 22: the signature counter.
  const signCountRegressed = isSignCountRegression(authenticatorData.signCount, credential.signCount);
  if (signCountRegressed && (input.signCountPolicy ?? 'reject') === 'reject') {
    throw new TesseraError('sign_count_regression', 'The signature counter did not increase; the authenticator may be cloned.');
  }

  const verification: AuthenticationVerification = {
    verified: true,
    credentialId: response.id,
    newSignCount: authenticatorData.signCount,
    userVerified: flags.userVerified,
    backupEligible: flags.backupEligible,
    backupState: flags.backupState,
    authenticatorAttachment: response.authenticatorAttachment ?? null,
    signCountRegressed,
    backupEligibilityChanged,
  };
  if (response.response.userHandle !== undefined) verification.userHandle = response.response.userHandle;
  const extensionOutputs = collectExtensionOutputs(response.clientExtensionResults, authenticatorData.extensions);
  if (extensionOutputs !== undefined) verification.extensionOutputs = extensionOutputs;
  return verification;
}

/** The decoded byte strings of an assertion, laid out in one buffer by {@link decodeAssertion}. */
interface DecodedAssertion {
  clientDataBytes: Uint8Array;
  authenticatorDataBytes: Uint8Array;
  signature: Uint8Array;
  /** authData followed by 32 bytes for SHA-256(cData), still zero: the data of §7.2 step 20 once filled. */
  signedData: Uint8Array;
}

/**
 * §7.2 step 7: decodes authData, sig and cData into one buffer laid out as
 * `authData || SHA-256 room || sig || cData`. One region of a slab instead of four allocations (buffers over
 * 64 bytes are costly to allocate), and authData needs no copy into the signed data.
 */
function decodeAssertion(response: AuthenticationResponseJSON): DecodedAssertion {
  const { authenticatorData, signature, clientDataJSON } = response.response;
  const hashStart = base64urlByteLength(authenticatorData);
  const signatureStart = hashStart + SHA256_BYTES;
  const clientDataStart = signatureStart + base64urlByteLength(signature);
  // A region of a shared slab (_byteSlab.ts): no allocation of its own, never shared with another call.
  const buffer = freshBytes(clientDataStart + base64urlByteLength(clientDataJSON));
  try {
    decodeBase64urlInto(authenticatorData, buffer, 0);
    decodeBase64urlInto(signature, buffer, signatureStart);
    decodeBase64urlInto(clientDataJSON, buffer, clientDataStart);
  } catch (error) {
    // Not canonical base64url: the full schema names the field and the rule, as for any malformed response.
    parseAuthenticationResponse(response);
    throw error;
  }
  return {
    clientDataBytes: buffer.subarray(clientDataStart),
    authenticatorDataBytes: buffer.subarray(0, hashStart),
    signature: buffer.subarray(signatureStart, clientDataStart),
    signedData: buffer.subarray(0, signatureStart),
  };
}

/**
 * §7.2 step 22: if either counter is nonzero, the new one must be greater. Both zero means the
 * authenticator keeps no counter (§6.1.1).
 */
function isSignCountRegression(received: number, stored: number): boolean {
  return (received !== 0 || stored !== 0) && received <= stored;
}

import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { equalBytes } from './_bytes.ts';
import type { AuthenticatorData } from './authenticatorData.ts';
import type { CollectedClientData } from './clientData.ts';
import { TesseraError } from './errors.ts';
import { copyJsonValue } from './jsonValue.ts';

/*
 * The checks WebAuthn L3 §7.1 (registration) and §7.2 (authentication) share, in the order both use.
 */

/** What the client data of a ceremony must say. */
export interface ExpectedClientData {
  expectedChallenge: string | ((challenge: string) => boolean | Promise<boolean>);
  expectedOrigin: string | readonly string[];
  expectedTopOrigin?: string | readonly string[] | undefined;
}

/** A single value or a list, as a list. @internal */
export const asList = (value: string | readonly string[]): readonly string[] => (typeof value === 'string' ? [value] : value);

/**
 * §7.1 steps 7–10, §7.2 steps 10–13: type, challenge, origin, and the cross-origin embedding. Synchronous
 * unless the challenge is checked by a caller's (possibly asynchronous) predicate.
 *
 * @internal
 */
export function checkClientData(
  clientData: CollectedClientData,
  type: 'webauthn.create' | 'webauthn.get',
  expected: ExpectedClientData,
): void | Promise<void> {
  if (clientData.type !== type) {
    const ceremony = type === 'webauthn.get' ? 'an authentication' : 'a registration';
    throw new TesseraError('unexpected_type', `The client data is not from ${ceremony} ceremony (type is not ${type}).`);
  }
  const { expectedChallenge } = expected;
  if (typeof expectedChallenge !== 'function') {
    checkChallenge(clientData.challenge === expectedChallenge);
    checkOrigins(clientData, expected);
    return;
  }
  return Promise.resolve(expectedChallenge(clientData.challenge)).then((matches) => {
    checkChallenge(matches === true);
    checkOrigins(clientData, expected);
  });
}

function checkChallenge(matches: boolean): void {
  if (!matches) throw new TesseraError('challenge_mismatch', 'The response answers another challenge.');
}

function checkOrigins(clientData: CollectedClientData, expected: ExpectedClientData): void {
  if (!asList(expected.expectedOrigin).includes(clientData.origin)) {
    throw new TesseraError('origin_mismatch', 'The response comes from an origin this relying party does not expect.');
  }
  if (clientData.crossOrigin === true || clientData.topOrigin !== undefined) {
    const topOrigins = expected.expectedTopOrigin === undefined ? [] : asList(expected.expectedTopOrigin);
    if (clientData.topOrigin === undefined || !topOrigins.includes(clientData.topOrigin)) {
      throw new TesseraError('cross_origin_not_allowed', 'The ceremony ran in a cross-origin iframe this relying party does not allow.');
    }
  }
}

/** Most RP ID hashes remembered; a relying party has one RP ID, or a handful. */
const MAX_REMEMBERED_RP_ID_HASHES = 64;
const rpIdHashes = new Map<string, Uint8Array>();

/**
 * SHA-256 of an RP ID (§6.1 `rpIdHash`), remembered: the hash of a public string never changes, and hashing
 * on every verification costs the main thread time that the signature checks on the thread pool need.
 */
function rpIdHash(rpId: string): Uint8Array {
  let hash = rpIdHashes.get(rpId);
  if (hash === undefined) {
    hash = sha256(utf8ToBytes(rpId));
    if (rpIdHashes.size >= MAX_REMEMBERED_RP_ID_HASHES) rpIdHashes.clear();
    rpIdHashes.set(rpId, hash);
  }
  return hash;
}

/**
 * §7.1 steps 13–16, §7.2 steps 14–17: the RP ID hash, user presence, user verification when required, and
 * the backup flags' consistency.
 *
 * @internal
 */
export function checkAuthenticatorData(
  authenticatorData: AuthenticatorData,
  rpIds: readonly string[],
  requireUserVerification: boolean,
  requireUserPresence = true,
): void {
  if (!rpIds.some((rpId) => equalBytes(authenticatorData.rpIdHash, rpIdHash(rpId)))) {
    throw new TesseraError('rp_id_mismatch', 'The credential is scoped to another RP ID.');
  }
  const { flags } = authenticatorData;
  // §7.1 step 14: only a conditional registration may skip UP; every sign-in needs it (§7.2 step 15).
  if (requireUserPresence && !flags.userPresent) throw new TesseraError('user_not_present', 'The authenticator did not test for user presence.');
  if (requireUserVerification && !flags.userVerified) {
    throw new TesseraError('user_not_verified', 'User verification was required but the authenticator did not verify the user.');
  }
  if (flags.backupState && !flags.backupEligible) {
    throw new TesseraError('invalid_backup_flags', 'The authenticator reports a backed-up credential that is not backup eligible.');
  }
}

/** Extension outputs of a ceremony (WebAuthn L3 §9): what the client reported and what the authenticator signed. */
export interface ExtensionOutputs {
  /** `clientExtensionResults` as the browser reported them (not signed). */
  client: Record<string, unknown>;
  /** Authenticator extension outputs from the signed authenticator data (§6.1), if any. */
  authenticator?: Record<string, unknown>;
}

/**
 * §7.1 step 19, §7.2 step 19: gathers the extension outputs for the caller, whose policy they concern;
 * `undefined` when there are none.
 *
 * @internal
 */
export function collectExtensionOutputs(
  client: Record<string, unknown> | undefined,
  authenticator: Record<string, unknown> | undefined,
): ExtensionOutputs | undefined {
  const hasClient = client !== undefined && Object.keys(client).length > 0;
  if (!hasClient && authenticator === undefined) return undefined;
  // The client's outputs as copied now (jsonValue.ts), not the caller's objects, which it could change later.
  const copied = hasClient ? copyJsonValue(client) : { copy: {} };
  if (copied === undefined) {
    throw new TesseraError('malformed_response', 'clientExtensionResults changed while being read: it must be plain JSON.');
  }
  return { client: copied.copy as Record<string, unknown>, ...(authenticator === undefined ? {} : { authenticator }) };
}

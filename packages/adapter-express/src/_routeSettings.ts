import type { CredentialRecord, CredentialStore, RelyingParty } from '@tessera/core';
import type { ChallengeEncoding } from './challengeEncoding.ts';

/** What the ceremony routes need from the router's options. */
export interface RouteSettings {
  relyingParty: RelyingParty;
  credentials: CredentialStore;
  challengeEncoding: ChallengeEncoding;
}

/** A stored credential as a descriptor for `allowCredentials` / `excludeCredentials` (WebAuthn L3 §5.8.3). */
export function descriptorOf({ id, transports }: CredentialRecord): { id: string; transports: CredentialRecord['transports'] } {
  return { id, transports };
}

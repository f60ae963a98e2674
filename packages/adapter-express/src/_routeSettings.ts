import type { CredentialStore, RelyingParty } from '@tessera/core';
import type { ChallengeEncoding } from './challengeEncoding.ts';

/** What the ceremony routes need from the router's options. */
export interface RouteSettings {
  relyingParty: RelyingParty;
  credentials: CredentialStore;
  challengeEncoding: ChallengeEncoding;
}

import type { RelyingParty } from '@tessera/core';
import type { ChallengeEncoding } from './challengeEncoding.ts';
import type { OnAuthenticated } from './passkeyRouterOptions.ts';

/** What the ceremony routes need from the router's options. */
export interface RouteSettings {
  relyingParty: RelyingParty;
  challengeEncoding: ChallengeEncoding;
  /** The application's hook after a verified sign-in, if any. */
  onAuthenticated: OnAuthenticated | undefined;
}

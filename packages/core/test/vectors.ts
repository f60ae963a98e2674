/**
 * Test support only: typed loaders for the captured WebAuthn vectors in `fixtures/` beside this file
 * (described, with their sources and licences, in `fixtures/README.md`). The path is relative to this file,
 * so any checkout of the repository finds them. Never imported by library code.
 */
import { readFileSync } from 'node:fs';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '../src/responseJSON.ts';

/** One case of `authentication.json`: a valid assertion and what verifying it reports. */
export interface AuthenticationVector {
  name: string;
  source: string;
  authenticator: string;
  /** COSE algorithm of the stored credential public key. */
  coseAlg: number;
  response: AuthenticationResponseJSON;
  expectedChallenge: string;
  expectedOrigin: string;
  expectedRpId: string;
  /** The stored credential: `publicKey` is base64url COSE_Key bytes, `signCount` the counter before this assertion. */
  credential: { id: string; publicKey: string; signCount: number };
  requireUserVerification: boolean;
  expected: { verified: true; newSignCount: number; userVerified: boolean };
  notes?: string;
}

/** One case of `registration.json`: a valid registration and what verifying it reports. */
export interface RegistrationVector {
  name: string;
  source: string;
  authenticator: string;
  /** Attestation statement format. */
  fmt: string;
  /** True for formats other than none, packed and fido-u2f. */
  extra: boolean;
  response: RegistrationResponseJSON;
  expectedChallenge: string;
  expectedOrigin: string;
  expectedRpId: string;
  requireUserVerification: boolean;
  /** `publicKey` is base64url COSE_Key bytes from authenticatorData; `aaguid` in 8-4-4-4-12 hexadecimal form. */
  expected: {
    verified: true;
    credentialId: string;
    publicKey: string;
    signCount: number;
    coseAlg: number;
    aaguid: string;
    userVerified: boolean;
  };
  /** The ISO instant at which every certificate is valid; verify with this as "now". */
  requiresDate?: string;
  safetyNetCtsProfileMatchRequired?: boolean;
  notes?: string;
}

function readVectors(file: string): unknown {
  return JSON.parse(readFileSync(new URL(`fixtures/${file}`, import.meta.url), 'utf8'));
}

/** Every case of `authentication.json`, freshly parsed on each call. */
export function readAuthenticationVectors(): AuthenticationVector[] {
  return readVectors('authentication.json') as AuthenticationVector[];
}

/** Every case of `registration.json`, freshly parsed on each call. */
export function readRegistrationVectors(): RegistrationVector[] {
  return readVectors('registration.json') as RegistrationVector[];
}

import { challengeSchema, isBase64url } from '@tessera/core';
import { z } from 'zod';

/**
 * How the router spells challenges in the options it sends:
 *
 * - `base64url`: unpadded base64url (RFC 4648 §5), the form WebAuthn L3 §5.1.8/§5.1.9 JSON uses and what
 *   `PublicKeyCredential.parseRequestOptionsFromJSON()` accepts. The default.
 * - `base64`: standard padded base64 (RFC 4648 §4), as the Flashback `POST /mfa/passkey/auth-options`
 *   document's example shows, for clients that decode with `atob`.
 */
export const CHALLENGE_ENCODINGS = ['base64url', 'base64'] as const;

/** One of {@link CHALLENGE_ENCODINGS}. */
export type ChallengeEncoding = (typeof CHALLENGE_ENCODINGS)[number];

/** Longest challenge text accepted back: 64 bytes (the core's maximum) as padded base64 is 88 characters. */
const MAX_ENCODED_CHALLENGE_LENGTH = 88;

const BASE64URL_ALPHABET = /^[A-Za-z0-9_-]*$/;
const BASE64_ALPHABET = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Spells a core challenge (canonical unpadded base64url) in `encoding`. The bytes are unchanged: base64 and
 * base64url differ only in two characters of the alphabet and in padding (RFC 4648 §4, §5).
 *
 * @param challenge - the challenge as the core produced it, canonical unpadded base64url
 * @param encoding - see {@link CHALLENGE_ENCODINGS}
 * @returns the same bytes as `encoding`
 * @example
 * ```ts
 * encodeChallenge('dGVzdCBjaGFsbGVuZ2U', 'base64'); // 'dGVzdCBjaGFsbGVuZ2U='
 * ```
 */
export function encodeChallenge(challenge: string, encoding: ChallengeEncoding): string {
  if (encoding === 'base64url') return challenge;
  const standard = challenge.replaceAll('-', '+').replaceAll('_', '/');
  return standard + '='.repeat((4 - (standard.length % 4)) % 4);
}

/**
 * Reads a challenge sent back by a client in either spelling, standard base64 (padded or not) or base64url,
 * and returns the core's canonical unpadded base64url, or `undefined` when the text is neither, mixes the
 * two alphabets, has wrong padding or non-zero trailing bits, or does not decode to 16–64 bytes (the sizes
 * the core issues, WebAuthn L3 §13.4.3).
 *
 * @param text - the challenge as the client sent it
 * @returns canonical base64url, or `undefined`
 */
export function normalizeChallenge(text: string): string | undefined {
  if (typeof text !== 'string' || text.length === 0 || text.length > MAX_ENCODED_CHALLENGE_LENGTH) return undefined;
  let candidate: string;
  if (BASE64URL_ALPHABET.test(text)) {
    candidate = text;
  } else if (BASE64_ALPHABET.test(text)) {
    // Padding, when present, must complete the last quantum exactly (RFC 4648 §3.2).
    if (text.includes('=') && text.length % 4 !== 0) return undefined;
    candidate = text.replace(/=+$/, '').replaceAll('+', '-').replaceAll('/', '_');
  } else {
    return undefined;
  }
  return isBase64url(candidate) && challengeSchema.safeParse(candidate).success ? candidate : undefined;
}

/** Schema of a challenge in either spelling (see {@link normalizeChallenge}), as clients send it back. */
export const encodedChallengeSchema: z.ZodString = z
  .string()
  .refine((text) => normalizeChallenge(text) !== undefined, 'challenge must be base64 or base64url of 16–64 bytes');

import { z } from 'zod';

/**
 * The hints of WebAuthn L3 §5.8.8 (`PublicKeyCredentialHint`): which kind of authenticator the relying
 * party expects, most preferred first.
 */
export const PUBLIC_KEY_CREDENTIAL_HINTS = ['security-key', 'client-device', 'hybrid'] as const;

/** One of {@link PUBLIC_KEY_CREDENTIAL_HINTS}. */
export type PublicKeyCredentialHint = (typeof PUBLIC_KEY_CREDENTIAL_HINTS)[number];

/** Schema of one hint (WebAuthn L3 §5.8.8). */
export const publicKeyCredentialHintSchema: z.ZodEnum<{ [H in PublicKeyCredentialHint]: H }> =
  z.enum(PUBLIC_KEY_CREDENTIAL_HINTS);

/**
 * Removes repeated hints, keeping the first occurrence: the order of `hints` is the order of preference
 * (WebAuthn L3 §5.5 `hints`).
 *
 * @param hints - known hints, possibly repeated
 * @returns the same hints, each once, in their first order
 */
export function dedupeHints(hints: readonly PublicKeyCredentialHint[]): PublicKeyCredentialHint[] {
  return [...new Set(hints)];
}

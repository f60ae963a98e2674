import type { z } from 'zod';
import { base64urlBytesSchema } from './_base64urlSchema.ts';

/** Size of a ceremony ticket in bytes: 192 bits, comfortably above the 128 bits an unguessable id needs. */
export const TICKET_BYTES = 24;

/** Length of a ticket in base64url characters: {@link TICKET_BYTES} bytes, 4 characters per 3 bytes. */
const TICKET_CHARS = (TICKET_BYTES / 3) * 4;

/**
 * The ticket of the ceremony whose challenge is `challenge`: the key under which a relying party stores the
 * ceremony's context until the browser answers. It is the challenge's first 24 bytes, that is its first 32
 * base64url characters:
 *
 * - unguessable, because the challenge is 32 random bytes (WebAuthn L3 §13.4.3), 192 of them in the ticket;
 * - computable only by whoever holds the challenge, who receives the ticket with the options anyway. This
 *   lets a server find the ceremony from the browser's answer alone (its `clientDataJSON.challenge`), which
 *   envelopes without a ticket field (`POST /mfa/passkey/auth-options`) need, even on another server;
 * - free to compute. A challenge is a public nonce, not a secret, so a one-way function over it would hide
 *   nothing: whoever can read tickets (a store's keys, a log) learns no more than the browser is told, and
 *   can do no more than whoever holds the ticket. A SHA-256 here cost about a third of `startAuthentication`.
 *
 * The ceremony's record keeps the whole challenge, and verification compares it in full, so a response whose
 * challenge merely starts like the stored one finds the ceremony (and spends it) but fails
 * `challenge_mismatch`. A text shorter than 32 characters, or not base64url, gives a string that
 * {@link ticketSchema} refuses, so no ceremony is found.
 *
 * @param challenge - the ceremony's challenge, base64url (a relying party's are always 32 bytes)
 * @returns the ticket, base64url
 */
export function ticketForChallenge(challenge: string): string {
  return challenge.slice(0, TICKET_CHARS);
}

/** Schema of a ticket coming back from a client: canonical base64url of exactly {@link TICKET_BYTES} bytes. */
export const ticketSchema: z.ZodString = base64urlBytesSchema('ticket', TICKET_BYTES, TICKET_BYTES);

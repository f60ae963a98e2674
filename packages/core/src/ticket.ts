import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import type { z } from 'zod';
import { base64urlBytesSchema } from './_base64urlSchema.ts';
import { base64url } from './base64url.ts';

/** Size of a ceremony ticket in bytes: 192 bits, comfortably above the 128 bits an unguessable id needs. */
export const TICKET_BYTES = 24;

/** Domain separation, so a ticket is never the hash of anything but a ceremony's challenge. */
const TICKET_LABEL = 'tessera/ceremony-ticket/v1\0';

/**
 * The ticket of the ceremony whose challenge is `challenge`: the key under which a relying party stores the
 * ceremony's context until the browser answers. It is the first 24 bytes of SHA-256 over a fixed label and
 * the challenge, as base64url (32 characters):
 *
 * - unguessable, because the challenge is 32 random bytes (WebAuthn L3 §13.4.3);
 * - not the challenge, and not the challenge's bytes under another encoding, so the store key is not what
 *   the browser signs;
 * - computable only by whoever holds the challenge, who receives the ticket with the options anyway. This
 *   lets a server find the ceremony from the browser's answer alone (its `clientDataJSON.challenge`), which
 *   envelopes without a ticket field (`POST /mfa/passkey/auth-options`) need, even on another server.
 *
 * @param challenge - the ceremony's challenge, base64url
 * @returns the ticket, base64url
 */
export function ticketForChallenge(challenge: string): string {
  return base64url.encode(sha256(ticketInput(challenge)).subarray(0, TICKET_BYTES));
}

const TICKET_LABEL_BYTES = utf8ToBytes(TICKET_LABEL);

/**
 * The UTF-8 of label and challenge. A challenge is ASCII (base64url) except when a client sent something
 * else, so its characters are copied as bytes, and only other text goes through a `TextEncoder`.
 */
function ticketInput(challenge: string): Uint8Array {
  const input = new Uint8Array(TICKET_LABEL_BYTES.length + challenge.length);
  input.set(TICKET_LABEL_BYTES);
  for (let i = 0; i < challenge.length; i++) {
    const code = challenge.charCodeAt(i);
    if (code > 127) return utf8ToBytes(TICKET_LABEL + challenge);
    input[TICKET_LABEL_BYTES.length + i] = code;
  }
  return input;
}

/** Schema of a ticket coming back from a client: canonical base64url of exactly {@link TICKET_BYTES} bytes. */
export const ticketSchema: z.ZodString = base64urlBytesSchema('ticket', TICKET_BYTES, TICKET_BYTES);

import type { z } from 'zod';
import { base64urlBytesSchema } from './_base64urlSchema.ts';
import { randomBase64url } from './_randomPool.ts';

/** Size of a ceremony ticket in bytes: 192 bits, comfortably above the 128 bits an unguessable id needs. */
export const TICKET_BYTES = 24;

/**
 * Generates a ceremony ticket: the random, unguessable key under which a relying party stores a ceremony's
 * context until the browser answers. It is independent of the challenge, so knowing one reveals nothing
 * about the other.
 *
 * @returns 24 CSPRNG bytes as unpadded base64url (32 characters)
 */
export function generateTicket(): string {
  return randomBase64url(TICKET_BYTES);
}

/** Schema of a ticket coming back from a client: canonical base64url of exactly {@link TICKET_BYTES} bytes. */
export const ticketSchema: z.ZodString = base64urlBytesSchema('ticket', TICKET_BYTES, TICKET_BYTES);

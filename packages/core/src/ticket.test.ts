import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { base64url } from './base64url.ts';
import { generateChallenge } from './challenge.ts';
import { TICKET_BYTES, ticketForChallenge, ticketSchema } from './ticket.ts';

/** The definition, computed independently with node:crypto. */
function reference(challenge: string): string {
  const digest = createHash('sha256').update(`tessera/ceremony-ticket/v1\0${challenge}`, 'utf8').digest();
  return digest.subarray(0, TICKET_BYTES).toString('base64url');
}

describe('ticketForChallenge', () => {
  it('is the first 24 bytes of SHA-256 over the label and the challenge, for any text a client may send', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 100 }), fc.string({ unit: 'grapheme', maxLength: 30 }), fc.constant('')), (text) => {
        expect(ticketForChallenge(text)).toBe(reference(text));
      }),
      { numRuns: 2000 },
    );
  });

  it('gives every generated challenge a distinct 24-byte ticket that passes ticketSchema and is not the challenge', () => {
    const tickets = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const challenge = generateChallenge();
      const ticket = ticketForChallenge(challenge);
      expect(ticket).toBe(reference(challenge));
      expect(base64url.decode(ticket)).toHaveLength(TICKET_BYTES);
      expect(ticketSchema.safeParse(ticket).success).toBe(true);
      expect(challenge.startsWith(ticket)).toBe(false);
      tickets.add(ticket);
    }
    expect(tickets.size).toBe(1000);
  });
});

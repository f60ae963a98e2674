import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { base64url } from './base64url.ts';
import { generateChallenge } from './challenge.ts';
import { TICKET_BYTES, ticketForChallenge, ticketSchema } from './ticket.ts';

describe('ticketForChallenge', () => {
  it("is the first 24 bytes of a generated challenge, distinct for every challenge, and passes ticketSchema", () => {
    const tickets = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const challenge = generateChallenge();
      const ticket = ticketForChallenge(challenge);
      expect(base64url.decode(ticket)).toEqual(base64url.decode(challenge).subarray(0, TICKET_BYTES));
      expect(ticketSchema.safeParse(ticket).success).toBe(true);
      expect(ticket).toHaveLength(32);
      tickets.add(ticket);
    }
    expect(tickets.size).toBe(1000);
  });

  it('names a ceremony only for canonical base64url of at least 24 bytes: any other text a client sends finds none', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 60 }), fc.base64String({ maxLength: 60 }), fc.uint8Array({ maxLength: 40 }).map(base64url.encode)), (text) => {
        const accepted = ticketSchema.safeParse(ticketForChallenge(text)).success;
        const longEnoughBase64url = /^[A-Za-z0-9_-]{32}/.test(text);
        expect(accepted).toBe(longEnoughBase64url);
      }),
      { numRuns: 3000 },
    );
  });
});

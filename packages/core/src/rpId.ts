import { z } from 'zod';

/**
 * A DNS label as RFC 1123 §2.1 allows it in host names: 1–63 lowercase letters, digits or hyphens, not
 * starting or ending with a hyphen. Punycode (`xn--…`) labels fit this already.
 */
const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const HOST_NAME = new RegExp(`^(?:${LABEL}\\.)*${LABEL}$`);
/** What the URL Standard's "ends in a number" checker takes for an IPv4 part: decimal, or 0x-prefixed hex. */
const IPV4_NUMBER = /^(?:[0-9]+|0x[0-9a-f]*)$/;

/**
 * Whether `value` is a valid relying party identifier for this library: a lowercase host name
 * (WebAuthn L3 §4 "Relying Party Identifier": a valid domain string, HTML's host without scheme, port or path).
 *
 * Accepted: `example.com`, `login.example.com`, `xn--bcher-kva.example`, `localhost`.
 * Rejected: uppercase, a scheme (`https://…`), a port, a path, a trailing dot or empty label, an IPv4 or
 * IPv6 literal in any spelling the URL Standard accepts (`127.0.0.1`, `0x7f000001`) (WebAuthn needs a domain: an IP address cannot be an RP ID), names over 253 characters.
 *
 * @param value - the candidate
 * @returns `true` if it is an acceptable RP ID
 */
export function isValidRpId(value: string): boolean {
  if (typeof value !== 'string' || value.length === 0 || value.length > 253 || !HOST_NAME.test(value)) return false;
  // A last label that is a number makes the URL Standard parse the host as IPv4 ("ends in a number"),
  // e.g. 127.0.0.1, 0x7f000001 or example.0x10.
  const lastLabel = value.slice(value.lastIndexOf('.') + 1);
  return !IPV4_NUMBER.test(lastLabel);
}

/**
 * Schema of a relying party identifier (WebAuthn L3 §4, §5.4.2 `rp.id`, §5.5 `rpId`): a lowercase host
 * name, `localhost` allowed; scheme, port, path, IP literal and empty labels rejected. See {@link isValidRpId}.
 */
export const rpIdSchema: z.ZodString = z
  .string()
  .refine(isValidRpId, 'must be a lowercase host name such as "example.com" (no scheme, port, path or IP address)');

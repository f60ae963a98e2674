import { z } from 'zod';

/**
 * A DNS label as RFC 1123 §2.1 allows it in host names: 1–63 lowercase letters, digits or hyphens, not
 * starting or ending with a hyphen. Punycode (`xn--…`) labels fit this already.
 */
const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const HOST_NAME = new RegExp(`^(?:${LABEL}\\.)*${LABEL}$`);
const ALL_DIGITS = /^[0-9]+$/;

/**
 * Whether `value` is a valid relying party identifier for this library: a lowercase host name
 * (WebAuthn L3 §4 "Relying Party Identifier": a valid domain string, HTML's host without scheme, port or path).
 *
 * Accepted: `example.com`, `login.example.com`, `xn--bcher-kva.example`, `localhost`.
 * Rejected: uppercase, a scheme (`https://…`), a port, a path, a trailing dot or empty label, an IPv4 or
 * IPv6 literal (WebAuthn needs a domain: an IP address cannot be an RP ID), names over 253 characters.
 *
 * @param value - the candidate
 * @returns `true` if it is an acceptable RP ID
 */
export function isValidRpId(value: string): boolean {
  if (value.length === 0 || value.length > 253 || !HOST_NAME.test(value)) return false;
  // An all-numeric last label makes it an IPv4 literal (RFC 3696 §2: TLDs are never all-numeric).
  const lastLabel = value.slice(value.lastIndexOf('.') + 1);
  return !ALL_DIGITS.test(lastLabel);
}

/**
 * Schema of a relying party identifier (WebAuthn L3 §4, §5.4.2 `rp.id`, §5.5 `rpId`): a lowercase host
 * name, `localhost` allowed; scheme, port, path, IP literal and empty labels rejected. See {@link isValidRpId}.
 */
export const rpIdSchema: z.ZodString = z
  .string()
  .refine(isValidRpId, 'must be a lowercase host name such as "example.com" (no scheme, port, path or IP address)');

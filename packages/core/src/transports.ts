import { z } from 'zod';
import { TesseraError } from './errors.ts';

/**
 * The authenticator transports of WebAuthn L3 §5.8.4 (`AuthenticatorTransport`), in the spec's order.
 */
export const AUTHENTICATOR_TRANSPORTS = ['usb', 'nfc', 'ble', 'smart-card', 'hybrid', 'internal'] as const;

/** One of {@link AUTHENTICATOR_TRANSPORTS}. */
export type AuthenticatorTransport = (typeof AUTHENTICATOR_TRANSPORTS)[number];

/** Schema of one known transport (WebAuthn L3 §5.8.4). */
export const authenticatorTransportSchema: z.ZodEnum<{ [T in AuthenticatorTransport]: T }> =
  z.enum(AUTHENTICATOR_TRANSPORTS);

/**
 * What to do with a transport outside §5.8.4: `'lenient'` drops it (the default, because §2.1.1 asks
 * relying parties to tolerate enum values they do not know, which newer authenticators report), `'strict'`
 * rejects it with a {@link TesseraError} of code `unknown_transport`.
 */
export const TRANSPORT_POLICIES = ['lenient', 'strict'] as const;

/** One of {@link TRANSPORT_POLICIES}. */
export type TransportPolicy = (typeof TRANSPORT_POLICIES)[number];

/**
 * Renamed transports: `cable` was the pre-standard name of what WebAuthn L3 §5.8.4 calls `hybrid`
 * (caBLE, cloud-assisted BLE); browsers and stored credentials from that era still report it.
 */
const LEGACY_TRANSPORTS: ReadonlyMap<string, AuthenticatorTransport> = new Map([['cable', 'hybrid']]);

const KNOWN: ReadonlySet<string> = new Set<string>(AUTHENTICATOR_TRANSPORTS);

/** Schema of a {@link TransportPolicy}. */
export const transportPolicySchema: z.ZodEnum<{ [P in TransportPolicy]: P }> = z.enum(TRANSPORT_POLICIES);

/**
 * Normalises a list of transport strings (WebAuthn L3 §5.8.4): `cable` becomes `hybrid`, duplicates are
 * removed keeping the first occurrence, and unknown values are dropped (`'lenient'`) or rejected (`'strict'`).
 *
 * @param transports - transports as reported by a browser or stored with a credential
 * @param policy - what to do with unknown values (anything but a §5.8.4 string or `cable`); default `'lenient'`
 * @returns the normalised list
 * @throws {TesseraError} `unknown_transport` under `'strict'` when a value is not in §5.8.4
 */
export function normalizeTransports(transports: readonly unknown[], policy: TransportPolicy = 'lenient'): AuthenticatorTransport[] {
  return appendTransports([], transports, policy);
}

/**
 * {@link normalizeTransports} into an existing list, skipping values already in it.
 *
 * @internal used to merge the transports of repeated descriptors
 */
export function appendTransports(
  into: AuthenticatorTransport[],
  transports: readonly unknown[],
  policy: TransportPolicy,
): AuthenticatorTransport[] {
  for (const raw of transports) {
    const transport = typeof raw !== 'string' ? undefined : KNOWN.has(raw) ? (raw as AuthenticatorTransport) : LEGACY_TRANSPORTS.get(raw);
    if (transport === undefined) {
      if (policy === 'strict') {
        throw new TesseraError(
          'unknown_transport',
          `Unknown authenticator transport; expected one of ${AUTHENTICATOR_TRANSPORTS.join(', ')} (or the legacy cable).`,
        );
      }
      continue;
    }
    if (!into.includes(transport)) into.push(transport);
  }
  return into;
}

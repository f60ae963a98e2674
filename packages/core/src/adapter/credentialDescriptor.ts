import type { CredentialRecord, StoredCredentialDescriptor } from '../credentialStore.ts';

/**
 * A stored credential as a descriptor for `allowCredentials` / `excludeCredentials` (WebAuthn L3 §5.8.3),
 * with its own copy of the transports.
 *
 * For adapter authors only: not covered by semver stability; it may change in any release.
 *
 * @param record - a descriptor or record from the `CredentialStore`
 * @returns `{ id, transports }`
 */
export function descriptorOf({ id, transports }: StoredCredentialDescriptor): { id: string; transports: CredentialRecord['transports'] } {
  return { id, transports: [...transports] };
}

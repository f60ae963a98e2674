import type { VerifiedMetadataBlob } from './verifyMetadataBlob.ts';

/*
 * Names to show next to a passkey: from the caller's own AAGUID→name map first, then from FIDO metadata
 * (Metadata Statement §4 `description` and `icon`). The community list of passkey providers
 * (github.com/passkeydeveloper/passkey-authenticator-aaguids, `combined.json`) has no licence, so it is not shipped
 * here: load it yourself into `names` if its terms suit you; its entries (`{ name, icon_light, icon_dark }`) fit
 * {@link AuthenticatorNameEntry} as they are.
 */

/** A name to show for an authenticator model, and its icon (a `data:` or `https:` URL). */
export interface AuthenticatorDescription {
  name: string;
  icon?: string | undefined;
}

/** One entry of a caller-supplied names map: a name, or a name with icons (the community list's shape fits). */
export type AuthenticatorNameEntry = string | { name: string; icon?: string | undefined; icon_light?: string | undefined; icon_dark?: string | undefined };

/** AAGUID (any case, 8-4-4-4-12) → name, as a record or a map. */
export type AuthenticatorNames = Readonly<Record<string, AuthenticatorNameEntry>> | ReadonlyMap<string, AuthenticatorNameEntry>;

/**
 * Describes an authenticator model by AAGUID: the caller's `names` take precedence, then the BLOB's statement.
 *
 * @param aaguid - the AAGUID, 8-4-4-4-12 in any case
 * @param names - the caller's names, already lower-cased by key (see {@link lowerCaseNames})
 * @param blob - the verified BLOB, if one is loaded
 * @returns the name and icon, or `undefined` when neither source knows the model
 */
export function describeFromSources(aaguid: string, names: ReadonlyMap<string, AuthenticatorNameEntry>, blob: VerifiedMetadataBlob | undefined): AuthenticatorDescription | undefined {
  if (typeof aaguid !== 'string') return undefined;
  const key = aaguid.toLowerCase();
  const own = names.get(key);
  if (own !== undefined) {
    if (typeof own === 'string') return { name: own };
    const icon = own.icon ?? own.icon_light ?? own.icon_dark;
    return icon === undefined ? { name: own.name } : { name: own.name, icon };
  }
  const statement = blob?.byAaguid.get(key)?.metadataStatement;
  if (statement === undefined) return undefined;
  return statement.icon === undefined ? { name: statement.description } : { name: statement.description, icon: statement.icon };
}

/**
 * A names map keyed by lower-case AAGUID.
 *
 * @param names - a record or map, keys in any case
 * @returns a map with lower-case keys
 */
export function lowerCaseNames(names: AuthenticatorNames | undefined): Map<string, AuthenticatorNameEntry> {
  const entries = names === undefined ? [] : names instanceof Map ? [...names.entries()] : Object.entries(names as Record<string, AuthenticatorNameEntry>);
  return new Map(entries.map(([key, value]) => [key.toLowerCase(), value]));
}

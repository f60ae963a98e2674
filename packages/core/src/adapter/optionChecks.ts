/**
 * Predicates for `z.custom` option checks: whether an option is a function, or an object with the named
 * methods (a relying party, a credential store, a logger).
 *
 * For adapter authors only: this module is not covered by semver stability and may change in any release.
 *
 * @module
 */

/**
 * Whether `value` is a function.
 *
 * For adapter authors; not covered by semver stability.
 *
 * @param value - an option as given
 * @returns `true` for a function
 */
export const isFunction = (value: unknown): boolean => typeof value === 'function';

/**
 * A predicate that holds for a non-null object whose members `names` are all functions.
 *
 * For adapter authors; not covered by semver stability.
 *
 * @param names - the methods the object must have
 * @returns the predicate, for `z.custom`
 * @example
 * ```ts
 * z.custom<CredentialStore>(hasMethods('get', 'listByUser', 'create', 'updateAfterAuthentication'), 'must be a CredentialStore');
 * ```
 */
export const hasMethods =
  (...names: string[]): ((value: unknown) => boolean) =>
  (value: unknown): boolean =>
    typeof value === 'object' && value !== null && names.every((name) => typeof (value as Record<string, unknown>)[name] === 'function');

/**
 * Whether an option is a relying party (from `createRelyingParty`): it has the four ceremony methods.
 *
 * For adapter authors; not covered by semver stability.
 */
export const isRelyingParty: (value: unknown) => boolean = hasMethods('startAuthentication', 'finishAuthentication', 'startRegistration', 'finishRegistration');

/**
 * Whether an option is a `CredentialStore`: it has every method of the contract (`get`, `listByUser`,
 * `listRecordsByUser`, `create`, `updateAfterAuthentication`, `rename`, `delete`).
 *
 * For adapter authors; not covered by semver stability.
 */
export const isCredentialStore: (value: unknown) => boolean = hasMethods(
  'get',
  'listByUser',
  'listRecordsByUser',
  'create',
  'updateAfterAuthentication',
  'rename',
  'delete',
);

import { TesseraError } from '../errors.ts';
import { userHandleFromId, userHandleSchema } from '../userHandle.ts';

/**
 * The default user handle of a user: its id's UTF-8 bytes as base64url (`userHandleFromId`).
 *
 * For adapter authors only: not covered by semver stability; it may change in any release.
 *
 * @param user - the signed-in user
 * @returns the user handle
 * @throws {TesseraError} `invalid_argument` when the id is longer than a user handle may be (64 bytes)
 */
export function defaultUserHandle(user: { id: string }): string {
  return userHandleFromId(user.id);
}

/**
 * An adapter's `userHandle` option made safe: the default ({@link defaultUserHandle}, valid by
 * construction) when none is given, or the application's function with its result checked.
 *
 * For adapter authors only: not covered by semver stability; it may change in any release.
 *
 * @param userHandle - the application's `userHandle(user)`, if any
 * @returns a function that returns a user handle (base64url of 1–64 bytes, WebAuthn L3 §5.4.3) or throws
 * @throws {TesseraError} from the returned function: `invalid_config` when the application's result is not a user handle
 */
export function checkedUserHandle<User extends { id: string }>(userHandle: ((user: User) => string) | undefined): (user: User) => string {
  if (userHandle === undefined) return defaultUserHandle;
  return (user) => {
    const handle: unknown = userHandle(user);
    if (!userHandleSchema.safeParse(handle).success) {
      throw new TesseraError('invalid_config', 'userHandle(user) must return a user handle: base64url of 1–64 bytes.');
    }
    return handle as string;
  };
}

import { z } from 'zod';

/**
 * Schema of the signed-in user an adapter's `authenticate` reports: the application's own id for the user,
 * and the account name (non-empty when given) and display name shown by authenticators at registration
 * (WebAuthn L3 §5.4.3).
 *
 * For adapter authors only: not covered by semver stability; it may change in any release.
 */
export const adapterUserSchema: z.ZodObject<
  { id: z.ZodString; name: z.ZodOptional<z.ZodString>; displayName: z.ZodOptional<z.ZodString> },
  z.core.$strip
> = z.object({
  id: z.string().min(1, 'id must be a non-empty string'),
  name: z.string().min(1, 'name must be non-empty when given').optional(),
  displayName: z.string().optional(),
});

/**
 * The signed-in user; see {@link adapterUserSchema}.
 *
 * For adapter authors only: not covered by semver stability.
 */
export type AdapterUser = z.output<typeof adapterUserSchema>;

/**
 * The `user` of the creation options (WebAuthn L3 §5.4.3) for a signed-in user: `name` defaults to the
 * user's id, `displayName` to the name (and so to the id).
 *
 * For adapter authors only: not covered by semver stability; it may change in any release.
 *
 * @param user - the validated user
 * @param handle - the user's user handle, base64url
 * @returns `{ id: handle, name, displayName }`
 */
export function registrationUserOf(
  user: { id: string; name?: string | undefined; displayName?: string | undefined },
  handle: string,
): { id: string; name: string; displayName: string } {
  const name = user.name ?? user.id;
  return { id: handle, name, displayName: user.displayName ?? name };
}

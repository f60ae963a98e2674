import type { z } from 'zod';
import { base64urlBytesSchema } from './_base64urlSchema.ts';
import { base64url } from './base64url.ts';
import { TesseraError } from './errors.ts';

/** Longest user handle in bytes: WebAuthn L3 §5.4.3 (`user.id`, at most 64 bytes). */
export const MAX_USER_HANDLE_BYTES = 64;

/**
 * Schema of a user handle in JSON (WebAuthn L3 §5.4.3 `user.id`, §6.1 `userHandle`): canonical unpadded
 * base64url of 1–64 bytes. It is the opaque id the authenticator stores with a discoverable credential and
 * returns as `response.userHandle`; it must not contain personal information such as an e-mail address.
 */
export const userHandleSchema: z.ZodString = base64urlBytesSchema('user handle', 1, MAX_USER_HANDLE_BYTES);

/**
 * A user handle for an application's user id: the id's UTF-8 bytes as base64url. Fine for opaque ids such
 * as database keys or UUIDs; do not use it for e-mail addresses or names, which WebAuthn L3 §14.6.1 says
 * must not be in a user handle (authenticators may show or leak it).
 *
 * @param userId - the application's id for the user, 1–64 bytes of UTF-8
 * @returns the user handle, base64url
 * @throws {TesseraError} `invalid_argument` if the id is empty or longer than 64 bytes
 */
export function userHandleFromId(userId: string): string {
  const bytes = typeof userId === 'string' ? new TextEncoder().encode(userId) : new Uint8Array();
  if (bytes.length < 1 || bytes.length > MAX_USER_HANDLE_BYTES) {
    throw new TesseraError('invalid_argument', `A user id must be 1–${MAX_USER_HANDLE_BYTES} bytes of UTF-8 to serve as a user handle.`);
  }
  return base64url.encode(bytes);
}

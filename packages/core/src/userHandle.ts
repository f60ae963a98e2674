import type { z } from 'zod';
import { base64urlBytesSchema } from './_base64urlSchema.ts';
import { encodeRange } from './base64url.ts';
import { TesseraError } from './errors.ts';

/** Longest user handle in bytes: WebAuthn L3 §5.4.3 (`user.id`, at most 64 bytes). */
export const MAX_USER_HANDLE_BYTES = 64;

/**
 * Schema of a user handle in JSON (WebAuthn L3 §5.4.3 `user.id`, §6.1 `userHandle`): canonical unpadded
 * base64url of 1–64 bytes. It is the opaque id the authenticator stores with a discoverable credential and
 * returns as `response.userHandle`; it must not contain personal information such as an e-mail address.
 */
export const userHandleSchema: z.ZodString = base64urlBytesSchema('user handle', 1, MAX_USER_HANDLE_BYTES);

const UTF8 = new TextEncoder();
/** Room for the UTF-8 of any id of up to 64 code units. */
const SCRATCH = new Uint8Array(3 * MAX_USER_HANDLE_BYTES);

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
  // Every UTF-16 code unit takes 1–3 bytes of UTF-8, so a longer id is too long, and a shorter one fits the
  // scratch buffer; encoding into it, then from it, allocates nothing (adapters call this on every request).
  const written = typeof userId === 'string' && userId.length <= MAX_USER_HANDLE_BYTES ? UTF8.encodeInto(userId, SCRATCH).written : 0;
  if (written < 1 || written > MAX_USER_HANDLE_BYTES) {
    throw new TesseraError('invalid_argument', `A user id must be 1–${MAX_USER_HANDLE_BYTES} bytes of UTF-8 to serve as a user handle.`);
  }
  const handle = encodeRange(SCRATCH, 0, written);
  SCRATCH.fill(0, 0, written); // wiped after use, as the random pool wipes its bytes: no id lingers in a shared buffer
  return handle;
}

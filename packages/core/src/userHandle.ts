import type { z } from 'zod';
import { base64urlBytesSchema } from './_base64urlSchema.ts';

/** Longest user handle in bytes: WebAuthn L3 §5.4.3 (`user.id`, at most 64 bytes). */
export const MAX_USER_HANDLE_BYTES = 64;

/**
 * Schema of a user handle in JSON (WebAuthn L3 §5.4.3 `user.id`, §6.1 `userHandle`): canonical unpadded
 * base64url of 1–64 bytes. It is the opaque id the authenticator stores with a discoverable credential and
 * returns as `response.userHandle`; it must not contain personal information such as an e-mail address.
 */
export const userHandleSchema: z.ZodString = base64urlBytesSchema('user handle', 1, MAX_USER_HANDLE_BYTES);

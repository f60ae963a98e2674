import { z } from 'zod';
import { parseOrThrow } from './_zod.ts';
import { TesseraError } from './errors.ts';

/** Longest credential name, in Unicode code points after trimming. */
export const MAX_CREDENTIAL_NAME_LENGTH = 64;

/** C0/C1 control characters and lone surrogates: invisible in a list, and a lone surrogate is not storable UTF-8. */
const UNPRINTABLE = /[\p{Cc}\p{Cs}]/u;

/**
 * Bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069): they reorder the text that
 * follows them, so a label can read as something else ("Trojan Source", CVE-2021-42574; Unicode UTS #55 §4).
 * The direction marks U+200E, U+200F and U+061C only affect neighbours and stay allowed.
 */
const BIDI_CONTROL = /[\u202A-\u202E\u2066-\u2069]/u;

/** A character a person can see: not white space, not a format character, not default-ignorable (Unicode §5.21). */
const VISIBLE = /[^\p{White_Space}\p{Z}\p{Cf}\p{Default_Ignorable_Code_Point}]/u;

/**
 * Schema of a stored credential name: the user's own label for a passkey ("Work laptop"), which WebAuthn
 * L3 §4 leaves to the relying party. Stored names are already normalised: no surrounding white space,
 * Unicode NFC, 1–64 code points, no control characters. Normalise user input with
 * {@link normalizeCredentialName} first.
 */
export const credentialNameSchema: z.ZodString = z
  .string()
  .refine((name) => name === name.trim() && name === name.normalize('NFC'), 'name must be trimmed and in Unicode NFC')
  .refine((name) => {
    const length = [...name].length;
    return length >= 1 && length <= MAX_CREDENTIAL_NAME_LENGTH;
  }, `name must be 1–${MAX_CREDENTIAL_NAME_LENGTH} characters`)
  .refine((name) => !UNPRINTABLE.test(name), 'name must not contain control characters or lone surrogates');

/**
 * A user-typed credential name as it is stored: trimmed, then Unicode NFC (so "é" typed as e + U+0301 and
 * as U+00E9 are the same name), then checked with {@link credentialNameSchema}.
 *
 * @param input - what the user typed
 * @returns the normalised name
 * @throws {TesseraError} `invalid_argument` if it is not a string, is empty or longer than 64 characters
 *   once trimmed, contains control characters or bidirectional overrides/isolates, or has no visible character
 */
export function normalizeCredentialName(input: string): string {
  const normalized = typeof input === 'string' && !/\p{Cs}/u.test(input) ? input.trim().normalize('NFC') : input;
  const name = parseOrThrow(credentialNameSchema, normalized, 'invalid_argument', 'credential name');
  // Checked on input only, so a name stored before these rules still reads back.
  if (BIDI_CONTROL.test(name)) throw new TesseraError('invalid_argument', 'A credential name must not contain bidirectional overrides or isolates.');
  if (!VISIBLE.test(name)) throw new TesseraError('invalid_argument', 'A credential name must contain a visible character.');
  return name;
}

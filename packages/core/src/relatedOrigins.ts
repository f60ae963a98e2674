import { z } from 'zod';
import { parseOrThrow } from './_zod.ts';
import { isValidOrigin } from './origin.ts';

/*
 * Related Origin Requests (WebAuthn L3 §5.11): a relying party lets other sites of its own (example.co.uk,
 * examplecars.com) use its RP ID by listing them in a JSON document at https://<RP ID>/.well-known/webauthn.
 */

/**
 * Most origins a relying party may list. Clients honour at least five registrable origin labels (§5.11) and
 * cap them by policy, so a longer list would not help; the bound keeps the document small.
 */
export const MAX_RELATED_ORIGINS = 100;

/** Path of the document, on the RP ID's host (RFC 8615 well-known URI, WebAuthn L3 §5.11). */
export const WELL_KNOWN_WEBAUTHN_PATH = '/.well-known/webauthn';

/**
 * Whether `value` may be listed as a related origin (WebAuthn L3 §5.11): a serialised web origin (see
 * `isValidOrigin`), `https`, or `http` on `localhost` / `*.localhost` for development. Android app origins
 * are not web origins and cannot be related origins.
 *
 * @param value - the candidate
 * @returns `true` if it may be listed
 */
export function isValidRelatedOrigin(value: string): boolean {
  return typeof value === 'string' && isValidOrigin(value) && /^https?:\/\//.test(value);
}

/**
 * Schema of `relatedOrigins`: 1–{@link MAX_RELATED_ORIGINS} distinct web origins accepted by
 * {@link isValidRelatedOrigin}.
 */
export const relatedOriginsSchema: z.ZodArray<z.ZodString> = z
  .array(
    z
      .string()
      .refine(isValidRelatedOrigin, 'must be a serialised web origin such as "https://example.co.uk" (https, or http on localhost; no path or trailing slash)'),
  )
  .min(1, 'relatedOrigins must list at least one origin (leave it out instead)')
  .max(MAX_RELATED_ORIGINS, `relatedOrigins must list at most ${MAX_RELATED_ORIGINS} origins`)
  .refine((origins) => new Set(origins).size === origins.length, 'relatedOrigins must not repeat an origin');

/** The JSON document served at `/.well-known/webauthn` (WebAuthn L3 §5.11). */
export interface WellKnownWebauthnDocument {
  origins: string[];
}

/**
 * Builds the document a relying party serves at `https://<RP ID>/.well-known/webauthn` (WebAuthn L3 §5.11):
 * `{ "origins": [...] }`, to be sent as `application/json` over HTTPS.
 *
 * @param origins - the related origins, as in the relying party's `relatedOrigins`
 * @returns a fresh `{ origins }`
 * @throws {TesseraError} `invalid_argument` if `origins` fails {@link relatedOriginsSchema}
 * @example
 * ```ts
 * const body = JSON.stringify(wellKnownWebauthnDocument(['https://example.co.uk', 'https://examplecars.com']));
 * ```
 */
export function wellKnownWebauthnDocument(origins: readonly string[]): WellKnownWebauthnDocument {
  return { origins: [...parseOrThrow(relatedOriginsSchema, origins, 'invalid_argument', 'related origins')] };
}

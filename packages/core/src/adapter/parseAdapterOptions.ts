import type { z } from 'zod';
import { parseOrThrow } from '../_zod.ts';

/**
 * Validates an adapter's options against its schema, as the core validates its own input (`parseOrThrow`).
 *
 * For adapter authors only: not covered by semver stability; it may change in any release.
 *
 * @param schema - the adapter's options schema
 * @param options - the options as given
 * @param subject - what the options are, for the message, e.g. `passkey router options`
 * @returns the parsed options
 * @throws {TesseraError} `invalid_config`, reading `Invalid <subject>: <path>: <problem>; …` and keeping the
 *   `ZodError` as `cause`
 */
export function parseAdapterOptions<Schema extends z.ZodType>(schema: Schema, options: unknown, subject: string): z.output<Schema> {
  return parseOrThrow(schema, options, 'invalid_config', subject);
}

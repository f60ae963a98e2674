import type { z } from 'zod';
import { TesseraError } from '../errors.ts';

/**
 * Validates an adapter's options against its schema.
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
  const result = schema.safeParse(options);
  if (result.success) return result.data;
  throw new TesseraError('invalid_config', `Invalid ${subject}: ${describeIssues(result.error)}.`, { cause: result.error });
}

/**
 * Each issue of a `ZodError` as `path: message` (or just `message` at the root), joined with `; `.
 *
 * For adapter authors only: not covered by semver stability.
 *
 * @param error - what `safeParse` reported
 * @returns one line naming every problem
 */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => (issue.path.length === 0 ? issue.message : `${issue.path.map(String).join('.')}: ${issue.message}`)).join('; ');
}

import type { z } from 'zod';
import { TesseraError, type TesseraErrorCode } from './errors.ts';

/**
 * Parses `value` with `schema`, turning a failure into a {@link TesseraError} whose message lists each
 * problem by path (`allowCredentials.0.id: …`). Zod's issues carry messages, not the input, so no secret
 * bytes reach the message; the `ZodError` is kept as `cause` for logs.
 *
 * @internal
 */
export function parseOrThrow<Schema extends z.ZodType>(
  schema: Schema,
  value: unknown,
  code: TesseraErrorCode,
  subject: string,
): z.output<Schema> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    return path === '' ? issue.message : `${path}: ${issue.message}`;
  });
  throw new TesseraError(code, `Invalid ${subject}: ${problems.join('; ')}.`, { cause: result.error });
}

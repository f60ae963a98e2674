import { z } from 'zod';
import { TesseraError, type TesseraErrorCode } from './errors.ts';

/**
 * Parses `value` with `schema`, turning a failure into a {@link TesseraError} whose message lists each
 * problem by path (`allowCredentials.0.id: …`). Our schemas' messages name rules and sizes, never values;
 * the only input that can reach a message is a key name (an unrecognised option, which helps find a typo),
 * and record keys in paths that are credential ids are masked. The `ZodError` is kept as `cause` for logs.
 *
 * Anything the input throws while being read (a getter, a Proxy trap) becomes a `TesseraError` too.
 *
 * @internal
 */
export function parseOrThrow<Schema extends z.ZodType>(
  schema: Schema,
  value: unknown,
  code: TesseraErrorCode,
  subject: string,
): z.output<Schema> {
  let result: z.ZodSafeParseResult<z.output<Schema>>;
  try {
    result = compiled(schema).safeParse(value);
  } catch (error) {
    throw new TesseraError(code, `Invalid ${subject}: the value could not be read.`, { cause: error });
  }
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const path = describePath(issue.path);
    return path === '' ? issue.message : `${path}: ${issue.message}`;
  });
  throw new TesseraError(code, `Invalid ${subject}: ${problems.join('; ')}.`, { cause: result.error });
}

/**
 * Parses `value` with `schema`, or `undefined` when it does not match (or cannot be read): for a caller that
 * tries a lenient schema first and asks a stricter one for the error message.
 *
 * @internal
 */
export function parseOrUndefined<Schema extends z.ZodType>(schema: Schema, value: unknown): z.output<Schema> | undefined {
  try {
    const result = compiled(schema).safeParse(value);
    return result.success ? result.data : undefined;
  } catch {
    return undefined;
  }
}

/** Keys of these records are credential ids (privacy-sensitive, WebAuthn L3 §14.6.3): shown as `<credential id>`. */
const RECORDS_KEYED_BY_CREDENTIAL_ID = new Set<PropertyKey>(['evalByCredential']);

function describePath(path: readonly PropertyKey[]): string {
  return path
    .map((segment, index) =>
      index > 0 && RECORDS_KEYED_BY_CREDENTIAL_ID.has(path[index - 1]!) ? '<credential id>' : String(segment),
    )
    .join('.');
}

/**
 * zod can compile a schema into a specialised validator (same results, same messages, about three times
 * faster on our inputs). It generates code with `new Function`, which some runtimes forbid (Workers, pages
 * with a strict CSP): there, and for any schema the compiler declines, the schema itself is used. Compiled
 * on first use and remembered per schema; the memo holds nothing but derived validators.
 */
const compiledSchemas = new WeakMap<z.ZodType, z.ZodType>();

function compiled<Schema extends z.ZodType>(schema: Schema): Schema {
  let fast = compiledSchemas.get(schema);
  if (fast === undefined) {
    try {
      fast = z.compile(schema) as z.ZodType;
    } catch {
      fast = schema;
    }
    compiledSchemas.set(schema, fast);
  }
  return fast as Schema;
}

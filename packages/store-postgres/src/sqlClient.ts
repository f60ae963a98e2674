import { TesseraError } from '@tessera/core';
import { z } from 'zod';

/**
 * What the stores need from a database: one method that runs one parameterised statement and resolves to
 * its rows. A `pg` `Pool` or `Client` is one as it is, and so is an `@electric-sql/pglite` instance; any
 * other driver takes a three-line adapter. Parameters are always passed separately (`$1`, `$2`…), never
 * spliced into the text.
 *
 * Use a `Pool` (or PGlite) rather than one shared `Client` for concurrent requests: every statement the
 * stores send is atomic on its own, so they need no transaction and no dedicated connection.
 */
export interface SqlClient {
  /**
   * @param text - one SQL statement with `$n` placeholders
   * @param params - the values of the placeholders
   * @returns the rows it returned
   */
  query(text: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
}

/** Default {@link PostgresStoreOptions.queryTimeoutMs}: two seconds. */
export const DEFAULT_POSTGRES_QUERY_TIMEOUT_MS = 2_000;

/** Options shared by both Postgres stores. */
export interface PostgresStoreOptions {
  /** The database; see {@link SqlClient}. The store never connects or closes it. Run `migrate(db)` once first. */
  db: SqlClient;
  /**
   * How long a statement may take before the store gives up with `store_unavailable`; default 2000 ms. Without
   * it a pool waiting for a dead server would make every ceremony wait. A statement that gave up may still
   * complete later in the database; see each store for why that fails closed.
   */
  queryTimeoutMs?: number;
}

/** Schema of {@link PostgresStoreOptions}; extended by stores with options of their own. */
export const postgresStoreOptionsSchema: z.ZodObject<
  {
    db: z.ZodCustom<SqlClient, SqlClient>;
    queryTimeoutMs: z.ZodOptional<z.ZodNumber>;
  },
  z.core.$strict
> = z.strictObject({
  db: z.custom<SqlClient>(
    (value) => typeof (value as SqlClient | null)?.query === 'function',
    'db must have query(text, params), like a pg Pool or Client or a PGlite instance',
  ),
  queryTimeoutMs: z.number().int().min(1).max(60_000, 'queryTimeoutMs must be 1–60000').optional(),
});

/**
 * Parses store options, turning a failure into `invalid_config`.
 *
 * @param schema - the store's options schema
 * @param options - what the caller gave
 * @param store - the store's name, for the message
 * @returns the parsed options
 * @throws {TesseraError} `invalid_config`
 */
export function parseStoreOptions<Schema extends z.ZodType>(schema: Schema, options: unknown, store: string): z.output<Schema> {
  const parsed = schema.safeParse(options);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'options'}: ${issue.message}`).join('; ');
  throw new TesseraError('invalid_config', `Invalid ${store} options: ${problems}.`, { cause: parsed.error });
}

/** SQLSTATE 42P01 (undefined_table): the schema is missing, most likely `migrate(db)` was never run. */
const UNDEFINED_TABLE = '42P01';

/**
 * Runs one statement, bounded by `timeoutMs`. Whatever goes wrong on the way (connection refused or lost, a
 * pool exhausted, a server shutting down, a timeout) is `store_unavailable`: the ceremony failed and can be
 * retried once the database is back. A result that arrives after the timeout is dropped.
 *
 * @param db - the database
 * @param what - what the statement does, for the message (never its parameters: they may be secrets)
 * @param text - the statement
 * @param params - its parameters
 * @param timeoutMs - the bound
 * @returns the rows
 * @throws {TesseraError} `store_unavailable`
 */
export function runQuery(db: SqlClient, what: string, text: string, params: unknown[], timeoutMs: number): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      reject(new TesseraError('store_unavailable', `PostgreSQL did not ${what} within ${timeoutMs} ms.`));
    }, timeoutMs);
    (timer as { unref?: () => void }).unref?.();
    const finish = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outcome();
    };
    let sent: Promise<{ rows: unknown[] }>;
    try {
      sent = Promise.resolve(db.query(text, params));
    } catch (error) {
      finish(() => reject(unavailable(what, error)));
      return;
    }
    sent.then(
      (result) => finish(() => (Array.isArray(result?.rows) ? resolve(result.rows) : reject(unavailable(what, new Error('the result has no rows array'))))),
      (error: unknown) => finish(() => reject(unavailable(what, error))),
    );
  });
}

function unavailable(what: string, cause: unknown): TesseraError {
  const missingSchema = (cause as { code?: unknown } | null)?.code === UNDEFINED_TABLE;
  const hint = missingSchema ? ' The tables do not exist: run migrate(db) first.' : '';
  return new TesseraError('store_unavailable', `PostgreSQL could not ${what}.${hint}`, { cause });
}

/**
 * Whether PostgreSQL can hold `text` in a `text` column exactly: no NUL character, no lone surrogate (which
 * UTF-8 cannot encode). Keys and ids that fail this cannot have been stored, so lookups of them find nothing.
 *
 * @param text - a key, id or handle
 * @returns `true` if it round-trips
 */
export function isStorableText(text: unknown): text is string {
  return typeof text === 'string' && !/[\u0000\p{Cs}]/u.test(text);
}

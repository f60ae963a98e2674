import {
  TesseraError,
  assertChallengeStoreArguments,
  isTesseraError,
  parseStoredChallengeRecord,
  serializeChallengeRecord,
  type ChallengeRecord,
  type ChallengeStore,
} from '@tessera/core';
import { z } from 'zod';

/**
 * What the store needs from a Redis client: one method that sends a command and resolves to its reply.
 * A node-redis client (`createClient()` from `redis`) is one as it is; for ioredis pass
 * `{ sendCommand: ([command, ...args]) => ioredis.call(command, ...args) }`.
 */
export interface RedisCommandClient {
  /**
   * @param args - the command and its arguments, e.g. `['GETDEL', 'key']`
   * @returns the reply: `'OK'`, a string, or `null`
   */
  sendCommand(args: string[]): Promise<unknown>;
}

/** Default {@link RedisChallengeStoreOptions.prefix}. */
export const DEFAULT_REDIS_KEY_PREFIX = 'tessera:ceremony:';
/** Default {@link RedisChallengeStoreOptions.commandTimeoutMs}: one second. */
export const DEFAULT_REDIS_COMMAND_TIMEOUT_MS = 1_000;

const optionsSchema = z.strictObject({
  client: z.custom<RedisCommandClient>(
    (value) => typeof (value as RedisCommandClient | null)?.sendCommand === 'function',
    'client must be a Redis client with sendCommand (node-redis), or an object adapting one',
  ),
  prefix: z.string().max(128, 'prefix must be at most 128 characters').optional(),
  commandTimeoutMs: z.number().int().min(1).max(60_000, 'commandTimeoutMs must be 1–60000').optional(),
});

/** Options of {@link RedisChallengeStore}. */
export interface RedisChallengeStoreOptions {
  /** A connected Redis client; see {@link RedisCommandClient}. The store never connects or closes it. */
  client: RedisCommandClient;
  /** Prepended to every key, to share a Redis with other data; default `tessera:ceremony:`. */
  prefix?: string;
  /**
   * How long a command may take before the store gives up with `store_unavailable`; default 1000 ms. A
   * client that queues commands while disconnected would otherwise make every ceremony wait for Redis.
   */
  commandTimeoutMs?: number;
}

/**
 * A {@link ChallengeStore} in Redis (6.2 or later), for relying parties that run many servers: a ceremony
 * started on one server can be finished on any other.
 *
 * - `save` is one `SET key value PX ttl NX`: it expires in Redis itself, and never overwrites a live record
 *   (`challenge_store_conflict`).
 * - `consume` is one `GETDEL key`: atomic, so a record is returned at most once however many servers and
 *   connections race for it.
 * - Records are stored as compact JSON and validated with `challengeRecordSchema` on the way out: anything
 *   else is `corrupt_store_record`, never used.
 * - Every command is bounded by `commandTimeoutMs`; a Redis that is down or slow gives `store_unavailable`
 *   instead of a hang, and a late reply is ignored (never an unhandled rejection).
 *
 * @example
 * ```ts
 * import { createClient } from 'redis';
 * const client = await createClient({ url: process.env.REDIS_URL }).connect();
 * const rp = createRelyingParty({ …, challengeStore: new RedisChallengeStore({ client }) });
 * ```
 */
export class RedisChallengeStore implements ChallengeStore {
  readonly #client: RedisCommandClient;
  readonly #prefix: string;
  readonly #timeoutMs: number;

  /**
   * @param options - client, key prefix and command timeout; see {@link RedisChallengeStoreOptions}
   * @throws {TesseraError} `invalid_config` for options that fail their schema
   */
  constructor(options: RedisChallengeStoreOptions) {
    const parsed = optionsSchema.safeParse(options);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'options'}: ${issue.message}`).join('; ');
      throw new TesseraError('invalid_config', `Invalid RedisChallengeStore options: ${problems}.`, { cause: parsed.error });
    }
    this.#client = parsed.data.client;
    this.#prefix = parsed.data.prefix ?? DEFAULT_REDIS_KEY_PREFIX;
    this.#timeoutMs = parsed.data.commandTimeoutMs ?? DEFAULT_REDIS_COMMAND_TIMEOUT_MS;
  }

  /** {@inheritDoc @tessera/core#ChallengeStore.save} */
  async save(key: string, record: ChallengeRecord, ttlMs: number): Promise<void> {
    assertChallengeStoreArguments(key, ttlMs);
    const reply = await this.#command(['SET', this.#prefix + key, serializeChallengeRecord(record), 'PX', String(ttlMs), 'NX']);
    if (reply === null) throw new TesseraError('challenge_store_conflict', 'A live challenge record already exists under this key.');
    if (reply !== 'OK') throw new TesseraError('store_unavailable', 'Redis answered SET with something other than OK.');
  }

  /** {@inheritDoc @tessera/core#ChallengeStore.consume} */
  async consume(key: string): Promise<ChallengeRecord | undefined> {
    assertChallengeStoreArguments(key);
    const reply = await this.#command(['GETDEL', this.#prefix + key]);
    if (reply === null || reply === undefined) return undefined;
    return decodeRecord(reply);
  }

  async #command(args: string[]): Promise<unknown> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new TesseraError('store_unavailable', `Redis did not answer ${args[0]} within ${this.#timeoutMs} ms.`)),
        this.#timeoutMs,
      );
    });
    let pending: Promise<unknown>;
    try {
      pending = Promise.resolve(this.#client.sendCommand(args));
    } catch (error) {
      clearTimeout(timer);
      throw unavailable(args[0]!, error);
    }
    // A reply that arrives after the timeout is dropped here, never left as an unhandled rejection.
    pending.catch(() => undefined);
    try {
      return await Promise.race([pending, timedOut]);
    } catch (error) {
      throw isTesseraError(error) ? error : unavailable(args[0]!, error);
    } finally {
      clearTimeout(timer);
    }
  }
}

function unavailable(command: string, cause: unknown): TesseraError {
  return new TesseraError('store_unavailable', `Redis could not run ${command}.`, { cause });
}

/** The record a reply holds, or `corrupt_store_record` for anything this store did not write. */
function decodeRecord(reply: unknown): ChallengeRecord {
  if (typeof reply === 'string') return parseStoredChallengeRecord(reply);
  if (reply instanceof Uint8Array) return parseStoredChallengeRecord(new TextDecoder().decode(reply));
  throw new TesseraError('corrupt_store_record', 'Redis returned a value that is not a string.');
}

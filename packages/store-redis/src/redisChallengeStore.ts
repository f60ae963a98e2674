import {
  TesseraError,
  assertChallengeStoreArguments,
  parseStoredChallengeRecord,
  serializeChallengeRecord,
  type ChallengeRecord,
  type ChallengeStore,
} from '@tessera/core';
import { z } from 'zod';

/**
 * What the store needs from a Redis client: one method that sends a command and resolves to its reply.
 * Arguments must be sent binary-safe (as bulk strings), so keys with spaces or line breaks stay one
 * argument; node-redis and ioredis both do. A node-redis client (`createClient()` from `redis`) is one as
 * it is; for ioredis pass `{ sendCommand: ([command, ...args]) => ioredis.call(command, ...args) }`.
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

/**
 * A client that is an event emitter (node-redis) with no `'error'` listener. Node throws an `'error'` event
 * nobody listens to, so such a client turns the first Redis disconnect into an uncaught exception that ends
 * the process (node-redis emits `SocketClosedUnexpectedlyError`, then one error per reconnect attempt).
 */
function lacksErrorListener(client: RedisCommandClient): boolean {
  const emitter = client as { listenerCount?: unknown };
  return typeof emitter.listenerCount === 'function' && (client as unknown as { listenerCount(event: string): number }).listenerCount('error') === 0;
}

const optionsSchema = z.strictObject({
  client: z
    .custom<RedisCommandClient>(
      (value) => typeof (value as RedisCommandClient | null)?.sendCommand === 'function',
      'client must be a Redis client with sendCommand (node-redis), or an object adapting one',
    )
    .refine(
      (client) => !lacksErrorListener(client),
      "client has no 'error' listener: node-redis emits 'error' on every disconnect and reconnect attempt, and Node " +
        "ends the process on an 'error' event nobody listens to, so the first Redis outage would take the server down. " +
        "Attach one before creating the store, e.g. client.on('error', (error) => logger.warn('redis', error)); " +
        'the client then reconnects by itself and the store answers store_unavailable meanwhile',
    ),
  prefix: z.string().max(128, 'prefix must be at most 128 characters').optional(),
  commandTimeoutMs: z.number().int().min(1).max(60_000, 'commandTimeoutMs must be 1–60000').optional(),
});

/** Options of {@link RedisChallengeStore}. */
export interface RedisChallengeStoreOptions {
  /**
   * A connected Redis client; see {@link RedisCommandClient}. The store never connects or closes it. A client
   * that is an event emitter (node-redis) must already have an `'error'` listener: without one, Node ends the
   * process at the first disconnect, so the constructor refuses it (`invalid_config`).
   */
  client: RedisCommandClient;
  /** Prepended to every key, to share a Redis with other data; default `tessera:ceremony:`. */
  prefix?: string;
  /**
   * How long a command may take before the store gives up with `store_unavailable`; default 1000 ms. It gives
   * up within 1.25 × this. A client that queues commands while disconnected would otherwise make every
   * ceremony wait for Redis.
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
 *   instead of a hang, and a late reply is ignored (never an unhandled rejection). A `SET` that timed out
 *   may still land when Redis comes back; that record is merely unused (the ceremony already failed), so
 *   this fails closed.
 * - A node-redis client without an `'error'` listener is refused at construction (`invalid_config`): its
 *   first disconnect would be an unhandled `'error'` event, which ends the process. The listener is the
 *   application's to choose (its logger, its level); the store does not attach one behind its back.
 *
 * @example
 * ```ts
 * import { createClient } from 'redis';
 * const client = createClient({ url: process.env.REDIS_URL });
 * client.on('error', (error) => console.error('Redis:', error.message)); // required: see above
 * await client.connect();
 * const rp = createRelyingParty({ …, challengeStore: new RedisChallengeStore({ client }) });
 * ```
 */
export class RedisChallengeStore implements ChallengeStore {
  readonly #client: RedisCommandClient;
  readonly #prefix: string;
  readonly #timeoutMs: number;
  /** Commands sent and not yet answered, with their deadlines. */
  readonly #pending = new Set<PendingCommand>();
  /** The deadline sweep; runs only while commands are pending, and never keeps the process alive. */
  #watchdog: ReturnType<typeof setInterval> | undefined;

  /**
   * @param options - client, key prefix and command timeout; see {@link RedisChallengeStoreOptions}
   * @throws {TesseraError} `invalid_config` for options that fail their schema, or a node-redis client with no
   *   `'error'` listener
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

  /**
   * Sends a command, bounded by the timeout. Deadlines are checked by one sweep per store, running only while
   * commands are pending, instead of a timer per command: a command gives up between `commandTimeoutMs` and
   * 1.25 × `commandTimeoutMs` after it was sent. A reply that comes later is dropped (never an unhandled
   * rejection).
   */
  #command(args: string[]): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const pending: PendingCommand = { command: args[0]!, deadline: performance.now() + this.#timeoutMs, reject };
      let sent: Promise<unknown>;
      try {
        sent = Promise.resolve(this.#client.sendCommand(args));
      } catch (error) {
        reject(unavailable(pending.command, error));
        return;
      }
      this.#pending.add(pending);
      this.#watch();
      sent.then(
        (reply) => {
          this.#pending.delete(pending);
          resolve(reply);
        },
        (error: unknown) => {
          this.#pending.delete(pending);
          reject(isWrongType(error) ? foreignValue(error) : unavailable(pending.command, error));
        },
      );
    });
  }

  #watch(): void {
    if (this.#watchdog !== undefined) return;
    const watchdog = setInterval(() => this.#expire(), Math.max(5, Math.floor(this.#timeoutMs / 4)));
    (watchdog as { unref?: () => void }).unref?.();
    this.#watchdog = watchdog;
  }

  #expire(): void {
    const now = performance.now(); // monotonic: a wall-clock step cannot stretch or cut a timeout
    for (const pending of this.#pending) {
      if (pending.deadline > now) continue;
      this.#pending.delete(pending);
      pending.reject(new TesseraError('store_unavailable', `Redis did not answer ${pending.command} within ${this.#timeoutMs} ms.`));
    }
    if (this.#pending.size === 0) {
      clearInterval(this.#watchdog);
      this.#watchdog = undefined;
    }
  }
}

/** A command waiting for its reply, and how to give up on it. */
interface PendingCommand {
  readonly command: string;
  readonly deadline: number;
  readonly reject: (error: TesseraError) => void;
}

/**
 * Redis answered that the key holds another type (a list, a hash…): data this store did not write, under
 * its prefix. Other error replies (a read-only replica, out of memory, no auth) are availability problems.
 */
function isWrongType(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('WRONGTYPE');
}

function foreignValue(cause: unknown): TesseraError {
  return new TesseraError('corrupt_store_record', 'The key holds a value of another Redis type, not a challenge record.', { cause });
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

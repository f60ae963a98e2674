/**
 * `@tessera/store-redis`: a Redis challenge store for relying parties that run many servers.
 *
 * @module
 */
export { DEFAULT_REDIS_COMMAND_TIMEOUT_MS, DEFAULT_REDIS_KEY_PREFIX, RedisChallengeStore } from './redisChallengeStore.ts';
export type { RedisChallengeStoreOptions, RedisCommandClient } from './redisChallengeStore.ts';

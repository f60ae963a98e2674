import { isTesseraError, type ChallengeRecord, type TesseraErrorCode } from '@tessera/core';
import { challengeStoreConformance, sampleChallengeRecord } from '@tessera/core/testing';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisServer } from '../test/redisServer.ts';
import { RedisChallengeStore } from './redisChallengeStore.ts';

let server: RedisServer;
const clients: Array<{ destroy(): unknown }> = [];

async function connect(url: string) {
  const client = createClient({ url, socket: { reconnectStrategy: (retries) => Math.min(50 * (retries + 1), 300) } });
  client.on('error', () => undefined); // reconnects are expected in the fault tests
  await client.connect();
  clients.push(client);
  return client;
}

async function codeOf(promise: Promise<unknown>): Promise<TesseraErrorCode> {
  try {
    await promise;
  } catch (error) {
    if (isTesseraError(error)) return error.code;
    throw error;
  }
  throw new Error('expected a TesseraError');
}

beforeAll(async () => {
  server = await startRedisServer();
});

afterAll(async () => {
  await Promise.all(clients.map((client) => client.destroy()));
  await server.stop();
});

describe('RedisChallengeStore conformance, against a real redis-server', () => {
  let store = 0;
  for (const { name, run } of challengeStoreConformance({
    createStore: async () => new RedisChallengeStore({ client: await connect(server.url), prefix: `conformance:${store++}:` }),
    expiryTtlMs: 100,
    concurrency: 200,
  })) {
    it(name, run);
  }
});

describe('RedisChallengeStore', () => {
  it('stores one SET PX NX and consumes with GETDEL, as compact JSON under the prefix', async () => {
    const client = await connect(server.url);
    const store = new RedisChallengeStore({ client, prefix: 'shape:' });
    await store.save('ticket', sampleChallengeRecord(7), 60_000);
    const raw = await client.get('shape:ticket');
    expect(JSON.parse(raw!)).toEqual(sampleChallengeRecord(7));
    expect(raw).not.toMatch(/\s/);
    const ttl = await client.pTTL('shape:ticket');
    expect(ttl).toBeGreaterThan(59_000);
    expect(await store.consume('ticket')).toEqual(sampleChallengeRecord(7));
    expect(await client.exists('shape:ticket')).toBe(0);
  });

  it('rejects corrupted or foreign values with corrupt_store_record, and removes them', async () => {
    const client = await connect(server.url);
    const store = new RedisChallengeStore({ client, prefix: 'corrupt:' });
    const values = ['not json', '{"ceremony":"authentication"}', '42', 'null', JSON.stringify({ ...sampleChallengeRecord(1), challenge: 'x' })];
    for (const [index, value] of values.entries()) {
      await client.set(`corrupt:${index}`, value);
      expect(await codeOf(store.consume(String(index))), value).toBe('corrupt_store_record');
      expect(await client.exists(`corrupt:${index}`)).toBe(0);
    }
  });

  it('returns a record exactly once to 1000 concurrent consumers on several connections', async () => {
    const connections = await Promise.all(Array.from({ length: 8 }, () => connect(server.url)));
    const stores = connections.map((client) => new RedisChallengeStore({ client, prefix: 'race:' }));
    for (let round = 0; round < 3; round++) {
      await stores[0]!.save(`contested-${round}`, sampleChallengeRecord(round), 60_000);
      const results = await Promise.all(Array.from({ length: 1000 }, (_, index) => stores[index % stores.length]!.consume(`contested-${round}`)));
      const winners = results.filter((result): result is ChallengeRecord => result !== undefined);
      expect(winners).toHaveLength(1);
      expect(winners[0]).toEqual(sampleChallengeRecord(round));
    }
  });

  it('treats a key holding another Redis type as corrupt_store_record, and keys with spaces or line breaks as plain keys', async () => {
    const client = await connect(server.url);
    const store = new RedisChallengeStore({ client, prefix: 'types:' });
    await client.lPush('types:list', 'x');
    expect(await codeOf(store.consume('list'))).toBe('corrupt_store_record');
    for (const key of ['with space', 'line\r\nbreak SET x y', 'nul\0byte', 'ünïcødé']) {
      await store.save(key, sampleChallengeRecord(9), 60_000);
      expect(await client.exists(`types:${key}`), key).toBe(1);
      expect(await store.consume(key)).toEqual(sampleChallengeRecord(9));
    }
    expect(await client.exists('x')).toBe(0);
  });

  it("refuses a node-redis client with no 'error' listener, saying why and how to fix it, and takes it once it has one", async () => {
    const client = createClient({ url: server.url });
    let refusal: unknown;
    try {
      new RedisChallengeStore({ client });
    } catch (error) {
      refusal = error;
    }
    expect(isTesseraError(refusal, 'invalid_config')).toBe(true);
    expect((refusal as Error).message).toMatch(/no 'error' listener/);
    expect((refusal as Error).message).toMatch(/client\.on\('error'/);
    client.on('error', () => undefined);
    await client.connect();
    clients.push(client);
    const store = new RedisChallengeStore({ client, prefix: 'listener:' });
    await store.save('ticket', sampleChallengeRecord(4), 60_000);
    expect(await store.consume('ticket')).toEqual(sampleChallengeRecord(4));
    // A client that is not an event emitter (an ioredis adapter object) has nothing to check.
    expect(() => new RedisChallengeStore({ client: { sendCommand: async () => null } })).not.toThrow();
  });

  it('refuses options that cannot work', () => {
    for (const options of [{}, { client: {} }, { client: { sendCommand: async () => null }, commandTimeoutMs: 0 }, { client: { sendCommand: async () => null }, prefix: 5 }]) {
      expect(() => new RedisChallengeStore(options as never)).toThrow(/Invalid RedisChallengeStore options/);
    }
  });
});

describe('RedisChallengeStore when Redis goes away', () => {
  it('fails within the command timeout with store_unavailable, leaves no unhandled rejection, and recovers', async () => {
    const outage = await startRedisServer();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const client = await connect(outage.url);
      const store = new RedisChallengeStore({ client, prefix: 'outage:', commandTimeoutMs: 300 });
      await store.save('before', sampleChallengeRecord(1), 60_000);

      await outage.kill();
      for (const attempt of [() => store.save('during', sampleChallengeRecord(2), 60_000), () => store.consume('before')]) {
        const started = Date.now();
        expect(await codeOf(attempt())).toBe('store_unavailable');
        // Documented bound: 1.25 × the 300 ms timeout (375 ms), plus slack for a busy test machine.
        expect(Date.now() - started).toBeLessThan(800);
      }

      await outage.restart();
      await expect.poll(() => client.isReady, { timeout: 5_000 }).toBe(true);
      await store.save('after', sampleChallengeRecord(3), 60_000);
      expect(await store.consume('after')).toEqual(sampleChallengeRecord(3));
      // The record saved before the outage is gone with the old process: it can never be accepted, let alone twice.
      expect(await store.consume('before')).toBeUndefined();
      await new Promise((resolve) => setTimeout(resolve, 500)); // let late replies of timed-out commands arrive
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      await outage.stop();
    }
  });
});

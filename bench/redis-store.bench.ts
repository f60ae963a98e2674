/*
 * Measures, in round trips per second, one ceremony's storage work against a real redis-server on 127.0.0.1:
 *   - RedisChallengeStore: save (SET key value PX ttl NX) then consume (GETDEL key), with the store's
 *     serialisation, validation of what comes back, and command timeouts;
 *   - the raw limit: the same client sending SET PX + GETDEL itself, with a ready-made value and no checks.
 * Target: at least 0.8× the raw client.
 *
 * Both run with 32 round trips in flight (a busy server) and one at a time (reference), on one node-redis
 * connection, in interleaved rounds; the median round is reported. The redis-server is started by the bench on a
 * free loopback port and stopped at the end; every loop is bounded.
 */
import { sampleChallengeRecord } from '@tessera/core/testing';
import { RedisChallengeStore } from '@tessera/store-redis';
import { createClient } from 'redis';
import { startRedisServer } from '../packages/store-redis/test/redisServer.ts';
import { printHeader, printRatioValue, printReferenceRatio } from './_report.ts';
import { measureThroughput, pairedRatio, printThroughputTable } from './_throughput.ts';

const server = await startRedisServer();
const client = createClient({ url: server.url });
client.on('error', () => undefined);
await client.connect();
try {
  const store = new RedisChallengeStore({ client, prefix: 'bench:store:' });
  const record = sampleChallengeRecord(1);
  const value = JSON.stringify(record);
  let next = 0;

  const storeRoundTrip = async (): Promise<void> => {
    const key = `t${next++}`;
    await store.save(key, record, 60_000);
    if ((await store.consume(key)) === undefined) throw new Error('the store lost a record');
  };
  const rawRoundTrip = async (): Promise<void> => {
    const key = `bench:raw:t${next++}`;
    await client.sendCommand(['SET', key, value, 'PX', '60000', 'NX']);
    if ((await client.sendCommand(['GETDEL', key])) === null) throw new Error('Redis lost a value');
  };

  printHeader('Challenge store round trips (save + consume) against redis-server on 127.0.0.1: ops/s');
  const [tessera, raw] = await measureThroughput(
    { 'RedisChallengeStore save + consume': storeRoundTrip, 'raw client SET PX NX + GETDEL': rawRoundTrip },
    { concurrency: [32, 1], rounds: 7, batchTime: 300 },
  );
  printThroughputTable([tessera!, raw!]);
  printRatioValue('RedisChallengeStore / raw client, C=32', pairedRatio(tessera!.rates[0]!, raw!.rates[0]!), 0.8);
  printReferenceRatio('RedisChallengeStore / raw client, C=1', pairedRatio(tessera!.rates[1]!, raw!.rates[1]!));
} finally {
  await client.destroy();
  await server.stop();
}

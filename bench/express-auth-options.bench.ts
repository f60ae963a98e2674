/*
 * Measures, in requests/s over HTTP on loopback: `POST /mfa/passkey/auth-options` through passkeyRouter
 * (MemoryChallengeStore, MemoryCredentialStore, a user with 3 registered credentials, authenticate = a Map
 * lookup of the Bearer token) against a bare Express route that returns a fixed JSON body of the same size,
 * with the same headers. Target: the router at ≥ 0.9× the bare route.
 *
 * A third route, for reference, answers the same envelope by calling the core directly
 * (`credentials.listByUser` + `relyingParty.startAuthentication`, no adapter) and writes it the way the
 * router does: router / core-only is the adapter's own overhead (authenticate, user handle, body check,
 * envelope), core-only / bare what the ceremony itself (challenge, stored record, stores) costs.
 *
 * Setup and why:
 * - Server and load generator run in separate processes. autocannon is JavaScript too: in one process it
 *   would share the event loop with the server, and its own cost would be charged to both figures alike,
 *   squeezing the ratio towards 1. On the 2-core development machine each process gets a core. The server
 *   is this file, forked with `--server`; it talks to the parent over the IPC channel only.
 * - Each route has an Express app of its own, with default settings (`x-powered-by` on for all), listening on
 *   its own port in the same server process: no route's requests walk past another route's layers. (In
 *   one app, whichever route is registered later pays for matching the earlier ones.) The bare route is idiomatic
 *   Express, `res.set('Cache-Control', 'no-store').json(body)`, with a real auth-options response captured at
 *   start-up as its body, so the bytes on the wire are the same size. Note: the router does not use
 *   `res.json` (see its `_route.ts`): on these no-store POST answers Express's ETag (a SHA-1 of each body)
 *   is wasted work, so the router writes status, headers and JSON itself; the bare route keeps the ETag, as
 *   an application's own route would. Every request carries the same headers (Accept and Authorization);
 *   only the router and the core-only route read the token.
 * - 127.0.0.1 only, 10 connections, no pipelining. One warm-up run per route, then ROUNDS interleaved
 *   rounds of ROUND_SECONDS s per route (the order rotates every round), about 65 s in all with start-up. Reported: the
 *   median requests/s of each route, and the median of the per-round ratios (pairs taken seconds apart, so
 *   the machine's drift affects both alike). On the shared development machine one round of one route can
 *   differ from the next by 30 %; nine rounds keep the median ratio within a few hundredths between runs.
 * - Before each run the server collects its garbage (`--expose-gc`, asked over IPC), so no route's run pays
 *   for garbage the previous run of another route left behind.
 * - For reference, the server's own CPU time per answered request (user + system, from `process.cpuUsage()`
 *   in the server process, read over IPC before and after each run). It is steadier than requests/s, since
 *   time the machine gives to other work is not counted, and says what each route costs the server.
 * - Any non-2xx answer or connection error aborts the bench: a failing route is never reported as a fast one.
 *   The exit code is 0 whether the target is met or not; this is a report.
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { createRelyingParty, MemoryChallengeStore, MemoryCredentialStore } from '@tessera/core';
import { SoftwareAuthenticator } from '@tessera/core/testing';
import { passkeyRouter } from '@tessera/adapter-express';
import autocannon from 'autocannon';
import express from 'express';
import { printAligned, printHeader, printRatioValue, printReferenceRatio } from './_report.ts';

const ROUTER_PATH = '/mfa/passkey/auth-options';
const BARE_PATH = '/bare/auth-options';
const CORE_PATH = '/core-only/auth-options';
const TOKEN = 'bench-token-0123456789abcdef';
const ORIGIN = 'https://example.com';
const CONNECTIONS = 10;
const WARMUP_SECONDS = 1;
const ROUND_SECONDS = 2;
const ROUNDS = 9;
const TARGET = 0.9;

interface Ready {
  /** The port of each route's app, by path. */
  ports: Record<string, number>;
  bodyBytes: number;
}

/** What the parent asks the server: its CPU time, after collecting garbage when `collect` is set. */
interface CpuRequest {
  collect: boolean;
}

/** The server's CPU time so far, in µs (user + system), as it answers a {@link CpuRequest}. */
interface CpuReading {
  cpuMicros: number;
}

/** One load run: 2xx answers per second, and the server's CPU µs per 2xx answer. */
interface RunFigures {
  rate: number;
  cpuPerRequest: number;
}

/** The server process: an Express app for each route, each on an ephemeral loopback port. */
async function serve(): Promise<void> {
  const challengeStore = new MemoryChallengeStore();
  const credentials = new MemoryCredentialStore();
  const relyingParty = createRelyingParty({ rpId: 'example.com', rpName: 'Example', origins: [ORIGIN], challengeStore, credentialStore: credentials });
  const user = { id: 'user-0001', name: 'user@example.com', displayName: 'Bench User' };
  const users = new Map([[`Bearer ${TOKEN}`, user]]);

  // Three real credentials (ES256, EdDSA, RS256), registered the way the router would.
  const handle = Buffer.from(user.id).toString('base64url');
  for (const algorithm of ['ES256', 'EdDSA', 'RS256'] as const) {
    const { options } = await relyingParty.startRegistration({ user: { id: handle, name: user.name, displayName: user.displayName } });
    const response = await new SoftwareAuthenticator({ algorithm, transports: ['internal', 'hybrid'] }).register(options, ORIGIN);
    await relyingParty.finishRegistration({ response }); // stores the credential
  }

  let bareBody: unknown;
  const bareApp = express();
  bareApp.post(BARE_PATH, (_req, res) => void res.set('Cache-Control', 'no-store').json(bareBody));
  const coreApp = express();
  coreApp.post(CORE_PATH, async (req, res) => {
    if (!users.has(req.get('authorization') ?? '')) return void res.status(401).json({ success: false, error: 'Authentication required' });
    const registered = await credentials.listByUser(handle);
    const { options } = await relyingParty.startAuthentication({ userId: handle, allowCredentials: registered.map(({ id, transports }) => ({ id, transports })) });
    const { challenge, rpId, userVerification, timeout, allowCredentials = [] } = options;
    res.statusCode = 200;
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store');
    res.end(JSON.stringify({ success: true, data: { challenge, rpId, userVerification, timeout, allowCredentials } }));
  });
  const routerApp = express();
  routerApp.use(
    passkeyRouter({
      relyingParty,
      authenticate: (req) => users.get(req.get('authorization') ?? '') ?? null,
      logger: { error: (message, details) => console.error(message, details) },
    }),
  );
  const ports: Record<string, number> = {};
  for (const [path, app] of [[ROUTER_PATH, routerApp], [CORE_PATH, coreApp], [BARE_PATH, bareApp]] as const) {
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    ports[path] = (server.address() as AddressInfo).port;
  }

  // The bare route answers a real auth-options body, captured once: same shape, same size.
  const sample = await fetch(`http://127.0.0.1:${ports[ROUTER_PATH]}${ROUTER_PATH}`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
  const text = await sample.text();
  if (sample.status !== 200 || !text.includes('"allowCredentials":[{')) throw new Error(`auth-options answered ${sample.status}: ${text}`);
  bareBody = JSON.parse(text);
  process.send!({ ports, bodyBytes: Buffer.byteLength(text) } satisfies Ready);
  process.on('message', (message: CpuRequest) => {
    if (message.collect) (globalThis as { gc?: () => void }).gc!();
    const { user, system } = process.cpuUsage();
    process.send!({ cpuMicros: user + system } satisfies CpuReading);
  });
  process.on('disconnect', () => process.exit(0));
}

/** The server's CPU time so far, asked over IPC; with `collect`, after a full garbage collection. */
function serverCpu(child: ChildProcess, collect: boolean): Promise<number> {
  return new Promise((resolve) => {
    child.once('message', (message) => resolve((message as CpuReading).cpuMicros));
    child.send({ collect } satisfies CpuRequest);
  });
}

/** One autocannon run against `path`: requests/s of 2xx answers, and the server's CPU µs per answer. */
async function load(child: ChildProcess, port: number, path: string, seconds: number): Promise<RunFigures> {
  const cpuBefore = await serverCpu(child, true);
  const result = await autocannon({
    url: `http://127.0.0.1:${port}${path}`,
    method: 'POST',
    headers: { accept: 'application/json', authorization: `Bearer ${TOKEN}` },
    connections: CONNECTIONS,
    pipelining: 1,
    duration: seconds,
  });
  if (result.non2xx > 0 || result.errors > 0 || result['2xx'] === 0) {
    throw new Error(`${path}: ${result.non2xx} non-2xx answers, ${result.errors} errors, ${result['2xx']} 2xx`);
  }
  const cpuAfter = await serverCpu(child, false);
  return { rate: result['2xx'] / result.duration, cpuPerRequest: (cpuAfter - cpuBefore) / result['2xx'] };
}

const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(): Promise<void> {
  printHeader(
    `Express: POST ${ROUTER_PATH} via passkeyRouter vs a bare route, requests/s ` +
      `(server in its own process, 127.0.0.1, ${CONNECTIONS} connections, median of ${ROUNDS} interleaved ${ROUND_SECONDS} s rounds)`,
  );
  const child: ChildProcess = fork(new URL(import.meta.url), ['--server'], {
    execArgv: [...process.execArgv, '--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    const ready = await new Promise<Ready>((resolve, reject) => {
      child.once('message', (message) => resolve(message as Ready));
      child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    });
    console.log(`response body: ${ready.bodyBytes} bytes (both routes)`);
    console.log('');

    const paths = [ROUTER_PATH, CORE_PATH, BARE_PATH];
    for (const path of paths) await load(child, ready.ports[path]!, path, WARMUP_SECONDS);
    const runs = new Map<string, RunFigures[]>(paths.map((path) => [path, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < paths.length; i++) {
        const path = paths[(i + round) % paths.length]!;
        runs.get(path)!.push(await load(child, ready.ports[path]!, path, ROUND_SECONDS));
      }
    }
    const [router, core, bare] = paths.map((path) => runs.get(path)!.map((run) => run.rate)) as [number[], number[], number[]];
    const [routerCpu, coreCpu, bareCpu] = paths.map((path) => median(runs.get(path)!.map((run) => run.cpuPerRequest))) as [number, number, number];

    const spread = (values: number[]) => `${((100 * (Math.max(...values) - Math.min(...values))) / median(values)).toFixed(1)} %`;
    const format = (value: number) => Math.round(value).toLocaleString('en-US');
    const paired = (numerator: number[], denominator: number[]) => median(numerator.map((hz, i) => hz / denominator[i]!));
    const micros = (value: number) => `${value.toFixed(1)} µs`;
    printAligned([
      ['route', 'req/s', 'spread', 'server CPU/req', 'rounds'],
      [`passkeyRouter ${ROUTER_PATH}`, format(median(router)), spread(router), micros(routerCpu), router.map(format).join(' ')],
      [`bare express ${BARE_PATH}`, format(median(bare)), spread(bare), micros(bareCpu), bare.map(format).join(' ')],
      [`core only ${CORE_PATH}`, format(median(core)), spread(core), micros(coreCpu), core.map(format).join(' ')],
    ]);
    printRatioValue('passkeyRouter / bare express (median of per-round ratios)', paired(router, bare), TARGET);
    printReferenceRatio('passkeyRouter / core only (the adapter itself)', paired(router, core));
    printReferenceRatio('core only / bare express (the ceremony: challenge, record, stores)', paired(core, bare));
    printReferenceRatio('bare express / passkeyRouter server CPU per request (median CPU/req of each)', bareCpu / routerCpu);
  } finally {
    child.disconnect();
  }
}

if (process.argv.includes('--server')) await serve();
else await main();

/**
 * Starts the Tessera demo on http://localhost:<port>. Accounts and passkeys are kept in PGlite under
 * `.tessera-demo/` at the repository root, so they survive a restart (sessions do not: a restart signs
 * everyone out).
 *
 *   npx -y pnpm@10.34.9 demo                        # port 3000, data in .tessera-demo/
 *   npx -y pnpm@10.34.9 demo --port 8080            # or PORT=8080
 *   npx -y pnpm@10.34.9 demo --data /tmp/demo-data  # another PGlite directory
 *   npx -y pnpm@10.34.9 demo --memory               # nothing kept: everything goes with the process
 *   DATABASE_URL=postgres://user:pw@localhost:5432/db npx -y pnpm@10.34.9 demo   # a PostgreSQL server
 *
 * Reset: stop the demo and `rm -rf .tessera-demo`.
 *
 * Open the printed address in a browser with passkey support (Chrome, Edge, Safari or Firefox). WebAuthn
 * needs a secure context: http://localhost is one, so no certificate is needed.
 */
import { fileURLToPath } from 'node:url';
import { startDemoServer } from './src/demoServer.ts';
import type { DemoStorageOptions } from './src/demoStorage.ts';

/** The default PGlite directory: `.tessera-demo/` at the repository root (git-ignored). */
const DEFAULT_DATA_DIR = fileURLToPath(new URL('../.tessera-demo/', import.meta.url));

const args = process.argv.slice(2);
const port = portFrom(args, process.env.PORT);
const storage = storageFrom(args, process.env.DATABASE_URL);
try {
  const demo = await startDemoServer({ port, storage });
  console.log(`Tessera demo running at ${demo.url}`);
  console.log(`  ${demo.url}/         register and sign in through @tessera/adapter-express`);
  console.log(`  ${demo.url}/genauth  the same through @tessera/adapter-genauth`);
  console.log(`Accounts and passkeys: ${demo.storage}. Sessions live in memory: a restart signs everyone out.`);
  if (storage.kind === 'pglite') console.log(`Start afresh: stop the demo, then rm -rf ${storage.dataDir}`);
  console.log('Stop it with Ctrl+C.');
  const stop = () => void demo.close().finally(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (error) {
  const code = (error as { code?: unknown }).code;
  if (code === 'EADDRINUSE') console.error(`Port ${port} is in use. Choose another: PORT=8080 npx -y pnpm@10.34.9 demo`);
  else if (code === 'EACCES') console.error(`Port ${port} needs privileges. Choose a port above 1023.`);
  else if ((error as { name?: unknown }).name === 'DemoStorageError') console.error(`The demo could not open its storage. ${(error as Error).message}`);
  else console.error('The demo failed to start:', error);
  process.exit(1);
}

/** The value of `--name V` / `--name=V`, `undefined` when absent, `''` when given without a value. */
function flagValue(args: string[], name: string): string | undefined {
  const index = args.findIndex((arg) => arg === name || arg.startsWith(`${name}=`));
  if (index === -1) return undefined;
  const arg = args[index] ?? '';
  if (arg.includes('=')) return arg.slice(arg.indexOf('=') + 1);
  const next = args[index + 1];
  return next === undefined || next.startsWith('--') ? '' : next;
}

/** Stops with a message and exit code 1. */
function stopWith(message: string): never {
  console.error(message);
  process.exit(1);
}

/** The port from `--port N` / `--port=N`, else `$PORT` (when not empty), else 3000; a bad or missing value stops with a message. */
function portFrom(args: string[], env: string | undefined): number {
  const known = /^--(port|data)(=|$)|^--memory$/;
  const unknown = args.find((arg, i) => arg.startsWith('-') && !known.test(arg) && !/^--(port|data)$/.test(args[i - 1] ?? ''));
  if (unknown !== undefined) stopWith(`Unknown option ${unknown}. Options: --port N, --data DIR, --memory (and DATABASE_URL=postgres://…).`);
  const flag = flagValue(args, '--port');
  const given = flag ?? env;
  if (given === undefined || (flag === undefined && given === '')) return 3000;
  const port = Number(given);
  if (given.trim() === '') stopWith('--port needs a value: a whole number from 0 to 65535, e.g. --port 8080.');
  if (!Number.isInteger(port) || port < 0 || port > 65_535) stopWith(`Not a port: ${given}. Give a whole number from 0 to 65535, e.g. --port 8080.`);
  return port;
}

/**
 * Where the data lives: `--memory` (nothing kept), `--data DIR` (PGlite in DIR), else `DATABASE_URL` (a
 * PostgreSQL server) when set, else PGlite in `.tessera-demo/`. A flag beats the environment; `--memory`
 * with `--data` is a contradiction and stops with a message.
 */
function storageFrom(args: string[], databaseUrl: string | undefined): DemoStorageOptions {
  const memory = args.includes('--memory');
  const dataDir = flagValue(args, '--data');
  if (memory && dataDir !== undefined) stopWith('Choose one: --memory keeps nothing, --data DIR keeps accounts and passkeys in DIR.');
  if (dataDir === '') stopWith('--data needs a directory, e.g. --data /tmp/tessera-demo.');
  if (memory) return { kind: 'memory' };
  if (dataDir !== undefined) return { kind: 'pglite', dataDir };
  if (databaseUrl !== undefined && databaseUrl !== '') return { kind: 'postgres', url: databaseUrl };
  return { kind: 'pglite', dataDir: DEFAULT_DATA_DIR };
}

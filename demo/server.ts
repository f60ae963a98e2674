/**
 * Starts the Tessera demo on http://localhost:<port> with in-memory stores.
 *
 *   npx -y pnpm@10.34.9 demo                 # port 3000
 *   PORT=8080 npx -y pnpm@10.34.9 demo       # or: npx -y pnpm@10.34.9 demo --port 8080
 *
 * Open the printed address in a browser with passkey support (Chrome, Edge, Safari or Firefox). WebAuthn
 * needs a secure context: http://localhost is one, so no certificate is needed.
 */
import { startDemoServer } from './src/demoServer.ts';

const port = portFrom(process.argv.slice(2), process.env.PORT);
try {
  const demo = await startDemoServer({ port });
  console.log(`Tessera demo running at ${demo.url}`);
  console.log(`  ${demo.url}/         register and sign in through @tessera/adapter-express`);
  console.log(`  ${demo.url}/genauth  the same through @tessera/adapter-genauth`);
  console.log('Stop it with Ctrl+C. Accounts and passkeys live in memory and go with the process.');
  const stop = () => void demo.close().finally(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (error) {
  const code = (error as { code?: unknown }).code;
  if (code === 'EADDRINUSE') console.error(`Port ${port} is in use. Choose another: PORT=8080 npx -y pnpm@10.34.9 demo`);
  else if (code === 'EACCES') console.error(`Port ${port} needs privileges. Choose a port above 1023.`);
  else console.error('The demo failed to start:', error);
  process.exit(1);
}

/** The port from `--port N` / `--port=N`, else `$PORT` (when not empty), else 3000; a bad or missing value stops with a message. */
function portFrom(args: string[], env: string | undefined): number {
  const index = args.findIndex((arg) => arg === '--port' || arg.startsWith('--port='));
  const given = index === -1 ? env : (args[index]?.split('=')[1] ?? args[index + 1] ?? '');
  if (given === undefined || (index === -1 && given === '')) return 3000;
  const port = Number(given);
  if (given.trim() === '') {
    console.error('--port needs a value: a whole number from 0 to 65535, e.g. --port 8080.');
    process.exit(1);
  }
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    console.error(`Not a port: ${given}. Give a whole number from 0 to 65535, e.g. --port 8080.`);
    process.exit(1);
  }
  return port;
}

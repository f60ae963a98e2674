/*
 * Test support: a real PostgreSQL server in a throwaway cluster (initdb in a temp directory) on a free
 * loopback port, started and stopped by the tests themselves. Nothing is mocked; .ci/run installs Debian's
 * postgresql when it is missing. As root (CI containers), the server runs as the `postgres` user (or
 * `nobody`), since PostgreSQL refuses to run as root.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A running PostgreSQL server that the test controls. */
export interface PostgresServer {
  readonly port: number;
  /** A connection string for the `tessera` superuser and database, trust auth on loopback. */
  readonly url: string;
  /** Stops it abruptly (immediate shutdown: clients are cut off mid-statement, as in a crash); data is kept. */
  kill(): Promise<void>;
  /** Starts it again on the same port and data directory. */
  restart(): Promise<void>;
  /** Stops it for good and removes the cluster. */
  stop(): Promise<void>;
}

const INSTALL_HINT = 'Install it, e.g. "apt-get install -y postgresql"; .ci/run does so.';

/** The newest installed server's binaries: $POSTGRES_BIN_DIR, else /usr/lib/postgresql/<version>/bin. */
function binDir(): string {
  const fromEnv = process.env['POSTGRES_BIN_DIR'];
  if (fromEnv !== undefined) return fromEnv;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((version) => existsSync(join(root, version, 'bin', 'initdb')) && existsSync(join(root, version, 'bin', 'postgres')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions[0] === undefined) throw new Error(`PostgreSQL is needed by these tests and no server was found in ${root}/<version>/bin. ${INSTALL_HINT}`);
  return join(root, versions[0], 'bin');
}

/** As root, a user PostgreSQL accepts to run as; otherwise ourselves. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    const uid = spawnSync('id', ['-u', name], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
    if (uid.status === 0 && gid.status === 0) return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  }
  throw new Error('Running as root, and there is neither a postgres nor a nobody user to run PostgreSQL as.');
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function launch(bin: string, dataDir: string, socketDir: string, port: number, user: { uid: number; gid: number } | undefined): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const args = ['-D', dataDir, '-p', String(port), '-k', socketDir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'max_connections=60'];
    const child = spawn(join(bin, 'postgres'), args, { stdio: ['ignore', 'pipe', 'pipe'], ...user });
    let output = '';
    const deadline = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`postgres did not start on port ${port}: ${output}`));
    }, 20_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (/database system is ready to accept connections/.test(output)) {
        clearTimeout(deadline);
        resolve(child);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(deadline);
      reject(new Error(`postgres exited (${code}) before it was ready: ${output}`));
    });
  });
}

function terminate(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

/**
 * Creates a cluster in a temp directory (`initdb`, trust auth, superuser and database `tessera`) and starts
 * PostgreSQL on a free 127.0.0.1 port.
 *
 * @returns a handle to kill, restart and stop it
 * @throws {Error} if PostgreSQL is not installed (the suite fails; it never skips)
 */
export async function startPostgresServer(): Promise<PostgresServer> {
  const bin = binDir();
  const user = runAs();
  const root = mkdtempSync(join(tmpdir(), 'tessera-pg-'));
  if (user !== undefined) chownSync(root, user.uid, user.gid);
  const dataDir = join(root, 'data');
  const init = spawnSync(
    join(bin, 'initdb'),
    ['-D', dataDir, '-U', 'tessera', '--auth=trust', '--encoding=UTF8', '--no-locale', '--no-sync', '--no-instructions'],
    { encoding: 'utf8', ...user },
  );
  if (init.error !== undefined || init.status !== 0) {
    rmSync(root, { recursive: true, force: true });
    throw new Error(`initdb failed (${init.error?.message ?? init.status}): ${init.stderr}. ${INSTALL_HINT}`);
  }
  const port = await freePort();
  let child = await launch(bin, dataDir, root, port, user);
  const created = spawnSync(join(bin, 'createdb'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'tessera', 'tessera'], { encoding: 'utf8', ...user });
  if (created.status !== 0) throw new Error(`createdb failed: ${created.stderr}`);
  return {
    port,
    url: `postgres://tessera@127.0.0.1:${port}/tessera`,
    kill: () => terminate(child, 'SIGQUIT'),
    restart: async () => {
      child = await launch(bin, dataDir, root, port, user);
    },
    stop: async () => {
      await terminate(child, 'SIGINT');
      rmSync(root, { recursive: true, force: true });
    },
  };
}

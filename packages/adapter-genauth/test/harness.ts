/**
 * Test support only: Node HTTP servers on 127.0.0.1 for tests that go over a real socket. Register
 * `afterEach(closeServers)` in the test file so every server `listen` started is closed after each test.
 * Never imported by library code.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const servers: Server[] = [];

/** Serves `listener` on an ephemeral port of 127.0.0.1 and returns `127.0.0.1:<port>`. */
export async function listen(listener: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = createServer(listener);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Closes every server `listen` started and not yet closed, dropping open connections; resolves once all are closed. */
export async function closeServers(): Promise<void> {
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    ),
  );
}

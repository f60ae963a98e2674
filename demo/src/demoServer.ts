import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { AUTH_OPTIONS_PATH, AUTH_VERIFY_PATH, passkeyRouter, type PasskeyRouterLogger } from '@tessera/adapter-express';
import { createGenAuthHandler } from '@tessera/adapter-genauth';
import { toNodeListener } from '@tessera/adapter-genauth/node';
import {
  createRelyingParty,
  userHandleFromId,
  type ChallengeStore,
  type CoseAlgorithm,
  type CredentialStore,
  type UserVerificationRequirement,
} from '@tessera/core';
import express, { type Express } from 'express';
import { describeDemoAuthenticator } from './demoAuthenticators.ts';
import type { DemoDirectory } from './demoDirectory.ts';
import { demoApi } from './demoApi.ts';
import { openDemoStorage, type DemoStorageOptions } from './demoStorage.ts';

/** Where the pages and their scripts are: plain files, served as they are (no build step). */
const PUBLIC_DIR = fileURLToPath(new URL('../public/', import.meta.url));

/** The Express router's sign-in routes: the only ones a `passkey-pending` session may call. */
const SIGN_IN_PATHS: ReadonlySet<string> = new Set([AUTH_OPTIONS_PATH, AUTH_VERIFY_PATH]);

/** Options of {@link startDemoServer}. */
export interface DemoServerOptions {
  /** TCP port; `0` picks a free one. Default 3000. */
  port?: number;
  /** Interface to listen on. Default `localhost`, so the page's origin is `http://localhost:<port>`. */
  host?: string;
  /** COSE algorithms offered at registration, most preferred first. Default: the core's (EdDSA, ES256, RS256). */
  algorithms?: CoseAlgorithm[];
  /** How long the browser may take over a ceremony, in ms (WebAuthn L3 §5.4.5); also when the autofill renews its request. Default: the core's (5 minutes). */
  timeout?: number;
  /** User verification for both ceremonies. Default `required`: a passkey is the whole sign-in here. */
  userVerification?: UserVerificationRequirement;
  /** Where both adapters report server faults. Default `console.error`. */
  logger?: PasskeyRouterLogger;
  /** Where accounts, passkeys and ceremonies live. Default `{ kind: 'memory' }`; the command defaults to PGlite. */
  storage?: DemoStorageOptions;
}

/** A running demo. */
export interface DemoServer {
  /** `http://localhost:<port>`: the origin the relying party accepts. */
  url: string;
  /** The port it listens on (the one asked for, or the free one picked for `0`). */
  port: number;
  /** The passkeys of every account (shared by both adapters). */
  credentials: CredentialStore;
  /** Accounts and sessions. */
  directory: DemoDirectory;
  /** Where the data lives, in one line. */
  storage: string;
  /** Stops listening, closes open connections, then the database; closing twice is harmless. */
  close(): Promise<void>;
}

/**
 * Starts the demo: one Express app on `http://localhost:<port>` with the stores `options.storage` chooses, serving
 *
 * - `/` — the page that registers and signs in through `@tessera/adapter-express` (`/mfa/passkey/*`);
 * - `/genauth` — the same through `@tessera/adapter-genauth` (`/api/v3/webauthn/*`), with a discoverable
 *   sign-in (no account name typed);
 * - `/demo/*` — the demo's own accounts and sessions (what your application already has).
 *
 * The relying party's origin is known only once the port is, so the server listens first and then mounts
 * the app.
 *
 * @param options - see {@link DemoServerOptions}
 * @returns the running server
 * @throws the listen error (`EADDRINUSE`, `EACCES`) when the port cannot be used; `DemoStorageError` when the
 *   storage cannot be opened
 * @example
 * ```ts
 * const demo = await startDemoServer({ port: 0 });
 * console.log(`open ${demo.url}`);
 * await demo.close();
 * ```
 */
export async function startDemoServer(options: DemoServerOptions = {}): Promise<DemoServer> {
  const storage = await openDemoStorage(options.storage ?? { kind: 'memory' });
  const { challengeStore, credentialStore: credentials, directory } = storage;
  const server = createServer();
  try {
    await listen(server, options.port ?? 3000, options.host ?? 'localhost');
  } catch (error) {
    await storage.close();
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  const url = `http://localhost:${port}`;
  server.on('request', demoApp({ ...options, url, challengeStore, credentials, directory }));
  let closed: Promise<void> | undefined;
  return {
    url,
    port,
    credentials,
    directory,
    storage: storage.description,
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeAllConnections();
      }).then(() => storage.close())),
  };
}

/** The Express app of the demo. */
function demoApp(
  settings: DemoServerOptions & { url: string; challengeStore: ChallengeStore; credentials: CredentialStore; directory: DemoDirectory },
): Express {
  const { url, challengeStore, credentials, directory } = settings;
  const relyingParty = createRelyingParty({
    rpId: 'localhost',
    rpName: 'Tessera demo',
    origins: [url],
    challengeStore,
    credentialStore: credentials,
    userVerification: settings.userVerification ?? 'required',
    residentKey: 'required', // the GenAuth page signs in without a name: a discoverable credential (§6.2.2)
    describeAuthenticator: describeDemoAuthenticator, // names for the passkey list, by AAGUID
    ...(settings.algorithms === undefined ? {} : { algorithms: settings.algorithms }),
    ...(settings.timeout === undefined ? {} : { timeout: settings.timeout }),
  });
  const logger = settings.logger ?? { error: (message: string, details: Record<string, unknown>) => console.error(message, details) };

  const app = express();
  app.disable('x-powered-by');
  app.use((_req, res, next) => {
    // The pages load only their own scripts and styles, and nobody may frame them.
    res.setHeader('Content-Security-Policy', "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    next();
  });

  // GenAuth's routes read their own bodies, so they come before any body parser.
  app.use(
    '/api/v3/webauthn',
    toNodeListener(
      createGenAuthHandler({
        relyingParty,
        logger,
        authenticate: (request) => {
          const session = directory.sessionOf(request.headers.get('authorization'));
          return session?.stage === 'signed-in' ? userOf(session.account) : null;
        },
        // A verified discoverable sign-in opens a session for the passkey's owner.
        onAuthenticated: async (result) => {
          const account = await directory.accountOfHandle(result.userId);
          if (account === undefined) throw new Error(`No account has the user handle ${result.userId}.`);
          const token = directory.openSession(account, 'signed-in');
          return { tokenSet: { access_token: token, token_type: 'Bearer', expires_in: 3600 }, name: account.name };
        },
      }),
    ),
  );

  app.use(
    passkeyRouter({
      relyingParty,
      logger,
      authenticate: (req) => {
        const session = directory.sessionOf(req.get('authorization'));
        if (session === undefined) return null;
        // A session that has only given its account name may run the passkey step, nothing else.
        if (session.stage === 'passkey-pending' && !SIGN_IN_PATHS.has(req.path)) return null;
        return userOf(session.account);
      },
      // The router has checked that the passkey belongs to the caller; the session is upgraded only for its
      // own account all the same, so this stays safe if copied somewhere without that check.
      onAuthenticated: (result, req) => {
        const session = directory.sessionOf(req.get('authorization'));
        if (session !== undefined && userHandleFromId(session.account.id) === result.userId) directory.completeSignIn(session.token);
      },
    }),
  );

  app.use('/demo', demoApi(directory));
  app.use(express.static(PUBLIC_DIR, { extensions: ['html'], index: 'index.html' }));
  app.use((_req, res) => void res.status(404).type('text/plain').send('Not found'));
  return app;
}

function userOf(account: { id: string; name: string }): { id: string; name: string; displayName: string } {
  return { id: account.id, name: account.name, displayName: account.name };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

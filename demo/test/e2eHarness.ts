import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { startDemoServer, type DemoServer, type DemoServerOptions } from '../src/demoServer.ts';
import { launchChromium, pageWithAuthenticator, type AuthenticatorPage, type VirtualAuthenticatorOptions } from './chromium.ts';

/** A demo server started for one test, with what its adapters logged as server faults. */
export type TestDemo = DemoServer & { errors: unknown[] };

/** What {@link useBrowserHarness} gives a test file. */
export interface BrowserHarness {
  /** Starts a demo server on a free loopback port, closed after the test. */
  demo(options?: DemoServerOptions): Promise<TestDemo>;
  /** Opens a fresh browser context and page with a virtual authenticator, closed after the test. */
  browserPage(options?: VirtualAuthenticatorOptions): Promise<AuthenticatorPage>;
  /** Registers something to close after the test. */
  onCleanup(cleanup: () => Promise<unknown>): void;
}

/**
 * Registers the hooks of a browser test file: one headless Chromium for the file, and a server and context
 * per test, so no state leaks between tests.
 */
export function useBrowserHarness(): BrowserHarness {
  let browser: Browser | undefined;
  const cleanups: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  return {
    async demo(options = {}) {
      const errors: unknown[] = [];
      const server = await startDemoServer({ port: 0, logger: { error: (...args) => void errors.push(args) }, ...options });
      cleanups.push(() => server.close());
      return Object.assign(server, { errors });
    },
    async browserPage(options) {
      if (browser === undefined) throw new Error('Chromium did not start.');
      const opened = await pageWithAuthenticator(browser, options);
      cleanups.push(() => opened.context.close());
      return opened;
    },
    onCleanup(cleanup) {
      cleanups.push(cleanup);
    },
  };
}

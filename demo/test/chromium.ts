import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type CDPSession, type Page } from 'playwright-core';

/**
 * Headless Chromium for the end-to-end tests, with a virtual authenticator from the DevTools protocol's
 * WebAuthn domain: Chromium's real WebAuthn stack (option parsing, client data, CTAP2 authenticator) signs
 * the ceremonies, so only the user's touch is simulated.
 */

/** Debian's Chromium, which `.ci/run` installs; `CHROMIUM_PATH` overrides it. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Flags for a quiet, sandbox-free headless run on a machine without network (as root in CI). */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Launches Chromium, failing (never skipping) with the install command when it is missing. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium is not at ${CHROMIUM_PATH}. Install it with: apt-get install -y chromium (.ci/run does), or set CHROMIUM_PATH.`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true, timeout: 30_000 });
}

/** Options of `WebAuthn.addVirtualAuthenticator` that the tests vary. */
export interface VirtualAuthenticatorOptions {
  /** Whether the authenticator can verify its user (a PIN or biometric). Default true. */
  hasUserVerification?: boolean;
  /** Whether verification succeeds when asked for. Default true. */
  isUserVerified?: boolean;
  /**
   * Whether the authenticator answers presence checks by itself. Default true. With false, a request stays
   * pending: the person has not touched anything (yet).
   */
  automaticPresenceSimulation?: boolean;
  /**
   * Whether the page sees conditional mediation (autofill). Default true, as Chromium has it. With the
   * DevTools UI disabled, Chromium answers a conditional request at once with the authenticator's passkey for
   * the site (there is no autofill dropdown to wait on), so a page loaded while signed out signs in by
   * itself; false hides `PublicKeyCredential.isConditionalMediationAvailable`, as in a browser without it.
   */
  conditionalMediation?: boolean;
  /** Whether new passkeys are backed up, i.e. synced (BE and BS flags, WebAuthn L3 §6.3.3). Default false. */
  synced?: boolean;
}

/** British English in UTC, so the dates a page writes read the same on every machine. */
export const PAGE_LOCALE = 'en-GB';
export const PAGE_TIME_ZONE = 'UTC';

/** A credential as `WebAuthn.getCredentials` lists it (ids, keys and handles in standard base64). */
export interface StoredCredential {
  credentialId: string;
  isResidentCredential: boolean;
  rpId?: string;
  privateKey: string;
  userHandle?: string;
  signCount: number;
  userName?: string;
  userDisplayName?: string;
}

/** A page with a virtual platform authenticator attached. */
export interface AuthenticatorPage {
  context: BrowserContext;
  page: Page;
  cdp: CDPSession;
  authenticatorId: string;
  /** The credentials the authenticator holds, as the DevTools protocol lists them. */
  storedCredentials(): Promise<StoredCredential[]>;
  /** The ids of the credentials the authenticator holds, base64url as WebAuthn's JSON writes them (CDP lists base64). */
  storedCredentialIds(): Promise<string[]>;
}

/**
 * Opens a fresh context and page with a CTAP2 platform authenticator that holds discoverable credentials
 * and answers presence checks by itself.
 */
export async function pageWithAuthenticator(browser: Browser, options: VirtualAuthenticatorOptions = {}): Promise<AuthenticatorPage> {
  const context = await browser.newContext({ locale: PAGE_LOCALE, timezoneId: PAGE_TIME_ZONE });
  const page = await context.newPage();
  if (options.conditionalMediation === false) {
    await page.addInitScript(() => {
      delete (PublicKeyCredential as { isConditionalMediationAvailable?: unknown }).isConditionalMediationAvailable;
    });
  }
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: options.hasUserVerification ?? true,
      isUserVerified: options.isUserVerified ?? true,
      automaticPresenceSimulation: options.automaticPresenceSimulation ?? true,
      defaultBackupEligibility: options.synced ?? false,
      defaultBackupState: options.synced ?? false,
    },
  });
  const storedCredentials = async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials;
  return {
    context,
    page,
    cdp,
    authenticatorId,
    storedCredentials,
    storedCredentialIds: async () => (await storedCredentials()).map(({ credentialId }) => Buffer.from(credentialId, 'base64').toString('base64url')),
  };
}

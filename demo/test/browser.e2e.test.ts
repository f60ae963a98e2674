import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  AUTHENTICATOR_TRANSPORTS,
  COSE_ALGORITHMS,
  PUBLIC_KEY_CREDENTIAL_HINTS,
  base64url,
  buildAuthenticationOptions,
  buildRegistrationOptions,
  userHandleFromId,
  type CoseAlgorithm,
} from '@tessera/core';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startDemoServer, type DemoServer, type DemoServerOptions } from '../src/demoServer.ts';
import { launchChromium, pageWithAuthenticator, type AuthenticatorPage, type VirtualAuthenticatorOptions } from './chromium.ts';
import { addPasskey, createAccount, listedPasskeys, open, signIn, signOut, signedInAs } from './demoPage.ts';

/**
 * The demo in headless Chromium: real pages, Chromium's own WebAuthn client and a CTAP2 virtual
 * authenticator, against the real demo server on loopback. Each test gets its own server and browser
 * context, so no state leaks between them.
 */

let browser: Browser;
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

async function demo(options: DemoServerOptions = {}): Promise<DemoServer & { errors: unknown[] }> {
  const errors: unknown[] = [];
  const server = await startDemoServer({ port: 0, logger: { error: (...args) => void errors.push(args) }, ...options });
  cleanups.push(() => server.close());
  return Object.assign(server, { errors });
}

async function browserPage(options?: VirtualAuthenticatorOptions): Promise<AuthenticatorPage> {
  const opened = await pageWithAuthenticator(browser, options);
  cleanups.push(() => opened.context.close());
  return opened;
}

const ALGORITHMS: Array<[name: string, alg: CoseAlgorithm]> = [
  ['ES256', COSE_ALGORITHMS.ES256],
  ['EdDSA', COSE_ALGORITHMS.EdDSA],
  ['RS256', COSE_ALGORITHMS.RS256],
];

describe('the Express router page', () => {
  it.each(ALGORITHMS)('registers an %s passkey and signs in with it in two steps', async (name, alg) => {
    const server = await demo({ algorithms: [alg] });
    const { page, storedCredentials } = await browserPage();
    await open(page, server.url);

    expect(await createAccount(page, 'ada')).toEqual({ kind: 'ok', text: 'Account “ada” created. Now add a passkey to it.' });
    expect(await addPasskey(page)).toEqual({ kind: 'ok', text: 'Passkey added. Sign out and sign back in with it.' });
    const [passkey] = await listedPasskeys(page);
    expect(passkey?.algorithm).toBe(name);
    expect(await storedCredentials()).toEqual([expect.objectContaining({ credentialId: expect.any(String), isResidentCredential: true })]);

    await signOut(page);
    expect(await signedInAs(page)).toBeUndefined();
    const options = page.waitForResponse((response) => response.url().endsWith('/mfa/passkey/auth-options'));
    expect(await signIn(page, 'ada')).toEqual({ kind: 'ok', text: 'Signed in with your passkey as “ada”.' });
    const envelope = await (await options).json();
    expect(envelope.data.allowCredentials).toEqual([expect.objectContaining({ id: passkey?.id, type: 'public-key' })]);
    expect(envelope.data.userVerification).toBe('required');
    expect(await signedInAs(page)).toBe('ada');

    const stored = await server.credentials.get(passkey?.id ?? '');
    expect(stored?.signCount).toBe((await storedCredentials())[0]?.signCount);
    expect(server.errors).toEqual([]);
  });
});

describe('the GenAuth page', () => {
  it.each(ALGORITHMS)('registers an %s passkey and signs in with it discoverably (empty allowCredentials)', async (name, alg) => {
    const server = await demo({ algorithms: [alg] });
    const { page } = await browserPage();
    await open(page, `${server.url}/genauth`);

    expect((await createAccount(page, 'grace')).kind).toBe('ok');
    expect(await addPasskey(page)).toEqual({ kind: 'ok', text: 'Passkey added. Sign out and sign back in with it.' });
    expect((await listedPasskeys(page)).map(({ algorithm }) => algorithm)).toEqual([name]);
    await signOut(page);

    const options = page.waitForResponse((response) => response.url().endsWith('/api/v3/webauthn/authentication') && response.request().method() === 'GET');
    expect(await signIn(page)).toEqual({ kind: 'ok', text: 'Signed in with your passkey as “grace”.' });
    const envelope = await (await options).json();
    expect(envelope).toMatchObject({ statusCode: 200, data: { authenticationOptions: { allowCredentials: [], rpId: 'localhost' } } });
    expect(await signedInAs(page)).toBe('grace');
    expect(server.errors).toEqual([]);
  });

  it('signs in on one page with a passkey made on the other', async () => {
    const server = await demo();
    const { page } = await browserPage();
    await open(page, server.url);
    await createAccount(page, 'linus');
    await addPasskey(page);
    await open(page, `${server.url}/genauth`);
    expect(await signIn(page)).toEqual({ kind: 'ok', text: 'Signed in with your passkey as “linus”.' });
  });
});

describe('user verification', () => {
  it('is required: an authenticator that cannot verify its user is refused by the browser, and a downgraded request by the server', async () => {
    const server = await demo();
    const { page, cdp, authenticatorId } = await browserPage();
    await open(page, server.url);
    await createAccount(page, 'ada');
    await addPasskey(page);
    await signOut(page);
    await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: false });

    // The options say "required", so Chromium itself refuses to return an unverified assertion.
    expect(await signIn(page, 'ada')).toEqual({
      kind: 'error',
      text: 'No passkey was used: the request was cancelled or timed out, there is no passkey for this account here, or the authenticator could not verify you.',
    });

    // A page that lowers the requirement gets an assertion without UV; the server holds the stored request.
    await page.route('**/mfa/passkey/auth-options', async (route) => {
      const envelope = await (await route.fetch()).json();
      await route.fulfill({ json: { ...envelope, data: { ...envelope.data, userVerification: 'discouraged' } } });
    });
    expect(await signIn(page, 'ada')).toEqual({ kind: 'error', text: 'User verification is required. (HTTP 400, user_not_verified)' });
    expect(await signedInAs(page)).toBeUndefined();
  });

  it('is required at registration too: refused by the browser, and a downgraded request by the server', async () => {
    const server = await demo();
    const { page } = await browserPage({ hasUserVerification: false });
    await open(page, server.url);
    await createAccount(page, 'ada');
    expect(await addPasskey(page)).toEqual({
      kind: 'error',
      text: 'No passkey was created: the request was cancelled or timed out, or the authenticator could not verify you.',
    });
    await page.route('**/mfa/passkey/registration-options', async (route) => {
      const envelope = await (await route.fetch()).json();
      const authenticatorSelection = { ...envelope.data.authenticatorSelection, userVerification: 'discouraged' };
      await route.fulfill({ json: { ...envelope, data: { ...envelope.data, authenticatorSelection } } });
    });
    expect(await addPasskey(page)).toEqual({ kind: 'error', text: 'Passkey registration failed (HTTP 400, user_not_verified)' });
    expect(await listedPasskeys(page)).toEqual([]);
    expect(await server.credentials.listByUser(userHandleFromId(server.directory.accountNamed('ada')?.id ?? '-'))).toEqual([]);
  });

  it('is required on the GenAuth endpoints too', async () => {
    const server = await demo();
    const { page, cdp, authenticatorId } = await browserPage();
    await open(page, `${server.url}/genauth`);
    await createAccount(page, 'grace');
    await addPasskey(page);
    await signOut(page);
    await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: false });
    await page.route('**/api/v3/webauthn/authentication', async (route) => {
      if (route.request().method() !== 'GET') return route.continue();
      const envelope = await (await route.fetch()).json();
      const { authenticationOptions } = envelope.data;
      await route.fulfill({ json: { ...envelope, data: { ...envelope.data, authenticationOptions: { ...authenticationOptions, userVerification: 'discouraged' } } } });
    });
    expect(await signIn(page)).toEqual({ kind: 'error', text: 'The authenticator did not verify the user. (GenAuth apiCode 40031, HTTP 400)' });
  });
});

describe('a deleted passkey', () => {
  it('is refused by the GenAuth endpoints although the authenticator still offers it', async () => {
    const server = await demo();
    const { page, storedCredentials } = await browserPage();
    await open(page, `${server.url}/genauth`);
    await createAccount(page, 'grace');
    await addPasskey(page);
    await page.click('#passkeys li button');
    await page.waitForSelector('#passkeys li', { state: 'detached' });
    expect(await listedPasskeys(page)).toEqual([]);
    await signOut(page);
    expect(await storedCredentials()).toHaveLength(1);

    expect(await signIn(page)).toEqual({ kind: 'error', text: 'The credential is not registered. (GenAuth apiCode 40025, HTTP 400)' });
    expect(await signedInAs(page)).toBeUndefined();
  });

  it('is refused by the Express router when it is deleted between the options and the answer', async () => {
    const server = await demo();
    const { page } = await browserPage();
    await open(page, server.url);
    await createAccount(page, 'ada');
    await addPasskey(page);
    const [passkey] = await listedPasskeys(page);
    await signOut(page);
    await page.route('**/mfa/passkey/auth-verify', async (route) => {
      await server.credentials.delete(passkey?.id ?? '');
      await route.continue();
    });
    expect(await signIn(page, 'ada')).toEqual({ kind: 'error', text: 'This passkey is not registered. (HTTP 400, unknown_credential)' });
    expect(await signedInAs(page)).toBeUndefined();
  });
});

describe('options the browser parses', () => {
  const allTransports = [...AUTHENTICATOR_TRANSPORTS];
  const allHints = [...PUBLIC_KEY_CREDENTIAL_HINTS];
  const bytes = (fill: number, length = 32) => base64url.encode(new Uint8Array(length).fill(fill));

  it('takes request options with every transport, hint and extension (parseRequestOptionsFromJSON)', async () => {
    const server = await demo();
    const { page } = await browserPage();
    await open(page, server.url);
    const options = buildAuthenticationOptions({
      rpId: 'localhost',
      allowCredentials: [
        { id: bytes(1, 16), transports: allTransports },
        { id: bytes(2, 16), transports: ['usb', 'nfc'] },
        { id: bytes(3, 16) },
      ],
      userVerification: 'required',
      hints: allHints,
      extensions: {
        appid: 'https://localhost/appid.json',
        prf: { eval: { first: bytes(4), second: bytes(5) }, evalByCredential: { [bytes(1, 16)]: { first: bytes(6) } } },
        largeBlob: { read: true },
        getCredBlob: true,
      },
    });
    expect(options.allowCredentials?.[0]?.transports).toEqual(allTransports);
    const parsed = await page.evaluate((json) => {
      const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(json as never);
      const extensions = publicKey.extensions as Record<string, any>;
      return {
        challengeBytes: (publicKey.challenge as ArrayBuffer).byteLength,
        rpId: publicKey.rpId,
        timeout: publicKey.timeout,
        userVerification: publicKey.userVerification,
        hints: (publicKey as { hints?: string[] }).hints,
        allowCredentials: publicKey.allowCredentials?.map((descriptor) => ({
          bytes: (descriptor.id as ArrayBuffer).byteLength,
          type: descriptor.type,
          transports: descriptor.transports,
        })),
        appid: extensions.appid,
        prfFirstBytes: extensions.prf.eval.first.byteLength,
        prfByCredential: Object.keys(extensions.prf.evalByCredential),
        largeBlob: extensions.largeBlob,
        getCredBlob: extensions.getCredBlob,
      };
    }, options);
    expect(parsed).toEqual({
      challengeBytes: 32,
      rpId: 'localhost',
      timeout: 300_000,
      userVerification: 'required',
      hints: allHints,
      allowCredentials: [
        { bytes: 16, type: 'public-key', transports: allTransports },
        { bytes: 16, type: 'public-key', transports: ['usb', 'nfc'] },
        { bytes: 16, type: 'public-key' },
      ],
      appid: 'https://localhost/appid.json',
      prfFirstBytes: 32,
      prfByCredential: [bytes(1, 16)],
      largeBlob: { read: true },
      getCredBlob: true,
    });
  });

  it('takes creation options with every algorithm, transport, hint and extension (parseCreationOptionsFromJSON)', async () => {
    const server = await demo();
    const { page } = await browserPage();
    await open(page, server.url);
    const options = buildRegistrationOptions({
      rpId: 'localhost',
      rpName: 'Tessera demo',
      user: { id: bytes(7, 16), name: 'ada', displayName: 'Ada' },
      algorithms: Object.values(COSE_ALGORITHMS),
      excludeCredentials: [{ id: bytes(8, 16), transports: allTransports }],
      authenticatorSelection: { authenticatorAttachment: 'platform', residentKey: 'required', userVerification: 'required' },
      hints: allHints,
      attestation: 'direct',
      extensions: { credProps: true, prf: { eval: { first: bytes(9) } }, largeBlob: { support: 'preferred' }, credProtect: 2 } as never,
    });
    const parsed = await page.evaluate((json) => {
      const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(json as never);
      return {
        algorithms: publicKey.pubKeyCredParams.map(({ alg }) => alg),
        userIdBytes: (publicKey.user.id as ArrayBuffer).byteLength,
        excludeTransports: publicKey.excludeCredentials?.[0]?.transports,
        residentKey: publicKey.authenticatorSelection?.residentKey,
        attestation: publicKey.attestation,
        hints: (publicKey as { hints?: string[] }).hints,
        extensions: Object.keys(publicKey.extensions ?? {}).sort(),
      };
    }, options);
    expect(parsed).toEqual({
      algorithms: [...new Set(Object.values(COSE_ALGORITHMS))],
      userIdBytes: 16,
      excludeTransports: allTransports,
      residentKey: 'required',
      attestation: 'direct',
      hints: allHints,
      extensions: expect.arrayContaining(['credProps', 'largeBlob', 'prf']),
    });
  });
});

describe('a page on another origin', () => {
  /** A page on http://localhost:<another port>: same RP ID, another origin, as a phishing relay would use. */
  async function otherOrigin(): Promise<string> {
    const server = createServer((_req, res) => void res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>elsewhere</title>'));
    await new Promise<void>((resolve) => server.listen(0, 'localhost', resolve));
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    return `http://localhost:${(server.address() as AddressInfo).port}`;
  }

  async function post(url: string, body: unknown, token?: string) {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
    return { status: response.status, body: await response.json() };
  }

  /** Runs navigator.credentials.get() on `page` with the server's options and returns credential.toJSON(). */
  function assertionOn(page: AuthenticatorPage['page'], options: unknown) {
    return page.evaluate(async (json) => {
      const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(json as never);
      const credential = (await navigator.credentials.get({ publicKey })) as PublicKeyCredential;
      return credential.toJSON();
    }, options);
  }

  it('gets its assertion refused as origin_mismatch by the Express router, and the challenge is spent', async () => {
    const server = await demo();
    const { page } = await browserPage();
    await open(page, server.url);
    await createAccount(page, 'ada');
    await addPasskey(page);

    const { token } = (await post(`${server.url}/demo/sign-in`, { name: 'ada' })).body.data;
    const options = (await post(`${server.url}/mfa/passkey/auth-options`, undefined, token)).body.data;
    await page.goto(await otherOrigin());
    const credential = await assertionOn(page, options);
    expect(JSON.parse(Buffer.from(credential.response.clientDataJSON, 'base64url').toString()).origin).not.toBe(server.url);

    const reply = await post(`${server.url}/mfa/passkey/auth-verify`, { credential }, token);
    expect(reply).toEqual({ status: 400, body: { success: false, error: 'The passkey response comes from an origin this site does not accept.', code: 'origin_mismatch' } });
    expect((await post(`${server.url}/mfa/passkey/auth-verify`, { credential }, token)).body.code).toBe('ticket_not_found');
  });

  it('gets its assertion refused as origin_mismatch (40012) by the GenAuth endpoints', async () => {
    const server = await demo();
    const { page } = await browserPage();
    await open(page, `${server.url}/genauth`);
    await createAccount(page, 'grace');
    await addPasskey(page);

    const { authenticationOptions, ticket } = (await (await fetch(`${server.url}/api/v3/webauthn/authentication`)).json()).data;
    await page.goto(await otherOrigin());
    const authenticationCredential = await assertionOn(page, authenticationOptions);
    const reply = await post(`${server.url}/api/v3/webauthn/authentication`, { ticket, authenticationCredential });
    expect(reply).toMatchObject({ status: 400, body: { statusCode: 400, apiCode: 40012 } });
  });
});

describe('messages on the page', () => {
  it('says when a name is taken, unknown, or has no passkey', async () => {
    const server = await demo();
    const { page } = await browserPage();
    await open(page, server.url);
    await createAccount(page, 'ada');
    await signOut(page);
    expect(await createAccount(page, 'ADA')).toEqual({ kind: 'error', text: 'The name “ADA” is taken. Sign in, or choose another name. (HTTP 409)' });
    expect(await signIn(page, 'nobody')).toEqual({ kind: 'error', text: 'There is no account named “nobody”. Create it first. (HTTP 404)' });
    expect(await signIn(page, 'ada')).toEqual({ kind: 'error', text: '“ada” has no passkey yet. Create one first.' });
  });

  it('says when the authenticator already holds a passkey for the account', async () => {
    const server = await demo();
    const { page } = await browserPage();
    await open(page, server.url);
    await createAccount(page, 'ada');
    await addPasskey(page);
    expect(await addPasskey(page)).toEqual({
      kind: 'error',
      text: 'This authenticator already holds a passkey for this account. Use it to sign in, or use another authenticator.',
    });
  });

  it('says when the browser lacks the WebAuthn JSON methods, and disables the buttons', async () => {
    const server = await demo();
    const { page } = await browserPage();
    await page.addInitScript(() => {
      delete (PublicKeyCredential as { parseRequestOptionsFromJSON?: unknown }).parseRequestOptionsFromJSON;
    });
    await open(page, server.url);
    expect(await page.textContent('#status')).toContain('This browser lacks PublicKeyCredential.parseRequestOptionsFromJSON');
    expect(await page.locator('button:enabled').count()).toBe(0);
  });

  it('says when the server is gone', async () => {
    const server = await demo();
    const { page } = await browserPage();
    await open(page, server.url);
    await server.close();
    expect(await createAccount(page, 'ada')).toEqual({ kind: 'error', text: 'Could not reach the demo server. Is it still running?' });
  });
});

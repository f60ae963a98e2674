import { userHandleFromId } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { addPasskey, createAccount, listedPasskeys, open, removePasskey, signIn, signOut, signedInAs } from './demoPage.ts';
import { useBrowserHarness } from './e2eHarness.ts';

/**
 * The demo in headless Chromium: real pages, Chromium's own WebAuthn client and a CTAP2 virtual
 * authenticator, against the real demo server on loopback. Here: what must be refused (user verification, deleted passkeys), and what the page says.
 */

const { demo, browserPage } = useBrowserHarness();

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
    const ada = await server.directory.accountNamed('ada');
    expect(ada).toBeDefined();
    expect(await server.credentials.listByUser(userHandleFromId(ada!.id))).toEqual([]);
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
  it('is refused by the GenAuth endpoints although a browser without the Signal API still offers it', async () => {
    const server = await demo();
    const { page, storedCredentials } = await browserPage();
    // A browser from before the Signal API (Chrome < 132): the server's signals have nowhere to go.
    await page.addInitScript(() => {
      for (const method of ['signalUnknownCredential', 'signalAllAcceptedCredentials', 'signalCurrentUserDetails']) {
        delete (PublicKeyCredential as unknown as Record<string, unknown>)[method];
      }
    });
    await open(page, `${server.url}/genauth`);
    await createAccount(page, 'grace');
    await addPasskey(page);
    const [passkey] = await listedPasskeys(page);
    expect(await removePasskey(page, passkey?.id ?? '')).toEqual({
      kind: 'ok',
      text: 'Passkey removed from your account. Your authenticator still holds it (this browser cannot be told), but this site no longer accepts it.',
    });
    expect(await listedPasskeys(page)).toEqual([]);
    await signOut(page);
    expect(await storedCredentials()).toHaveLength(1);

    expect(await signIn(page)).toEqual({ kind: 'error', text: 'The credential is not registered. (GenAuth apiCode 40025, HTTP 400)' });
    expect(await signedInAs(page)).toBeUndefined();
    expect(await storedCredentials()).toHaveLength(1);
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
      await server.credentials.delete(passkey?.id ?? '', userHandleFromId((await server.directory.accountNamed('ada'))!.id));
      await route.continue();
    });
    expect(await signIn(page, 'ada')).toEqual({ kind: 'error', text: 'This passkey is not registered. (HTTP 400, unknown_credential)' });
    expect(await signedInAs(page)).toBeUndefined();
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

  it('says when the session has ended, and shows the signed-out view', async () => {
    const server = await demo();
    const { page } = await browserPage();
    await open(page, server.url);
    await createAccount(page, 'ada');
    const token = await page.evaluate(() => sessionStorage.getItem('tessera-demo-session-express'));
    server.directory.closeSession(token ?? '');
    expect(await addPasskey(page)).toEqual({
      kind: 'error',
      text: 'Your session has ended (it expired, or the demo server restarted). Sign in again.',
    });
    expect(await signedInAs(page)).toBeUndefined();
  });

  it('says to use localhost when the page is opened on another address of the same server', async () => {
    const server = await demo();
    const { page } = await browserPage();
    await open(page, server.url.replace('localhost', '127.0.0.1'));
    expect(await page.textContent('#status')).toBe(
      `Open this demo as http://localhost:${server.port}/: its passkeys belong to the RP ID “localhost”, which this address (127.0.0.1) cannot use.`,
    );
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

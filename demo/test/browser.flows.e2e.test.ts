import { COSE_ALGORITHMS, type CoseAlgorithm } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { addPasskey, createAccount, listedPasskeys, open, signIn, signOut, signedInAs } from './demoPage.ts';
import { useBrowserHarness } from './e2eHarness.ts';

/**
 * The demo in headless Chromium: real pages, Chromium's own WebAuthn client and a CTAP2 virtual
 * authenticator, against the real demo server on loopback. Here: registration and sign-in through both adapters, with each algorithm.
 */

const { demo, browserPage } = useBrowserHarness();

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

  it('signs in as the account the passkey belongs to, among several accounts with passkeys', async () => {
    const server = await demo();
    const enrol = async (name: string) => {
      const opened = await browserPage();
      await open(opened.page, `${server.url}/genauth`);
      expect((await createAccount(opened.page, name)).kind).toBe('ok');
      expect((await addPasskey(opened.page)).kind).toBe('ok');
      await signOut(opened.page);
      return opened.page;
    };
    await enrol('zed');
    const page = await enrol('grace');
    await enrol('yuri');
    expect(await signIn(page)).toEqual({ kind: 'ok', text: 'Signed in with your passkey as “grace”.' });
    expect(await signedInAs(page)).toBe('grace');
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


describe('the pages as loaded', () => {
  it.each(['/', '/genauth'])('%s loads every resource it asks for, its icon included, with no 404', async (path) => {
    const server = await demo();
    const { page } = await browserPage();
    const answers: Array<{ url: string; status: number }> = [];
    page.on('response', (response) => void answers.push({ url: new URL(response.url()).pathname, status: response.status() }));
    const failed: string[] = [];
    page.on('requestfailed', (request) => void failed.push(request.url()));
    await open(page, `${server.url}${path}`);
    // Chromium asks for the icon after the load event; wait for its answer unless it already came.
    if (!answers.some((answer) => answer.url === '/favicon.svg')) {
      await page.waitForResponse((response) => new URL(response.url()).pathname === '/favicon.svg', { timeout: 10_000 }).catch(() => undefined);
    }

    expect(answers.filter((answer) => answer.status >= 400)).toEqual([]);
    expect(failed).toEqual([]);
    expect(answers).toContainEqual({ url: '/favicon.svg', status: 200 });
  });
});

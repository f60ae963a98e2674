import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addPasskey, createAccount, listedPasskeys, open, signIn, signOut, signedInAs } from './demoPage.ts';
import { useBrowserHarness } from './e2eHarness.ts';

/**
 * The demo remembers: accounts and passkeys registered in headless Chromium survive a restart of the demo
 * server on the same PGlite directory, and the same virtual authenticators sign in with them afterwards,
 * through both pages. Sessions live in memory, so the restart signs everyone out.
 */

const { demo, browserPage, onCleanup } = useBrowserHarness();

describe('the demo on PGlite', () => {
  it('still knows accounts and passkeys after a restart, and signs in with them through both pages', { timeout: 240_000 }, async () => {
    const dataDir = join(await mkdtemp(join(tmpdir(), 'tessera-demo-')), 'data');
    onCleanup(() => rm(dataDir, { recursive: true, force: true }));
    const storage = { kind: 'pglite', dataDir } as const;

    const first = await demo({ storage });
    expect(first.storage).toBe(`PGlite at ${dataDir}`);
    // No autofill on this page: Chromium's virtual authenticator would answer the reloaded page's conditional
    // request at once, and this test is about the two-step sign-in (browser.autofill covers the autofill).
    const express = await browserPage({ conditionalMediation: false });
    await open(express.page, first.url);
    expect((await createAccount(express.page, 'ada')).kind).toBe('ok');
    expect(await addPasskey(express.page)).toEqual({ kind: 'ok', text: 'Passkey added. Sign out and sign back in with it.' });
    const [adaPasskey] = await listedPasskeys(express.page);

    const genauth = await browserPage();
    await open(genauth.page, `${first.url}/genauth`);
    expect((await createAccount(genauth.page, 'grace')).kind).toBe('ok');
    expect((await addPasskey(genauth.page)).kind).toBe('ok');
    const [gracePasskey] = await listedPasskeys(genauth.page);
    await signOut(genauth.page);

    // Restart on the same port (the same origin) and the same data directory.
    await first.close();
    const second = await demo({ storage, port: first.port });
    expect(second.url).toBe(first.url);

    // Sessions were in memory: the signed-in Express page finds itself signed out on reload.
    await open(express.page, second.url);
    expect(await signedInAs(express.page)).toBeUndefined();
    // The name is still taken, and the passkey still signs in, in two steps.
    expect(await createAccount(express.page, 'ADA')).toEqual({ kind: 'error', text: 'The name “ADA” is taken. Sign in, or choose another name. (HTTP 409)' });
    expect(await signIn(express.page, 'ada')).toEqual({ kind: 'ok', text: 'Signed in with your passkey as “ada”.' });
    expect(await listedPasskeys(express.page)).toEqual([adaPasskey]);
    const stored = await second.credentials.get(adaPasskey?.id ?? '');
    expect(stored?.signCount).toBe((await express.storedCredentials())[0]?.signCount);

    // Discoverably on the GenAuth page: the passkey's user handle finds grace's account in the table.
    await open(genauth.page, `${second.url}/genauth`);
    expect(await signIn(genauth.page)).toEqual({ kind: 'ok', text: 'Signed in with your passkey as “grace”.' });
    expect(await listedPasskeys(genauth.page)).toEqual([gracePasskey]);

    expect(first.errors).toEqual([]);
    expect(second.errors).toEqual([]);
  });
});

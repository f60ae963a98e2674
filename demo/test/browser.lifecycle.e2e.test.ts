import { userHandleFromId } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { PAGE_LOCALE, PAGE_TIME_ZONE } from './chromium.ts';
import { addPasskey, createAccount, open, passkeyRows, removePasskey, renamePasskey, settled, signIn, signOut } from './demoPage.ts';
import { useBrowserHarness, type TestDemo } from './e2eHarness.ts';

/**
 * The passkey lifecycle in headless Chromium (issue #14): the list a person reads (name, authenticator,
 * created, last used, synced), rename and delete through the management routes of each adapter, and the
 * Signal API: after a delete, and after a sign-in with a passkey the server no longer knows, Chromium's
 * virtual authenticator no longer holds the passkey (read back over the DevTools protocol,
 * `WebAuthn.getCredentials`), because the page passed the server's `signals` to
 * `PublicKeyCredential.signalAllAcceptedCredentials` / `signalUnknownCredential`.
 */

const { demo, browserPage } = useBrowserHarness();

/** A time as the page writes it in the test browser's locale and zone. */
const when = (epochMs: number) =>
  new Intl.DateTimeFormat(PAGE_LOCALE, { dateStyle: 'medium', timeStyle: 'short', timeZone: PAGE_TIME_ZONE }).format(new Date(epochMs));

async function recordOf(server: TestDemo, id: string) {
  const record = await server.credentials.get(id);
  if (record === undefined) throw new Error(`The server has no passkey ${id}.`);
  return record;
}

const BAD_NAME = 'The passkey name must be 1–64 characters, without control characters.';
const PAGES = [
  { page: 'Express router', path: '/', synced: false, signInName: 'ada', badName: `${BAD_NAME} (HTTP 400, invalid_name)` },
  { page: 'GenAuth', path: '/genauth', synced: true, signInName: undefined, badName: `${BAD_NAME} (GenAuth apiCode 40005, HTTP 400)` },
] as const;

describe.each(PAGES)('the passkey list of the $page page', ({ path, synced, signInName, badName }) => {
  it('shows name, authenticator, dates and sync; renames and deletes through the routes; the authenticator forgets a deleted passkey', async () => {
    const server = await demo();
    const { page, storedCredentialIds } = await browserPage({ synced });
    await open(page, `${server.url}${path}`);
    await createAccount(page, 'ada');
    expect(await addPasskey(page)).toEqual({ kind: 'ok', text: 'Passkey added. Sign out and sign back in with it.' });
    const [id] = await storedCredentialIds();
    const created = await recordOf(server, id ?? '');

    // Unnamed: the authenticator's name (the demo's describeAuthenticator knows Chromium's AAGUID).
    expect(await passkeyRows(page)).toEqual([
      {
        id,
        name: 'Chromium virtual authenticator',
        authenticator: 'Chromium virtual authenticator',
        created: `Created ${when(created.createdAt)}`,
        lastUsed: 'Never used',
        synced: synced ? 'Synced' : 'Not synced',
      },
    ]);

    await signOut(page);
    expect(await signIn(page, signInName)).toEqual({ kind: 'ok', text: 'Signed in with your passkey as “ada”.' });
    const used = await recordOf(server, id ?? '');
    expect(used.lastUsedAt).not.toBeNull();
    expect((await passkeyRows(page))[0]?.lastUsed).toBe(`Last used ${when(used.lastUsedAt ?? 0)}`);

    // Rename: trimmed by the server, shown at once and after a reload; the authenticator's name stays.
    expect(await renamePasskey(page, id ?? '', '  Work laptop ')).toEqual({ kind: 'ok', text: 'Passkey renamed to “Work laptop”.' });
    expect((await recordOf(server, id ?? '')).name).toBe('Work laptop');
    await open(page, `${server.url}${path}`);
    expect(await passkeyRows(page)).toEqual([expect.objectContaining({ id, name: 'Work laptop', authenticator: 'Chromium virtual authenticator' })]);
    // A blank name is refused by the server; the form stays open with what was typed, Cancel puts the name back.
    expect(await renamePasskey(page, id ?? '', '   ')).toEqual({ kind: 'error', text: badName });
    await page.click('#passkeys .rename-form button[type="button"]');
    expect((await passkeyRows(page))[0]?.name).toBe('Work laptop');
    expect((await recordOf(server, id ?? '')).name).toBe('Work laptop');

    // ATTACK (review of #14): markup in a name is text, never HTML; and a valid name of 64 code points that
    // takes 128 UTF-16 units (emoji) can be typed — the field must not cut it at 64 units.
    expect(await renamePasskey(page, id ?? '', '<img src=x onerror="document.title=1">')).toMatchObject({ kind: 'ok' });
    expect((await passkeyRows(page))[0]?.name).toBe('<img src=x onerror="document.title=1">');
    expect(await page.locator('#passkeys img:not(.passkey-icon)').count()).toBe(0);
    const keys = '🔑'.repeat(64);
    const item = page.locator(`#passkeys li[data-credential-id="${id}"]`);
    await item.locator('button.rename').click();
    await item.locator('input[name="passkey-name"]').fill('');
    await item.locator('input[name="passkey-name"]').focus();
    await page.keyboard.insertText(keys);
    expect(await item.locator('input[name="passkey-name"]').inputValue()).toBe(keys);
    await item.locator('.rename-form button[type="submit"]').click();
    await expect.poll(async () => (await recordOf(server, id ?? '')).name).toBe(keys);

    // Delete: gone from the server, from the list, and — through signalAllAcceptedCredentials — from the authenticator.
    expect(await storedCredentialIds()).toEqual([id]);
    expect(await removePasskey(page, id ?? '')).toEqual({
      kind: 'ok',
      text: 'Passkey removed. This site no longer accepts it, and your browser was told so it can stop offering it.',
    });
    expect(await passkeyRows(page)).toEqual([]);
    expect(await page.locator('#no-passkeys').isVisible()).toBe(true);
    expect(await server.credentials.get(id ?? '')).toBeUndefined();
    expect(await storedCredentialIds()).toEqual([]);
    expect(server.errors).toEqual([]);
  });
});

describe('a sign-in with a passkey the server no longer knows', () => {
  it('makes the authenticator forget it (signalUnknownCredential), from the GenAuth button, the Express autofill and the Express button', async () => {
    const server = await demo();
    const names = { 'GenAuth button': 'grace', 'Express autofill': 'linus', 'Express button': 'ada' } as const;
    for (const via of ['GenAuth button', 'Express autofill', 'Express button'] as const) {
      const { page, storedCredentialIds } = await browserPage();
      await open(page, server.url);
      const name = names[via];
      await createAccount(page, name);
      await addPasskey(page);
      await signOut(page);
      const [id] = await storedCredentialIds();
      // Deleted elsewhere (another device's list, an administrator): the server forgets it, the authenticator not yet.
      const account = await server.directory.accountNamed(name);
      const forget = async () => expect(await server.credentials.delete(id ?? '', userHandleFromId(account!.id))).toBe(true);
      if (via === 'Express button') {
        // The Express sign-in names the account first, so its options list the passkey: delete it in between.
        await page.route('**/mfa/passkey/auth-verify', async (route) => {
          await forget();
          await route.continue();
        });
      } else {
        await forget();
      }
      expect(await storedCredentialIds()).toEqual([id]);

      if (via === 'GenAuth button') {
        await open(page, `${server.url}/genauth`);
        expect(await signIn(page)).toEqual({ kind: 'error', text: 'The credential is not registered. (GenAuth apiCode 40025, HTTP 400)' });
      } else if (via === 'Express autofill') {
        await open(page, server.url); // the autofill's conditional request picks the passkey at once
        expect(await settled(page)).toEqual({ kind: 'error', text: 'The credential is not registered. (GenAuth apiCode 40025, HTTP 400)' });
      } else {
        expect(await signIn(page, name)).toEqual({ kind: 'error', text: 'This passkey is not registered. (HTTP 400, unknown_credential)' });
      }
      expect(await storedCredentialIds()).toEqual([]);
    }
    expect(server.errors).toEqual([]);
  });
});

describe('the list', () => {
  it("tells the authenticator the account's current name (signalCurrentUserDetails)", async () => {
    const server = await demo();
    const { page, cdp, authenticatorId, storedCredentials } = await browserPage();
    await open(page, server.url);
    await createAccount(page, 'ada');
    await addPasskey(page);
    // The authenticator remembers an old name (as after a rename of the account elsewhere): put the same
    // credential back with other user details.
    const [credential] = await storedCredentials();
    expect(credential).toMatchObject({ userName: 'ada', userDisplayName: 'ada' });
    await cdp.send('WebAuthn.removeCredential', { authenticatorId, credentialId: credential!.credentialId });
    await cdp.send('WebAuthn.addCredential', { authenticatorId, credential: { ...credential!, userName: 'ada.old', userDisplayName: 'Ada (old)' } });

    await open(page, server.url); // the list's answer carries currentUserDetails
    expect(await passkeyRows(page)).toHaveLength(1);
    expect(await storedCredentials()).toEqual([expect.objectContaining({ credentialId: credential!.credentialId, userName: 'ada', userDisplayName: 'ada' })]);
  });
});

describe('a passkey whose authenticator nobody can name', () => {
  it('is called "Passkey", its authenticator "Unknown authenticator"', async () => {
    const server = await demo();
    const { page } = await browserPage();
    await open(page, server.url);
    await createAccount(page, 'ada');
    await addPasskey(page);
    // As from a server without describeAuthenticator, or an AAGUID it does not know: no names in the list.
    await page.route('**/mfa/passkey/credentials', async (route) => {
      const envelope = await (await route.fetch()).json();
      const passkeys = envelope.data.passkeys.map((passkey: object) => ({ ...passkey, name: null, authenticatorName: null }));
      await route.fulfill({ json: { ...envelope, data: { passkeys } } });
    });
    await open(page, server.url);
    expect(await passkeyRows(page)).toEqual([expect.objectContaining({ name: 'Passkey', authenticator: 'Unknown authenticator' })]);
  });
});

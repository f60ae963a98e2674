import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { addPasskey, autofillState, createAccount, open, settled, signIn, signOut, signedInAs } from './demoPage.ts';
import { useBrowserHarness } from './e2eHarness.ts';

/**
 * Passkeys in the sign-in field's autofill (conditional mediation, WebAuthn L3 §5.1.4) on the Express page,
 * in headless Chromium with a CTAP2 virtual authenticator.
 *
 * What Chromium's virtual environment does (checked on Chromium 156, DevTools WebAuthn domain with
 * `enableUI: false`): `isConditionalMediationAvailable()` is true; there is no autofill dropdown, so a
 * conditional request is answered at once with the authenticator's passkey for the site (as if the person
 * picked it), or refused at once with NotAllowedError when it holds none (a real browser would keep
 * waiting); with presence simulation off the request stays pending until aborted. The tests use exactly
 * that: "picked" is a reload with a passkey on the authenticator, "ignored" is presence off.
 */

const { demo, browserPage } = useBrowserHarness();

/** Records, in the page, every navigator.credentials.get() call and every unhandled rejection. */
async function observeCeremonies(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const record = window as unknown as { gets: unknown[]; unhandled: string[] };
    record.gets = [];
    record.unhandled = [];
    window.addEventListener('unhandledrejection', (event) => void record.unhandled.push(String(event.reason)));
    const get = navigator.credentials.get.bind(navigator.credentials);
    navigator.credentials.get = (options) => {
      record.gets.push({
        mediation: options?.mediation ?? 'optional',
        allowCredentials: options?.publicKey?.allowCredentials?.length ?? 0,
        abortable: options?.signal !== undefined,
      });
      return get(options);
    };
  });
}

async function ceremonies(page: Page): Promise<{ gets: unknown[]; unhandled: string[] }> {
  return page.evaluate(() => {
    const { gets, unhandled } = window as unknown as { gets: unknown[]; unhandled: string[] };
    return { gets, unhandled };
  });
}

describe('the sign-in field of the Express page', () => {
  it('offers the passkey in autofill: picking it signs in, with no name typed and a discoverable request', async () => {
    const server = await demo();
    const { page } = await browserPage();
    await observeCeremonies(page);
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => void pageErrors.push(error.message));

    await open(page, server.url);
    expect(await page.getAttribute('#sign-in-name', 'autocomplete')).toBe('username webauthn');
    // No passkey for this site yet: Chromium ends the conditional request at once; the page says nothing.
    expect(await autofillState(page)).toBe('ended');
    expect(await page.textContent('#status')).toBe('');
    await createAccount(page, 'ada');
    await addPasskey(page);
    await signOut(page);

    // The next visit: the page starts the conditional request on load, and Chromium answers it with the passkey.
    const options = page.waitForResponse((response) => response.url().endsWith('/api/v3/webauthn/authentication') && response.request().method() === 'GET');
    await open(page, server.url);
    expect(await settled(page)).toEqual({ kind: 'ok', text: 'Signed in with your passkey as “ada”.' });
    expect(await signedInAs(page)).toBe('ada');
    expect(await page.inputValue('#sign-in-name')).toBe('');
    expect((await (await options).json()).data.authenticationOptions).toMatchObject({ allowCredentials: [], rpId: 'localhost', userVerification: 'required' });
    expect(await ceremonies(page)).toEqual({ gets: [{ mediation: 'conditional', allowCredentials: 0, abortable: true }], unhandled: [] });
    expect(await page.getAttribute('#sign-in-name', 'data-autofill')).toBe('used');
    expect(pageErrors).toEqual([]);
    expect(server.errors).toEqual([]);
  });

  it('aborts the pending autofill request when the button is used: one ceremony, no unhandled rejection', async () => {
    const server = await demo();
    const { page, cdp, authenticatorId } = await browserPage();
    await observeCeremonies(page);
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => void pageErrors.push(error.message));
    await open(page, server.url);
    await createAccount(page, 'ada');
    await addPasskey(page);
    await signOut(page);

    // The person does not pick the suggestion: with presence off the conditional request stays pending.
    await cdp.send('WebAuthn.setAutomaticPresenceSimulation', { authenticatorId, enabled: false });
    await open(page, server.url);
    expect(await autofillState(page)).toBe('waiting');
    await cdp.send('WebAuthn.setAutomaticPresenceSimulation', { authenticatorId, enabled: true });

    const posted: string[] = [];
    page.on('request', (request) => void (request.method() === 'POST' && posted.push(new URL(request.url()).pathname)));
    expect(await signIn(page, 'ada')).toEqual({ kind: 'ok', text: 'Signed in with your passkey as “ada”.' });
    expect(await page.getAttribute('#sign-in-name', 'data-autofill')).toBe('aborted');
    // The conditional request, then the button's own (allowCredentials from the name): never two at once,
    // which Chromium would refuse with "A request is already pending".
    expect(await ceremonies(page)).toEqual({
      gets: [
        { mediation: 'conditional', allowCredentials: 0, abortable: true },
        { mediation: 'optional', allowCredentials: 1, abortable: false },
      ],
      unhandled: [],
    });
    expect(posted).toEqual(['/demo/sign-in', '/mfa/passkey/auth-options', '/mfa/passkey/auth-verify']);
    expect(pageErrors).toEqual([]);
    expect(server.errors).toEqual([]);
  });

  it('renews the pending autofill request when its ceremony times out, and the button still works after', async () => {
    const server = await demo({ timeout: 2_000 });
    const { page, cdp, authenticatorId } = await browserPage();
    await observeCeremonies(page);
    await open(page, server.url);
    await createAccount(page, 'ada');
    await addPasskey(page);
    await signOut(page);

    await cdp.send('WebAuthn.setAutomaticPresenceSimulation', { authenticatorId, enabled: false });
    const optionsFetched: number[] = [];
    page.on('request', (request) => void (request.url().endsWith('/api/v3/webauthn/authentication') && request.method() === 'GET' && optionsFetched.push(Date.now())));
    await open(page, server.url);
    expect(await autofillState(page)).toBe('waiting');
    // After the 2 s timeout the page aborts the request and starts a fresh one with new options.
    await page.waitForFunction(() => (window as unknown as { gets: unknown[] }).gets.length >= 2, undefined, { timeout: 10_000 });
    expect(await autofillState(page)).toBe('waiting');
    // (A slow machine may be at its third request by now: every one is conditional, each with fresh options.)
    const { gets } = await ceremonies(page);
    expect(gets).toEqual(gets.map(() => ({ mediation: 'conditional', allowCredentials: 0, abortable: true })));
    expect(optionsFetched.length).toBeGreaterThanOrEqual(gets.length);

    // The button still works after a renewal (the renewed request is aborted first).
    await cdp.send('WebAuthn.setAutomaticPresenceSimulation', { authenticatorId, enabled: true });
    expect(await signIn(page, 'ada')).toEqual({ kind: 'ok', text: 'Signed in with your passkey as “ada”.' });
    expect((await ceremonies(page)).unhandled).toEqual([]);
    expect(server.errors).toEqual([]);
  });

  it('starts no conditional request in a browser without conditional mediation', async () => {
    const server = await demo();
    const { page } = await browserPage({ conditionalMediation: false });
    const asked: string[] = [];
    page.on('request', (request) => void asked.push(new URL(request.url()).pathname));
    await open(page, server.url);
    expect(await autofillState(page)).toBe('unavailable');
    expect(asked).not.toContain('/api/v3/webauthn/authentication');
    expect(await page.textContent('#status')).toBe('');
  });
});

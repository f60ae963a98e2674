import type { Page } from 'playwright-core';

/** What a person does on a demo page, and what the page then says. */

/** The page's status line once the current action has finished: its kind (`ok` or `error`) and text. */
export interface Status {
  kind: string;
  text: string;
}

/** Opens a demo page (`/` or `/genauth`) and waits until its script is ready. */
export async function open(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]');
}

/** Waits for the status line to show a finished action (not `busy`) and returns it. */
export async function settled(page: Page): Promise<Status> {
  const status = page.locator('#status');
  await page.waitForFunction(() => {
    const element = document.querySelector('#status') as HTMLElement | null;
    return element !== null && element.dataset.kind !== undefined && element.dataset.kind !== 'busy';
  });
  return { kind: (await status.getAttribute('data-kind')) ?? '', text: (await status.textContent()) ?? '' };
}

/** Clears the status line, clicks, and returns the status the action leaves. */
async function clickAndSettle(page: Page, selector: string): Promise<Status> {
  await page.evaluate(() => {
    const element = document.querySelector('#status') as HTMLElement | null;
    if (element !== null) delete element.dataset.kind;
  });
  await page.click(selector);
  return settled(page);
}

/** Types a name into "Create an account" and submits. */
export async function createAccount(page: Page, name: string): Promise<Status> {
  await page.fill('#new-name', name);
  return clickAndSettle(page, '#create-account button[type="submit"]');
}

/** Clicks "Add a passkey". */
export async function addPasskey(page: Page): Promise<Status> {
  return clickAndSettle(page, '#add-passkey');
}

/** Clicks "Sign out". */
export async function signOut(page: Page): Promise<Status> {
  return clickAndSettle(page, '#sign-out');
}

/** Signs in: on the Express page with the account name, on the GenAuth page with no name at all. */
export async function signIn(page: Page, name?: string): Promise<Status> {
  if (name !== undefined) await page.fill('#sign-in-name', name);
  return clickAndSettle(page, '#sign-in button[type="submit"]');
}

/** The passkeys the signed-in view lists: credential id and algorithm name. */
export async function listedPasskeys(page: Page): Promise<Array<{ id: string; algorithm: string }>> {
  return page.$$eval('#passkeys li', (items) =>
    items.map((item) => ({ id: (item as HTMLElement).dataset.credentialId ?? '', algorithm: (item as HTMLElement).dataset.algorithm ?? '' })),
  );
}

/** Whether the signed-in view shows, and for whom. */
export async function signedInAs(page: Page): Promise<string | undefined> {
  if (await page.locator('#signed-in').isHidden()) return undefined;
  return (await page.locator('#who').textContent()) ?? undefined;
}

/** Where the sign-in field's autofill request is (its `data-autofill`, see public/autofill.js), once it left `starting`. */
export async function autofillState(page: Page): Promise<string> {
  const handle = await page.waitForFunction(() => {
    const state = (document.querySelector('#sign-in-name') as HTMLElement | null)?.dataset.autofill;
    return state !== undefined && state !== 'starting' ? state : undefined;
  });
  return (await handle.jsonValue()) as string;
}

/** One passkey of the signed-in view, as a person reads it. */
export interface PasskeyRow {
  id: string;
  name: string;
  authenticator: string;
  created: string;
  lastUsed: string;
  synced: string;
}

/** The passkeys the signed-in view lists, as a person reads them. */
export async function passkeyRows(page: Page): Promise<PasskeyRow[]> {
  return page.$$eval('#passkeys li', (items) =>
    items.map((item) => {
      const text = (selector: string) => item.querySelector(selector)?.textContent ?? '';
      return {
        id: (item as HTMLElement).dataset.credentialId ?? '',
        name: text('.passkey-name'),
        authenticator: text('.authenticator'),
        created: text('.created'),
        lastUsed: text('.last-used'),
        synced: text('.synced'),
      };
    }),
  );
}

/** Clicks Rename on the passkey with this id, types the name, clicks Save. */
export async function renamePasskey(page: Page, id: string, name: string): Promise<Status> {
  const item = page.locator(`#passkeys li[data-credential-id="${id}"]`);
  await item.locator('button.rename').click();
  await item.locator('input[name="passkey-name"]').fill(name);
  return clickAndSettle(page, `#passkeys li[data-credential-id="${id}"] .rename-form button[type="submit"]`);
}

/** Clicks Remove on the passkey with this id. */
export async function removePasskey(page: Page, id: string): Promise<Status> {
  return clickAndSettle(page, `#passkeys li[data-credential-id="${id}"] button.remove`);
}

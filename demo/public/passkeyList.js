// One passkey in the signed-in view, as the management routes list it ({ id, name, authenticatorName, icon?,
// createdAt, lastUsedAt, synced, transports, algorithm }): its name (editable), the authenticator's name,
// when it was created and last used, and whether it is synced (the BS flag, WebAuthn L3 §6.3.3). Only DOM
// here; what Rename and Remove do is the caller's.

/** Dates as the reader's browser writes them ("5 Dec 2026, 21:40" in en-GB). */
const WHEN = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/**
 * A time from the server (epoch milliseconds) in the reader's locale and time zone.
 * @param {number} epochMs
 * @returns {string}
 */
export function formatWhen(epochMs) {
  return WHEN.format(new Date(epochMs));
}

/**
 * The name a person reads for a passkey: their own label, else the authenticator's name (the server's `name`
 * already falls back to it), else "Passkey".
 * @param {{ name: string | null, authenticatorName: string | null }} passkey
 * @returns {string}
 */
export function passkeyTitle(passkey) {
  return passkey.name ?? passkey.authenticatorName ?? 'Passkey';
}

/**
 * The list item of one passkey.
 * @param {object} passkey - an item of the management routes' list
 * @param {{ rename(name: string): void, remove(): void }} actions - run when the person saves a new name, or removes it
 * @returns {HTMLLIElement}
 */
export function passkeyListItem(passkey, actions) {
  const item = element('li', { className: 'passkey' });
  item.dataset.credentialId = passkey.id;
  item.dataset.algorithm = passkey.algorithm ?? '';

  const title = element('strong', { className: 'passkey-name', textContent: passkeyTitle(passkey) });
  title.title = passkey.id;
  const rename = element('button', { type: 'button', className: 'secondary rename', textContent: 'Rename' });
  const remove = element('button', { type: 'button', className: 'secondary remove', textContent: 'Remove' });
  rename.setAttribute('aria-label', `Rename ${passkeyTitle(passkey)}`);
  remove.setAttribute('aria-label', `Remove ${passkeyTitle(passkey)}`);
  const head = element('div', { className: 'passkey-head' });
  if (passkey.icon !== undefined) head.append(element('img', { className: 'passkey-icon', src: passkey.icon, alt: '' }));
  head.append(title, ' ', rename, ' ', remove);

  const details = element('div', { className: 'passkey-details' });
  details.append(
    element('span', { className: 'authenticator', textContent: passkey.authenticatorName ?? 'Unknown authenticator' }),
    ' · ',
    element('span', { className: 'created', textContent: `Created ${formatWhen(passkey.createdAt)}` }),
    ' · ',
    element('span', { className: 'last-used', textContent: passkey.lastUsedAt === null ? 'Never used' : `Last used ${formatWhen(passkey.lastUsedAt)}` }),
    ' · ',
    element('span', { className: 'synced', textContent: passkey.synced ? 'Synced' : 'Not synced' }),
  );
  const technical = [passkey.algorithm, ...passkey.transports].filter((part) => part !== null && part !== undefined).join(', ');
  if (technical !== '') details.append(' · ', element('small', { className: 'technical', textContent: technical }));

  rename.addEventListener('click', () => head.replaceWith(renameForm(passkey, head, actions)));
  remove.addEventListener('click', () => actions.remove());
  item.append(head, details);
  return item;
}

/** The inline form that replaces the name while it is edited: Save sends it, Cancel puts the name back. */
function renameForm(passkey, head, actions) {
  const form = element('form', { className: 'rename-form' });
  // maxlength counts UTF-16 code units, the server's 64 counts code points (an emoji is two units): 128 lets
  // every valid name be typed, and the server still refuses a longer one.
  const input = element('input', { name: 'passkey-name', maxLength: 128, required: true, value: passkey.name ?? '' });
  input.setAttribute('aria-label', 'Passkey name');
  input.autocomplete = 'off';
  const save = element('button', { type: 'submit', textContent: 'Save' });
  const cancel = element('button', { type: 'button', className: 'secondary', textContent: 'Cancel' });
  cancel.addEventListener('click', () => form.replaceWith(head));
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') form.replaceWith(head);
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    actions.rename(input.value);
  });
  form.append(input, ' ', save, ' ', cancel);
  queueMicrotask(() => input.focus());
  return form;
}

function element(tag, properties) {
  return Object.assign(document.createElement(tag), properties);
}

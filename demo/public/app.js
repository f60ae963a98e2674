// The demo page: create an account, add passkeys, sign in with one. <body data-flow> picks the endpoints:
// "express" uses @tessera/adapter-express (/mfa/passkey/*), "genauth" uses @tessera/adapter-genauth
// (/api/v3/webauthn/*). Both share the demo's account endpoints (/demo/*) and the server's stores.
import { call } from './api.js';
import { offerPasskeysInAutofill } from './autofill.js';
import { passkeyListItem, passkeyTitle } from './passkeyList.js';
import { DemoError, createPasskey, unsupportedReason, usePasskey } from './passkeys.js';

const flow = document.body.dataset.flow;
const sessionKey = `tessera-demo-session-${flow}`;
const $ = (selector) => document.querySelector(selector);
/** The pending autofill request (see autofill.js), stopped before any other action. */
let autofill = { stop: async () => undefined };

/**
 * The discoverable sign-in (options with an empty allowCredentials, and a ticket): GenAuth's endpoints, behind
 * the GenAuth page's button and the Express page's autofill (the Express router signs in only a caller who
 * has already given a name, so a passkey picked in the name field goes here).
 */
const discoverableSignIn = {
  async begin() {
    const { authenticationOptions, ticket } = await call('GET', '/api/v3/webauthn/authentication');
    return { optionsJSON: authenticationOptions, context: ticket };
  },
  /** Finishes with the picked passkey; the server's answer names the account and opens its session. */
  async finish(authenticationCredential, ticket) {
    const { tokenSet } = await call('POST', '/api/v3/webauthn/authentication', { body: { ticket, authenticationCredential } });
    return tokenSet.access_token;
  },
};

/** Each page's way through the adapter it demonstrates. */
const flows = {
  express: {
    /** Registration: creation options, the new credential, and its challenge back (Flashback API). */
    async addPasskey(token) {
      const options = await call('POST', '/mfa/passkey/registration-options', { token });
      const credential = await createPasskey(options);
      await call('POST', '/mfa/passkey/complete-registration', { token, body: { credential, challenge: options.challenge } });
    },
    /** Two steps: the account name opens a pending session, the passkey completes it. */
    async signIn() {
      const name = $('#sign-in-name').value;
      const { token } = await call('POST', '/demo/sign-in', { body: { name } });
      const options = await call('POST', '/mfa/passkey/auth-options', { token });
      if (options.allowCredentials.length === 0) throw new DemoError(`“${name}” has no passkey yet. Create one first.`);
      const credential = await usePasskey(options);
      await call('POST', '/mfa/passkey/auth-verify', { token, body: { credential } });
      return token; // the server marked this session signed in (onAuthenticated)
    },
    /** The router's management routes: list, rename (PATCH { name }) and delete, each owner-checked. */
    passkeys: managementRoutes('/mfa/passkey/credentials'),
  },
  genauth: {
    /** Registration: options and a ticket; the ticket comes back with the new credential. */
    async addPasskey(token) {
      const { registrationOptions, ticket } = await call('GET', '/api/v3/webauthn/registration', { token });
      const registrationCredential = await createPasskey(registrationOptions);
      await call('POST', '/api/v3/webauthn/registration', { token, body: { ticket, registrationCredential } });
    },
    /** Discoverable sign-in: no name and no allowCredentials; the passkey's user handle says who it is. */
    async signIn() {
      const { optionsJSON, context } = await discoverableSignIn.begin();
      return discoverableSignIn.finish(await usePasskey(optionsJSON), context);
    },
    /** The handler's management routes, in its envelope. */
    passkeys: managementRoutes('/api/v3/webauthn/credentials'),
  },
};

/**
 * List, rename and delete under one collection path. Each answer's `signals` reach the browser in call():
 * the list's `allAcceptedCredentials` and `currentUserDetails`, the delete's `allAcceptedCredentials`.
 * @param {string} collection
 */
function managementRoutes(collection) {
  const item = (id) => `${collection}/${encodeURIComponent(id)}`;
  return {
    /** @returns {Promise<object[]>} the passkeys, oldest first */
    list: async (token) => (await call('GET', collection, { token })).passkeys,
    /** @returns {Promise<object>} the passkey as now stored */
    rename: async (token, id, name) => (await call('PATCH', item(id), { token, body: { name } })).passkey,
    remove: (token, id) => call('DELETE', item(id), { token }),
  };
}


function show(kind, text) {
  const status = $('#status');
  status.dataset.kind = kind;
  status.textContent = text;
}

/** Runs one user action: disables the buttons meanwhile and turns every failure into a message. */
async function act(busyText, action) {
  const buttons = [...document.querySelectorAll('button')];
  buttons.forEach((button) => (button.disabled = true));
  show('busy', busyText);
  try {
    await autofill.stop(); // one ceremony at a time: the browser refuses a second while one is pending
    const done = await action();
    if (done !== undefined) show('ok', done);
  } catch (error) {
    show('error', error instanceof DemoError ? error.message : `Something went wrong: ${error?.message ?? error}`);
  } finally {
    buttons.forEach((button) => (button.disabled = false));
  }
}

/**
 * Shows the signed-in view with the account's passkeys, or the signed-out forms.
 * @returns {Promise<string | undefined>} the signed-in account's name
 * @throws {DemoError} when the server cannot say (the view is left as it was)
 */
async function render() {
  const token = sessionStorage.getItem(sessionKey);
  let me;
  if (token !== null) {
    try {
      me = await call('GET', '/demo/me', { token });
    } catch (error) {
      if (error?.status !== 401) throw error;
      sessionStorage.removeItem(sessionKey); // expired, or the server restarted
    }
  }
  $('#signed-out').hidden = me !== undefined;
  $('#signed-in').hidden = me === undefined;
  if (me === undefined) return undefined;
  $('#who').textContent = me.name;
  const passkeys = await flows[flow].passkeys.list(token);
  $('#no-passkeys').hidden = passkeys.length > 0;
  $('#passkeys').replaceChildren(...passkeys.map((passkey) => passkeyListItem(passkey, passkeyActions(passkey))));
  return me.name;
}

/** Runs a signed-in action; when the session turns out to be gone (401), shows the signed-out view. */
async function signedIn(action) {
  try {
    return await action(sessionStorage.getItem(sessionKey));
  } catch (error) {
    if (error?.status === 401) {
      sessionStorage.removeItem(sessionKey);
      await render();
      throw new DemoError('Your session has ended (it expired, or the demo server restarted). Sign in again.');
    }
    throw error;
  }
}

/** What Rename and Remove do for one listed passkey: the management routes, then the list again. */
function passkeyActions(passkey) {
  const routes = flows[flow].passkeys;
  return {
    rename: (name) =>
      act('Renaming the passkey…', async () => {
        const renamed = await signedIn((token) => routes.rename(token, passkey.id, name));
        await render();
        return `Passkey renamed to “${passkeyTitle(renamed)}”.`;
      }),
    remove: () =>
      act('Removing the passkey…', async () => {
        await signedIn((token) => routes.remove(token, passkey.id));
        await render();
        return typeof PublicKeyCredential.signalAllAcceptedCredentials === 'function'
          ? 'Passkey removed. This site no longer accepts it, and your browser was told so it can stop offering it.'
          : 'Passkey removed from your account. Your authenticator still holds it (this browser cannot be told), but this site no longer accepts it.';
      }),
  };
}

$('#create-account').addEventListener('submit', (event) => {
  event.preventDefault();
  act('Creating your account…', async () => {
    const { token, name } = await call('POST', '/demo/accounts', { body: { name: $('#new-name').value } });
    sessionStorage.setItem(sessionKey, token);
    await render();
    return `Account “${name}” created. Now add a passkey to it.`;
  });
});

$('#sign-in').addEventListener('submit', (event) => {
  event.preventDefault();
  act('Waiting for your passkey…', async () => {
    const token = await flows[flow].signIn();
    sessionStorage.setItem(sessionKey, token);
    const name = await render();
    if (name === undefined) throw new DemoError('The passkey was accepted, but the server did not keep the session. Try again.');
    return `Signed in with your passkey as “${name}”.`;
  });
});

$('#add-passkey').addEventListener('click', () =>
  act('Waiting for your authenticator to create a passkey…', async () => {
    await signedIn((token) => flows[flow].addPasskey(token));
    await render();
    return 'Passkey added. Sign out and sign back in with it.';
  }),
);

$('#sign-out').addEventListener('click', () =>
  act('Signing out…', async () => {
    await call('POST', '/demo/sign-out', { token: sessionStorage.getItem(sessionKey) });
    sessionStorage.removeItem(sessionKey);
    await render();
    return 'Signed out.';
  }),
);

// The relying party's ID is "localhost", so the browser only runs its ceremonies on a localhost origin.
const problem =
  location.hostname === 'localhost'
    ? unsupportedReason()
    : `Open this demo as http://localhost:${location.port || '80'}${location.pathname}: its passkeys belong to the RP ID “localhost”, which this address (${location.hostname}) cannot use.`;
if (problem !== undefined) {
  show('error', problem);
  document.querySelectorAll('button').forEach((button) => (button.disabled = true));
} else {
  const signedInName = await render().catch((error) => (show('error', error.message), null));
  // Signed out, on a page whose sign-in field asks for it: offer the passkeys in the field's autofill.
  const field = document.querySelector('input[autocomplete~="webauthn"]');
  if (signedInName === undefined && field !== null) {
    autofill = offerPasskeysInAutofill(field, {
      begin: discoverableSignIn.begin,
      onPasskey: (credential, ticket) =>
        act('Signing in with the passkey you picked…', async () => {
          sessionStorage.setItem(sessionKey, await discoverableSignIn.finish(credential, ticket));
          const name = await render();
          if (name === undefined) throw new DemoError('The passkey was accepted, but the server did not keep the session. Try again.');
          return `Signed in with your passkey as “${name}”.`;
        }),
    });
  }
}
document.body.dataset.ready = 'true';

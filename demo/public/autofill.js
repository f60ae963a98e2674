// Passkeys in the sign-in field's autofill: a conditional request (WebAuthn L3 §5.1.4, `mediation:
// 'conditional'`, CredMan "conditional" mediation) started when the signed-out page loads. The browser
// answers it only when the person picks a passkey from the suggestions of an <input autocomplete="username
// webauthn">; until then it stays pending, and the page must abort it before any other ceremony (a second
// navigator.credentials call while one is pending fails with "A request is already pending").
//
// The field's data-autofill attribute says where the request is, for people reading the DOM and for the
// end-to-end tests: "starting", "waiting" (pending in the browser), "used" (a passkey was picked),
// "aborted" (the page stopped it), "ended" (the browser refused or ended it), "unavailable" (no conditional
// mediation in this browser), "failed" (the server's options could not be had).

/**
 * Whether this browser offers passkeys in autofill (WebAuthn L3 §5.1.7,
 * PublicKeyCredential.isConditionalMediationAvailable()).
 * @returns {Promise<boolean>}
 */
export async function autofillAvailable() {
  if (typeof PublicKeyCredential?.isConditionalMediationAvailable !== 'function') return false;
  try {
    return (await PublicKeyCredential.isConditionalMediationAvailable()) === true;
  } catch {
    return false;
  }
}

/**
 * Starts a conditional (autofill) passkey request for `input`, which must carry `autocomplete="… webauthn"`.
 *
 * The request is discoverable: `begin()` fetches options with an empty allowCredentials, and the picked
 * passkey's user handle says whose it is. It is renewed (fresh options) each time the options' `timeout`
 * passes, since the server's ceremony expires then. Failures of the request itself are never shown: a conditional
 * request that ends without a passkey (the browser has none for this site, the person ignored it, the page
 * aborted it) is the normal case, and the button still works.
 *
 * @param {HTMLInputElement} input - the sign-in field
 * @param {object} handlers
 * @param {() => Promise<{ optionsJSON: object, context: unknown }>} handlers.begin - the server's
 *   PublicKeyCredentialRequestOptionsJSON for a discoverable sign-in, and what finishing it needs (a ticket)
 * @param {(credentialJSON: object, context: unknown) => void} handlers.onPasskey - called once, with the
 *   AuthenticationResponseJSON, when the person picked a passkey
 * @returns {{ stop(): Promise<void> }} `stop()` aborts the request (if still pending) and resolves once the
 *   browser has let go of it, so the next ceremony can start
 */
export function offerPasskeysInAutofill(input, { begin, onPasskey }) {
  const controller = new AbortController();
  const state = (name) => (input.dataset.autofill = name);
  state('starting');

  // Settles (never rejects) when the request is over: with the picked credential, or with null.
  const request = (async () => {
    if (!(await autofillAvailable())) return state('unavailable'), null;
    for (;;) {
      let started;
      try {
        started = await begin();
      } catch {
        return state('failed'), null;
      }
      if (controller.signal.aborted) return state('aborted'), null;
      let publicKey;
      try {
        publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(started.optionsJSON);
      } catch {
        return state('failed'), null;
      }
      // A conditional request waits as long as the page stays open, but the server forgets its ceremony after
      // the options' timeout: renew it then, so a passkey picked an hour later still signs in.
      const renewal = new AbortController();
      const timeout = started.optionsJSON.timeout;
      const timer = typeof timeout === 'number' && timeout > 0 ? setTimeout(() => renewal.abort(), timeout) : undefined;
      state('waiting');
      try {
        const signal = AbortSignal.any([controller.signal, renewal.signal]);
        const credential = await navigator.credentials.get({ mediation: 'conditional', publicKey, signal });
        if (credential === null) return state('ended'), null;
        state('used');
        return { credentialJSON: credential.toJSON(), context: started.context };
      } catch (error) {
        if (renewal.signal.aborted && !controller.signal.aborted) continue;
        return state(error?.name === 'AbortError' ? 'aborted' : 'ended'), null;
      } finally {
        clearTimeout(timer);
      }
    }
  })();

  // Outside `request`, so that onPasskey may itself call stop() without waiting on itself.
  void request.then((picked) => {
    if (picked !== null) onPasskey(picked.credentialJSON, picked.context);
  });

  return {
    async stop() {
      controller.abort();
      await request;
    },
  };
}

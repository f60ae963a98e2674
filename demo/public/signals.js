// The browser half of the Signal API (WebAuthn L3 §5.1.10). The server puts the exact dictionaries in a
// `signals` member of its answers; the page hands each one, unchanged, to the PublicKeyCredential method of
// the same name, so the person's passkey provider drops a deleted or unknown passkey and shows their current
// name. Signals are advice: a browser without the methods, or one that refuses a signal, changes nothing on
// the page.

/** Each member of a `signals` object, and the browser method that takes it. */
const METHODS = {
  unknownCredential: 'signalUnknownCredential',
  allAcceptedCredentials: 'signalAllAcceptedCredentials',
  currentUserDetails: 'signalCurrentUserDetails',
};

/**
 * Passes the server's signals to the browser: `unknownCredential` to
 * `PublicKeyCredential.signalUnknownCredential()`, `allAcceptedCredentials` to
 * `signalAllAcceptedCredentials()`, `currentUserDetails` to `signalCurrentUserDetails()`.
 *
 * @param {unknown} signals - the `signals` member of an answer (anything else is ignored)
 * @returns {Promise<string[]>} the members the browser accepted, in the order above
 */
export async function emitSignals(signals) {
  if (typeof signals !== 'object' || signals === null || typeof window.PublicKeyCredential !== 'function') return [];
  const accepted = [];
  for (const [member, method] of Object.entries(METHODS)) {
    const options = signals[member];
    if (options === undefined || typeof PublicKeyCredential[method] !== 'function') continue;
    try {
      await PublicKeyCredential[method](options);
      accepted.push(member);
    } catch (error) {
      // A SecurityError (wrong RP ID) or a TypeError (bad id) is the server's bug: worth a line in the console.
      console.warn(`PublicKeyCredential.${method} refused the server's signal:`, error);
    }
  }
  return accepted;
}

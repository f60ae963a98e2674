// The browser half of a WebAuthn ceremony, with the platform's own JSON codecs: the server's options go
// through PublicKeyCredential.parseCreationOptionsFromJSON / parseRequestOptionsFromJSON (WebAuthn L3
// §5.1.8, §5.1.9), and the credential comes back as credential.toJSON() (§5.1), exactly what the server's
// verifiers take. No base64url code of our own, no library.

/**
 * Why this browser cannot run the demo, or undefined when it can.
 * @returns {string | undefined}
 */
export function unsupportedReason() {
  if (!window.isSecureContext) {
    return 'Passkeys need a secure context. Open this page as http://localhost:<port> (or over https), not by IP address or another host name.';
  }
  if (typeof window.PublicKeyCredential !== 'function') {
    return 'This browser does not support passkeys (WebAuthn). Try a current Chrome, Edge, Safari or Firefox.';
  }
  if (typeof PublicKeyCredential.parseRequestOptionsFromJSON !== 'function' || typeof PublicKeyCredential.parseCreationOptionsFromJSON !== 'function') {
    return 'This browser lacks PublicKeyCredential.parseRequestOptionsFromJSON, which the demo uses. Update to Chrome or Edge 129+, Firefox 119+ or Safari 18.4+.';
  }
  return undefined;
}

/**
 * Creates a passkey from the server's PublicKeyCredentialCreationOptionsJSON.
 * @param {object} optionsJSON
 * @returns {Promise<object>} RegistrationResponseJSON
 */
export async function createPasskey(optionsJSON) {
  const publicKey = parse(() => PublicKeyCredential.parseCreationOptionsFromJSON(optionsJSON));
  const credential = await ceremony(() => navigator.credentials.create({ publicKey }), 'create');
  return credential.toJSON();
}

/**
 * Signs the server's challenge with a passkey, from its PublicKeyCredentialRequestOptionsJSON.
 * @param {object} optionsJSON
 * @returns {Promise<object>} AuthenticationResponseJSON
 */
export async function usePasskey(optionsJSON) {
  const publicKey = parse(() => PublicKeyCredential.parseRequestOptionsFromJSON(optionsJSON));
  const credential = await ceremony(() => navigator.credentials.get({ publicKey }), 'get');
  return credential.toJSON();
}

/** A failure with a sentence fit for the page. */
export class DemoError extends Error {
  /**
   * @param {string} message
   * @param {number} [status] - the HTTP status, when the server answered
   */
  constructor(message, status) {
    super(message);
    this.name = 'DemoError';
    this.status = status;
  }
}

function parse(parseOptions) {
  try {
    return parseOptions();
  } catch (error) {
    throw new DemoError(`The browser refused the server's options: ${error.message}`);
  }
}

async function ceremony(run, kind) {
  let credential;
  try {
    credential = await run();
  } catch (error) {
    throw new DemoError(explainBrowserError(error, kind));
  }
  if (credential === null) throw new DemoError('The browser returned no passkey. Try again.');
  return credential;
}

/**
 * A sentence for each way navigator.credentials.create() / get() fails (WebAuthn L3 §5.1.3, §5.1.4).
 * @param {unknown} error
 * @param {'create' | 'get'} kind
 */
function explainBrowserError(error, kind) {
  switch (error?.name) {
    case 'NotAllowedError':
      return kind === 'create'
        ? 'No passkey was created: the request was cancelled or timed out, or the authenticator could not verify you.'
        : 'No passkey was used: the request was cancelled or timed out, there is no passkey for this account here, or the authenticator could not verify you.';
    case 'InvalidStateError':
      return 'This authenticator already holds a passkey for this account. Use it to sign in, or use another authenticator.';
    case 'NotSupportedError':
      return 'This authenticator supports none of the algorithms this site accepts.';
    case 'ConstraintError':
      return 'This authenticator cannot do what this site requires (user verification, or a passkey that works without typing a name).';
    case 'SecurityError':
      return 'The browser refused: this page’s address may not use passkeys for this site.';
    case 'AbortError':
      return 'The passkey request was aborted.';
    default:
      return `The passkey request failed: ${error?.message ?? String(error)}`;
  }
}

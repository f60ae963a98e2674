import { isTesseraError } from '../errors.ts';
import { signalUnknownCredential, type Signals } from '../signals.ts';

/**
 * A failure answered with `signals` in its envelope (WebAuthn L3 §5.1.10), for example `unknownCredential` on a
 * sign-in with a credential the server does not know. The envelope is `cause`'s, as if it were thrown alone.
 *
 * For adapter authors only: not covered by semver stability; it may change in any release.
 */
export class SignalledFailure extends Error {
  /** The `signals` member of the failure envelope. */
  readonly signals: Signals;

  /**
   * @param cause - the failure, answered as it would be without signals
   * @param signals - what to attach
   */
  constructor(cause: unknown, signals: Signals) {
    super('A failure with signals.', { cause });
    this.name = 'SignalledFailure';
    this.signals = signals;
  }
}

/**
 * A sign-in with a credential the server does not know (`unknown_credential`, WebAuthn L3 §7.2 step 6) is
 * answered with `signals.unknownCredential` (§5.1.10), so the user's authenticator can remove or hide it. The
 * id is the one the browser sent and the store has no record of it: nothing about any account is revealed.
 * Any other failure, or an id the signal cannot carry, is returned as it is.
 *
 * For adapter authors only: not covered by semver stability; it may change in any release.
 *
 * @param error - what the sign-in threw
 * @param rpId - the relying party's RP ID
 * @param credentialId - the `id` the browser sent, as received
 * @returns a {@link SignalledFailure} around `error`, or `error` itself
 */
export function withUnknownCredentialSignal(error: unknown, rpId: string, credentialId: unknown): unknown {
  if (!isTesseraError(error, 'unknown_credential') || typeof credentialId !== 'string') return error;
  try {
    return new SignalledFailure(error, { unknownCredential: signalUnknownCredential({ rpId, credentialId }) });
  } catch {
    return error;
  }
}

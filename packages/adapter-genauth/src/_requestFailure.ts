import type { Signals } from '@tessera/core';
import type { RequestError } from './apiCodes.ts';

/**
 * A failure the handler detects itself (see `REQUEST_ERROR_API_CODES`), thrown inside a route and turned
 * into its envelope at the top. Never leaves the package.
 *
 * @internal
 */
export class RequestFailure extends Error {
  readonly kind: RequestError;
  readonly headers: Readonly<Record<string, string>>;

  constructor(kind: RequestError, options: { headers?: Record<string, string>; cause?: unknown } = {}) {
    super(kind, { cause: options.cause });
    this.name = 'RequestFailure';
    this.kind = kind;
    this.headers = options.headers ?? {};
  }
}

/**
 * A failure answered with `signals` in its envelope (WebAuthn L3 §5.1.10): `unknownCredential` on a sign-in
 * with a credential the server does not know. The envelope is `cause`'s, as if thrown alone.
 *
 * @internal
 */
export class SignalledFailure extends Error {
  readonly signals: Signals;

  constructor(cause: unknown, signals: Signals) {
    super('A failure with signals.', { cause });
    this.name = 'SignalledFailure';
    this.signals = signals;
  }
}

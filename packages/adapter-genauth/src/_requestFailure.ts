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


import type { RequestErrorCode } from './errorResponses.ts';

/**
 * A failure the router detects before any ceremony runs (no caller, a body that is not JSON, a missing
 * field). Internal: it never leaves the router; the client sees its code and fixed sentence.
 */
export class RequestError extends Error {
  /** Which request failure; see `REQUEST_ERROR_RESPONSES`. */
  readonly code: RequestErrorCode;

  /**
   * @param code - the failure
   * @param options - `cause` for logs (for example the body-parser or zod error)
   */
  constructor(code: RequestErrorCode, options?: { cause?: unknown }) {
    super(`Request rejected: ${code}`, options);
    this.name = 'RequestError';
    this.code = code;
  }
}

import type { ErrorRequestHandler, RequestHandler } from 'express';
import { CREDENTIALS_PATH } from './_credentialRoutes.ts';

/**
 * Express decodes a route's `:id` with `decodeURIComponent` before any handler runs, and passes the
 * `URIError` of a malformed escape (`/mfa/passkey/credentials/%zz`) to the application's error handler:
 * without one, Express's own HTML page, with the stack trace outside production. This error handler, mounted
 * at {@link CREDENTIALS_PATH}, answers such a request with the route it was meant for, as if the id were
 * unknown (an id that is not valid percent-encoding names no passkey): 401 without a caller, else 404
 * `credential_not_found` (PATCH still checks the name first), in the router's envelope.
 *
 * @param handlers - the routes' handlers by method
 * @returns the error handler
 * @internal
 */
export function malformedCredentialPathHandler(handlers: { patch: RequestHandler; delete: RequestHandler }): ErrorRequestHandler {
  return (error: unknown, req, res, next): void => {
    const handler = req.method === 'PATCH' ? handlers.patch : req.method === 'DELETE' ? handlers.delete : undefined;
    // Mounted at CREDENTIALS_PATH, so req.path is the rest: one segment, the id.
    if (!(error instanceof URIError) || handler === undefined || !/^\/[^/]+$/.test(req.path)) {
      next(error);
      return;
    }
    req.params = {}; // the route reads no id: the same answer as an unknown one
    void handler(req, res, next);
  };
}

import type { RelyingParty } from '@tessera/core';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

/** How long clients may cache the document: one hour (RFC 9111 §5.2.2.1). */
export const WELL_KNOWN_WEBAUTHN_MAX_AGE_SECONDS = 3600;

/** Options of {@link wellKnownWebauthnHandler}. */
export interface WellKnownWebauthnHandlerOptions {
  /** When the relying party has no `relatedOrigins`: answer 404 (`false`, the default) or call `next()` (`true`). */
  fallThrough?: boolean;
}

/**
 * An Express handler for `GET /.well-known/webauthn` (WebAuthn L3 §5.11, Related Origin Requests): the
 * relying party's `{ "origins": [...] }` as `application/json`, cacheable for an hour
 * (`Cache-Control: public, max-age=3600`). Without `relatedOrigins` it answers 404 (or passes on, with
 * `fallThrough`). Mount it at the root of the RP ID's host, where browsers fetch it
 * (`https://<RP ID>/.well-known/webauthn`), whatever prefix the passkey router is under.
 *
 * @param relyingParty - the relying party whose `relatedOrigins` to serve
 * @param options - `fallThrough`
 * @returns the handler
 * @example
 * ```ts
 * // Fragment: rp is the application's relying party
 * app.get('/.well-known/webauthn', wellKnownWebauthnHandler(rp));
 * ```
 */
export function wellKnownWebauthnHandler(relyingParty: RelyingParty, options: WellKnownWebauthnHandlerOptions = {}): RequestHandler {
  // Built once: the relying party's configuration is frozen.
  const document = relyingParty.wellKnownWebauthn();
  const body = document === undefined ? undefined : JSON.stringify(document);
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      next();
      return;
    }
    if (body === undefined) {
      if (options.fallThrough === true) {
        next();
        return;
      }
      res.statusCode = 404;
      res.setHeader('Content-Type', 'application/json');
      res.setHeader('Cache-Control', 'no-store');
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.end(JSON.stringify({ success: false, error: 'Not found' }));
      return;
    }
    res.statusCode = 200;
    // Exactly application/json, which §5.11 requires of the document.
    res.setHeader('Content-Type', 'application/json');
    res.setHeader('Cache-Control', `public, max-age=${WELL_KNOWN_WEBAUTHN_MAX_AGE_SECONDS}`);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Content-Length', String(new TextEncoder().encode(body).length));
    res.end(req.method === 'HEAD' ? undefined : body);
  };
}

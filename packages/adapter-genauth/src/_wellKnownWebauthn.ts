import { RequestFailure } from './_requestFailure.ts';
import type { Route } from './_routes.ts';

/** How long clients may cache the document: one hour (RFC 9111 §5.2.2.1). */
const MAX_AGE_SECONDS = 3600;

/**
 * `GET` (and `HEAD`) `/.well-known/webauthn` (WebAuthn L3 §5.11, Related Origin Requests): the relying party's
 * `{ "origins": [...] }` as exactly `application/json`, cacheable for an hour; 404 / 40401 when it has no
 * `relatedOrigins`. Not an envelope: browsers read this document as the specification defines it.
 *
 * @internal
 */
export const wellKnownWebauthn: Route = async (_request, _requestId, context) => {
  const document = context.relyingParty.wellKnownWebauthn();
  if (document === undefined) throw new RequestFailure('not_found');
  // Also for HEAD: the server sends the GET's headers, Content-Length included, and drops the body (Node's
  // http, and Fetch servers, do; RFC 9110 §9.3.2).
  return new Response(JSON.stringify(document), {
    status: 200,
    headers: {
      'content-type': 'application/json',
      'cache-control': `public, max-age=${MAX_AGE_SECONDS}`,
      'x-content-type-options': 'nosniff',
    },
  });
};

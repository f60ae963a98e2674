import express, { type Request, type Response } from 'express';
import { RequestError } from './_requestError.ts';

/** Media types read as JSON: `application/json` and structured-syntax `+json` types (RFC 6839 §3.1). */
export const JSON_MEDIA_TYPES: readonly string[] = ['application/json', 'application/*+json'];

/** Reads a request's JSON body; resolves to `undefined` when there is none. */
export type JsonBodyReader = (req: Request, res: Response) => Promise<unknown>;

/** body-parser error types (its `err.type`) and the request failure each one is. */
const BODY_PARSER_ERRORS: ReadonlyMap<string, RequestError['code']> = new Map([
  ['entity.parse.failed', 'invalid_json'],
  ['entity.too.large', 'payload_too_large'],
  ['charset.unsupported', 'unsupported_media_type'],
  ['encoding.unsupported', 'unsupported_media_type'],
  ['request.size.invalid', 'invalid_request'],
  ['request.aborted', 'invalid_request'],
]);

/**
 * Express's JSON parser (body-parser), wrapped so that each way a body can be unreadable becomes a
 * {@link RequestError} with the right status, instead of the application's error handler seeing raw
 * body-parser errors. The parser runs inside the route, after the path matched, so requests for other paths
 * are never read here.
 *
 * - No body (no `Content-Length` above 0 and no `Transfer-Encoding`): `undefined`, whatever the content type.
 * - A body that is not JSON by its `Content-Type` (or has a malformed one): `unsupported_media_type` (415).
 * - A body the application already parsed with its own middleware (`req.body` set): used as is.
 * - Any JSON value is accepted (`strict: false`); the route's schema judges its shape, so valid JSON of the
 *   wrong shape is `invalid_request`, not `invalid_json`.
 *
 * @param limitBytes - largest body, in bytes, after any content coding is undone
 * @returns the reader
 */
export function jsonBodyReader(limitBytes: number): JsonBodyReader {
  const parse = express.json({ limit: limitBytes, type: [...JSON_MEDIA_TYPES], strict: false });
  return (req, res) => {
    if (req.body !== undefined) return Promise.resolve(req.body as unknown);
    if (!carriesBody(req)) return Promise.resolve(undefined);
    if (!isJson(req)) return Promise.reject(new RequestError('unsupported_media_type'));
    return new Promise((resolve, reject) => {
      try {
        parse(req, res, (error?: unknown) => (error == null ? resolve(req.body as unknown) : reject(translate(error))));
      } catch (error) {
        reject(translate(error));
      }
    });
  };
}

function carriesBody(req: Request): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length']) > 0;
}

function isJson(req: Request): boolean {
  try {
    return typeof req.is([...JSON_MEDIA_TYPES]) === 'string';
  } catch {
    return false;
  }
}

/** A body-parser error as a {@link RequestError}; anything else (a server fault) unchanged. */
function translate(error: unknown): unknown {
  const type = (error as { type?: unknown } | null)?.type;
  const code = typeof type === 'string' ? BODY_PARSER_ERRORS.get(type) : undefined;
  return code === undefined ? error : new RequestError(code, { cause: error });
}

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
 * - A body with a `Content-Encoding` other than `identity` (gzip, deflate, br or anything else):
 *   `unsupported_media_type` (415), before a byte is read. Nothing is decompressed.
 * - A `charset` other than UTF-8: `unsupported_media_type` (415). Bytes that are not valid UTF-8:
 *   `invalid_json` (400), never replaced with U+FFFD.
 * - A body the application already parsed with its own middleware (`req.body` set): used as is.
 * - Any JSON value is accepted (`strict: false`); the route's schema judges its shape, so valid JSON of the
 *   wrong shape is `invalid_request`, not `invalid_json`.
 *
 * @param limitBytes - largest body, in bytes, as sent
 * @returns the reader
 */
export function jsonBodyReader(limitBytes: number): JsonBodyReader {
  const parse = express.json({ limit: limitBytes, type: [...JSON_MEDIA_TYPES], strict: false, inflate: false, verify: strictUtf8 });
  return (req, res) => {
    if (req.body !== undefined) return Promise.resolve(req.body as unknown);
    if (!carriesBody(req)) return Promise.resolve(undefined);
    if (!isJson(req) || !isIdentity(req)) return Promise.reject(new RequestError('unsupported_media_type'));
    return new Promise((resolve, reject) => {
      try {
        parse(req, res, (error?: unknown) => (error == null ? resolve(req.body as unknown) : reject(bodyReadFailure(error))));
      } catch (error) {
        reject(bodyReadFailure(error));
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

/** Whether the body has no content coding: no `Content-Encoding`, or exactly `identity` (RFC 9110 §8.4.1). */
function isIdentity(req: Request): boolean {
  const coding = req.headers['content-encoding'];
  return coding === undefined || coding.trim().toLowerCase() === 'identity';
}

/** An error body-parser passes on as it is thrown: its `status` and its `type` (see {@link BODY_PARSER_ERRORS}). */
function parserError(message: string, status: 400 | 415, type: string): Error {
  return Object.assign(new Error(message), { status, type });
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * body-parser's `verify` hook, run on the raw bytes before they are decoded: the charset must be UTF-8
 * (body-parser itself accepts any `utf-*`, such as UTF-16; RFC 8259 §8.1 allows only UTF-8), and the bytes
 * must be valid UTF-8 (body-parser's decoder would replace bad ones with U+FFFD).
 */
function strictUtf8(_req: unknown, _res: unknown, bytes: Buffer, charset: string | null): void {
  if (charset !== 'utf-8') throw parserError(`unsupported charset "${String(charset)}"`, 415, 'charset.unsupported');
  try {
    utf8.decode(bytes);
  } catch (error) {
    throw Object.assign(parserError('The body is not valid UTF-8.', 400, 'entity.parse.failed'), { cause: error });
  }
}

/**
 * A body-parser error as a {@link RequestError}; anything else (a server fault) unchanged. An error of a
 * type not in {@link BODY_PARSER_ERRORS} that still carries a 4xx `status` or `statusCode` (a decoder or
 * stream error, which body-parser gives status 400 and no type) is the client's too: 413
 * `payload_too_large`, 415 `unsupported_media_type`, any other 4xx `invalid_json`. So no body makes a 5xx.
 *
 * @internal
 * @param error - what the parser passed to `next` or threw
 * @returns the request error, or `error` itself
 */
export function bodyReadFailure(error: unknown): unknown {
  if (typeof error !== 'object' || error === null) return error;
  const { type, status, statusCode } = error as { type?: unknown; status?: unknown; statusCode?: unknown };
  const typed = typeof type === 'string' ? BODY_PARSER_ERRORS.get(type) : undefined;
  if (typed !== undefined) return new RequestError(typed, { cause: error });
  const code = clientStatus(status) ?? clientStatus(statusCode);
  if (code === undefined) return error;
  return new RequestError(code === 413 ? 'payload_too_large' : code === 415 ? 'unsupported_media_type' : 'invalid_json', { cause: error });
}

function clientStatus(status: unknown): number | undefined {
  return typeof status === 'number' && Number.isInteger(status) && status >= 400 && status <= 499 ? status : undefined;
}

import type { Request } from 'express';
import { RequestError } from './_requestError.ts';

/** Media types read as JSON: `application/json` and structured-syntax `+json` types (RFC 6839 §3.1). */
export const JSON_MEDIA_TYPES: readonly string[] = ['application/json', 'application/*+json'];

/** Reads a request's JSON body; resolves to `undefined` when there is none. */
export type JsonBodyReader = (req: Request) => Promise<unknown>;

/** How much of a body the reader takes, and for how long it waits for it. */
export interface BodyBounds {
  /** Largest body, in bytes, as sent. */
  limitBytes: number;
  /** How long, from the start of reading, the whole body may take to arrive. */
  timeoutMs: number;
}

/**
 * The router's JSON body reader. It reads the Node request itself, so that it can stop at once: every way a
 * body can be unreadable becomes a {@link RequestError} with the right status, and no answer ever waits for
 * the rest of a body it refused. The reader runs inside the route, after the path matched and the caller was
 * identified, so requests for other paths and anonymous requests are never read here.
 *
 * - No body (no `Content-Length` above 0 and no `Transfer-Encoding`): `undefined`, whatever the content type.
 * - A body that is not JSON by its `Content-Type` (or has a malformed one), has a `charset` other than
 *   UTF-8 (RFC 8259 §8.1), or a `Content-Encoding` other than `identity` (nothing is decompressed):
 *   `unsupported_media_type` (415), before a byte is read.
 * - A `Content-Length` over the limit: `payload_too_large` (413), before a byte is read. A body without one
 *   (chunked) is read until it passes the limit, and no further: `payload_too_large` (413).
 * - A body not complete `timeoutMs` after reading started: `request_timeout` (408, RFC 9110 §15.5.9).
 * - A client that goes away mid-body: `invalid_request` (400; nobody is left to read it).
 * - Bytes that are not valid UTF-8, or text that is not JSON: `invalid_json` (400); bytes are never replaced
 *   with U+FFFD. A leading byte order mark is ignored (RFC 8259 §8.1 allows it). An empty body is no body.
 * - Any JSON value is accepted; the route's schema judges its shape, so valid JSON of the wrong shape is
 *   `invalid_request`, not `invalid_json`.
 * - A body the application already parsed with its own middleware (`req.body` set): used as is if its
 *   `Content-Type` is JSON, else `unsupported_media_type` (415), so a form another site posts is never read.
 *
 * The router's answer to a body it stopped reading closes the connection (see `routeHandler`), so the rest
 * of it is never read.
 *
 * @param bounds - the size limit and the deadline
 * @returns the reader
 */
export function jsonBodyReader({ limitBytes, timeoutMs }: BodyBounds): JsonBodyReader {
  return async (req) => {
    if (req.body !== undefined) {
      // Parsed by the application's own middleware: taken only if it was JSON. A form (urlencoded, multipart or
      // text/plain) is what a page of any other site can post without a CORS preflight (Fetch §3.2.3,
      // CORS-safelisted request headers), so the routes never read one, whoever parsed it.
      if (carriesBody(req) && !isJson(req)) throw new RequestError('unsupported_media_type');
      return req.body as unknown;
    }
    if (!carriesBody(req)) return undefined;
    if (!isJson(req) || !isIdentity(req) || !isUtf8(req.headers['content-type'])) throw new RequestError('unsupported_media_type');
    // Node's parser has already refused a Content-Length that is not one decimal number (RFC 9112 §6.3).
    if (Number(req.headers['content-length']) > limitBytes) throw new RequestError('payload_too_large');
    return parseJson(await readAtMost(req, limitBytes, timeoutMs));
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

/** A `name=value` parameter of a media type, the value a token or a quoted string (RFC 9110 §5.6.6). */
const PARAMETER = /;\s*([^\s;=]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)/g;

/**
 * Whether every `charset` parameter of `contentType` names UTF-8 (case-insensitive, quoted or not). None
 * means UTF-8, the only encoding JSON may be exchanged in (RFC 8259 §8.1).
 *
 * @internal exported for its tests
 * @param contentType - the `Content-Type` header, if any
 * @returns `false` when a `charset` names anything else, UTF-16 and `utf8` included
 */
export function isUtf8(contentType: string | undefined): boolean {
  for (const [, name = '', raw = ''] of (contentType ?? '').matchAll(PARAMETER)) {
    if (name.toLowerCase() !== 'charset') continue;
    const value = raw.trim().startsWith('"') ? raw.trim().slice(1, -1).replace(/\\(.)/g, '$1') : raw.trim();
    if (value.toLowerCase() !== 'utf-8') return false;
  }
  return true;
}

/**
 * Reads the request body: at most `limitBytes`, within `timeoutMs`. On any failure the request is paused
 * and left, so not one more byte is read.
 */
function readAtMost(req: Request, limitBytes: number, timeoutMs: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    let received = 0;
    const onData = (chunk: Uint8Array): void => {
      received += chunk.byteLength;
      if (received > limitBytes) finish(new RequestError('payload_too_large'));
      else chunks.push(chunk);
    };
    const onEnd = (): void => finish(undefined);
    const onError = (error: unknown): void => finish(new RequestError('invalid_request', { cause: error }));
    const onClose = (): void => {
      if (!req.complete) finish(new RequestError('invalid_request'));
    };
    const timer = setTimeout(() => finish(new RequestError('request_timeout')), timeoutMs);
    function finish(failure: RequestError | undefined): void {
      clearTimeout(timer);
      req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      if (failure === undefined) {
        resolve(concat(chunks, received));
      } else {
        req.pause();
        reject(failure);
      }
    }
    req.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}

function concat(chunks: readonly Uint8Array[], length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

const utf8 = new TextDecoder('utf-8', { fatal: true }); // ignoreBOM: false, so a leading BOM is dropped

/** Strict UTF-8, then JSON; `undefined` for an empty body. */
function parseJson(bytes: Uint8Array): unknown {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch (error) {
    throw new RequestError('invalid_json', { cause: error });
  }
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new RequestError('invalid_json', { cause: error });
  }
}

/// <reference types="node" />
// Node's types are needed for this file's signature only; nothing from node: is imported at run time.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DEFAULT_BODY_TIMEOUT_MS, consoleLogger, hasMethods, parseAdapterOptions } from '@tessera/core/adapter';
import { z } from 'zod';
import { failureResponse } from './_envelope.ts';
import { RequestFailure } from './_requestFailure.ts';
import { REQUEST_ERROR_API_CODES } from './apiCodes.ts';
import type { GenAuthHandler } from './createGenAuthHandler.ts';
import type { GenAuthLogger } from './handlerOptions.ts';

/** A `node:http` request listener; also an Express middleware (it answers every request it is given). */
export type NodeListener = (req: IncomingMessage, res: ServerResponse) => void;

/** Options of {@link toNodeListener}. */
export interface NodeListenerOptions {
  /**
   * Where a handler that throws, or a request whose body something else already read (a body parser mounted
   * first), is reported; default `console.error`.
   */
  logger?: GenAuthLogger;
  /**
   * How long, from its arrival, a request's body may take to arrive in full, in milliseconds (100 to
   * 300000); default 10000. Later, a request not yet answered gets the 408 / 40801 envelope, and the
   * connection is closed: one already answered (say 413 at once) stops being drained.
   */
  bodyTimeoutMs?: number;
}

const nodeListenerOptionsSchema = z.strictObject({
  logger: z.custom<GenAuthLogger>(hasMethods('error'), 'must have an error(message, details) method').optional(),
  bodyTimeoutMs: z.int().min(100, 'must be at least 100 (milliseconds)').max(300_000, 'must be at most 300000 (milliseconds)').optional(),
});

/** Methods Node parses but the Fetch API refuses to construct a `Request` with (Fetch §2.2.1 forbidden methods). */
const FORBIDDEN_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK']);
/** `host [ ":" port ]` (RFC 9110 §7.2): a registered name, an IPv4 address or a bracketed IPv6 address. */
const HOST_HEADER = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~]+)(?::\d{1,5})?$/;

/**
 * Mounts a Fetch API handler on `node:http` or Express: builds a `Request` from the Node request (method;
 * URL from the Host header and the path, `https` on a TLS socket; headers; the body as a stream for methods
 * other than GET and HEAD, read only as fast as the handler reads it) and writes the `Response` back,
 * `Set-Cookie` headers included.
 *
 * - A request that cannot become a `Request` (no or a malformed Host header) gets the 400 envelope; CONNECT,
 *   TRACE and TRACK get 405.
 * - A handler that throws gets the 500 envelope, and the error goes to the logger.
 * - Behind Express, the path is `req.originalUrl`, so the handler sees the full path wherever it is mounted.
 *   Mount it before any body parser: a request whose body was already read (the stream has ended, or a
 *   parsed `req.body` is set) gets the 400 envelope (40004) at once, and the logger a hint saying so.
 * - When the handler answers before the body arrived in full (an oversized body, say), the answer carries
 *   `Connection: close` and the connection is closed: the rest of the body is never read.
 * - A body still arriving `bodyTimeoutMs` after the request did: 408 / 40801 if nothing was answered yet,
 *   and the connection is closed either way, so a trickled body holds nothing for long (RFC 9110 §15.5.9).
 *   Every 408 closes its connection.
 *
 * @param handler - the Fetch API handler, typically from `createGenAuthHandler`
 * @param options - see {@link NodeListenerOptions}
 * @returns `(req, res) => void`
 * @throws {TesseraError} `invalid_config` when the options fail their schema
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * createServer(toNodeListener(handler)).listen(3000);
 * // Express: app.use('/api/v3/webauthn', toNodeListener(handler));
 * ```
 */
export function toNodeListener(handler: GenAuthHandler, options: NodeListenerOptions = {}): NodeListener {
  const settings = parseAdapterOptions(nodeListenerOptionsSchema, options, 'GenAuth node listener options');
  const logger = settings.logger ?? consoleLogger;
  const bodyTimeoutMs = settings.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS;
  return function genAuthNodeListener(req: IncomingMessage, res: ServerResponse): void {
    watchBodyDeadline(req, res, bodyTimeoutMs);
    serve(handler, logger, req, res).catch(() => {
      // Only writing can fail here, once the client is gone or the response is broken: drop the connection.
      res.destroy();
    });
  };
}

async function serve(handler: GenAuthHandler, logger: GenAuthLogger, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const abort = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) abort.abort();
  });
  let response: Response;
  try {
    response = await handler(toRequest(req, abort.signal));
  } catch (error) {
    const requestId = crypto.randomUUID();
    if (error instanceof BodyAlreadyRead) {
      try {
        logger.error(BODY_ALREADY_READ_HINT, { requestId, method: req.method, path: req.url });
      } catch {
        // a failing logger must not cost the response
      }
      response = failureResponse(REQUEST_ERROR_API_CODES.unreadable_request, requestId);
    } else if (error instanceof RequestFailure) {
      response = failureResponse(REQUEST_ERROR_API_CODES[error.kind], requestId, error.headers);
    } else {
      try {
        logger.error('GenAuth node listener: the handler failed', { requestId, method: req.method, path: req.url, error });
      } catch {
        // a failing logger must not cost the response
      }
      response = failureResponse(REQUEST_ERROR_API_CODES.internal_error, requestId);
    }
  }
  await writeResponse(res, response);
}

/**
 * Bounds how long a request body may keep arriving: `ms` after the request arrived, a body not yet in full
 * gets the 408 envelope if nothing was answered, and its connection is closed in any case (an early answer's
 * drain of the rest stops). A request that arrived whole is not watched.
 */
function watchBodyDeadline(req: IncomingMessage, res: ServerResponse, ms: number): void {
  if (req.complete) return;
  const timer = setTimeout(() => {
    if (req.complete) return;
    if (res.headersSent || res.destroyed) {
      req.socket.destroy();
      return;
    }
    const timedOut = failureResponse(REQUEST_ERROR_API_CODES.request_timeout, crypto.randomUUID(), { connection: 'close' });
    writeResponse(res, timedOut).catch(() => res.destroy());
  }, ms);
  req.once('close', () => clearTimeout(timer));
}

const BODY_ALREADY_READ_HINT =
  'GenAuth node listener: the request body was already read by something mounted before it; mount toNodeListener before body parsers such as express.json()';

/** A request whose body another middleware has read: it can never be streamed to the handler. */
class BodyAlreadyRead extends RequestFailure {
  constructor() {
    super('unreadable_request');
    this.name = 'BodyAlreadyRead';
  }
}

/**
 * Whether the body is gone: `end` was already emitted (listening for it now would wait forever), every byte
 * was received and read by someone else, or a body parser left its result in `req.body`.
 */
function bodyAlreadyRead(req: IncomingMessage): boolean {
  if (req.readableEnded) return true;
  if (req.complete && req.readableLength === 0 && req.readableDidRead) return true;
  return (req as { body?: unknown }).body !== undefined;
}

/**
 * The Fetch `Request` for a Node request.
 *
 * @throws {RequestFailure} `unreadable_request` without a usable Host header or with headers Fetch refuses,
 *   and as {@link BodyAlreadyRead} when a body parser consumed the body first; `method_not_allowed` for a
 *   method Fetch refuses
 */
function toRequest(req: IncomingMessage, signal: AbortSignal): Request {
  const method = req.method ?? 'GET';
  if (FORBIDDEN_METHODS.has(method.toUpperCase())) throw new RequestFailure('method_not_allowed', { headers: { allow: 'GET, POST' } });
  const host = req.headers.host ?? (req.headers as Record<string, string | string[] | undefined>)[':authority'];
  if (typeof host !== 'string' || !HOST_HEADER.test(host)) throw new RequestFailure('unreadable_request');
  const scheme = (req.socket as { encrypted?: boolean } | null)?.encrypted === true ? 'https' : 'http';
  const originalUrl = (req as { originalUrl?: unknown }).originalUrl;
  const path = typeof originalUrl === 'string' ? originalUrl : (req.url ?? '/');
  const hasBody = method !== 'GET' && method !== 'HEAD';
  if (hasBody && bodyAlreadyRead(req)) throw new BodyAlreadyRead();
  try {
    // Of an absolute-form target (RFC 9112 §3.2.2) only the path and query are kept: the Host always wins.
    let target = path;
    if (!path.startsWith('/')) {
      const absolute = new URL(path);
      target = absolute.pathname + absolute.search;
    }
    const url = new URL(`${scheme}://${host}${target}`);
    const headers = new Headers();
    for (let index = 0; index + 1 < req.rawHeaders.length; index += 2) {
      const name = req.rawHeaders[index]!;
      if (!name.startsWith(':')) headers.append(name, req.rawHeaders[index + 1]!);
    }
    const body = hasBody ? bodyOf(req) : null;
    return new Request(url, { method, headers, body, signal, duplex: 'half' } as RequestInit);
  } catch (error) {
    throw new RequestFailure('unreadable_request', { cause: error });
  }
}

/** The Node request body as a byte stream that pulls (resumes the request) only when read. */
function bodyOf(req: IncomingMessage): ReadableStream<Uint8Array> {
  let settled = false;
  const listeners: { event: string; listener: (...args: never[]) => void }[] = [];
  const on = (event: string, listener: (...args: never[]) => void): void => {
    listeners.push({ event, listener });
    req.on(event, listener as (...args: unknown[]) => void);
  };
  const detach = (): void => {
    settled = true;
    for (const { event, listener } of listeners) req.off(event, listener as (...args: unknown[]) => void);
  };
  return new ReadableStream<Uint8Array>({
    start(controller) {
      on('data', (chunk: Uint8Array) => {
        if (settled) return;
        controller.enqueue(new Uint8Array(chunk));
        if ((controller.desiredSize ?? 0) <= 0) req.pause();
      });
      on('end', () => {
        if (settled) return;
        detach();
        controller.close();
      });
      const fail = (): void => {
        if (settled) return;
        detach();
        controller.error(new Error('The request body was not received in full.'));
      };
      on('error', fail);
      on('close', () => {
        if (!req.complete) fail();
      });
      req.pause();
    },
    pull() {
      req.resume();
    },
    cancel() {
      // The handler has read enough (say, past the body limit): discard the rest as it arrives.
      detach();
      req.resume();
    },
  });
}

/** Writes a Fetch `Response` to a Node response; the handler's responses are small JSON documents. */
async function writeResponse(res: ServerResponse, response: Response): Promise<void> {
  const body = new Uint8Array(await response.arrayBuffer());
  if (res.destroyed || res.headersSent) return;
  res.statusCode = response.status;
  const http2 = res.req.httpVersionMajor >= 2; // HTTP/2 has no Connection header (RFC 9113 §8.2.2)
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie' && !(http2 && name === 'connection')) res.setHeader(name, value);
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) res.setHeader('set-cookie', cookies);
  // An answer given before the body arrived in full (413 at once, 408) closes the connection, as the Express
  // router's does: keeping it would mean reading the rest of the body, however large or slow (RFC 9110 §9.6).
  if (!http2 && !res.req.complete) res.setHeader('connection', 'close');
  res.setHeader('content-length', body.byteLength);
  res.end(body);
}

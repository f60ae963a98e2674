import type { Signals } from '@tessera/core';
import type { ApiError } from './apiCodes.ts';
import { SUCCESS_MESSAGE } from './envelopes.ts';

/*
 * Building the responses: JSON in GenAuth's envelope, never cached (options carry one-time challenges), never
 * sniffed. A failure's HTTP status is its `statusCode`.
 */

const BASE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
});

/**
 * `{ statusCode: 200, message: "Operation successful", requestId, data, signals? }`, HTTP 200; `signals`
 * (WebAuthn L3 §5.1.10) only when given.
 *
 * @internal
 */
export function successResponse(data: Record<string, unknown>, requestId: string, signals?: Signals): Response {
  const body = JSON.stringify({ statusCode: 200, message: SUCCESS_MESSAGE, requestId, data, ...(signals === undefined ? {} : { signals }) });
  return new Response(body, { status: 200, headers: BASE_HEADERS });
}

/**
 * `{ statusCode, message, apiCode, requestId, signals? }` with the HTTP status `statusCode`; `signals` only
 * when given.
 *
 * @internal
 */
export function failureResponse(error: ApiError, requestId: string, headers: Readonly<Record<string, string>> = {}, signals?: Signals): Response {
  const body = JSON.stringify({ statusCode: error.statusCode, message: error.message, apiCode: error.apiCode, requestId, ...(signals === undefined ? {} : { signals }) });
  return new Response(body, { status: error.statusCode, headers: { ...BASE_HEADERS, ...headers } });
}

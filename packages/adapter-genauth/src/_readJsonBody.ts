import { RequestFailure } from './_requestFailure.ts';

/*
 * Reading a JSON request body without trusting the client: the media type must be JSON (RFC 8259 §11) in
 * UTF-8, the body is read from its stream chunk by chunk and abandoned as soon as it passes the limit
 * (whatever Content-Length said) or the deadline, and a Content-Length that disagrees with the bytes is
 * refused (RFC 9112 §6.3).
 */

const JSON_MEDIA_TYPE = /^application\/json$/i;

/**
 * Whether `header` is `application/json`, with at most a `charset` of UTF-8 (RFC 8259 §8.1 allows no other).
 */
function isJsonContentType(header: string | null): boolean {
  if (header === null) return false;
  const [type = '', ...parameters] = header.split(';');
  if (!JSON_MEDIA_TYPE.test(type.trim())) return false;
  return parameters.every((parameter) => {
    const [name = '', value = ''] = parameter.split('=', 2).map((part) => part.trim());
    if (name.toLowerCase() !== 'charset') return true;
    return /^"?utf-8"?$/i.test(value);
  });
}

/** The declared length: `undefined` when absent, a RequestFailure when it is not one decimal number. */
function declaredLength(header: string | null): number | undefined {
  if (header === null) return undefined;
  // Repeated identical values ("12, 12") are allowed by RFC 9110 §8.6; anything else is not a length.
  const values = new Set(header.split(',').map((part) => part.trim()));
  const [value = ''] = values;
  if (values.size !== 1 || !/^\d{1,15}$/.test(value)) throw new RequestFailure('unreadable_request');
  return Number(value);
}

/** A timer that fails with `request_timeout` after `ms`, and its cancellation. */
function deadline(ms: number): { expired: Promise<never>; clear: () => void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    // RFC 9110 §15.5.9: a server that answers 408 should close the connection.
    timer = setTimeout(() => reject(new RequestFailure('request_timeout', { headers: { connection: 'close' } })), ms);
  });
  expired.catch(() => {}); // observed by the reads it races; never an unhandled rejection
  return { expired, clear: () => clearTimeout(timer) };
}

/**
 * Reads at most `limit` bytes from `body` within `timeoutMs`; one byte more, or the deadline, and the stream
 * is cancelled.
 */
async function readAtMost(body: ReadableStream<Uint8Array> | null, limit: number, timeoutMs: number): Promise<Uint8Array> {
  if (body === null) return new Uint8Array(0);
  const reader = body.getReader();
  const timer = deadline(timeoutMs);
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), timer.expired]);
      if (done) break;
      total += value.byteLength;
      if (total > limit) throw new RequestFailure('payload_too_large');
      chunks.push(value);
    }
  } catch (error) {
    if (!(error instanceof RequestFailure)) throw new RequestFailure('unreadable_request', { cause: error });
    reader.cancel().catch(() => {});
    throw error;
  } finally {
    timer.clear();
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/**
 * Reads and parses a JSON request body.
 *
 * @internal
 * @param request - the request, whose body is consumed
 * @param limit - the most bytes accepted
 * @param timeoutMs - how long the whole body may take to arrive, from now
 * @returns the parsed JSON value
 * @throws {RequestFailure} `unsupported_media_type` (not JSON, or a Content-Encoding), `unreadable_request`
 *   (bad Content-Length, a stream that failed), `payload_too_large`, `request_timeout`,
 *   `body_length_mismatch`, `invalid_json`
 */
export async function readJsonBody(request: Request, limit: number, timeoutMs: number): Promise<unknown> {
  const encoding = request.headers.get('content-encoding');
  if (!isJsonContentType(request.headers.get('content-type')) || (encoding !== null && encoding.trim().toLowerCase() !== 'identity')) {
    throw new RequestFailure('unsupported_media_type');
  }
  const declared = declaredLength(request.headers.get('content-length'));
  if (declared !== undefined && declared > limit) {
    request.body?.cancel().catch(() => {});
    throw new RequestFailure('payload_too_large');
  }
  const bytes = await readAtMost(request.body, limit, timeoutMs);
  if (declared !== undefined && bytes.byteLength !== declared) throw new RequestFailure('body_length_mismatch');

  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new RequestFailure('invalid_json');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new RequestFailure('invalid_json');
  }
}

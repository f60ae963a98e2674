import { TesseraError } from '@tessera/core';

/*
 * Where a MetadataService gets its BLOB: bytes or text given once (a snapshot shipped with the deployment), a reader
 * of the caller's (a file, a database, object storage: the package has no file system access of its own, so it runs
 * in every runtime), or a URL fetched with an injected `fetch`.
 */

/** Where a {@link MetadataService} loads its BLOB from. */
export type MetadataSource =
  /** A BLOB in hand: the text of a saved `mds3.jwt`, or its bytes. It never changes, so it is never refreshed. */
  | { blob: string | Uint8Array }
  /**
   * A reader of your own, called at every load and refresh; for a file in Node:
   * `{ read: () => readFile('/var/lib/app/mds3.jwt') }` with `readFile` from `node:fs/promises`.
   */
  | { read: () => Promise<string | Uint8Array> }
  /**
   * A URL, usually `https://mds3.fidoalliance.org/`, fetched with `fetch` (default `globalThis.fetch`); inject one to
   * add a proxy, caching headers or a test double serving a snapshot.
   */
  | { url: string; fetch?: typeof globalThis.fetch | undefined; timeoutMs?: number | undefined };

/** Default time a fetch may take, in ms; MDS3's BLOB is about 5 MB. */
const DEFAULT_FETCH_TIMEOUT_MS = 60_000;

/**
 * Reads the BLOB from `source`, at most `maxBytes`.
 *
 * @param source - where from
 * @param maxBytes - the largest BLOB accepted
 * @returns the BLOB's text or bytes, not yet verified
 * @throws {TesseraError} `metadata_unavailable` when the reader or the fetch fails (a network error, a timeout, a
 *   status other than 2xx); `invalid_metadata` for a body larger than `maxBytes`; `invalid_argument` for a source
 *   that is none of the three kinds
 * @internal
 */
export async function readBlobSource(source: MetadataSource, maxBytes: number): Promise<string | Uint8Array> {
  if ('blob' in source) return source.blob;
  if ('read' in source) {
    try {
      return await source.read();
    } catch (error) {
      throw new TesseraError('metadata_unavailable', 'The metadata BLOB could not be read.', { cause: error });
    }
  }
  if ('url' in source && typeof source.url === 'string') return fetchBlob(source, maxBytes);
  throw new TesseraError('invalid_argument', 'A metadata source is { blob }, { read } or { url }.');
}

/** GET the URL, reading at most `maxBytes` of body. */
async function fetchBlob(source: { url: string; fetch?: typeof globalThis.fetch | undefined; timeoutMs?: number | undefined }, maxBytes: number): Promise<Uint8Array> {
  const fetchFunction = source.fetch ?? globalThis.fetch;
  let response: Response;
  try {
    response = await fetchFunction(source.url, { signal: AbortSignal.timeout(source.timeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS), redirect: 'follow' });
  } catch (error) {
    throw new TesseraError('metadata_unavailable', 'The metadata BLOB could not be fetched.', { cause: error });
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => undefined);
    throw new TesseraError('metadata_unavailable', `The metadata BLOB could not be fetched (HTTP ${response.status}).`);
  }
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw new TesseraError('invalid_metadata', `The metadata BLOB is larger than ${maxBytes} bytes.`);
  }
  try {
    return await readBody(response, maxBytes);
  } catch (error) {
    if (error instanceof TesseraError) throw error;
    throw new TesseraError('metadata_unavailable', 'The metadata BLOB download failed.', { cause: error });
  }
}

/** The body, stopping (and cancelling) as soon as it exceeds `maxBytes`. */
async function readBody(response: Response, maxBytes: number): Promise<Uint8Array> {
  if (response.body === null) return new Uint8Array(await response.arrayBuffer());
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new TesseraError('invalid_metadata', `The metadata BLOB is larger than ${maxBytes} bytes.`);
    }
    chunks.push(value);
  }
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.length;
  }
  return body;
}

import type { IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { closeServers, listen } from '../test/harness.ts';
import { errorRespDtoSchema } from './envelopes.ts';
import type { GenAuthHandler } from './createGenAuthHandler.ts';
import { toNodeListener } from './toNodeListener.ts';

afterEach(closeServers);

/** Sends raw bytes and returns the raw HTTP response (the server closes after one response to HTTP/1.0). */
async function raw(address: string, request: string): Promise<{ status: number; head: string; body: string }> {
  const [host, port] = address.split(':') as [string, string];
  const text = await new Promise<string>((resolve, reject) => {
    const socket = connect(Number(port), host, () => socket.end(request));
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('end', () => resolve(received));
    socket.on('error', reject);
  });
  const [head = '', body = ''] = text.split('\r\n\r\n', 2);
  return { status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1]), head, body };
}

/** A handler that describes the Request it was given. */
const echo: GenAuthHandler = async (request) => {
  const headers: [string, string][] = [];
  request.headers.forEach((value, name) => headers.push([name, value]));
  return Response.json({ method: request.method, url: request.url, headers, body: request.body === null ? null : await request.text() });
};

describe('toNodeListener', () => {
  it('builds the Request from method, Host, path, headers and streamed body', async () => {
    const address = await listen(toNodeListener(echo));
    const response = await fetch(`http://${address}/a/b?c=d`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-one': 'first' },
      body: '{"hello":"world"}',
    });
    const seen = (await response.json()) as { method: string; url: string; headers: [string, string][]; body: string };
    expect(seen.method).toBe('POST');
    expect(seen.url).toBe(`http://${address}/a/b?c=d`);
    expect(seen.headers).toEqual(expect.arrayContaining([['content-type', 'application/json'], ['x-one', 'first'], ['host', address]]));
    expect(seen.body).toBe('{"hello":"world"}');

    const get = (await (await fetch(`http://${address}/`)).json()) as { body: null };
    expect(get.body).toBeNull();
  });

  it('writes status, headers and every Set-Cookie back', async () => {
    const address = await listen(
      toNodeListener(async () => {
        const headers = new Headers({ 'content-type': 'application/json', 'x-custom': 'yes' });
        headers.append('set-cookie', 'a=1; HttpOnly');
        headers.append('set-cookie', 'b=2; Secure');
        return new Response('{"ok":true}', { status: 201, headers });
      }),
    );
    const response = await fetch(`http://${address}/`);
    expect(response.status).toBe(201);
    expect(response.headers.get('x-custom')).toBe('yes');
    expect(response.headers.getSetCookie()).toEqual(['a=1; HttpOnly', 'b=2; Secure']);
    expect(await response.json()).toEqual({ ok: true });
  });

  it('answers the 500 envelope when the handler throws, and logs the error', async () => {
    const logger = { error: vi.fn() };
    const address = await listen(
      toNodeListener(
        async () => {
          throw new Error('database password is hunter2');
        },
        { logger },
      ),
    );
    const response = await fetch(`http://${address}/x`);
    const text = await response.text();
    expect(response.status).toBe(500);
    expect(text).not.toContain('hunter2');
    expect(errorRespDtoSchema.parse(JSON.parse(text))).toMatchObject({ statusCode: 500, apiCode: 50001, message: 'Internal server error.' });
    expect(logger.error).toHaveBeenCalledOnce();
  });

  it('answers 400 without a usable Host header and 405 for methods Fetch refuses, without calling the handler', async () => {
    const handler = vi.fn(echo);
    const address = await listen(toNodeListener(handler));
    const noHost = await raw(address, 'GET /api/v3/webauthn/authentication HTTP/1.0\r\n\r\n');
    expect(noHost.status).toBe(400);
    expect(errorRespDtoSchema.parse(JSON.parse(noHost.body))).toMatchObject({ apiCode: 40004 });
    const badHost = await raw(address, 'GET / HTTP/1.0\r\nHost: evil.example/api?x=\r\n\r\n');
    expect(errorRespDtoSchema.parse(JSON.parse(badHost.body))).toMatchObject({ statusCode: 400, apiCode: 40004 });
    const trace = await raw(address, 'TRACE / HTTP/1.0\r\nHost: example.com\r\n\r\n');
    expect(trace.status).toBe(405);
    expect(trace.head.toLowerCase()).toContain('allow: get, post');
    expect(handler).not.toHaveBeenCalled();
  });

  it('keeps the Host over an absolute-form target, and a "//" path stays a path', async () => {
    const address = await listen(toNodeListener(echo));
    const absolute = await raw(address, 'GET http://evil.example/a?b=1 HTTP/1.0\r\nHost: example.com\r\n\r\n');
    expect(JSON.parse(absolute.body)).toMatchObject({ url: 'http://example.com/a?b=1' });
    const doubleSlash = await raw(address, 'GET //evil.example/a HTTP/1.0\r\nHost: example.com\r\n\r\n');
    expect(JSON.parse(doubleSlash.body)).toMatchObject({ url: 'http://example.com//evil.example/a' });
  });

  it('routes on Express’s originalUrl when it is set (a mounted middleware)', async () => {
    const listener = toNodeListener(echo);
    const address = await listen((req, res) => {
      // What Express does for app.use('/api/v3/webauthn', …): strips the mount path from req.url.
      Object.assign(req, { originalUrl: req.url });
      req.url = req.url!.replace('/api/v3/webauthn', '') || '/';
      listener(req, res);
    });
    const seen = (await (await fetch(`http://${address}/api/v3/webauthn/authentication`)).json()) as { url: string };
    expect(seen.url).toBe(`http://${address}/api/v3/webauthn/authentication`);
  });

  it('lets the handler stop reading a large body: the answer closes the connection, the rest is never read', async () => {
    let read = 0;
    const listener = toNodeListener(async (request) => {
      const reader = request.body!.getReader();
      const { value } = await reader.read();
      read += value!.byteLength;
      await reader.cancel();
      return Response.json({ stopped: true }, { status: 413 });
    });
    let serverRead = 0;
    const address = await listen((req, res) => {
      req.socket.once('close', () => (serverRead = req.socket.bytesRead));
      listener(req, res);
    });
    // Over a raw socket, a 64 MiB body the client keeps writing: only the server can end this exchange.
    const [host, port] = address.split(':') as [string, string];
    const socket = connect(Number(port), host);
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.on('error', () => {}); // the server may reset a connection it stopped reading
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const size = 64 * 1024 * 1024;
    socket.write(`POST / HTTP/1.1\r\nHost: ${address}\r\nContent-Type: text/plain\r\nContent-Length: ${size}\r\n\r\n`);
    const chunk = Buffer.alloc(65_536, 0x78);
    let sent = 0;
    let ended = false;
    void closed.then(() => (ended = true));
    while (sent < size && !ended) {
      sent += chunk.length;
      if (!socket.write(chunk)) {
        await Promise.race([new Promise((resolve) => socket.once('drain', resolve)), closed, new Promise((resolve) => setTimeout(resolve, 50))]);
      }
    }
    await closed;
    expect(answer).toMatch(/^HTTP\/1\.1 413/);
    expect(answer).toMatch(/connection: close/i);
    expect(answer).toContain('{"stopped":true}');
    expect(read).toBeLessThan(size);
    expect(serverRead, 'the rest of the body was not read').toBeLessThan(size / 2);
  }, 30_000);

  describe('a body something else already read (a body parser mounted first)', () => {
    /** What a body parser does before calling next(): reads the request to its end. */
    const readFully = (req: IncomingMessage): Promise<string> =>
      new Promise((resolve, reject) => {
        let text = '';
        req.setEncoding('utf8');
        req.on('data', (chunk: string) => (text += chunk));
        req.on('end', () => resolve(text));
        req.on('error', reject);
      });

    it.each([
      ['read to its end', async (req: IncomingMessage) => void (await readFully(req))],
      ['parsed into req.body (express.json())', async (req: IncomingMessage) => void Object.assign(req, { body: JSON.parse(await readFully(req)) as unknown })],
    ])('answers 400 / 40004 at once, without the handler, and logs where to mount it: %s', async (_, parser) => {
      const handler = vi.fn(echo);
      const logger = { error: vi.fn() };
      const listener = toNodeListener(handler, { logger });
      const address = await listen((req, res) => {
        void parser(req).then(() => listener(req, res));
      });
      const response = await fetch(`http://${address}/api/v3/webauthn/authentication`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"ticket":"x"}',
        signal: AbortSignal.timeout(3000), // before the fix, the listener never answered
      });
      expect(response.status).toBe(400);
      const dto = errorRespDtoSchema.parse(await response.json());
      expect(dto).toMatchObject({ statusCode: 400, apiCode: 40004, message: 'The request could not be read.' });
      expect(handler).not.toHaveBeenCalled();
      expect(logger.error).toHaveBeenCalledOnce();
      const [message, details] = logger.error.mock.calls[0]!;
      expect(message).toMatch(/mount toNodeListener before body parsers/);
      expect(details).toMatchObject({ requestId: dto.requestId, method: 'POST', path: '/api/v3/webauthn/authentication' });
    });

    it('still streams a body that has fully arrived but nobody read (an async middleware ran first)', async () => {
      const logger = { error: vi.fn() };
      const listener = toNodeListener(echo, { logger });
      const complete: boolean[] = [];
      const address = await listen((req, res) => {
        setTimeout(() => {
          complete.push(req.complete);
          listener(req, res);
        }, 100);
      });
      for (const body of ['{"hello":"world"}', '']) {
        const response = await fetch(`http://${address}/`, { method: 'POST', body, signal: AbortSignal.timeout(3000) });
        expect(response.status).toBe(200);
        expect(((await response.json()) as { body: string }).body).toBe(body);
      }
      expect(complete).toEqual([true, true]);
      expect(logger.error).not.toHaveBeenCalled();
    });
  });
});

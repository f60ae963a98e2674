/**
 * Test support only: HTTP/1.1 over a raw `node:net` socket, for what fetch cannot express: a body that
 * trickles in, a `Content-Length` that is never honoured, a chunked body that never ends. Never imported by
 * library code.
 */
import { connect, type Socket } from 'node:net';

/** The first response read from the socket, and what happened to the connection. */
export interface RawAnswer {
  /** Status code, or `NaN` when no full response arrived. */
  status: number;
  /** Response headers, names lowercased (the last value wins). */
  headers: Record<string, string>;
  /** The response body (by its Content-Length), as text. */
  body: string;
  /** Milliseconds from connecting to the full response. */
  answeredAfterMs: number;
  /** Whether the server closed the connection within `settleMs` after answering. */
  closed: boolean;
  /** Bytes of request the client managed to write before the end. */
  written: number;
}

/** Sends a request body however the test wants; `stopped()` turns true once the connection is over. */
export type BodyFeeder = (socket: Socket, stopped: () => boolean, count: (bytes: number) => void) => void;

/**
 * Connects to `address` (`host:port`), writes `head` (request line and headers, without the final empty
 * line), then lets `feed` send the body. Resolves once the first response has arrived and either the server
 * closed the connection or `settleMs` passed; or, with no response, after `waitMs`.
 */
export function rawRequest(address: string, head: string, feed: BodyFeeder = () => {}, { waitMs = 15_000, settleMs = 500 }: { waitMs?: number; settleMs?: number } = {}): Promise<RawAnswer> {
  const [host = '', port = ''] = address.replace(/^https?:\/\//, '').split(':');
  return new Promise((resolve) => {
    const started = performance.now();
    let received = Buffer.alloc(0);
    let answer: Omit<RawAnswer, 'closed' | 'written'> | undefined;
    let over = false;
    let written = 0;
    let settle: NodeJS.Timeout | undefined;
    const socket = connect(Number(port), host, () => {
      socket.write(`${head}\r\n\r\n`);
      feed(socket, () => over || socket.destroyed || !socket.writable, (bytes) => (written += bytes));
    });
    const done = (closed: boolean): void => {
      if (over) return;
      over = true;
      clearTimeout(giveUp);
      clearTimeout(settle);
      socket.destroy();
      resolve({ ...(answer ?? { status: Number.NaN, headers: {}, body: '', answeredAfterMs: Number.NaN }), closed, written });
    };
    const giveUp = setTimeout(() => done(false), waitMs);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (answer === undefined) {
        answer = parse(received, started);
        if (answer !== undefined) settle = setTimeout(() => done(false), settleMs);
      }
    });
    // The server ended or reset the connection: it is closed (a reset after an answer is a close too).
    socket.on('end', () => answer !== undefined && done(true));
    socket.on('close', () => done(answer !== undefined));
    socket.on('error', () => {});
  });
}

function parse(bytes: Buffer, started: number): Omit<RawAnswer, 'closed' | 'written'> | undefined {
  const end = bytes.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [statusLine = '', ...lines] = bytes.subarray(0, end).toString('latin1').split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = Number(headers['content-length'] ?? 0);
  if (bytes.length < end + 4 + length) return undefined;
  return {
    status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1]),
    headers,
    body: bytes.subarray(end + 4, end + 4 + length).toString('utf8'),
    answeredAfterMs: performance.now() - started,
  };
}

/** Writes `chunk` again and again, as fast as the connection takes it, until `limit` bytes or the end. */
export function pump(chunk: Uint8Array, limit: number = Number.POSITIVE_INFINITY): BodyFeeder {
  return (socket, stopped, count) => {
    let sent = 0;
    const next = (): void => {
      while (!stopped() && sent < limit) {
        sent += chunk.byteLength;
        count(chunk.byteLength);
        if (!socket.write(chunk)) {
          socket.once('drain', next);
          return;
        }
      }
    };
    next();
  };
}

/** Writes `piece` every `everyMs` milliseconds until the connection is over. */
export function trickle(piece: string, everyMs: number): BodyFeeder {
  return (socket, stopped, count) => {
    const timer = setInterval(() => {
      if (stopped()) {
        clearInterval(timer);
        return;
      }
      count(piece.length);
      socket.write(piece);
    }, everyMs);
  };
}

/** One HTTP/1.1 chunk (RFC 9112 §7.1) of `size` bytes of `x`. */
export function chunkOf(size: number): Uint8Array {
  return new TextEncoder().encode(`${size.toString(16)}\r\n${'x'.repeat(size)}\r\n`);
}

/** Writes `text` one character every `everyMs` milliseconds, then stops. */
export function slowly(text: string, everyMs: number): BodyFeeder {
  return (socket, stopped, count) => {
    let index = 0;
    const timer = setInterval(() => {
      if (stopped() || index >= text.length) {
        clearInterval(timer);
        return;
      }
      count(1);
      socket.write(text[index++]!);
    }, everyMs);
  };
}

/** Collects the server side of every connection `server` accepts, to read their `bytesRead`. */
export function serverSockets(server: import('node:http').Server): Socket[] {
  const sockets: Socket[] = [];
  server.on('connection', (socket: Socket) => sockets.push(socket));
  return sockets;
}

import { randomBytes } from '@noble/hashes/utils.js';
import { base64url, encodeRange } from './base64url.ts';

/*
 * CSPRNG bytes for challenges and tickets, drawn 4 KiB at a time.
 *
 * Each call to crypto.getRandomValues costs about 2–3 µs in Node whatever its size (the cost is the call, not
 * the bytes), which would make one random draw most of the cost of building authentication options. So, as
 * Node's own crypto.randomUUID() does with its entropy cache, we draw POOL_BYTES at once with @noble/hashes'
 * randomBytes and serve slices of it.
 *
 * This is the one piece of module state in @tessera/core, and it is safe because:
 * - every byte is CSPRNG output and is handed out exactly once, then overwritten with zeros, so bytes already
 *   served cannot be read back from memory later;
 * - bytes not yet served never leave this module;
 * - if the process id changes between draws (a process started from a V8 startup snapshot taken after a draw,
 *   or any clone of the heap), the pool is thrown away before use, so two processes never serve the same bytes.
 * - Nothing happens at import time: the pool is filled on first use.
 */

/** Size of one draw: 128 challenges of 32 bytes. */
const POOL_BYTES = 4096;

let pool = new Uint8Array(0);
let offset = 0;
let owner: number | undefined;

function currentProcessId(): number | undefined {
  return (globalThis as { process?: { pid?: number } }).process?.pid;
}

function refill(): void {
  pool.fill(0);
  pool = randomBytes(POOL_BYTES);
  offset = 0;
  owner = currentProcessId();
}

/**
 * `size` fresh CSPRNG bytes as unpadded base64url. Each byte is used once and wiped.
 *
 * @internal used by `generateChallenge` and the relying party's tickets
 */
export function randomBase64url(size: number): string {
  if (size > POOL_BYTES) return base64url.encode(randomBytes(size));
  if (offset + size > pool.length || owner !== currentProcessId()) refill();
  const start = offset;
  offset += size;
  const text = encodeRange(pool, start, offset);
  for (let index = start; index < offset; index++) pool[index] = 0;
  return text;
}

import { randomBytes } from '@noble/hashes/utils.js';
import { base64url, encodeRange } from './base64url.ts';
import { TesseraError } from './errors.ts';

/*
 * CSPRNG bytes for challenges and tickets, drawn 4 KiB at a time.
 *
 * Each call to crypto.getRandomValues costs about 2–3 µs in Node whatever its size (the cost is the call, not
 * the bytes), which would make one random draw most of the cost of building authentication options. So, as
 * Node's own crypto.randomUUID() does with its entropy cache, we draw POOL_BYTES at once with @noble/hashes'
 * randomBytes and serve slices of it.
 *
 * This is the only module state in @tessera/core that holds secrets (the others are caches of public values and
 * scratch: _byteSlab.ts, _sha256.ts, the RP ID hashes, the default PublicKeyCache), and it is safe because:
 * - every byte is CSPRNG output and is handed out exactly once; the pool's copy is then overwritten with
 *   zeros (the encoded string the caller keeps is, of course, the caller's);
 * - bytes not yet served never leave this module;
 * - a heap that is cloned into another process or realm (a V8 startup snapshot taken after a draw) must not
 *   replay the same bytes. Every draw checks that the process id and `performance.timeOrigin` (the start of
 *   the current process or realm) are those of the refill; if either differs the pool is thrown away. The
 *   time origin catches what the pid misses: containers whose processes all run as pid 1.
 * - Nothing happens at import time: the pool is filled on first use.
 */

/** Size of one draw: 128 challenges of 32 bytes. */
const POOL_BYTES = 4096;

let pool = new Uint8Array(0);
let offset = 0;
let ownerProcessId: number | undefined;
let ownerTimeOrigin: number | undefined;

function processId(): number | undefined {
  return (globalThis as { process?: { pid?: number } }).process?.pid;
}

function timeOrigin(): number | undefined {
  return globalThis.performance?.timeOrigin;
}

function refill(): void {
  pool.fill(0);
  pool = randomBytes(POOL_BYTES);
  offset = 0;
  ownerProcessId = processId();
  ownerTimeOrigin = timeOrigin();
}

/**
 * `size` fresh CSPRNG bytes as unpadded base64url. Each byte is used once and wiped.
 *
 * @internal used by `generateChallenge` and the relying party's tickets
 */
export function randomBase64url(size: number): string {
  if (!Number.isSafeInteger(size) || size < 1) throw new TesseraError('invalid_argument', 'Random size must be a positive integer.');
  if (size > POOL_BYTES) return base64url.encode(randomBytes(size));
  if (offset + size > pool.length || ownerProcessId !== processId() || ownerTimeOrigin !== timeOrigin()) refill();
  const start = offset;
  offset += size;
  const text = encodeRange(pool, start, offset);
  for (let index = start; index < offset; index++) pool[index] = 0;
  return text;
}

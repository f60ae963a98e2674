/*
 * The keys of a store's records, ordered by when the records expire, so that expired records are found
 * without looking at live ones, and in slices of bounded work.
 *
 * Keys are listed in chunks of at most CHUNK_KEYS. A chunk collects the keys of records expiring in one
 * window of WINDOW_MS (its `due` is the window's end), and a binary heap orders chunks by `due`. A record
 * stores the id of its chunk (MemoryChallengeStore packs it into the record's string), so the queue can
 * tell a key still listed for its record from one whose record was consumed or replaced since: those are
 * `stale` places, passed over, and a chunk that is mostly stale is compacted (at most CHUNK_KEYS keys of
 * work). Memory is bounded by about twice the live records, and all of it goes when the chunks fall due.
 */

/** Keys per chunk: the most work one compaction does. */
const CHUNK_KEYS = 1024;
/** Width of a chunk's expiry window, in ms: records are swept at most this long after they expire. */
const WINDOW_MS = 1_000;
/** Stale places a chunk tolerates before it is compacted (if they are also at least half of it). */
const COMPACT_AFTER = 32;

/** One chunk of keys expiring in the same window. */
interface Chunk {
  readonly id: number;
  readonly due: number;
  keys: string[];
  /** Index of the next key a sweep or an eviction looks at; the ones before it are done with. */
  next: number;
  /** Estimated number of stale places at or after `next`; only decides when to compact. */
  stale: number;
}

/**
 * @internal
 */
export class ExpiryQueue {
  readonly #holds: (key: string, chunk: number) => boolean;
  #heap: Chunk[] = [];
  readonly #chunks = new Map<number, Chunk>();
  /** The chunk still taking keys, per window end. */
  readonly #open = new Map<number, Chunk>();
  #lastId = 0;

  /**
   * @param holds - whether the store holds a record under `key` listed in chunk `chunk`
   */
  constructor(holds: (key: string, chunk: number) => boolean) {
    this.#holds = holds;
  }

  /**
   * The chunk that will list a record expiring at `expiresAt`; call {@link ExpiryQueue.list} with its id once
   * the record is stored.
   *
   * @returns the chunk's id, 1–2³²−1
   */
  chunkFor(expiresAt: number): number {
    let due = Number.isNaN(expiresAt) ? Number.NEGATIVE_INFINITY : Math.ceil(expiresAt / WINDOW_MS) * WINDOW_MS;
    if (due < expiresAt) due = expiresAt; // rounding of very large times
    const open = this.#open.get(due);
    if (open !== undefined && open.keys.length < CHUNK_KEYS) return open.id;
    const chunk: Chunk = { id: this.#newId(), due, keys: [], next: 0, stale: 0 };
    this.#open.set(due, chunk);
    this.#chunks.set(chunk.id, chunk);
    this.#heapPush(chunk);
    return chunk.id;
  }

  /** Lists `key` in chunk `id` (from {@link ExpiryQueue.chunkFor}, with no other call in between). */
  list(id: number, key: string): void {
    const chunk = this.#chunks.get(id)!;
    chunk.keys.push(key);
    if (chunk.keys.length >= CHUNK_KEYS && this.#open.get(chunk.due) === chunk) this.#open.delete(chunk.due);
  }

  /**
   * Notes that a record listed in chunk `id` left the store by another way than {@link ExpiryQueue.sweep}
   * or {@link ExpiryQueue.evict} (consumed, or replaced after it expired). Compacts the chunk once at least
   * half of its remaining places are stale.
   */
  release(id: number): void {
    const chunk = this.#chunks.get(id);
    if (chunk === undefined) return;
    chunk.stale++;
    const remaining = chunk.keys.length - chunk.next;
    if (chunk.stale * 2 < remaining || (chunk.stale < COMPACT_AFTER && chunk.stale < remaining)) return;
    const kept: string[] = [];
    for (let index = chunk.next; index < chunk.keys.length; index++) {
      const key = chunk.keys[index]!;
      if (this.#holds(key, id)) kept.push(key);
    }
    chunk.keys = kept;
    chunk.next = 0;
    chunk.stale = 0;
  }

  /**
   * Looks at up to `budget` keys of the chunks due by `now`, earliest first, and calls `expire` for each whose
   * record is still listed there (that record has expired). With `untilMs`, stops early once
   * `performance.now()` passes it (checked every 64 keys), so a slow machine still gets short turns.
   *
   * @returns whether keys due by `now` are left
   */
  sweep(now: number, budget: number, expire: (key: string) => void, untilMs: number = Number.POSITIVE_INFINITY): boolean {
    let looked = 0;
    for (;;) {
      const chunk = this.#heap[0];
      if (chunk === undefined || chunk.due > now) return false;
      if (looked >= budget) return true;
      while (chunk.next < chunk.keys.length && looked < budget) {
        if ((looked & 63) === 63 && performance.now() > untilMs) break;
        const key = chunk.keys[chunk.next++]!;
        looked++;
        if (this.#holds(key, chunk.id)) expire(key);
        else if (chunk.stale > 0) chunk.stale--;
      }
      if (chunk.next >= chunk.keys.length) this.#dropEarliest();
      else if (looked < budget) return true; // out of time
    }
  }

  /**
   * Calls `evict` for the record that expires first (expired or not), passing over stale places.
   *
   * @returns whether a record was found
   */
  evict(evict: (key: string) => void): boolean {
    for (;;) {
      const chunk = this.#heap[0];
      if (chunk === undefined) return false;
      while (chunk.next < chunk.keys.length) {
        const key = chunk.keys[chunk.next++]!;
        if (this.#holds(key, chunk.id)) {
          evict(key);
          if (chunk.next >= chunk.keys.length) this.#dropEarliest();
          return true;
        }
        if (chunk.stale > 0) chunk.stale--;
      }
      this.#dropEarliest();
    }
  }

  /** Forgets every chunk. */
  clear(): void {
    this.#heap = [];
    this.#chunks.clear();
    this.#open.clear();
  }

  /** Ids run from 1 to 2³²−1 and wrap: a chunk lives at most a TTL, far less than 2³² chunks. */
  #newId(): number {
    do this.#lastId = this.#lastId >= 0xffff_ffff ? 1 : this.#lastId + 1;
    while (this.#chunks.has(this.#lastId));
    return this.#lastId;
  }

  #dropEarliest(): void {
    const chunk = this.#heap[0]!;
    this.#chunks.delete(chunk.id);
    if (this.#open.get(chunk.due) === chunk) this.#open.delete(chunk.due);
    const last = this.#heap.pop()!;
    if (this.#heap.length === 0) return;
    this.#heap[0] = last;
    this.#siftDown(0);
  }

  #heapPush(chunk: Chunk): void {
    const heap = this.#heap;
    heap.push(chunk);
    let index = heap.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!before(heap[index]!, heap[parent]!)) break;
      [heap[index], heap[parent]] = [heap[parent]!, heap[index]!];
      index = parent;
    }
  }

  #siftDown(index: number): void {
    const heap = this.#heap;
    for (;;) {
      const left = 2 * index + 1;
      const right = left + 1;
      let smallest = index;
      if (left < heap.length && before(heap[left]!, heap[smallest]!)) smallest = left;
      if (right < heap.length && before(heap[right]!, heap[smallest]!)) smallest = right;
      if (smallest === index) return;
      [heap[index], heap[smallest]] = [heap[smallest]!, heap[index]!];
      index = smallest;
    }
  }
}

/** Heap order: earlier `due` first, then the older chunk. */
function before(a: Chunk, b: Chunk): boolean {
  return a.due < b.due || (a.due === b.due && a.id < b.id);
}

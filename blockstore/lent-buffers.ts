/**
 * Read buffers lent to a reader that hands them back (`get(cid, { lend: true })`, then
 * `release`), so that a large file streamed to its end reuses a few buffers instead of taking a
 * fresh one for every read.
 *
 * Why: each fresh buffer is memory the kernel must fault in and zero, and V8 counts it as
 * external memory: every ~30 MiB read set off a full mark-compact of the heap, and the garbage
 * waiting for it was most of the process's peak memory. A 1 GiB `cat` (raw leaves) into `wc -c`
 * took 1.74 s, 2.42 s of CPU and 170 MB with fresh buffers, and 1.18 s, 1.56 s and 105 MB with
 * lent ones (5 alternating runs on 2 cores).
 *
 * A lent buffer holds one run (neighbouring blocks read together, see `block-reader.ts`); the
 * blocks handed out from it are views of it. It goes back to the free lists once every block
 * handed out from it has been released, and never if one of them is kept. A run is read into
 * the smallest free buffer that holds it (the runs of a file of equal chunks have a few lengths,
 * up to `MAX_RUN_BYTES`), so a buffer handed back is reused while the same file is read; it
 * holds nothing else, so the whole of it may be moved to the hash worker and back. The free lists
 * keep up to {@link DEFAULT_LENT_FREE_MAX_BYTES} between reads (a daemon holds them while idle).
 */

/** A block handed out from a lent buffer: its place in the buffer. */
interface Piece {
  offset: number
  length: number
}

/** The most bytes kept on the free lists by default: beyond, a returned buffer is dropped. */
export const DEFAULT_LENT_FREE_MAX_BYTES = 32 * 1024 * 1024

export class LentBuffers {
  /** free buffers by size (a few sizes: see `take`) */
  readonly #free = new Map<number, ArrayBuffer[]>()
  #freeBytes = 0
  readonly #maxFreeBytes: number
  /** the blocks of each lent buffer not released yet */
  readonly #lent = new WeakMap<ArrayBuffer, Piece[]>()
  #reused = 0

  constructor (maxFreeBytes = DEFAULT_LENT_FREE_MAX_BYTES) {
    this.#maxFreeBytes = maxFreeBytes
  }

  /** Buffers handed out again so far (for tests and benchmarks). */
  get reused (): number {
    return this.#reused
  }

  /**
   * The smallest free buffer of at least `length` bytes, if one was handed back: read into its
   * first `length` bytes.
   */
  take (length: number): ArrayBuffer | undefined {
    let best: number | undefined
    for (const size of this.#free.keys()) {
      if (size >= length && (best == null || size < best)) best = size
    }
    if (best == null) return undefined
    const list = this.#free.get(best) as ArrayBuffer[]
    const buffer = list.pop() as ArrayBuffer
    if (list.length === 0) this.#free.delete(best)
    this.#freeBytes -= best
    this.#reused++
    return buffer
  }

  /**
   * Records that the blocks at `pieces` of `buffer` were handed out lent; with none, the buffer
   * is free at once. The buffer must hold nothing else that is in use.
   */
  lend (buffer: ArrayBuffer, pieces: Piece[]): void {
    if (pieces.length === 0) this.#give(buffer)
    else this.#lent.set(buffer, pieces)
  }

  /** Hands back the block `bytes` is (or is a view inside); the buffer is free after its last. */
  release (bytes: Uint8Array): void {
    const buffer = bytes.buffer as ArrayBuffer
    const pieces = this.#lent.get(buffer)
    if (pieces == null) return
    const start = bytes.byteOffset
    const end = start + bytes.byteLength
    const i = pieces.findIndex(piece => start >= piece.offset && end <= piece.offset + piece.length)
    if (i === -1) return
    pieces.splice(i, 1)
    if (pieces.length > 0) return
    this.#lent.delete(buffer)
    this.#give(buffer)
  }

  /** The buffer `bytes` is in is never handed out again. */
  keep (bytes: Uint8Array): void {
    this.#lent.delete(bytes.buffer as ArrayBuffer)
  }

  #give (buffer: ArrayBuffer): void {
    // a buffer moved to the hash worker and not given back is detached: nothing to reuse
    if (buffer.byteLength === 0 || this.#freeBytes + buffer.byteLength > this.#maxFreeBytes) return
    let list = this.#free.get(buffer.byteLength)
    if (list == null) this.#free.set(buffer.byteLength, list = [])
    list.push(buffer)
    this.#freeBytes += buffer.byteLength
  }
}

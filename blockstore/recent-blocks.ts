/**
 * Recently read small blocks, kept in memory after their hash was checked. A small block costs
 * more to find (an index lookup, a `pread`, a fresh buffer, a hash) than to hand out, and small
 * blocks are read again and again: directory nodes, and the single blocks a trustless gateway
 * serves to Helia's block brokers (with it, ~55k instead of ~40k `?format=raw` requests per second
 * here). Bigger blocks (file data, read once while streaming) are never kept, and the budget is
 * small: this is no page cache.
 *
 * Eviction is first in, first out. Deleting a block forgets it, and a read that began before a
 * delete does not keep what it read (see {@link epoch}). A kept block is shared by every reader:
 * blocks are immutable, and nobody may write into one.
 */
export class RecentBlocks {
  readonly #blocks = new Map<string, Uint8Array>()
  readonly #budget: number
  readonly #maxSize: number
  #bytes = 0
  #epoch = 0

  /**
   * @param budget - the bytes kept in all (0 keeps nothing)
   * @param maxSize - the largest block kept
   */
  constructor (budget: number, maxSize: number) {
    this.#budget = budget
    this.#maxSize = Math.min(maxSize, budget)
  }

  /**
   * Changes with every delete: a reader takes it before looking the block up and hands it to
   * {@link add}, which keeps nothing if a delete came in between (the block may be gone).
   */
  get epoch (): number {
    return this.#epoch
  }

  get (multihash: Uint8Array): Uint8Array | undefined {
    if (this.#bytes === 0) return undefined
    return this.#blocks.get(keyOf(multihash))
  }

  /** Keeps a block just read and checked, if it is small enough and nothing was deleted since `epoch`. */
  add (multihash: Uint8Array, bytes: Uint8Array, epoch: number): void {
    if (bytes.byteLength > this.#maxSize || epoch !== this.#epoch) return
    const key = keyOf(multihash)
    if (this.#blocks.has(key)) return
    this.#blocks.set(key, bytes)
    this.#bytes += bytes.byteLength
    for (const [oldest, block] of this.#blocks) {
      if (this.#bytes <= this.#budget) break
      this.#blocks.delete(oldest)
      this.#bytes -= block.byteLength
    }
  }

  delete (multihash: Uint8Array): void {
    this.#epoch++
    const key = keyOf(multihash)
    const block = this.#blocks.get(key)
    if (block == null) return
    this.#blocks.delete(key)
    this.#bytes -= block.byteLength
  }

  clear (): void {
    this.#epoch++
    this.#blocks.clear()
    this.#bytes = 0
  }
}

/** A multihash as a map key: its bytes, one latin1 character each. */
function keyOf (multihash: Uint8Array): string {
  return Buffer.from(multihash.buffer, multihash.byteOffset, multihash.byteLength).toString('latin1')
}

import type { CID } from 'multiformats/cid'

/** Options every async operation accepts. */
export interface AbortOptions {
  signal?: AbortSignal
}

/** A block: its CID and its exact bytes. */
export interface Block {
  cid: CID
  bytes: Uint8Array
}

/** Options for writes. */
export interface PutOptions extends AbortOptions {
  /** Accept blocks over {@link MAX_BLOCK_SIZE} (Kubo's `--allow-big-block`). Default false. */
  allowBigBlock?: boolean
}

/** The largest block accepted unless `allowBigBlock` is set: 2 MiB, as Kubo and Bitswap. */
export const MAX_BLOCK_SIZE = 2 * 1024 * 1024

/**
 * Anything blocks can be read from. `get` returns bytes that hash to the CID's multihash, or
 * throws `BlockNotFoundError` / `BlockCorruptError`.
 */
export interface BlockGetter {
  get(cid: CID, options?: AbortOptions): Promise<Uint8Array>
}

/** Anything blocks can be written to, atomically per call. */
export interface BlockSink {
  putMany(blocks: Block[], options?: PutOptions): Promise<void>
}

/**
 * Block storage keyed by multihash: CIDs that differ only in version or codec share one block.
 * Identity CIDs are answered from the CID itself and never stored.
 */
export interface Blockstore extends BlockGetter, BlockSink {
  has(cid: CID, options?: AbortOptions): Promise<boolean>
  /** The block's size from the index alone, or undefined when absent. */
  getSize(cid: CID, options?: AbortOptions): Promise<number | undefined>
  put(block: Block, options?: PutOptions): Promise<void>
  /** Removes blocks; absent ones are ignored. Atomic per call. */
  deleteMany(cids: CID[], options?: AbortOptions): Promise<void>
  /** Every stored multihash (as raw multihash bytes). */
  multihashes(options?: AbortOptions): AsyncIterable<Uint8Array>
  /** Called with each block newly made visible (after it is durable). Returns an unsubscribe. */
  onBlock(listener: (block: Block) => void): () => void
}

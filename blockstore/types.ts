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

/** Options for reads. */
export interface GetOptions extends AbortOptions {
  /**
   * Lend the bytes rather than give them: they stay as returned until handed back with
   * {@link BlockGetter.release}, and may then be read into again. A reader that knows when it is
   * done with each block (the CLI's `cat`, once a chunk is written to stdout) then streams a large
   * file through a few reused buffers instead of a fresh one per read: that fresh memory, its page
   * faults and the garbage collections it sets off were a third of such a cat's time, and most of
   * its peak memory. Only large blocks read together are lent; any other read returns its own
   * bytes, for which `release` does nothing. A getter that cannot lend ignores it.
   */
  lend?: boolean
}

/** The largest block accepted unless `allowBigBlock` is set: 2 MiB, as Kubo and Bitswap. */
export const MAX_BLOCK_SIZE = 2 * 1024 * 1024

/**
 * Anything blocks can be read from. `get` returns bytes that hash to the CID's multihash, or
 * throws `BlockNotFoundError` / `BlockCorruptError`.
 */
export interface BlockGetter {
  get(cid: CID, options?: GetOptions): Promise<Uint8Array>
  /**
   * Hands back bytes a `get` with `lend` returned (or a view inside them): they may be read into
   * again. Anything else is ignored. A getter that lends nothing need not have it.
   */
  release?(bytes: Uint8Array): void
  /**
   * Keeps bytes a `get` with `lend` returned for good: they are never read into again, whatever
   * is released later (a node whose links are still to be followed). Anything else is ignored.
   */
  keep?(bytes: Uint8Array): void
  /**
   * Blocks a walker over this getter should ask for ahead of the one it needs, when the getter
   * knows better than the walker's default (a getter that fetches from the network needs a
   * wider window than the local store to keep the link busy).
   */
  readonly readAhead?: number
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

/** A stored block as the index knows it: its multihash bytes and its size in bytes. */
export interface BlockEntry {
  multihash: Uint8Array
  size: number
}

/** The outcome of checking one stored block against its multihash. */
export interface BlockVerifyResult {
  /** CIDv1 raw of the stored multihash (blocks are stored by multihash, not by CID). */
  cid: CID
  ok: boolean
  /** Why the block failed (`BlockCorruptError`, or the error that stopped reading it). */
  error?: Error
}

/** What `compact()` did. */
export interface CompactResult {
  /** Packs deleted because no indexed block was left in them. */
  packsDeleted: number
  /** Sparse packs whose live blocks were copied to the newest pack before deletion. */
  packsRewritten: number
  /** Sparse packs left as they are because a live block in them failed verification. */
  packsSkipped: number
  /** Bytes of block data copied. */
  bytesCopied: number
  /** Disk bytes freed (sizes of deleted packs minus the bytes copied out of them). */
  bytesReclaimed: number
}

/**
 * The blockstore on disk: a {@link Blockstore} that is opened and closed, lists sizes, verifies
 * itself, and reclaims the space of deleted blocks.
 */
export interface PackBlockstore extends Blockstore {
  /** Large blocks read together are lent on request (`GetOptions.lend`): see `lent-buffers.ts`. */
  release(bytes: Uint8Array): void
  keep(bytes: Uint8Array): void
  /** Opens (creating if needed) the store. Idempotent. */
  open(): Promise<void>
  /** Waits for writes in progress, then closes. Idempotent. */
  close(): Promise<void>
  /** Every stored block's multihash and size, from the index alone. */
  entries(options?: AbortOptions): AsyncIterable<BlockEntry>
  /** Re-reads and re-hashes every stored block, yielding one result per block. */
  verify(options?: AbortOptions): AsyncIterable<BlockVerifyResult>
  /**
   * Reclaims the space of deleted blocks: deletes packs with no live block and rewrites sparse
   * ones. Crash-safe at every step; runs alongside reads and writes.
   */
  compact(options?: AbortOptions): Promise<CompactResult>
}

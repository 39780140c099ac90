/**
 * Limits and defaults of the blockstore, pins and GC. Every option of this subsystem defaults to
 * one of these, resolved in one place (`resolveBlockstoreInit`, `resolvePinsInit`,
 * `resolveGarbageCollectorInit`).
 */

/** Version of the on-disk format (pack files and index). A store with any other is refused. */
export const BLOCKSTORE_FORMAT_VERSION = 1

/** Version of the pin records' format in the metadata datastore. */
export const PINS_FORMAT_VERSION = 1

/** A pack is closed and a new one started once it would grow past this: 64 MiB. */
export const DEFAULT_MAX_PACK_SIZE = 64 * 1024 * 1024

/** Pack files kept open for reading (least recently used ones are closed first): 64. */
export const DEFAULT_MAX_OPEN_PACKS = 64

/**
 * `compact()` rewrites a pack whose live bytes are below this share of its file size: 0.5.
 * A pack with no live block at all is simply deleted.
 */
export const DEFAULT_COMPACT_LIVE_RATIO = 0.5

/** Live bytes `compact()` copies per step (one fdatasync and one index batch each): 16 MiB. */
export const DEFAULT_COMPACT_STEP_SIZE = 16 * 1024 * 1024

/** Blocks read at once while walking a DAG (pin add, pin verify, GC mark, indirect pins): 8. */
export const DEFAULT_WALK_CONCURRENCY = 8

/**
 * Blocks the DAG walker loads ahead of its consumer, and the most loads it has in flight, when
 * its caller names no other window (`refs`, `dag export`, `dag stat`): 16.
 */
export const DEFAULT_WALK_READ_AHEAD = 16

/** Blocks GC deletes per index batch: 1024. */
export const DEFAULT_GC_DELETE_BATCH = 1024

/**
 * Removed CIDs GC keeps for a caller that reads slower than it removes: 65536 (a few MiB). Past
 * that they are counted, not kept, so GC never waits on its reader while it holds the lock.
 */
export const DEFAULT_GC_REPORT_BUFFER = 65_536

/** Bad blocks `pins.verify()` reports per pin before it stops listing them: 1000. */
export const MAX_BAD_NODES_PER_PIN = 1000

/**
 * Blocks up to this size are read with a synchronous positional read: from the page cache that
 * costs ~1.5 µs against ~5 µs of event-loop time plus a thread-pool round trip for an async
 * read, and it bounds how long the event loop can be held to one small read.
 */
export const SYNC_READ_MAX_BYTES = 64 * 1024

/** Bytes of recently read small blocks kept in memory (see `recent-blocks.ts`): 8 MiB. */
export const DEFAULT_RECENT_BLOCKS_BYTES = 8 * 1024 * 1024
/** The largest block the recent-blocks cache keeps: 8 KiB. */
export const RECENT_BLOCK_MAX_SIZE = 8 * 1024

/**
 * Blocks read are checked against their multihash (Kubo's `Datastore.HashOnRead`, which Kubo
 * leaves off): on. A corrupt block is then an error, never content.
 */
export const DEFAULT_HASH_ON_READ = true

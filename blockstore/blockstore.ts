/**
 * The blockstore: block bytes appended to pack files, a LevelDB index from multihash to
 * (pack, offset, length). Value separation as in WiscKey/Badger keeps the large bytes out of the
 * LSM tree (`reference/performance-anchors.md` §10: ~400 MB/s against ~220 MB/s for blocks as
 * LevelDB values).
 *
 * Rules that keep it crash-safe:
 * - A block becomes visible only when its index entry is written, and the index entry is written
 *   only after the pack bytes are durable (fdatasync once per `putMany`, then one synced LevelDB
 *   batch). Bytes a crash leaves past the last indexed record are never read.
 * - Every change to packs and index is serialized in this process by one mutex; LevelDB's lock
 *   keeps other processes out.
 * - `compact()` (compaction.ts) copies, syncs, repoints the index, and only then unlinks; a crash
 *   between any two steps leaves at worst unreferenced bytes, which the next `compact()` reclaims.
 * - A write that fails (a full disk) is rolled back: the pack files return to their state before
 *   the batch, also when the index batch after them fails, and the error is a `NoSpaceError`.
 */
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { mkdir } from 'node:fs/promises'
import { Level } from 'level'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import {
  BlockCorruptError, BlockNotFoundError, BlockTooBigError, CairnError, RepoVersionError, messageOf
} from '../errors/index.ts'
import {
  BLOCKSTORE_FORMAT_VERSION, DEFAULT_COMPACT_LIVE_RATIO, DEFAULT_COMPACT_STEP_SIZE,
  DEFAULT_HASH_ON_READ, DEFAULT_MAX_OPEN_PACKS, DEFAULT_MAX_PACK_SIZE, DEFAULT_RECENT_BLOCKS_BYTES, RECENT_BLOCK_MAX_SIZE
} from './constants.ts'
import { isAbortError, throwIfAborted } from '../errors/abort.ts'
import { loggerFor, type ComponentLogger, type Logger } from '../logger/index.ts'
import { RecentBlocks } from './recent-blocks.ts'
// stored blocks are named in reports by raw CIDs: blocks are kept by multihash only
import { IDENTITY as IDENTITY_CODE, RAW as RAW_CODEC } from './codes.ts'
import { assertSupportedHash } from './hashes.ts'
import { BlockReader } from './block-reader.ts'
import { Sha256Worker } from './hash-worker.ts'
import { Mutex } from './mutex.ts'
import { compactPacks, type CompactionStep, type IndexOperation } from './compaction.ts'
import {
  PACK_HEADER_SIZE, PackFiles, decodeLocation, encodeLocation, noSpaceError, packName
} from './pack-files.ts'
import type { PackRecord, PackWriteStep } from './pack-files.ts'
import type {
  AbortOptions, Block, BlockEntry, BlockVerifyResult, CompactResult, GetOptions, PackBlockstore, PutOptions
} from './types.ts'
import { MAX_BLOCK_SIZE } from './types.ts'

/** Collaborators of the blockstore. */
export interface BlockstoreComponents {
  /** Directory for block data (`packs/`) and the index (`index/`); created if missing. */
  path: string
  /** Logs as `cairn:blockstore:store`. Default: silent. */
  logger?: ComponentLogger
}

/**
 * A point in a write where a crash is interesting. Tests hook {@link BlockstoreInit.onStep} to
 * kill the process exactly there.
 */
export type BlockstoreStep =
  | 'put:packs-synced'
  | 'index:write'
  | 'put:indexed'
  | 'delete:indexed'
  | CompactionStep
  | PackWriteStep

/** Options of the blockstore. */
export interface BlockstoreInit {
  /** A pack rolls over to a new one before it would pass this size. Default {@link DEFAULT_MAX_PACK_SIZE} (64 MiB). */
  maxPackSize?: number
  /** Read descriptors kept open. Default {@link DEFAULT_MAX_OPEN_PACKS} (64). */
  maxOpenPacks?: number
  /** `compact()` rewrites packs whose live share is below this. Default {@link DEFAULT_COMPACT_LIVE_RATIO} (0.5). */
  compactLiveRatio?: number
  /** Bytes `compact()` copies per synced step. Default {@link DEFAULT_COMPACT_STEP_SIZE} (16 MiB). */
  compactStepSize?: number
  /**
   * Bytes of recently read small blocks kept in memory (see `recent-blocks.ts`); 0 keeps none.
   * Default {@link DEFAULT_RECENT_BLOCKS_BYTES} (8 MiB).
   */
  recentBlocksBytes?: number
  /**
   * Check every block read against its multihash (Kubo's `Datastore.HashOnRead`); a block that
   * does not match is a `BlockCorruptError`. Off, blocks are returned as stored, unchecked.
   * Default {@link DEFAULT_HASH_ON_READ} (true).
   */
  hashOnRead?: boolean
  /**
   * Check large reads on a worker thread (`hash-worker.ts`) while the main thread reads and
   * writes on. Default {@link defaultHashWorker}: only where the machine has more than two cores.
   */
  hashWorker?: boolean
  /** Fault-injection hook for crash tests, awaited at each {@link BlockstoreStep}. Default none. */
  onStep?(step: BlockstoreStep): void | Promise<void>
}

/** {@link BlockstoreInit} with every default applied. */
export interface ResolvedBlockstoreInit {
  maxPackSize: number
  maxOpenPacks: number
  compactLiveRatio: number
  compactStepSize: number
  recentBlocksBytes: number
  hashOnRead: boolean
  hashWorker: boolean
  onStep?(step: BlockstoreStep): void | Promise<void>
}

/**
 * Whether reads are checked on a worker thread by default: with more than two cores. On two, the
 * worker's hashing competes for the same two cores with the reads and writes on libuv's threads
 * and with the reader of the output, and costs more CPU than hashing in place (the transfers, a
 * second isolate): `cat` of 1 GiB (unixfs-v0-2015) into `wc -c` took 2.86 s with it and 2.32 s
 * without (CPU 3.77 vs 3.11 s; 5 alternating runs, 2026-12-03).
 */
export function defaultHashWorker (): boolean {
  return availableParallelism() > 2
}

/** Applies the defaults to blockstore options and checks their ranges. */
export function resolveBlockstoreInit (init: BlockstoreInit = {}): ResolvedBlockstoreInit {
  const resolved: ResolvedBlockstoreInit = {
    maxPackSize: init.maxPackSize ?? DEFAULT_MAX_PACK_SIZE,
    maxOpenPacks: init.maxOpenPacks ?? DEFAULT_MAX_OPEN_PACKS,
    compactLiveRatio: init.compactLiveRatio ?? DEFAULT_COMPACT_LIVE_RATIO,
    compactStepSize: init.compactStepSize ?? DEFAULT_COMPACT_STEP_SIZE,
    recentBlocksBytes: init.recentBlocksBytes ?? DEFAULT_RECENT_BLOCKS_BYTES,
    hashOnRead: init.hashOnRead ?? DEFAULT_HASH_ON_READ,
    hashWorker: init.hashWorker ?? defaultHashWorker(),
    onStep: init.onStep
  }
  if (!Number.isSafeInteger(resolved.maxPackSize) || resolved.maxPackSize <= PACK_HEADER_SIZE) {
    throw new RangeError(`maxPackSize must be an integer above ${PACK_HEADER_SIZE}`)
  }
  if (!Number.isSafeInteger(resolved.maxOpenPacks) || resolved.maxOpenPacks < 1) {
    throw new RangeError('maxOpenPacks must be a positive integer')
  }
  if (!(resolved.compactLiveRatio >= 0 && resolved.compactLiveRatio <= 1)) {
    throw new RangeError('compactLiveRatio must be between 0 and 1')
  }
  if (!Number.isSafeInteger(resolved.compactStepSize) || resolved.compactStepSize < 1) {
    throw new RangeError('compactStepSize must be a positive integer')
  }
  if (!Number.isSafeInteger(resolved.recentBlocksBytes) || resolved.recentBlocksBytes < 0) {
    throw new RangeError('recentBlocksBytes must be a non-negative integer')
  }
  return resolved
}

/** Opens (with `open()`) a blockstore in `components.path`. */
export function createBlockstore (components: BlockstoreComponents, init: BlockstoreInit = {}): PackBlockstore {
  return new PackedBlockstore(components, resolveBlockstoreInit(init))
}

/** Largest block the pack record format can hold (u32 length). */
const MAX_RECORD_BLOCK = 0xffff_ffff

type State = 'closed' | 'opening' | 'open' | 'closing'

interface PendingRecord extends PackRecord {
  block: Block
}

function keyString (bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1')
}

function openIndex (path: string) {
  return new Level<Uint8Array, Uint8Array>(path, { keyEncoding: 'view', valueEncoding: 'view' })
}

function blocksOf (db: IndexDB) {
  return db.sublevel<Uint8Array, Uint8Array>('blocks', { keyEncoding: 'view', valueEncoding: 'view' })
}

type IndexDB = ReturnType<typeof openIndex>
/** multihash bytes → encoded {@link Location} */
type BlockIndex = ReturnType<typeof blocksOf>

function errorCode (err: unknown): unknown {
  return (err as { code?: unknown } | null)?.code
}

class PackedBlockstore implements PackBlockstore {
  readonly #path: string
  readonly #init: ResolvedBlockstoreInit
  readonly #packs: PackFiles
  readonly #writeLock = new Mutex()
  readonly #compactLock = new Mutex()
  readonly #listeners = new Set<(block: Block) => void>()
  #db: IndexDB | undefined
  #index: BlockIndex | undefined
  #state: State = 'closed'
  #opening: Promise<void> | undefined
  /** LevelDB here can answer `getSync` (classic-level can) */
  #syncReads = false
  #reader: BlockReader
  readonly #recent: RecentBlocks
  #hasher: Sha256Worker | undefined
  readonly #log: Logger

  constructor (components: BlockstoreComponents, init: ResolvedBlockstoreInit) {
    this.#path = components.path
    this.#log = loggerFor(components.logger, 'cairn:blockstore:store')
    this.#init = init
    this.#recent = new RecentBlocks(init.recentBlocksBytes, RECENT_BLOCK_MAX_SIZE)
    this.#packs = new PackFiles(join(components.path, 'packs'), {
      maxPackSize: init.maxPackSize,
      maxOpenPacks: init.maxOpenPacks,
      onWrite: init.onStep
    })
    this.#reader = this.#newReader()
  }

  async open (): Promise<void> {
    if (this.#state === 'open') return
    if (this.#state === 'opening' && this.#opening != null) return await this.#opening
    if (this.#state === 'closing') throw new CairnError('the blockstore is closing')
    this.#state = 'opening'
    this.#opening = this.#open()
    try {
      await this.#opening
      this.#state = 'open'
      this.#log('opened %s', this.#path)
    } catch (err) {
      this.#state = 'closed'
      throw err
    } finally {
      this.#opening = undefined
    }
  }

  async #open (): Promise<void> {
    await mkdir(this.#path, { recursive: true })
    const db = openIndex(join(this.#path, 'index'))
    await db.open()
    try {
      await this.#checkVersion(db)
      await this.#packs.open()
    } catch (err) {
      await db.close()
      throw err
    }
    const index = blocksOf(db)
    // a sublevel opens on its own, a tick later: `getSync` before then throws "not open"
    await index.open()
    this.#db = db
    this.#index = index
    this.#hasher = this.#init.hashWorker ? new Sha256Worker() : undefined
    this.#reader = this.#newReader()
    this.#syncReads = (db.supports as { getSync?: boolean }).getSync === true
  }

  #newReader (): BlockReader {
    return new BlockReader({ packs: this.#packs, hasher: this.#hasher })
  }

  async #checkVersion (db: IndexDB): Promise<void> {
    const meta = db.sublevel<string, string>('meta', { keyEncoding: 'utf8', valueEncoding: 'utf8' })
    const version = await meta.get('version')
    if (version == null) {
      if ((await db.keys({ limit: 1 }).all()).length > 0) {
        throw new RepoVersionError(`the block index in ${this.#path} has no format version; it was not ` +
          'written by this Cairn. Move it aside or migrate the repo.')
      }
      await db.batch([{ type: 'put', sublevel: meta, key: 'version', value: String(BLOCKSTORE_FORMAT_VERSION) }], { sync: true })
      return
    }
    if (version !== String(BLOCKSTORE_FORMAT_VERSION)) {
      throw new RepoVersionError(`the block index in ${this.#path} has format version ${version}; this ` +
        `Cairn reads version ${BLOCKSTORE_FORMAT_VERSION}. Use the Cairn release that wrote it, or migrate the repo.`)
    }
  }

  async close (): Promise<void> {
    // a failed open was reported to the caller of open(); close only waits for it to settle
    if (this.#opening != null) await this.#opening.catch(() => {})
    if (this.#state !== 'open') return
    this.#state = 'closing'
    try {
      await this.#compactLock.run(async () => {
        await this.#writeLock.run(async () => {
          await this.#packs.close()
          await this.#hasher?.close()
          await this.#db?.close()
          this.#db = undefined
          this.#index = undefined
          this.#recent.clear()
        })
      })
    } finally {
      this.#state = 'closed'
    }
  }


  onBlock (listener: (block: Block) => void): () => void {
    this.#listeners.add(listener)
    return () => { this.#listeners.delete(listener) }
  }

  async has (cid: CID, options: AbortOptions = {}): Promise<boolean> {
    throwIfAborted(options.signal)
    if (cid.multihash.code === IDENTITY_CODE) return true
    return (await this.#lookup(cid.multihash.bytes)) != null
  }

  async getSize (cid: CID, options: AbortOptions = {}): Promise<number | undefined> {
    throwIfAborted(options.signal)
    if (cid.multihash.code === IDENTITY_CODE) return cid.multihash.digest.byteLength
    const value = await this.#lookup(cid.multihash.bytes)
    return value == null ? undefined : decodeLocation(value).length
  }

  /**
   * The index entry of a multihash. Read synchronously where LevelDB allows it: an entry is a few
   * bytes, almost always in LevelDB's cache or the page cache, and a lookup takes about a
   * microsecond, while a trip through the thread pool costs several times that in CPU (a third
   * of the daemon's time under a `block/stat` load).
   */
  async #lookup (multihash: Uint8Array): Promise<Uint8Array | undefined> {
    const index = this.#blocks()
    if (this.#syncReads) return index.getSync(multihash)
    return await index.get(multihash)
  }

  async get (cid: CID, options: GetOptions = {}): Promise<Uint8Array> {
    return await this.#get(cid, this.#init.hashOnRead ? 'checked' : 'unchecked', options)
  }

  release (bytes: Uint8Array): void {
    this.#reader.release(bytes)
  }

  keep (bytes: Uint8Array): void {
    this.#reader.keep(bytes)
  }

  /**
   * A block's bytes: `checked` against its multihash, `unchecked` as stored (`hashOnRead` off),
   * or checked and read from the pack even when recently read (`verify`, which must see what
   * the disk holds; with `hashOnRead` off, the recent blocks were not checked).
   */
  async #get (cid: CID, how: 'checked' | 'unchecked' | 'from-disk', options: GetOptions): Promise<Uint8Array> {
    throwIfAborted(options.signal)
    const multihash = cid.multihash
    if (multihash.code === IDENTITY_CODE) return multihash.digest
    const index = this.#blocks()
    const recent = how === 'from-disk' ? undefined : this.#recent.get(multihash.bytes)
    if (recent != null) return recent
    const check = how !== 'unchecked'
    const epoch = this.#recent.epoch
    // a second look at the index when compact() moved the block between our lookup and read
    for (let attempt = 0; ; attempt++) {
      const value = this.#syncReads ? index.getSync(multihash.bytes) : await index.get(multihash.bytes)
      if (value == null) {
        this.#log('get %s: not in the store', cid)
        throw new BlockNotFoundError(`block ${cid} is not in the blockstore`)
      }
      const location = decodeLocation(value)
      let checked: Uint8Array | undefined
      try {
        checked = await this.#reader.read(multihash, location, check, options.lend === true)
      } catch (err) {
        if (errorCode(err) === 'ENOENT' && attempt === 0) continue
        if ((err as Error | null)?.name === 'RepoVersionError') throw err
        throw new BlockCorruptError(`block ${cid} could not be read from ${packName(location.pack)} at offset ` +
          `${location.offset}: ${messageOf(err)}. Run 'repo verify' and re-fetch or re-add it.`, { cause: err })
      }
      if (checked == null) {
        throw new BlockCorruptError(`block ${cid} is corrupt: the ${location.length} bytes at offset ` +
          `${location.offset} of ${packName(location.pack)} do not hash to its multihash. ` +
          'Remove it (block rm) and re-fetch or re-add it.')
      }
      this.#recent.add(multihash.bytes, checked, epoch)
      return checked
    }
  }

  async put (block: Block, options: PutOptions = {}): Promise<void> {
    await this.putMany([block], options)
  }

  async putMany (blocks: Block[], options: PutOptions = {}): Promise<void> {
    throwIfAborted(options.signal)
    this.#blocks()
    const records: PendingRecord[] = []
    for (const block of blocks) {
      const multihash = block.cid.multihash
      if (multihash.code === IDENTITY_CODE) continue
      assertSupportedHash(multihash)
      const size = block.bytes.byteLength
      if ((size > MAX_BLOCK_SIZE && options.allowBigBlock !== true) || size > MAX_RECORD_BLOCK) {
        throw new BlockTooBigError(`block ${block.cid} is ${size} bytes, over the ${MAX_BLOCK_SIZE} byte limit ` +
          'that Bitswap peers accept; pass allowBigBlock to store it anyway.')
      }
      records.push({ multihash: multihash.bytes, bytes: block.bytes, block })
    }
    if (records.length === 0) return

    const added = await this.#writeLock.run(async () => {
      const index = this.#blocks()
      throwIfAborted(options.signal)
      const present = await index.hasMany(records.map(record => record.multihash))
      const seen = new Set<string>()
      const fresh: PendingRecord[] = []
      records.forEach((record, i) => {
        if (present[i]) return
        const key = keyString(record.multihash)
        if (seen.has(key)) return
        seen.add(key)
        fresh.push(record)
      })
      if (fresh.length === 0) return fresh
      // from here on the batch is written whole or not at all; abort no longer applies
      const mark = this.#packs.mark()
      const locations = await this.#packs.append(fresh)
      await this.#step('put:packs-synced')
      try {
        await this.#writeIndex(fresh.map((record, i) => ({
          type: 'put',
          key: record.multihash,
          value: encodeLocation(locations[i])
        })))
      } catch (err) {
        // not indexed, so never readable: give the bytes back rather than leave them on a full disk
        await this.#packs.rollback(mark).catch(() => {})
        throw err
      }
      await this.#step('put:indexed')
      return fresh
    })
    if (added.length > 0) this.#log('stored %d new blocks (%d given)', added.length, blocks.length)
    for (const record of added) this.#emit(record.block)
  }

  async deleteMany (cids: CID[], options: AbortOptions = {}): Promise<void> {
    throwIfAborted(options.signal)
    const keys = cids.filter(cid => cid.multihash.code !== IDENTITY_CODE).map(cid => cid.multihash.bytes)
    if (keys.length === 0) return
    await this.#writeLock.run(async () => {
      throwIfAborted(options.signal)
      for (const key of keys) this.#recent.delete(key)
      await this.#writeIndex(keys.map(key => ({ type: 'del', key })))
      await this.#step('delete:indexed')
    })
  }

  async * multihashes (options: AbortOptions = {}): AsyncGenerator<Uint8Array> {
    for await (const key of this.#blocks().keys()) {
      throwIfAborted(options.signal)
      yield key
    }
  }

  async * entries (options: AbortOptions = {}): AsyncGenerator<BlockEntry> {
    for await (const [multihash, value] of this.#blocks().iterator()) {
      throwIfAborted(options.signal)
      yield { multihash, size: decodeLocation(value).length }
    }
  }

  async * verify (options: AbortOptions = {}): AsyncGenerator<BlockVerifyResult> {
    for await (const multihash of this.multihashes(options)) {
      let cid: CID
      try {
        cid = CID.createV1(RAW_CODEC, Digest.decode(multihash))
      } catch (err) {
        throw new BlockCorruptError(`the block index holds a key that is not a multihash (${Buffer.from(multihash).toString('hex')})`, { cause: err })
      }
      try {
        await this.#get(cid, 'from-disk', options)
        yield { cid, ok: true }
      } catch (err) {
        // deleted since the listing began: not a fault
        if ((err as Error).name === 'BlockNotFoundError') continue
        if (isAbortError(err)) throw err
        yield { cid, ok: false, error: err as Error }
      }
    }
  }

  async compact (options: AbortOptions = {}): Promise<CompactResult> {
    return await this.#compactLock.run(async () => {
      const index = this.#blocks()
      return await compactPacks({
        packs: this.#packs,
        entries: () => index.iterator(),
        lookup: async (multihashes) => await this.#blocks().getMany(multihashes),
        writeIndex: async (operations) => { await this.#writeIndex(operations) },
        exclusive: async (fn) => await this.#writeLock.run(fn),
        assertRunning: () => { this.#assertRunning() },
        step: async (step) => { await this.#step(step) }
      }, this.#init, options)
    })
  }

  /**
   * One atomic, synced index batch: synced so that an index entry (and a pin written after it)
   * never outlives a power cut that its block's bytes survived only in the page cache.
   */
  async #writeIndex (operations: IndexOperation[]): Promise<void> {
    const index = this.#blocks()
    try {
      await this.#step('index:write')
      await (this.#db as IndexDB).batch(operations.map(operation => ({ ...operation, sublevel: index })), { sync: true })
    } catch (err) {
      // LevelDB says "No space left on device" in its message: make it the named error
      throw noSpaceError(err, `write the block index in ${join(this.#path, 'index')}`)
    }
  }

  #blocks (): BlockIndex {
    if (this.#state !== 'open' || this.#index == null) throw new CairnError('the blockstore is not open')
    return this.#index
  }

  #assertRunning (): void {
    if (this.#state !== 'open') throw new CairnError('the blockstore is closing')
  }

  async #step (step: BlockstoreStep): Promise<void> {
    if (this.#init.onStep != null) await this.#init.onStep(step)
  }

  #emit (block: Block): void {
    for (const listener of this.#listeners) {
      try {
        listener(block)
      } catch (err) {
        // a listener's failure is its own; the block is stored either way
        this.#log.error('a block listener failed on %s: %e', block.cid, err)
      }
    }
  }
}

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
 * - `compact()` copies, syncs, repoints the index, and only then unlinks; a crash between any two
 *   steps leaves at worst unreferenced bytes, which the next `compact()` reclaims.
 */
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
  DEFAULT_MAX_OPEN_PACKS, DEFAULT_MAX_PACK_SIZE, DEFAULT_RECENT_BLOCKS_BYTES, RECENT_BLOCK_MAX_SIZE
} from './constants.ts'
import { RecentBlocks } from './recent-blocks.ts'
// stored blocks are named in reports by raw CIDs: blocks are kept by multihash only
import { IDENTITY as IDENTITY_CODE, RAW as RAW_CODEC, SHA2_256 as SHA2_256_CODE } from './codes.ts'
import { assertSupportedHash, matchesMultihash } from './hashes.ts'
import { Sha256Worker, ownsBuffer } from './hash-worker.ts'
import { Mutex } from './mutex.ts'
import {
  PACK_HEADER_SIZE, PackFiles, decodeLocation, encodeLocation, packName, recordSize
} from './pack-files.ts'
import type { Location, PackRecord } from './pack-files.ts'
import type { MultihashDigest } from 'multiformats/hashes/interface'
import type {
  AbortOptions, Block, BlockEntry, BlockVerifyResult, CompactResult, PackBlockstore, PutOptions
} from './types.ts'
import { MAX_BLOCK_SIZE } from './types.ts'

/** Collaborators of the blockstore. */
export interface BlockstoreComponents {
  /** Directory for block data (`packs/`) and the index (`index/`); created if missing. */
  path: string
}

/**
 * A point in a write where a crash is interesting. Tests hook {@link BlockstoreInit.onStep} to
 * kill the process exactly there.
 */
export type BlockstoreStep =
  | 'put:packs-synced'
  | 'put:indexed'
  | 'delete:indexed'
  | 'compact:copied'
  | 'compact:repointed'
  | 'compact:unlinked'

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
  onStep?(step: BlockstoreStep): void | Promise<void>
}

/** Applies the defaults to blockstore options and checks their ranges. */
export function resolveBlockstoreInit (init: BlockstoreInit = {}): ResolvedBlockstoreInit {
  const resolved: ResolvedBlockstoreInit = {
    maxPackSize: init.maxPackSize ?? DEFAULT_MAX_PACK_SIZE,
    maxOpenPacks: init.maxOpenPacks ?? DEFAULT_MAX_OPEN_PACKS,
    compactLiveRatio: init.compactLiveRatio ?? DEFAULT_COMPACT_LIVE_RATIO,
    compactStepSize: init.compactStepSize ?? DEFAULT_COMPACT_STEP_SIZE,
    recentBlocksBytes: init.recentBlocksBytes ?? DEFAULT_RECENT_BLOCKS_BYTES,
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

/** Index entries `compact()` holds in memory at once while rewriting packs. */
const COMPACT_MAX_ENTRIES = 256 * 1024
/** Blocks at least this big may be hash-checked on the worker thread (see hash-worker.ts). */
const OFF_THREAD_HASH_MIN_BYTES = 64 * 1024
/**
 * The worker starts only after this many such blocks were read by this store, so a command that
 * reads a block or two does not pay for starting a thread.
 */
const OFF_THREAD_HASH_AFTER_BLOCKS = 8
/** Most checks waiting on the worker; past that the main thread hashes too (both cores busy). */
const OFF_THREAD_HASH_MAX_PENDING = 4
/** Largest block the pack record format can hold (u32 length). */
const MAX_RECORD_BLOCK = 0xffff_ffff

type State = 'closed' | 'opening' | 'open' | 'closing'

type IndexOperation =
  | { type: 'put', key: Uint8Array, value: Uint8Array }
  | { type: 'del', key: Uint8Array }

interface IndexEntry {
  multihash: Uint8Array
  location: Location
}

interface PendingRecord extends PackRecord {
  block: Block
}

function sameLocation (a: Location, b: Location): boolean {
  return a.pack === b.pack && a.offset === b.offset && a.length === b.length
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
  #hasher = new Sha256Worker()
  /** blocks read so far that could be checked on the worker */
  #largeReads = 0
  readonly #recent: RecentBlocks

  constructor (components: BlockstoreComponents, init: ResolvedBlockstoreInit) {
    this.#path = components.path
    this.#init = init
    this.#recent = new RecentBlocks(init.recentBlocksBytes, RECENT_BLOCK_MAX_SIZE)
    this.#packs = new PackFiles(join(components.path, 'packs'), {
      maxPackSize: init.maxPackSize,
      maxOpenPacks: init.maxOpenPacks
    })
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
    this.#db = db
    this.#index = blocksOf(db)
    this.#hasher = new Sha256Worker()
    this.#largeReads = 0
    this.#syncReads = (db.supports as { getSync?: boolean }).getSync === true
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
    if (this.#opening != null) await this.#opening.catch(() => {})
    if (this.#state !== 'open') return
    this.#state = 'closing'
    try {
      await this.#compactLock.run(async () => {
        await this.#writeLock.run(async () => {
          await this.#packs.close()
          await this.#hasher.close()
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
    options.signal?.throwIfAborted()
    if (cid.multihash.code === IDENTITY_CODE) return true
    return (await this.#lookup(cid.multihash.bytes)) != null
  }

  async getSize (cid: CID, options: AbortOptions = {}): Promise<number | undefined> {
    options.signal?.throwIfAborted()
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

  async get (cid: CID, options: AbortOptions = {}): Promise<Uint8Array> {
    options.signal?.throwIfAborted()
    const multihash = cid.multihash
    if (multihash.code === IDENTITY_CODE) return multihash.digest
    const index = this.#blocks()
    const recent = this.#recent.get(multihash.bytes)
    if (recent != null) return recent
    const epoch = this.#recent.epoch
    // a second look at the index when compact() moved the block between our lookup and read
    for (let attempt = 0; ; attempt++) {
      const value = this.#syncReads ? index.getSync(multihash.bytes) : await index.get(multihash.bytes)
      if (value == null) {
        throw new BlockNotFoundError(`block ${cid} is not in the blockstore`)
      }
      const location = decodeLocation(value)
      let bytes: Uint8Array
      try {
        bytes = await this.#packs.read(location)
      } catch (err) {
        if (errorCode(err) === 'ENOENT' && attempt === 0) continue
        if ((err as Error | null)?.name === 'RepoVersionError') throw err
        throw new BlockCorruptError(`block ${cid} could not be read from ${packName(location.pack)} at offset ` +
          `${location.offset}: ${messageOf(err)}. Run 'repo verify' and re-fetch or re-add it.`, { cause: err })
      }
      const checked = await this.#checked(multihash, bytes, location)
      if (checked == null) {
        throw new BlockCorruptError(`block ${cid} is corrupt: the ${location.length} bytes at offset ` +
          `${location.offset} of ${packName(location.pack)} do not hash to its multihash. ` +
          'Remove it (block rm) and re-fetch or re-add it.')
      }
      this.#recent.add(multihash.bytes, checked, epoch)
      return checked
    }
  }

  /**
   * `bytes` if they hash to `multihash`, else undefined. A large sha2-256 block may be checked on
   * the worker thread, and then comes back in a new view (its buffer went there and back).
   */
  async #checked (multihash: MultihashDigest, bytes: Uint8Array, location: Location): Promise<Uint8Array | undefined> {
    if (multihash.code === SHA2_256_CODE && bytes.byteLength >= OFF_THREAD_HASH_MIN_BYTES && ownsBuffer(bytes) &&
      ++this.#largeReads > OFF_THREAD_HASH_AFTER_BLOCKS && this.#hasher.pending < OFF_THREAD_HASH_MAX_PENDING &&
      this.#hasher.available) {
      let result: { bytes: Uint8Array, digest: Uint8Array } | undefined
      try {
        result = await this.#hasher.digest(bytes)
      } catch {
        // the worker went away with the bytes: read them again, and check them here
        bytes = await this.#packs.read(location)
      }
      if (result != null) {
        const expected = multihash.digest
        const actual = result.digest
        const equal = actual.byteLength >= expected.byteLength &&
          Buffer.from(actual.buffer, actual.byteOffset, expected.byteLength).equals(expected)
        return equal ? result.bytes : undefined
      }
    }
    return matchesMultihash(multihash, bytes) ? bytes : undefined
  }

  async put (block: Block, options: PutOptions = {}): Promise<void> {
    await this.putMany([block], options)
  }

  async putMany (blocks: Block[], options: PutOptions = {}): Promise<void> {
    options.signal?.throwIfAborted()
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
      options.signal?.throwIfAborted()
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
      const locations = await this.#packs.append(fresh)
      await this.#step('put:packs-synced')
      await this.#writeIndex(fresh.map((record, i) => ({
        type: 'put',
        key: record.multihash,
        value: encodeLocation(locations[i])
      })))
      await this.#step('put:indexed')
      return fresh
    })
    for (const record of added) this.#emit(record.block)
  }

  async deleteMany (cids: CID[], options: AbortOptions = {}): Promise<void> {
    options.signal?.throwIfAborted()
    const keys = cids.filter(cid => cid.multihash.code !== IDENTITY_CODE).map(cid => cid.multihash.bytes)
    if (keys.length === 0) return
    await this.#writeLock.run(async () => {
      options.signal?.throwIfAborted()
      for (const key of keys) this.#recent.delete(key)
      await this.#writeIndex(keys.map(key => ({ type: 'del', key })))
      await this.#step('delete:indexed')
    })
  }

  async * multihashes (options: AbortOptions = {}): AsyncGenerator<Uint8Array> {
    for await (const key of this.#blocks().keys()) {
      options.signal?.throwIfAborted()
      yield key
    }
  }

  async * entries (options: AbortOptions = {}): AsyncGenerator<BlockEntry> {
    for await (const [multihash, value] of this.#blocks().iterator()) {
      options.signal?.throwIfAborted()
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
        await this.get(cid, options)
        yield { cid, ok: true }
      } catch (err) {
        // deleted since the listing began: not a fault
        if ((err as Error).name === 'BlockNotFoundError') continue
        if ((err as Error).name === 'AbortError') throw err
        yield { cid, ok: false, error: err as Error }
      }
    }
  }

  async compact (options: AbortOptions = {}): Promise<CompactResult> {
    return await this.#compactLock.run(async () => {
      const result: CompactResult = { packsDeleted: 0, packsRewritten: 0, packsSkipped: 0, bytesCopied: 0, bytesReclaimed: 0 }
      const index = this.#blocks()
      // Packs below the one being written only lose index entries from here on (deletes, or our
      // own repointing), so a snapshot of the index that shows a pack empty stays true.
      const writer = this.#packs.writerId
      const live = new Map<number, { bytes: number, blocks: number }>()
      for await (const [multihash, value] of index.iterator()) {
        options.signal?.throwIfAborted()
        const location = decodeLocation(value)
        if (location.pack >= writer) continue
        const stats = live.get(location.pack) ?? { bytes: 0, blocks: 0 }
        stats.bytes += recordSize(multihash, location.length)
        stats.blocks++
        live.set(location.pack, stats)
      }

      const sparse: number[] = []
      for (const id of await this.#packs.list()) {
        if (id >= writer) continue
        this.#assertRunning()
        const size = await this.#packs.size(id)
        const stats = live.get(id)
        if (stats == null) {
          await this.#packs.unlink(id)
          result.packsDeleted++
          result.bytesReclaimed += size
          await this.#step('compact:unlinked')
        } else if ((stats.bytes + PACK_HEADER_SIZE) / size < this.#init.compactLiveRatio) {
          sparse.push(id)
        }
      }

      // rewrite sparse packs in groups whose entries fit in memory together
      while (sparse.length > 0) {
        const group = new Set<number>()
        let count = 0
        while (sparse.length > 0 && (group.size === 0 || count + (live.get(sparse[0])?.blocks ?? 0) <= COMPACT_MAX_ENTRIES)) {
          const id = sparse.shift() as number
          group.add(id)
          count += live.get(id)?.blocks ?? 0
        }
        const entries = new Map<number, IndexEntry[]>()
        for await (const [multihash, value] of this.#blocks().iterator()) {
          options.signal?.throwIfAborted()
          const location = decodeLocation(value)
          if (!group.has(location.pack)) continue
          const list = entries.get(location.pack) ?? []
          list.push({ multihash, location })
          entries.set(location.pack, list)
        }
        for (const id of group) {
          await this.#rewrite(id, entries.get(id) ?? [], result, options)
        }
      }
      return result
    })
  }

  /** Moves a sparse pack's live blocks to the newest pack, then deletes it. */
  async #rewrite (id: number, entries: IndexEntry[], result: CompactResult, options: AbortOptions): Promise<void> {
    const size = await this.#packs.size(id)
    entries.sort((a, b) => a.location.offset - b.location.offset)
    let copied = 0
    let i = 0
    while (i < entries.length) {
      options.signal?.throwIfAborted()
      this.#assertRunning()
      const step: Array<IndexEntry & { bytes: Uint8Array }> = []
      let stepBytes = 0
      while (i < entries.length && (step.length === 0 || stepBytes + entries[i].location.length <= this.#init.compactStepSize)) {
        const entry = entries[i++]
        let bytes: Uint8Array
        try {
          bytes = await this.#packs.read(entry.location)
          if (!matchesMultihash(Digest.decode(entry.multihash), bytes)) throw new Error('hash mismatch')
        } catch {
          // a live block that fails verification stays where it is, for verify to report
          result.packsSkipped++
          return
        }
        step.push({ ...entry, bytes })
        stepBytes += bytes.byteLength
      }
      copied += await this.#writeLock.run(async () => {
        const index = this.#blocks()
        const current = await index.getMany(step.map(entry => entry.multihash))
        const still = step.filter((entry, j) => {
          const value = current[j]
          return value != null && sameLocation(decodeLocation(value), entry.location)
        })
        if (still.length === 0) return 0
        const locations = await this.#packs.append(still)
        await this.#step('compact:copied')
        await this.#writeIndex(still.map((entry, j) => ({
          type: 'put',
          key: entry.multihash,
          value: encodeLocation(locations[j])
        })))
        await this.#step('compact:repointed')
        return still.reduce((sum, entry) => sum + entry.bytes.byteLength, 0)
      })
    }
    await this.#packs.unlink(id)
    await this.#step('compact:unlinked')
    result.packsRewritten++
    result.bytesCopied += copied
    result.bytesReclaimed += Math.max(0, size - copied)
  }

  /**
   * One atomic, synced index batch: synced so that an index entry (and a pin written after it)
   * never outlives a power cut that its block's bytes survived only in the page cache.
   */
  async #writeIndex (operations: IndexOperation[]): Promise<void> {
    const index = this.#blocks()
    await (this.#db as IndexDB).batch(operations.map(operation => ({ ...operation, sublevel: index })), { sync: true })
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
      } catch {
        // a listener's failure is its own; the block is stored either way
      }
    }
  }
}

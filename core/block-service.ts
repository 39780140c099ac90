/**
 * The block service: every block read goes through here (`node.blocks`). The local store answers
 * first; a block it lacks goes to the {@link BlockFetcher}, when the node has one (Bitswap), and
 * whatever comes back is hashed and compared with its CID (here, or by a fetcher that verifies
 * what it returns) before any caller sees it, and stored under a GC lease: written behind, so the
 * reader goes on while the disk works (a read that needs it durable says so: pin add), and every
 * command's answer through the RPC ends only once what it fetched is durable. Without a fetcher
 * (offline) the service reads the store and nothing else.
 *
 * A {@link BlockSession} is the unit Bitswap fetches a DAG with: the reads of one `cat`, `pin add`
 * or gateway request share it, so the fetcher can ask the same providers for sibling blocks and
 * the session can hold one lease for all the blocks it stores.
 */
import type { CID } from 'multiformats/cid'
import {
  matchesMultihash,
  type AbortOptions, type Block, type BlockGetter, type Blockstore, type GetOptions, type Lease, type Leases, type PutOptions
} from '../blockstore/index.ts'
import { throwIfAborted } from '../errors/abort.ts'
import { BlockMismatchError, BlockNotFoundError } from '../errors/index.ts'
import { loggerFor, type ComponentLogger } from '../logger/index.ts'

/**
 * Blocks a walker asks ahead of the one it needs when they may come from the network: enough
 * bytes in flight (8 MiB of 256 KiB blocks) to cover the round trip of a want, the seeder's read
 * and the durable write here, which the local store's narrow window (8 blocks) did not, so the
 * link idled between bursts.
 */
export const DEFAULT_FETCH_READ_AHEAD = 32

/**
 * Fetched bytes that may wait to be written while their readers go on (write-behind, see
 * {@link createBlockService}): past this, a read waits for its own block to be durable. Two
 * read-aheads of 256 KiB blocks; a leecher answered only once each block was durable spent the
 * link's round trips waiting on its disk.
 */
export const DEFAULT_UNWRITTEN_MAX_BYTES = 16 * 1024 * 1024

/** Options of a block read through the service. */
export interface BlockGetOptions extends GetOptions {
  /** Never ask the network, even when a fetcher is configured (`Gateway.NoFetch`, `--offline`). */
  offline?: boolean
  /**
   * A lease the caller holds already (pin add, dag import): a fetched block is stored under it.
   * Leases are not re-entrant, so a caller that holds one must pass it rather than let the
   * service ask for another while GC may be waiting.
   */
  lease?: Lease
  /**
   * Resolve only once a fetched block is durable in the store (pin add: a pin must never name a
   * block that is not on disk). Default false: the bytes are returned once verified, and written
   * behind.
   */
  durable?: boolean
}

/** Options of a fetch from outside the store. */
export interface BlockFetchOptions extends AbortOptions {
  /** The session the read belongs to, when it came through {@link BlockService.session}. */
  session?: FetchSession
}

/** A fetcher's state for one DAG (Bitswap: the providers found for its root). */
export interface FetchSession {
  /** Ends the session: wants still open are cancelled. Idempotent. */
  close(): void
}

/**
 * Where blocks the store lacks come from: Bitswap. Nothing it returns is trusted: every block is
 * hashed and matched to its CID before it is stored or returned — by the service, or by the
 * fetcher itself when it says so ({@link BlockFetcher.verifies}).
 */
export interface BlockFetcher {
  /** The bytes of `cid` from outside the store. Throws `BlockNotFoundError` when nobody has it. */
  fetch(cid: CID, options?: BlockFetchOptions): Promise<Uint8Array>
  /**
   * True when every block `fetch` returns has already been hashed and matched to the CID's
   * multihash by the fetcher (Bitswap hashes each received block and matches it to a want by
   * that hash; its gateway client checks each block the same way). The service then stores it
   * without hashing it a second time: on a large transfer a second sha2-256 of every byte was
   * a tenth of the fetching daemon's CPU.
   */
  readonly verifies?: boolean
  /** Starts a session for the DAG under `root` (optional: a fetcher may treat every read alike). */
  createSession?(root: CID, options?: AbortOptions): FetchSession
}

/** A group of reads of one DAG. */
export interface BlockSession extends BlockGetter {
  /** The DAG's root. */
  readonly root: CID
  get(cid: CID, options?: BlockGetOptions): Promise<Uint8Array>
  /** Ends the session and releases the lease it took for the blocks it stored. Idempotent. */
  close(): void
}

/** Options of {@link BlockService.session}. */
export interface BlockSessionOptions extends AbortOptions {
  /** A lease the caller holds, used for every block the session stores (see {@link BlockGetOptions.lease}). */
  lease?: Lease
  /** Read the local store only. */
  offline?: boolean
  /** Every read resolves only once its block is durable ({@link BlockGetOptions.durable}). */
  durable?: boolean
}

/** The block service: reads (local first, then the fetcher), verified writes, sessions. */
export interface BlockService extends BlockGetter {
  /**
   * The block's bytes. Local blocks are verified by the store; fetched ones here, before they
   * are stored and returned.
   *
   * @throws BlockNotFoundError when neither the store nor the fetcher has it
   * @throws BlockMismatchError when the fetcher's bytes do not hash to `cid` (nothing is stored)
   */
  get(cid: CID, options?: BlockGetOptions): Promise<Uint8Array>
  /** True when the block is in the local store (the network is never asked). */
  has(cid: CID, options?: AbortOptions): Promise<boolean>
  /**
   * Stores a block from outside the store after checking it hashes to its CID.
   *
   * @throws BlockMismatchError when it does not
   */
  put(block: Block, options?: PutOptions): Promise<void>
  /** A session for reading the DAG under `root`; close it when done. */
  session(root: CID, options?: BlockSessionOptions): BlockSession
  /** True when a fetcher is configured (the node can fetch what it lacks). */
  readonly online: boolean
  /** A walker's read-ahead over this service: {@link DEFAULT_FETCH_READ_AHEAD} when online. */
  readonly readAhead?: number
  /**
   * Resolves once every fetched block returned so far is durable (or its write failed: that is
   * logged, and the block is fetched again when next read). The RPC server calls it before a
   * command's answer ends, and the node before it closes the store.
   */
  flush(): Promise<void>
}

/** Collaborators of the block service. */
export interface BlockServiceComponents {
  /** The local store. */
  blockstore: Blockstore
  /** The GC lease lock: fetched blocks are stored under a shared lease. */
  leases: Leases
  /** Where missing blocks come from. Absent: local reads only. */
  fetcher?: BlockFetcher
  logger?: ComponentLogger
}

/**
 * Creates the block service over a store and, optionally, a fetcher. The service is a plain
 * object, so a caller may wrap it (`{ ...blocks, get }`) to observe or delay reads.
 */
export function createBlockService (components: BlockServiceComponents): BlockService {
  const { blockstore, leases, fetcher } = components
  const log = loggerFor(components.logger, 'cairn:core:blocks')

  const verify = (cid: CID, bytes: Uint8Array, how: string): void => {
    if (!matchesMultihash(cid.multihash, bytes)) {
      log.error('refused block %s: the %d bytes that %s do not hash to it', cid, bytes.byteLength, how)
      throw new BlockMismatchError(`refused block ${cid.toString()}: the ${bytes.byteLength} bytes that ${how} do not hash to its CID; nothing was stored`)
    }
  }

  /**
   * Fetched blocks are written in batches: blocks that arrive while a write is under way wait for
   * it and then go together in one `putMany` (one fsync) — a fetch of a large DAG delivers many
   * blocks at once, and one durable write each made the disk, not the network, the limit.
   * Each caller still resolves only once its own block is durable.
   */
  let pending: Array<{ block: Block, done: (err?: unknown) => void }> = []
  let writing = false
  const flush = async (): Promise<void> => {
    writing = true
    while (pending.length > 0) {
      const batch = pending
      pending = []
      try {
        await blockstore.putMany(batch.map(p => p.block))
        for (const p of batch) p.done()
      } catch (err) {
        for (const p of batch) p.done(err)
      }
    }
    writing = false
  }
  const storeFetched = async (block: Block): Promise<void> => {
    await new Promise<void>((resolve, reject) => {
      pending.push({ block, done: (err) => { if (err == null) resolve(); else reject(err) } })
      if (!writing) void flush()
    })
  }

  /**
   * Write-behind: a fetched block is returned once verified and written in the background, up to
   * {@link DEFAULT_UNWRITTEN_MAX_BYTES} at a time; until it is durable it is served from here (a
   * second read does not fetch it again) and its GC lease is held.
   */
  const unwritten = new Map<string, Uint8Array>()
  let unwrittenBytes = 0
  const writes = new Set<Promise<void>>()
  const keyOf = (cid: CID): string => Buffer.from(cid.multihash.bytes).toString('base64')
  const writeBehind = (block: Block, release: (() => void) | undefined): Promise<void> => {
    const key = keyOf(block.cid)
    unwritten.set(key, block.bytes)
    unwrittenBytes += block.bytes.byteLength
    const written = storeFetched(block).finally(() => {
      if (unwritten.get(key) === block.bytes) unwritten.delete(key)
      unwrittenBytes -= block.bytes.byteLength
      release?.()
    })
    writes.add(written)
    written.then(() => { writes.delete(written) }, (err: unknown) => {
      writes.delete(written)
      log.error('a fetched block %s could not be stored (it will be fetched again): %e', block.cid, err)
    })
    return written
  }

  /** A read of the store and, on a miss, of the fetcher; `session` groups the reads of one DAG. */
  const read = async (cid: CID, options: BlockGetOptions, session?: Session): Promise<Uint8Array> => {
    const early = unwritten.size > 0 ? unwritten.get(keyOf(cid)) : undefined
    if (early != null) return early
    // online, the index is asked first: a block that is not here goes to the fetcher without a
    // failed read, whose BlockNotFoundError (a stack trace each) cost ~1% of a large fetch's CPU
    const mayBeLocal = fetcher == null || options.offline === true || await blockstore.has(cid, options)
    if (mayBeLocal) {
      try {
        return await blockstore.get(cid, options)
      } catch (err) {
        if (!isNotFound(err)) throw err
        if (fetcher == null || options.offline === true) {
          log('block %s is not in the store', cid)
          throw new BlockNotFoundError(`block ${cid.toString()} was not found locally (offline)`, { cause: err })
        }
      }
    }
    log('block %s is not in the store: fetching it', cid)
    const bytes = await fetcher.fetch(cid, { signal: options.signal, session: session?.fetchSession })
    if (fetcher.verifies !== true) verify(cid, bytes, 'arrived')
    const held = options.lease ?? await session?.lease(options)
    const lease = held ?? await leases.acquire({ signal: options.signal })
    const written = writeBehind({ cid, bytes }, held == null ? () => { lease.release() } : undefined)
    if (options.durable === true || unwrittenBytes > DEFAULT_UNWRITTEN_MAX_BYTES) {
      await written
      log('stored fetched block %s (%d bytes)', cid, bytes.byteLength)
    }
    return bytes
  }

  const readAhead = fetcher != null ? DEFAULT_FETCH_READ_AHEAD : undefined
  const service: BlockService = {
    online: fetcher != null,
    readAhead,
    get: async (cid, options = {}) => await read(cid, options),
    // only the store lends (a fetched block is its own): these hand its blocks back
    release: (bytes) => { blockstore.release?.(bytes) },
    keep: (bytes) => { blockstore.keep?.(bytes) },
    has: async (cid, options = {}) => (unwritten.size > 0 && unwritten.has(keyOf(cid))) || await blockstore.has(cid, options),
    async put (block, options = {}) {
      verify(block.cid, block.bytes, 'were given')
      await blockstore.put(block, options)
    },
    session (root, options = {}) {
      return new Session(root, options, {
        read,
        release: service.release,
        keep: service.keep,
        readAhead: options.offline === true ? undefined : readAhead,
        acquire: async (opts) => await leases.acquire(opts),
        fetchSession: fetcher?.createSession?.(root, { signal: options.signal }),
        flush: async () => { await service.flush() }
      })
    },
    async flush () {
      while (writes.size > 0) await Promise.allSettled([...writes])
    }
  }
  return service
}

const isNotFound = (err: unknown): boolean => (err as { name?: string } | null)?.name === BlockNotFoundError.name

/** What a {@link Session} needs of its service. */
interface SessionParts {
  read: (cid: CID, options: BlockGetOptions, session: Session) => Promise<Uint8Array>
  release: BlockGetter['release']
  keep: BlockGetter['keep']
  readAhead: number | undefined
  acquire: (options: AbortOptions) => Promise<Lease>
  fetchSession: FetchSession | undefined
  /** Waits for the writes behind (the session's lease is held until then). */
  flush: () => Promise<void>
}

/**
 * One DAG's reads. The lease for the blocks it stores is taken on the first fetch (never for a
 * DAG that is all local) and held until {@link Session.close}, so GC cannot run between two
 * blocks of a DAG that is being fetched.
 */
class Session implements BlockSession {
  readonly root: CID
  readonly fetchSession: FetchSession | undefined
  readonly readAhead: number | undefined
  readonly #options: BlockSessionOptions
  readonly #parts: SessionParts
  #lease: Promise<Lease> | undefined
  #closed = false

  constructor (root: CID, options: BlockSessionOptions, parts: SessionParts) {
    this.root = root
    this.#options = options
    this.#parts = parts
    this.fetchSession = parts.fetchSession
    this.readAhead = parts.readAhead
  }

  async get (cid: CID, options: BlockGetOptions = {}): Promise<Uint8Array> {
    throwIfAborted(options.signal)
    if (this.#closed) throw new BlockNotFoundError(`block ${cid.toString()}: the session for ${this.root.toString()} is closed`)
    return await this.#parts.read(cid, {
      ...options,
      offline: options.offline ?? this.#options.offline,
      lease: options.lease ?? this.#options.lease,
      durable: options.durable ?? this.#options.durable
    }, this)
  }

  release (bytes: Uint8Array): void {
    this.#parts.release?.(bytes)
  }

  keep (bytes: Uint8Array): void {
    this.#parts.keep?.(bytes)
  }

  /** The session's lease, taken on first use. */
  async lease (options: AbortOptions): Promise<Lease> {
    this.#lease ??= this.#parts.acquire(options)
    try {
      return await this.#lease
    } catch (err) {
      this.#lease = undefined
      throw err
    }
  }

  close (): void {
    if (this.#closed) return
    this.#closed = true
    this.fetchSession?.close()
    // a lease still being granted is released as soon as it arrives and the blocks written
    // behind are durable; a refused one needs nothing
    const lease = this.#lease
    if (lease != null) void this.#parts.flush().then(async () => { (await lease).release() }).catch(() => {})
  }
}

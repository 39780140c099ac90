/**
 * Pins: the roots GC must keep. A recursive pin keeps its whole DAG, a direct pin one block;
 * blocks under a recursive pin are pinned indirectly (computed by walking, never stored).
 *
 * Records live in the metadata datastore, keyed by the CIDv1 bytes (so CIDv0 and its CIDv1 are
 * one pin, while raw and dag-pb CIDs of one multihash stay two different DAGs); the value keeps
 * the CID as given (version and codec) and the pin's name.
 *
 * A pin is recorded only after every block of its DAG is present: `add` walks the whole DAG
 * first, fetching through `getter`. Callers that write or fetch blocks hold a GC lease across
 * the writes and the `add` (see `leases.ts`); `add` takes none itself, so it can run under the
 * caller's lease without queueing behind a waiting GC.
 */
import { CID } from 'multiformats/cid'
import { isAbortError, throwIfAborted } from '../errors/abort.ts'
import { loggerFor, type ComponentLogger, type Logger } from '../logger/index.ts'
import {
  CairnError, IncompleteDAGError, InvalidArgumentError, NotPinnedError, RepoVersionError, messageOf
} from '../errors/index.ts'
import { DEFAULT_WALK_CONCURRENCY, MAX_BAD_NODES_PER_PIN, PINS_FORMAT_VERSION } from './constants.ts'
import { IDENTITY } from './codes.ts'
import { nodeKey, walkDag } from './dag-walk.ts'
import type { Dedupe } from './dag-walk.ts'
import { isLeafCodec } from './links.ts'
import { Mutex } from './mutex.ts'
import type { AbortOptions, BlockGetter, Blockstore } from './types.ts'

/** How a pin keeps its block: alone (`direct`) or with its whole DAG (`recursive`). */
export type PinType = 'recursive' | 'direct'

/** A pin as listed: `indirect` for blocks kept because a recursive pin reaches them. */
export interface Pin {
  cid: CID
  type: PinType | 'indirect'
  /** The name given at `add`, if any. */
  name?: string
}

/** Why a CID is pinned. */
export interface PinStatus {
  type: PinType | 'indirect'
  name?: string
  /** For `indirect`: the recursive pin that reaches it. */
  via?: CID
}

/** One pin checked by `verify()`: `ok` when every block of its DAG is present and intact. */
export interface PinVerifyResult {
  cid: CID
  ok: boolean
  /** Blocks that are missing or corrupt (at most {@link MAX_BAD_NODES_PER_PIN}), with why. */
  badNodes: Array<{ cid: CID, error: string }>
}

/** The few operations pins use on a table of the datastore. */
export interface PinTable<K, V> {
  get(key: K): Promise<V | undefined>
  put(key: K, value: V, options: object): Promise<void>
  del(key: K, options: object): Promise<void>
  values(): AsyncIterable<V>
}

/**
 * The datastore pins are kept in: a LevelDB (`Level`) or a sublevel of one, used only for pins
 * (any encodings; pins open their own sublevels in it).
 */
export interface PinDatastore {
  sublevel<K, V>(name: string, options: { keyEncoding: string, valueEncoding: string }): PinTable<K, V>
}

/** Collaborators of the pin set. */
export interface PinsComponents {
  /** The local store: what is present, and where listing, verifying and GC read from. */
  blockstore: Blockstore
  /** Where pin records are kept. */
  datastore: PinDatastore
  /** Where `add` reads (and so fetches) blocks. Default: the blockstore (local only). */
  getter?: BlockGetter
  /** Logs as `cairn:blockstore:pins`. Default: silent. */
  logger?: ComponentLogger
}

/** Options of the pin set. */
export interface PinsInit {
  /** Blocks read at once while walking a DAG. Default {@link DEFAULT_WALK_CONCURRENCY} (8). */
  walkConcurrency?: number
}

/** Resolves {@link PinsInit} against its defaults. */
export function resolvePinsInit (init: PinsInit = {}): Required<PinsInit> {
  const walkConcurrency = init.walkConcurrency ?? DEFAULT_WALK_CONCURRENCY
  if (!Number.isSafeInteger(walkConcurrency) || walkConcurrency < 1) {
    throw new RangeError('walkConcurrency must be a positive integer')
  }
  return { walkConcurrency }
}

export interface PinAddOptions extends AbortOptions {
  /** Pin the whole DAG (true) or only this block (false). Default true. */
  recursive?: boolean
  /** A name kept with the pin. Default none (an existing pin keeps its name). */
  name?: string
  /** Called with the number of blocks checked so far. */
  onProgress?(blocks: number): void
  /**
   * Reads the DAG through this getter instead of the pin set's own: a block session that stores
   * what it fetches under the caller's GC lease (leases are not re-entrant). Default the pin set's.
   */
  getter?: BlockGetter
  /**
   * The caller vouches that every block of the DAG is present: it has just written them all
   * itself, under the GC lease it still holds (the importer). The walk is skipped. Default false.
   */
  complete?: boolean
}

export interface PinRmOptions extends AbortOptions {
  /** Also remove a recursive pin (false removes only a direct one). Default true. */
  recursive?: boolean
}

export interface PinLsOptions extends AbortOptions {
  /** Which pins. Default `all`. */
  type?: 'all' | PinType | 'indirect'
}

/** The pin set. */
export interface Pins {
  /**
   * Pins `cid` once every block of its DAG (or, with `recursive: false`, the block itself) is
   * present, fetching missing ones through the getter. Throws `IncompleteDAGError` naming a
   * missing block. Pinning what is already pinned the same way succeeds (updating the name);
   * a recursive pin replaces a direct one; a direct pin on a recursive one is refused.
   */
  add(cid: CID, options?: PinAddOptions): Promise<Pin>
  /**
   * Removes a pin. Throws `NotPinnedError` when `cid` is not pinned (saying so when it is pinned
   * indirectly, and under which pin), `InvalidArgumentError` for a recursive pin with
   * `recursive: false`.
   */
  rm(cid: CID, options?: PinRmOptions): Promise<Pin>
  /** Lists pins: recursive, then direct, then indirect ones (each once). */
  ls(options?: PinLsOptions): AsyncGenerator<Pin>
  /** True when `cid` is pinned in any way, indirectly included. */
  isPinned(cid: CID, options?: AbortOptions): Promise<boolean>
  /** Whether and how `cid` is pinned, or undefined. */
  status(cid: CID, options?: AbortOptions): Promise<PinStatus | undefined>
  /** Checks every pin: each block of a recursive pin's DAG (or a direct pin's block) present and intact. */
  verify(options?: AbortOptions): AsyncGenerator<PinVerifyResult>
}

/** Creates the pin set over a datastore. */
export function createPins (components: PinsComponents, init: PinsInit = {}): Pins {
  return new PinSet(components, resolvePinsInit(init))
}

interface PinRecord {
  type: PinType
  cid: CID
  name?: string
}

interface StoredPin {
  type: PinType
  cid: string
  name?: string
}

/** abstract-level's option types omit `sync`; classic-level reads it. */
const SYNC = { sync: true }

function encodeRecord (record: PinRecord): string {
  const stored: StoredPin = { type: record.type, cid: record.cid.toString() }
  if (record.name != null && record.name !== '') stored.name = record.name
  return JSON.stringify(stored)
}

function decodeRecord (value: string): PinRecord {
  const stored = JSON.parse(value) as StoredPin
  if ((stored.type !== 'recursive' && stored.type !== 'direct') || typeof stored.cid !== 'string') {
    throw new CairnError(`malformed pin record: ${value}`)
  }
  const record: PinRecord = { type: stored.type, cid: CID.parse(stored.cid) }
  if (typeof stored.name === 'string') record.name = stored.name
  return record
}

function toPin (record: PinRecord): Pin {
  const pin: Pin = { cid: record.cid, type: record.type }
  if (record.name != null) pin.name = record.name
  return pin
}

/** Runs a walk to its end, reporting the number of blocks visited so far. */
async function drain (walk: AsyncIterable<unknown>, onProgress?: (blocks: number) => void): Promise<void> {
  const iterator = walk[Symbol.asyncIterator]()
  let blocks = 0
  while ((await iterator.next()).done !== true) onProgress?.(++blocks)
}

/** Each node of a DAG once, by {@link nodeKey}: CIDv0 and its CIDv1 are one node. */
function dedupeBy (seen: Set<string>): Dedupe {
  return { seen, key: nodeKey }
}

function keyBytes (cid: CID): Uint8Array {
  return cid.version === 0 ? cid.toV1().bytes : cid.bytes
}

class PinSet implements Pins {
  readonly #blockstore: Blockstore
  readonly #getter: BlockGetter
  readonly #records: PinTable<Uint8Array, string>
  readonly #meta: PinTable<string, string>
  readonly #init: Required<PinsInit>
  readonly #lock = new Mutex()
  readonly #log: Logger
  #ready: Promise<void> | undefined

  constructor (components: PinsComponents, init: Required<PinsInit>) {
    this.#log = loggerFor(components.logger, 'cairn:blockstore:pins')
    this.#blockstore = components.blockstore
    this.#getter = components.getter ?? components.blockstore
    this.#records = components.datastore.sublevel<Uint8Array, string>('records', { keyEncoding: 'view', valueEncoding: 'utf8' })
    this.#meta = components.datastore.sublevel<string, string>('meta', { keyEncoding: 'utf8', valueEncoding: 'utf8' })
    this.#init = init
  }

  async add (cid: CID, options: PinAddOptions = {}): Promise<Pin> {
    await this.#ensureReady()
    throwIfAborted(options.signal)
    const type: PinType = options.recursive === false ? 'direct' : 'recursive'
    const existing = await this.#get(cid)
    if (type === 'direct' && existing?.type === 'recursive') {
      throw new InvalidArgumentError(`${cid} is already pinned recursively`)
    }
    if (existing?.type !== type && options.complete !== true) {
      this.#log('pin add %s (%s): checking its blocks', cid, type)
      await this.#fetch(cid, type, options)
    }
    return await this.#lock.run(async () => {
      const current = await this.#get(cid)
      if (type === 'direct' && current?.type === 'recursive') {
        throw new InvalidArgumentError(`${cid} is already pinned recursively`)
      }
      const record: PinRecord = { type, cid, name: options.name ?? current?.name }
      if (current?.type !== type || current.name !== record.name || !current.cid.equals(cid)) {
        await this.#records.put(keyBytes(cid), encodeRecord(record), SYNC)
        this.#log('pinned %s (%s)', cid, type)
      }
      return toPin(record)
    })
  }

  async rm (cid: CID, options: PinRmOptions = {}): Promise<Pin> {
    await this.#ensureReady()
    throwIfAborted(options.signal)
    const removed = await this.#lock.run(async () => {
      const existing = await this.#get(cid)
      if (existing == null) return undefined
      if (existing.type === 'recursive' && options.recursive === false) {
        throw new InvalidArgumentError(`${cid} is pinned recursively; remove it with recursive set`)
      }
      await this.#records.del(keyBytes(cid), SYNC)
      this.#log('unpinned %s (%s)', cid, existing.type)
      return existing
    })
    if (removed != null) return toPin(removed)
    const via = await this.#findIndirect(cid, options)
    throw new NotPinnedError(via == null ? `${cid} is not pinned` : `${cid} is pinned indirectly under ${via}`)
  }

  async * ls (options: PinLsOptions = {}): AsyncGenerator<Pin> {
    await this.#ensureReady()
    const type = options.type ?? 'all'
    if (type === 'all' || type === 'recursive') {
      for await (const record of this.#list('recursive', options)) yield toPin(record)
    }
    if (type === 'all' || type === 'direct') {
      for await (const record of this.#list('direct', options)) yield toPin(record)
    }
    if (type === 'all' || type === 'indirect') {
      const pinned = new Set<string>()
      const roots: CID[] = []
      for await (const record of this.#list(undefined, options)) {
        pinned.add(nodeKey(record.cid))
        if (record.type === 'recursive') roots.push(record.cid)
      }
      const seen = new Set<string>()
      for (const root of roots) {
        for await (const cid of this.#walkLocal(root, seen, options)) {
          if (!pinned.has(nodeKey(cid))) yield { cid, type: 'indirect' }
        }
      }
    }
  }

  async isPinned (cid: CID, options: AbortOptions = {}): Promise<boolean> {
    return (await this.status(cid, options)) != null
  }

  async status (cid: CID, options: AbortOptions = {}): Promise<PinStatus | undefined> {
    await this.#ensureReady()
    throwIfAborted(options.signal)
    const record = await this.#get(cid)
    if (record != null) {
      const status: PinStatus = { type: record.type }
      if (record.name != null) status.name = record.name
      return status
    }
    const via = await this.#findIndirect(cid, options)
    return via == null ? undefined : { type: 'indirect', via }
  }

  async * verify (options: AbortOptions = {}): AsyncGenerator<PinVerifyResult> {
    await this.#ensureReady()
    for await (const record of this.#list(undefined, options)) {
      const badNodes: PinVerifyResult['badNodes'] = []
      const bad = (cid: CID, err: Error): void => {
        if (badNodes.length < MAX_BAD_NODES_PER_PIN) badNodes.push({ cid, error: messageOf(err) })
      }
      if (record.type === 'recursive') {
        const walk = walkDag([record.cid], {
          signal: options.signal,
          readAhead: this.#init.walkConcurrency,
          dedupe: dedupeBy(new Set()),
          load: async (cid, opts) => await this.#blockstore.get(cid, opts),
          onError: bad
        })
        await drain(walk)
      } else {
        try {
          await this.#blockstore.get(record.cid, options)
        } catch (err) {
          if (isAbortError(err)) throw err
          bad(record.cid, err as Error)
        }
      }
      yield { cid: record.cid, ok: badNodes.length === 0, badNodes }
    }
  }

  /** Makes sure every block the pin needs is present, fetching through the getter. */
  async #fetch (root: CID, type: PinType, options: PinAddOptions): Promise<void> {
    const getter = options.getter ?? this.#getter
    const missing = (cid: CID, err: unknown): never => {
      throw new IncompleteDAGError(`cannot pin ${root}: block ${cid} is not available` +
        (cid.equals(root) ? '' : ' (the DAG is incomplete)') + '. Add or fetch it, then pin again.', { cause: err })
    }
    const load = async (cid: CID, opts: AbortOptions): Promise<Uint8Array | undefined> => {
      try {
        if (cid.multihash.code === IDENTITY) {
          return isLeafCodec(cid.code) ? undefined : cid.multihash.digest
        }
        if (isLeafCodec(cid.code)) {
          if (!(await this.#blockstore.has(cid, opts))) await getter.get(cid, opts)
          return undefined
        }
        return await getter.get(cid, opts)
      } catch (err) {
        if ((err as Error).name === 'BlockNotFoundError') missing(cid, err)
        throw err
      }
    }
    if (type === 'direct') {
      await load(root, options)
      return
    }
    const walk = walkDag([root], { signal: options.signal, readAhead: this.#init.walkConcurrency, dedupe: dedupeBy(new Set()), load })
    await drain(walk, options.onProgress)
  }

  /** Walks a DAG in the local store, reading only blocks that can have links. */
  async * #walkLocal (root: CID, seen: Set<string>, options: AbortOptions): AsyncGenerator<CID> {
    const walk = walkDag([root], {
      signal: options.signal,
      dedupe: dedupeBy(seen),
      readAhead: this.#init.walkConcurrency,
      load: async (cid, opts): Promise<Uint8Array | undefined> => {
        if (isLeafCodec(cid.code)) return undefined
        try {
          return await this.#blockstore.get(cid, opts)
        } catch (err) {
          if ((err as Error).name !== 'BlockNotFoundError') throw err
          throw new IncompleteDAGError(`pinned block ${cid} is missing from the blockstore: run 'pin verify'`, { cause: err })
        }
      }
    })
    for await (const block of walk) yield block.cid
  }

  /** The recursive pin whose DAG reaches `cid`, if any. */
  async #findIndirect (cid: CID, options: AbortOptions): Promise<CID | undefined> {
    const target = nodeKey(cid)
    const seen = new Set<string>()
    for await (const record of this.#list('recursive', options)) {
      for await (const cid of this.#walkLocal(record.cid, seen, options)) {
        if (nodeKey(cid) === target) return record.cid
      }
    }
    return undefined
  }

  async * #list (type: PinType | undefined, options: AbortOptions): AsyncGenerator<PinRecord> {
    for await (const value of this.#records.values()) {
      throwIfAborted(options.signal)
      const record = decodeRecord(value)
      if (type == null || record.type === type) yield record
    }
  }

  async #get (cid: CID): Promise<PinRecord | undefined> {
    const value = await this.#records.get(keyBytes(cid))
    return value == null ? undefined : decodeRecord(value)
  }

  async #ensureReady (): Promise<void> {
    this.#ready ??= this.#checkVersion()
    try {
      await this.#ready
    } catch (err) {
      this.#ready = undefined
      throw err
    }
  }

  async #checkVersion (): Promise<void> {
    const version = await this.#meta.get('version')
    if (version == null) {
      await this.#meta.put('version', String(PINS_FORMAT_VERSION), SYNC)
    } else if (version !== String(PINS_FORMAT_VERSION)) {
      throw new RepoVersionError(`the pin records have format version ${version}; this Cairn reads version ` +
        `${PINS_FORMAT_VERSION}. Use the Cairn release that wrote them, or migrate the repo.`)
    }
  }
}

/**
 * The daemon's providing: which CIDs it announces (`Provide.Strategy`), the queue that announces
 * new ones as they arrive, and the sweeping reprovider (`dht/reprovider.ts`) that announces them
 * all again before their records expire.
 *
 * Strategies (Kubo's values and meanings):
 * - `all` (default): every block in the store; each newly stored block is queued (added,
 *   imported, fetched by Bitswap or for a pin).
 * - `pinned`: every block of every pin (a recursive pin's whole DAG); queued when a pin is added.
 * - `roots`: the root CID of each pin only.
 * - `mfs`, `pinned+mfs`: the MFS tree (and the pins), read from `mfsRoot` at each sweep: an MFS
 *   edit is announced by the next sweep (`bitswap reprovide` sweeps now).
 *
 * Only an online node has a provider: the offline CLI queues nothing and never touches the network.
 * The queue is bounded and in memory: a key it drops, or loses in a restart, goes out with the
 * next sweep (the strategy's keys are read afresh for each). A backlog goes out through the sweep's
 * batched path (one exploration per keyspace region); a few keys through `Routing.provide`.
 */
import { CID } from 'multiformats/cid'
import { loadBlockBytes, nodeKey, walkDag, type Block, type PackBlockstore, type Pins } from '../blockstore/index.ts'
import { SweepingReprovider, type ReproviderStats, type SweepResult } from '../dht/index.ts'
import { loggerFor, type ComponentLogger, type Logger } from '../logger/index.ts'
import type { DHTDatastore, KadDHT, Clock } from '../dht/index.ts'
import type { Routing } from '../routing/index.ts'
import type { AbortOptions } from '@libp2p/interface'

/** `Provide.Strategy` values. */
export type ProvideStrategy = 'all' | 'pinned' | 'roots' | 'mfs' | 'pinned+mfs'

/** Keys the queue holds at most; beyond, new keys wait for the next sweep. */
export const DEFAULT_PROVIDE_QUEUE_SIZE = 100_000

/** `Routing.provide` calls at once while the queue drains key by key. */
export const DEFAULT_PROVIDE_CONCURRENCY = 4

/** A backlog of at least this many keys goes out through the sweep's region batches. */
export const DEFAULT_BATCH_THRESHOLD = 32

/** Keys taken from the queue at once. */
export const DEFAULT_DRAIN_BATCH = 4096

/** Raw codec: a multihash alone is provided as a CIDv1 raw (providers are keyed by multihash). */
const RAW = 0x55

/** Collaborators of the provider. */
export interface ProviderComponents {
  blockstore: PackBlockstore
  pins: Pins
  routing: Routing
  /** The DHT: with it, keys are reprovided by sweep; without, they are only provided once. */
  dht?: KadDHT
  /** Where the reprovider keeps its schedule. */
  datastore?: DHTDatastore
  /** The root of the MFS tree, for the `mfs` strategies. */
  mfsRoot?: (options: AbortOptions) => Promise<CID | undefined>
  logger?: ComponentLogger
  /** For tests of the schedule. */
  clock?: Clock
}

/** Options of the provider; every one is optional. */
export interface ProviderInit {
  /** `Provide.Strategy`. Default `all`. */
  strategy?: ProvideStrategy
  /** `Provide.DHT.Interval` in ms. Default 22 h. */
  interval?: number
  /** Default {@link DEFAULT_PROVIDE_QUEUE_SIZE}. */
  queueSize?: number
  /** Default {@link DEFAULT_PROVIDE_CONCURRENCY}. */
  concurrency?: number
  /** Default {@link DEFAULT_BATCH_THRESHOLD}. */
  batchThreshold?: number
  /** Delay of the first (catch-up) sweep. Default the reprovider's (1 min). */
  initialDelay?: number
}

/** The provider's counters, for `provide stat`. */
export interface ProviderStats {
  strategy: ProvideStrategy
  /** Keys waiting in the queue. */
  queued: number
  /** Keys provided from the queue since start. */
  provided: number
  /** Keys of the queue that failed (they go out with the next sweep). */
  failed: number
  /** Keys the full queue turned away. */
  dropped: number
  lastProvideAt?: number
  lastError?: string
  /** The reprovider's schedule, when there is a DHT. */
  sweep?: ReproviderStats
}

/** The node's provider; see the file comment. */
export class ContentProvider {
  readonly strategy: ProvideStrategy
  readonly reprovider?: SweepingReprovider
  private readonly components: ProviderComponents
  private readonly log: Logger
  private readonly queueSize: number
  private readonly concurrency: number
  private readonly batchThreshold: number
  private readonly queue = new Map<string, Uint8Array>()
  private unsubscribe?: () => void
  private draining?: Promise<void>
  private started = false
  private controller = new AbortController()
  private readonly counts = { provided: 0, failed: 0, dropped: 0 }
  private lastProvideAt?: number
  private lastError?: string

  constructor (components: ProviderComponents, init: ProviderInit = {}) {
    this.components = components
    this.strategy = init.strategy ?? 'all'
    this.log = loggerFor(components.logger, 'cairn:core:provider')
    this.queueSize = init.queueSize ?? DEFAULT_PROVIDE_QUEUE_SIZE
    this.concurrency = init.concurrency ?? DEFAULT_PROVIDE_CONCURRENCY
    this.batchThreshold = init.batchThreshold ?? DEFAULT_BATCH_THRESHOLD
    if (components.dht != null && components.logger != null) {
      this.reprovider = new SweepingReprovider({
        dht: components.dht,
        keys: (options) => this.keys(options),
        datastore: components.datastore,
        logger: components.logger,
        clock: components.clock
      }, { interval: init.interval, initialDelay: init.initialDelay })
    }
  }

  /** Follows new blocks (strategy `all`) and starts the reprovider. Idempotent. */
  async start (): Promise<void> {
    if (this.started) return
    this.started = true
    this.controller = new AbortController()
    if (this.strategy === 'all') {
      this.unsubscribe = this.components.blockstore.onBlock((block: Block) => { this.enqueue(block.cid) })
    }
    await this.reprovider?.start()
  }

  /** Stops following blocks, drops the queue (the next sweep covers it), stops the reprovider. Idempotent. */
  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    this.unsubscribe?.()
    this.unsubscribe = undefined
    this.controller.abort()
    this.queue.clear()
    await this.draining?.catch(() => {})
    await this.reprovider?.stop()
  }

  /** A pin was added: queue what the strategy provides of it. */
  pinned (cid: CID, recursive: boolean): void {
    if (!this.started) return
    if (this.strategy === 'roots') {
      this.enqueue(cid)
    } else if (this.strategy === 'pinned' || this.strategy === 'pinned+mfs') {
      if (!recursive) {
        this.enqueue(cid)
        return
      }
      // the pin's blocks are all local now: walk them in the background
      void (async () => {
        for await (const block of this.dagOf(cid, { signal: this.controller.signal })) this.enqueue(block)
      })().catch(err => { if (!this.controller.signal.aborted) this.log.error('queueing the blocks of pin %c failed: %e', cid, err) })
    }
  }

  /** Queues a CID for providing (deduplicated; dropped when the queue is full). */
  enqueue (cid: CID): void {
    if (!this.started || cid.multihash.code === 0) return
    const multihash = cid.multihash.bytes
    const id = Buffer.from(multihash).toString('base64')
    if (this.queue.has(id)) return
    if (this.queue.size >= this.queueSize) {
      this.counts.dropped++
      return
    }
    this.queue.set(id, multihash)
    this.draining ??= this.drain().finally(() => { this.draining = undefined })
  }

  /** The multihashes the strategy provides, each once: what every sweep announces. */
  async * keys (options: AbortOptions = {}): AsyncGenerator<Uint8Array> {
    if (this.strategy === 'all') {
      yield * this.components.blockstore.multihashes(options)
      return
    }
    const seen = new Set<string>()
    const once = (cid: CID): Uint8Array | undefined => {
      const id = Buffer.from(cid.multihash.bytes).toString('base64')
      if (seen.has(id) || cid.multihash.code === 0) return undefined
      seen.add(id)
      return cid.multihash.bytes
    }
    if (this.strategy === 'roots' || this.strategy === 'pinned' || this.strategy === 'pinned+mfs') {
      // pinned: recursive, direct and indirect pins (every pinned block); roots: the pins themselves
      const types = this.strategy === 'roots' ? ['recursive', 'direct'] as const : ['all'] as const
      for (const pinType of types) {
        for await (const pin of this.components.pins.ls({ ...options, type: pinType })) {
          const key = once(pin.cid)
          if (key != null) yield key
        }
      }
    }
    if (this.strategy === 'mfs' || this.strategy === 'pinned+mfs') {
      const root = await this.components.mfsRoot?.(options)
      if (root != null) {
        for await (const cid of this.dagOf(root, options)) {
          const key = once(cid)
          if (key != null) yield key
        }
      }
    }
  }

  /** Announces every key of the strategy now (`bitswap reprovide`). */
  async reprovide (options: AbortOptions = {}): Promise<SweepResult> {
    if (this.reprovider != null) return this.reprovider.reprovideNow(options)
    const result: SweepResult = { keys: 0, provided: 0, failed: 0, regions: 0, lookups: 0, records: 0 }
    for await (const multihash of this.keys(options)) {
      result.keys++
      try {
        await this.components.routing.provide(CID.createV1(RAW, decodeDigest(multihash)), options)
        result.provided++
      } catch (err) {
        result.failed++
        this.lastError = (err as Error).message
      }
    }
    return result
  }

  stats (): ProviderStats {
    return {
      strategy: this.strategy,
      queued: this.queue.size,
      provided: this.counts.provided,
      failed: this.counts.failed,
      dropped: this.counts.dropped,
      lastProvideAt: this.lastProvideAt,
      lastError: this.lastError,
      sweep: this.reprovider?.stats()
    }
  }

  /** Sends the queue out in the background until it is empty. */
  private async drain (): Promise<void> {
    // let a burst of blocks (an add) gather first, so it goes out as one batch
    await new Promise<void>(resolve => { setImmediate(resolve) })
    const signal = this.controller.signal
    while (this.queue.size > 0 && !signal.aborted) {
      const batch: Uint8Array[] = []
      for (const [id, multihash] of this.queue) {
        batch.push(multihash)
        this.queue.delete(id)
        if (batch.length >= DEFAULT_DRAIN_BATCH) break
      }
      if (this.reprovider != null && batch.length >= this.batchThreshold) {
        try {
          const result = await this.reprovider.provideKeys(batch, { signal })
          this.counts.provided += result.provided
          this.counts.failed += result.failed
          if (result.failed > 0) this.lastError = `${result.failed} key(s) reached no peer`
        } catch (err) {
          this.counts.failed += batch.length
          this.lastError = (err as Error).message
          this.log('a batch of %d keys could not be provided: %e', batch.length, err)
        }
      } else {
        let next = 0
        await Promise.all(Array.from({ length: Math.min(this.concurrency, batch.length) }, async () => {
          while (next < batch.length && !signal.aborted) {
            const cid = CID.createV1(RAW, decodeDigest(batch[next++]))
            try {
              await this.components.routing.provide(cid, { signal })
              this.counts.provided++
            } catch (err) {
              this.counts.failed++
              this.lastError = (err as Error).message
              this.log('providing %c failed: %e', cid, err)
            }
          }
        }))
      }
      this.lastProvideAt = Date.now()
    }
  }

  /** Every block of a local DAG, each once. */
  private async * dagOf (root: CID, options: AbortOptions): AsyncGenerator<CID> {
    const { blockstore } = this.components
    const load = async (cid: CID, opts: AbortOptions): Promise<Uint8Array> => loadBlockBytes(cid, blockstore, opts)
    for await (const block of walkDag([root], { load, dedupe: { seen: new Set(), key: nodeKey }, signal: options.signal })) yield block.cid
  }
}

/** The multihash bytes as a digest object for `CID.createV1`. */
function decodeDigest (multihash: Uint8Array): ReturnType<typeof CID.decode>['multihash'] {
  return CID.decode(new Uint8Array([0x01, RAW, ...multihash])).multihash
}

/**
 * Pins that tell the provider about each pin added (`add`, `pin add`, `dag import` all pin
 * through here), so the `pinned` and `roots` strategies queue what was pinned.
 */
export function providingPins (pins: Pins, provider: ContentProvider): Pins {
  return {
    add: async (cid, options) => {
      const pin = await pins.add(cid, options)
      provider.pinned(cid, options?.recursive !== false)
      return pin
    },
    rm: async (cid, options) => pins.rm(cid, options),
    ls: (options) => pins.ls(options),
    isPinned: async (cid, options) => pins.isPinned(cid, options),
    status: async (cid, options) => pins.status(cid, options),
    verify: (options) => pins.verify(options)
  }
}

/**
 * The provider the config asks for (`Provide.Enabled`, `Provide.Strategy`, `Provide.DHT.Interval`),
 * or none when providing is off.
 */
export function createNodeProvider (components: ProviderComponents, config: { Enabled: boolean, Strategy: ProvideStrategy, IntervalMs: number }): ContentProvider | undefined {
  if (!config.Enabled) return undefined
  return new ContentProvider(components, { strategy: config.Strategy, interval: config.IntervalMs })
}

/**
 * The sweeping reprovider: every provided key is announced again before its provider records
 * expire (48 h), one keyspace region at a time, spread over the interval (22 h) instead of in one
 * burst, and with one exploration per region instead of one lookup per key (Kubo's provide sweep,
 * go-libp2p-kad-dht `provider/`; see `regions.ts` for why a region's peers serve all its keys).
 *
 * A sweep ("cycle") takes the keys the strategy names (all blocks, pinned blocks or pin roots),
 * groups them into regions whose prefix length comes from the routing table's estimate of the
 * network size, and visits region `p` at `cycleStart + position(p) × interval`. Visiting a region:
 * 1. explore it: look up a key under its prefix; when all k peers found share the prefix the
 *    region may hold more, so each half is explored in turn, until every lookup reaches past the
 *    region's edge (then every peer inside it is known);
 * 2. widen it while it holds fewer than k peers (its sibling is explored and joined), so the k
 *    closest peers of each key are all known;
 * 3. send each peer, over one stream per batch, ADD_PROVIDER for every key it is among the k
 *    closest of.
 *
 * The cycle's start and progress are saved after each region, so a restart resumes the schedule;
 * a node that was down long enough that its records may have lapsed sweeps everything first
 * (a catch-up cycle). A region that cannot be provided (no peers yet) is retried later. When the
 * work falls behind the schedule by more than `maxReprovideDelay`, {@link SweepingReprovider.stats}
 * says so: the node cannot keep up with its keys.
 */
import { NoPeersError } from '../errors/index.ts'
import { K, PROVIDER_RECORD_VALIDITY } from './constants.ts'
import { peerKadId, kadId } from './keyspace.ts'
import {
  closestTo, estimateNetworkSize, groupByRegion, hasPrefix, MAX_REGION_PREFIX_LENGTH, randomKeyWithPrefix, regionPosition,
  regionPrefixLength, type Region, type RegionKey
} from './regions.ts'
import type { DHTDatastore } from './datastore.ts'
import type { PeerInfo } from './message.ts'
import type { AbortOptions, ComponentLogger, Logger } from '@libp2p/interface'

/** `Provide.DHT.Interval`: every key is announced again this often (Kubo: 22 h, records live 48 h). */
export const DEFAULT_REPROVIDE_INTERVAL = 22 * 60 * 60 * 1000

/** Lag behind the schedule beyond which the reprovider reports that it cannot keep up (go `DefaultMaxReprovideDelay`, 1 h). */
export const DEFAULT_MAX_REPROVIDE_DELAY = 60 * 60 * 1000

/** Delay before the first (catch-up) sweep, so the node has joined the DHT first (Kubo's legacy reprovider: 1 min). */
export const DEFAULT_INITIAL_DELAY = 60 * 1000

/** Wait before a region that failed (no peers, every send failed) is tried again. */
export const DEFAULT_RETRY_DELAY = 60 * 1000

/** Peers sent their batches at once while a region is provided. */
export const DEFAULT_SEND_CONCURRENCY = 16

/** ADD_PROVIDER messages written on one stream before it is closed (keeps each stream within the request timeout). */
export const DEFAULT_RECORDS_PER_STREAM = 256

/** Where the schedule is saved in the DHT's datastore. */
export const REPROVIDER_STATE_KEY = '/reprovider/state'

/** Time as the reprovider sees it; tests inject their own. */
export interface Clock {
  now(): number
  /** Calls `fn` after `ms`; the handle cancels it. */
  setTimer(ms: number, fn: () => void): { clear(): void }
}

/** The wall clock, with timers that do not keep the process alive. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer (ms, fn) {
    const timer = setTimeout(fn, Math.min(ms, 2 ** 31 - 1))
    timer.unref()
    return { clear: () => { clearTimeout(timer) } }
  }
}

/** What the reprovider needs of the DHT (`KadDHT` has all of it). */
export interface SweepDHT {
  /** The k closest peers to a key (a lookup with follow-up). */
  closestPeers(key: Uint8Array, options?: AbortOptions): Promise<{ closest: PeerInfo[] }>
  /** ADD_PROVIDER of each key to one peer. */
  sendProviderRecords(peer: PeerInfo, keys: Uint8Array[], options?: AbortOptions): Promise<void>
  /** Records this node as a provider of the keys in its own store. */
  addLocalProviderRecords(keys: Uint8Array[], options?: AbortOptions): Promise<void>
  /** For the network-size estimate. */
  routingTable: { bucketView(): Array<{ cpl: number, contacts: unknown[] }> }
}

/** Collaborators of the reprovider. */
export interface ReproviderComponents {
  dht: SweepDHT
  /** The multihashes to keep provided (the strategy's keys), read at the start of each sweep. */
  keys: (options: AbortOptions) => AsyncIterable<Uint8Array>
  /** Where the schedule is saved; without one a restart starts with a catch-up sweep. */
  datastore?: DHTDatastore
  logger: ComponentLogger
  /** Default {@link systemClock}. */
  clock?: Clock
}

/** Options of the reprovider; every one is optional. */
export interface ReproviderInit {
  /** Default {@link DEFAULT_REPROVIDE_INTERVAL} (22 h). */
  interval?: number
  /** Replication: peers each key goes to. Default {@link K} (20). */
  k?: number
  /** Default {@link DEFAULT_MAX_REPROVIDE_DELAY} (1 h). */
  maxReprovideDelay?: number
  /** Default {@link DEFAULT_INITIAL_DELAY} (1 min). */
  initialDelay?: number
  /** Default {@link DEFAULT_RETRY_DELAY} (1 min). */
  retryDelay?: number
  /** Default {@link DEFAULT_SEND_CONCURRENCY} (16). */
  sendConcurrency?: number
  /** Default {@link DEFAULT_RECORDS_PER_STREAM} (256). */
  recordsPerStream?: number
}

/** What providing a set of regions did. */
export interface SweepResult {
  keys: number
  /** Keys at least one peer took. */
  provided: number
  failed: number
  regions: number
  /** Closest-peer lookups run (explorations). */
  lookups: number
  /** ADD_PROVIDER messages sent successfully. */
  records: number
}

/** The reprovider's state, for `provide stat`. */
export interface ReproviderStats {
  /** Keys in the current sweep. */
  keys: number
  regions: number
  prefixLength: number
  /** Estimated DHT servers in the network. */
  networkSize: number
  interval: number
  maxReprovideDelay: number
  cycleStart: number
  /** A catch-up sweep (every region at once after a fresh start or a long downtime) is running. */
  catchingUp: boolean
  /** Regions of the current sweep done. */
  regionsDone: number
  nextRegionAt?: number
  nextPrefix?: string
  lastRegionAt?: number
  /** When the last complete sweep ended, and how long it took from its first region. */
  lastSweepAt?: number
  lastSweepDuration?: number
  lastSweepKeys?: number
  lastSweepRegions?: number
  /** Totals since start. */
  totalSweeps: number
  totalKeysProvided: number
  totalKeysFailed: number
  totalRecords: number
  totalLookups: number
  /** Average peers that took each key in the last region. */
  avgHolders: number
  /** The worst lateness of a region in this sweep or the last, or of the work due now, ms (0 when on time). */
  lagMs: number
  /** True when the lag exceeds `maxReprovideDelay`: the node cannot keep up. */
  behind: boolean
  /** Human-readable warnings (falling behind, regions failing). */
  warnings: string[]
}

interface SavedState {
  cycleStart: number
  /** Position (0…1) of the last region done in this cycle, or -1. */
  done: number
  catchUp: boolean
  savedAt: number
}

interface Plan {
  cycleStart: number
  catchUp: boolean
  regions: Region[]
  prefixLength: number
  networkSize: number
  next: number
  startedAt?: number
}

/** The sweeping reprovider; create it with the DHT and the strategy's keys, then `start()`. */
export class SweepingReprovider {
  private readonly components: ReproviderComponents
  private readonly clock: Clock
  private readonly log: Logger
  private readonly interval: number
  private readonly k: number
  private readonly maxReprovideDelay: number
  private readonly initialDelay: number
  private readonly retryDelay: number
  private readonly sendConcurrency: number
  private readonly recordsPerStream: number
  private started = false
  private controller = new AbortController()
  private timer?: { clear(): void }
  private running?: Promise<void>
  private plan?: Plan
  /** Where the next plan starts: set by start() and at the end of each sweep. */
  private resume?: { cycleStart: number, done: number, catchUp: boolean }
  private consecutiveFailures = 0
  private lastError?: string
  private readonly totals = { sweeps: 0, provided: 0, failed: 0, records: 0, lookups: 0 }
  private last: { regionAt?: number, sweepAt?: number, sweepDuration?: number, sweepKeys?: number, sweepRegions?: number, avgHolders: number, lag: number, previousLag: number } = { avgHolders: 0, lag: 0, previousLag: 0 }

  constructor (components: ReproviderComponents, init: ReproviderInit = {}) {
    this.components = components
    this.clock = components.clock ?? systemClock
    this.log = components.logger.forComponent('cairn:dht:reprovider')
    this.interval = init.interval ?? DEFAULT_REPROVIDE_INTERVAL
    this.k = init.k ?? K
    this.maxReprovideDelay = init.maxReprovideDelay ?? DEFAULT_MAX_REPROVIDE_DELAY
    this.initialDelay = init.initialDelay ?? DEFAULT_INITIAL_DELAY
    this.retryDelay = init.retryDelay ?? DEFAULT_RETRY_DELAY
    this.sendConcurrency = init.sendConcurrency ?? DEFAULT_SEND_CONCURRENCY
    this.recordsPerStream = init.recordsPerStream ?? DEFAULT_RECORDS_PER_STREAM
    if (!(this.interval > 0)) throw new RangeError('the reprovide interval must be positive')
    if (!Number.isSafeInteger(this.k) || this.k < 1) throw new RangeError('k must be a positive integer')
  }

  /**
   * Starts the schedule: resumes a saved sweep when the node was not down long enough for its
   * records to lapse, else begins with a catch-up sweep after the initial delay. Idempotent.
   */
  async start (options: AbortOptions = {}): Promise<void> {
    if (this.started) return
    this.started = true
    this.controller = new AbortController()
    const saved = await this.loadState(options)
    const now = this.clock.now()
    // records announced at the last saved region live PROVIDER_RECORD_VALIDITY; the schedule
    // reaches each region again within one interval, so the saved one is safe to resume only if
    // the node was back before validity − interval
    if (saved != null && now - saved.savedAt < PROVIDER_RECORD_VALIDITY - this.interval) {
      let cycleStart = saved.cycleStart
      let done = saved.done
      while (now >= cycleStart + this.interval) {
        cycleStart += this.interval
        done = -1
      }
      this.plan = undefined
      this.resume = { cycleStart, done, catchUp: saved.catchUp && cycleStart === saved.cycleStart }
      this.schedule(0)
    } else {
      // every region is overdue: start one interval back, so each region's next turn in the
      // regular schedule comes at most one interval after the catch-up announced it
      this.resume = { cycleStart: now + this.initialDelay - this.interval, done: -1, catchUp: true }
      this.schedule(this.initialDelay)
    }
  }

  /** Stops the schedule and aborts the region in progress. Idempotent. */
  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    this.timer?.clear()
    this.timer = undefined
    this.controller.abort()
    await this.running?.catch(() => {})
    this.running = undefined
  }

  /**
   * Provides the given keys now, grouped by region (the batched path the provide queue and
   * `bitswap reprovide` use). Resolves with what was done.
   */
  async provideKeys (multihashes: Iterable<Uint8Array>, options: AbortOptions = {}): Promise<SweepResult> {
    const keys = [...multihashes].map(multihash => ({ multihash, kadId: kadId(multihash) }))
    const { regions } = this.regionsFor(keys)
    const result = emptyResult()
    for (const region of regions) add(result, await this.provideRegion(region, options))
    return result
  }

  /**
   * Sweeps every key of the strategy now, region after region (`bitswap reprovide`); the
   * schedule goes on as before. Resolves once the sweep is done.
   */
  async reprovideNow (options: AbortOptions = {}): Promise<SweepResult> {
    const keys = await this.collectKeys(options)
    const result = await this.provideKeys(keys.map(k => k.multihash), options)
    this.totals.sweeps++
    this.last.sweepAt = this.clock.now()
    this.last.sweepKeys = result.keys
    this.last.sweepRegions = result.regions
    return result
  }

  /** The schedule and the totals, for `provide stat`. */
  stats (): ReproviderStats {
    const now = this.clock.now()
    const plan = this.plan
    const next = plan?.regions[plan.next]
    const nextRegionAt = plan != null && next != null ? this.dueAt(plan, next) : this.resume == null ? undefined : this.resume.cycleStart + this.interval
    // the worst lag of this sweep and the last one: a node that fell behind keeps saying so until
    // it has done one whole sweep on time
    const lag = Math.max(this.last.lag, this.last.previousLag, plan != null && next != null && plan.catchUp !== true && nextRegionAt != null ? now - nextRegionAt : 0, 0)
    const behind = lag > this.maxReprovideDelay
    const warnings: string[] = []
    if (behind) {
      warnings.push(`the reprovider is ${Math.round(lag / 60_000)} min behind its schedule (more than ${Math.round(this.maxReprovideDelay / 60_000)} min): ` +
        'this node cannot keep up with its keys; provide fewer (Provide.Strategy) or give it more bandwidth')
    }
    if (this.consecutiveFailures > 0) warnings.push(`the last ${this.consecutiveFailures} region(s) could not be provided: ${this.lastError ?? 'unknown error'}`)
    return {
      keys: plan?.regions.reduce((n, r) => n + r.keys.length, 0) ?? 0,
      regions: plan?.regions.length ?? 0,
      prefixLength: plan?.prefixLength ?? 0,
      networkSize: plan?.networkSize ?? 0,
      interval: this.interval,
      maxReprovideDelay: this.maxReprovideDelay,
      cycleStart: plan?.cycleStart ?? this.resume?.cycleStart ?? now,
      catchingUp: plan?.catchUp ?? this.resume?.catchUp ?? false,
      regionsDone: plan?.next ?? 0,
      nextRegionAt,
      nextPrefix: next?.prefix,
      lastRegionAt: this.last.regionAt,
      lastSweepAt: this.last.sweepAt,
      lastSweepDuration: this.last.sweepDuration,
      lastSweepKeys: this.last.sweepKeys,
      lastSweepRegions: this.last.sweepRegions,
      totalSweeps: this.totals.sweeps,
      totalKeysProvided: this.totals.provided,
      totalKeysFailed: this.totals.failed,
      totalRecords: this.totals.records,
      totalLookups: this.totals.lookups,
      avgHolders: this.last.avgHolders,
      lagMs: lag,
      behind,
      warnings
    }
  }

  // --- schedule ---

  private dueAt (plan: Plan, region: Region): number {
    return plan.catchUp ? plan.cycleStart + this.interval : plan.cycleStart + regionPosition(region.prefix) * this.interval
  }

  private schedule (delay: number): void {
    if (!this.started) return
    this.timer?.clear()
    this.timer = this.clock.setTimer(Math.max(0, delay), () => {
      this.timer = undefined
      if (this.running != null) {
        // a step is still finishing: look again once it has
        void this.running.then(() => { this.schedule(0) })
        return
      }
      this.running = this.step().catch(err => {
        if (this.controller.signal.aborted) return
        this.log.error('reprovide step failed: %e', err)
        this.schedule(this.retryDelay)
      }).finally(() => { this.running = undefined })
    })
  }

  /** Runs every region that is due, then sets the timer for the next one. */
  private async step (): Promise<void> {
    const signal = this.controller.signal
    for (;;) {
      if (signal.aborted) return
      if (this.plan == null || this.plan.next >= this.plan.regions.length) {
        if (this.plan != null) this.finishCycle(this.plan)
        this.plan = await this.newPlan({ signal })
        if (this.plan.next >= this.plan.regions.length) {
          // nothing (left) to provide in this cycle: wake for the next one
          this.schedule(this.plan.cycleStart + this.interval - this.clock.now())
          return
        }
      }
      const plan = this.plan
      const region = plan.regions[plan.next]
      const due = this.dueAt(plan, region)
      const now = this.clock.now()
      if (due > now) {
        this.schedule(due - now)
        return
      }
      plan.startedAt ??= now
      if (!plan.catchUp) this.last.lag = Math.max(this.last.lag, now - due)
      try {
        const result = await this.provideRegion(region, { signal })
        if (result.provided === 0 && result.keys > 0) throw new NoPeersError(`no peer took any key of region ${region.prefix || '(all)'}`)
        this.consecutiveFailures = 0
        this.lastError = undefined
      } catch (err) {
        if (signal.aborted) return
        this.consecutiveFailures++
        this.lastError = (err as Error).message
        this.log('region %s failed, retrying in %d ms: %e', region.prefix, this.retryDelay, err)
        this.schedule(this.retryDelay)
        return
      }
      this.last.regionAt = this.clock.now()
      plan.next++
      // one region at a time: let everything else run between two
      await new Promise<void>(resolve => { setImmediate(resolve) })
      await this.saveState({ cycleStart: plan.cycleStart, done: regionPosition(region.prefix), catchUp: plan.catchUp, savedAt: this.clock.now() }, { signal })
    }
  }

  private finishCycle (plan: Plan): void {
    const now = this.clock.now()
    this.totals.sweeps++
    this.last.sweepAt = now
    this.last.sweepDuration = now - (plan.startedAt ?? now)
    this.last.sweepKeys = plan.regions.reduce((n, r) => n + r.keys.length, 0)
    this.last.sweepRegions = plan.regions.length
    this.resume = { cycleStart: plan.cycleStart + this.interval, done: -1, catchUp: false }
    this.last.previousLag = this.last.lag
    this.last.lag = 0
    this.log('sweep done: %d keys in %d regions', this.last.sweepKeys, this.last.sweepRegions)
  }

  private async newPlan (options: AbortOptions): Promise<Plan> {
    const resume = this.resume ?? { cycleStart: this.clock.now(), done: -1, catchUp: false }
    const keys = await this.collectKeys(options)
    const { regions, prefixLength, networkSize } = this.regionsFor(keys)
    const plan: Plan = { cycleStart: resume.cycleStart, catchUp: resume.catchUp, regions, prefixLength, networkSize, next: 0 }
    // regions already done in a resumed cycle are skipped
    while (plan.next < regions.length && regionPosition(regions[plan.next].prefix) <= resume.done) plan.next++
    this.log('sweep planned: %d keys in %d regions of %d bits (network ≈ %d servers)', keys.length, regions.length, prefixLength, networkSize)
    return plan
  }

  private async collectKeys (options: AbortOptions): Promise<RegionKey[]> {
    const keys: RegionKey[] = []
    const seen = new Set<string>()
    for await (const multihash of this.components.keys(options)) {
      const id = Buffer.from(multihash).toString('base64')
      if (seen.has(id)) continue
      seen.add(id)
      keys.push({ multihash, kadId: kadId(multihash) })
    }
    return keys
  }

  private regionsFor (keys: RegionKey[]): { regions: Region[], prefixLength: number, networkSize: number } {
    const buckets = this.components.dht.routingTable.bucketView().map(b => ({ cpl: b.cpl, size: b.contacts.length }))
    const networkSize = estimateNetworkSize(buckets, this.k)
    const prefixLength = regionPrefixLength(networkSize, this.k)
    return { regions: groupByRegion(keys, prefixLength), prefixLength, networkSize }
  }

  // --- one region ---

  /** Explores the region, widens it until it holds k peers, and sends every peer its keys. */
  private async provideRegion (region: Region, options: AbortOptions): Promise<SweepResult> {
    const result = emptyResult()
    result.regions = 1
    result.keys = region.keys.length
    const peers = new Map<string, PeerInfo & { kadId: Uint8Array }>()
    const lookups = { count: 0 }
    try {
      let prefix = region.prefix
      await this.explore(prefix, region.keys, peers, lookups, options)
      const inside = (): number => [...peers.values()].filter(p => hasPrefix(p.kadId, prefix)).length
      while (inside() < this.k && prefix.length > 0) {
        const sibling = prefix.slice(0, -1) + (prefix.endsWith('0') ? '1' : '0')
        await this.explore(sibling, [], peers, lookups, options)
        prefix = prefix.slice(0, -1)
      }
    } finally {
      result.lookups = lookups.count
      this.totals.lookups += lookups.count
    }
    if (peers.size === 0) throw new NoPeersError(`no peer found for region ${region.prefix || '(all)'}`)

    // each peer gets the keys it is among the k closest of
    const batches = new Map<string, { peer: PeerInfo, keys: Uint8Array[] }>()
    for (const key of region.keys) {
      for (const peer of closestTo(key.kadId, peers.values(), this.k)) {
        const id = peer.id.toString()
        let batch = batches.get(id)
        if (batch == null) batches.set(id, batch = { peer: { id: peer.id, multiaddrs: peer.multiaddrs }, keys: [] })
        batch.keys.push(key.multihash)
      }
    }
    const holders = new Map<Uint8Array, number>()
    await this.components.dht.addLocalProviderRecords(region.keys.map(k => k.multihash), options)
    const work = [...batches.values()].flatMap(b => chunk(b.keys, this.recordsPerStream).map(keys => ({ peer: b.peer, keys })))
    await runLimited(work, this.sendConcurrency, async ({ peer, keys }) => {
      try {
        await this.components.dht.sendProviderRecords(peer, keys, options)
        result.records += keys.length
        for (const key of keys) holders.set(key, (holders.get(key) ?? 0) + 1)
      } catch (err) {
        this.log('sending %d records to %p failed: %e', keys.length, peer.id, err)
      }
    })
    options.signal?.throwIfAborted()
    result.provided = holders.size
    result.failed = region.keys.length - holders.size
    this.totals.provided += result.provided
    this.totals.failed += result.failed
    this.totals.records += result.records
    this.last.avgHolders = holders.size === 0 ? 0 : [...holders.values()].reduce((a, b) => a + b, 0) / region.keys.length
    this.log('region %s: %d keys to %d peers after %d lookups', region.prefix || '(all)', region.keys.length, batches.size, result.lookups)
    return result
  }

  /**
   * Learns every peer whose ID starts with `prefix`: a lookup under the prefix returns the k
   * closest; if one of them lies outside, every peer inside was among them; if all k lie inside,
   * the region may hold more, so each half is explored.
   */
  private async explore (prefix: string, keys: RegionKey[], peers: Map<string, PeerInfo & { kadId: Uint8Array }>, lookups: { count: number }, options: AbortOptions): Promise<void> {
    // a key of the region hashes under the prefix already: no need to draw one
    const inside = keys.find(k => hasPrefix(k.kadId, prefix))
    const target = inside?.multihash ?? randomKeyWithPrefix(prefix)
    lookups.count++
    const { closest } = await this.components.dht.closestPeers(target, options)
    let within = 0
    for (const peer of closest) {
      const id = peerKadId(peer.id)
      if (hasPrefix(id, prefix)) within++
      peers.set(peer.id.toString(), { ...peer, kadId: id })
    }
    if (within < this.k || prefix.length >= MAX_REGION_PREFIX_LENGTH) return
    for (const half of ['0', '1']) {
      await this.explore(prefix + half, keys.filter(k => hasPrefix(k.kadId, prefix + half)), peers, lookups, options)
    }
  }

  // --- persistence ---

  private async loadState (options: AbortOptions): Promise<SavedState | undefined> {
    const bytes = await this.components.datastore?.get(REPROVIDER_STATE_KEY, options)
    if (bytes == null) return undefined
    try {
      const state = JSON.parse(new TextDecoder().decode(bytes)) as SavedState
      if (typeof state.cycleStart !== 'number' || typeof state.done !== 'number' || typeof state.savedAt !== 'number') return undefined
      return state
    } catch {
      return undefined
    }
  }

  private async saveState (state: SavedState, options: AbortOptions): Promise<void> {
    await this.components.datastore?.put(REPROVIDER_STATE_KEY, new TextEncoder().encode(JSON.stringify(state)), options)
  }
}

function emptyResult (): SweepResult {
  return { keys: 0, provided: 0, failed: 0, regions: 0, lookups: 0, records: 0 }
}

function add (into: SweepResult, from: SweepResult): void {
  for (const key of Object.keys(into) as Array<keyof SweepResult>) into[key] += from[key]
}

function chunk<T> (items: T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

/** Runs `fn` over `items`, at most `concurrency` at once. */
async function runLimited<T> (items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++])
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker))
}

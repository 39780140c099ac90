/**
 * The IPNS publisher, resolver and republisher.
 *
 * Publish signs a record with a keystore key (sequence one above the stored record's, so it grows
 * across restarts), keeps it in the local record store and puts it through `Routing`. Resolve
 * answers from a cache that honours the record TTL (capped by `Ipns.MaxCacheTTL` and the EOL),
 * the local store and `Routing.get`, the best valid record winning; DNSLink domains go through
 * `dnslink.ts`. The republisher re-signs the node's own records every `Ipns.RepublishPeriod` and
 * sooner when one would expire first.
 */
import { InvalidArgumentError, InvalidConfigError, InvalidPathError, NotFoundError, OfflineError, RecordOutdatedError, ResolveDepthError } from '../errors/index.ts'
import { isDomainName } from './dnslink.ts'
import { DEFAULT_RECORD_LIFETIME_MS, DEFAULT_RECORD_TTL_MS, createRecord, formatIpnsName, ipnsRoutingKey, nameOfKey, parseIpnsName, unmarshalRecord } from './record.ts'
import { compareRecords } from './selector.ts'
import { validateRecord } from './validator.ts'
import type { DnsLinkResolver } from './dnslink.ts'
import type { Keystore } from './keystore.ts'
import type { IpnsRecord } from './record.ts'
import type { RecordStore } from './record-store.ts'
import type { Routing } from '../routing/types.ts'
import type { AbortOptions, ComponentLogger, Logger } from '@libp2p/interface'

/** `Ipns.RepublishPeriod` default: 4 h. */
export const DEFAULT_REPUBLISH_PERIOD_MS = 4 * 3600_000
/** `Ipns.RecordLifetime` default (lifetime of republished records): 48 h. */
export const DEFAULT_REPUBLISH_LIFETIME_MS = DEFAULT_RECORD_LIFETIME_MS
/** `Ipns.MaxCacheTTL` default: uncapped. */
export const DEFAULT_MAX_CACHE_TTL_MS = Number.POSITIVE_INFINITY
/** `Ipns.ResolveCacheSize` default: 128 names. */
export const DEFAULT_RESOLVE_CACHE_SIZE = 128
/** Most steps of a recursive resolution (Kubo's limit). */
export const MAX_RESOLVE_DEPTH = 32
/** The republisher never waits less than this between runs, whatever the EOLs say. */
const MIN_REPUBLISH_DELAY_MS = 1000

/** Timer functions, injectable so tests drive the republisher without waiting. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

/** What the naming service is built from. */
export interface NamingComponents {
  keystore: Pick<Keystore, 'get' | 'list'>
  records: RecordStore
  /** Absent when the node runs without routing (offline): publish needs `allowOffline`. */
  routing?: Routing
  logger: ComponentLogger
  /** DNSLink lookups for `/ipns/<domain>`; absent means domains do not resolve. */
  dnslink?: Pick<DnsLinkResolver, 'resolve'>
  /** Checks that a path resolves before it is published (`--resolve`); absent skips the check. */
  resolvePath?: (path: string, options: AbortOptions) => Promise<void>
}

/** Options of {@link createNaming}; each defaults as the config key it mirrors. */
export interface NamingInit {
  /** `Ipns.RepublishPeriod`. Default {@link DEFAULT_REPUBLISH_PERIOD_MS}. */
  republishPeriodMs?: number
  /** `Ipns.RecordLifetime`. Default {@link DEFAULT_REPUBLISH_LIFETIME_MS}. */
  recordLifetimeMs?: number
  /** `Ipns.MaxCacheTTL`. Default uncapped. */
  maxCacheTtlMs?: number
  /** `Ipns.ResolveCacheSize`. Default {@link DEFAULT_RESOLVE_CACHE_SIZE}. */
  cacheSize?: number
  /** Default global `setTimeout`/`clearTimeout`. */
  timers?: Timers
  /** Clock in ms (tests). Default `Date.now`. */
  now?: () => number
}

/** Options of {@link Naming.publish}, as `name publish`. */
export interface PublishOptions extends AbortOptions {
  /** Record lifetime. Default 48 h. */
  lifetimeMs?: number
  /** Record TTL (cache hint). Default 5 min. */
  ttlMs?: number
  /** A sequence number above the current one; default current + 1. */
  sequence?: bigint
  /** Publish to the local store only when there is no routing. Default false. */
  allowOffline?: boolean
  /** Check the path resolves first. Default true. */
  resolve?: boolean
}

/** The answer of a publish. */
export interface PublishResult {
  /** The name's multihash. */
  name: Uint8Array
  value: string
  sequence: bigint
  record: Uint8Array
}

/** Options of {@link Naming.resolve}. */
export interface ResolveOptions extends AbortOptions {
  /** Follow `/ipns/` answers until an `/ipfs/` path. Default true (as `resolve`); `name resolve` passes its `-r`. */
  recursive?: boolean
  /** Skip the cache. Default false. */
  nocache?: boolean
  /** Answer from the local store only. Default false. */
  offline?: boolean
}

/** A resolved name and how long the answer may be cached. */
export interface Resolution {
  /** The path the name points at (an `/ipfs/` path when recursive). */
  path: string
  /**
   * Milliseconds the answer stays good: the least TTL of the records on the way, each capped by
   * its EOL; undefined when a step's TTL is unknown (a DNSLink answer).
   */
  ttlMs?: number
}

/** The naming service (see the module comment). */
export interface Naming {
  publish(keyName: string, path: string, options?: PublishOptions): Promise<PublishResult>
  /** Resolves `/ipns/<name>[/path]` (or a bare name) to a path. */
  resolve(name: string, options?: ResolveOptions): Promise<string>
  /** As {@link Naming.resolve}, with the TTL of the answer (the gateway's `Cache-Control`). */
  resolveWithTtl(name: string, options?: ResolveOptions): Promise<Resolution>
  /**
   * The best valid record known for an IPNS key name (`k51…`, a peer ID): cache, local store,
   * then routing. Throws `NotFoundError` when there is none, and the validator's errors when the
   * only one found is invalid.
   */
  getRecord(name: string, options?: ResolveOptions): Promise<IpnsRecord>
  /**
   * Validates a record for `name` and keeps it in the local store and the cache without putting it
   * to routing (`routing put --allow-offline`). Throws the validator's errors, or
   * `RecordOutdatedError` when a better record is stored.
   */
  putRecord(name: Uint8Array, bytes: Uint8Array, options?: AbortOptions): Promise<IpnsRecord>
  /** Yields each better answer as it is found (`name resolve --stream`). */
  resolveStream(name: string, options?: ResolveOptions): AsyncIterable<string>
  /** Re-signs and re-puts every own record now; the timer calls this. */
  republish(options?: AbortOptions): Promise<void>
  start(): void
  stop(): void
}

interface CacheEntry {
  record: IpnsRecord
  expires: number
}

class IpnsNaming implements Naming {
  private readonly c: NamingComponents
  private readonly log: Logger
  private readonly republishPeriodMs: number
  private readonly recordLifetimeMs: number
  private readonly maxCacheTtlMs: number
  private readonly cacheSize: number
  private readonly timers: Timers
  private readonly now: () => number
  private readonly cache = new Map<string, CacheEntry>()
  private timer: unknown
  private running = false
  /** Aborted by stop(): ends the republisher's run and background lookups. */
  private controller = new AbortController()

  constructor (components: NamingComponents, init: NamingInit) {
    this.c = components
    this.log = components.logger.forComponent('cairn:naming')
    this.republishPeriodMs = init.republishPeriodMs ?? DEFAULT_REPUBLISH_PERIOD_MS
    this.recordLifetimeMs = init.recordLifetimeMs ?? DEFAULT_REPUBLISH_LIFETIME_MS
    this.maxCacheTtlMs = init.maxCacheTtlMs ?? DEFAULT_MAX_CACHE_TTL_MS
    this.cacheSize = init.cacheSize ?? DEFAULT_RESOLVE_CACHE_SIZE
    this.timers = init.timers ?? { setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) }
    this.now = init.now ?? Date.now
    if (!(this.republishPeriodMs > 0) || !(this.recordLifetimeMs > 0)) {
      throw new InvalidConfigError('Ipns.RepublishPeriod and Ipns.RecordLifetime must be positive durations')
    }
    if (this.recordLifetimeMs < this.republishPeriodMs) {
      throw new InvalidConfigError(`Ipns.RecordLifetime (${this.recordLifetimeMs} ms) is shorter than Ipns.RepublishPeriod (${this.republishPeriodMs} ms): records would expire between republishes`)
    }
  }

  async publish (keyName: string, path: string, options: PublishOptions = {}): Promise<PublishResult> {
    const lifetimeMs = options.lifetimeMs ?? DEFAULT_RECORD_LIFETIME_MS
    const ttlMs = options.ttlMs ?? DEFAULT_RECORD_TTL_MS
    if (!(lifetimeMs > 0)) throw new InvalidArgumentError('--lifetime must be a positive duration')
    if (!(ttlMs >= 0)) throw new InvalidArgumentError('--ttl must not be negative')
    if (!/^\/(ipfs|ipns|ipld)\/[^/]/.test(path)) throw new InvalidPathError(`"${path}" is not an /ipfs/ or /ipns/ path`)
    if (this.c.routing == null && options.allowOffline !== true) {
      throw new OfflineError('cannot publish without routing: run the daemon, or pass --allow-offline to store the record locally only')
    }
    if (options.resolve !== false && this.c.resolvePath != null) await this.c.resolvePath(path, options)
    const key = await this.c.keystore.get(keyName)
    const name = nameOfKey(key)
    const current = await this.currentSequence(name, options)
    let sequence = current == null ? 0n : current + 1n
    if (options.sequence != null) {
      if (options.sequence < 0n) throw new InvalidArgumentError('--sequence must not be negative')
      if (current != null && options.sequence <= current) {
        throw new RecordOutdatedError(`--sequence ${options.sequence} is not above the current sequence ${current}`)
      }
      sequence = options.sequence
    }
    const record = await createRecord(key, path, sequence, lifetimeMs, { ttlNs: BigInt(Math.round(ttlMs)) * 1_000_000n, now: this.now() })
    await this.store(name, record, options)
    await this.put(name, record, options)
    this.log('published %s = %s (sequence %s)', formatIpnsName(name), path, sequence)
    return { name, value: path, sequence, record }
  }

  private async currentSequence (name: Uint8Array, options: AbortOptions): Promise<bigint | undefined> {
    const stored = await this.c.records.get(name, options)
    if (stored == null) return undefined
    try {
      return unmarshalRecord(stored).sequence
    } catch {
      return undefined
    }
  }

  /** Keeps a record locally and in the cache; the store refuses it when it is not the best. */
  private async store (name: Uint8Array, bytes: Uint8Array, options: AbortOptions): Promise<IpnsRecord> {
    const record = await this.c.records.put(name, bytes, { ...options, now: this.now() })
    this.remember(name, record)
    return record
  }

  private async put (name: Uint8Array, bytes: Uint8Array, options: PublishOptions): Promise<void> {
    if (this.c.routing == null) return
    try {
      await this.c.routing.put(ipnsRoutingKey(name), bytes, { signal: options.signal })
    } catch (err) {
      const code = (err as Error).name
      if (options.allowOffline === true && (code === 'RoutingOffError' || code === 'OfflineError' || code === 'NotFoundError')) {
        this.log('no peers took the record of %s, kept locally (--allow-offline): %e', formatIpnsName(name), err)
        return
      }
      throw err
    }
  }

  /** Caches a record unless the cache holds a better one; the entry lives TTL, capped by MaxCacheTTL and the EOL. */
  private remember (name: Uint8Array, record: IpnsRecord): void {
    const key = formatIpnsName(name)
    const cached = this.cache.get(key)
    if (cached != null && compareRecords(record.bytes, cached.record.bytes) < 0) return
    const now = this.now()
    const eol = Number(record.validityNs / 1_000_000n)
    const expires = Math.min(now + Number(record.ttl / 1_000_000n), now + this.maxCacheTtlMs, eol)
    this.cache.delete(key)
    if (this.cache.size >= this.cacheSize) this.cache.delete(this.cache.keys().next().value as string)
    this.cache.set(key, { record, expires })
  }

  private cached (name: Uint8Array): IpnsRecord | undefined {
    const entry = this.cache.get(formatIpnsName(name))
    if (entry == null) return undefined
    if (entry.expires > this.now()) return entry.record
    return undefined
  }

  /** Every valid record known for `name`, better ones later: local first, then routing. */
  private async * candidates (name: Uint8Array, options: ResolveOptions): AsyncGenerator<IpnsRecord> {
    if (options.nocache !== true) {
      const cached = this.cached(name)
      if (cached != null) {
        yield cached
        return
      }
    }
    let best: IpnsRecord | undefined
    const local = await this.c.records.get(name, options)
    if (local != null) {
      try {
        best = await validateRecord(name, local, { now: this.now() })
        this.remember(name, best)
        yield best
      } catch (err) {
        this.log('the local record of %s is no longer valid: %e', formatIpnsName(name), err)
      }
    }
    if (this.c.routing == null || options.offline === true) return
    let remote: Uint8Array
    try {
      remote = await this.c.routing.get(ipnsRoutingKey(name), { signal: options.signal })
    } catch (err) {
      if (best != null) return
      throw err
    }
    const record = await validateRecord(name, remote, { now: this.now() })
    if (best != null && compareRecords(record.bytes, best.bytes) <= 0) return
    // a better record from the network replaces ours locally; the store refuses a worse one
    await this.store(name, remote, options).catch(err => { this.log('not keeping the record of %s: %e', formatIpnsName(name), err) })
    yield record
  }

  /** How long a record's answer stays good: its TTL, never past its EOL. */
  private ttlOf (record: IpnsRecord): number {
    const eol = Number(record.validityNs / 1_000_000n)
    return Math.max(0, Math.min(Number(record.ttl / 1_000_000n), eol - this.now()))
  }

  /** One step: the path a name (IPNS key or DNSLink domain) points at; each better answer in turn. */
  private async * step (name: string, options: ResolveOptions): AsyncGenerator<Resolution> {
    if (isDomainName(name)) {
      if (this.c.dnslink == null) throw new NotFoundError(`cannot resolve the domain ${name}: DNSLink is off`)
      // node:dns gives no TTL for TXT records, and the static map has none: unknown
      yield { path: await this.c.dnslink.resolve(name, options) }
      return
    }
    let found = false
    for await (const record of this.candidates(parseIpnsName(name), options)) {
      found = true
      yield { path: record.value, ttlMs: this.ttlOf(record) }
    }
    if (!found) throw new NotFoundError(`no record found for /ipns/${name}`)
  }

  async * resolveStream (name: string, options: ResolveOptions = {}): AsyncIterable<string> {
    for await (const answer of this.resolveStreamWithTtl(name, options)) yield answer.path
  }

  private async * resolveStreamWithTtl (name: string, options: ResolveOptions): AsyncIterable<Resolution> {
    const recursive = options.recursive ?? true
    const first = splitIpnsPath(name)
    for await (const answer of this.step(first.name, options)) {
      yield await this.follow({ path: joinPath(answer.path, first.rest), ttlMs: answer.ttlMs }, recursive, new Set([first.name.toLowerCase()]), options)
    }
  }

  /** Follows `/ipns/` answers to the end (or one step when not recursive), refusing loops and chains over 32 steps. */
  private async follow (start: Resolution, recursive: boolean, seen: Set<string>, options: ResolveOptions): Promise<Resolution> {
    let current = start
    while (recursive && current.path.startsWith('/ipns/')) {
      const { name, rest } = splitIpnsPath(current.path)
      const key = name.toLowerCase()
      if (seen.has(key)) throw new ResolveDepthError(`resolution loops back to /ipns/${name}`)
      seen.add(key)
      if (seen.size > MAX_RESOLVE_DEPTH) throw new ResolveDepthError(`resolution took more than ${MAX_RESOLVE_DEPTH} steps`)
      let answer: Resolution | undefined
      for await (const value of this.step(name, options)) answer = value
      const step = answer as Resolution
      // the chain is good as long as its shortest-lived link; one unknown TTL makes it unknown
      const ttlMs = current.ttlMs == null || step.ttlMs == null ? undefined : Math.min(current.ttlMs, step.ttlMs)
      current = { path: joinPath(step.path, rest), ttlMs }
    }
    return current
  }

  async resolve (name: string, options: ResolveOptions = {}): Promise<string> {
    return (await this.resolveWithTtl(name, options)).path
  }

  /**
   * The first valid answer (cache, then local store), while the search for a better one goes on
   * in the background and updates the store and cache. With `nocache` it waits for the best.
   */
  async resolveWithTtl (name: string, options: ResolveOptions = {}): Promise<Resolution> {
    const signal = options.signal == null ? this.controller.signal : AbortSignal.any([options.signal, this.controller.signal])
    const answers = this.resolveStreamWithTtl(name, { ...options, signal })[Symbol.asyncIterator]()
    if (options.nocache !== true) {
      const first = await answers.next()
      if (first.done === true) throw new NotFoundError(`no record found for ${name}`)
      void (async () => { while ((await answers.next()).done !== true); })()
        .catch(err => { this.log('background lookup of %s found nothing better: %e', name, err) })
      return first.value
    }
    let best: Resolution | undefined
    for (let next = await answers.next(); next.done !== true; next = await answers.next()) best = next.value
    if (best == null) throw new NotFoundError(`no record found for ${name}`)
    return best
  }

  async getRecord (name: string, options: ResolveOptions = {}): Promise<IpnsRecord> {
    let best: IpnsRecord | undefined
    for await (const record of this.candidates(parseIpnsName(name), options)) best = record
    if (best == null) throw new NotFoundError(`no record found for /ipns/${name}`)
    return best
  }

  async putRecord (name: Uint8Array, bytes: Uint8Array, options: AbortOptions = {}): Promise<IpnsRecord> {
    return await this.store(name, bytes, options)
  }

  async republish (options: AbortOptions = {}): Promise<void> {
    for (const { name: keyName, id } of await this.c.keystore.list()) {
      const stored = await this.c.records.get(id, options)
      if (stored == null) continue
      try {
        const old = unmarshalRecord(stored)
        const key = await this.c.keystore.get(keyName)
        // same value and sequence, a fresh EOL: the later EOL wins among equal sequences
        const record = await createRecord(key, old.value, old.sequence, this.recordLifetimeMs, { ttlNs: old.ttl, now: this.now() })
        await this.store(id, record, options)
        await this.put(id, record, { ...options, allowOffline: true })
        this.log('republished %s', formatIpnsName(id))
      } catch (err) {
        this.log.error('republishing %s (key %s) failed: %e', formatIpnsName(id), keyName, err)
      }
    }
  }

  /** The next run: one period away, or sooner when an own record would expire first. */
  private async nextDelay (): Promise<number> {
    let delay = this.republishPeriodMs
    for (const { id } of await this.c.keystore.list()) {
      const stored = await this.c.records.get(id)
      if (stored == null) continue
      try {
        const eol = Number(unmarshalRecord(stored).validityNs / 1_000_000n)
        delay = Math.min(delay, Math.max(MIN_REPUBLISH_DELAY_MS, (eol - this.now()) / 2))
      } catch {}
    }
    return delay
  }

  private schedule (delay: number): void {
    if (!this.running) return
    this.timer = this.timers.setTimeout(() => {
      void this.republish({ signal: this.controller.signal })
        .then(async () => this.nextDelay())
        .then(next => { this.schedule(next) })
        .catch(err => { this.log.error('republisher run failed: %e', err) })
    }, delay)
  }

  start (): void {
    if (this.running) return
    this.running = true
    if (this.controller.signal.aborted) this.controller = new AbortController()
    void this.nextDelay()
      .then(delay => { this.schedule(delay) })
      .catch(err => { this.log.error('republisher start failed: %e', err) })
  }

  stop (): void {
    this.running = false
    this.controller.abort()
    if (this.timer != null) this.timers.clearTimeout(this.timer)
    this.timer = undefined
  }
}

/** Splits `/ipns/<name>/rest` (or a bare `<name>/rest`) into the name and the rest. */
export function splitIpnsPath (path: string): { name: string, rest: string } {
  const text = path.startsWith('/ipns/') ? path.slice('/ipns/'.length) : path
  const slash = text.indexOf('/')
  const name = slash < 0 ? text : text.slice(0, slash)
  if (name === '') throw new InvalidPathError(`"${path}" names no IPNS key or domain`)
  return { name, rest: slash < 0 ? '' : text.slice(slash) }
}

const joinPath = (path: string, rest: string): string => rest === '' ? path : path.replace(/\/$/, '') + rest

/**
 * Makes the naming service. Throws `InvalidConfigError` when `Ipns.RecordLifetime` is shorter
 * than `Ipns.RepublishPeriod`. Call `start()` to run the republisher.
 */
export function createNaming (components: NamingComponents, init: NamingInit = {}): Naming {
  return new IpnsNaming(components, init)
}

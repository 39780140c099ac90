/**
 * Provider records: which peers said they provide a key (a multihash), at which addresses, and
 * when. Records expire after 48 h (go `DefaultProvideValidity`); limits per peer, per key and in
 * total keep a flood of ADD_PROVIDER from filling the disk. Kept in the DHT datastore under
 * `/providers/<base32 key>/<peer ID>` so they survive a restart.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { base32 } from 'multiformats/bases/base32'
import {
  DEFAULT_CLEANUP_INTERVAL, DEFAULT_MAX_PROVIDER_RECORDS, DEFAULT_MAX_PROVIDER_RECORDS_PER_PEER,
  DEFAULT_MAX_PROVIDERS_PER_KEY, PROVIDER_RECORD_VALIDITY
} from './constants.ts'
import { withoutPeerId, type PeerInfo } from './message.ts'
import { ProviderEntry } from './pb/store.js'
import type { DHTDatastore } from './datastore.ts'
import type { AbortOptions, ComponentLogger, Logger } from '@libp2p/interface'

const PREFIX = '/providers/'

/** Options of {@link ProviderStore}. */
export interface ProviderStoreInit {
  /** How long a record lives. Default {@link PROVIDER_RECORD_VALIDITY} (48 h). */
  validity?: number
  /** Records one peer may hold. Default {@link DEFAULT_MAX_PROVIDER_RECORDS_PER_PEER}. */
  maxPerPeer?: number
  /** Records in total. Default {@link DEFAULT_MAX_PROVIDER_RECORDS}. */
  maxTotal?: number
  /** Providers kept per key; the oldest make room. Default {@link DEFAULT_MAX_PROVIDERS_PER_KEY}. */
  maxPerKey?: number
  /** How often expired records are deleted. Default {@link DEFAULT_CLEANUP_INTERVAL} (1 h). */
  cleanupInterval?: number
}

/** Collaborators of {@link ProviderStore}. */
export interface ProviderStoreComponents {
  datastore: DHTDatastore
  logger: ComponentLogger
}

/** A provider of a key as stored. */
export interface ProviderRecord extends PeerInfo {
  /** When the record arrived (ms since the epoch). */
  received: number
}

/** Why {@link ProviderStore.add} refused a record. */
export type AddProviderResult = 'added' | 'refreshed' | 'peer-limit' | 'total-limit'

/** The provider records this node stores for the network (and for itself). */
export class ProviderStore {
  private readonly components: ProviderStoreComponents
  private readonly validity: number
  private readonly maxPerPeer: number
  private readonly maxTotal: number
  private readonly maxPerKey: number
  private readonly cleanupInterval: number
  private readonly log: Logger
  /** Records per peer and in total, counted at start and kept up to date. */
  private readonly perPeer = new Map<string, number>()
  private total = 0
  private timer?: ReturnType<typeof setInterval>
  private started = false

  constructor (components: ProviderStoreComponents, init: ProviderStoreInit = {}) {
    this.components = components
    this.validity = init.validity ?? PROVIDER_RECORD_VALIDITY
    this.maxPerPeer = init.maxPerPeer ?? DEFAULT_MAX_PROVIDER_RECORDS_PER_PEER
    this.maxTotal = init.maxTotal ?? DEFAULT_MAX_PROVIDER_RECORDS
    this.maxPerKey = init.maxPerKey ?? DEFAULT_MAX_PROVIDERS_PER_KEY
    this.cleanupInterval = init.cleanupInterval ?? DEFAULT_CLEANUP_INTERVAL
    this.log = components.logger.forComponent('cairn:dht:providers')
  }

  /** Counts the stored records (dropping expired ones) and starts the hourly cleanup. Idempotent. */
  async start (options: AbortOptions = {}): Promise<void> {
    if (this.started) return
    this.started = true
    this.perPeer.clear()
    this.total = 0
    await this.cleanup(options)
    this.timer = setInterval(() => {
      void this.cleanup().catch(err => this.log.error('provider cleanup failed: %e', err))
    }, this.cleanupInterval)
    this.timer.unref()
  }

  /** Stops the cleanup. Idempotent. */
  stop (): void {
    this.started = false
    clearInterval(this.timer)
    this.timer = undefined
  }

  /** Records in the store. */
  get size (): number {
    return this.total
  }

  /** Stores (or refreshes) that `provider` provides `key`, unless a limit says no. */
  async add (key: Uint8Array, provider: PeerInfo, options: AbortOptions = {}): Promise<AddProviderResult> {
    const peer = provider.id.toString()
    const dsKey = recordKey(key, peer)
    const entry = ProviderEntry.encode({ addrs: provider.multiaddrs.map(a => withoutPeerId(a).bytes), received: Date.now() })
    if (await this.components.datastore.get(dsKey, options) != null) {
      await this.components.datastore.put(dsKey, entry, options)
      return 'refreshed'
    }
    if ((this.perPeer.get(peer) ?? 0) >= this.maxPerPeer) return 'peer-limit'
    if (this.total >= this.maxTotal) return 'total-limit'

    const existing = await this.list(key, options)
    if (existing.length >= this.maxPerKey) {
      // the oldest announcements make room: the newest are the likeliest to be online
      existing.sort((a, b) => a.received - b.received)
      for (const old of existing.slice(0, existing.length - this.maxPerKey + 1)) {
        await this.delete(key, old.id.toString(), options)
      }
    }
    await this.components.datastore.put(dsKey, entry, options)
    this.count(peer, +1)
    return 'added'
  }

  /** The unexpired providers of `key`. */
  async get (key: Uint8Array, options: AbortOptions = {}): Promise<ProviderRecord[]> {
    const now = Date.now()
    return (await this.list(key, options)).filter(r => now - r.received < this.validity)
  }

  /** Deletes every expired record; returns how many. */
  async cleanup (options: AbortOptions = {}): Promise<number> {
    const now = Date.now()
    const expired: string[] = []
    const perPeer = new Map<string, number>()
    let total = 0
    for await (const { key, value } of this.components.datastore.query(PREFIX, options)) {
      const received = decodeEntry(value)?.received ?? 0
      if (now - received >= this.validity) {
        expired.push(key)
        continue
      }
      const peer = key.slice(key.lastIndexOf('/') + 1)
      perPeer.set(peer, (perPeer.get(peer) ?? 0) + 1)
      total++
    }
    for (const key of expired) await this.components.datastore.delete(key, options)
    this.perPeer.clear()
    for (const [peer, n] of perPeer) this.perPeer.set(peer, n)
    this.total = total
    if (expired.length > 0) this.log('deleted %d expired provider records', expired.length)
    return expired.length
  }

  private async list (key: Uint8Array, options: AbortOptions): Promise<ProviderRecord[]> {
    const out: ProviderRecord[] = []
    for await (const { key: dsKey, value } of this.components.datastore.query(keyPrefix(key), options)) {
      const entry = decodeEntry(value)
      if (entry == null) continue
      try {
        const id = peerIdFromString(dsKey.slice(dsKey.lastIndexOf('/') + 1))
        out.push({ id, multiaddrs: entry.addrs.flatMap(tryMultiaddr), received: entry.received })
      } catch (err) {
        this.log.error('skipping unreadable provider record %s: %e', dsKey, err)
      }
    }
    return out
  }

  private async delete (key: Uint8Array, peer: string, options: AbortOptions): Promise<void> {
    await this.components.datastore.delete(recordKey(key, peer), options)
    this.count(peer, -1)
  }

  private count (peer: string, delta: number): void {
    const n = (this.perPeer.get(peer) ?? 0) + delta
    if (n <= 0) this.perPeer.delete(peer)
    else this.perPeer.set(peer, n)
    this.total = Math.max(0, this.total + delta)
  }
}

function keyPrefix (key: Uint8Array): string {
  return `${PREFIX}${base32.baseEncode(key)}/`
}

function recordKey (key: Uint8Array, peer: string): string {
  return keyPrefix(key) + peer
}

function decodeEntry (value: Uint8Array): ProviderEntry | undefined {
  try {
    return ProviderEntry.decode(value)
  } catch {
    return undefined
  }
}

function tryMultiaddr (bytes: Uint8Array): Multiaddr[] {
  try {
    return [multiaddr(bytes)]
  } catch {
    return []
  }
}

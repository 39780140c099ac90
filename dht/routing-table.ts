/**
 * The routing table: k-buckets of DHT servers indexed by the common prefix length (CPL) of their
 * Kademlia ID with ours (libp2p/specs kad-dht "Kademlia routing table"; go-libp2p-kbucket).
 *
 * Admission: the DHT adds a peer only once it has shown it is a server (it lists the protocol and
 * answered a request). A full bucket asks its least-recently-seen contact whether it is still
 * there (Kademlia's rule: old contacts that keep answering are the most reliable) and keeps it if
 * it answers, else replaces it. IP diversity limits (see `ip-group.ts`) cap how many contacts of
 * one IP group a bucket and the table hold.
 */
import { DEFAULT_MAX_PEERS_PER_IP_GROUP, DEFAULT_MAX_PEERS_PER_IP_GROUP_PER_BUCKET, K } from './constants.ts'
import { ipGroupsOf } from './ip-group.ts'
import { commonPrefixLength, compareDistance, peerKadId } from './keyspace.ts'
import type { AbortOptions, ComponentLogger, Logger, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/** One contact of the table. */
export interface Contact {
  id: PeerId
  /** sha256 of the peer-ID multihash. */
  kadId: Uint8Array
  /** Addresses the contact was reached at (the connection's remote address first). */
  addrs: Multiaddr[]
  /** The contact's IP groups, counted by the diversity limits. */
  groups: Set<string>
  /** When it entered the table (ms since the epoch). */
  addedAt: number
  /** When it last answered us (ms since the epoch). */
  lastSeen: number
  /** Order of the last answer among all contacts (the clock can tie; this cannot). */
  seenOrder: number
  /** Requests that failed since it last answered. */
  failures: number
}

/** What {@link RoutingTable.add} did. */
export type AddResult = 'added' | 'updated' | 'self' | 'full' | 'diversity' | 'no-address'

/** IP diversity limits; see `ip-group.ts`. */
export interface IpDiversityInit {
  /** Contacts of one IP group per bucket. Default {@link DEFAULT_MAX_PEERS_PER_IP_GROUP_PER_BUCKET}. */
  maxPerBucket?: number
  /** Contacts of one IP group in the whole table. Default {@link DEFAULT_MAX_PEERS_PER_IP_GROUP}. */
  maxPerTable?: number
  /**
   * Loopback addresses count towards no group, so a swarm on one machine can fill its tables
   * (the `test` profile). Default false: on the internet a loopback address means nothing good.
   */
  allowLoopback?: boolean
}

/** Options of {@link RoutingTable}. */
export interface RoutingTableInit {
  /** Bucket size. Default {@link K}. */
  k?: number
  /** IP diversity limits, or `false` for none. Default: the limits of {@link IpDiversityInit}. */
  ipDiversity?: IpDiversityInit | false
  /** Failed requests in a row that evict a contact. Default {@link DEFAULT_MAX_FAILURES}. */
  maxFailures?: number
}

/** Failed requests in a row after which a contact leaves the table. */
export const DEFAULT_MAX_FAILURES = 3

/** Collaborators of {@link RoutingTable}. */
export interface RoutingTableComponents {
  peerId: PeerId
  logger: ComponentLogger
  /**
   * Asks a contact whether it is still a DHT server (a FIND_NODE it must answer); resolves true
   * when it answered. Used when its bucket is full and a newcomer waits.
   */
  ping(peer: PeerId, options?: AbortOptions): Promise<boolean>
}

/** What the table tells its listeners (the peer cache, stats). */
export type RoutingTableEvent = 'peer:add' | 'peer:remove'

/** A listener of {@link RoutingTable.on}. */
export type RoutingTableListener = (contact: Contact) => void

/** Number of buckets: one per possible CPL below 256 (CPL 256 is ourselves). */
const BUCKETS = 256

interface ResolvedDiversity { maxPerBucket: number, maxPerTable: number, allowLoopback: boolean }

/** Applies the defaults of {@link IpDiversityInit}. */
export function resolveDiversity (init: IpDiversityInit | false | undefined): ResolvedDiversity | undefined {
  if (init === false) return undefined
  return {
    maxPerBucket: init?.maxPerBucket ?? DEFAULT_MAX_PEERS_PER_IP_GROUP_PER_BUCKET,
    maxPerTable: init?.maxPerTable ?? DEFAULT_MAX_PEERS_PER_IP_GROUP,
    allowLoopback: init?.allowLoopback ?? false
  }
}

/** k-buckets of DHT servers by common prefix length with our own ID. */
export class RoutingTable {
  readonly k: number
  readonly selfKadId: Uint8Array
  private readonly buckets: Contact[][] = Array.from({ length: BUCKETS }, () => [])
  private readonly byId = new Map<string, Contact>()
  /** Contacts per IP group in the whole table. */
  private readonly groupCount = new Map<string, number>()
  /** Buckets whose least-recently-seen contact is being pinged: newcomers wait their turn. */
  private readonly pinging = new Set<number>()
  private readonly diversity: ResolvedDiversity | undefined
  private readonly maxFailures: number
  private seenCounter = 0
  private readonly components: RoutingTableComponents
  private readonly log: Logger
  private readonly listeners: Record<RoutingTableEvent, Set<RoutingTableListener>> = { 'peer:add': new Set(), 'peer:remove': new Set() }

  constructor (components: RoutingTableComponents, init: RoutingTableInit = {}) {
    this.components = components
    this.k = init.k ?? K
    this.diversity = resolveDiversity(init.ipDiversity)
    this.maxFailures = init.maxFailures ?? DEFAULT_MAX_FAILURES
    this.selfKadId = peerKadId(components.peerId)
    this.log = components.logger.forComponent('cairn:dht:routing-table')
  }

  /** Calls `listener` whenever a contact enters or leaves; returns a function that stops it. */
  on (event: RoutingTableEvent, listener: RoutingTableListener): () => void {
    this.listeners[event].add(listener)
    return () => { this.listeners[event].delete(listener) }
  }

  /** Contacts in the table. */
  get size (): number {
    return this.byId.size
  }

  /** The bucket index (CPL) a Kademlia ID falls in; 256 for our own ID. */
  bucketIndex (kadId: Uint8Array): number {
    return commonPrefixLength(kadId, this.selfKadId)
  }

  has (peer: PeerId): boolean {
    return this.byId.has(peer.toString())
  }

  get (peer: PeerId): Contact | undefined {
    return this.byId.get(peer.toString())
  }

  /** Every contact, bucket by bucket. */
  * contacts (): Generator<Contact> {
    for (const bucket of this.buckets) yield * bucket
  }

  /** A copy of each non-empty bucket with its CPL, for `stats dht`. */
  bucketView (): Array<{ cpl: number, contacts: Contact[] }> {
    const out: Array<{ cpl: number, contacts: Contact[] }> = []
    this.buckets.forEach((bucket, cpl) => { if (bucket.length > 0) out.push({ cpl, contacts: [...bucket] }) })
    return out
  }

  /**
   * Adds a DHT server that has answered us, or refreshes it when present. A full bucket pings
   * its least-recently-seen contact first. Resolves with what happened.
   */
  async add (peer: PeerId, addrs: Multiaddr[], options: AbortOptions = {}): Promise<AddResult> {
    if (peer.equals(this.components.peerId)) return 'self'
    const existing = this.byId.get(peer.toString())
    if (existing != null) {
      this.touch(existing)
      if (addrs.length > 0) existing.addrs = addrs
      return 'updated'
    }
    if (addrs.length === 0) return 'no-address'
    const contact: Contact = {
      id: peer,
      kadId: peerKadId(peer),
      addrs,
      groups: this.diversity == null ? new Set() : ipGroupsOf(addrs, this.diversity.allowLoopback),
      addedAt: Date.now(),
      lastSeen: Date.now(),
      seenOrder: ++this.seenCounter,
      failures: 0
    }
    const index = this.bucketIndex(contact.kadId)
    if (!this.diversityAllows(contact, index)) {
      this.log('%p refused: its IP groups %s are over the diversity limit', peer, [...contact.groups].join(','))
      return 'diversity'
    }
    const bucket = this.buckets[index]
    if (bucket.length < this.k) {
      this.insert(contact, index)
      return 'added'
    }
    if (this.pinging.has(index)) return 'full'

    // the bucket is full: the least-recently-seen contact keeps its place if it still answers
    const oldest = bucket.reduce((a, b) => (b.seenOrder < a.seenOrder ? b : a))
    this.pinging.add(index)
    let alive = false
    try {
      alive = await this.components.ping(oldest.id, options)
    } finally {
      this.pinging.delete(index)
    }
    if (alive) {
      this.touch(oldest)
      return 'full'
    }
    this.log('%p did not answer: replaced by %p', oldest.id, peer)
    this.remove(oldest.id)
    if (this.byId.has(peer.toString())) return 'updated'
    if (this.buckets[index].length >= this.k || !this.diversityAllows(contact, index)) return 'full'
    this.insert(contact, index)
    return 'added'
  }

  /** Records that a contact answered (keeps it from being replaced). */
  markSeen (peer: PeerId): void {
    const contact = this.byId.get(peer.toString())
    if (contact != null) this.touch(contact)
  }

  /**
   * Records that a request to a contact failed; after {@link DEFAULT_MAX_FAILURES} in a row (or
   * at once when `fatal`: it no longer speaks the protocol) it is evicted. One timeout on a busy
   * link does not cost a good contact its place. Returns true when it was evicted.
   */
  recordFailure (peer: PeerId, fatal = false): boolean {
    const contact = this.byId.get(peer.toString())
    if (contact == null) return false
    contact.failures++
    if (fatal || contact.failures >= this.maxFailures) return this.remove(peer)
    return false
  }

  private touch (contact: Contact): void {
    contact.failures = 0
    contact.lastSeen = Date.now()
    contact.seenOrder = ++this.seenCounter
  }

  /** Removes a contact (it stopped answering or stopped speaking the protocol). */
  remove (peer: PeerId): boolean {
    const contact = this.byId.get(peer.toString())
    if (contact == null) return false
    const bucket = this.buckets[this.bucketIndex(contact.kadId)]
    bucket.splice(bucket.indexOf(contact), 1)
    this.byId.delete(peer.toString())
    for (const group of contact.groups) {
      const n = (this.groupCount.get(group) ?? 1) - 1
      if (n === 0) this.groupCount.delete(group)
      else this.groupCount.set(group, n)
    }
    this.log('removed %p', peer)
    this.safeDispatch('peer:remove', contact)
    return true
  }

  /** The `count` contacts closest to a Kademlia ID, closest first. */
  closest (target: Uint8Array, count: number = this.k): Contact[] {
    const all = [...this.byId.values()]
    all.sort((a, b) => compareDistance(a.kadId, b.kadId, target))
    return all.slice(0, count)
  }

  private insert (contact: Contact, index: number): void {
    this.buckets[index].push(contact)
    this.byId.set(contact.id.toString(), contact)
    for (const group of contact.groups) this.groupCount.set(group, (this.groupCount.get(group) ?? 0) + 1)
    this.log('added %p to bucket %d (%d contacts)', contact.id, index, this.byId.size)
    this.safeDispatch('peer:add', contact)
  }

  private diversityAllows (contact: Contact, index: number): boolean {
    if (this.diversity == null) return true
    for (const group of contact.groups) {
      if ((this.groupCount.get(group) ?? 0) >= this.diversity.maxPerTable) return false
      const inBucket = this.buckets[index].filter(c => c.groups.has(group)).length
      if (inBucket >= this.diversity.maxPerBucket) return false
    }
    return true
  }

  private safeDispatch (type: RoutingTableEvent, contact: Contact): void {
    for (const listener of this.listeners[type]) {
      // a listener's failure (the peer cache's datastore) must not corrupt the table's state
      try {
        listener(contact)
      } catch (err) {
        this.log.error('a %s listener failed: %e', type, err)
      }
    }
  }
}

/**
 * Fetching: the wants this node has out, and the sessions that decide whom to ask.
 *
 * A want is asked of one peer as want-block and of the session's other peers as want-have, all
 * with send-dont-have. A session starts with no peers: its first wants go as want-have to every
 * connected Bitswap peer while providers are looked up through routing at the same time; peers
 * that answer HAVE or send a block join it. The want-block goes to the peer expected to deliver
 * soonest (blocks in flight to it over the rate it has delivered at), so a DAG fetched through one
 * session is spread over every peer that has it, in proportion to their speed. A DONT_HAVE, or no
 * answer within the DONT_HAVE timeout, moves the want-block on; a block that arrives cancels the
 * want everywhere it was sent; a session that receives nothing for a while searches for more
 * providers.
 */
import { DEFAULT_DONT_HAVE_TIMEOUT, DEFAULT_MAX_PROVIDERS, DEFAULT_PROVIDER_SEARCH_DELAY } from './constants.ts'
import { multihashKey, type WantEntry } from './message.ts'
import { isHttpAddr } from './http-providers.ts'
import type { TrustlessGateway } from './http-retrieval.ts'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { PeerInfo, Routing } from '../routing/index.ts'
import type { AbortOptions, Logger, PeerId } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

/** What sessions and wants need from the rest of Bitswap. */
export interface WantContext {
  readonly self: PeerId
  readonly log: Logger
  readonly routing?: Routing
  /** Bitswap peers connected now. */
  connectedPeers(): PeerId[]
  /** Queues wantlist entries for a peer (merged with others going out). */
  sendWants(peer: PeerId, wants: WantEntry[]): void
  /** Dials a provider at the addresses routing gave (or those the peer store knows). */
  connect(peer: PeerInfo, options?: AbortOptions): Promise<void>
  /** Trustless gateways every session may fetch from, beside Bitswap peers. */
  gateways: TrustlessGateway[]
  /** The gateways a provider's HTTP addresses name (none when HTTP retrieval is off). */
  httpProviders?(addrs: Multiaddr[]): TrustlessGateway[]
  /** A block fetched outside Bitswap (HTTP) for `want`: hand it to the waiters, as a Bitswap block. */
  deliver(want: Want, bytes: Uint8Array, from: string): void
}

/** Options of a session; each has a `DEFAULT_*` constant. */
export interface SessionInit {
  /** How long one peer has to answer a want-block. Default {@link DEFAULT_DONT_HAVE_TIMEOUT}. */
  dontHaveTimeout?: number
  /** Quiet time after which the session looks for more providers. Default {@link DEFAULT_PROVIDER_SEARCH_DELAY}. */
  providerSearchDelay?: number
  /** Providers dialled per search. Default {@link DEFAULT_MAX_PROVIDERS}. */
  maxProviders?: number
  /** Session peers that get a want-have beside the want-block. Default 4. */
  haveFanout?: number
  /** Want-blocks out to one peer at once; more wait for a free slot. Default {@link DEFAULT_MAX_INFLIGHT_PER_PEER}. */
  maxInflightPerPeer?: number
}

/**
 * Want-blocks out to one session peer at once. Enough to keep a fast link busy (32 blocks of up
 * to 1 MiB), few enough that a peer joining later still gets a share of what is left.
 */
export const DEFAULT_MAX_INFLIGHT_PER_PEER = 32

interface Waiter {
  resolve: (bytes: Uint8Array) => void
  reject: (err: Error) => void
}

/** One block this node is waiting for. */
export class Want {
  readonly cid: CID
  readonly key: string
  readonly waiters = new Set<Waiter>()
  readonly session: Session
  /** Peers sent a want of any kind, by peer ID string. */
  readonly asked = new Map<string, PeerId>()
  readonly haves = new Set<string>()
  readonly dontHaves = new Set<string>()
  /** The peer asked for the block now, and when. */
  blockPeer?: string
  blockSentAt = 0
  timer?: ReturnType<typeof setTimeout>

  constructor (cid: CID, session: Session) {
    this.cid = cid
    this.key = multihashKey(cid)
    this.session = session
  }
}

interface SessionPeer {
  /** The peer ID string, or `http:` and the gateway's URL. */
  key: string
  /** A Bitswap peer's ID; absent for a gateway. */
  id?: PeerId
  /** A trustless gateway, asked over HTTP instead of Bitswap. */
  gateway?: TrustlessGateway
  /** Want-blocks out to it. */
  inflight: number
  /** Bytes per millisecond it has delivered at (moving average), 0 until known. */
  rate: number
  blocks: number
  consecutiveDontHaves: number
  /** When the current rate sample started (ms). */
  lastDelivery: number
  /** Bytes delivered since then. */
  sampleBytes?: number
}

/**
 * A rate sample spans at least this long (ms): blocks that arrive in one message land within a
 * millisecond of each other, and timing each alone made a peer that batches look hundreds of
 * times faster than one that does not, so one of five equal seeders got nearly every want.
 */
const RATE_SAMPLE_MS = 20

/** A peer that answered DONT_HAVE this many times in a row leaves the session (boxo: 16). */
const PEER_DONT_HAVE_LIMIT = 16
/** Wants sent as want-have to all connected peers when a session knows no peer (boxo: 64). */
const BROADCAST_LIMIT = 64

/** Peers and timing shared by the wants of one DAG fetch. */
export class Session {
  readonly peers = new Map<string, SessionPeer>()
  private readonly ctx: WantContext
  private readonly wants: Map<string, Want>
  private readonly dontHaveTimeout: number
  private readonly providerSearchDelay: number
  private readonly maxProviders: number
  private readonly haveFanout: number
  private readonly maxInflight: number
  /** Wants with nobody asked for the block yet, in the order they were made (DAG order). */
  private readonly waiting = new Set<Want>()
  private readonly searched = new Set<string>()
  private searching = false
  private stallTimer?: ReturnType<typeof setTimeout>
  private closed = false
  private readonly controller = new AbortController()

  constructor (ctx: WantContext, wants: Map<string, Want>, init: SessionInit = {}) {
    this.ctx = ctx
    this.wants = wants
    this.dontHaveTimeout = init.dontHaveTimeout ?? DEFAULT_DONT_HAVE_TIMEOUT
    this.providerSearchDelay = init.providerSearchDelay ?? DEFAULT_PROVIDER_SEARCH_DELAY
    this.maxProviders = init.maxProviders ?? DEFAULT_MAX_PROVIDERS
    this.haveFanout = init.haveFanout ?? 4
    this.maxInflight = init.maxInflightPerPeer ?? DEFAULT_MAX_INFLIGHT_PER_PEER
    for (const gateway of ctx.gateways) {
      const key = `http:${gateway.url}`
      this.peers.set(key, { key, gateway, inflight: 0, rate: 0, blocks: 0, consecutiveDontHaves: 0, lastDelivery: 0 })
    }
  }

  /** The bytes of `cid` from the network: verified against its multihash on arrival. */
  async want (cid: CID, options: AbortOptions = {}): Promise<Uint8Array> {
    options.signal?.throwIfAborted()
    const key = multihashKey(cid)
    let want = this.wants.get(key)
    const fresh = want == null
    if (want == null) {
      want = new Want(cid, this)
      this.wants.set(key, want)
    }
    const w = want
    const signal = options.signal
    const result = new Promise<Uint8Array>((resolve, reject) => {
      // the listener goes when the want settles: a signal shared by a whole cat would otherwise
      // keep every block it fetched alive through the listener's closure until the cat ended
      // (the leecher's peak RSS grew by the size of the transfer)
      const onAbort = (): void => {
        w.waiters.delete(waiter)
        reject(signal?.reason ?? new Error('aborted'))
        if (w.waiters.size === 0) this.cancelWant(w)
      }
      const waiter: Waiter = {
        resolve: (bytes) => {
          signal?.removeEventListener('abort', onAbort)
          resolve(bytes)
        },
        reject: (err) => {
          signal?.removeEventListener('abort', onAbort)
          reject(err)
        }
      }
      w.waiters.add(waiter)
      signal?.addEventListener('abort', onAbort, { once: true })
    })
    if (fresh) {
      this.schedule(want)
      this.armStallTimer()
    }
    return result
  }

  /** Stops the session's searches and timers; its wants stay until answered or aborted. */
  close (): void {
    this.closed = true
    this.controller.abort()
    clearTimeout(this.stallTimer)
  }

  /** Adds a peer (a provider, or one that answered HAVE). */
  addPeer (peer: PeerId): SessionPeer {
    const key = peer.toString()
    let p = this.peers.get(key)
    if (p == null) {
      p = { key, id: peer, inflight: 0, rate: 0, blocks: 0, consecutiveDontHaves: 0, lastDelivery: 0 }
      this.peers.set(key, p)
      this.ctx.log('session: peer %p joined', peer)
      // a new peer may take wants that were waiting for someone to ask
      this.pump()
    }
    return p
  }

  /** Adds a trustless gateway a provider announced: asked for blocks like a Bitswap peer. */
  addGateway (gateway: TrustlessGateway): void {
    const key = `http:${gateway.url}`
    if (this.peers.has(key)) return
    this.peers.set(key, { key, gateway, inflight: 0, rate: 0, blocks: 0, consecutiveDontHaves: 0, lastDelivery: 0 })
    this.ctx.log('session: gateway %s joined', gateway.url)
    this.pump()
  }

  /** A peer is gone (or a gateway failed too often): its want-blocks move on. */
  removePeer (peer: PeerId | string): void {
    const key = peer.toString()
    if (!this.peers.delete(key)) return
    for (const want of this.wants.values()) {
      if (want.session === this && want.blockPeer === key) {
        this.release(want)
        this.schedule(want)
      }
    }
    this.pump()
  }

  /** Asks for waiting wants while session peers have free slots, oldest want first. */
  pump (): void {
    for (const want of this.waiting) {
      if (want.blockPeer != null || want.waiters.size === 0 || this.wants.get(want.key) !== want) {
        this.waiting.delete(want)
        continue
      }
      if (!this.hasFreeSlot()) return
      this.schedule(want)
    }
  }

  private hasFreeSlot (): boolean {
    for (const p of this.peers.values()) if (p.inflight < this.maxInflight) return true
    return false
  }

  /** Decides whom to ask for `want` and sends the wants. */
  schedule (want: Want): void {
    if (want.blockPeer != null || want.waiters.size === 0) return
    let candidates = 0
    for (const key of this.peers.keys()) if (!want.dontHaves.has(key)) candidates++
    const best = this.bestPeer(want)
    if (best == null) this.waiting.add(want)
    if (best == null && candidates > 0) return // session peers may have it: wait for a free slot
    if (best != null) {
      this.waiting.delete(want)
      const key = best.key
      want.blockPeer = key
      want.blockSentAt = Date.now()
      best.inflight++
      if (best.gateway != null) {
        this.fetchOverHttp(want, best, best.gateway)
        return
      }
      const id = best.id!
      want.asked.set(key, id)
      this.ctx.sendWants(id, [{ cid: want.cid, priority: 1, cancel: false, wantType: 'block', sendDontHave: true }])
      want.timer = setTimeout(() => { this.onDontHave(key, want) }, this.dontHaveTimeout)
      want.timer.unref?.()
      let fanout = 0
      for (const p of this.peers.values()) {
        if (fanout >= this.haveFanout) break
        const k = p.key
        if (p.id == null || k === key || want.asked.has(k) || want.dontHaves.has(k)) continue
        want.asked.set(k, p.id)
        this.ctx.sendWants(p.id, [{ cid: want.cid, priority: 1, cancel: false, wantType: 'have', sendDontHave: true }])
        fanout++
      }
      return
    }
    // nobody in the session can be asked: every connected peer gets a want-have, and providers
    // are looked up at the same time
    if (this.waiting.size <= BROADCAST_LIMIT) {
      for (const peer of this.ctx.connectedPeers()) {
        const k = peer.toString()
        if (want.asked.has(k) || want.dontHaves.has(k)) continue
        want.asked.set(k, peer)
        this.ctx.sendWants(peer, [{ cid: want.cid, priority: 1, cancel: false, wantType: 'have', sendDontHave: true }])
      }
    }
    this.findProviders(want)
  }

  /** A peer said it has the block. */
  onHave (peer: PeerId, want: Want): void {
    const key = peer.toString()
    want.haves.add(key)
    want.dontHaves.delete(key)
    const p = this.addPeer(peer)
    p.consecutiveDontHaves = 0
    this.schedule(want)
  }

  /** Asks a gateway for the block; a miss counts as DONT_HAVE, a hit as the block. */
  private fetchOverHttp (want: Want, peer: SessionPeer, gateway: TrustlessGateway): void {
    const signal = AbortSignal.any([this.controller.signal, AbortSignal.timeout(this.dontHaveTimeout * 6)])
    gateway.get(want.cid, { signal }).then(bytes => {
      if (this.wants.get(want.key) === want) this.ctx.deliver(want, bytes, peer.key)
    }, err => {
      this.ctx.log('session: %s has no %c: %e', gateway.url, want.cid, err)
      if (this.wants.get(want.key) === want) this.onDontHave(peer.key, want)
    })
    // discovery goes on meanwhile, in case the gateway does not have it
    let libp2pPeers = 0
    for (const p of this.peers.values()) if (p.id != null) libp2pPeers++
    if (libp2pPeers === 0) this.findProviders(want)
  }

  /** A peer said it does not have the block (or did not answer in time). */
  onDontHave (peer: PeerId | string, want: Want): void {
    const key = peer.toString()
    want.dontHaves.add(key)
    want.haves.delete(key)
    const p = this.peers.get(key)
    if (p != null && ++p.consecutiveDontHaves >= PEER_DONT_HAVE_LIMIT) {
      this.ctx.log('session: %p answered DONT_HAVE %d times in a row, leaving it', peer, PEER_DONT_HAVE_LIMIT)
      this.removePeer(peer)
    }
    if (want.blockPeer === key) {
      this.release(want)
      if (this.wants.get(want.key) === want) this.schedule(want)
    }
    this.pump()
  }

  /** The block arrived from `peer` (a peer ID, or a gateway's `http:` key). */
  onBlock (peer: PeerId | string, want: Want, bytes: number): void {
    const key = peer.toString()
    const p = this.peers.get(key) ?? (typeof peer === 'string' ? undefined : this.addPeer(peer))
    if (p == null) {
      this.release(want)
      return
    }
    p.consecutiveDontHaves = 0
    p.blocks++
    // delivery rate while the peer is busy: the bytes of a sample over its span
    const now = Date.now()
    p.sampleBytes = (p.sampleBytes ?? 0) + bytes
    if (p.lastDelivery === 0 || p.inflight <= 1) {
      p.lastDelivery = now
      p.sampleBytes = 0
    } else if (now - p.lastDelivery >= RATE_SAMPLE_MS) {
      const rate = p.sampleBytes / (now - p.lastDelivery)
      p.rate = p.rate === 0 ? rate : p.rate * 0.8 + rate * 0.2
      p.lastDelivery = now
      p.sampleBytes = 0
    }
    this.release(want)
    this.pump()
    this.armStallTimer()
  }

  /** Frees what `want` held: the in-flight slot of its want-block peer and its timer. */
  release (want: Want): void {
    clearTimeout(want.timer)
    want.timer = undefined
    if (want.blockPeer != null) {
      const p = this.peers.get(want.blockPeer)
      if (p != null) p.inflight = Math.max(0, p.inflight - 1)
      want.blockPeer = undefined
    }
    this.waiting.delete(want)
  }

  private cancelWant (want: Want): void {
    this.release(want)
    if (this.wants.get(want.key) === want) this.wants.delete(want.key)
    for (const peer of want.asked.values()) {
      this.ctx.sendWants(peer, [{ cid: want.cid, priority: 1, cancel: true, wantType: 'block', sendDontHave: false }])
    }
  }

  /** The peer expected to deliver soonest among those that may have the block. */
  private bestPeer (want: Want): SessionPeer | undefined {
    let known = 0
    for (const p of this.peers.values()) known = Math.max(known, p.rate)
    let best: SessionPeer | undefined
    let bestCost = Infinity
    for (const p of this.peers.values()) {
      const key = p.key
      if (want.dontHaves.has(key) || p.inflight >= this.maxInflight) continue
      // an unmeasured peer is assumed as fast as the fastest, so it gets tried
      const rate = p.rate > 0 ? p.rate : (known > 0 ? known : 1)
      let cost = (p.inflight + 1) / rate
      if (want.haves.has(key)) cost /= 2
      if (cost < bestCost) {
        bestCost = cost
        best = p
      }
    }
    return best
  }

  private armStallTimer (): void {
    if (this.closed) return
    clearTimeout(this.stallTimer)
    this.stallTimer = setTimeout(() => {
      const pending = [...this.wants.values()].find(w => w.session === this && w.waiters.size > 0)
      if (pending == null) return
      this.ctx.log('session: no block for %d ms, looking for more providers of %c', this.providerSearchDelay, pending.cid)
      this.searched.delete(pending.key)
      this.findProviders(pending)
      for (const want of this.wants.values()) if (want.session === this && want.blockPeer == null) this.schedule(want)
      this.armStallTimer()
    }, this.providerSearchDelay)
    this.stallTimer.unref?.()
  }

  private findProviders (want: Want): void {
    const routing = this.ctx.routing
    if (routing == null || this.closed || this.searching || this.searched.has(want.key)) return
    this.searched.add(want.key)
    this.searching = true
    void (async () => {
      let found = 0
      try {
        for await (const provider of routing.findProviders(want.cid, { signal: this.controller.signal, maxProviders: this.maxProviders })) {
          if (provider.id.equals(this.ctx.self)) continue
          found++
          // HTTP addresses are trustless gateways; the rest are dialled for Bitswap
          const gateways = this.ctx.httpProviders?.(provider.multiaddrs) ?? []
          for (const gateway of gateways) this.addGateway(gateway)
          const dialable = provider.multiaddrs.filter(addr => !isHttpAddr(addr))
          if (gateways.length > 0 && dialable.length === 0) continue
          void this.ctx.connect({ ...provider, multiaddrs: dialable }, { signal: this.controller.signal })
            .then(() => { this.addPeer(provider.id) })
            .catch(err => { this.ctx.log('session: provider %p could not be dialled: %e', provider.id, err) })
          if (found >= this.maxProviders) break
        }
      } catch (err) {
        if (!this.closed) this.ctx.log('session: provider search for %c failed: %e', want.cid, err)
      } finally {
        this.searching = false
      }
    })()
  }
}

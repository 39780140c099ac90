/**
 * Bitswap: the serving engine, the wants and sessions, and the network, wired together.
 */
import { multiaddr } from '@multiformats/multiaddr'
import { DEFAULT_MAX_BAD_BLOCKS } from './constants.ts'
import { Engine, type EngineBlockstore, type EngineInit } from './engine.ts'
import { multihashKey, type DecodedMessage, type WantEntry } from './message.ts'
import { TrustlessGateway } from './http-retrieval.ts'
import { HttpProviders } from './http-providers.ts'
import { BitswapNetwork, type BitswapNetworkComponents, type BitswapNetworkInit } from './network.ts'
import { Session, Want, type SessionInit, type WantContext } from './session.ts'
import type { LedgerInfo } from './ledger.ts'
import type { PeerInfo, Routing } from '../routing/index.ts'
import type { AbortOptions, Logger, PeerId } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

/** The store Bitswap serves from and watches for new blocks. */
export interface BitswapBlockstore extends EngineBlockstore {
  /** Called with each block newly stored; returns an unsubscribe. */
  onBlock(listener: (block: { cid: CID }) => void): () => void
}

/** What Bitswap is wired with (the node builds it; Bitswap never imports core/). */
export interface BitswapComponents extends BitswapNetworkComponents {
  peerId: PeerId
  blockstore: BitswapBlockstore
  /** Where providers are looked up; without it, only connected peers are asked. */
  routing?: Routing
}

/** Options of {@link createBitswap}: the engine's, the network's and the sessions'. */
export interface BitswapInit extends EngineInit, BitswapNetworkInit, SessionInit {
  /** Unwanted blocks a peer may send before its blocks are ignored. Default {@link DEFAULT_MAX_BAD_BLOCKS}. */
  maxBadBlocks?: number
  /** Serve other peers at all (Kubo's `Bitswap.ServerEnabled`). Default true. */
  serverEnabled?: boolean
  /** Trustless gateways (`http://host:port`) asked for blocks beside Bitswap peers. Default none. */
  gateways?: string[]
  /** Largest block taken from a gateway (Kubo's `HTTPRetrieval.MaxBlockSize`). Default 2 MiB. */
  httpMaxBlockSize?: number
  /** Ask providers that announce HTTP addresses over HTTP (Kubo's `HTTPRetrieval.Enabled`). Default true. */
  httpProviders?: boolean
  /** Hostnames of announced gateways that may be asked; empty: any (Kubo's `HTTPRetrieval.Allowlist`). */
  httpAllowlist?: string[]
  /** Hostnames of announced gateways never asked (Kubo's `HTTPRetrieval.Denylist`). */
  httpDenylist?: string[]
}

/** Kubo's `bitswap stat` shape. */
export interface BitswapStat {
  ProvideBufLen: number
  Wantlist: Array<{ '/': string }>
  Peers: string[]
  BlocksReceived: number
  DataReceived: number
  BlocksSent: number
  DataSent: number
  DupBlksReceived: number
  DupDataReceived: number
  MessagesReceived: number
}

/** A fetch session: the unit the block service fetches one DAG with. */
export interface BitswapSession {
  want(cid: CID, options?: AbortOptions): Promise<Uint8Array>
  close(): void
}

/** Recently received blocks remembered to tell a duplicate from an unwanted block. */
const RECENT_LIMIT = 4096

/** Bitswap 1.2.0. */
export class Bitswap {
  private readonly components: BitswapComponents
  private readonly log: Logger
  private readonly network: BitswapNetwork
  private readonly engine: Engine
  private readonly wants = new Map<string, Want>()
  private readonly sessions = new Set<Session>()
  private readonly peers = new Map<string, PeerId>()
  private readonly recent = new Set<string>()
  private readonly init: BitswapInit
  private readonly defaultSession: Session
  private readonly gateways: TrustlessGateway[]
  private readonly httpProviders?: HttpProviders
  private unsubscribe?: () => void
  private running = false
  /** Wantlist entries waiting for the end of this turn of the event loop, by peer. */
  private readonly outgoingWants = new Map<string, { peer: PeerId, wants: WantEntry[] }>()
  private flushWants?: ReturnType<typeof setImmediate>
  private readonly stats = { blocksReceived: 0, dataReceived: 0, dupBlocks: 0, dupData: 0, messagesReceived: 0 }

  constructor (components: BitswapComponents, init: BitswapInit = {}) {
    this.components = components
    this.init = init
    this.log = components.logger.forComponent('cairn:bitswap')
    this.network = new BitswapNetwork(components, init)
    this.engine = new Engine(components.blockstore, async (peer, message) => { await this.network.send(peer, message) },
      components.logger.forComponent('cairn:bitswap:engine'), init)
    this.gateways = (init.gateways ?? []).map(url => new TrustlessGateway(url, { maxBlockSize: init.httpMaxBlockSize }))
    if (init.httpProviders !== false) {
      // a provider's gateway is asked for what it holds, not to fetch it for us
      this.httpProviders = new HttpProviders({ allowlist: init.httpAllowlist, denylist: init.httpDenylist }, { maxBlockSize: init.httpMaxBlockSize, onlyIfCached: true })
    }
    this.defaultSession = new Session(this.context(), this.wants, init)
  }

  async start (): Promise<void> {
    if (this.running) return
    this.running = true
    this.engine.start()
    this.unsubscribe = this.components.blockstore.onBlock(block => { this.engine.onNewBlocks([block.cid]) })
    await this.network.start({
      onMessage: (peer, message, bytes) => { this.onMessage(peer, message, bytes) },
      onBadMessage: (peer, err) => { this.log('unreadable message from %p: %e', peer, err) },
      onPeerConnected: (peer) => { this.onPeerConnected(peer) },
      onPeerDisconnected: (peer) => { this.onPeerDisconnected(peer) }
    })
  }

  async stop (): Promise<void> {
    if (!this.running) return
    this.running = false
    this.unsubscribe?.()
    if (this.flushWants != null) clearImmediate(this.flushWants)
    this.flushWants = undefined
    this.outgoingWants.clear()
    for (const session of this.sessions) session.close()
    this.defaultSession.close()
    const stopped = new Error('bitswap stopped')
    for (const want of this.wants.values()) {
      clearTimeout(want.timer)
      for (const w of want.waiters) w.reject(stopped)
    }
    this.wants.clear()
    this.engine.stop()
    await this.network.stop()
  }

  /** The bytes of `cid` from the network, verified. Without a session, the shared one is used. */
  async want (cid: CID, options: AbortOptions = {}): Promise<Uint8Array> {
    return this.defaultSession.want(cid, options)
  }

  /** A session for fetching one DAG: its peers and timings are shared by its wants. */
  createSession (init: SessionInit = {}): BitswapSession {
    const session = new Session(this.context(), this.wants, { ...this.init, ...init })
    this.sessions.add(session)
    return {
      want: async (cid, options) => session.want(cid, options),
      close: () => {
        session.close()
        this.sessions.delete(session)
      }
    }
  }

  /** Our wantlist, or what a peer wants from us. */
  wantlist (peer?: PeerId): CID[] {
    if (peer != null) return this.engine.wantlistOf(peer)
    return [...this.wants.values()].filter(w => w.waiters.size > 0).map(w => w.cid)
  }

  /** Kubo's ledger of one peer (zeros for a peer we never traded with). */
  ledger (peer: PeerId): LedgerInfo {
    const ledger = this.engine.ledgers.get(peer.toString())
    return ledger?.info() ?? { Peer: peer.toString(), Value: 0, Sent: 0, Recv: 0, Exchanged: 0 }
  }

  /** Kubo's `bitswap stat`. */
  stat (): BitswapStat {
    let blocksSent = 0
    let dataSent = 0
    for (const l of this.engine.ledgers.values()) {
      blocksSent += l.blocksSent
      dataSent += l.bytesSent
    }
    return {
      ProvideBufLen: 0,
      Wantlist: this.wantlist().map(cid => ({ '/': cid.toString() })),
      Peers: [...this.peers.keys()],
      BlocksReceived: this.stats.blocksReceived,
      DataReceived: this.stats.dataReceived,
      BlocksSent: blocksSent,
      DataSent: dataSent,
      DupBlksReceived: this.stats.dupBlocks,
      DupDataReceived: this.stats.dupData,
      MessagesReceived: this.stats.messagesReceived
    }
  }

  /** Bytes and messages on the wire, for `stats bw --proto`. */
  traffic (): BitswapNetwork['traffic'] {
    return this.network.traffic
  }

  private context (): WantContext {
    return {
      self: this.components.peerId,
      log: this.components.logger.forComponent('cairn:bitswap:session'),
      routing: this.components.routing,
      connectedPeers: () => [...this.peers.values()],
      sendWants: (peer, wants) => { this.sendWants(peer, wants) },
      connect: async (info, options) => { await this.connect(info, options) },
      gateways: this.gateways,
      httpProviders: (addrs) => this.httpProviders?.gatewaysOf(addrs) ?? [],
      deliver: (want, bytes, from) => { this.accept(want, bytes, from) }
    }
  }

  /**
   * Queues wantlist entries for `peer`; everything queued during one turn of the event loop goes
   * out as one message. A walker asks for its next blocks one by one as blocks arrive (each from
   * its own promise callback), and a message per want cost both sides a record, a write and a
   * read each: on a 256 MiB transfer the wants' writes alone were ~5% of the leecher's CPU.
   */
  private sendWants (peer: PeerId, wants: WantEntry[]): void {
    const key = peer.toString()
    const queued = this.outgoingWants.get(key)
    if (queued != null) {
      queued.wants.push(...wants)
    } else {
      this.outgoingWants.set(key, { peer, wants: [...wants] })
    }
    this.flushWants ??= setImmediate(() => {
      this.flushWants = undefined
      const all = [...this.outgoingWants.values()]
      this.outgoingWants.clear()
      for (const { peer: to, wants: entries } of all) this.sendWantsNow(to, entries)
    })
  }

  private sendWantsNow (peer: PeerId, wants: WantEntry[]): void {
    if (!this.running) return
    this.network.send(peer, { wants }).catch(err => {
      this.log('wants to %p were not sent: %e', peer, err)
      // a peer we cannot reach has none of these blocks for us
      for (const entry of wants) {
        const want = this.wants.get(multihashKey(entry.cid))
        if (want != null && !entry.cancel) want.session.onDontHave(peer, want)
      }
    })
  }

  private async connect (info: PeerInfo, options: AbortOptions = {}): Promise<void> {
    if (this.network.isConnected(info.id)) return
    const id = info.id.toString()
    const addrs = info.multiaddrs.map(ma => ma.getComponents().some(c => c.name === 'p2p') ? ma : ma.encapsulate(multiaddr(`/p2p/${id}`)))
    if (addrs.length > 0) {
      await this.components.connectionManager.dial(addrs as never, options)
    } else {
      await this.network.connect(info.id, options)
    }
  }

  private onMessage (peer: PeerId, message: DecodedMessage, bytes: number): void {
    if (!this.running) return
    this.stats.messagesReceived++
    const ledger = this.engine.ledger(peer)
    ledger.exchanged++
    if (message.invalid > 0) this.log('%d unreadable entries from %p', message.invalid, peer)
    if (this.init.serverEnabled !== false && (message.wants.length > 0 || message.full)) {
      this.engine.onWantlist(peer, message.full, message.wants)
    }
    for (const presence of message.presences) {
      const want = this.wants.get(multihashKey(presence.cid))
      if (want == null) continue
      if (presence.have) want.session.onHave(peer, want)
      else want.session.onDontHave(peer, want)
    }
    if (message.blocks.length > 0) this.onBlocks(peer, message, ledger)
    void bytes
  }

  private onBlocks (peer: PeerId, message: DecodedMessage, ledger: ReturnType<Engine['ledger']>): void {
    if (ledger.badBlocks >= (this.init.maxBadBlocks ?? DEFAULT_MAX_BAD_BLOCKS)) {
      this.log('ignoring %d blocks from %p: it sent too many blocks we did not want', message.blocks.length, peer)
      return
    }
    const cancels = new Map<string, { peer: PeerId, wants: WantEntry[] }>()
    for (const block of message.blocks) {
      const key = multihashKey(block.cid)
      ledger.bytesReceived += block.bytes.byteLength
      ledger.blocksReceived++
      const want = this.wants.get(key)
      if (want == null) {
        if (this.recent.has(key)) {
          this.stats.dupBlocks++
          this.stats.dupData += block.bytes.byteLength
        } else {
          ledger.badBlocks++
          this.log('%p sent block %c that nobody wanted', peer, block.cid)
        }
        continue
      }
      this.settle(want, block.bytes, peer, cancels)
    }
    for (const { peer: to, wants } of cancels.values()) this.sendWants(to, wants)
  }

  /** A block for `want` arrived by HTTP: settled like a Bitswap block, cancels sent at once. */
  private accept (want: Want, bytes: Uint8Array, from: string): void {
    if (this.wants.get(want.key) !== want) return
    const cancels = new Map<string, { peer: PeerId, wants: WantEntry[] }>()
    this.settle(want, bytes, from, cancels)
    for (const { peer: to, wants } of cancels.values()) this.sendWants(to, wants)
  }

  /** Hands the bytes to every waiter, and collects cancels for the peers that were asked. */
  private settle (want: Want, bytes: Uint8Array, from: PeerId | string, cancels: Map<string, { peer: PeerId, wants: WantEntry[] }>): void {
    this.wants.delete(want.key)
    this.remember(want.key)
    this.stats.blocksReceived++
    this.stats.dataReceived += bytes.byteLength
    want.session.onBlock(from, want, bytes.byteLength)
    for (const waiter of want.waiters) waiter.resolve(bytes)
    want.waiters.clear()
    const fromKey = from.toString()
    for (const [k, asked] of want.asked) {
      if (k === fromKey) continue
      let entry = cancels.get(k)
      if (entry == null) cancels.set(k, entry = { peer: asked, wants: [] })
      entry.wants.push({ cid: want.cid, priority: 1, cancel: true, wantType: 'block', sendDontHave: false })
    }
  }

  private remember (key: string): void {
    this.recent.add(key)
    if (this.recent.size > RECENT_LIMIT) {
      const oldest = this.recent.values().next().value
      if (oldest != null) this.recent.delete(oldest)
    }
  }

  private onPeerConnected (peer: PeerId): void {
    const key = peer.toString()
    if (this.peers.has(key)) return
    this.peers.set(key, peer)
    // wants nobody could be asked for yet go to the newcomer as want-have
    const pending: WantEntry[] = []
    for (const want of this.wants.values()) {
      if (want.blockPeer != null || want.waiters.size === 0 || want.asked.has(key)) continue
      want.asked.set(key, peer)
      pending.push({ cid: want.cid, priority: 1, cancel: false, wantType: 'have', sendDontHave: true })
      if (pending.length >= 1024) break
    }
    if (pending.length > 0) this.sendWants(peer, pending)
  }

  private onPeerDisconnected (peer: PeerId): void {
    this.peers.delete(peer.toString())
    this.engine.onPeerDisconnected(peer)
    for (const session of [this.defaultSession, ...this.sessions]) session.removePeer(peer)
    for (const want of this.wants.values()) {
      want.asked.delete(peer.toString())
      if (want.blockPeer === peer.toString()) {
        want.session.release(want)
        want.session.schedule(want)
      }
    }
  }
}

/** Creates Bitswap; call `start()` once the host is up. */
export function createBitswap (components: BitswapComponents, init: BitswapInit = {}): Bitswap {
  return new Bitswap(components, init)
}

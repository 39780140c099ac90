/**
 * Cairn's Kademlia DHT: the routing table, the server, the lookups and the stores wired together,
 * implementing the `Routing` interface. See `index.ts` for the public surface.
 */
import { isPrivateIp } from '@libp2p/utils'
import {
  InvalidRecordError, NoPeersError, NotFoundError, OfflineError, PeerNotFoundError, ProtocolError
} from '../errors/index.ts'
import { MAX_CLOSER_PEERS_PER_RESPONSE, MAX_CPL_FOR_REFRESH, MAX_INBOUND_STREAMS, MAX_OUTBOUND_STREAMS } from './constants.ts'
import { RequestHandlers } from './handlers.ts'
import { ipOf } from './ip-group.ts'
import { equalBytes, kadId, randomKeyInBucket } from './keyspace.ts'
import { fromWirePeers, request, toWirePeer, withoutPeerId, type PeerInfo } from './message.ts'
import { StreamTransport, type DHTTransport } from './network.ts'
import { resolveDHTInit, type DHTInit, type DHTMode, type DHTOptions } from './options.ts'
import { PeerCache } from './peer-cache.ts'
import { Message, Record } from './pb/dht.js'
import { ProviderStore } from './provider-store.ts'
import { lookup, type LookupResult, type PeerAnswer } from './query.ts'
import { RecordStore, RecordValidators } from './records.ts'
import { RoutingTable } from './routing-table.ts'
import { RpcServer } from './rpc-server.ts'
import type { DHTComponents } from './components.ts'
import type { FindProvidersOptions, Routing, RoutingEvent, RoutingOptions } from '../routing/index.ts'
import type { AbortOptions, Connection, Logger, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { CID } from 'multiformats/cid'

/** True when the peer refused the protocol itself (it no longer speaks the DHT). */
function isProtocolRefusal (err: unknown): boolean {
  return (err as Error)?.name === 'UnsupportedProtocolError'
}

/** Providers a `findProviders` yields when the caller sets no limit (a lookup's k). */
export const DEFAULT_MAX_PROVIDERS = 20

/** The DHT. Create it with `createDHT` (index.ts). */
export class KadDHT implements Routing {
  readonly routingTable: RoutingTable
  readonly providers: ProviderStore
  readonly records: RecordStore
  readonly validators: RecordValidators
  private readonly components: DHTComponents
  private readonly options: DHTOptions
  private readonly transport: DHTTransport
  private readonly handlers: RequestHandlers
  private readonly server: RpcServer
  private readonly peerCache: PeerCache
  private readonly log: Logger
  private mode: DHTMode
  private serving = false
  private started = false
  private topologyId?: string
  private refreshTimer?: ReturnType<typeof setInterval>
  /** Aborted on stop: every lookup and request the DHT started on its own ends with it. */
  private shutdown = new AbortController()
  private readonly onSelfUpdate = (): void => { void this.applyMode().catch(err => this.log.error('mode change failed: %e', err)) }

  constructor (components: DHTComponents, init: DHTInit = {}) {
    this.components = components
    this.options = resolveDHTInit(init)
    this.mode = this.options.mode
    this.log = components.logger.forComponent('cairn:dht')
    this.transport = this.options.transport ?? new StreamTransport(components, { protocol: this.options.protocol, requestTimeout: this.options.requestTimeout })
    this.routingTable = new RoutingTable({
      peerId: components.peerId,
      logger: components.logger,
      ping: async (peer, options) => this.verify({ id: peer, multiaddrs: [] }, options)
    }, { k: this.options.k, ipDiversity: this.options.ipDiversity })
    this.providers = new ProviderStore(components, this.options.providers)
    this.records = new RecordStore(components)
    this.validators = new RecordValidators()
    for (const [ns, validator] of Object.entries(this.options.validators)) this.validators.register(ns, validator)
    this.handlers = new RequestHandlers({ ...components, routingTable: this.routingTable, providers: this.providers, records: this.records, validators: this.validators })
    this.server = new RpcServer({
      handlers: this.handlers,
      logger: components.logger,
      onRequest: (connection) => { void this.onRequester(connection) }
    }, { inboundMessageTimeout: this.options.inboundMessageTimeout })
    this.peerCache = new PeerCache(components)
  }

  /**
   * Starts the DHT: loads the provider store and the peer cache, follows peers that speak the
   * protocol, applies the mode, and runs a self-lookup to fill the table. Idempotent.
   */
  async start (options: AbortOptions = {}): Promise<void> {
    if (this.started) return
    this.started = true
    this.shutdown = new AbortController()
    await this.providers.start(options)
    for (const cached of await this.peerCache.load(options)) {
      await this.components.peerStore.merge(cached.id, { multiaddrs: cached.multiaddrs }, options)
      await this.routingTable.add(cached.id, cached.multiaddrs, options)
    }
    this.peerCache.attach(this.routingTable)
    this.topologyId = await this.components.registrar.register(this.options.protocol, {
      onConnect: (peer, connection) => { void this.onPeerConnect(peer, connection) },
      onDisconnect: (peer) => { void this.onPeerDisconnect(peer) }
    })
    this.components.events?.addEventListener('self:peer:update', this.onSelfUpdate)
    await this.applyMode()
    // peers that were connected before we started get the same check as new ones
    for (const connection of this.components.connectionManager.getConnections()) void this.onPeerConnect(connection.remotePeer, connection)
    if (this.options.refreshInterval > 0) {
      this.refreshTimer = setInterval(() => { void this.refresh().catch(err => this.log.error('table refresh failed: %e', err)) }, this.options.refreshInterval)
      this.refreshTimer.unref()
    }
    if (this.routingTable.size > 0) void this.selfLookup().catch(err => this.log('self-lookup on start failed: %e', err))
  }

  /** Stops serving, aborts every running lookup, saves the peer cache. Idempotent. */
  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    this.shutdown.abort()
    clearInterval(this.refreshTimer)
    this.refreshTimer = undefined
    this.components.events?.removeEventListener('self:peer:update', this.onSelfUpdate)
    if (this.topologyId != null) this.components.registrar.unregister(this.topologyId)
    this.topologyId = undefined
    if (this.serving) await this.components.registrar.unhandle(this.options.protocol)
    this.serving = false
    this.providers.stop()
    await this.peerCache.close(this.routingTable)
  }

  /** Whether the DHT currently answers requests (server) or only asks (client). */
  getMode (): 'client' | 'server' {
    return this.serving ? 'server' : 'client'
  }

  /** Switches between client, server and auto (see {@link DHTMode}). */
  async setMode (mode: DHTMode): Promise<void> {
    this.mode = mode
    if (this.started) await this.applyMode()
  }

  /** Registers the validator and selector of a record namespace (`ipns`, from naming). */
  registerValidator (namespace: string, validator: Parameters<RecordValidators['register']>[1]): void {
    this.validators.register(namespace, validator)
  }

  /**
   * Refreshes the table: asks contacts not heard from for a refresh period whether they are still
   * there, looks up a random key in each bucket up to the last non-empty one, then ourselves
   * (ipfs/specs kad-dht "Routing Table Refresh").
   */
  async refresh (options: AbortOptions = {}): Promise<void> {
    const signal = this.signalFor(options)
    const stale = Date.now() - this.options.refreshInterval
    await Promise.all([...this.routingTable.contacts()].filter(c => c.lastSeen < stale).map(async c => {
      if (!(await this.verify({ id: c.id, multiaddrs: c.addrs }, { signal }))) this.routingTable.recordFailure(c.id)
    }))
    const buckets = this.routingTable.bucketView()
    const last = Math.min(MAX_CPL_FOR_REFRESH, buckets.at(-1)?.cpl ?? -1)
    for (let cpl = 0; cpl <= last; cpl++) {
      if (signal.aborted) return
      const key = randomKeyInBucket(this.routingTable.selfKadId, cpl)
      await this.closestPeers(key, { signal }).catch(err => this.log('refresh of bucket %d failed: %e', cpl, err))
    }
    await this.selfLookup({ signal })
  }

  // --- Routing ---

  async findPeer (peer: PeerId, options: RoutingOptions = {}): Promise<PeerInfo> {
    const local = await this.knownAddresses(peer, options)
    if (local.length > 0 && (options.offline === true || this.components.connectionManager.getConnections(peer).length > 0)) {
      const info = { id: peer, multiaddrs: local }
      options.onProgress?.({ type: 'final-peer', peer: info })
      return info
    }
    if (options.offline === true) throw new PeerNotFoundError(`peer ${peer} is not known locally`)
    const key = peer.toMultihash().bytes
    let found: PeerInfo | undefined
    await this.run(key, Message.MessageType.FIND_NODE, options, (_from, reply) => {
      const closer = fromWirePeers(reply.closerPeers, MAX_CLOSER_PEERS_PER_RESPONSE)
      const match = closer.find(p => p.id.equals(peer) && p.multiaddrs.length > 0)
      if (match != null) found = match
      return { closer, done: match != null }
    })
    if (found == null) throw new PeerNotFoundError(`no peer knows the addresses of ${peer}`)
    options.onProgress?.({ type: 'final-peer', peer: found })
    return found
  }

  async * getClosestPeers (key: Uint8Array, options: RoutingOptions = {}): AsyncGenerator<PeerInfo> {
    const result = await this.closestPeers(key, options)
    for (const peer of result.closest) {
      options.onProgress?.({ type: 'final-peer', peer })
      yield peer
    }
  }

  async * findProviders (cid: CID, options: FindProvidersOptions = {}): AsyncGenerator<PeerInfo> {
    const max = options.maxProviders ?? DEFAULT_MAX_PROVIDERS
    const key = cid.multihash.bytes
    const seen = new Set<string>()
    for (const record of await this.providers.get(key, options)) {
      if (seen.size >= max) return
      seen.add(record.id.toString())
      options.onProgress?.({ type: 'provider', from: this.components.peerId, provider: record })
      yield { id: record.id, multiaddrs: record.multiaddrs }
    }
    if (seen.size >= max) return
    if (options.offline === true) {
      if (seen.size === 0) throw new NotFoundError(`no provider of ${cid} is known locally`)
      return
    }

    // the lookup runs beside the consumer and hands providers over as they arrive
    const queue: PeerInfo[] = []
    let wake: (() => void) | undefined
    const stop = new AbortController()
    let finished = false
    let failure: unknown
    // with follow-up, as go does: the k closest are all asked before the lookup gives up
    const running = this.run(key, Message.MessageType.GET_PROVIDERS, { ...options, followUp: true, signal: AbortSignal.any([stop.signal, ...(options.signal == null ? [] : [options.signal])]) }, (from, reply) => {
      for (const provider of fromWirePeers(reply.providerPeers, MAX_CLOSER_PEERS_PER_RESPONSE)) {
        if (seen.has(provider.id.toString()) || seen.size >= max) continue
        seen.add(provider.id.toString())
        options.onProgress?.({ type: 'provider', from, provider })
        queue.push(provider)
      }
      wake?.()
      return { closer: fromWirePeers(reply.closerPeers, MAX_CLOSER_PEERS_PER_RESPONSE), done: seen.size >= max }
    }).then(() => { finished = true }, err => { failure = err; finished = true }).finally(() => wake?.())
    try {
      for (;;) {
        while (queue.length > 0) yield queue.shift() as PeerInfo
        if (finished || seen.size >= max) break
        await new Promise<void>(resolve => { wake = resolve })
        wake = undefined
      }
      if (failure != null) throw failure
      if (seen.size === 0) throw new NotFoundError(`no provider of ${cid} was found`)
    } finally {
      // the consumer may stop early (findprovs -n 1): the lookup is no longer wanted
      stop.abort()
      await running
    }
  }

  async provide (cid: CID, options: RoutingOptions = {}): Promise<void> {
    const self = this.selfInfo()
    if (self.multiaddrs.length === 0) throw new OfflineError('this node has no address to announce in a provider record')
    const key = cid.multihash.bytes
    await this.providers.add(key, self, options)
    if (options.offline === true) throw new OfflineError('cannot announce a provider record offline')
    const { closest } = await this.closestPeers(key, options)
    const message = request(Message.MessageType.ADD_PROVIDER, key, { providerPeers: [toWirePeer(self)] })
    const sent = await this.sendToAll(closest, options, async (peer, signal) => this.transport.send(peer, message, { signal }))
    if (sent === 0) throw new NoPeersError(`no peer took the provider record of ${cid}`)
    this.log('provided %c to %d of %d peers', cid, sent, closest.length)
  }

  /**
   * ADD_PROVIDER of each key to one peer, on one stream when the transport can: the sweeping
   * reprovider's batches (`reprovider.ts`), which found the peers itself.
   */
  async sendProviderRecords (peer: PeerInfo, keys: Uint8Array[], options: AbortOptions = {}): Promise<void> {
    const self = this.selfInfo()
    if (self.multiaddrs.length === 0) throw new OfflineError('this node has no address to announce in a provider record')
    const messages = keys.map(key => request(Message.MessageType.ADD_PROVIDER, key, { providerPeers: [toWirePeer(self)] }))
    const signal = this.signalFor(options)
    if (this.transport.sendMany != null) await this.transport.sendMany(peer, messages, { signal })
    else for (const message of messages) await this.transport.send(peer, message, { signal })
  }

  /** Records this node as a provider of each key in its own store (served to GET_PROVIDERS, found by findProviders). */
  async addLocalProviderRecords (keys: Uint8Array[], options: AbortOptions = {}): Promise<void> {
    const self = this.selfInfo()
    if (self.multiaddrs.length === 0) return
    for (const key of keys) await this.providers.add(key, self, options)
  }

  async put (key: Uint8Array, value: Uint8Array, options: RoutingOptions = {}): Promise<void> {
    await this.validators.validate(key, value)
    const existing = await this.records.get(key, options)
    if (existing != null && !equalBytes(existing.value, value) && this.validators.select(key, [value, existing.value]) !== 0) {
      throw new InvalidRecordError('a better record is already stored for this key')
    }
    const stored = await this.records.put(key, value, options)
    if (options.offline === true) return
    const { closest } = await this.closestPeers(key, options)
    const message = request(Message.MessageType.PUT_VALUE, key, { record: new Uint8Array(stored.bytes) })
    const accepted = await this.sendToAll(closest, options, async (peer, signal) => {
      const reply = await this.transport.request(peer, message, { signal })
      const echoed = reply.record == null ? undefined : Record.decode(reply.record)
      if (echoed == null || !equalBytes(echoed.value, value)) throw new ProtocolError(`${peer.id} did not store the record`)
    })
    if (accepted === 0) throw new NoPeersError('no peer stored the record')
  }

  async get (key: Uint8Array, options: RoutingOptions = {}): Promise<Uint8Array> {
    const candidates: Array<{ from?: PeerInfo, value: Uint8Array }> = []
    const local = await this.records.get(key, options)
    if (local != null) candidates.push({ value: local.value })
    if (options.offline !== true) {
      if (!this.validators.knows(key)) throw new InvalidRecordError('no validator for the namespace of this key: the DHT refuses it')
      await this.run(key, Message.MessageType.GET_VALUE, { ...options, followUp: true }, async (from, reply, peer) => {
        if (reply.record != null) {
          try {
            const record = Record.decode(reply.record)
            if (!equalBytes(record.key, key)) throw new InvalidRecordError('record for another key')
            await this.validators.validate(key, record.value)
            candidates.push({ from: peer, value: record.value })
            options.onProgress?.({ type: 'value', from, value: record.value })
          } catch (err) {
            this.log('%p sent an invalid record: %e', from, err)
          }
        }
        return { closer: fromWirePeers(reply.closerPeers, MAX_CLOSER_PEERS_PER_RESPONSE), done: candidates.length >= this.options.valueQuorum }
      })
    }
    if (candidates.length === 0) throw new NotFoundError('no record found for the key')
    const best = candidates[this.validators.select(key, candidates.map(c => c.value))].value
    // peers holding an older record get the best one (go's "update peers with outdated values")
    const outdated = candidates.filter(c => c.from != null && !equalBytes(c.value, best)).map(c => c.from as PeerInfo)
    if (outdated.length > 0) {
      const stored = Record.encode({ key: new Uint8Array(key), value: new Uint8Array(best), timeReceived: new Date().toISOString() })
      const message = request(Message.MessageType.PUT_VALUE, key, { record: stored })
      void this.sendToAll(outdated, {}, async (peer, signal) => { await this.transport.request(peer, message, { signal }) })
        .catch(err => this.log('correcting outdated records failed: %e', err))
    }
    return best
  }

  // --- internals ---

  /** The k closest peers to `key` that answered (a lookup with follow-up). */
  async closestPeers (key: Uint8Array, options: RoutingOptions = {}): Promise<LookupResult> {
    if (options.offline === true) throw new OfflineError('a lookup needs the network')
    return this.run(key, Message.MessageType.FIND_NODE, { ...options, followUp: true }, (_from, reply) => ({
      closer: fromWirePeers(reply.closerPeers, MAX_CLOSER_PEERS_PER_RESPONSE)
    }))
  }

  /**
   * One lookup towards `key`, sending `type` requests and handing each reply to `onReply`.
   * Peers that answer enter the routing table; peers that fail leave it.
   */
  private async run (
    key: Uint8Array,
    type: Message.MessageType,
    options: RoutingOptions & { followUp?: boolean },
    onReply: (from: PeerId, reply: Message, peer: PeerInfo) => PeerAnswer | Promise<PeerAnswer>
  ): Promise<LookupResult> {
    const target = kadId(key)
    const seeds = this.routingTable.closest(target, this.options.k).map(c => ({ id: c.id, multiaddrs: c.addrs }))
    if (seeds.length === 0) throw new NoPeersError('the routing table is empty: connect to a DHT server (bootstrap) first')
    const signal = this.signalFor(options)
    const message = request(type, key)
    const emit = (event: RoutingEvent): void => options.onProgress?.(event)
    const result = await lookup(target, seeds, async (peer, querySignal) => {
      emit({ type: 'sending-query', peer: peer.id })
      try {
        const reply = await this.transport.request(peer, message, { signal: querySignal })
        void this.routingTable.add(peer.id, peer.multiaddrs).catch(err => this.log('could not add %p: %e', peer.id, err))
        const answer = await onReply(peer.id, reply, peer)
        emit({ type: 'peer-response', peer: peer.id, closer: answer.closer, providers: fromWirePeers(reply.providerPeers, MAX_CLOSER_PEERS_PER_RESPONSE) })
        return answer
      } catch (err) {
        if (!querySignal.aborted) {
          this.routingTable.recordFailure(peer.id, isProtocolRefusal(err))
          emit({ type: 'query-error', peer: peer.id, error: err as Error })
        }
        throw err
      }
    }, { alpha: this.options.alpha, beta: this.options.beta, k: this.options.k, followUp: options.followUp, self: this.components.peerId, signal })
    options.signal?.throwIfAborted()
    this.log('lookup of %s: %s after %d requests (%d failed), %d hops', type, result.reason, result.queried, result.failed, result.hops)
    return result
  }

  /** Sends to every peer at once; resolves with how many succeeded. */
  private async sendToAll (peers: PeerInfo[], options: RoutingOptions, send: (peer: PeerInfo, signal: AbortSignal) => Promise<void>): Promise<number> {
    const signal = this.signalFor(options)
    const results = await Promise.allSettled(peers.map(async peer => {
      options.onProgress?.({ type: 'sending-query', peer: peer.id })
      try {
        await send(peer, signal)
      } catch (err) {
        options.onProgress?.({ type: 'query-error', peer: peer.id, error: err as Error })
        throw err
      }
    }))
    return results.filter(r => r.status === 'fulfilled').length
  }

  /** A signal for a lookup: the caller's, the DHT's shutdown, and the default query timeout. */
  private signalFor (options: AbortOptions): AbortSignal {
    return AbortSignal.any([
      this.shutdown.signal,
      ...(options.signal == null ? [AbortSignal.timeout(this.options.queryTimeout)] : [options.signal])
    ])
  }

  /** Asks a peer for itself: a DHT server answers. Used before admitting and to ping. */
  private async verify (peer: PeerInfo, options: AbortOptions = {}): Promise<boolean> {
    try {
      await this.transport.request(peer, request(Message.MessageType.FIND_NODE, peer.id.toMultihash().bytes), options)
      return true
    } catch (err) {
      this.log('%p did not answer a FIND_NODE: %s', peer.id, (err as Error).message)
      return false
    }
  }

  private async selfLookup (options: AbortOptions = {}): Promise<void> {
    await this.closestPeers(this.components.peerId.toMultihash().bytes, options)
  }

  /** A peer that speaks the protocol connected: admit it once it answers a request. */
  private async onPeerConnect (peer: PeerId, connection: Connection): Promise<void> {
    try {
      if (!(await this.speaksDHT(peer))) return
      const addrs = await this.knownAddresses(peer, {})
      const dialable = addrs.length > 0 ? addrs : connection.direction === 'outbound' ? [withoutPeerId(connection.remoteAddr)] : []
      if (this.routingTable.has(peer)) return
      if (dialable.length === 0) return
      if (!(await this.verify({ id: peer, multiaddrs: [] }, { signal: this.shutdown.signal }))) return
      const result = await this.routingTable.add(peer, dialable, { signal: this.shutdown.signal })
      this.log('%p connected: %s', peer, result)
    } catch (err) {
      this.log('admitting %p failed: %e', peer, err)
    }
  }

  /**
   * A peer sent us a request: if it is a DHT server we have room for, it enters the table (go
   * `peerFound` on inbound messages), so tables fill from traffic, not only from our own lookups.
   */
  private async onRequester (connection: Connection): Promise<void> {
    const peer = connection.remotePeer
    if (this.routingTable.has(peer)) return
    try {
      if (!(await this.speaksDHT(peer))) return
      const addrs = await this.knownAddresses(peer, {})
      if (addrs.length === 0) return
      // the peer store lists a protocol for a peer that merely opened a stream with it, so a
      // client that queried us looks like a server there: only one that answers a query is
      if (!(await this.verify({ id: peer, multiaddrs: [] }, { signal: this.shutdown.signal }))) return
      if (this.routingTable.has(peer)) return
      await this.routingTable.add(peer, addrs, { signal: this.shutdown.signal })
    } catch (err) {
      this.log('could not add requester %p: %e', peer, err)
    }
  }

  /** A peer disconnected or dropped protocols: evict it once it no longer speaks the protocol. */
  private async onPeerDisconnect (peer: PeerId): Promise<void> {
    if (!(await this.speaksDHT(peer))) this.routingTable.remove(peer)
  }

  private async speaksDHT (peer: PeerId): Promise<boolean> {
    try {
      return (await this.components.peerStore.get(peer)).protocols.includes(this.options.protocol)
    } catch {
      return false
    }
  }

  private async knownAddresses (peer: PeerId, options: AbortOptions): Promise<Multiaddr[]> {
    const contact = this.routingTable.get(peer)
    if (contact != null) return contact.addrs
    try {
      return (await this.components.peerStore.get(peer, options)).addresses.map(a => a.multiaddr)
    } catch {
      return []
    }
  }

  private selfInfo (): PeerInfo {
    return { id: this.components.peerId, multiaddrs: this.components.addresses.getMultiaddrs().map(withoutPeerId) }
  }

  /** Serves or stops serving according to the mode (and, for `auto`, our addresses). */
  private async applyMode (): Promise<void> {
    const serve = this.mode === 'server' || (this.mode === 'auto' && this.hasPublicAddress())
    if (serve === this.serving || !this.started) return
    this.serving = serve
    if (serve) {
      await this.components.registrar.handle(this.options.protocol, this.server.onStream, {
        maxInboundStreams: MAX_INBOUND_STREAMS, maxOutboundStreams: MAX_OUTBOUND_STREAMS
      })
    } else {
      await this.components.registrar.unhandle(this.options.protocol)
    }
    this.log('now a DHT %s', serve ? 'server' : 'client')
  }

  private hasPublicAddress (): boolean {
    return this.components.addresses.getMultiaddrs().some(addr => {
      const ip = ipOf(addr)
      return ip != null && isPrivateIp(ip.ip) === false && ip.ip !== '0.0.0.0' && ip.ip !== '::'
    })
  }
}

/**
 * Bitswap over libp2p streams. Streams are one-way, as the spec and every implementation use
 * them: a message is never answered on the stream it came in on. Inbound, every stream of any
 * Bitswap version is read message by message until it ends. Outbound, each peer gets one stream
 * that carries our messages in order and is closed after a short idle time (Helia resets a stream
 * that stays silent for 10 s); anything queued for a peer while a write is under way is merged
 * into the next message, so a burst of wants costs one message, not one each.
 */
import { BITSWAP_100, BITSWAP_110, BITSWAP_120, BITSWAP_PROTOCOLS, DEFAULT_SEND_TIMEOUT, MAX_MESSAGE_SIZE } from './constants.ts'
import { decodeFrames, encodeFrame } from './framing.ts'
import { decodeMessage, encodeMessageLists, type DecodedMessage, type OutgoingMessage } from './message.ts'
import type { AbortOptions, ComponentLogger, Connection, Logger, PeerId, Stream, StreamHandler, StreamHandlerOptions, Topology } from '@libp2p/interface'

/** The registrar calls Bitswap needs: protocol handlers and a topology for peer connects. */
export interface BitswapRegistrar {
  handle(protocol: string | string[], handler: StreamHandler, options?: StreamHandlerOptions): Promise<void>
  unhandle(protocol: string | string[], options?: AbortOptions): Promise<void>
  register(protocol: string, topology: Topology, options?: AbortOptions): Promise<string>
  unregister(id: string): void
}

/** The connection calls Bitswap needs: dial a protocol, list connections. */
export interface BitswapConnectionManager {
  dialProtocol(peer: PeerId, protocols: string | string[], options?: AbortOptions): Promise<Stream>
  dial(peer: PeerId, options?: AbortOptions): Promise<Connection>
  getConnections(peer?: PeerId): Connection[]
}

/** What the network is wired with. */
export interface BitswapNetworkComponents {
  registrar: BitswapRegistrar
  connectionManager: BitswapConnectionManager
  logger: ComponentLogger
}

/** What the network tells Bitswap. */
export interface BitswapNetworkEvents {
  /** A message arrived from `peer`, over `bytes` bytes on the wire. */
  onMessage(peer: PeerId, message: DecodedMessage, bytes: number): void
  /** A message from `peer` could not be read at all. */
  onBadMessage(peer: PeerId, err: Error): void
  /** A peer that speaks Bitswap connected. */
  onPeerConnected(peer: PeerId): void
  /** The last connection to a peer closed. */
  onPeerDisconnected(peer: PeerId): void
}

/** Options of {@link BitswapNetwork}. */
export interface BitswapNetworkInit {
  /** Longest time one message may take to be written. Default {@link DEFAULT_SEND_TIMEOUT}. */
  sendTimeout?: number
  /** How long an idle outbound stream stays open (ms). Default 5,000, under Helia's 10 s. */
  outboundIdleTimeout?: number
  /** Inbound streams per connection (all Bitswap versions together). Default 32. */
  maxInboundStreams?: number
}

/** Sent and received bytes of Bitswap messages, for `stats bw --proto`. */
export interface BitswapTraffic {
  bytesSent: number
  bytesReceived: number
  messagesSent: number
  messagesReceived: number
}

interface PeerSender {
  queue: OutgoingMessage[]
  running: boolean
  stream?: Stream
  idleTimer?: ReturnType<typeof setTimeout>
  waiters: Array<{ resolve: () => void, reject: (err: Error) => void }>
}

/** Bitswap's side of libp2p: inbound streams, outbound queues, connect/disconnect. */
export class BitswapNetwork {
  readonly traffic: BitswapTraffic = { bytesSent: 0, bytesReceived: 0, messagesSent: 0, messagesReceived: 0 }
  private readonly components: BitswapNetworkComponents
  private readonly log: Logger
  private readonly sendTimeout: number
  private readonly outboundIdleTimeout: number
  private readonly maxInboundStreams: number
  private readonly senders = new Map<string, PeerSender>()
  private readonly inbound = new Set<Stream>()
  private events?: BitswapNetworkEvents
  private topologyId?: string
  private running = false

  constructor (components: BitswapNetworkComponents, init: BitswapNetworkInit = {}) {
    this.components = components
    this.log = components.logger.forComponent('cairn:bitswap:network')
    this.sendTimeout = init.sendTimeout ?? DEFAULT_SEND_TIMEOUT
    this.outboundIdleTimeout = init.outboundIdleTimeout ?? 5_000
    this.maxInboundStreams = init.maxInboundStreams ?? 32
  }

  /** Starts handling Bitswap streams and watching Bitswap peers. */
  async start (events: BitswapNetworkEvents): Promise<void> {
    if (this.running) return
    this.events = events
    this.running = true
    await this.components.registrar.handle([...BITSWAP_PROTOCOLS], (stream, connection) => {
      void this.readInbound(stream, connection.remotePeer)
    }, { maxInboundStreams: this.maxInboundStreams, maxOutboundStreams: 64 })
    this.topologyId = await this.components.registrar.register(BITSWAP_120, {
      onConnect: (peer) => { this.events?.onPeerConnected(peer) },
      onDisconnect: (peer) => {
        this.dropSender(peer)
        this.events?.onPeerDisconnected(peer)
      }
    })
  }

  /** Stops handling streams, closes every outbound stream and forgets queued messages. */
  async stop (): Promise<void> {
    if (!this.running) return
    this.running = false
    if (this.topologyId != null) this.components.registrar.unregister(this.topologyId)
    await this.components.registrar.unhandle([...BITSWAP_PROTOCOLS]).catch(err => {
      this.log.error('unhandling the bitswap protocols failed: %e', err)
    })
    for (const key of [...this.senders.keys()]) this.dropSenderByKey(key, new Error('bitswap stopped'))
    for (const stream of this.inbound) stream.abort(new Error('bitswap stopped'))
    this.inbound.clear()
  }

  /** True when a connection to `peer` is open. */
  isConnected (peer: PeerId): boolean {
    return this.components.connectionManager.getConnections(peer).length > 0
  }

  /** Dials `peer` (its known addresses). */
  async connect (peer: PeerId, options: AbortOptions = {}): Promise<void> {
    await this.components.connectionManager.dial(peer, options)
  }

  /**
   * Queues `message` for `peer`. Messages queued while an earlier one is being written are merged
   * and go out together, in order. Resolves once written; rejects if the peer cannot be reached.
   */
  async send (peer: PeerId, message: OutgoingMessage): Promise<void> {
    if (!this.running) throw new Error('bitswap is not running')
    const key = peer.toString()
    let sender = this.senders.get(key)
    if (sender == null) {
      sender = { queue: [], running: false, waiters: [] }
      this.senders.set(key, sender)
    }
    sender.queue.push(message)
    const done = new Promise<void>((resolve, reject) => { sender.waiters.push({ resolve, reject }) })
    if (!sender.running) void this.drain(peer, sender)
    return done
  }

  private async drain (peer: PeerId, sender: PeerSender): Promise<void> {
    sender.running = true
    try {
      while (sender.queue.length > 0 && this.running) {
        const batch = sender.queue.splice(0)
        const waiters = sender.waiters.splice(0)
        try {
          await this.write(peer, sender, mergeOutgoing(batch))
          for (const w of waiters) w.resolve()
        } catch (err) {
          this.log('sending to %p failed: %e', peer, err)
          for (const w of waiters) w.reject(err as Error)
        }
      }
    } finally {
      sender.running = false
    }
  }

  private async write (peer: PeerId, sender: PeerSender, message: OutgoingMessage): Promise<void> {
    const signal = AbortSignal.timeout(this.sendTimeout)
    // one retry on a fresh stream: a kept stream may have been closed by the peer while idle
    for (let attempt = 0; ; attempt++) {
      const fresh = sender.stream == null
      try {
        sender.stream ??= await this.components.connectionManager.dialProtocol(peer, [BITSWAP_120, BITSWAP_110, BITSWAP_100], { signal })
        const stream = sender.stream
        const frames = encodeMessageLists(message, { v100: stream.protocol === BITSWAP_100 })
        for (const frame of frames) {
          const wire = encodeFrame(frame)
          this.traffic.bytesSent += wire.byteLength
          this.traffic.messagesSent++
          if (!stream.send(wire)) await stream.onDrain({ signal })
        }
        this.armIdleClose(peer, sender)
        return
      } catch (err) {
        this.log('writing to %p failed (%s stream): %e', peer, fresh ? 'new' : 'kept', err)
        sender.stream?.abort(err as Error)
        sender.stream = undefined
        if (fresh || attempt > 0 || signal.aborted) throw err
      }
    }
  }

  private armIdleClose (peer: PeerId, sender: PeerSender): void {
    clearTimeout(sender.idleTimer)
    sender.idleTimer = setTimeout(() => {
      const stream = sender.stream
      if (stream == null || sender.running) return
      sender.stream = undefined
      stream.close().catch(err => { this.log('closing idle stream to %p: %e', peer, err) })
    }, this.outboundIdleTimeout)
    sender.idleTimer.unref?.()
  }

  private dropSender (peer: PeerId): void {
    this.log('peer %p disconnected', peer)
    this.dropSenderByKey(peer.toString(), new Error(`peer ${peer.toString()} disconnected`))
  }

  private dropSenderByKey (key: string, err: Error): void {
    const sender = this.senders.get(key)
    if (sender == null) return
    this.senders.delete(key)
    clearTimeout(sender.idleTimer)
    sender.queue.length = 0
    for (const w of sender.waiters.splice(0)) w.reject(err)
    sender.stream?.abort(err)
  }

  private async readInbound (stream: Stream, peer: PeerId): Promise<void> {
    this.inbound.add(stream)
    // one-way: we never write on a stream a peer opened
    stream.close().catch(() => { /* the write side may already be gone; nothing was ever to be sent */ })
    try {
      for await (const frame of decodeFrames(stream, MAX_MESSAGE_SIZE)) {
        this.traffic.bytesReceived += frame.byteLength
        this.traffic.messagesReceived++
        let message: DecodedMessage
        try {
          message = decodeMessage(frame)
        } catch (err) {
          this.events?.onBadMessage(peer, err as Error)
          stream.abort(err as Error)
          return
        }
        this.events?.onMessage(peer, message, frame.byteLength)
      }
    } catch (err) {
      if (!this.running) return
      this.log('inbound stream from %p ended: %e', peer, err)
      this.events?.onBadMessage(peer, err as Error)
      stream.abort(err as Error)
    } finally {
      this.inbound.delete(stream)
    }
  }
}

/** Several queued messages for one peer as one: entries in order, the latest `full` wins. */
function mergeOutgoing (batch: OutgoingMessage[]): OutgoingMessage {
  if (batch.length === 1) return batch[0]
  const out: OutgoingMessage = { wants: [], blocks: [], presences: [] }
  for (const m of batch) {
    if (m.full === true) {
      out.full = true
      out.wants = []
    }
    out.wants!.push(...(m.wants ?? []))
    out.blocks!.push(...(m.blocks ?? []))
    out.presences!.push(...(m.presences ?? []))
    if (m.pendingBytes != null) out.pendingBytes = m.pendingBytes
  }
  return out
}

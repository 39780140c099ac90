/**
 * Sending DHT requests. The lookup code talks to a {@link DHTTransport}, so the same code runs over
 * libp2p streams ({@link StreamTransport}) and over the in-memory network of the simulation bench.
 *
 * On the wire (libp2p/specs kad-dht "RPC messages"; wire-protocols §1.2): each message is a
 * protobuf prefixed by its uvarint length, at most 4 MiB. A request opens a stream, writes one
 * message and reads one reply; ADD_PROVIDER gets no reply (go and js send none), so it is written
 * and the stream closed.
 */
import { lpStream } from '@libp2p/utils'
import { ProtocolError, TimeoutError } from '../errors/index.ts'
import { DEFAULT_REQUEST_TIMEOUT, MAX_MESSAGE_SIZE, PROTOCOL_DHT } from './constants.ts'
import { Message } from './pb/dht.js'
import type { DHTConnectionManager } from './components.ts'
import type { PeerInfo } from './message.ts'
import type { AbortOptions, ComponentLogger, Logger, PeerStore, Stream } from '@libp2p/interface'

/** How the DHT reaches other peers. */
export interface DHTTransport {
  /** Sends `message` to `peer` and resolves with its reply. */
  request(peer: PeerInfo, message: Message, options?: AbortOptions): Promise<Message>
  /** Sends `message` to `peer` without waiting for a reply (ADD_PROVIDER). */
  send(peer: PeerInfo, message: Message, options?: AbortOptions): Promise<void>
  /** Sends several messages that get no reply (the sweep's ADD_PROVIDER batches), on one stream when it can. */
  sendMany?(peer: PeerInfo, messages: Message[], options?: AbortOptions): Promise<void>
}

/** Options of {@link StreamTransport}. */
export interface StreamTransportInit {
  /** Default {@link PROTOCOL_DHT}. */
  protocol?: string
  /** How long one request may take, dial included. Default {@link DEFAULT_REQUEST_TIMEOUT}. */
  requestTimeout?: number
}

/** Options for framing a DHT stream: the 4 MiB limit, enforced before the bytes are buffered. */
export const LP_OPTIONS = { maxDataLength: MAX_MESSAGE_SIZE, maxBufferSize: MAX_MESSAGE_SIZE + 16 }

/** A {@link DHTTransport} over libp2p streams. */
export class StreamTransport implements DHTTransport {
  private readonly components: { connectionManager: DHTConnectionManager, peerStore: PeerStore, logger: ComponentLogger }
  private readonly protocol: string
  private readonly requestTimeout: number
  private readonly log: Logger

  constructor (components: { connectionManager: DHTConnectionManager, peerStore: PeerStore, logger: ComponentLogger }, init: StreamTransportInit = {}) {
    this.components = components
    this.protocol = init.protocol ?? PROTOCOL_DHT
    this.requestTimeout = init.requestTimeout ?? DEFAULT_REQUEST_TIMEOUT
    this.log = components.logger.forComponent('cairn:dht:network')
  }

  async request (peer: PeerInfo, message: Message, options: AbortOptions = {}): Promise<Message> {
    this.log('%s to %p', message.type, peer.id)
    return this.withStream(peer, options, async (stream, signal) => {
      const lp = lpStream(stream, LP_OPTIONS)
      await lp.write(Message.encode(message), { signal })
      const bytes = await lp.read({ signal })
      let reply: Message
      try {
        reply = Message.decode(bytes)
      } catch (err) {
        throw new ProtocolError(`${peer.id} sent an undecodable ${message.type} reply`, { cause: err })
      }
      await stream.close({ signal }).catch(() => {})
      return reply
    })
  }

  async send (peer: PeerInfo, message: Message, options: AbortOptions = {}): Promise<void> {
    await this.withStream(peer, options, async (stream, signal) => {
      await lpStream(stream, LP_OPTIONS).write(Message.encode(message), { signal })
      await stream.close({ signal })
    })
  }

  async sendMany (peer: PeerInfo, messages: Message[], options: AbortOptions = {}): Promise<void> {
    this.log('%d %s to %p on one stream', messages.length, messages[0]?.type, peer.id)
    await this.withStream(peer, options, async (stream, signal) => {
      const lp = lpStream(stream, LP_OPTIONS)
      // the server reads requests one after another on a stream (go reuses one per peer)
      for (const message of messages) await lp.write(Message.encode(message), { signal })
      await stream.close({ signal })
    })
  }

  /** Opens a stream (dialing as needed) under the request timeout; aborts it on any failure. */
  private async withStream<T> (peer: PeerInfo, options: AbortOptions, fn: (stream: Stream, signal: AbortSignal) => Promise<T>): Promise<T> {
    const timeout = AbortSignal.timeout(this.requestTimeout)
    const signal = options.signal == null ? timeout : AbortSignal.any([options.signal, timeout])
    if (peer.multiaddrs.length > 0 && this.components.connectionManager.getConnections(peer.id).length === 0) {
      // the lookup learnt these addresses from another peer: the dialer finds them in the peer
      // store (skipped when connected: a peer-store write is not free)
      await this.components.peerStore.merge(peer.id, { multiaddrs: peer.multiaddrs }, { signal })
    }
    let stream: Stream | undefined
    try {
      stream = await this.components.connectionManager.dialProtocol(peer.id, this.protocol, { signal })
      return await fn(stream, signal)
    } catch (err) {
      stream?.abort(err instanceof Error ? err : new Error(String(err)))
      if (timeout.aborted && options.signal?.aborted !== true) {
        throw new TimeoutError(`${peer.id} did not answer within ${this.requestTimeout} ms`, { cause: err })
      }
      throw err
    }
  }
}

/**
 * The inbound side of `/ipfs/kad/1.0.0`: reads length-prefixed requests from a stream, one after
 * another (go reuses one stream per peer for many requests, including ADD_PROVIDER which gets no
 * reply), answers each, and resets the stream on anything malformed, oversized or slow.
 */
import { lpStream } from '@libp2p/utils'
import { ProtocolError } from '../errors/index.ts'
import { DEFAULT_INBOUND_MESSAGE_TIMEOUT } from './constants.ts'
import { LP_OPTIONS } from './network.ts'
import { Message } from './pb/dht.js'
import type { RequestHandlers } from './handlers.ts'
import type { ComponentLogger, Connection, Logger, Stream } from '@libp2p/interface'

/** Options of {@link RpcServer}. */
export interface RpcServerInit {
  /**
   * How long each inbound message may take to arrive, waiting included: a peer that drip-feeds
   * bytes or holds an idle stream open loses it. Default {@link DEFAULT_INBOUND_MESSAGE_TIMEOUT}.
   */
  inboundMessageTimeout?: number
}

/** Serves DHT requests on inbound streams. */
export class RpcServer {
  private readonly handlers: RequestHandlers
  private readonly timeout: number
  private readonly log: Logger

  private readonly onRequest?: (from: Connection) => void

  /** `onRequest` hears of each requester (the DHT admits servers that query it, as go does). */
  constructor (components: { handlers: RequestHandlers, logger: ComponentLogger, onRequest?: (from: Connection) => void }, init: RpcServerInit = {}) {
    this.handlers = components.handlers
    this.onRequest = components.onRequest
    this.timeout = init.inboundMessageTimeout ?? DEFAULT_INBOUND_MESSAGE_TIMEOUT
    this.log = components.logger.forComponent('cairn:dht:rpc')
  }

  /** The stream handler to register for the protocol. */
  readonly onStream = async (stream: Stream, connection: Connection): Promise<void> => {
    const from = connection.remotePeer
    const lp = lpStream(stream, LP_OPTIONS)
    try {
      for (;;) {
        const signal = AbortSignal.timeout(this.timeout)
        let bytes
        try {
          bytes = await lp.read({ signal })
        } catch (err) {
          // the requester closed its side between messages: the normal end of a stream
          if ((err as Error).name === 'UnexpectedEOFError') {
            await stream.close().catch(() => {})
            return
          }
          throw err
        }
        let request: Message
        try {
          request = Message.decode(bytes)
        } catch (err) {
          throw new ProtocolError(`undecodable message from ${from}`, { cause: err })
        }
        this.onRequest?.(connection)
        const response = await this.handlers.handle(from, request, { signal })
        if (response != null) await lp.write(Message.encode(response), { signal })
      }
    } catch (err) {
      this.log('closing stream from %p: %s', from, (err as Error).message)
      stream.abort(err instanceof Error ? err : new Error(String(err)))
    }
  }
}

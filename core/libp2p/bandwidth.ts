import { Socket } from 'node:net'
import { BANDWIDTH_SAMPLE_INTERVAL } from './constants.ts'
import type { Metrics, MultiaddrConnection, Stream } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/** Bytes moved by the host since it started, and the recent rates (`stats bw`). */
export interface BandwidthStats {
  /** Bytes received on every connection, framing and encryption included. */
  totalIn: number
  /** Bytes sent on every connection, framing and encryption included. */
  totalOut: number
  /** Bytes per second received, smoothed over the last few seconds. */
  rateIn: number
  /** Bytes per second sent, smoothed over the last few seconds. */
  rateOut: number
}

/** Which traffic {@link BandwidthMeter.stats} counts: all of it, one peer's, or one protocol's. */
export interface BandwidthFilter {
  /** A peer ID: the wire bytes of every connection to that peer. */
  peer?: string
  /** A protocol ID (`/ipfs/bitswap/1.2.0`): the payload bytes of every stream of that protocol. */
  protocol?: string
}

/** Totals and smoothed rates of one slice of the traffic. */
class Counter {
  in = 0
  out = 0
  rateIn = 0
  rateOut = 0
  private lastIn = 0
  private lastOut = 0

  /** Folds the bytes moved since the last sample into the rates. */
  sample (totalIn: number, totalOut: number, seconds: number): void {
    this.rateIn += RATE_ALPHA * ((totalIn - this.lastIn) / seconds - this.rateIn)
    this.rateOut += RATE_ALPHA * ((totalOut - this.lastOut) / seconds - this.rateOut)
    this.lastIn = totalIn
    this.lastOut = totalOut
  }

  stats (totalIn = this.in, totalOut = this.out): BandwidthStats {
    return { totalIn, totalOut, rateIn: this.rateIn, rateOut: this.rateOut }
  }
}

/** Peers whose counts are kept after their connections close; beyond it the oldest are forgotten. */
const MAX_PEER_COUNTERS = 4096

/** Options for {@link BandwidthMeter}. */
export interface BandwidthMeterInit {
  /** How often the rates are sampled, in ms. Default {@link BANDWIDTH_SAMPLE_INTERVAL}. */
  sampleInterval?: number
}

/** Weight of the newest sample in the rate average; the same decay as go-flow-metrics' meters. */
const RATE_ALPHA = 1 - Math.exp(-1)

/** One metric object that satisfies every libp2p metric interface and records nothing. */
const NOOP_METRIC = {
  update (): void {},
  increment (): void {},
  decrement (): void {},
  observe (): void {},
  reset (): void {},
  timer (): () => void { return () => {} }
}
const register = (): typeof NOOP_METRIC => NOOP_METRIC

/**
 * Counts the bytes of every libp2p connection, for `stats bw`.
 *
 * It plugs into libp2p as its `metrics` component, whose only job here is to be told of each
 * connection (`trackMultiaddrConnection`) before it is upgraded. For TCP connections it reads the
 * socket's own `bytesRead` / `bytesWritten`, so the counts are exact bytes on the wire, including
 * Noise and Yamux overhead, and cost nothing per message. Kubo counts payload bytes per stream
 * instead, so the totals run slightly higher than Kubo's for the same traffic. Connections of any
 * other transport are not counted (Cairn runs only TCP). The many libp2p-internal metrics that
 * components register are accepted and discarded.
 *
 * Per protocol (`stats bw --proto`), libp2p hands over each stream once its protocol is agreed
 * (`trackProtocolStream`): the stream's own `send` and `onData` are wrapped to count its payload
 * bytes, as Kubo counts them. Per peer (`stats bw --peer`), a socket is assigned to the peer its
 * connection turned out to be ({@link BandwidthMeter.assignPeer}) and counted as above.
 */
export class BandwidthMeter implements Metrics {
  private readonly open = new Set<Socket>()
  private closedIn = 0
  private closedOut = 0
  private readonly sampleInterval: number
  private timer?: ReturnType<typeof setInterval>
  private last = { at: 0, in: 0, out: 0 }
  private rateIn = 0
  private rateOut = 0
  private readonly protocols = new Map<string, Counter>()
  /** Open sockets by `address:port` of their far end, until a peer is known for them. */
  private readonly byRemote = new Map<string, Socket>()
  private readonly peerOf = new Map<Socket, string>()
  /** Per peer: closed sockets' bytes in `in`/`out`, and the rates. */
  private readonly peers = new Map<string, Counter>()

  constructor (init: BandwidthMeterInit = {}) {
    this.sampleInterval = init.sampleInterval ?? BANDWIDTH_SAMPLE_INTERVAL
  }

  /** Starts sampling rates. Idempotent. */
  start (): void {
    if (this.timer != null) return
    this.last = { at: performance.now(), ...this.totals() }
    this.timer = setInterval(() => { this.sample() }, this.sampleInterval)
    this.timer.unref()
  }

  /** Stops sampling rates (totals stay readable). Idempotent. */
  stop (): void {
    clearInterval(this.timer)
    this.timer = undefined
    this.rateIn = 0
    this.rateOut = 0
  }

  /** The current totals and rates. */
  stats (): BandwidthStats {
    const totals = this.totals()
    return { totalIn: totals.in, totalOut: totals.out, rateIn: this.rateIn, rateOut: this.rateOut }
  }

  /** The totals and rates of one peer's connections or one protocol's streams (zeros when unknown). */
  statsOf (filter: BandwidthFilter): BandwidthStats {
    if (filter.protocol != null) return this.protocols.get(filter.protocol)?.stats() ?? new Counter().stats()
    if (filter.peer != null) {
      const counter = this.peers.get(filter.peer)
      if (counter == null) return new Counter().stats()
      const totals = this.peerTotals(filter.peer, counter)
      return counter.stats(totals.in, totals.out)
    }
    return this.stats()
  }

  /** The connection to `remote` (its far end's address) turned out to be `peer`: its bytes count for it. */
  assignPeer (remote: Multiaddr, peer: string): void {
    const socket = this.byRemote.get(remoteKey(remote))
    if (socket == null) return
    this.peerOf.set(socket, peer)
    if (this.peers.has(peer)) return
    this.peers.set(peer, new Counter())
    if (this.peers.size > MAX_PEER_COUNTERS) {
      const connected = new Set(this.peerOf.values())
      for (const old of this.peers.keys()) {
        if (connected.has(old)) continue
        this.peers.delete(old)
        break
      }
    }
  }

  trackMultiaddrConnection (maConn: MultiaddrConnection): void {
    const socket = (maConn as { socket?: unknown }).socket
    if (!(socket instanceof Socket) || this.open.has(socket)) return
    this.open.add(socket)
    const key = `${socket.remoteAddress ?? ''}:${socket.remotePort ?? ''}`
    this.byRemote.set(key, socket)
    socket.once('close', () => {
      this.open.delete(socket)
      if (this.byRemote.get(key) === socket) this.byRemote.delete(key)
      this.closedIn += socket.bytesRead
      this.closedOut += socket.bytesWritten
      const peer = this.peerOf.get(socket)
      this.peerOf.delete(socket)
      const counter = peer == null ? undefined : this.peers.get(peer)
      if (counter != null) {
        counter.in += socket.bytesRead
        counter.out += socket.bytesWritten
      }
    })
  }

  trackProtocolStream (stream: Stream): void {
    const protocol = stream.protocol
    if (protocol == null || protocol === '') return
    let counter = this.protocols.get(protocol)
    if (counter == null) this.protocols.set(protocol, counter = new Counter())
    const count = counter
    const send = stream.send
    stream.send = (data) => {
      count.out += data.byteLength
      return send.call(stream, data)
    }
    // onData is how a muxer hands a stream the bytes it read (AbstractMessageStream)
    const receiver = stream as Stream & { onData?: (data: { byteLength: number }) => void }
    const onData = receiver.onData
    if (typeof onData === 'function') {
      receiver.onData = (data) => {
        count.in += data.byteLength
        onData.call(stream, data)
      }
    }
  }

  registerMetric = register
  registerMetricGroup = register
  registerCounter = register
  registerCounterGroup = register
  registerHistogram = register
  registerHistogramGroup = register
  registerSummary = register
  registerSummaryGroup = register

  traceFunction<F> (_name: string, fn: F): F {
    return fn
  }

  createTrace (): undefined {
    return undefined
  }

  private totals (): { in: number, out: number } {
    let bytesIn = this.closedIn
    let bytesOut = this.closedOut
    for (const socket of this.open) {
      bytesIn += socket.bytesRead
      bytesOut += socket.bytesWritten
    }
    return { in: bytesIn, out: bytesOut }
  }

  private sample (): void {
    const now = performance.now()
    const totals = this.totals()
    const seconds = (now - this.last.at) / 1000
    if (seconds <= 0) return
    this.rateIn += RATE_ALPHA * ((totals.in - this.last.in) / seconds - this.rateIn)
    this.rateOut += RATE_ALPHA * ((totals.out - this.last.out) / seconds - this.rateOut)
    this.last = { at: now, ...totals }
    for (const counter of this.protocols.values()) counter.sample(counter.in, counter.out, seconds)
    for (const [peer, counter] of this.peers) {
      const t = this.peerTotals(peer, counter)
      counter.sample(t.in, t.out, seconds)
    }
  }

  /** A peer's bytes: its closed sockets' and its open ones'. */
  private peerTotals (peer: string, counter: Counter): { in: number, out: number } {
    let bytesIn = counter.in
    let bytesOut = counter.out
    for (const [socket, owner] of this.peerOf) {
      if (owner !== peer) continue
      bytesIn += socket.bytesRead
      bytesOut += socket.bytesWritten
    }
    return { in: bytesIn, out: bytesOut }
  }
}

/** `address:port` of a multiaddr's far end, as a socket names it (`remoteAddress:remotePort`). */
function remoteKey (addr: Multiaddr): string {
  let host = ''
  let port = ''
  for (const c of addr.getComponents()) {
    if (c.name === 'ip4' || c.name === 'ip6') host = c.value ?? ''
    if (c.name === 'tcp') port = c.value ?? ''
  }
  return `${host}:${port}`
}

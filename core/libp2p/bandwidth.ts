import { Socket } from 'node:net'
import { BANDWIDTH_SAMPLE_INTERVAL } from './constants.ts'
import type { Metrics, MultiaddrConnection } from '@libp2p/interface'

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

  trackMultiaddrConnection (maConn: MultiaddrConnection): void {
    const socket = (maConn as { socket?: unknown }).socket
    if (!(socket instanceof Socket) || this.open.has(socket)) return
    this.open.add(socket)
    socket.once('close', () => {
      this.open.delete(socket)
      this.closedIn += socket.bytesRead
      this.closedOut += socket.bytesWritten
    })
  }

  trackProtocolStream (): void {}

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
  }
}

/**
 * How one gateway request reads blocks: through the node's block service (never the store
 * directly), with the request's signal, `Gateway.NoFetch`, and the `Gateway.RetrievalTimeout`
 * watchdog.
 *
 * The watchdog measures time spent waiting for blocks, not time spent waiting for a slow client:
 * a request is late when at least one `get` is in flight and no block has arrived for the
 * timeout; it is then aborted with a `TimeoutError` (→ `504`, or a cut stream). One sweep timer
 * per server checks every request ({@link Watchdog}), so neither a request nor a block read costs
 * a timer of its own.
 */
import { abortError } from '../../errors/abort.ts'
import type { CID } from 'multiformats/cid'
import type { BlockGetter, GetOptions } from '../../blockstore/index.ts'
import type { BlockService } from '../../core/index.ts'
import { TimeoutError } from '../../errors/index.ts'

/** Options of {@link createRetrieval}. */
export interface RetrievalInit {
  /** Aborted when the client goes, the request takes too long, or the watchdog fires. */
  controller: AbortController
  /** Ask only the local store (`Gateway.NoFetch`). */
  offline: boolean
}

/** A block getter bound to one request. */
export interface Retrieval extends BlockGetter {
  /** The request's signal. */
  readonly signal: AbortSignal
  /** Reads only local blocks, whatever the configuration (content-type sniffing for ranges). */
  readonly local: BlockGetter
  /** `get` calls in flight. */
  readonly inFlight: number
  /** When a block last arrived, or the first of the gets in flight started (ms, `performance.now()`). */
  readonly lastProgress: number
}

/** The error a request's aborted signal stands for. */
export function reasonOf (signal: AbortSignal): Error {
  return abortError(signal, 'the request')
}

/**
 * Creates the block getter of one request. The block service honours the signal (as every
 * async operation of the core must), so a watchdog abort ends a pending read.
 */
export function createRetrieval (blocks: BlockService, init: RetrievalInit): Retrieval {
  const signal = init.controller.signal
  const state = { inFlight: 0, lastProgress: 0 }

  const read = async (cid: CID, options: GetOptions, offline: boolean): Promise<Uint8Array> => {
    const own = options.signal ?? signal
    if (own.aborted) throw reasonOf(own)
    if (state.inFlight++ === 0) state.lastProgress = performance.now()
    try {
      return await blocks.get(cid, { signal: own, offline, lend: options.lend })
    } catch (err) {
      throw own.aborted ? reasonOf(own) : err
    } finally {
      state.inFlight--
      state.lastProgress = performance.now()
    }
  }

  return {
    signal,
    get: async (cid, options = {}) => await read(cid, options, init.offline),
    release: (bytes) => { blocks.release?.(bytes) },
    keep: (bytes) => { blocks.keep?.(bytes) },
    local: { get: async (cid, options = {}) => await read(cid, options, true) },
    get inFlight () { return state.inFlight },
    get lastProgress () { return state.lastProgress }
  }
}

/** A request the watchdog looks after. */
interface Watched {
  controller: AbortController
  /** Called after the abort (the server cuts an answer that has started). */
  onTimeout: () => void
  started: number
  retrieval?: Retrieval
}

/**
 * The timeouts of every request of one server, checked by one sweep timer: a request whose
 * block reads made no progress for `retrievalTimeoutMs` (`Gateway.RetrievalTimeout`), or that
 * has run for `maxRequestDurationMs` (`Gateway.MaxRequestDuration`), is aborted with a
 * `TimeoutError`. A value of 0 disables that timeout.
 */
export class Watchdog {
  private readonly requests = new Set<Watched>()
  private readonly retrievalTimeoutMs: number
  private readonly maxRequestDurationMs: number
  private readonly periodMs: number
  private timer: NodeJS.Timeout | undefined

  constructor (init: { retrievalTimeoutMs: number, maxRequestDurationMs: number }) {
    this.retrievalTimeoutMs = init.retrievalTimeoutMs
    this.maxRequestDurationMs = init.maxRequestDurationMs
    const shortest = Math.min(...[init.retrievalTimeoutMs, init.maxRequestDurationMs].filter(ms => ms > 0))
    // a timeout fires at most a tenth of itself late (and at least every second)
    this.periodMs = Number.isFinite(shortest) ? Math.max(5, Math.min(1000, shortest / 10)) : 0
  }

  /** Watches a request until `done` is called. */
  watch (controller: AbortController, onTimeout: () => void): { attach: (retrieval: Retrieval) => void, done: () => void } {
    const watched: Watched = { controller, onTimeout, started: performance.now() }
    if (this.periodMs > 0) {
      this.requests.add(watched)
      if (this.timer == null) {
        this.timer = setInterval(() => { this.sweep() }, this.periodMs)
        this.timer.unref()
      }
    }
    return {
      attach: (retrieval) => { watched.retrieval = retrieval },
      done: () => { this.requests.delete(watched) }
    }
  }

  private sweep (): void {
    const now = performance.now()
    for (const watched of this.requests) {
      const { retrieval, controller } = watched
      if (controller.signal.aborted) continue
      if (this.maxRequestDurationMs > 0 && now - watched.started >= this.maxRequestDurationMs) {
        controller.abort(new TimeoutError(`the request took longer than the gateway allows (${this.maxRequestDurationMs} ms, Gateway.MaxRequestDuration)`))
        watched.onTimeout()
      } else if (this.retrievalTimeoutMs > 0 && retrieval != null && retrieval.inFlight > 0 && now - retrieval.lastProgress >= this.retrievalTimeoutMs) {
        controller.abort(new TimeoutError(`no block arrived within the gateway's retrieval timeout (${this.retrievalTimeoutMs} ms, Gateway.RetrievalTimeout)`))
        watched.onTimeout()
      }
    }
  }

  /** Stops the sweep timer (the server is closing). */
  stop (): void {
    if (this.timer != null) clearInterval(this.timer)
    this.timer = undefined
    this.requests.clear()
  }
}

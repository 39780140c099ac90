/**
 * The node's parts start in order and stop in reverse. A part that fails to start makes the
 * lifecycle stop every part that had started (in reverse) before the error goes on, so a node
 * that could not start holds no lock, port or file.
 *
 * Parts are anything with `start()` / `stop()` (both optional, both expected to be idempotent):
 * the repo (already open: only `stop`), the blockstore, the libp2p host, and later the DHT,
 * Bitswap and the reprovider. Background work belongs to a part and ends with its `stop()`.
 */
import { loggerFor, type ComponentLogger, type Logger } from '../logger/index.ts'

/** One part of the node. */
export interface Startable {
  /** Starts the part. Called once per {@link Lifecycle.start}; should be idempotent. */
  start?(): Promise<void> | void
  /** Stops the part and everything it started. Should be idempotent. */
  stop?(): Promise<void> | void
}

/** Collaborators of a {@link Lifecycle}. */
export interface LifecycleComponents {
  logger?: ComponentLogger
}

interface Entry {
  name: string
  part: Startable
  started: boolean
}

/** An ordered list of parts, started in order and stopped in reverse. */
export class Lifecycle {
  readonly #parts: Entry[] = []
  readonly #log: Logger
  #stopping: Promise<void> | undefined

  constructor (components: LifecycleComponents = {}) {
    this.#log = loggerFor(components.logger, 'cairn:core:lifecycle')
  }

  /**
   * Adds a part after the others. `started` marks one that is already running (the repo, opened
   * with its lock taken): it is not started again, but is stopped with the rest.
   */
  add (name: string, part: Startable, options: { started?: boolean } = {}): void {
    this.#parts.push({ name, part, started: options.started === true })
  }

  /** The names of the parts that are running, in start order. */
  get started (): string[] {
    return this.#parts.filter(p => p.started).map(p => p.name)
  }

  /**
   * Starts every part not yet started, in order. When one fails, stops every started part in
   * reverse and throws the failure (a failure while stopping is logged, not thrown over it).
   */
  async start (): Promise<void> {
    for (const entry of this.#parts) {
      if (entry.started) continue
      this.#log('starting %s', entry.name)
      try {
        await entry.part.start?.()
      } catch (err) {
        this.#log.error('%s failed to start, stopping what had started: %e', entry.name, err)
        await this.stop().catch((stopErr: unknown) => {
          // the start failure is the error the caller needs; this one is in the log
          this.#log.error('stopping after a failed start also failed: %e', stopErr)
        })
        throw err
      }
      entry.started = true
    }
  }

  /**
   * Stops every started part in reverse order. Each part is stopped even when an earlier one
   * fails; the first failure is thrown once all are stopped. Idempotent.
   */
  async stop (): Promise<void> {
    if (this.#stopping != null) {
      await this.#stopping
      return
    }
    this.#stopping = (async () => {
      let failure: unknown
      for (const entry of [...this.#parts].reverse()) {
        if (!entry.started) continue
        this.#log('stopping %s', entry.name)
        try {
          await entry.part.stop?.()
        } catch (err) {
          this.#log.error('%s failed to stop: %e', entry.name, err)
          failure ??= err
        }
        entry.started = false
      }
      if (failure != null) throw failure
    })()
    try {
      await this.#stopping
    } finally {
      this.#stopping = undefined
    }
  }
}

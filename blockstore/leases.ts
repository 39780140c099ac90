/**
 * GC safety as a primitive: a writer-preferring read-write lock.
 *
 * Adds, pin fetches and (later) Bitswap sessions take a shared lease for as long as they write
 * blocks that no pin reaches yet, and release it once the root is pinned. GC takes the exclusive
 * side for its mark and sweep: it waits for every shared lease to end, and leases asked for while
 * GC waits or runs queue behind it (writer preference), so a steady stream of adds cannot starve
 * GC and GC never sees half of an add.
 *
 * Why a lock and not per-root leases that GC marks: a running add does not know its root until
 * the end (the layout builds parents last), so "everything written under a lease" is the only
 * set GC could respect, and excluding GC while any add writes is the simple way to respect it.
 *
 * Leases are not re-entrant: code that holds one must not ask for another while GC could be
 * waiting (it would queue behind GC, which waits for the first). Pass the held lease down instead.
 */
import { abortError, throwIfAborted } from '../errors/abort.ts'
import type { AbortOptions } from './types.ts'

/** A held lease. `release()` is idempotent; call it in `finally`. */
export interface Lease {
  release(): void
}

/** The lease lock shared by writers (shared side) and GC (exclusive side). */
export interface Leases {
  /** A shared lease: waits only while GC holds or waits for the exclusive one. */
  acquire(options?: AbortOptions): Promise<Lease>
  /** The exclusive lease: waits for every shared lease to be released. */
  exclusive(options?: AbortOptions): Promise<Lease>
  /** Shared leases held now. */
  readonly shared: number
  /** True while the exclusive lease is held. */
  readonly exclusiveHeld: boolean
}

interface Waiter {
  exclusive: boolean
  grant: () => void
}

/** Creates the lease lock; the node makes one and hands it to adds, pins and GC. */
export function createLeases (): Leases {
  return new LeaseLock()
}

class LeaseLock implements Leases {
  #shared = 0
  #exclusive = false
  readonly #queue: Waiter[] = []

  get shared (): number {
    return this.#shared
  }

  get exclusiveHeld (): boolean {
    return this.#exclusive
  }

  async acquire (options: AbortOptions = {}): Promise<Lease> {
    return await this.#wait(false, options)
  }

  async exclusive (options: AbortOptions = {}): Promise<Lease> {
    return await this.#wait(true, options)
  }

  async #wait (exclusive: boolean, options: AbortOptions): Promise<Lease> {
    const signal = options.signal
    throwIfAborted(signal)
    return await new Promise<Lease>((resolve, reject) => {
      const waiter: Waiter = {
        exclusive,
        grant: () => {
          signal?.removeEventListener('abort', onAbort)
          resolve(this.#lease(exclusive))
        }
      }
      const onAbort = (): void => {
        const i = this.#queue.indexOf(waiter)
        if (i === -1) return
        this.#queue.splice(i, 1)
        // only registered when there is a signal
        reject(abortError(signal as AbortSignal))
        // a shared waiter may have been queued only behind this exclusive one
        this.#drain()
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      this.#queue.push(waiter)
      this.#drain()
    })
  }

  #lease (exclusive: boolean): Lease {
    if (exclusive) this.#exclusive = true
    else this.#shared++
    let released = false
    return {
      release: () => {
        if (released) return
        released = true
        if (exclusive) this.#exclusive = false
        else this.#shared--
        this.#drain()
      }
    }
  }

  /** Grants waiters in arrival order for as long as the head of the queue can be granted. */
  #drain (): void {
    while (this.#queue.length > 0 && !this.#exclusive) {
      const head = this.#queue[0]
      if (head.exclusive && this.#shared > 0) return
      this.#queue.shift()
      head.grant()
    }
  }
}

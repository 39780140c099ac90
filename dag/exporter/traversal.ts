/**
 * Depth-first traversal with bounded read-ahead: the engine behind `cat`, directory listings and
 * HAMT walks.
 *
 * A traversal is a sequence of steps in depth-first order. A step is either a value, ready to be
 * yielded, or a block to fetch; once a fetched block reaches the head of the sequence, `expand`
 * turns it into the steps that replace it (a file node into the leaves that overlap the range, a
 * HAMT shard into its entries and sub-shards). Only blocks that some step asks for are fetched.
 *
 * Read-ahead: the first {@link READ_AHEAD_BLOCKS} fetch steps in depth-first order are fetched
 * ahead of the consumer, and never more than {@link READ_AHEAD_BLOCKS} `get` calls are in flight.
 * A block fetched ahead waits for the consumer; an expansion can push fetched blocks further back,
 * so at most `READ_AHEAD_BLOCKS` blocks wait per level of the DAG: memory is bounded by the
 * constant times the depth, whatever the file size. When the consumer stops (break, error), the
 * traversal aborts the gets in flight and starts no more.
 */

import type { CID } from 'multiformats/cid'
import type { AbortOptions, BlockGetter } from '../../blockstore/types.ts'
import { AbortedError } from '../../errors/index.ts'
import { fetchBlock } from './node.ts'

/**
 * How many blocks the exporter fetches ahead of its consumer, and the most `get` calls it has in
 * flight at once for one traversal.
 */
export const READ_AHEAD_BLOCKS = 8

/** One step of a traversal: a value to yield, or a block to fetch and expand. */
export type Step<M, O> =
  | { value: O, fetch?: undefined }
  | { fetch: CID, meta: M, value?: undefined }

/**
 * Turns a fetched block into the steps that take its place, in order. May throw; the error reaches
 * the consumer when the traversal gets there.
 */
export type Expand<M, O> = (cid: CID, bytes: Uint8Array, meta: M) => Array<Step<M, O>>

interface Slot<M, O> {
  step: Step<M, O>
  /** The block's bytes, once the fetch has been started. */
  bytes?: Promise<Uint8Array>
}

interface Frame<M, O> {
  /** Consumed slots are cleared so their blocks can be collected. */
  slots: Array<Slot<M, O> | undefined>
  next: number
}

/** A counting semaphore; `front` lets the step the consumer waits for go first. */
class FetchLimit {
  private running = 0
  private readonly waiters: Array<() => void> = []
  private readonly max: number

  constructor (max: number) {
    this.max = max
  }

  async acquire (front: boolean): Promise<void> {
    if (this.running < this.max) {
      this.running++
      return
    }
    await new Promise<void>(resolve => {
      if (front) this.waiters.unshift(resolve)
      else this.waiters.push(resolve)
    })
  }

  release (): void {
    const next = this.waiters.shift()
    if (next != null) {
      next()
    } else {
      this.running--
    }
  }
}

/**
 * Runs a traversal from `initial`, yielding values in order.
 *
 * @param initial - the first steps (often the expansion of a root block the caller already has)
 * @param getter - where blocks come from
 * @param expand - turns a fetched block into its steps
 */
export async function * traverse<M, O> (
  initial: Array<Step<M, O>>,
  getter: BlockGetter,
  expand: Expand<M, O>,
  options: AbortOptions = {}
): AsyncGenerator<O, void, undefined> {
  const stop = new AbortController()
  const signal = options.signal == null ? stop.signal : AbortSignal.any([options.signal, stop.signal])
  const limit = new FetchLimit(READ_AHEAD_BLOCKS)
  const frames: Array<Frame<M, O>> = [{ slots: initial.map(step => ({ step })), next: 0 }]
  let unsettled = 0
  let finished = false

  const start = (slot: Slot<M, O>, front: boolean): Promise<Uint8Array> => {
    const cid = slot.step.fetch as CID
    unsettled++
    const bytes = (async () => {
      await limit.acquire(front)
      try {
        if (finished) {
          throw new AbortedError('the traversal has stopped')
        }
        return await fetchBlock(getter, cid, { signal })
      } finally {
        limit.release()
      }
    })()
    slot.bytes = bytes
    // this handler also keeps a rejection nobody waits for (after a stop) from being "unhandled"
    bytes.then(settled, settled)
    return bytes
  }

  // starts the first READ_AHEAD_BLOCKS fetch steps in depth-first order that are not started yet
  const fill = (): void => {
    let seen = 0
    for (let f = frames.length - 1; f >= 0; f--) {
      const frame = frames[f]
      for (let i = frame.next; i < frame.slots.length; i++) {
        if (finished || unsettled >= READ_AHEAD_BLOCKS) return
        const slot = frame.slots[i]
        if (slot?.step.fetch == null) continue
        if (++seen > READ_AHEAD_BLOCKS) return
        if (slot.bytes == null) start(slot, false)
      }
    }
  }

  function settled (): void {
    unsettled--
    fill()
  }

  try {
    fill()
    while (frames.length > 0) {
      const frame = frames[frames.length - 1]
      if (frame.next >= frame.slots.length) {
        frames.pop()
        continue
      }
      const slot = frame.slots[frame.next] as Slot<M, O>
      frame.slots[frame.next++] = undefined
      const { step } = slot
      if (step.fetch == null) {
        yield step.value as O
        continue
      }
      const bytes = await (slot.bytes ?? start(slot, true))
      const steps = expand(step.fetch, bytes, step.meta)
      if (steps.length > 0) {
        frames.push({ slots: steps.map(s => ({ step: s })), next: 0 })
      }
      fill()
    }
  } finally {
    finished = true
    stop.abort()
  }
}

/**
 * The one DAG walker: depth first, ordered, with bounded read-ahead. Pins, GC, refs, `dag
 * export`, `dag stat`, the gateway's CAR answers and the exporter (`cat`, directory listings,
 * HAMT walks) all run on it.
 *
 * {@link traverse} is the engine. A traversal is a sequence of steps in depth-first order; a step
 * is either a value, ready to be yielded, or a block to load. Once a loaded block reaches the
 * head of the sequence, `expand` turns it into the steps that replace it (for a plain walk: the
 * block itself, then one step per link; for `cat`: the file's bytes and the leaves that overlap
 * the range). Only blocks that some step asks for are loaded.
 *
 * Read-ahead: the first `readAhead` load steps in depth-first order are started ahead of the
 * consumer, and never more than `readAhead` loads are in flight (the one the consumer waits for
 * goes first). An expansion can push loaded blocks further back, so at most `readAhead` blocks
 * wait per level of the DAG: memory is bounded by the window times the depth, not by the DAG's
 * size. When the consumer stops (break, error, abort), the loads in flight are aborted and no
 * more start.
 *
 * {@link walkDag} is the plain walk on top: every block under the roots, parent before children,
 * children in link order ({@link linksOf}, or the caller's `children`), optionally each once.
 */
import { CID } from 'multiformats/cid'
import { AbortedError } from '../errors/index.ts'
import { IDENTITY } from './codes.ts'
import { DEFAULT_WALK_READ_AHEAD } from './constants.ts'
import { linksOf } from './links.ts'
import type { AbortOptions } from './types.ts'

/**
 * Loads a block for a walk. Returns its bytes, or whatever the caller's `expand` needs (pins
 * and GC return `undefined` for a leaf they need not read).
 */
export type BlockLoader<B = Uint8Array> = (cid: CID, options: AbortOptions) => Promise<B>

/** One step of a traversal: a value to yield, or a block to load and expand. */
export type Step<M, O> =
  | { value: O, fetch?: undefined }
  | { fetch: CID, meta: M, value?: undefined }

/**
 * Turns a loaded block into the steps that take its place, in order. May throw; the error
 * reaches the consumer (or `onError`) when the traversal gets there.
 */
export type Expand<M, O, B = Uint8Array> = (cid: CID, loaded: B, meta: M) => Array<Step<M, O>>

/** Which nodes a traversal visits once: those with a key, by key, in `seen`. */
export interface Dedupe {
  /** Keys of the nodes visited (shared between walks, it skips their common subgraphs). */
  seen: Set<string>
  /** The key of a node, or `undefined` for a node visited every time it is met. */
  key(cid: CID): string | undefined
}

/** Options of {@link traverse}. */
export interface TraverseOptions extends AbortOptions {
  /** Loads started ahead of the consumer, and the most in flight. Default {@link DEFAULT_WALK_READ_AHEAD}. */
  readAhead?: number
  /**
   * Visit each node once: a load step whose key is in `seen` when it reaches the head is skipped
   * with what is under it (the first visit in depth-first order wins). Default: no dedupe.
   */
  dedupe?: Dedupe
  /**
   * When set, a block that fails to load or expand is reported here and skipped with what is
   * under it, instead of ending the traversal. It may throw to end it. Aborts always end it.
   */
  onError?(cid: CID, err: Error): void
}

interface Slot<M, O, B> {
  step: Step<M, O>
  /** The dedupe key of a load step, once computed (`null`: none). */
  key?: string | null
  /** The load, once started. */
  loaded?: Promise<B>
}

interface Frame<M, O, B> {
  /** Consumed slots are cleared so their blocks can be collected. */
  slots: Array<Slot<M, O, B> | undefined>
  next: number
}

/** A counting semaphore; `front` lets the load the consumer waits for go first. */
class LoadLimit {
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

function throwIfAborted (signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) {
    throw new AbortedError('the DAG walk was aborted', { cause: signal.reason })
  }
}

/**
 * Runs a traversal from `initial`, yielding its values in order.
 *
 * @param initial - the first steps (often the expansion of a root block the caller already has)
 * @param load - where blocks come from (identity CIDs included: see {@link loadBlockBytes})
 * @param expand - turns a loaded block into its steps
 */
export async function * traverse<M, O, B = Uint8Array> (
  initial: Array<Step<M, O>>,
  load: BlockLoader<B>,
  expand: Expand<M, O, B>,
  options: TraverseOptions = {}
): AsyncGenerator<O, void, undefined> {
  const readAhead = Math.max(1, options.readAhead ?? DEFAULT_WALK_READ_AHEAD)
  const { dedupe, onError } = options
  const stop = new AbortController()
  const signal = options.signal == null ? stop.signal : AbortSignal.any([options.signal, stop.signal])
  const limit = new LoadLimit(readAhead)
  const frames: Array<Frame<M, O, B>> = [{ slots: initial.map(step => ({ step })), next: 0 }]
  let unsettled = 0
  let finished = false

  const keyOf = (slot: Slot<M, O, B>): string | null => {
    if (slot.key === undefined) slot.key = dedupe?.key(slot.step.fetch as CID) ?? null
    return slot.key
  }
  const visited = (slot: Slot<M, O, B>): boolean => {
    const key = keyOf(slot)
    return key != null && dedupe != null && dedupe.seen.has(key)
  }

  const start = (slot: Slot<M, O, B>, front: boolean): Promise<B> => {
    const cid = slot.step.fetch as CID
    unsettled++
    const loaded = (async () => {
      await limit.acquire(front)
      try {
        if (finished) throw new AbortedError('the DAG walk has stopped')
        return await load(cid, { signal })
      } finally {
        limit.release()
      }
    })()
    slot.loaded = loaded
    // this handler also keeps a rejection nobody waits for (after a stop) from being "unhandled"
    loaded.then(settled, settled)
    return loaded
  }

  // starts the first `readAhead` load steps in depth-first order that are not started yet
  const fill = (): void => {
    let counted = 0
    for (let f = frames.length - 1; f >= 0; f--) {
      const frame = frames[f]
      for (let i = frame.next; i < frame.slots.length; i++) {
        if (finished || unsettled >= readAhead) return
        const slot = frame.slots[i]
        if (slot?.step.fetch == null || visited(slot)) continue
        if (++counted > readAhead) return
        if (slot.loaded == null) start(slot, false)
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
      const slot = frame.slots[frame.next] as Slot<M, O, B>
      frame.slots[frame.next++] = undefined
      const { step } = slot
      if (step.fetch == null) {
        yield step.value as O
        continue
      }
      throwIfAborted(options.signal)
      if (visited(slot)) continue
      const key = keyOf(slot)
      if (key != null) dedupe?.seen.add(key)
      let steps: Array<Step<M, O>>
      try {
        steps = expand(step.fetch, await (slot.loaded ?? start(slot, true)), step.meta)
      } catch (err) {
        throwIfAborted(options.signal)
        if (onError == null) throw err
        onError(step.fetch, err as Error)
        fill()
        continue
      }
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

/** A node to walk from, with what the walk carries along for it (`meta`). */
export interface WalkNode<M> {
  cid: CID
  meta: M
}

/** A block as {@link walkDag} yields it. */
export interface WalkedBlock<M = undefined, B = Uint8Array> {
  cid: CID
  /** What the loader returned: the block's bytes (pins and GC skip reading leaves: `undefined`). */
  bytes: B
  meta: M
}

/** Options of {@link walkDag}. */
export interface WalkOptions<M = undefined, B = Uint8Array> extends TraverseOptions {
  /** Where blocks come from. */
  load: BlockLoader<B>
  /**
   * The nodes a block leads to, in order. Default: its links ({@link linksOf}; none when the
   * loader returned no bytes), each with the parent's `meta`.
   */
  children?(cid: CID, loaded: B, meta: M): Array<WalkNode<M>>
}

/**
 * Visits the DAGs under `roots` depth first, parent before children, children in order,
 * yielding each block once it is loaded. Identity CIDs are loaded like any other (see
 * {@link loadBlockBytes}); whoever writes blocks out decides whether to skip them.
 */
export async function * walkDag<M = undefined, B = Uint8Array> (
  roots: ReadonlyArray<CID | WalkNode<M>>,
  options: WalkOptions<M, B>
): AsyncGenerator<WalkedBlock<M, B>, void, undefined> {
  const children = options.children ?? ((cid: CID, loaded: B, meta: M): Array<WalkNode<M>> =>
    loaded instanceof Uint8Array ? linksOf(cid, loaded).map(link => ({ cid: link, meta })) : [])
  const fetchStep = (node: CID | WalkNode<M>): Step<M, WalkedBlock<M, B>> => {
    const cid = CID.asCID(node)
    return cid != null ? { fetch: cid, meta: undefined as M } : { fetch: (node as WalkNode<M>).cid, meta: (node as WalkNode<M>).meta }
  }
  const expand = (cid: CID, bytes: B, meta: M): Array<Step<M, WalkedBlock<M, B>>> => {
    const next = children(cid, bytes, meta)
    const steps: Array<Step<M, WalkedBlock<M, B>>> = [{ value: { cid, bytes, meta } }]
    for (const node of next) steps.push({ fetch: node.cid, meta: node.meta })
    return steps
  }
  yield * traverse(roots.map(fetchStep), options.load, expand, options)
}

/** The bytes of `cid`: the digest of an identity CID (the block is inlined), otherwise from `get`. */
export async function loadBlockBytes (
  cid: CID,
  getter: { get(cid: CID, options?: AbortOptions): Promise<Uint8Array> },
  options: AbortOptions = {}
): Promise<Uint8Array> {
  if (cid.multihash.code === IDENTITY) return cid.multihash.digest
  return getter.get(cid, options)
}

/**
 * A key that tells DAG nodes apart: the CIDv1 bytes. A raw and a dag-pb CID of the same
 * multihash are different nodes (one has links, the other not); CIDv0 and its CIDv1 are one.
 */
export function nodeKey (cid: CID): string {
  const bytes = cid.version === 0 ? cid.toV1().bytes : cid.bytes
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1')
}

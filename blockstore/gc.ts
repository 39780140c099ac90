/**
 * Garbage collection: mark every block reachable from a recursive pin, plus every direct pin;
 * sweep every other block; then compact the pack files.
 *
 * Mark and sweep run under the exclusive lease (`leases.ts`), so no add or pin fetch writes
 * meanwhile and every block such a writer stored before GC began is pinned by the time GC looks.
 * They never wait for whoever reads the removed CIDs: the lease is held only for GC's own work.
 * Compaction runs after the lease is released: it only moves bytes, alongside new writes.
 *
 * A pinned block that cannot be read (missing, corrupt, unknown codec) aborts GC before anything
 * is deleted: its children could not be marked, and deleting them would lose pinned data.
 */
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { AbortedError, IncompleteDAGError } from '../errors/index.ts'
import { DEFAULT_GC_DELETE_BATCH, DEFAULT_GC_REPORT_BUFFER, DEFAULT_WALK_CONCURRENCY } from './constants.ts'
import { RAW } from './codes.ts'
import { nodeKey, walkDag } from './dag-walk.ts'
import { isLeafCodec } from './links.ts'
import { loggerFor, type ComponentLogger, type Logger } from '../logger/index.ts'
import type { Leases } from './leases.ts'
import type { Pins } from './pins.ts'
import type { AbortOptions, Blockstore, CompactResult } from './types.ts'

/** Collaborators of GC. `pins` must read from `blockstore`; writers take leases from `leases`. */
export interface GcComponents {
  blockstore: Blockstore & { compact?(options?: AbortOptions): Promise<CompactResult> }
  pins: Pins
  leases: Leases
  /** Logs as `cairn:blockstore:gc`. Default: silent. */
  logger?: ComponentLogger
  /**
   * Roots GC keeps besides the pins, read under the exclusive lease (the MFS root). Their DAGs
   * are kept as far as they are present: a block missing under them is skipped, not an error,
   * since an MFS copy (`files cp /ipfs/…`) is lazy. Default: none.
   */
  extraRoots?: (options: AbortOptions) => Promise<CID[]>
}

/** Options of GC. */
export interface GcInit {
  /** Blocks read at once while marking. Default {@link DEFAULT_WALK_CONCURRENCY} (8). */
  walkConcurrency?: number
  /** Blocks deleted per index batch. Default {@link DEFAULT_GC_DELETE_BATCH} (1024). */
  deleteBatch?: number
  /**
   * Removed CIDs kept for a caller that reads slower than GC removes; past this they are only
   * counted. Default {@link DEFAULT_GC_REPORT_BUFFER} (65536).
   */
  reportBuffer?: number
}

/** Resolves {@link GcInit} against its defaults. */
export function resolveGcInit (init: GcInit = {}): Required<GcInit> {
  const resolved = {
    walkConcurrency: init.walkConcurrency ?? DEFAULT_WALK_CONCURRENCY,
    deleteBatch: init.deleteBatch ?? DEFAULT_GC_DELETE_BATCH,
    reportBuffer: init.reportBuffer ?? DEFAULT_GC_REPORT_BUFFER
  }
  for (const [name, value] of Object.entries(resolved)) {
    if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer`)
  }
  return resolved
}

export interface GcOptions extends AbortOptions {
  /** Skip compacting the pack files after the sweep. Default false. */
  skipCompaction?: boolean
}

/** What a GC run did, returned when its iterable ends. */
export interface GcSummary {
  /** Blocks removed. */
  removed: number
  /** Removed blocks that were not yielded, because the caller read slower than GC removed. */
  unreported: number
}

/** Garbage collection over one blockstore and its pins. */
export interface GarbageCollector {
  /**
   * Runs GC: waits for running writers, marks, removes every unpinned block (yielding each as a
   * CIDv1 raw, as blocks are stored by multihash), then compacts. Mark and sweep run at their own
   * pace under the exclusive lease, never waiting for the caller: removed CIDs wait in a buffer of
   * at most `reportBuffer` entries, and past that are only counted (see {@link GcSummary}). So a
   * caller that reads slowly (an RPC client that does not read its answer) cannot keep adds out.
   * Stopping early aborts the run.
   */
  collect(options?: GcOptions): AsyncGenerator<CID, GcSummary>
}

/** Creates the garbage collector. */
export function createGc (components: GcComponents, init: GcInit = {}): GarbageCollector {
  return new MarkAndSweep(components, resolveGcInit(init))
}

function mhKey (multihash: Uint8Array): string {
  return Buffer.from(multihash.buffer, multihash.byteOffset, multihash.byteLength).toString('latin1')
}

class MarkAndSweep implements GarbageCollector {
  readonly #components: GcComponents
  readonly #init: Required<GcInit>
  readonly #log: Logger

  constructor (components: GcComponents, init: Required<GcInit>) {
    this.#components = components
    this.#init = init
    this.#log = loggerFor(components.logger, 'cairn:blockstore:gc')
  }

  async * collect (options: GcOptions = {}): AsyncGenerator<CID, GcSummary> {
    const stop = new AbortController()
    const signal = options.signal == null ? stop.signal : AbortSignal.any([options.signal, stop.signal])
    const summary: GcSummary = { removed: 0, unreported: 0 }
    let buffer: CID[] = []
    let head = 0
    let finished = false
    let failure: unknown
    let wake: (() => void) | undefined
    const run = this.#run({ ...options, signal }, (cids) => {
      summary.removed += cids.length
      const room = Math.max(0, this.#init.reportBuffer - (buffer.length - head))
      if (room < cids.length) summary.unreported += cids.length - room
      for (const cid of cids.slice(0, room)) buffer.push(cid)
      wake?.()
    }).then(
      () => { finished = true },
      (err: unknown) => { failure = err; finished = true }
    ).finally(() => { wake?.() })
    try {
      while (true) {
        if (head < buffer.length) {
          const cid = buffer[head++]
          if (head >= 1024 && head * 2 >= buffer.length) {
            buffer = buffer.slice(head)
            head = 0
          }
          yield cid
          continue
        }
        if (finished) break
        await new Promise<void>(resolve => { wake = resolve })
        wake = undefined
      }
      if (failure != null) throw failure
      return summary
    } finally {
      if (!finished) {
        stop.abort(new AbortedError('gc was stopped by its caller'))
        await run
      }
    }
  }

  /** Mark and sweep under the exclusive lease, reporting each deleted batch; then compaction. */
  async #run (options: GcOptions & { signal: AbortSignal }, onRemoved: (cids: CID[]) => void): Promise<void> {
    const { blockstore, leases } = this.#components
    this.#log('gc: waiting for running writers')
    const lease = await leases.exclusive(options)
    let removed = 0
    try {
      this.#log('gc: marking')
      const marked = await this.#mark(options)
      this.#log('gc: %d blocks are pinned; sweeping', marked.size)
      let batch: Uint8Array[] = []
      const sweep = async (): Promise<void> => {
        const cids = batch.map(multihash => CID.createV1(RAW, Digest.decode(multihash)))
        batch = []
        await blockstore.deleteMany(cids, options)
        removed += cids.length
        onRemoved(cids)
      }
      for await (const multihash of blockstore.multihashes(options)) {
        if (marked.has(mhKey(multihash))) continue
        batch.push(multihash)
        if (batch.length >= this.#init.deleteBatch) await sweep()
      }
      if (batch.length > 0) await sweep()
    } finally {
      lease.release()
      this.#log('gc: removed %d blocks', removed)
    }
    if (options.skipCompaction !== true && blockstore.compact != null) {
      const compacted = await blockstore.compact(options)
      this.#log('gc: compaction deleted %d packs, rewrote %d, reclaimed %d bytes', compacted.packsDeleted, compacted.packsRewritten, compacted.bytesReclaimed)
    }
  }

  /** Multihashes (as latin1 strings) of every block a pin keeps. */
  async #mark (options: AbortOptions): Promise<Set<string>> {
    const { blockstore, pins } = this.#components
    const marked = new Set<string>()
    const seen = new Set<string>()
    for await (const pin of pins.ls({ type: 'direct', signal: options.signal })) {
      marked.add(mhKey(pin.cid.multihash.bytes))
    }
    const roots: CID[] = []
    for await (const pin of pins.ls({ type: 'recursive', signal: options.signal })) roots.push(pin.cid)
    const extra = await this.#components.extraRoots?.(options) ?? []
    /**
     * Marks everything reachable from `root`. A missing block under a pin aborts the GC (what
     * it links to cannot be told apart from garbage); under an extra root (MFS) it is skipped,
     * as that tree may rightly hold links to content never fetched.
     */
    const markFrom = async (root: CID, pinned: boolean): Promise<void> => {
      const walk = walkDag([root], {
        signal: options.signal,
        dedupe: { seen, key: nodeKey },
        readAhead: this.#init.walkConcurrency,
        load: async (cid, opts): Promise<Uint8Array | undefined> => {
          // raw leaves have no links: marking them needs no read
          if (isLeafCodec(cid.code)) return undefined
          try {
            return await blockstore.get(cid, opts)
          } catch (err) {
            if ((err as Error).name !== 'BlockNotFoundError') throw err
            if (!pinned) return undefined
            throw new IncompleteDAGError(`gc aborted, nothing was removed: block ${cid} under pin ${root} is ` +
              "missing, so what it links to cannot be told apart from garbage. Run 'pin verify'.", { cause: err })
          }
        }
      })
      for await (const { cid } of walk) marked.add(mhKey(cid.multihash.bytes))
    }
    for (const root of extra) await markFrom(root, false)
    for (const root of roots) await markFrom(root, true)
    return marked
  }
}

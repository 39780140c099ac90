/**
 * Garbage collection: mark every block reachable from a recursive pin, plus every direct pin;
 * sweep every other block; then compact the pack files.
 *
 * Mark and sweep run under the exclusive lease (`leases.ts`), so no add or pin fetch writes
 * meanwhile and every block such a writer stored before GC began is pinned by the time GC looks.
 * Compaction runs after the lease is released: it only moves bytes, alongside new writes.
 *
 * A pinned block that cannot be read (missing, corrupt, unknown codec) aborts GC before anything
 * is deleted: its children could not be marked, and deleting them would lose pinned data.
 */
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { IncompleteDAGError } from '../errors/index.ts'
import { DEFAULT_GC_DELETE_BATCH, DEFAULT_WALK_CONCURRENCY } from './constants.ts'
import { RAW } from './codes.ts'
import { nodeKey, walkDag } from './dag-walk.ts'
import { isLeafCodec } from './links.ts'
import type { Leases } from './leases.ts'
import type { Pins } from './pins.ts'
import type { AbortOptions, Blockstore, CompactResult } from './types.ts'

/** Collaborators of GC. `pins` must read from `blockstore`; writers take leases from `leases`. */
export interface GcComponents {
  blockstore: Blockstore & { compact?(options?: AbortOptions): Promise<CompactResult> }
  pins: Pins
  leases: Leases
}

/** Options of GC. */
export interface GcInit {
  /** Blocks read at once while marking. Default {@link DEFAULT_WALK_CONCURRENCY} (8). */
  walkConcurrency?: number
  /** Blocks deleted per index batch. Default {@link DEFAULT_GC_DELETE_BATCH} (1024). */
  deleteBatch?: number
}

/** Resolves {@link GcInit} against its defaults. */
export function resolveGcInit (init: GcInit = {}): Required<GcInit> {
  const resolved = {
    walkConcurrency: init.walkConcurrency ?? DEFAULT_WALK_CONCURRENCY,
    deleteBatch: init.deleteBatch ?? DEFAULT_GC_DELETE_BATCH
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

/** Garbage collection over one blockstore and its pins. */
export interface GarbageCollector {
  /**
   * Runs GC: waits for running writers, marks, removes every unpinned block (yielding each as a
   * CIDv1 raw, as blocks are stored by multihash), then compacts. Consume the iterable to the
   * end: mark and sweep hold the exclusive lease until it is drained or abandoned.
   */
  collect(options?: GcOptions): AsyncGenerator<CID>
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

  constructor (components: GcComponents, init: Required<GcInit>) {
    this.#components = components
    this.#init = init
  }

  async * collect (options: GcOptions = {}): AsyncGenerator<CID> {
    const { blockstore, leases } = this.#components
    const lease = await leases.exclusive(options)
    try {
      const marked = await this.#mark(options)
      let batch: Uint8Array[] = []
      const sweep = async function * (): AsyncGenerator<CID> {
        const cids = batch.map(multihash => CID.createV1(RAW, Digest.decode(multihash)))
        batch = []
        await blockstore.deleteMany(cids, options)
        yield * cids
      }
      for await (const multihash of blockstore.multihashes(options)) {
        if (marked.has(mhKey(multihash))) continue
        batch.push(multihash)
        if (batch.length >= this.#init.deleteBatch) yield * sweep()
      }
      if (batch.length > 0) yield * sweep()
    } finally {
      lease.release()
    }
    if (options.skipCompaction !== true && blockstore.compact != null) {
      await blockstore.compact(options)
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
    for (const root of roots) {
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
            throw new IncompleteDAGError(`gc aborted, nothing was removed: block ${cid} under pin ${root} is ` +
              "missing, so what it links to cannot be told apart from garbage. Run 'pin verify'.", { cause: err })
          }
        }
      })
      for await (const { cid } of walk) marked.add(mhKey(cid.multihash.bytes))
    }
    return marked
  }
}

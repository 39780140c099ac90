/**
 * Walking a DAG: blocks in depth-first pre-order (what `dag export` writes), `refs` in Kubo's
 * order, `dag stat`, and the blocks of a DAG that are not stored yet.
 *
 * Links are read with {@link namedLinksOf}; identity CIDs are answered from the CID itself and
 * never asked of the getter.
 */
import { throwIfAborted } from '../errors/abort.ts'
import type { CID } from 'multiformats/cid'
import type { AbortOptions, Block, BlockGetter } from '../blockstore/types.ts'
import { IDENTITY } from './hashes.ts'
import { namedLinksOf } from './links.ts'

/** How many blocks {@link walkDag} fetches ahead of the one it yields. */
export const DEFAULT_WALK_READ_AHEAD = 16

function checkAborted (signal: AbortSignal | undefined): void {
  throwIfAborted(signal, 'the DAG walk')
}

/** The bytes of `cid`: the digest of an identity CID, otherwise from `getter`. */
export async function loadBlockBytes (cid: CID, getter: BlockGetter, options: AbortOptions = {}): Promise<Uint8Array> {
  if (cid.multihash.code === IDENTITY) {
    return cid.multihash.digest
  }
  return getter.get(cid, options)
}

/** Options of {@link walkDag}. */
export interface WalkDagOptions extends AbortOptions {
  /** Yield each block once (the first time DFS reaches it). Default true. */
  dedupe?: boolean
  /**
   * Skip blocks the getter reports as `BlockNotFoundError`, and what is below them (Kubo's
   * `dag export --local-only` with an offline getter). Default false: the walk fails.
   */
  skipMissing?: boolean
  /** Blocks fetched ahead of the one being yielded. Default {@link DEFAULT_WALK_READ_AHEAD}. */
  readAhead?: number
}

/**
 * The blocks of the DAGs under `roots`, depth first, parent before children, children in link
 * order; identity blocks are included (the caller decides whether to write them). Memory holds
 * the DFS stack of CIDs, the `dedupe` set, and at most `readAhead` prefetched blocks.
 */
export async function * walkDag (roots: readonly CID[], getter: BlockGetter, options: WalkDagOptions = {}): AsyncGenerator<Block> {
  const dedupe = options.dedupe ?? true
  const readAhead = Math.max(0, options.readAhead ?? DEFAULT_WALK_READ_AHEAD)
  // one controller for the prefetches, aborted when the walk ends for any reason
  const controller = new AbortController()
  const signal = options.signal == null ? controller.signal : AbortSignal.any([options.signal, controller.signal])
  const seen = new Set<string>()
  const stack: CID[] = [...roots].reverse()
  const pending = new Map<string, Promise<Uint8Array | undefined>>()

  const fetch = async (cid: CID): Promise<Uint8Array | undefined> => {
    try {
      return await loadBlockBytes(cid, getter, { signal })
    } catch (err) {
      if (options.skipMissing === true && (err as Error)?.name === 'BlockNotFoundError') return undefined
      throw err
    }
  }

  const prefetch = (): void => {
    for (let i = stack.length - 1; i >= 0 && pending.size < readAhead; i--) {
      const cid = stack[i]
      const key = cid.toString()
      if (pending.has(key) || (dedupe && seen.has(key)) || cid.multihash.code === IDENTITY) continue
      const p = fetch(cid)
      p.catch(() => {}) // observed when popped; a prefetch never popped must not crash the process
      pending.set(key, p)
    }
  }

  try {
    for (let cid = stack.pop(); cid != null; cid = stack.pop()) {
      checkAborted(options.signal)
      const key = cid.toString()
      if (dedupe) {
        if (seen.has(key)) continue
        seen.add(key)
      }
      let load = pending.get(key)
      if (load != null) {
        pending.delete(key)
      } else {
        load = fetch(cid)
      }
      const bytes = await load
      if (bytes == null) continue
      const links = namedLinksOf(cid, bytes)
      for (let i = links.length - 1; i >= 0; i--) {
        stack.push(links[i].cid)
      }
      prefetch()
      yield { cid, bytes }
    }
  } finally {
    controller.abort()
  }
}

/** Options of {@link refs} (Kubo's `ipfs refs`). */
export interface RefsOptions extends AbortOptions {
  /** Walk the whole DAG (`-r`). Default false: only the direct links of each root. */
  recursive?: boolean
  /** Print each CID once (`--unique`), pruning branches already explored. Default false. */
  unique?: boolean
  /** With `recursive`, stop at this depth (`--max-depth`); -1 means no limit. Default -1. */
  maxDepth?: number
}

/** One edge of a DAG, as `refs` prints it (`<src>`, `<dst>`, `<linkname>`). */
export interface RefEdge {
  /** The block that links (`<src>`). */
  parent: CID
  /** The linked CID (`<dst>`, what `refs` prints by default). */
  cid: CID
  /** The link's name (`<linkname>`): the dag-pb name, or the field path in dag-cbor/dag-json. */
  name: string
}

/**
 * The edges under `roots` in Kubo's `refs` order: for each link of a node, the link, then (when
 * deeper is allowed) everything under it. Without `unique` every occurrence is printed; with it
 * a CID is printed once and a branch is explored again only when met at a shallower depth.
 * Every printed CID has been fetched, so a missing block fails the walk.
 */
export async function * refs (roots: CID | readonly CID[], getter: BlockGetter, options: RefsOptions = {}): AsyncGenerator<RefEdge> {
  const maxDepth = options.recursive === true ? (options.maxDepth ?? -1) : 1
  const unique = options.unique === true
  const seenAt = new Map<string, number>() // CID → the shallowest depth it was explored from

  // returns [goDeeper, print] for a link found at `depth`
  const visit = (cid: CID, depth: number): [boolean, boolean] => {
    const limited = maxDepth >= 0
    if (limited && depth > maxDepth) return [false, false]
    const atLimit = limited && depth === maxDepth
    if (!unique) return [!atLimit, true]
    const key = cid.toString()
    const before = seenAt.get(key)
    if (before !== undefined && (!limited || before <= depth)) return [false, false]
    seenAt.set(key, depth)
    return [!atLimit, before === undefined]
  }

  async function * under (cid: CID, bytes: Uint8Array, depth: number): AsyncGenerator<RefEdge> {
    for (const link of namedLinksOf(cid, bytes)) {
      const [deeper, print] = visit(link.cid, depth + 1)
      if (!deeper && !print) continue
      checkAborted(options.signal)
      const child = await loadBlockBytes(link.cid, getter, options)
      if (print) yield { parent: cid, cid: link.cid, name: link.name }
      if (deeper) yield * under(link.cid, child, depth + 1)
    }
  }

  for (const root of Array.isArray(roots) ? roots : [roots]) {
    yield * under(root, await loadBlockBytes(root, getter, options), 0)
  }
}

/** One root's figures in {@link DagStatSummary}. */
export interface DagStat {
  /** The root, as a string (Kubo's JSON type). */
  Cid: string
  /** Bytes of the DAG's distinct blocks. */
  Size: number
  /** Number of the DAG's distinct blocks. */
  NumBlocks: number
}

/**
 * Kubo's `dag stat` answer (its JSON omits zero fields, `omitempty`; the caller renders it).
 */
export interface DagStatSummary {
  /** Distinct blocks over all roots. */
  UniqueBlocks: number
  /** Bytes of the distinct blocks over all roots. */
  TotalSize: number
  /** Bytes counted more than once because DAGs share blocks: Σ Size − TotalSize. */
  SharedSize: number
  /** Σ Size / TotalSize (0 when TotalSize is 0, where Kubo would divide by zero). */
  Ratio: number
  DagStats: DagStat[]
}

/** Options of {@link dagStat}. */
export interface DagStatOptions extends AbortOptions {
  /** Called with the running summary after each block (Kubo's `--progress`). */
  onProgress?(summary: Readonly<DagStatSummary>): void
}

/**
 * `dag stat`: each root's DAG is walked depth first, each of its blocks counted once; blocks
 * shared between roots count once in `TotalSize` and `UniqueBlocks`, and the excess is `SharedSize`.
 */
export async function dagStat (roots: readonly CID[], getter: BlockGetter, options: DagStatOptions = {}): Promise<DagStatSummary> {
  const all = new Set<string>()
  const summary: DagStatSummary = { UniqueBlocks: 0, TotalSize: 0, SharedSize: 0, Ratio: 0, DagStats: [] }
  let redundant = 0
  for (const root of roots) {
    const stat: DagStat = { Cid: root.toString(), Size: 0, NumBlocks: 0 }
    summary.DagStats.push(stat)
    for await (const block of walkDag([root], getter, { signal: options.signal, dedupe: true })) {
      const size = block.bytes.length
      stat.Size += size
      stat.NumBlocks++
      redundant += size
      const key = block.cid.toString()
      if (!all.has(key)) {
        all.add(key)
        summary.TotalSize += size
        summary.UniqueBlocks = all.size
      }
      options.onProgress?.(summary)
    }
  }
  summary.UniqueBlocks = all.size
  summary.SharedSize = redundant - summary.TotalSize
  summary.Ratio = summary.TotalSize === 0 ? 0 : redundant / summary.TotalSize
  return summary
}

/**
 * The CIDs under `roots` that `has` says are absent, without descending below them (their
 * children cannot be known). Each missing CID is yielded once. Present blocks are read through
 * `getter` to find their links.
 */
export async function * missingBlocks (roots: readonly CID[], has: (cid: CID, options?: AbortOptions) => Promise<boolean>, getter: BlockGetter, options: AbortOptions = {}): AsyncGenerator<CID> {
  const seen = new Set<string>()
  const stack: CID[] = [...roots].reverse()
  for (let cid = stack.pop(); cid != null; cid = stack.pop()) {
    checkAborted(options.signal)
    const key = cid.toString()
    if (seen.has(key)) continue
    seen.add(key)
    if (cid.multihash.code !== IDENTITY && !(await has(cid, options))) {
      yield cid
      continue
    }
    const links = namedLinksOf(cid, await loadBlockBytes(cid, getter, options))
    for (let i = links.length - 1; i >= 0; i--) stack.push(links[i].cid)
  }
}

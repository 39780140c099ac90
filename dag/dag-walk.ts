/**
 * Walking a DAG: blocks in depth-first pre-order (what `dag export` writes), `refs` in Kubo's
 * order, `dag stat`, and the blocks of a DAG that are not stored yet.
 *
 * Blocks come through the blockstore's one walker (`walkDag` there: ordered, bounded read-ahead)
 * and links are read with its {@link namedLinksOf}; identity CIDs are answered from the CID
 * itself and never asked of the getter.
 */
import type { CID } from 'multiformats/cid'
import {
  DEFAULT_WALK_READ_AHEAD, IDENTITY, loadBlockBytes, namedLinksOf, traverse, walkDag as walkBlocks
} from '../blockstore/index.ts'
import type { AbortOptions, Block, BlockGetter, Step } from '../blockstore/index.ts'

export { DEFAULT_WALK_READ_AHEAD, loadBlockBytes }

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
 * the walk's pending steps, the `dedupe` set, and at most `readAhead` prefetched blocks per level.
 */
export async function * walkDag (roots: readonly CID[], getter: BlockGetter, options: WalkDagOptions = {}): AsyncGenerator<Block> {
  const walk = walkBlocks(roots, {
    signal: options.signal,
    readAhead: options.readAhead,
    dedupe: (options.dedupe ?? true) ? { seen: new Set(), key: cid => cid.toString() } : undefined,
    load: async (cid, opts) => await loadBlockBytes(cid, getter, opts),
    onError: options.skipMissing === true
      ? (_cid, err) => { if (err?.name !== 'BlockNotFoundError') throw err }
      : undefined
  })
  for await (const { cid, bytes } of walk) yield { cid, bytes }
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

  // a link found at `depth` (the roots are at 0): fetched ahead, decided on when its turn comes
  const linkSteps = (cid: CID, bytes: Uint8Array, depth: number): Array<Step<RefMeta, RefEdge>> => {
    if (maxDepth >= 0 && depth + 1 > maxDepth) return []
    return namedLinksOf(cid, bytes).map(link => ({ fetch: link.cid, meta: { parent: cid, name: link.name, depth: depth + 1 } }))
  }
  const expand = (cid: CID, bytes: Uint8Array, meta: RefMeta): Array<Step<RefMeta, RefEdge>> => {
    if (meta.parent == null) return linkSteps(cid, bytes, 0)
    const [deeper, print] = visit(cid, meta.depth)
    const steps: Array<Step<RefMeta, RefEdge>> = print ? [{ value: { parent: meta.parent, cid, name: meta.name } }] : []
    if (deeper) steps.push(...linkSteps(cid, bytes, meta.depth))
    return steps
  }
  const initial = (Array.isArray(roots) ? roots : [roots]).map(root => ({ fetch: root, meta: { name: '', depth: 0 } }))
  const load = async (cid: CID, opts: AbortOptions): Promise<Uint8Array> => await loadBlockBytes(cid, getter, opts)
  yield * traverse<RefMeta, RefEdge>(initial, load, expand, { signal: options.signal })
}

/** Where a link met by {@link refs} came from. */
interface RefMeta {
  /** The block that links to it; none for a root. */
  parent?: CID
  name: string
  depth: number
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
  const walk = walkBlocks(roots, {
    signal: options.signal,
    dedupe: { seen: new Set(), key: cid => cid.toString() },
    // an absent block is visited without bytes, so the walk does not descend below it
    load: async (cid, opts): Promise<Uint8Array | undefined> =>
      cid.multihash.code !== IDENTITY && !(await has(cid, opts)) ? undefined : await loadBlockBytes(cid, getter, opts)
  })
  for await (const { cid, bytes } of walk) {
    if (bytes == null) yield cid
  }
}

/**
 * What `pin update` checks: the blocks of the new DAG that the old (pinned, hence complete) DAG
 * does not already hold. The two roots are compared as Kubo's `dagutils.DiffEnumerate` does: links
 * the new node shares with the old one are skipped whole, a link whose name the old node also has
 * (with another CID) is compared the same way one level down, and any other link is a new subtree
 * whose every block must be present (fetched through the getter when online). Updating a large
 * directory where one file changed reads the changed path, not the whole DAG.
 */
import type { CID } from 'multiformats/cid'
import {
  IDENTITY, isLeafCodec, loadBlockBytes, namedLinksOf, nodeKey, walkDag, type AbortOptions, type BlockGetter
} from '../../blockstore/index.ts'
import { IncompleteDAGError } from '../../errors/index.ts'

/** How the diff reaches blocks. */
export interface PinDiffComponents {
  /** Reads blocks (the node's block service: local, then the network when online). */
  getter: BlockGetter
  /** Whether a block is stored locally (leaves are checked, not read). */
  has(cid: CID, options?: AbortOptions): Promise<boolean>
}

/** Blocks read ahead while a new subtree is walked. */
const DIFF_WALK_READ_AHEAD = 8

/**
 * Makes sure every block of `to`'s DAG that `from`'s DAG does not share is present, reading only
 * those (and the nodes on the paths to them). `from`'s DAG must be complete locally.
 * Throws `IncompleteDAGError` naming a block that cannot be had.
 */
export async function ensureDiffPresent (from: CID, to: CID, components: PinDiffComponents, options: AbortOptions = {}): Promise<void> {
  const seen = new Set<string>()
  const load = async (cid: CID, opts: AbortOptions): Promise<Uint8Array | undefined> => {
    try {
      if (cid.multihash.code === IDENTITY) return isLeafCodec(cid.code) ? undefined : cid.multihash.digest
      if (isLeafCodec(cid.code)) {
        if (!(await components.has(cid, opts))) await components.getter.get(cid, opts)
        return undefined
      }
      return await loadBlockBytes(cid, components.getter, opts)
    } catch (err) {
      if ((err as Error).name !== 'BlockNotFoundError') throw err
      throw new IncompleteDAGError(`cannot pin ${to}: block ${cid} is not available (the new DAG is incomplete). Add or fetch it, then update again.`, { cause: err })
    }
  }
  /** Every block under `roots` (new subtrees). */
  const walkNew = async (roots: CID[]): Promise<void> => {
    if (roots.length === 0) return
    const walk = walkDag(roots, { signal: options.signal, readAhead: DIFF_WALK_READ_AHEAD, dedupe: { seen, key: nodeKey }, load })
    for await (const _ of walk) { /* each block present (loaded or checked) */ }
  }
  const compare = async (old: CID, next: CID): Promise<void> => {
    if (nodeKey(old) === nodeKey(next)) return
    const nextBytes = await load(next, options)
    seen.add(nodeKey(next))
    if (nextBytes == null) return
    if (isLeafCodec(old.code)) {
      await walkNew(namedLinksOf(next, nextBytes).map(link => link.cid))
      return
    }
    const oldBytes = old.multihash.code === IDENTITY ? old.multihash.digest : await loadBlockBytes(old, components.getter, options)
    const oldLinks = namedLinksOf(old, oldBytes)
    const shared = new Set(oldLinks.map(link => nodeKey(link.cid)))
    const byName = new Map<string, CID>()
    for (const link of oldLinks) if (link.name !== '') byName.set(link.name, link.cid)
    const fresh: CID[] = []
    for (const link of namedLinksOf(next, nextBytes)) {
      if (shared.has(nodeKey(link.cid)) || seen.has(nodeKey(link.cid))) continue
      const before = link.name !== '' ? byName.get(link.name) : undefined
      if (before != null) await compare(before, link.cid)
      else fresh.push(link.cid)
    }
    await walkNew(fresh)
  }
  await compare(from, to)
}

/**
 * The mutable file system (MFS), Kubo's `ipfs files`: a tree of UnixFS directories whose root
 * CID is kept in the repo's metadata store.
 *
 * - {@link Mfs}: the edits (`mkdir`, `write`, `cp`, `mv`, `rm`, `chcid`, `chmod`, `touch`) and
 *   reads (`lookup`, `ls`, `read`); every edit writes its blocks, then moves the root in one put,
 *   one edit at a time, under a GC lease (see `mfs.ts`);
 * - {@link statNode}: Kubo's `files stat` of any UnixFS node, MFS or `/ipfs/`;
 * - {@link mfsRoots}: the stored root, for GC's root set.
 *
 * Like the network subsystems it never imports `core/`: the node hands it {@link MfsComponents}.
 */
import type { CID } from 'multiformats/cid'
import type { AbortOptions } from '../blockstore/index.ts'
import type { MetadataStore } from '../repo/index.ts'
import { readRoot } from './root-store.ts'

export { Mfs, DEFAULT_CID_FORMAT } from './mfs.ts'
export type { CidFormat, EditOptions, MfsComponents, MfsListing, WriteOptions } from './mfs.ts'
export { parseMfsPath } from './path.ts'
export type { MfsPath } from './path.ts'
export { statNode, localityOf, formatMode } from './stat.ts'
export type { LocalBlocks, NodeStat } from './stat.ts'
export { ROOT_KEY } from './root-store.ts'

/** The name of the MFS's part of the metadata store. */
export const MFS_DATASTORE = 'mfs'

/** The MFS root stored in `metadata` (the repo's whole metadata store), as GC's extra roots. */
export async function mfsRoots (metadata: MetadataStore, options: AbortOptions = {}): Promise<CID[]> {
  const root = await readRoot(metadata.sub(MFS_DATASTORE), options)
  return root == null ? [] : [root]
}

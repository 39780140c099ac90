/**
 * Where the MFS root CID lives: one key in the MFS's part of the repo's metadata store (LevelDB),
 * so it survives restarts and moves in one atomic put. GC reads it from here too.
 */
import { CID } from 'multiformats/cid'
import type { AbortOptions } from '../blockstore/index.ts'
import type { MetadataStore } from '../repo/index.ts'

/** The key of the root CID (Kubo's datastore key is `/local/filesroot`). */
export const ROOT_KEY = new TextEncoder().encode('root')

/** The stored root, or undefined on a repo whose MFS was never used. */
export async function readRoot (datastore: MetadataStore, options: AbortOptions = {}): Promise<CID | undefined> {
  const bytes = await datastore.get(ROOT_KEY, options)
  return bytes == null ? undefined : CID.decode(bytes)
}

/** Stores `root` as the MFS root, in one put. */
export async function writeRoot (datastore: MetadataStore, root: CID, options: AbortOptions = {}): Promise<void> {
  await datastore.put(ROOT_KEY, root.bytes, options)
}

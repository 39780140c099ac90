/**
 * Listing UnixFS directories, basic and HAMT-sharded, in link order (HAMT: shard by shard, depth
 * first), with each child's node fetched ahead when the caller wants it.
 */

import type { PBLink } from '@ipld/dag-pb'
import type { CID } from 'multiformats/cid'
import type { AbortOptions, BlockGetter } from '../../blockstore/types.ts'
import { classifyShardLink, isShard, shardShape, type HamtShape } from './hamt.ts'
import { CODEC_RAW, decodeNode, linkName, type DecodedNode, type UnixFSNode } from './node.ts'
import { traverse, type Step } from './traversal.ts'

/** One child of a directory. */
export interface DirChild {
  name: string
  link: PBLink
  /** The child's decoded root block, when the listing fetched it. */
  node?: DecodedNode
}

/** Options of {@link listDirectory}. */
export interface ListDirectoryOptions extends AbortOptions {
  /**
   * Which children's blocks to fetch (read ahead, in order) and hand back decoded: `'none'`,
   * `'dag-pb'` (a raw child's CID already says what it is), or `'all'`. Default `'none'`.
   */
  fetchChildren?: 'none' | 'dag-pb' | 'all'
}

type Meta =
  | { kind: 'shard', shape: HamtShape }
  | { kind: 'child', name: string, link: PBLink }

/** True when the node is a UnixFS directory, basic or sharded. */
export function isDirectoryNode (node: DecodedNode): node is UnixFSNode {
  return node.kind === 'unixfs' && (node.unixfs.type === 'directory' || node.unixfs.type === 'hamt-sharded-directory')
}

/**
 * The children of a directory node, in order. A name that appears twice in one block is listed
 * once (the first link wins, as in path resolution).
 */
export async function * listDirectory (
  dir: UnixFSNode, getter: BlockGetter, options: ListDirectoryOptions = {}
): AsyncGenerator<DirChild, void, undefined> {
  const fetchChildren = options.fetchChildren ?? 'none'

  const childStep = (name: string, link: PBLink): Step<Meta, DirChild> => {
    if (fetchChildren === 'all' || (fetchChildren === 'dag-pb' && link.Hash.code !== CODEC_RAW)) {
      return { fetch: link.Hash, meta: { kind: 'child', name, link } }
    }
    return { value: { name, link } }
  }

  const stepsOf = (node: UnixFSNode, shape: HamtShape | undefined): Array<Step<Meta, DirChild>> => {
    const seen = new Set<string>()
    const steps: Array<Step<Meta, DirChild>> = []
    for (const link of node.pb.Links) {
      if (shape == null) {
        const name = linkName(link)
        if (seen.has(name)) continue
        seen.add(name)
        steps.push(childStep(name, link))
        continue
      }
      const classified = classifyShardLink(node, shape, link)
      if (classified.kind === 'shard') {
        steps.push({ fetch: classified.link.Hash, meta: { kind: 'shard', shape } })
      } else if (!seen.has(classified.name)) {
        seen.add(classified.name)
        steps.push(childStep(classified.name, classified.link))
      }
    }
    return steps
  }

  const expand = (cid: CID, bytes: Uint8Array, meta: Meta): Array<Step<Meta, DirChild>> => {
    const node = decodeNode(cid, bytes)
    if (meta.kind === 'child') {
      return [{ value: { name: meta.name, link: meta.link, node } }]
    }
    shardShape(node, meta.shape)
    return stepsOf(node as UnixFSNode, meta.shape)
  }

  const initial = stepsOf(dir, isShard(dir) ? shardShape(dir) : undefined)
  yield * traverse(initial, getter, expand, options)
}

/**
 * HAMT-sharded UnixFS directories (specs:src/unixfs.md, "dag-pb HAMTDirectory").
 *
 * A shard's links are named with the bucket index as zero-padded uppercase hex: the bare prefix
 * (`"1F"`) for a sub-shard, prefix + name (`"1Ffoo.txt"`) for an entry. An entry's bucket at depth
 * d is bits [d·w, (d+1)·w) of murmur3-x64-64(name), read from the most significant bit of the
 * digest's first byte, where w = log2(fanout).
 */

import { murmur364 } from '@multiformats/murmur3'
import type { PBLink } from '@ipld/dag-pb'
import type { CID } from 'multiformats/cid'
import type { AbortOptions, BlockGetter } from '../../blockstore/types.ts'
import { MURMUR3_X64_64 } from '../../blockstore/index.ts'
import { CODEC_DAG_PB, linkName, loadNode, malformed, type DecodedNode, type UnixFSNode } from './node.ts'

/** The multihash code of murmur3-x64-64, the only HAMT hash function in use. */
export const HAMT_HASH_MURMUR3 = BigInt(MURMUR3_X64_64)

/** The largest fanout accepted (the spec's cap; larger ones are a memory-exhaustion vector). */
export const MAX_HAMT_FANOUT = 1024

/** The shape of one HAMT (every shard of a HAMT has the same fanout). */
export interface HamtShape {
  fanout: number
  /** Hash bits per level: log2(fanout). */
  bitWidth: number
  /** Hex characters in a link-name prefix. */
  prefixLength: number
}

/** True when the node is a HAMT shard. */
export function isShard (node: DecodedNode): node is UnixFSNode {
  return node.kind === 'unixfs' && node.unixfs.type === 'hamt-sharded-directory'
}

/**
 * Checks a shard's parameters and returns its shape.
 *
 * @param expected - the root shard's shape, when checking a sub-shard
 * @throws BlockCorruptError for a missing or invalid fanout, a hash other than murmur3, or a
 *   sub-shard whose fanout differs from its root's
 */
export function shardShape (node: DecodedNode, expected?: HamtShape): HamtShape {
  if (!isShard(node)) {
    throw malformed(node.cid, 'a link in a HAMT shard names a sub-shard, but the node is not a HAMT shard')
  }
  if (node.extra.hashType !== HAMT_HASH_MURMUR3) {
    throw malformed(node.cid, `HAMT hash type ${node.extra.hashType ?? 'missing'} is not murmur3-x64-64 (0x22)`)
  }
  const fanout = Number(node.unixfs.fanout ?? 0n)
  if (!Number.isInteger(fanout) || fanout < 8 || fanout > MAX_HAMT_FANOUT || (fanout & (fanout - 1)) !== 0) {
    throw malformed(node.cid, `HAMT fanout ${node.unixfs.fanout ?? 'missing'} is not a power of two between 8 and ${MAX_HAMT_FANOUT}`)
  }
  if (expected != null && expected.fanout !== fanout) {
    throw malformed(node.cid, `HAMT sub-shard fanout ${fanout} differs from its root's ${expected.fanout}`)
  }
  return { fanout, bitWidth: Math.log2(fanout), prefixLength: (fanout - 1).toString(16).length }
}

/** A shard link, classified by its name. */
export type ShardLink =
  | { kind: 'shard', link: PBLink }
  | { kind: 'entry', name: string, link: PBLink }

/** Classifies a shard's link by the prefix scheme. */
export function classifyShardLink (shard: UnixFSNode, shape: HamtShape, link: PBLink): ShardLink {
  const name = linkName(link)
  const prefix = name.slice(0, shape.prefixLength)
  if (prefix.length !== shape.prefixLength || !/^[0-9A-F]+$/.test(prefix) || parseInt(prefix, 16) >= shape.fanout) {
    throw malformed(shard.cid, `HAMT link name "${name}" does not start with a ${shape.prefixLength}-digit uppercase hex bucket`)
  }
  if (name.length === shape.prefixLength) {
    if (link.Hash.code !== CODEC_DAG_PB) {
      throw malformed(shard.cid, `HAMT sub-shard link "${name}" points to a non-dag-pb block`)
    }
    return { kind: 'shard', link }
  }
  return { kind: 'entry', name: name.slice(shape.prefixLength), link }
}

/** The bucket of a hashed name at a depth, as the link-name prefix. */
function bucketPrefix (hash: Uint8Array, depth: number, shape: HamtShape): string | undefined {
  const first = depth * shape.bitWidth
  if (first + shape.bitWidth > hash.length * 8) {
    return undefined
  }
  let index = 0
  for (let bit = first; bit < first + shape.bitWidth; bit++) {
    index = (index << 1) | ((hash[bit >> 3] >> (7 - (bit & 7))) & 1)
  }
  return index.toString(16).toUpperCase().padStart(shape.prefixLength, '0')
}

/**
 * Finds an entry of a HAMT-sharded directory by name, fetching only the shards on its hash path.
 *
 * @returns the entry's link, or undefined when the directory has no such entry
 */
export async function hamtLookup (
  root: UnixFSNode, name: string, getter: BlockGetter, options: AbortOptions = {}
): Promise<PBLink | undefined> {
  const shape = shardShape(root)
  const hash = (await murmur364.digest(new TextEncoder().encode(name))).digest
  let shard: UnixFSNode = root
  for (let depth = 0; ; depth++) {
    const prefix = bucketPrefix(hash, depth, shape)
    if (prefix == null) {
      throw malformed(shard.cid, `HAMT is deeper than its 64-bit hash allows (looking for "${name}")`)
    }
    let next: CID | undefined
    for (const link of shard.pb.Links) {
      const linkText = linkName(link)
      if (!linkText.startsWith(prefix)) continue
      if (linkText.length === prefix.length) {
        next = link.Hash
        break
      }
      if (linkText.slice(prefix.length) === name) {
        return link
      }
    }
    if (next == null) {
      return undefined
    }
    const child = await loadNode(getter, next, options)
    shardShape(child, shape)
    shard = child as UnixFSNode
  }
}

/**
 * Path resolution: from a root CID, through UnixFS directories (basic and HAMT-sharded), dag-pb
 * link names, and dag-cbor / dag-json map keys and list indexes, to the block a path names.
 */

import { CID } from 'multiformats/cid'
import type { AbortOptions, BlockGetter } from '../../blockstore/types.ts'
import { PathNotFoundError } from '../../errors/index.ts'
import { printable, toParsedPath, type PathLike } from '../path.ts'
import { hamtLookup, isShard } from './hamt.ts'
import { describe, linkName, loadNode, type DecodedNode, type IPLDNode } from './node.ts'
import type { ResolveResult } from './types.ts'

/** Where a path led: the decoded block and how it was reached. */
export interface ResolvedNode {
  node: DecodedNode
  /** Last path component that led to the node, or the root CID as a string. */
  name: string
  /** Components consumed inside a dag-cbor/dag-json block after its last link. */
  remainder: string[]
}

/**
 * Resolves a path to the block it names, and describes that block.
 *
 * @throws PathNotFoundError naming the missing component (`no link named "x" under <cid>`), also
 *   for paths that continue below a file, raw block or symlink
 * @throws InvalidCIDError / InvalidPathError for a path that does not parse
 * @throws BlockNotFoundError when a block on the way is missing
 */
export async function resolve (path: PathLike, getter: BlockGetter, options: AbortOptions = {}): Promise<ResolveResult> {
  const resolved = await resolveNode(path, getter, options)
  const result: ResolveResult = { cid: resolved.node.cid, entry: describe(resolved.node, resolved.name) }
  if (resolved.remainder.length > 0) {
    result.remainder = resolved.remainder
  }
  return result
}

/** Like {@link resolve}, keeping the decoded block so callers do not fetch it again. */
export async function resolveNode (path: PathLike, getter: BlockGetter, options: AbortOptions = {}): Promise<ResolvedNode> {
  const { root, segments } = toParsedPath(path)
  let node = await loadNode(getter, root, options)
  let name = root.toString()
  let i = 0
  while (i < segments.length) {
    const segment = segments[i]
    const notFound = (why = ''): Error =>
      new PathNotFoundError(`no link named "${printable(segment)}" under ${node.cid}${why}`)
    let next: CID | undefined
    switch (node.kind) {
      case 'raw':
        throw notFound(' (it is a file)')
      case 'unixfs': {
        const type = node.unixfs.type
        if (type === 'directory') {
          next = node.pb.Links.find(link => linkName(link) === segment)?.Hash
        } else if (isShard(node)) {
          next = (await hamtLookup(node, segment, getter, options))?.Hash
        } else if (type === 'symlink') {
          throw notFound(' (it is a symlink; symlinks are not followed)')
        } else if (type === 'file' || type === 'raw') {
          throw notFound(' (it is a file)')
        } else {
          throw notFound(` (it is a UnixFS ${type} node)`)
        }
        if (next == null) throw notFound()
        i++
        break
      }
      case 'dag-pb':
        next = node.pb.Links.find(link => linkName(link) === segment)?.Hash
        if (next == null) throw notFound()
        i++
        break
      case 'ipld': {
        const inside = walkValue(node, segments, i)
        if (inside.link == null) {
          return { node, name, remainder: segments.slice(i) }
        }
        next = inside.link
        i = inside.end
        break
      }
    }
    name = segments[i - 1]
    node = await loadNode(getter, next, options)
  }
  return { node, name, remainder: [] }
}

/**
 * Follows `segments` from `start` through an IPLD value until a link or the end of the path.
 *
 * @returns the link reached (and the index after the component that reached it), or no link when
 *   the path ends inside the block
 */
function walkValue (node: IPLDNode, segments: string[], start: number): { link?: CID, end: number } {
  let value: unknown = node.value
  for (let i = start; i < segments.length; i++) {
    const segment = segments[i]
    const child = childOf(value, segment)
    if (child === undefined) {
      throw new PathNotFoundError(`no link named "${printable(segment)}" under ${node.cid}` +
        (i > start ? ` (at ${segments.slice(start, i).map(printable).join('/')})` : ''))
    }
    const link = CID.asCID(child)
    if (link != null) {
      return { link, end: i + 1 }
    }
    value = child
  }
  return { end: segments.length }
}

/** A map's own key or a list's index of an IPLD data model value; undefined when absent. */
function childOf (value: unknown, segment: string): unknown {
  if (value == null || typeof value !== 'object' || value instanceof Uint8Array || CID.asCID(value) != null) {
    return undefined
  }
  if (Array.isArray(value)) {
    if (!/^(0|[1-9][0-9]*)$/.test(segment)) return undefined
    const index = Number(segment)
    return index < value.length ? value[index] : undefined
  }
  return Object.hasOwn(value, segment) ? (value as Record<string, unknown>)[segment] : undefined
}

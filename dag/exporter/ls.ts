/**
 * `ls`: the entries of a UnixFS directory, basic or HAMT-sharded.
 */

import type { BlockGetter } from '../../blockstore/types.ts'
import { NotADirectoryError } from '../../errors/index.ts'
import type { PathLike } from '../path.ts'
import { isDirectoryNode, listDirectory, type DirChild } from './directory.ts'
import { CODEC_RAW, describe, typeOf } from './node.ts'
import { resolveNode } from './resolve.ts'
import { DEFAULT_LS_RESOLVE_TYPE, type LsEntry, type LsOptions } from './types.ts'

/**
 * Lists a directory's entries in link order (a HAMT's entries shard by shard), streaming.
 *
 * With `resolveType` (the default, as Kubo) each dag-pb child's block is fetched, read ahead in
 * order, to report its type, file size, symlink target, mode and mtime. Without it nothing but the
 * directory's own blocks is fetched: dag-pb children are `unknown`, raw children are `raw` with
 * their Tsize as size.
 *
 * @throws NotADirectoryError when the path names anything but a UnixFS directory
 */
export async function * ls (path: PathLike, getter: BlockGetter, options: LsOptions = {}): AsyncGenerator<LsEntry, void, undefined> {
  const resolveType = options.resolveType ?? DEFAULT_LS_RESOLVE_TYPE
  const { node } = await resolveNode(path, getter, options)
  if (!isDirectoryNode(node)) {
    throw new NotADirectoryError(`cannot list ${node.cid}: this dag node is ${articled(typeOf(node))}, not a directory`)
  }
  for await (const child of listDirectory(node, getter, { signal: options.signal, fetchChildren: resolveType ? 'dag-pb' : 'none' })) {
    yield lsEntry(child)
  }
}

function lsEntry (child: DirChild): LsEntry {
  const { name, link, node } = child
  const entry: LsEntry = { name, cid: link.Hash, type: 'unknown' }
  if (link.Tsize != null) {
    entry.tsize = link.Tsize
  }
  if (node != null) {
    const info = describe(node, name)
    entry.type = info.type
    if (info.size != null) entry.size = info.size
    if (info.target != null) entry.target = info.target
    if (info.mode != null) entry.mode = info.mode
    if (info.mtime != null) entry.mtime = info.mtime
  } else if (link.Hash.code === CODEC_RAW) {
    // a raw block's Tsize is its length (spec: "Tsize in parent is equal to blocksize")
    entry.type = 'raw'
    if (link.Tsize != null) entry.size = link.Tsize
  }
  return entry
}

function articled (type: string): string {
  return type === 'object' || type === 'unknown' ? `an ${type}` : type === 'raw' ? 'a raw block' : `a ${type}`
}

/**
 * `walk`: every file, directory and symlink under a path, depth first, parents before children:
 * what `get` writes to disk or into a tar.
 */

import type { AbortOptions, BlockGetter } from '../../blockstore/types.ts'
import { UnsupportedCodecError } from '../../errors/index.ts'
import { printable, type PathLike } from '../path.ts'
import { catNode } from './cat.ts'
import { isDirectoryNode, listDirectory } from './directory.ts'
import { describe, type DecodedNode } from './node.ts'
import { resolveNode } from './resolve.ts'
import type { ExportEntry } from './types.ts'

/**
 * Walks the DAG under a path. Each directory's children are fetched ahead in order (their root
 * block each); the rest of a file is not read until its `content` is called.
 *
 * Names are yielded exactly as the DAG holds them, whatever they contain: whoever writes them to a
 * file system must check them (`assertSafeName`).
 *
 * @throws UnsupportedCodecError when the walk meets a node that is not UnixFS (dag-cbor, ...)
 */
export async function * walk (path: PathLike, getter: BlockGetter, options: AbortOptions = {}): AsyncGenerator<ExportEntry, void, undefined> {
  const { node, name } = await resolveNode(path, getter, options)
  yield * walkNode(node, name, [], getter, options)
}

async function * walkNode (
  node: DecodedNode, name: string, segments: string[], getter: BlockGetter, options: AbortOptions
): AsyncGenerator<ExportEntry, void, undefined> {
  yield exportEntry(node, name, segments, getter)
  if (!isDirectoryNode(node)) {
    return
  }
  for await (const child of listDirectory(node, getter, { signal: options.signal, fetchChildren: 'all' })) {
    yield * walkNode(child.node as DecodedNode, child.name, [...segments, child.name], getter, options)
  }
}

function exportEntry (node: DecodedNode, name: string, segments: string[], getter: BlockGetter): ExportEntry {
  const info = describe(node, name)
  const base = { segments, path: segments.join('/'), name, cid: node.cid }
  const meta = {
    ...(info.mode != null ? { mode: info.mode } : {}),
    ...(info.mtime != null ? { mtime: info.mtime } : {})
  }
  switch (info.type) {
    case 'file':
    case 'raw':
      return {
        ...base,
        type: 'file',
        size: info.size,
        content: (options?: AbortOptions) => catNode(node, getter, options),
        ...meta
      }
    case 'directory':
      return { ...base, type: 'directory', ...meta }
    case 'symlink':
      return { ...base, type: 'symlink', target: info.target, ...meta }
    default: {
      const what = node.kind === 'ipld' ? node.codec : 'dag-pb without UnixFS data'
      const where = segments.length === 0 ? '' : ` at "${printable(segments.join('/'))}"`
      throw new UnsupportedCodecError(`cannot export ${node.cid}${where}: it is ${what}, not a UnixFS file, directory or symlink`)
    }
  }
}

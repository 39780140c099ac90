/**
 * `walk`: every file, directory and symlink under a path, depth first, parents before children:
 * what `get` writes to disk or into a tar.
 */

import type { AbortOptions, BlockGetter } from '../../blockstore/types.ts'
import { UnsupportedCodecError } from '../../errors/index.ts'
import { printable, type PathLike } from '../path.ts'
import { catNode } from './cat.ts'
import { isDirectoryNode, listDirectory, type DirChild } from './directory.ts'
import { describe, type DecodedNode, type UnixFSNode } from './node.ts'
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
  yield exportEntry(node, name, [], getter)
  if (!isDirectoryNode(node)) return
  // one open listing per directory level, deepest last: a loop, not recursion, so a hostile DAG
  // of thousands of nested directories costs no stack (and no chain of delegating generators)
  const stack: Array<{ children: AsyncIterator<DirChild>, segments: string[] }> = [
    { children: list(node, getter, options), segments: [] }
  ]
  try {
    while (stack.length > 0) {
      const top = stack[stack.length - 1]
      const next = await top.children.next()
      if (next.done === true) {
        stack.pop()
        continue
      }
      const child = next.value.node as DecodedNode
      const segments = [...top.segments, next.value.name]
      yield exportEntry(child, next.value.name, segments, getter)
      if (isDirectoryNode(child)) stack.push({ children: list(child, getter, options), segments })
    }
  } finally {
    // a consumer that stops early: close every listing still open, deepest first
    for (const level of stack.reverse()) await level.children.return?.()
  }
}

function list (node: UnixFSNode, getter: BlockGetter, options: AbortOptions): AsyncIterator<DirChild> {
  return listDirectory(node, getter, { signal: options.signal, fetchChildren: 'all' })[Symbol.asyncIterator]()
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

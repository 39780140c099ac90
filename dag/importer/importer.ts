/**
 * Imports a stream of entries (files, directories, symlinks) into one UnixFS tree, as
 * `ipfs add -r` does, and reports each entry like Kubo: every file and symlink when it is done
 * (in input order), then every directory after its contents (depth first, names in byte order),
 * the root last.
 */
import { throwIfAborted } from '../../errors/abort.ts'
import * as dagPb from '@ipld/dag-pb'
import { InvalidArgumentError, InvalidPathError, NotADirectoryError } from '../../errors/index.ts'
import { BlockWriter } from './block-writer.ts'
import { buildDirectory } from './directory.ts'
import { buildFile, checkMetadata, hasMetadata } from './file.ts'
import { DAG_PB_CODE, cidOf, toMultihashHasher } from './hashing.ts'
import { resolveImporterOptions } from './options.ts'
import { UNIXFS_SYMLINK, encodeUnixFSData } from './unixfs-data.ts'
import type { DirectoryOptions } from './directory.ts'
import type { ImportCallOptions } from './file.ts'
import type { ImporterOptions, ResolvedImporterOptions } from './options.ts'
import type { UnixFSMtime } from './unixfs-data.ts'
import type { BlockSink } from '../../blockstore/types.ts'
import type { CID } from 'multiformats/cid'

/** What an entry is. */
export type ImportEntryType = 'file' | 'directory' | 'symlink'

/** One thing to import. */
export interface ImportEntry {
  /**
   * Relative `/`-separated path, e.g. `docs/a.txt`; empty and `.` segments are ignored, `..` is
   * refused. Missing parent directories are created. An empty path names the wrapping directory
   * (with `wrapWithDirectory`) or, for one lone file, a file without a name.
   */
  path: string
  /**
   * The file's bytes, as pieces of any size or one array (makes the entry a file). Pieces must
   * not be modified after being yielded: chunks may be views of them.
   */
  content?: AsyncIterable<Uint8Array> | Iterable<Uint8Array> | Uint8Array
  /** Default: `file` with `content`, `symlink` with `target`, else `directory`. */
  type?: ImportEntryType
  /** The symlink's target, stored as is. */
  target?: string
  /**
   * POSIX mode; the permission bits (0o7777) are stored on files and directories and make a
   * file use dag-pb leaves. Kubo does not store a symlink's mode, so neither does this.
   */
  mode?: number
  /** Modification time, stored on files, directories and symlinks (makes a file use dag-pb leaves). */
  mtime?: UnixFSMtime
}

/** One imported entry, reported as Kubo's `ipfs add` reports it. */
export interface ImportResult {
  /** the entry's normalised path ('' for the wrapping directory) */
  path: string
  cid: CID
  /** cumulative DAG size in bytes (Kubo's `Size`) */
  size: number
  type: ImportEntryType
}

interface DirectoryNode {
  kind: 'directory'
  children: Map<string, TreeNode>
  mode?: number
  mtime?: UnixFSMtime
}

interface ImportedNode {
  kind: 'file' | 'symlink'
  cid: CID
  size: number
}

type TreeNode = DirectoryNode | ImportedNode

interface PendingResult {
  result: ImportResult
  /** the result may be reported once this many blocks are written */
  blocks: number
}

const textEncoder = new TextEncoder()

function pathSegments (path: unknown): string[] {
  if (typeof path !== 'string') {
    throw new InvalidPathError('every import entry needs a string path')
  }
  const segments = path.split('/').filter(segment => segment !== '' && segment !== '.')
  if (segments.includes('..')) {
    throw new InvalidPathError(`invalid import path "${path}": ".." segments are not allowed`)
  }
  return segments
}

function entryType (entry: ImportEntry): ImportEntryType {
  const type = entry.type ?? (entry.content != null ? 'file' : entry.target != null ? 'symlink' : 'directory')
  if (type !== 'file' && type !== 'directory' && type !== 'symlink') {
    throw new InvalidArgumentError(`invalid type "${String(type)}" of import entry "${entry.path}": expected file, directory or symlink`)
  }
  if (type !== 'file' && entry.content != null) {
    throw new InvalidArgumentError(`import entry "${entry.path}" is a ${type} but has content`)
  }
  if (type === 'symlink' ? typeof entry.target !== 'string' : entry.target != null) {
    throw new InvalidArgumentError(type === 'symlink'
      ? `symlink "${entry.path}" needs a string target`
      : `import entry "${entry.path}" is a ${type} but has a symlink target`)
  }
  return type
}

function toAsyncIterable (content: AsyncIterable<Uint8Array> | Iterable<Uint8Array> | Uint8Array): AsyncIterable<Uint8Array> {
  if (Symbol.asyncIterator in content) return content
  if (content instanceof Uint8Array) return (async function * () { yield content })()
  return (async function * () { yield * content })()
}

/** Names in byte order of their UTF-8 form, as Go sorts strings. */
function sortedNames (names: Iterable<string>): string[] {
  return [...names]
    .map(name => ({ name, bytes: textEncoder.encode(name) }))
    .sort((a, b) => Buffer.compare(a.bytes, b.bytes))
    .map(({ name }) => name)
}

/** The options {@link buildDirectory} takes, from resolved import options. */
export function directoryOptions (options: ResolvedImporterOptions, metadata: { mode?: number, mtime?: UnixFSMtime } = {}): DirectoryOptions {
  return {
    cidVersion: options.cidVersion,
    hasher: toMultihashHasher(options.hasher),
    shardSplitThresholdBytes: options.hamtThreshold,
    shardFanout: options.hamtFanout,
    sizeEstimation: options.hamtSizeEstimation,
    maxDirectoryLinks: options.maxDirectoryLinks,
    mode: metadata.mode,
    mtime: metadata.mtime
  }
}

/**
 * Imports `entries`, writing every block to `sink`, and yields a result per file, symlink and
 * directory (see the module comment for the order). A result is yielded only once all blocks
 * of its DAG have been written. Files are imported one at a time with bounded memory; the tree
 * of names and CIDs is held until the directories are built at the end.
 */
export async function * importer (entries: AsyncIterable<ImportEntry> | Iterable<ImportEntry>, sink: BlockSink, options: ImporterOptions & ImportCallOptions = {}): AsyncGenerator<ImportResult, void, undefined> {
  const resolved = resolveImporterOptions(options)
  const { signal, onProgress } = options
  const writer = new BlockWriter({ sink }, { maxBlocks: resolved.batchMaxBlocks, maxBytes: resolved.batchMaxBytes, signal })
  const root: DirectoryNode = { kind: 'directory', children: new Map() }
  const pending: PendingResult[] = []
  let unnamed: ImportResult | undefined

  const ready = function * (): Generator<ImportResult> {
    let n = 0
    while (n < pending.length && pending[n].blocks <= writer.written) n++
    for (const { result } of pending.splice(0, n)) yield result
  }

  for await (const entry of entries) {
    throwIfAborted(signal, 'the import')
    const segments = pathSegments(entry?.path)
    const type = entryType(entry)
    checkMetadata(entry.path, entry)
    const path = segments.join('/')

    if (segments.length === 0) {
      if (type === 'directory' && resolved.wrapWithDirectory) {
        root.mode = entry.mode
        root.mtime = entry.mtime
        continue
      }
      if (type === 'directory' || resolved.wrapWithDirectory || unnamed != null || root.children.size > 0) {
        throw new InvalidPathError(type === 'directory'
          ? 'an import entry with an empty path names the wrapping directory: set wrapWithDirectory'
          : 'an entry with an empty path must be the only entry, and cannot be wrapped in a directory')
      }
    } else if (unnamed != null) {
      throw new InvalidPathError('an entry with an empty path must be the only entry')
    }

    // find or create the parent directory
    let parent = root
    for (let i = 0; i < segments.length - 1; i++) {
      let child = parent.children.get(segments[i])
      if (child == null) {
        child = { kind: 'directory', children: new Map() }
        parent.children.set(segments[i], child)
      } else if (child.kind !== 'directory') {
        throw new NotADirectoryError(`cannot import "${path}": "${segments.slice(0, i + 1).join('/')}" is a ${child.kind}, not a directory`)
      }
      parent = child
    }
    const name = segments[segments.length - 1]
    const existing = name == null ? undefined : parent.children.get(name)
    if (existing != null && !(existing.kind === 'directory' && type === 'directory')) {
      throw new InvalidPathError(`duplicate import path "${path}"`)
    }

    if (type === 'directory') {
      const dir: DirectoryNode = existing as DirectoryNode | undefined ?? { kind: 'directory', children: new Map() }
      dir.mode = entry.mode
      dir.mtime = entry.mtime
      parent.children.set(name, dir)
      continue
    }

    let node: ImportedNode
    if (type === 'symlink') {
      node = { kind: 'symlink', ...symlinkBlock(entry.target as string, entry.mtime, resolved, writer) }
    } else {
      const metadata = { mode: entry.mode, mtime: entry.mtime }
      const content = entry.content == null ? [] : entry.content
      const file = await buildFile(toAsyncIterable(content), writer, resolved, { signal, onProgress }, path, hasMetadata(metadata) ? metadata : undefined)
      node = { kind: 'file', cid: file.cid, size: file.tsize }
    }
    const result: ImportResult = { path, cid: node.cid, size: node.size, type: node.kind }
    if (name == null) {
      unnamed = result
    } else {
      parent.children.set(name, node)
    }
    pending.push({ result, blocks: writer.queued })
    if (writer.full) await writer.rotate()
    yield * ready()
  }

  // Directory blocks go through the same writer as file blocks: one `putMany` (and one sync) per
  // batch, not per directory. A directory is reported, like a file, once its blocks are written.
  const directorySink: BlockSink = {
    async putMany (blocks) {
      for (const block of blocks) writer.put(block)
      if (writer.full) await writer.rotate()
    }
  }

  const buildTree = async function * (dir: DirectoryNode, path: string): AsyncGenerator<ImportResult, { cid: CID, size: number }, undefined> {
    const names = sortedNames(dir.children.keys())
    const links: Array<{ name: string, cid: CID, size: number }> = []
    for (const name of names) {
      const child = dir.children.get(name) as TreeNode
      if (child.kind === 'directory') {
        const built = yield * buildTree(child, path === '' ? name : `${path}/${name}`)
        links.push({ name, ...built })
      } else {
        links.push({ name, cid: child.cid, size: child.size })
      }
    }
    const built = await buildDirectory(links, directorySink, directoryOptions(resolved, dir), { signal })
    pending.push({ result: { path, cid: built.cid, size: built.size, type: 'directory' }, blocks: writer.queued })
    yield * ready()
    return built
  }

  if (resolved.wrapWithDirectory) {
    yield * buildTree(root, '')
  } else {
    for (const name of sortedNames(root.children.keys())) {
      const child = root.children.get(name) as TreeNode
      if (child.kind === 'directory') yield * buildTree(child, name)
    }
  }
  await writer.flush()
  throwIfAborted(signal, 'the import')
  yield * ready()
}

/** A symlink node: UnixFS Symlink with the target as data; Kubo stores its mtime but not its mode. */
function symlinkBlock (target: string, mtime: UnixFSMtime | undefined, options: ResolvedImporterOptions, writer: BlockWriter): { cid: CID, size: number } {
  const Data = encodeUnixFSData({ type: UNIXFS_SYMLINK, data: textEncoder.encode(target), mtime })
  const bytes = dagPb.encode({ Data, Links: [] })
  const cid = cidOf(bytes, options.cidVersion, DAG_PB_CODE, options.hasher)
  writer.put({ cid, bytes })
  return { cid, size: bytes.length }
}

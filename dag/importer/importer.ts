/**
 * Imports a stream of entries (files, directories, symlinks) into one UnixFS tree, as
 * `ipfs add -r` does, and reports each entry like Kubo: every file and symlink when it is done
 * (in input order), then every directory after its contents (depth first, names in byte order),
 * the root last.
 */
import { throwIfAborted } from '../../errors/abort.ts'
import * as dagPb from '@ipld/dag-pb'
import { InvalidArgumentError, InvalidPathError } from '../../errors/index.ts'
import { BlockWriter } from './block-writer.ts'
import { ImportTree, type ImportedNode } from './import-tree.ts'
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

/**
 * Results held until the blocks of their DAG are written, then released in order: Kubo reports
 * an entry only once it is stored.
 */
class ResultQueue {
  readonly #writer: BlockWriter
  readonly #pending: Array<{ result: ImportResult, blocks: number }> = []

  constructor (writer: BlockWriter) {
    this.#writer = writer
  }

  /** Holds `result` until every block queued so far is written. */
  push (result: ImportResult): void {
    this.#pending.push({ result, blocks: this.#writer.queued })
  }

  /** The results whose blocks are all written, in order. */
  * ready (): Generator<ImportResult> {
    let n = 0
    while (n < this.#pending.length && this.#pending[n].blocks <= this.#writer.written) n++
    for (const { result } of this.#pending.splice(0, n)) yield result
  }
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
  const tree = new ImportTree(resolved.wrapWithDirectory)
  const results = new ResultQueue(writer)

  for await (const entry of entries) {
    throwIfAborted(signal, 'the import')
    const segments = pathSegments(entry?.path)
    const type = entryType(entry)
    checkMetadata(entry.path, entry)
    const place = tree.place(segments, type, entry)
    if (place == null) continue
    const path = segments.join('/')
    const node = await importLeaf(entry, place.type, path, writer, resolved, { signal, onProgress })
    tree.add(place, node)
    results.push({ path, cid: node.cid, size: node.size, type: node.kind })
    if (writer.full) await writer.rotate()
    yield * results.ready()
  }

  // Directory blocks go through the same writer as file blocks: one `putMany` (and one sync) per
  // batch, not per directory. A directory is reported, like a file, once its blocks are written.
  const directorySink: BlockSink = {
    async putMany (blocks) {
      for (const block of blocks) writer.put(block)
      if (writer.full) await writer.rotate()
    }
  }
  for await (const dir of tree.build(directorySink, dir => directoryOptions(resolved, dir), { signal })) {
    results.push({ path: dir.path, cid: dir.cid, size: dir.size, type: 'directory' })
    yield * results.ready()
  }
  await writer.flush()
  throwIfAborted(signal, 'the import')
  yield * results.ready()
}

/** Imports one file or symlink entry, its blocks queued on `writer`. */
async function importLeaf (entry: ImportEntry, type: 'file' | 'symlink', path: string, writer: BlockWriter, options: ResolvedImporterOptions, call: ImportCallOptions): Promise<ImportedNode> {
  if (type === 'symlink') {
    return { kind: 'symlink', ...symlinkBlock(entry.target as string, entry.mtime, options, writer) }
  }
  const metadata = { mode: entry.mode, mtime: entry.mtime }
  const content = entry.content == null ? [] : entry.content
  const file = await buildFile(toAsyncIterable(content), writer, options, call, path, hasMetadata(metadata) ? metadata : undefined)
  return { kind: 'file', cid: file.cid, size: file.tsize }
}

/** A symlink node: UnixFS Symlink with the target as data; Kubo stores its mtime but not its mode. */
function symlinkBlock (target: string, mtime: UnixFSMtime | undefined, options: ResolvedImporterOptions, writer: BlockWriter): { cid: CID, size: number } {
  const Data = encodeUnixFSData({ type: UNIXFS_SYMLINK, data: textEncoder.encode(target), mtime })
  const bytes = dagPb.encode({ Data, Links: [] })
  const cid = cidOf(bytes, options.cidVersion, DAG_PB_CODE, options.hasher)
  writer.put({ cid, bytes })
  return { cid, size: bytes.length }
}

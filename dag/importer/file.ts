/**
 * Imports one file: chunker → leaves → layout → blocks, streamed to the sink in batches.
 */
import { abortError as toAbortError } from '../../errors/abort.ts'
import { InvalidArgumentError } from '../../errors/index.ts'
import { BalancedLayout } from './balanced.ts'
import { BlockWriter } from './block-writer.ts'
import { createChunker } from './chunker.ts'
import { FileNodes } from './file-nodes.ts'
import { resolveImporterOptions } from './options.ts'
import { TrickleLayout } from './trickle.ts'
import { UNIXFS_FILE, UNIXFS_RAW } from './unixfs-data.ts'
import type { FileLayout } from './file-layout.ts'
import type { FileLink, FileMetadata, PreparedLeaf } from './file-nodes.ts'
import type { ImporterOptions, ResolvedImporterOptions } from './options.ts'
import type { UnixFSMtime } from './unixfs-data.ts'
import type { AbortOptions, BlockSink } from '../../blockstore/types.ts'
import type { CID } from 'multiformats/cid'

/**
 * Most leaves hashed together, and most bytes (or `batchMaxBytes` when smaller): with the window
 * being read, two windows are in memory besides the two batches.
 */
const HASH_WINDOW_LEAVES = 32
const HASH_WINDOW_BYTES = 4 * 1024 * 1024

/** Progress of an import: bytes of a file's content read so far. */
export interface ImportProgressEvent {
  /** the entry's path ('' for {@link importFile}) */
  path: string
  /** content bytes of this file chunked so far */
  bytes: number
}

/** Per-call options of an import. */
export interface ImportCallOptions extends AbortOptions {
  /** called after each chunk with the bytes read so far */
  onProgress?: (event: ImportProgressEvent) => void
}

/** Per-call options of {@link importFile}: the file's UnixFS 1.5 metadata besides the call's. */
export interface ImportFileCallOptions extends ImportCallOptions {
  /** POSIX mode; the permission bits (0o7777) are stored on the file's root (forces dag-pb leaves). */
  mode?: number
  /** Modification time, stored on the file's root (forces dag-pb leaves). */
  mtime?: UnixFSMtime
}

/** The root of an imported file. */
export interface ImportedFile {
  cid: CID
  /** cumulative DAG size in bytes (the `Tsize` a parent would record; Kubo's `Size`) */
  size: number
  /** bytes of file content */
  fileSize: number
}

/** Metadata of one file: UnixFS 1.5 mode and modification time. */
export type { FileMetadata }

/**
 * Imports a file's bytes, writes its blocks to `sink` and returns its root once every block is
 * written. Memory stays bounded, whatever the file's size, by about two `putMany` batches, two
 * hashing windows (up to 4 MiB each) and one chunk. Throws `AbortedError` when `call.signal`
 * aborts, the errors of {@link resolveImporterOptions} for bad options, and whatever the source
 * or the sink throws.
 */
export async function importFile (content: AsyncIterable<Uint8Array>, sink: BlockSink, options: ImporterOptions = {}, call: ImportFileCallOptions = {}): Promise<ImportedFile> {
  const resolved = resolveImporterOptions(options)
  checkMetadata('', call)
  const writer = new BlockWriter({ sink }, { maxBlocks: resolved.batchMaxBlocks, maxBytes: resolved.batchMaxBytes, signal: call.signal })
  const metadata = { mode: call.mode, mtime: call.mtime }
  const root = await buildFile(content, writer, resolved, call, '', hasMetadata(metadata) ? metadata : undefined)
  await writer.flush()
  if (call.signal?.aborted === true) throw abortError(call.signal)
  return { cid: root.cid, size: root.tsize, fileSize: root.fileSize }
}

/** Throws `InvalidArgumentError` unless `mode` and `mtime` are storable. */
export function checkMetadata (path: string, metadata: FileMetadata): void {
  const { mode, mtime } = metadata
  if (mode != null && (!Number.isSafeInteger(mode) || mode < 0 || mode > 0xffffffff)) {
    throw new InvalidArgumentError(`invalid mode ${String(mode)} of "${path}": expected a POSIX mode such as 0o644`)
  }
  if (mtime != null) {
    const { secs, nsecs } = mtime
    const secsOk = typeof secs === 'bigint' ? secs >= -(2n ** 63n) && secs < 2n ** 63n : Number.isSafeInteger(secs)
    if (!secsOk || (nsecs != null && (!Number.isInteger(nsecs) || nsecs < 0 || nsecs > 999_999_999))) {
      throw new InvalidArgumentError(`invalid mtime of "${path}": secs must be an integer and nsecs an integer from 0 to 999999999`)
    }
  }
}

/** True when metadata asks for anything to be stored. */
export function hasMetadata (metadata?: FileMetadata): metadata is FileMetadata {
  return metadata != null && (metadata.mtime != null || (metadata.mode != null && (metadata.mode & 0xfff) !== 0))
}

/**
 * Builds one file's DAG, queueing its blocks on `writer` (rotating batches as they fill, but not
 * flushing the last one). Shared by {@link importFile} and the tree importer.
 */
export async function buildFile (content: AsyncIterable<Uint8Array>, writer: BlockWriter, options: ResolvedImporterOptions, call: ImportCallOptions, path: string, metadata: FileMetadata | undefined): Promise<FileLink> {
  const withMetadata = hasMetadata(metadata) ? metadata : undefined
  if (withMetadata != null && options.rawLeaves && options.rawLeavesExplicit) {
    // Kubo: "raw-leaves can't be used with UnixFS metadata like mode or modification time"
    throw new InvalidArgumentError(`cannot store mode or mtime of "${path}" with rawLeaves: true; leave rawLeaves unset or false`)
  }
  const trickle = options.layout === 'trickle'
  const nodes = new FileNodes(writer, {
    cidVersion: options.cidVersion,
    hasher: options.hasher,
    rawLeaves: options.rawLeaves && withMetadata == null,
    leafType: trickle ? UNIXFS_RAW : UNIXFS_FILE
  })
  const layout: FileLayout = trickle
    ? new TrickleLayout(nodes, options.maxLinks, options.trickleLayerRepeat, withMetadata)
    : new BalancedLayout(nodes, options.maxLinks, withMetadata)

  const { signal, onProgress } = call
  const source = signal == null ? content : abortable(content, signal)
  // Leaves are hashed a window at a time, off the main thread where the hash allows it, while
  // the next window is read and chunked; then they enter the layout in order.
  const windowMaxBytes = Math.min(HASH_WINDOW_BYTES, options.batchMaxBytes)
  let window: PreparedLeaf[] = []
  let windowBytes = 0
  let hashing: { leaves: PreparedLeaf[], digests: Promise<Uint8Array[]> } | undefined
  const commit = async (): Promise<void> => {
    if (hashing == null) return
    const { leaves, digests } = hashing
    hashing = undefined
    const values = await digests
    for (let i = 0; i < leaves.length; i++) {
      layout.add(nodes.commitLeaf(leaves[i], values[i]))
    }
  }
  const nextWindow = async (): Promise<void> => {
    const leaves = window
    window = []
    windowBytes = 0
    const digests = Promise.all(leaves.map(leaf => leaf.digest))
    digests.catch(() => {}) // awaited when the window is committed; until then not "unhandled"
    // leaves enter the layout strictly in order: the previous window first
    await commit()
    hashing = { leaves, digests }
    if (writer.full) await writer.rotate()
  }

  // a one-chunk balanced file with metadata is a single node carrying it: hold the first chunk
  const holdFirst = withMetadata != null && !trickle
  let held: Uint8Array | undefined
  let chunks = 0
  let bytes = 0
  for await (const chunk of createChunker(options.chunker)(source)) {
    chunks++
    bytes += chunk.length
    onProgress?.({ path, bytes })
    if (holdFirst && chunks <= 2) {
      if (chunks === 1) {
        held = chunk
        continue
      }
      const first = nodes.prepareLeaf(held as Uint8Array)
      window.push(first)
      windowBytes += first.bytes.length
      held = undefined
    }
    const leaf = nodes.prepareLeaf(chunk)
    window.push(leaf)
    windowBytes += leaf.bytes.length
    if (window.length >= HASH_WINDOW_LEAVES || windowBytes >= windowMaxBytes) {
      await nextWindow()
    }
  }
  if (window.length > 0) await nextWindow()
  await commit()
  if (signal?.aborted === true) throw abortError(signal)
  if (held != null && withMetadata != null) {
    return nodes.leafWithMetadata(held, withMetadata)
  }
  return layout.finish()
}

function abortError (signal: AbortSignal): Error {
  return toAbortError(signal, 'the import')
}

/**
 * Passes `source` through, but rejects as soon as `signal` aborts, even while the source is
 * waiting for data, and then tells the source to stop.
 */
async function * abortable (source: AsyncIterable<Uint8Array>, signal: AbortSignal): AsyncGenerator<Uint8Array> {
  if (signal.aborted) throw abortError(signal)
  const iterator = source[Symbol.asyncIterator]()
  // Each read gets its own promise, which the abort listener can reject. (A race of every read
  // against one long-lived "aborted" promise would hang a reaction holding each chunk on that
  // promise until the import ends: all the file's bytes would stay in memory.)
  let rejectRead: ((err: Error) => void) | undefined
  const onAbort = (): void => { rejectRead?.(abortError(signal)) }
  signal.addEventListener('abort', onAbort, { once: true })
  let done = false
  try {
    while (true) {
      if (signal.aborted) throw abortError(signal)
      const result = await new Promise<IteratorResult<Uint8Array>>((resolve, reject) => {
        rejectRead = reject
        iterator.next().then(resolve, reject)
      })
      rejectRead = undefined
      if (result.done === true) {
        done = true
        return
      }
      if (signal.aborted) throw abortError(signal)
      yield result.value
    }
  } finally {
    rejectRead = undefined
    signal.removeEventListener('abort', onAbort)
    if (!done) {
      // do not wait: the source may be stuck in a read that only its producer can end
      void Promise.resolve(iterator.return?.()).catch(() => {})
    }
  }
}

/**
 * The mutable file system: a tree of UnixFS directories whose root CID lives in the repo's
 * metadata store, edited the way Kubo's `ipfs files` edits it.
 *
 * The tree is persistent: an edit loads the directories on the path from the root, changes the
 * last one, writes every one of them again bottom-up (children keep their CIDs), and then
 * stores the new root CID. So:
 *
 * - blocks are written (and fsynced, by the blockstore) before the root pointer moves, and the
 *   pointer moves in one LevelDB put: a crash at any moment leaves the previous root, whole;
 * - every edit holds a shared GC lease from before its first block is written until its root
 *   is stored, and GC counts the stored root among its roots: GC never sees a block that only
 *   an unfinished edit references, nor takes one the stored tree reaches;
 * - edits of the tree run one at a time (one mutex on the root); a `write` imports its bytes
 *   before it takes that mutex (writes to the same path queue on a mutex of their own), so
 *   concurrent writers to different paths stream in parallel and are linked in one by one,
 *   none lost.
 *
 * The lease is always taken before the root mutex: the other order could wait on a lease while
 * GC, queued for the exclusive side, waits for a lease holder that waits on the mutex.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import type { CID } from 'multiformats/cid'
import { cat, hasherByCode, importFile, loadNode, resolve, type DirectoryEntry, type DirectoryOptions, type ImporterOptions, type LsEntry, type Mtime, ls as lsDirectory } from '../dag/index.ts'
import { FileExistsError, FileNotFoundError, InvalidArgumentError, InvalidPathError, NotADirectoryError, NotAFileError } from '../errors/index.ts'
import { Mutex } from '../blockstore/mutex.ts'
import { loggerFor, type ComponentLogger, type Logger } from '../logger/index.ts'
import { DAG_PB, SHA2_256 } from '../blockstore/index.ts'
import type { AbortOptions, Block, BlockGetter, BlockSink, Lease } from '../blockstore/index.ts'
import type { MetadataStore } from '../repo/index.ts'
import { emptyDirectory, loadDirectory, storeDirectory, type DirectoryIO, type DirectoryState } from './directory.ts'
import { setFileMetadata, type MetadataChange } from './metadata.ts'
import { parseMfsPath, pathOf, type MfsPath } from './path.ts'
import { spliceContent } from './splice.ts'
import { statNode } from './stat.ts'
import { readRoot, writeRoot } from './root-store.ts'

/** What the MFS is built from. */
export interface MfsComponents {
  /**
   * Where blocks are read (the node's block service: local first, then the network). A block
   * fetched while an edit holds its lease is stored under that lease (`lease`), since leases
   * are not re-entrant.
   */
  blocks: { get(cid: CID, options?: AbortOptions & { lease?: Lease }): Promise<Uint8Array> }
  /** Where new blocks are written (the blockstore). */
  sink: BlockSink
  /** The GC lease lock: its shared side is held by every edit. */
  leases: { acquire(options?: AbortOptions): Promise<Lease> }
  /** The MFS's own part of the metadata store, where the root CID lives. */
  datastore: MetadataStore
  /** Logs as `cairn:mfs`. Default: silent. */
  logger?: ComponentLogger
}

/** The CID version and hash function of directories an edit creates. */
export interface CidFormat {
  cidVersion: 0 | 1
  /** Multihash code. */
  hashCode: number
}

/** Default format of new directories and of the initial root: CIDv0, sha2-256 (Kubo's). */
export const DEFAULT_CID_FORMAT: CidFormat = { cidVersion: 0, hashCode: SHA2_256 }

/** Options every edit takes. */
export interface EditOptions extends AbortOptions {
  /**
   * Sharding settings (HAMT threshold, fanout, size estimation, most links) for every directory
   * written, and the format of new ones. Default: `buildDirectory`'s defaults, CIDv0.
   */
  directory?: DirectoryOptions
  /** Format of directories this edit creates. Default {@link DEFAULT_CID_FORMAT}. */
  format?: CidFormat
  /**
   * A GC lease the caller already holds (leases are not re-entrant): `add --to-files` links what
   * it imported under the lease it imported with. Default: the edit takes its own.
   */
  lease?: Lease
}

/** Options of {@link Mfs.write}. */
export interface WriteOptions extends EditOptions {
  /** Create the file when it does not exist. Default false. */
  create?: boolean
  /** Create missing parent directories. Default false. */
  parents?: boolean
  /** Byte offset to write at; past the end, the gap is zeros. Default 0. */
  offset?: number
  /** Most bytes of the input to write. Default: all of it. */
  count?: number
  /** Cut the file to zero bytes before writing. Default false. */
  truncate?: boolean
  /** How the file's new DAG is built (chunker, CID version, raw leaves, hash). */
  importer?: ImporterOptions
}

/** One entry of {@link Mfs.ls}. */
export interface MfsListing {
  name: string
  /** Kubo's MFS types: 0 file (and symlink), 1 directory. */
  type: 0 | 1
  /** File size (0 for directories). */
  size: number
  cid: CID
}

/** The key of the root CID in the MFS's datastore. */
export { ROOT_KEY } from './root-store.ts'

/** Kubo's MFS type numbers. */
const TYPE_FILE = 0
const TYPE_DIRECTORY = 1

function notExist (path?: string): FileNotFoundError {
  return new FileNotFoundError(path == null ? 'file does not exist' : `${path}: file does not exist`)
}

/** The mutable file system over one repo. Create one per node: its mutex serializes edits. */
export class Mfs {
  readonly #components: MfsComponents
  readonly #io: DirectoryIO
  readonly #log: Logger
  /** One edit of the tree at a time. */
  readonly #root = new Mutex()
  /** The GC lease the running edit holds, for the reads it makes. */
  readonly #held = new AsyncLocalStorage<Lease>()
  /** Writes to the same path, one at a time (read-modify-write of one file). */
  readonly #paths = new Map<string, { mutex: Mutex, users: number }>()

  constructor (components: MfsComponents) {
    const held = this.#held
    // every read goes through here: under an edit, a fetched block is stored under its lease
    const blocks: BlockGetter = { get: async (cid, options) => await components.blocks.get(cid, { ...options, lease: held.getStore() }) }
    this.#components = { ...components, blocks }
    this.#io = { blocks, sink: components.sink }
    this.#log = loggerFor(components.logger, 'cairn:mfs')
  }

  /** The current root CID; the first call on a new repo stores an empty directory as the root. */
  async root (options: EditOptions = {}): Promise<CID> {
    const stored = await readRoot(this.#components.datastore, options)
    if (stored != null) return stored
    return await this.#transaction(options, async (root) => root)
  }

  /**
   * The CID at `path`.
   *
   * @throws FileNotFoundError when nothing is there ("file does not exist", as Kubo)
   */
  async lookup (path: string | MfsPath, options: EditOptions = {}): Promise<CID> {
    const parsed = typeof path === 'string' ? parseMfsPath(path) : path
    const root = await this.root(options)
    return (await this.#find(root, parsed.segments, options)).cid
  }

  /** Lists a directory (or names a file), Kubo's `files ls`; `long` reads each child's type and size. */
  async * ls (path: string, options: AbortOptions & { long?: boolean } = {}): AsyncGenerator<MfsListing> {
    const parsed = parseMfsPath(path)
    const root = await this.root(options)
    const found = await this.#find(root, parsed.segments, options)
    if (found.type !== 'directory') {
      const name = parsed.segments[parsed.segments.length - 1] ?? ''
      yield { name, type: TYPE_FILE, size: found.size ?? 0, cid: found.cid }
      return
    }
    for await (const entry of lsDirectory(found.cid, this.#components.blocks, { signal: options.signal, resolveType: options.long === true })) {
      yield listing(entry)
    }
  }

  /**
   * Reads a file's bytes from `offset`, at most `count` of them.
   *
   * @throws NotAFileError for directories; InvalidArgumentError for a bad offset or count
   */
  async * read (path: string, options: AbortOptions & { offset?: number, count?: number } = {}): AsyncGenerator<Uint8Array> {
    const parsed = parseMfsPath(path)
    const offset = options.offset ?? 0
    if (offset < 0) throw new InvalidArgumentError('cannot specify negative offset')
    if (options.count != null && options.count < 0) throw new InvalidArgumentError("cannot specify negative 'count'")
    const root = await this.root(options)
    const found = await this.#find(root, parsed.segments, options, parsed.path)
    if (found.type === 'directory' || found.type === 'symlink') throw new NotAFileError(`${parsed.path} was not a file`)
    const size = found.size ?? 0
    if (offset > size) throw new InvalidArgumentError(`offset was past end of file (${offset} > ${size})`)
    yield * cat(found.cid, this.#components.blocks, { offset, length: options.count, signal: options.signal })
  }

  /**
   * Makes a directory. With `parents`, missing parents are made too and an existing directory is
   * no error.
   *
   * @throws FileExistsError when the name is taken; FileNotFoundError for a missing parent
   */
  async mkdir (path: string, options: EditOptions & { parents?: boolean } = {}): Promise<void> {
    const parsed = parseMfsPath(path)
    if (parsed.segments.length === 0) {
      if (options.parents === true) return
      throw new FileExistsError("cannot create directory '/': Already exists")
    }
    const format = options.format ?? DEFAULT_CID_FORMAT
    const name = parsed.segments[parsed.segments.length - 1]
    await this.#edit(parsed.segments.slice(0, -1), options, options.parents === true, async (dir) => {
      const existing = dir.entries.get(name)
      if (existing != null) {
        if (options.parents === true && await this.#isDirectory(existing.cid, options)) return
        throw new FileExistsError('file already exists')
      }
      const made = await storeDirectory(emptyDirectory(format.cidVersion, format.hashCode), this.#io, options.directory ?? {}, options)
      dir.entries.set(name, { name, ...made })
    })
  }

  /**
   * Writes `content` into the file at `path` (Kubo's `files write`): at `offset`, over what is
   * there, the rest of the file kept unless `truncate`. The new file is imported as `add` would
   * import its bytes, streaming: the old bytes are read back through the exporter around the new
   * ones, so memory stays bounded whatever the file's size.
   */
  async write (path: string, content: AsyncIterable<Uint8Array>, options: WriteOptions = {}): Promise<CID> {
    const parsed = parseMfsPath(path)
    if (parsed.segments.length === 0) throw new NotAFileError('/ was not a file')
    const offset = options.offset ?? 0
    if (offset < 0 || !Number.isSafeInteger(offset)) throw new InvalidArgumentError('cannot have negative write offset')
    if (options.count != null && (options.count < 0 || !Number.isSafeInteger(options.count))) throw new InvalidArgumentError('cannot have negative byte count')
    const parent = parsed.segments.slice(0, -1)
    const name = parsed.segments[parsed.segments.length - 1]
    const lease = options.lease ?? await this.#components.leases.acquire(options)
    try {
      return await this.#held.run(lease, async () => await this.#forPath(parsed.path, async () => {
        // what is there now; writers to this path queue behind this one, so it stays so
        const root = await this.root({ ...options, lease })
        let old: Found | undefined
        try {
          old = await this.#find(root, parsed.segments, options)
        } catch (err) {
          if ((err as Error).name !== 'FileNotFoundError') throw err
          if (options.create !== true) throw notExist()
          if (options.parents !== true && parent.length > 0) {
            // the parent must exist (and be a directory) before any byte is read
            const dir = await this.#find(root, parent, options).catch((e: unknown) => { throw (e as Error).name === 'FileNotFoundError' ? notExist() : e })
            if (dir.type !== 'directory') throw new NotADirectoryError(`${pathOf(parent)} is not a directory`)
          }
        }
        if (old != null && (old.type === 'directory' || old.type === 'symlink')) throw new NotAFileError(`${parsed.path} was not a file`)
        const bytes = spliceContent({
          old: old == null || options.truncate === true ? undefined : { cid: old.cid, size: old.size ?? 0 },
          offset,
          count: options.count,
          data: content,
          blocks: this.#components.blocks,
          signal: options.signal
        })
        // the file keeps its mode and mtime (raw leaves asked for explicitly cannot carry them)
        const keepMetadata = (old?.mode != null || old?.mtime != null) && options.importer?.rawLeaves !== true
        const metadata = keepMetadata ? { mode: old?.mode, mtime: old?.mtime } : {}
        const file = await importFile(bytes, this.#components.sink, options.importer ?? {}, { ...metadata, signal: options.signal })
        this.#log('wrote %d bytes to %s as %c', file.fileSize, parsed.path, file.cid)
        await this.#edit(parent, options, options.parents === true, async (dir) => {
          const existing = dir.entries.get(name)
          // a directory made there meanwhile is not overwritten
          if (existing != null && await this.#isDirectory(existing.cid, options)) throw new NotAFileError(`${parsed.path} was not a file`)
          dir.entries.set(name, { name, cid: file.cid, size: file.size })
        }, lease)
        return file.cid
      }))
    } finally {
      if (options.lease == null) lease.release()
    }
  }

  /**
   * Puts the node `source` at `dest` (Kubo's `files cp`: a lazy copy, only the root block is
   * read). A `dest` ending in `/` keeps `sourceName`.
   *
   * @throws FileExistsError when `dest` is taken (unless `force` and it is a file)
   */
  async cp (source: CID, sourceName: string, dest: string, options: EditOptions & { parents?: boolean, force?: boolean } = {}): Promise<void> {
    const parsed = parseMfsPath(dest)
    const segments = parsed.trailingSlash || parsed.segments.length === 0 ? [...parsed.segments, sourceName] : parsed.segments
    if (segments.length === 0 || sourceName === '') throw new InvalidPathError(`cp: cannot put node in path ${dest}: no name to give it`)
    const size = await cumulativeSize(source, this.#components.blocks, options)
    const name = segments[segments.length - 1]
    await this.#edit(segments.slice(0, -1), options, options.parents === true, async (dir) => {
      const existing = dir.entries.get(name)
      if (existing != null) {
        if (options.force !== true) throw new FileExistsError(`cp: cannot put node in path ${pathOf(segments)}: directory already has entry by that name`)
        if (await this.#isDirectory(existing.cid, options)) throw new NotAFileError(`cp: cannot unlink existing file: not a file: ${pathOf(segments)}`)
      }
      dir.entries.set(name, { name, cid: source, size })
    })
  }

  /**
   * Moves `source` to `dest` (Kubo's `files mv`): into `dest` when it is a directory (or ends
   * in `/`), over it when it is a file.
   */
  async mv (source: string, dest: string, options: EditOptions = {}): Promise<void> {
    const src = parseMfsPath(source)
    const dst = parseMfsPath(dest)
    if (src.segments.length === 0) throw new InvalidPathError('cannot move the root')
    const srcName = src.segments[src.segments.length - 1]
    await this.#transaction(options, async (root) => {
      const moved = await this.#find(root, src.segments, options)
      let target = dst.trailingSlash || dst.segments.length === 0 ? [...dst.segments, srcName] : dst.segments
      if (!dst.trailingSlash && dst.segments.length > 0) {
        const there = await this.#find(root, dst.segments, options).catch((err: unknown) => {
          if ((err as Error).name === 'FileNotFoundError') return undefined
          throw err
        })
        if (there?.type === 'directory') target = [...dst.segments, srcName]
      }
      if (pathOf(target) === src.path) return root
      if (moved.type === 'directory' && pathOf(target).startsWith(src.path + '/')) {
        throw new InvalidPathError(`cannot move ${src.path} into itself (${pathOf(target)})`)
      }
      const targetName = target[target.length - 1]
      const entry: DirectoryEntry = { name: targetName, cid: moved.cid, size: await cumulativeSize(moved.cid, this.#components.blocks, options) }
      // into a directory: the name must be free there; onto a path: a file there is replaced
      const into = target.length !== dst.segments.length
      let next = await this.#rewrite(root, target.slice(0, -1), options, false, async (dir) => {
        const existing = dir.entries.get(targetName)
        if (existing != null && (into || await this.#isDirectory(existing.cid, options))) {
          throw new FileExistsError('directory already has entry by that name')
        }
        dir.entries.set(targetName, entry)
      })
      next = await this.#rewrite(next, src.segments.slice(0, -1), options, false, async (dir) => {
        dir.entries.delete(srcName)
      })
      return next
    })
  }

  /**
   * Removes the entry at `path` (Kubo's `files rm`). A directory needs `recursive` (or `force`);
   * `force` makes a missing entry no error.
   */
  async rm (path: string, options: EditOptions & { recursive?: boolean, force?: boolean } = {}): Promise<void> {
    const parsed = parseMfsPath(path)
    if (parsed.segments.length === 0) throw new InvalidPathError('cannot delete root')
    const name = parsed.segments[parsed.segments.length - 1]
    try {
      await this.#edit(parsed.segments.slice(0, -1), options, false, async (dir) => {
        const existing = dir.entries.get(name)
        if (existing == null) {
          if (options.force === true) return
          throw notExist()
        }
        if (options.force !== true && options.recursive !== true && await this.#isDirectory(existing.cid, options)) {
          throw new InvalidArgumentError('path is a directory, use -r to remove directories')
        }
        dir.entries.delete(name)
      })
    } catch (err) {
      if (options.force === true && (err as Error).name === 'FileNotFoundError') return
      throw err
    }
  }

  /** Changes the CID version or hash function of the directory at `path` (not the root). */
  async chcid (path: string, format: Partial<CidFormat>, options: EditOptions = {}): Promise<void> {
    const parsed = parseMfsPath(path)
    if (parsed.segments.length === 0) {
      throw new InvalidArgumentError("cannot change CID format of the MFS root; use 'cairn config Import.CidVersion' and 'cairn config Import.HashFunction' instead")
    }
    if (format.cidVersion == null && format.hashCode == null) return
    const name = parsed.segments[parsed.segments.length - 1]
    await this.#edit(parsed.segments.slice(0, -1), options, false, async (dir) => {
      const existing = dir.entries.get(name)
      if (existing == null) throw notExist()
      const child = await loadDirectory(existing.cid, this.#io, parsed.path, options).catch((err: unknown) => {
        if ((err as Error).name === 'NotADirectoryError') throw new NotADirectoryError('can only update directories')
        throw err
      })
      if (format.cidVersion != null) child.cidVersion = format.cidVersion
      if (format.hashCode != null) child.hashCode = format.hashCode
      if (child.cidVersion === 0 && child.hashCode !== SHA2_256) {
        throw new InvalidArgumentError(`CIDv0 only supports sha2-256; use --cid-version=1 with --hash=${hasherByCode(child.hashCode).name}`)
      }
      dir.entries.set(name, { name, ...await storeDirectory(child, this.#io, options.directory ?? {}, options) })
    })
  }

  /** Sets the UnixFS mode (permission bits) of the entry at `path`. */
  async chmod (path: string, mode: number, options: EditOptions = {}): Promise<void> {
    await this.#setMetadata(path, { mode: mode & 0o7777 }, options)
  }

  /** Sets the UnixFS modification time of the entry at `path`. */
  async touch (path: string, mtime: Mtime, options: EditOptions = {}): Promise<void> {
    await this.#setMetadata(path, { mtime }, options)
  }

  async #setMetadata (path: string, change: MetadataChange, options: EditOptions): Promise<void> {
    const parsed = parseMfsPath(path)
    const apply = (dir: DirectoryState): void => {
      if (change.mode != null) dir.mode = change.mode
      if (change.mtime != null) dir.mtime = change.mtime
    }
    if (parsed.segments.length === 0) {
      await this.#edit([], options, false, async (dir) => { apply(dir) })
      return
    }
    const name = parsed.segments[parsed.segments.length - 1]
    await this.#edit(parsed.segments.slice(0, -1), options, false, async (dir) => {
      const existing = dir.entries.get(name)
      if (existing == null) throw notExist()
      if (await this.#isDirectory(existing.cid, options)) {
        const child = await loadDirectory(existing.cid, this.#io, parsed.path, options)
        apply(child)
        dir.entries.set(name, { name, ...await storeDirectory(child, this.#io, options.directory ?? {}, options) })
      } else {
        dir.entries.set(name, { name, ...await setFileMetadata(existing.cid, this.#components.blocks, this.#components.sink, change, options) })
      }
    })
  }

  /** Edits the directory at `segments` under the root mutex and a lease, and stores the new root. */
  async #edit (segments: string[], options: EditOptions, parents: boolean, edit: (dir: DirectoryState) => Promise<void>, lease?: Lease): Promise<void> {
    await this.#transaction(options, async (root) => await this.#rewrite(root, segments, options, parents, edit), lease)
  }

  /**
   * Runs `change` on the current root under a GC lease (the caller's, or one taken here) and the
   * root mutex, and stores the root it returns once its blocks are written.
   */
  async #transaction (options: EditOptions, change: (root: CID) => Promise<CID>, held = options.lease): Promise<CID> {
    const lease = held ?? await this.#components.leases.acquire(options)
    try {
      return await this.#held.run(lease, async () => await this.#root.run(async () => {
        const datastore = this.#components.datastore
        let root = await readRoot(datastore, options)
        if (root == null) {
          // a new repo: the empty directory, written like any other directory
          const format = options.format ?? DEFAULT_CID_FORMAT
          root = (await storeDirectory(emptyDirectory(format.cidVersion, format.hashCode), this.#io, options.directory ?? {}, options)).cid
          await writeRoot(datastore, root, options)
          this.#log('created the root %c', root)
        }
        const next = await change(root)
        if (!next.equals(root)) {
          await writeRoot(datastore, next, options)
          this.#log('root %c → %c', root, next)
        }
        return next
      }))
    } finally {
      if (held == null) lease.release()
    }
  }

  /**
   * Loads the directories from `root` down `segments`, lets `edit` change the last one, writes
   * them all again bottom-up and returns the new root. With `parents`, missing directories on
   * the way are created (in `options.format`).
   */
  async #rewrite (root: CID, segments: string[], options: EditOptions, parents: boolean, edit: (dir: DirectoryState) => Promise<void>): Promise<CID> {
    const format = options.format ?? DEFAULT_CID_FORMAT
    const shape = options.directory ?? {}
    // the directories on the path are written together, in one putMany (one fsync), once built
    const pending: Block[] = []
    const io: DirectoryIO = { blocks: this.#io.blocks, sink: { putMany: async (blocks) => { pending.push(...blocks) } } }
    const walk = async (dir: DirectoryState, depth: number): Promise<{ cid: CID, size: number }> => {
      if (depth === segments.length) {
        await edit(dir)
      } else {
        const name = segments[depth]
        const child = dir.entries.get(name)
        let sub: DirectoryState
        if (child == null) {
          if (!parents) throw notExist()
          sub = emptyDirectory(format.cidVersion, format.hashCode)
        } else {
          sub = await loadDirectory(child.cid, this.#io, pathOf(segments, depth + 1), options)
        }
        dir.entries.set(name, { name, ...await walk(sub, depth + 1) })
      }
      return await storeDirectory(dir, io, shape, options)
    }
    const next = await walk(await loadDirectory(root, this.#io, '/', options), 0)
    await this.#components.sink.putMany(pending, { signal: options.signal })
    return next.cid
  }

  /** The node at `segments` below `root`, with what the exporter knows of it. */
  async #find (root: CID, segments: string[], options: AbortOptions, path?: string): Promise<Found> {
    if (segments.length === 0) return { cid: root, type: 'directory' }
    try {
      const resolved = await resolve({ root, segments }, this.#components.blocks, options)
      const entry = resolved.entry
      return { cid: resolved.cid, type: entry.type, size: entry.size, mode: entry.mode, mtime: entry.mtime }
    } catch (err) {
      const name = (err as Error).name
      if (name === 'PathNotFoundError' || name === 'NotADirectoryError') throw notExist(path)
      throw err
    }
  }

  async #isDirectory (cid: CID, options: AbortOptions): Promise<boolean> {
    if (cid.code !== DAG_PB) return false
    const node = await loadNode(this.#components.blocks, cid, options)
    return node.kind === 'unixfs' && (node.unixfs.type === 'directory' || node.unixfs.type === 'hamt-sharded-directory')
  }

  /** Runs `fn` once no other write to `path` runs. */
  async #forPath<T> (path: string, fn: () => Promise<T>): Promise<T> {
    let slot = this.#paths.get(path)
    if (slot == null) {
      slot = { mutex: new Mutex(), users: 0 }
      this.#paths.set(path, slot)
    }
    slot.users++
    try {
      return await slot.mutex.run(fn)
    } finally {
      if (--slot.users === 0) this.#paths.delete(path)
    }
  }
}

interface Found {
  cid: CID
  type: string
  size?: number
  mode?: number
  mtime?: Mtime
}

function listing (entry: LsEntry): MfsListing {
  const directory = entry.type === 'directory'
  return { name: entry.name, type: directory ? TYPE_DIRECTORY : TYPE_FILE, size: directory ? 0 : entry.size ?? 0, cid: entry.cid }
}

/** A node's cumulative size (Kubo's `Node.Size()`): its block plus its links' Tsizes. */
async function cumulativeSize (cid: CID, blocks: BlockGetter, options: AbortOptions): Promise<number> {
  return (await statNode(cid, blocks, options)).CumulativeSize
}

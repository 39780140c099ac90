/**
 * Writing `get` entries (files, directories, symlinks) to disk, so that nothing from the DAG can
 * reach outside the output path.
 *
 * The rules, each of which closes a known hole:
 * - every entry passes the exporter's `EntryPathGuard`, the one check every way a DAG becomes files
 *   shares (the RPC and gateway tars too): no name with `/`, `\`, `.`, `..`, empty, NUL or control
 *   characters, and nothing at or under a path an earlier entry made a symlink;
 * - an entry is written only inside a directory that this extraction itself created with `mkdir`
 *   (so a symlink from the DAG, or anything that was already on disk, is never written through:
 *   `s -> /tmp` followed by `s/x` is refused), and its parent is checked with `lstat` first;
 * - everything is created exclusively, never opened if it exists (`O_CREAT|O_EXCL|O_NOFOLLOW` for
 *   files, `mkdir` without `recursive`, `symlink`), so an existing file or link is never followed
 *   or overwritten;
 * - symlinks are created with their target text as is, and never followed;
 * - modes, when preserved, lose setuid, setgid and sticky bits; directory modes and mtimes are
 *   applied last, through a handle opened with `O_NOFOLLOW`, so a read-only directory does not
 *   stop its own extraction.
 *
 * With `overwrite` (what `cairn get` uses, as Kubo's `get` does), an existing tree is merged into
 * instead: an existing real directory is used, an existing file or symlink at an entry's path is
 * replaced (written beside it under a temporary name, then renamed over it, so the old one is
 * never opened or followed), and anything else in the way (a symlink where a directory goes, a
 * directory where a file goes) is still refused.
 *
 * The output path itself is the user's choice and is used as given (it may be a symlink). What is
 * not covered: another local process racing to swap a directory this extraction created for a
 * symlink between the `lstat` and the write (Node has no `openat`).
 */

import { throwIfAborted } from '../../errors/abort.ts'
import { constants as fsConstants } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { lstat, mkdir, open, rename, rm, stat, symlink, lutimes } from 'node:fs/promises'
import { dirname, join, resolve as resolvePath } from 'node:path'
import { assertSafeName, EntryPathGuard, printable } from '../../dag/exporter/index.ts'
import { InvalidArgumentError, UnsafePathError } from '../../errors/index.ts'
import { tarFromEntries, type TarEntry } from '../../http-api/tar.ts'
import { gzipped, singleFileBytes } from '../../http-api/gzip.ts'

/** One thing to write: what `walk` yields (or a tar reader produces). */
export interface ExtractEntry {
  /** Names from the root down; `[]` is the root itself. Preferred over `path` when given. */
  segments?: readonly string[]
  /** The same as a `/`-joined path (`''` for the root); split on `/` when `segments` is absent. */
  path: string
  /** The root's own name (the last path segment, or the CID): a file root written into an existing directory takes it. */
  name?: string
  type: 'file' | 'directory' | 'symlink' | (string & {})
  content?: (options?: { signal?: AbortSignal }) => AsyncIterable<Uint8Array>
  target?: string
  mode?: number
  mtime?: { secs: bigint | number, nsecs?: number }
}

/** Options of {@link extract}. */
export interface ExtractOptions {
  signal?: AbortSignal
  /** Apply each entry's UnixFS mode (permission bits only, `& 0o777`). Default false. */
  preserveMode?: boolean
  /** Apply each entry's UnixFS mtime. Default false. */
  preserveMtime?: boolean
  /**
   * Merge into what exists, as Kubo's `get` does: existing real directories are used, existing
   * files and symlinks are replaced (never written through), and a file root whose output path is
   * an existing directory is written inside it under its own name. Default false: nothing that
   * exists is touched.
   */
  overwrite?: boolean
}

/** What an extraction wrote. */
export interface ExtractResult {
  files: number
  directories: number
  symlinks: number
  /** File bytes written. */
  bytes: number
}

/** Permission bits that may be applied; setuid, setgid and sticky never are. */
const PERMISSION_BITS = 0o777
/** A new file's mode before the umask, as any program creates files. */
const NEW_FILE_MODE = 0o666
const NEW_DIRECTORY_MODE = 0o777

const O_NOFOLLOW = fsConstants.O_NOFOLLOW ?? 0
const O_DIRECTORY = fsConstants.O_DIRECTORY ?? 0
const CREATE_FILE_FLAGS = fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL | O_NOFOLLOW

interface CreatedDirectory {
  abs: string
  mode?: number
  mtime?: Date
}

/**
 * Writes entries under `outDir`. The first entry may be the root (`segments: []`): a file root is
 * written to `outDir` itself (like `ipfs get <cid> -o out`), a directory root makes `outDir` a
 * directory (an existing one is used), a symlink root is created at `outDir`. Without a root entry,
 * `outDir` is used as the directory.
 *
 * @throws UnsafePathError for an unsafe name, an entry whose parent is not a directory this
 *   extraction created, or a path that already exists
 */
export async function extract (
  entries: AsyncIterable<ExtractEntry> | Iterable<ExtractEntry>,
  outDir: string,
  options: ExtractOptions = {}
): Promise<ExtractResult> {
  const { signal } = options
  const overwrite = options.overwrite === true
  let root = resolvePath(outDir)
  const result: ExtractResult = { files: 0, directories: 0, symlinks: 0, bytes: 0 }
  /** Keys (`/`-joined segments) of the directories this extraction created; '' is the root. */
  const directories = new Set<string>()
  const created: CreatedDirectory[] = []
  const guard = new EntryPathGuard()
  let first = true

  for await (const entry of entries) {
    throwIfAborted(signal, 'the extraction')
    const segments = entry.segments != null ? [...entry.segments] : splitPath(entry.path)
    const display = segments.join('/')
    guard.check(segments, entry.type)
    const isRoot = segments.length === 0
    if (isRoot && !first) {
      throw new UnsafePathError('refusing a second root entry: only the first entry may be the root')
    }
    if (!isRoot && first) {
      await useRootDirectory(root)
      directories.add('')
    }
    first = false

    if (isRoot && overwrite && entry.type !== 'directory' && entry.name != null && await isDirectory(root)) {
      // Kubo: `get <file> -o <existing folder>` writes the file inside the folder
      assertSafeName(entry.name)
      root = join(root, entry.name)
    }
    let abs = root
    if (!isRoot) {
      const parent = segments.slice(0, -1).join('/')
      if (!directories.has(parent)) {
        throw new UnsafePathError(
          `refusing "${printable(display)}": its parent "${printable(parent)}" is not a directory created by this extraction`
        )
      }
      abs = join(root, ...segments)
      if (parent !== '') {
        await assertRealDirectory(join(root, ...segments.slice(0, -1)), parent)
      }
    }

    const mtime = options.preserveMtime === true && entry.mtime != null ? toDate(entry.mtime) : undefined
    const mode = options.preserveMode === true && entry.mode != null ? entry.mode & PERMISSION_BITS : undefined
    switch (entry.type) {
      case 'file':
        result.bytes += await writeFile(abs, display, entry, { mode, mtime, signal, overwrite })
        result.files++
        break
      case 'directory':
        if (isRoot) {
          await useRootDirectory(root)
        } else {
          await exclusively(display, () => mkdir(abs, NEW_DIRECTORY_MODE), overwrite ? async () => await assertRealDirectory(abs, display) : undefined)
        }
        directories.add(display)
        created.push({ abs, mode, mtime })
        result.directories++
        break
      case 'symlink': {
        const target = entry.target
        if (typeof target !== 'string' || target === '' || target.includes('\0')) {
          throw new UnsafePathError(`refusing symlink "${printable(display)}": its target is empty or contains NUL`)
        }
        await replacing(abs, display, overwrite, async (path) => { await symlink(target, path) })
        if (mtime != null) {
          await lutimes(abs, mtime, mtime)
        }
        result.symlinks++
        break
      }
      default:
        throw new InvalidArgumentError(`cannot extract "${printable(display)}": unknown entry type "${printable(String(entry.type))}"`)
    }
  }
  if (first) {
    throw new InvalidArgumentError('nothing to extract')
  }

  // deepest first, so applying a read-only mode to a directory comes after its contents
  for (const dir of created.reverse()) {
    if (dir.mode == null && dir.mtime == null) continue
    const handle = await open(dir.abs, fsConstants.O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
    try {
      if (dir.mtime != null) await handle.utimes(dir.mtime, dir.mtime)
      if (dir.mode != null) await handle.chmod(dir.mode)
    } finally {
      await handle.close()
    }
  }
  return result
}

/** Writes one file exclusively; returns the bytes written. */
async function writeFile (
  abs: string, display: string, entry: ExtractEntry,
  { mode, mtime, signal, overwrite }: { mode?: number, mtime?: Date, signal?: AbortSignal, overwrite?: boolean }
): Promise<number> {
  let written = 0
  await replacing(abs, display, overwrite === true, async (path) => {
    written = await writeNewFile(path, entry, { mode, mtime, signal })
  })
  return written
}

/** Writes one file at a path that does not exist yet; returns the bytes written. */
async function writeNewFile (
  abs: string, entry: ExtractEntry,
  { mode, mtime, signal }: { mode?: number, mtime?: Date, signal?: AbortSignal }
): Promise<number> {
  const handle = await open(abs, CREATE_FILE_FLAGS, NEW_FILE_MODE)
  let written = 0
  try {
    for await (const chunk of entry.content?.({ signal }) ?? []) {
      let offset = 0
      while (offset < chunk.length) {
        const { bytesWritten } = await handle.write(chunk, offset, chunk.length - offset)
        offset += bytesWritten
      }
      written += chunk.length
    }
    if (mode != null) await handle.chmod(mode)
    if (mtime != null) await handle.utimes(mtime, mtime)
  } finally {
    await handle.close()
  }
  return written
}

/** Makes `root` a directory, or accepts it when it already is one (the user chose it). */
async function useRootDirectory (root: string): Promise<void> {
  try {
    await mkdir(root, NEW_DIRECTORY_MODE)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    if (!(await stat(root)).isDirectory()) {
      throw new UnsafePathError(`refusing to extract into ${root}: it exists and is not a directory`)
    }
  }
}

/** Checks that a directory this extraction created is still a directory, not a symlink. */
async function assertRealDirectory (abs: string, display: string): Promise<void> {
  const info = await lstat(abs)
  if (!info.isDirectory()) {
    throw new UnsafePathError(`refusing to write under "${printable(display)}": it is no longer a real directory`)
  }
}

/** True when `path` is a directory (following a symlink: the output path is the user's choice). */
async function isDirectory (path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory()
  } catch {
    // absent (or unreadable): not a directory to write into
    return false
  }
}

/**
 * Runs a create-exclusive operation; "already exists" becomes an UnsafePathError, unless
 * `existing` accepts what is there.
 */
async function exclusively<T> (display: string, create: () => Promise<T>, existing?: () => Promise<void>): Promise<T | undefined> {
  try {
    return await create()
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'EEXIST' && existing != null) {
      await existing()
      return undefined
    }
    if (code === 'EEXIST' || code === 'ELOOP') {
      throw new UnsafePathError(`refusing to overwrite "${printable(display)}": it already exists`, { cause: err })
    }
    throw err
  }
}

/**
 * Creates something new at `abs` with `create(path)`. Without `overwrite` the path must not exist.
 * With it, an existing file or symlink is replaced: the new one is created beside it under a
 * temporary name, then renamed over it (so the old one is never opened or followed); an existing
 * directory is refused.
 */
async function replacing (abs: string, display: string, overwrite: boolean, create: (path: string) => Promise<void>): Promise<void> {
  const existing = overwrite ? await lstat(abs).catch(() => undefined) : undefined
  if (existing == null) {
    await exclusively(display, async () => { await create(abs) })
    return
  }
  if (existing.isDirectory()) {
    throw new UnsafePathError(`refusing to replace "${printable(display)}": it is an existing directory`)
  }
  const temporary = join(dirname(abs), `.cairn-get-${randomBytes(6).toString('hex')}`)
  try {
    await create(temporary)
    await rename(temporary, abs)
  } catch (err) {
    await rm(temporary, { force: true })
    throw err
  }
}

function splitPath (path: string): string[] {
  return path === '' ? [] : path.split('/')
}

/** A UnixFS mtime as a Date; negative times become the epoch (spec: "assume 0"). */
function toDate (mtime: { secs: bigint | number, nsecs?: number }): Date {
  const secs = Number(mtime.secs) + (mtime.nsecs ?? 0) / 1e9
  return new Date(Math.max(0, secs) * 1000)
}

/**
 * `get -a`: writes the entries as one tar file at `path` (created exclusively, never
 * overwritten), through the same writer and the same {@link EntryPathGuard} as the RPC `get`
 * tar, so the archive never holds a name that could leave the folder it is unpacked into. A
 * failed archive is removed rather than left half-written.
 *
 * @returns the bytes written
 */
export async function writeArchive (entries: AsyncIterable<TarEntry>, path: string, options: WriteArchiveOptions = {}): Promise<number> {
  return await writeStream(tarFromEntries(entries, { signal: options.signal }), path, options)
}

/** Options of {@link writeArchive} and {@link writeCompressedFile}. */
export interface WriteArchiveOptions {
  signal?: AbortSignal
  /** gzip the output at this level (1–9); default: no compression. */
  gzipLevel?: number
  /** Replace an existing file at the path (Kubo's `get` does). Default false: refused. */
  overwrite?: boolean
}

/**
 * `get -C` without `-a`: the bytes of one file, gzipped, as Kubo writes them. Refuses anything
 * but a single file (a directory needs `-a`, a tar).
 */
export async function writeCompressedFile (entries: AsyncIterable<ExtractEntry>, path: string, options: WriteArchiveOptions = {}): Promise<number> {
  // a folder fails on the first read, and the half-made file is removed
  return await writeStream(singleFileBytes(entries, { signal: options.signal }), path, options)
}

/** Writes a byte stream to a new file (gzipped if asked); a failed file is removed, not left half-written. */
async function writeStream (source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, path: string, options: WriteArchiveOptions): Promise<number> {
  const bytes = options.gzipLevel != null ? gzipped(source, options.gzipLevel) : source
  let written = 0
  await replacing(path, path, options.overwrite === true, async (target) => {
    const handle = await open(target, CREATE_FILE_FLAGS, NEW_FILE_MODE)
    try {
      for await (const chunk of bytes) {
        let offset = 0
        while (offset < chunk.length) {
          const { bytesWritten } = await handle.write(chunk, offset, chunk.length - offset)
          offset += bytesWritten
        }
        written += chunk.length
      }
    } catch (err) {
      await handle.close()
      await rm(target, { force: true })
      throw err
    }
    await handle.close()
  })
  return written
}

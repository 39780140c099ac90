import { abortError, throwIfAborted } from '../../errors/abort.ts'
import fs, { createReadStream } from 'node:fs'
import { readlink } from 'node:fs/promises'
import { basename, join, resolve } from 'node:path'
import { FileNotFoundError, InvalidArgumentError } from '../../errors/index.ts'
import type { ImportEntry } from '../../dag/index.ts'
import { printable } from '../../dag/path.ts'
import type { InputFile } from '../../core/index.ts'
import { withLending } from '../../http-api/lending.ts'

/** Read size for files given to the CLI: large reads keep syscalls off the hot path. */
export const READ_CHUNK_SIZE = 1024 * 1024

/**
 * Files up to this size are read whole, in one right-sized buffer, and ahead of the importer
 * (see {@link READ_AHEAD_FILES}); bigger ones are streamed in {@link READ_CHUNK_SIZE} pieces.
 */
export const SMALL_FILE_SIZE = 1024 * 1024

/**
 * Files up to this size are read synchronously, when the importer asks for them: from the page
 * cache, open + read + close cost a few microseconds each, while each of the three as a
 * thread-pool round trip costs the main thread more than that in dispatch and wake-ups (in a
 * tree of thousands of small files, most of `add -r`'s main-thread time went there). The event
 * loop is held for one small file at a time.
 */
export const SYNC_READ_FILE_SIZE = 64 * 1024

/**
 * How many small files (above {@link SYNC_READ_FILE_SIZE}) are read ahead of the importer, and
 * how many bytes they may hold in all: a tree of many small files is otherwise one
 * open/read/close round trip after another.
 */
export const READ_AHEAD_FILES = 32
export const READ_AHEAD_BYTES = 8 * 1024 * 1024

/** How the CLI walks the filesystem for `add`. */
export interface WalkOptions {
  recursive: boolean
  hidden: boolean
  dereferenceSymlinks?: boolean
  /** Called with the total byte size of the inputs once known (for the progress bar). */
  onSize?: (bytes: number) => void
  /**
   * Called for each special file skipped (FIFO, socket, device), with its path and kind.
   * Default: a line on stderr naming it.
   */
  onSkip?: (path: string, kind: string) => void
}

/** What a special file is, in words. */
function specialKind (info: fs.Stats): string {
  if (info.isFIFO()) return 'a FIFO'
  if (info.isSocket()) return 'a socket'
  if (info.isCharacterDevice()) return 'a character device'
  if (info.isBlockDevice()) return 'a block device'
  return 'not a regular file, directory or symlink'
}

/** Says on stderr which special file `add` skips, so that nothing is left out silently. */
function reportSkipped (path: string, kind: string): void {
  process.stderr.write(`skipping ${printable(path)}: it is ${kind} (add takes files, directories and symlinks)\n`)
}

/**
 * A file's bytes, read when iterated: in fresh buffers for a consumer that keeps them (the
 * importer), or lent from two buffers to one that does not (the RPC client, see lending.ts).
 */
function readFileStream (path: string, size?: number): AsyncIterable<Uint8Array> {
  // a read buffer no bigger than the file: each read allocates one, and a 1 MiB buffer per small
  // file costs more in allocation and GC than the whole import of the file
  const chunkSize = size == null ? READ_CHUNK_SIZE : Math.max(1, Math.min(READ_CHUNK_SIZE, size))
  return withLending({
    [Symbol.asyncIterator]: () => createReadStream(path, { highWaterMark: chunkSize })[Symbol.asyncIterator]()
  }, () => lendFile(path, chunkSize))
}

/**
 * A file's bytes in pieces of up to `chunkSize`, lent: each is valid until the next is asked for.
 * Two buffers take turns, so the next piece is read while the consumer writes out this one.
 */
async function * lendFile (path: string, chunkSize: number): AsyncGenerator<Uint8Array, void, undefined> {
  const fd = await new Promise<number>((resolve, reject) => {
    fs.open(path, 'r', (err, fd) => { if (err != null) reject(err); else resolve(fd) })
  })
  const buffers = [Buffer.allocUnsafeSlow(chunkSize), Buffer.allocUnsafeSlow(chunkSize)]
  const readInto = (buffer: Buffer, position: number): Promise<number> => {
    const read = new Promise<number>((resolve, reject) => {
      fs.read(fd, buffer, 0, buffer.byteLength, position, (err, bytesRead) => { if (err != null) reject(err); else resolve(bytesRead) })
    })
    // a failure is thrown when the piece is asked for, not while the consumer holds the last one
    read.catch(() => {})
    return read
  }
  let turn = 0
  let position = 0
  let reading = readInto(buffers[turn], position)
  try {
    while (true) {
      const bytesRead = await reading
      if (bytesRead === 0) return
      const piece = buffers[turn].subarray(0, bytesRead)
      position += bytesRead
      turn ^= 1
      reading = readInto(buffers[turn], position)
      yield piece
    }
  } finally {
    // the read ahead must not land in a closed (or reused) descriptor
    await reading.catch(() => {})
    await new Promise<void>(resolve => { fs.close(fd, () => { resolve() }) })
  }
}

// the callback forms: per call they cost less than fs/promises, which adds up over thousands of files
/**
 * A small file's bytes in one buffer of (about) its size: open, one read, close — reading on
 * until the end if the file has grown since it was sized.
 */
function readSmallFile (path: string, size: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    fs.open(path, 'r', (err, fd) => {
      if (err != null) {
        reject(err)
        return
      }
      const finish = (error: Error | null, bytes?: Uint8Array): void => {
        fs.close(fd, (closeError) => {
          const failure = error ?? closeError
          if (failure != null) reject(failure)
          else resolve(bytes as Uint8Array)
        })
      }
      const pieces: Buffer[] = []
      let total = 0
      const readMore = (want: number): void => {
        const buffer = Buffer.allocUnsafeSlow(want)
        fs.read(fd, buffer, 0, want, total, (readError, bytesRead) => {
          if (readError != null) {
            finish(readError)
            return
          }
          total += bytesRead
          pieces.push(bytesRead === want ? buffer : buffer.subarray(0, bytesRead))
          // a short read of a regular file is its end; a full one may not be
          if (bytesRead < want) finish(null, pieces.length === 1 ? pieces[0] : Buffer.concat(pieces, total))
          else readMore(READ_CHUNK_SIZE)
        })
      }
      // one byte more than expected, so a file that has not grown ends with this one read
      readMore(size + 1)
    })
  })
}

/**
 * A path's stats, or a named error. Synchronous: an `lstat` from the dentry cache takes a
 * microsecond or two, far less than a thread-pool round trip (a walk does one per entry).
 */
function statOrFail (path: string, follow: boolean): fs.Stats {
  try {
    return follow ? fs.statSync(path) : fs.lstatSync(path)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT') throw new FileNotFoundError(`${path}: no such file or directory`)
    if (code === 'EACCES') throw new InvalidArgumentError(`${path}: permission denied`)
    throw err
  }
}

/** Sorted directory names, bytewise as Kubo's walk sees them. */
function sortedNames (dir: string): string[] {
  const names = fs.readdirSync(dir)
  return names.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
}

/**
 * A small file's bytes, read synchronously in one buffer of (about) its size; read on until the
 * end if the file has grown since it was sized.
 */
function readSmallFileSync (path: string, size: number): Uint8Array {
  const fd = fs.openSync(path, 'r')
  try {
    const pieces: Buffer[] = []
    let total = 0
    // one byte more than expected, so a file that has not grown ends with this one read
    let want = size + 1
    while (true) {
      const buffer = Buffer.allocUnsafeSlow(want)
      const bytesRead = fs.readSync(fd, buffer, 0, want, total)
      total += bytesRead
      pieces.push(bytesRead === want ? buffer : buffer.subarray(0, bytesRead))
      // a short read of a regular file is its end; a full one may not be
      if (bytesRead < want) return pieces.length === 1 ? pieces[0] : Buffer.concat(pieces, total)
      want = READ_CHUNK_SIZE
    }
  } finally {
    fs.closeSync(fd)
  }
}

/** One filesystem entry found by the walk, in the order it is imported. */
interface Found {
  type: 'file' | 'directory' | 'symlink'
  abs: string
  rel: string
  size: number
}

/**
 * Sizes the inputs first (so bad paths fail before anything is written and the progress bar
 * knows its total), then yields import entries: files (small ones read ahead, whole; big ones
 * streamed), directories (so empty ones are kept), and symlinks as links. Sockets, fifos and
 * devices are skipped, each named through `onSkip` (on stderr by default).
 */
export async function collectEntries (paths: string[], options: WalkOptions): Promise<AsyncIterable<ImportEntry>> {
  const found: Found[] = []
  let total = 0
  const visit = (abs: string, rel: string, info: fs.Stats): void => {
    if (info.isSymbolicLink()) {
      found.push({ type: 'symlink', abs, rel, size: 0 })
    } else if (info.isDirectory()) {
      if (!options.recursive) {
        throw new InvalidArgumentError(`${abs} is a directory, use the '-r' flag to add directories`)
      }
      found.push({ type: 'directory', abs, rel, size: 0 })
      const names = sortedNames(abs).filter(name => options.hidden || !name.startsWith('.'))
      for (const name of names) {
        const path = join(abs, name)
        visit(path, `${rel}/${name}`, statOrFail(path, options.dereferenceSymlinks === true))
      }
    } else if (info.isFile()) {
      total += info.size
      found.push({ type: 'file', abs, rel, size: info.size })
    } else {
      (options.onSkip ?? reportSkipped)(abs, specialKind(info))
    }
  }
  for (const path of paths) {
    const abs = resolve(path)
    visit(abs, basename(abs), statOrFail(abs, true))
  }
  options.onSize?.(total)

  return (async function * () {
    // small files whose reads have started, by index in `found`
    const ahead = new Map<number, Promise<Uint8Array>>()
    let next = 0 // the next index to consider for reading ahead
    let aheadBytes = 0
    const isSmall = (item: Found): boolean => item.type === 'file' && item.size > SYNC_READ_FILE_SIZE && item.size <= SMALL_FILE_SIZE
    const fill = (from: number): void => {
      if (next < from) next = from
      while (next < found.length && next < from + READ_AHEAD_FILES && ahead.size < READ_AHEAD_FILES) {
        const item = found[next]
        if (isSmall(item)) {
          if (aheadBytes + item.size > READ_AHEAD_BYTES && ahead.size > 0) return
          const read = readSmallFile(item.abs, item.size)
          read.catch(() => {}) // reported when the importer reads the content
          ahead.set(next, read)
          aheadBytes += item.size
        }
        next++
      }
    }
    try {
      for (let i = 0; i < found.length; i++) {
        fill(i)
        const item = found[i]
        if (item.type === 'symlink') {
          yield { path: item.rel, type: 'symlink', target: await readlink(item.abs) }
        } else if (item.type === 'directory') {
          yield { path: item.rel, type: 'directory' }
        } else {
          if (item.size <= SYNC_READ_FILE_SIZE) {
            // read when the importer asks: a failure then is the importer's, as for the others
            const path = item.abs
            const size = item.size
            yield { path: item.rel, type: 'file', content: (async function * () { yield readSmallFileSync(path, size) })() }
            continue
          }
          const read = ahead.get(i)
          if (read == null) {
            yield { path: item.rel, type: 'file', content: readFileStream(item.abs, item.size) }
            continue
          }
          ahead.delete(i)
          aheadBytes -= item.size
          yield { path: item.rel, type: 'file', content: (async function * () { yield await read })() }
        }
      }
    } finally {
      ahead.clear()
    }
  })()
}

/** Byte inputs for commands like `block put`: the named files, or stdin when none (or `-`). */
export async function collectFiles (paths: string[], stdin: AsyncIterable<Uint8Array>): Promise<AsyncIterable<InputFile>> {
  if (paths.length === 0 || (paths.length === 1 && paths[0] === '-')) {
    return (async function * () { yield { name: '', content: stdin } })()
  }
  for (const path of paths) {
    const info = statOrFail(path, true)
    if (info.isDirectory()) throw new InvalidArgumentError(`${path} is a directory, not a file`)
  }
  return (async function * () {
    for (const path of paths) yield { name: basename(path), content: readFileStream(path) }
  })()
}

/**
 * Iterates `source` until `signal` aborts: a pending read (stdin waiting for input) is given up
 * at once instead of holding the command open.
 */
export async function * abortable<T> (source: AsyncIterable<T>, signal: AbortSignal): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]()
  // a promise per read, rejected by the listener: racing every read against one long-lived
  // promise would keep every chunk read reachable until the command ends
  let rejectRead: ((reason: unknown) => void) | undefined
  const onAbort = (): void => { rejectRead?.(abortError(signal)) }
  signal.addEventListener('abort', onAbort, { once: true })
  try {
    while (true) {
      throwIfAborted(signal)
      const next = await new Promise<IteratorResult<T>>((resolve, reject) => {
        rejectRead = reject
        iterator.next().then(resolve, reject)
      })
      rejectRead = undefined
      if (next.done === true) return
      yield next.value
    }
  } finally {
    rejectRead = undefined
    signal.removeEventListener('abort', onAbort)
    // ending the source early: its own failure to end is of no interest to a reader that stopped
    void iterator.return?.()?.catch(() => {})
  }
}

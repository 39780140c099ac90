import { createReadStream } from 'node:fs'
import { lstat, readdir, readlink, stat } from 'node:fs/promises'
import { basename, join, resolve } from 'node:path'
import { FileNotFoundError, InvalidArgumentError } from '../../errors/index.ts'
import type { ImportEntry } from '../../dag/index.ts'
import type { InputFile } from '../../core/index.ts'

/** Read size for files given to the CLI: large reads keep syscalls off the hot path. */
export const READ_CHUNK_SIZE = 1024 * 1024

/** How the CLI walks the filesystem for `add`. */
export interface WalkOptions {
  recursive: boolean
  hidden: boolean
  dereferenceSymlinks?: boolean
  /** Called with the total byte size of the inputs once known (for the progress bar). */
  onSize?: (bytes: number) => void
}

function readFileStream (path: string): AsyncIterable<Uint8Array> {
  return createReadStream(path, { highWaterMark: READ_CHUNK_SIZE })
}

async function statOrFail (path: string, follow: boolean): Promise<import('node:fs').Stats> {
  try {
    return follow ? await stat(path) : await lstat(path)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT') throw new FileNotFoundError(`${path}: no such file or directory`)
    if (code === 'EACCES') throw new InvalidArgumentError(`${path}: permission denied`)
    throw err
  }
}

/** Sorted directory names, bytewise as Kubo's walk sees them. */
async function sortedNames (dir: string): Promise<string[]> {
  const names = await readdir(dir)
  return names.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
}

/**
 * Sizes the inputs first (so bad paths fail before anything is written and the progress bar
 * knows its total), then yields import entries: files as streams, directories (so empty ones
 * are kept), and symlinks as links.
 */
export async function collectEntries (paths: string[], options: WalkOptions): Promise<AsyncIterable<ImportEntry>> {
  const roots: Array<{ abs: string, name: string }> = []
  let total = 0
  const sizeOf = async (abs: string, top: boolean): Promise<void> => {
    const info = await statOrFail(abs, top || options.dereferenceSymlinks === true)
    if (info.isDirectory()) {
      if (!options.recursive) {
        throw new InvalidArgumentError(`${abs} is a directory, use the '-r' flag to add directories`)
      }
      for (const name of await sortedNames(abs)) {
        if (!options.hidden && name.startsWith('.')) continue
        await sizeOf(join(abs, name), false)
      }
    } else if (info.isFile()) {
      total += info.size
    }
  }
  for (const path of paths) {
    const abs = resolve(path)
    await sizeOf(abs, true)
    roots.push({ abs, name: basename(abs) })
  }
  options.onSize?.(total)

  async function * walk (abs: string, rel: string, top: boolean): AsyncGenerator<ImportEntry> {
    const info = await statOrFail(abs, top || options.dereferenceSymlinks === true)
    if (info.isSymbolicLink()) {
      yield { path: rel, type: 'symlink', target: await readlink(abs) }
    } else if (info.isDirectory()) {
      yield { path: rel, type: 'directory' }
      for (const name of await sortedNames(abs)) {
        if (!options.hidden && name.startsWith('.')) continue
        yield * walk(join(abs, name), `${rel}/${name}`, false)
      }
    } else if (info.isFile()) {
      yield { path: rel, type: 'file', content: readFileStream(abs) }
    }
    // sockets, fifos and devices are skipped, as Kubo does
  }

  return (async function * () {
    for (const root of roots) {
      yield * walk(root.abs, root.name, true)
    }
  })()
}

/** Byte inputs for commands like `block put`: the named files, or stdin when none (or `-`). */
export async function collectFiles (paths: string[], stdin: AsyncIterable<Uint8Array>): Promise<AsyncIterable<InputFile>> {
  if (paths.length === 0 || (paths.length === 1 && paths[0] === '-')) {
    return (async function * () { yield { name: '', content: stdin } })()
  }
  for (const path of paths) {
    const info = await statOrFail(path, true)
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
  let onAbort: (() => void) | undefined
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => { reject(signal.reason) }
    if (signal.aborted) onAbort()
    else signal.addEventListener('abort', onAbort, { once: true })
  })
  aborted.catch(() => {})
  try {
    while (true) {
      const next = await Promise.race([iterator.next(), aborted])
      if (next.done === true) return
      yield next.value
    }
  } finally {
    if (onAbort != null) signal.removeEventListener('abort', onAbort)
    void iterator.return?.()?.catch(() => {})
  }
}

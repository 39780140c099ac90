/**
 * Where the CLI writes a command's bytes (`cat`, `block get`, `dag export`).
 *
 * Through `process.stdout`, a pipe is written by the main thread: Node makes the descriptor
 * non-blocking, and each 64 KiB the reader frees wakes the event loop for the next `write(2)` —
 * on a 2-core machine that costs `cat … | consumer` about a third of its time, serialised with
 * the block reads and hash checks on the same thread. So when stdout is a pipe, a socket or a
 * regular file, and Node has not yet made it non-blocking, the bytes are written with blocking
 * `fs.write`/`fs.writev` calls on libuv's thread pool instead, one at a time and in order, while
 * the main thread prepares what comes next. Anything else (a terminal, `/dev/null`, a descriptor
 * already non-blocking) goes through `process.stdout` as before, and so does the rest of the
 * output if a write ever reports `EAGAIN` (something switched stdout to non-blocking meanwhile).
 */
import fs from 'node:fs'
import { isatty } from 'node:tty'

/** A byte sink for stdout. */
export interface ByteOutput {
  /**
   * Queues `chunk` after the previous ones; resolves at once unless a few MiB are already waiting
   * behind the write in flight (then once that write is done). Resolves false once the reader
   * has gone (`EPIPE`, e.g. `| head`): stop writing then. The chunk must not be modified
   * afterwards. `written` is called once nothing reads the chunk any more (it was written, or the
   * output closed): its memory may be reused then.
   */
  write(chunk: Uint8Array, written?: () => void): Promise<boolean>
  /** Waits until everything queued is written; false when the reader went away. */
  flush(): Promise<boolean>
}

const STDOUT_FD = 1

/** Writes through `process.stdout` with backpressure; resolves false once stdout is closed. */
export function writeStdout (data: string | Uint8Array): Promise<boolean> {
  return new Promise(resolve => {
    if (process.stdout.destroyed || process.stdout.writableEnded) {
      resolve(false)
      return
    }
    const ok = process.stdout.write(data, (err) => {
      if (err != null) resolve(false)
      else if (ok) resolve(true)
    })
    if (!ok) process.stdout.once('drain', () => { resolve(true) })
  })
}

/** True when fd 1 is a pipe, socket or file that is still in blocking mode. */
function blockingStdout (): boolean {
  try {
    const info = fs.fstatSync(STDOUT_FD)
    if (!(info.isFIFO() || info.isSocket() || info.isFile()) || isatty(STDOUT_FD)) return false
    // Node sets O_NONBLOCK on a pipe or socket once `process.stdout` is first used; a blocking
    // write would then fail with EAGAIN. Regular files ignore the flag.
    const flags = /flags:\s*([0-7]+)/.exec(fs.readFileSync(`/proc/self/fdinfo/${STDOUT_FD}`, 'utf8'))
    if (flags == null) return false
    return info.isFile() || (parseInt(flags[1], 8) & fs.constants.O_NONBLOCK) === 0
  } catch {
    // cannot tell: the safe answer is the blocking write path
    return false
  }
}

/** Bytes queued behind the write in flight before `write` waits for it. */
const MAX_QUEUED_BYTES = 4 * 1024 * 1024

/**
 * The byte output for this process's stdout. Create it before anything touches `process.stdout`
 * (which makes a pipe non-blocking). `onStreamError` is registered for `process.stdout`'s
 * 'error' event whenever the output goes through it.
 */
export function createByteOutput (onStreamError: (err: Error) => void): ByteOutput {
  let watched = false
  const viaStream = (data: Uint8Array): Promise<boolean> => {
    if (!watched) {
      watched = true
      process.stdout.on('error', onStreamError)
    }
    return writeStdout(data)
  }
  if (process.platform !== 'linux' || !blockingStdout()) {
    return {
      async write (chunk, written) {
        const ok = await viaStream(chunk)
        written?.()
        return ok
      },
      flush: async () => !(process.stdout.destroyed || process.stdout.writableEnded)
    }
  }
  let useStream = false
  let closed = false
  let inflight: Promise<void> | undefined
  // chunks that arrived while a write was in flight: written together next (one `writev`), so a
  // stream of small chunks (an HTTP body comes in pieces of 16–64 KiB) is not one thread-pool
  // round trip per piece
  let queued: Uint8Array[] = []
  let queuedBytes = 0
  // what to call once each queued chunk is written
  let queuedDone: Array<() => void> = []

  const writeFd = (chunks: Uint8Array[]): Promise<number> => new Promise((resolve, reject) => {
    const done = (err: NodeJS.ErrnoException | null, written: number): void => { if (err != null) reject(err); else resolve(written) }
    if (chunks.length === 1) fs.write(STDOUT_FD, chunks[0], 0, chunks[0].byteLength, null, done)
    else fs.writev(STDOUT_FD, chunks as NodeJS.ArrayBufferView[], null, done)
  })

  /** Writes `chunks` whole (a short write is continued), or switches to the stream on EAGAIN. */
  const writeAll = async (chunks: Uint8Array[]): Promise<void> => {
    let first = 0 // chunks before this one are written
    while (first < chunks.length && !useStream) {
      let written: number
      try {
        written = await writeFd(first === 0 ? chunks : chunks.slice(first))
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code
        if (code === 'EAGAIN' || code === 'EWOULDBLOCK') {
          useStream = true
          break
        }
        // EPIPE (the reader went away) and anything else end the output
        closed = true
        return
      }
      while (first < chunks.length && written >= chunks[first].byteLength) {
        written -= chunks[first].byteLength
        first++
      }
      // a short write: the rest of that chunk comes next
      if (written > 0) chunks[first] = chunks[first].subarray(written)
    }
    for (let i = first; i < chunks.length; i++) {
      if (closed || !(await viaStream(chunks[i]))) {
        closed = true
        return
      }
    }
  }

  const start = (): void => {
    const chunks = queued
    const done = queuedDone
    queued = []
    queuedBytes = 0
    queuedDone = []
    inflight = writeAll(chunks).finally(() => {
      // writeAll never throws, and nothing reads these chunks once it has returned
      for (const written of done) written()
      inflight = undefined
      if (queued.length > 0 && !closed) start()
    })
  }

  return {
    async write (chunk, written) {
      if (closed || chunk.byteLength === 0) {
        written?.()
        return !closed
      }
      // at most one batch waits behind the one in flight
      while (inflight != null && queuedBytes >= MAX_QUEUED_BYTES) {
        await inflight
        if (closed) {
          written?.()
          return false
        }
      }
      queued.push(chunk)
      queuedBytes += chunk.byteLength
      if (written != null) queuedDone.push(written)
      if (inflight == null) start()
      return true
    },
    async flush () {
      while (inflight != null) await inflight
      return !closed
    }
  }
}

/**
 * sha2-256 checks of large blocks on a worker thread, so that reading a big file (`cat`, `get`,
 * `repo verify`) hashes on a second core while the main thread reads and serves the next blocks:
 * hashing every block it reads is the largest part of the main thread's work otherwise. A run of
 * blocks read together goes in one message and comes back with one digest each.
 *
 * (WebCrypto's `subtle.digest` also hashes off the main thread, on libuv's pool, but it copies
 * its input on the main thread first: ~0.25 ms of main-thread time per 256 KiB block here, more
 * than hashing the block in place. A transfer to the worker costs a few microseconds.)
 *
 * A block's buffer is moved to the worker and back (transferred, never copied), so only a block
 * that owns its whole `ArrayBuffer` — as the pack reader allocates them — can go; anything else is
 * hashed where it is. The worker starts on first use, does not keep the process alive while it
 * is idle, and is restarted if it ever dies.
 */
import { Worker } from 'node:worker_threads'
import { CairnError } from '../errors/index.ts'

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads')
const { createHash } = require('node:crypto')
parentPort.on('message', (message) => {
  const { ranges } = message
  const digests = new Uint8Array(16 * ranges.length)
  for (let i = 0; i < ranges.length; i += 2) {
    const view = new Uint8Array(message.buffer, ranges[i], ranges[i + 1])
    digests.set(createHash('sha256').update(view).digest(), 16 * i)
  }
  parentPort.postMessage({ id: message.id, buffer: message.buffer, digests }, [message.buffer, digests.buffer])
})
`

interface Job {
  resolve: (result: { bytes: Uint8Array, digests: Uint8Array[] }) => void
  reject: (err: Error) => void
  offset: number
  length: number
  count: number
}

interface Reply {
  id: number
  buffer: ArrayBuffer
  /** 32 bytes per range, in order */
  digests: Uint8Array
}

/** A piece of a lent buffer to hash: its byte offset in the buffer and its length. */
export interface HashRange {
  offset: number
  length: number
}

/** True when `bytes` can be moved to a worker: a plain buffer that holds exactly these bytes. */
export function ownsBuffer (bytes: Uint8Array): boolean {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer
}

export class Sha256Worker {
  #worker: Worker | undefined
  #ready = false
  #closed = false
  readonly #jobs = new Map<number, Job>()
  #nextId = 0
  #pendingBytes = 0

  /** Jobs sent and not answered yet. */
  get pending (): number {
    return this.#jobs.size
  }

  /** Bytes lent to the worker and not given back yet. */
  get pendingBytes (): number {
    return this.#pendingBytes
  }

  /**
   * True when a job sent now would be taken at once. The first call starts the worker, which
   * takes a few tens of milliseconds: until it is up, hash where you are.
   */
  get available (): boolean {
    if (this.#closed) return false
    if (this.#worker == null) this.#start()
    return this.#ready
  }

  /**
   * The sha2-256 digest of `bytes`, computed on the worker. `bytes` must {@link ownsBuffer}: its
   * buffer is detached here and comes back as the returned `bytes`.
   */
  async digest (bytes: Uint8Array): Promise<{ bytes: Uint8Array, digest: Uint8Array }> {
    const { bytes: back, digests } = await this.digestMany(bytes, [{ offset: 0, length: bytes.byteLength }])
    return { bytes: back, digest: digests[0] }
  }

  /**
   * The sha2-256 digests of several pieces of one buffer (offsets relative to `bytes`), in one
   * round trip: a run of blocks read together is checked with one message each way. The whole
   * of `bytes`' buffer is moved (detached here, and back as the returned `bytes`): it must hold
   * nothing else in use ({@link ownsBuffer} says so of a plain read; a lent read's buffer too).
   */
  async digestMany (bytes: Uint8Array, ranges: HashRange[]): Promise<{ bytes: Uint8Array, digests: Uint8Array[] }> {
    const worker = this.#worker
    if (worker == null || this.#closed) throw new CairnError('the hash worker is not running')
    const id = this.#nextId++
    const flat: number[] = []
    for (const range of ranges) flat.push(bytes.byteOffset + range.offset, range.length)
    return await new Promise((resolve, reject) => {
      this.#jobs.set(id, { resolve, reject, offset: bytes.byteOffset, length: bytes.byteLength, count: ranges.length })
      this.#pendingBytes += bytes.byteLength
      // a job in flight keeps the process alive until its answer arrives
      if (this.#jobs.size === 1) worker.ref()
      worker.postMessage({ id, buffer: bytes.buffer, ranges: flat }, [bytes.buffer as ArrayBuffer])
    })
  }

  /** Stops the worker; jobs in flight fail. */
  async close (): Promise<void> {
    this.#closed = true
    const worker = this.#worker
    this.#worker = undefined
    this.#fail(new CairnError('the blockstore is closing'))
    if (worker != null) await worker.terminate()
  }

  #start (): void {
    // stdout and stderr of its own: by default Node pipes a worker's stdio into the parent's
    // `process.stdout`/`process.stderr`, and creating those makes a pipe on fd 1 non-blocking,
    // which sends `cat … | consumer` off its thread-pool writes (see daemon/cli/output.ts) onto
    // synchronous writes from the main thread. The worker prints nothing.
    const worker = new Worker(WORKER_SOURCE, { eval: true, stdout: true, stderr: true })
    worker.unref()
    this.#worker = worker
    this.#ready = false
    worker.once('online', () => { if (this.#worker === worker) this.#ready = true })
    worker.on('message', (reply: Reply) => {
      const job = this.#jobs.get(reply.id)
      if (job == null) return
      this.#jobs.delete(reply.id)
      this.#pendingBytes -= job.length
      if (this.#jobs.size === 0) worker.unref()
      const digests: Uint8Array[] = []
      for (let i = 0; i < job.count; i++) digests.push(reply.digests.subarray(32 * i, 32 * (i + 1)))
      job.resolve({ bytes: new Uint8Array(reply.buffer, job.offset, job.length), digests })
    })
    const lost = (err: Error): void => {
      if (this.#worker !== worker) return
      // a dead worker is replaced on next use; what it held fails (the caller reads again)
      this.#worker = undefined
      this.#ready = false
      this.#fail(new CairnError(`the hash worker stopped: ${err.message}`, { cause: err }))
    }
    worker.on('error', lost)
    worker.on('exit', (code) => { lost(new Error(`exit code ${code}`)) })
  }

  #fail (err: Error): void {
    const jobs = [...this.#jobs.values()]
    this.#jobs.clear()
    this.#pendingBytes = 0
    for (const job of jobs) job.reject(err)
  }
}

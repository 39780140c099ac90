/**
 * sha2-256 checks of large blocks on a worker thread, so that reading a big file (`cat`, `get`,
 * `repo verify`) hashes on a second core while the main thread reads and serves the next blocks:
 * hashing every block it reads is the largest part of the main thread's work otherwise.
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
  const view = new Uint8Array(message.buffer, message.offset, message.length)
  const digest = new Uint8Array(createHash('sha256').update(view).digest())
  parentPort.postMessage({ id: message.id, buffer: message.buffer, digest }, [message.buffer, digest.buffer])
})
`

interface Job {
  resolve: (result: { bytes: Uint8Array, digest: Uint8Array }) => void
  reject: (err: Error) => void
  offset: number
  length: number
}

interface Reply {
  id: number
  buffer: ArrayBuffer
  digest: Uint8Array
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

  /** Jobs sent and not answered yet. */
  get pending (): number {
    return this.#jobs.size
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
    const worker = this.#worker
    if (worker == null || this.#closed) throw new CairnError('the hash worker is not running')
    const id = this.#nextId++
    return await new Promise((resolve, reject) => {
      this.#jobs.set(id, { resolve, reject, offset: bytes.byteOffset, length: bytes.byteLength })
      // a job in flight keeps the process alive until its answer arrives
      if (this.#jobs.size === 1) worker.ref()
      worker.postMessage({ id, buffer: bytes.buffer, offset: bytes.byteOffset, length: bytes.byteLength }, [bytes.buffer as ArrayBuffer])
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
    const worker = new Worker(WORKER_SOURCE, { eval: true })
    worker.unref()
    this.#worker = worker
    this.#ready = false
    worker.once('online', () => { if (this.#worker === worker) this.#ready = true })
    worker.on('message', (reply: Reply) => {
      const job = this.#jobs.get(reply.id)
      if (job == null) return
      this.#jobs.delete(reply.id)
      if (this.#jobs.size === 0) worker.unref()
      job.resolve({ bytes: new Uint8Array(reply.buffer, job.offset, job.length), digest: reply.digest })
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
    for (const job of jobs) job.reject(err)
  }
}

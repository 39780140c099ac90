/**
 * Reading block bytes out of the packs and checking them against their multihash, for
 * `Blockstore.get`.
 *
 * Reading a big file (`cat`, `get`, the gateway) asks for several blocks at once: the exporter
 * keeps a few gets in flight, and a file's blocks were appended one after the other. So reads are
 * gathered until the event loop turns (`setImmediate`), sorted, and blocks that lie next to each
 * other in a pack (only a record header apart) are read with one positional read into one buffer
 * (a run). The blocks handed out are views of the run's buffer.
 *
 * Given a worker (`hash-worker.ts`), a run's blocks are hashed on it in one round trip, while the
 * main thread reads the next run and writes what was checked before: hashing (~1.5 GB/s per core
 * here) is the largest cost of a read, and the main thread only reads and writes. That pays only
 * where a core is free for it: the blockstore gives one on machines with more than two cores
 * (see its `hashWorker` option); without one, every block is hashed here.
 *
 * Small blocks (up to `SYNC_READ_MAX_BYTES`, 64 KiB: a directory node, a single block the
 * gateway serves, the leaves of small files) are not gathered: each is read synchronously and
 * hashed in place at once, as that costs less than any round trip.
 *
 * A read asked without a check (the store's `hashOnRead` off, Kubo's `Datastore.HashOnRead:
 * false`) is not hashed: the bytes are returned as the pack holds them.
 *
 * A run whose reads all asked to be lent is read into a buffer handed back before, when one that
 * holds it is free, and its blocks are lent (`lent-buffers.ts`).
 */
import type { MultihashDigest } from 'multiformats/hashes/interface'
import { SHA2_256 as SHA2_256_CODE } from './codes.ts'
import { matchesMultihash } from './hashes.ts'
import { ownsBuffer, type HashRange, type Sha256Worker } from './hash-worker.ts'
import type { Location } from './pack-files.ts'
import { SYNC_READ_MAX_BYTES } from './constants.ts'
import { LentBuffers } from './lent-buffers.ts'

/**
 * Runs at least this big are hashed on the worker thread; smaller ones (a directory node, a
 * small block read alone) are hashed in place, which costs less than the round trip.
 */
const OFF_THREAD_HASH_MIN_BYTES = 64 * 1024
/**
 * The worker starts only after this many large blocks were read, so a command that reads a block
 * or two does not pay for starting a thread.
 */
const OFF_THREAD_HASH_AFTER_BLOCKS = 8
/** Bytes lent to the worker at most; past that the main thread hashes too (both cores busy). */
const OFF_THREAD_HASH_MAX_PENDING_BYTES = 32 * 1024 * 1024
/** The most bytes one read (a run of neighbouring blocks) takes: 4 MiB. */
const MAX_RUN_BYTES = 4 * 1024 * 1024
/**
 * Blocks at most this far apart in a pack are read together (a record header between them is
 * ~40 bytes; the bytes between are read and dropped).
 */
const MAX_RUN_GAP = 1024

/** Where the bytes come from: a positional read of any span of a pack. */
export interface PackReads {
  /** Reads into the start of `into` (at least `location.length` bytes) when given, else into a fresh buffer. */
  read(location: Location, into?: ArrayBuffer): Promise<Uint8Array>
}

/** What the reader needs. */
export interface BlockReaderComponents {
  packs: PackReads
  /** Hashes large runs off the main thread; without it, every block is hashed in place. */
  hasher?: Sha256Worker
}

interface PendingRead {
  multihash: MultihashDigest
  location: Location
  check: boolean
  /** the bytes may be lent (see `lent-buffers.ts`) */
  lend: boolean
  resolve(bytes: Uint8Array | undefined): void
  reject(err: unknown): void
}

/** Reads and checks blocks, gathering neighbouring reads into one. */
export class BlockReader {
  readonly #packs: PackReads
  readonly #hasher: Sha256Worker | undefined
  /** large blocks to check read so far (the worker starts after a few) */
  #largeReads = 0
  #queue: PendingRead[] = []
  #scheduled = false
  readonly #lent = new LentBuffers()

  constructor (components: BlockReaderComponents) {
    this.#packs = components.packs
    this.#hasher = components.hasher
  }

  /**
   * The block at `location`: its bytes if they hash to `multihash` (or `check` is false: then
   * they are not hashed), undefined if they do not. Throws the file system's error when the pack
   * cannot be read. With `lend`, a large block may come lent: hand it back with
   * {@link release} (or {@link keep} it).
   */
  async read (multihash: MultihashDigest, location: Location, check: boolean, lend = false): Promise<Uint8Array | undefined> {
    return await new Promise((resolve, reject) => {
      const read: PendingRead = { multihash, location, check, lend, resolve, reject }
      if (location.length <= SYNC_READ_MAX_BYTES) {
        // a small block is read (synchronously, see pack-files.ts) and hashed at once: waiting
        // for the loop to turn would add latency to every single-block answer for little gain
        void this.#readRun([read])
        return
      }
      this.#queue.push(read)
      if (!this.#scheduled) {
        this.#scheduled = true
        setImmediate(() => { this.#flush() })
      }
    })
  }

  /** Hands back a block a lending read returned; see `lent-buffers.ts`. */
  release (bytes: Uint8Array): void {
    this.#lent.release(bytes)
  }

  /** Never reads into the buffer of a block a lending read returned again. */
  keep (bytes: Uint8Array): void {
    this.#lent.keep(bytes)
  }

  /** Buffers read into again so far. */
  get reusedBuffers (): number {
    return this.#lent.reused
  }

  #flush (): void {
    this.#scheduled = false
    const queue = this.#queue
    this.#queue = []
    queue.sort((a, b) => a.location.pack - b.location.pack || a.location.offset - b.location.offset)
    let run: PendingRead[] = []
    let end = 0
    for (const read of queue) {
      const { pack, offset, length } = read.location
      const first = run[0]?.location
      if (first != null && (pack !== first.pack || offset < end || offset - end > MAX_RUN_GAP ||
        offset + length - first.offset > MAX_RUN_BYTES)) {
        void this.#readRun(run)
        run = []
      }
      run.push(read)
      end = offset + length
    }
    if (run.length > 0) void this.#readRun(run)
  }

  /** Reads a run of blocks with one read, checks them, and settles each. Never throws. */
  async #readRun (run: PendingRead[]): Promise<void> {
    const first = run[0].location
    const last = run[run.length - 1].location
    const span: Location = { pack: first.pack, offset: first.offset, length: last.offset + last.length - first.offset }
    // a run of large blocks all read to be lent goes into a buffer handed back before, if any
    const lend = span.length > SYNC_READ_MAX_BYTES && run.every(read => read.lend)
    let bytes: Uint8Array
    try {
      bytes = await this.#packs.read(span, lend ? this.#lent.take(span.length) : undefined)
    } catch (err) {
      for (const read of run) read.reject(err)
      return
    }
    const ranges: HashRange[] = run.map(read => ({ offset: read.location.offset - first.offset, length: read.location.length }))
    let good: boolean[] | undefined
    const hasher = this.#hasher
    // a lent run's buffer holds nothing else: the whole of it may go to the worker
    if (hasher != null && this.#offThread(hasher, run, bytes, lend)) {
      try {
        const result = await hasher.digestMany(bytes, ranges)
        bytes = result.bytes
        good = run.map((read, i) => !read.check || sameDigest(result.digests[i], read.multihash.digest))
      } catch {
        // the worker went away with the bytes: read them again, and check them here
        try {
          bytes = await this.#packs.read(span)
        } catch (err) {
          for (const read of run) read.reject(err)
          return
        }
      }
    }
    const checked = bytes
    const block = (i: number): Uint8Array => checked.subarray(ranges[i].offset, ranges[i].offset + ranges[i].length)
    const results = run.map((read, i): Uint8Array | undefined | Error => {
      try {
        return (good?.[i] ?? (!read.check || matchesMultihash(read.multihash, block(i)))) ? block(i) : undefined
      } catch (err) {
        return err as Error
      }
    })
    // recorded before anyone has a block, so that a release can never come first
    if (lend) {
      const pieces = ranges.flatMap((range, i) => results[i] instanceof Uint8Array ? [{ offset: checked.byteOffset + range.offset, length: range.length }] : [])
      this.#lent.lend(checked.buffer as ArrayBuffer, pieces)
    }
    run.forEach((read, i) => {
      const result = results[i]
      if (result instanceof Error) read.reject(result)
      else read.resolve(result)
    })
  }

  /**
   * True when this run is hashed on the worker: big enough, sha2-256 only, some block to check,
   * and the worker up and not too far behind. The first call that wants it starts the worker;
   * until it is up (a few tens of milliseconds), runs are hashed here.
   */
  #offThread (hasher: Sha256Worker, run: PendingRead[], bytes: Uint8Array, lent: boolean): boolean {
    if (bytes.byteLength < OFF_THREAD_HASH_MIN_BYTES || !(lent || ownsBuffer(bytes))) return false
    if (hasher.pendingBytes >= OFF_THREAD_HASH_MAX_PENDING_BYTES) return false
    let check = false
    for (const read of run) {
      if (read.multihash.code !== SHA2_256_CODE || read.multihash.digest.byteLength > SHA2_256_LENGTH) return false
      check ||= read.check
    }
    if (!check) return false
    this.#largeReads += run.length
    return this.#largeReads > OFF_THREAD_HASH_AFTER_BLOCKS && hasher.available
  }
}

/** Bytes of a sha2-256 digest. */
const SHA2_256_LENGTH = 32

/** True when `actual` starts with `expected` (a truncated digest is compared as a prefix). */
function sameDigest (actual: Uint8Array, expected: Uint8Array): boolean {
  return actual.byteLength >= expected.byteLength &&
    Buffer.from(actual.buffer, actual.byteOffset, expected.byteLength).equals(expected)
}

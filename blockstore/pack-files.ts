/**
 * Pack files: block bytes appended to `packs/NNNNNN.pack`, read back with positional reads.
 *
 * Layout of a pack (all integers big-endian):
 *
 *   header  "CAIRNPAK" (8 bytes) · format version (u32) · reserved (u32, 0)
 *   record  block length (u32) · multihash length (u16) · multihash · block bytes
 *   record  …
 *
 * The index only ever points at block bytes; the record headers make a pack readable without
 * the index (forensics, a future index rebuild). Bytes past the last indexed record (a batch cut
 * short by a crash) are never read. New bytes always go to the highest-numbered pack, after its
 * real end.
 *
 * A write that fails (a full disk above all) is rolled back: the pack is truncated to its last
 * durable point and packs created by the failed batch are removed, so the failed bytes do not
 * stay on a disk that has no room for them, and the error says "no space left" and where.
 */
import fs from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { NoSpaceError, RepoVersionError, messageOf } from '../errors/index.ts'
import { BLOCKSTORE_FORMAT_VERSION, SYNC_READ_MAX_BYTES } from './constants.ts'

const open = promisify(fs.open)
const close = promisify(fs.close)
const read = promisify(fs.read)
const writev = promisify(fs.writev)
const write = promisify(fs.write)
const fdatasync = promisify(fs.fdatasync)
const fsync = promisify(fs.fsync)
const fstat = promisify(fs.fstat)
const ftruncate = promisify(fs.ftruncate)

/** Where a block's bytes are: pack number, byte offset of the block in it, and its length. */
export interface Location {
  pack: number
  offset: number
  length: number
}

const MAGIC = Buffer.from('CAIRNPAK', 'latin1')
/** Bytes before the first record of every pack. */
export const PACK_HEADER_SIZE = 16
const RECORD_HEADER_SIZE = 6
const PACK_NAME = /^(\d{6,})\.pack$/
const LOCATION_SIZE = 16

/** The file name of pack `id`: `000001.pack`. */
export function packName (id: number): string {
  return `${String(id).padStart(6, '0')}.pack`
}

/** The pack number of a file name, or undefined when it is not a pack. */
export function packId (name: string): number | undefined {
  const match = PACK_NAME.exec(name)
  return match == null ? undefined : Number(match[1])
}

/** The 16 index bytes of a location: pack (u32), offset (u64), length (u32). */
export function encodeLocation (location: Location): Uint8Array {
  const bytes = new Uint8Array(LOCATION_SIZE)
  const view = new DataView(bytes.buffer)
  view.setUint32(0, location.pack)
  view.setUint32(4, Math.floor(location.offset / 2 ** 32))
  view.setUint32(8, location.offset % 2 ** 32)
  view.setUint32(12, location.length)
  return bytes
}

/** The location stored in an index value. */
export function decodeLocation (bytes: Uint8Array): Location {
  if (bytes.byteLength !== LOCATION_SIZE) {
    throw new Error(`index entry has ${bytes.byteLength} bytes, expected ${LOCATION_SIZE}`)
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  return {
    pack: view.getUint32(0),
    offset: view.getUint32(4) * 2 ** 32 + view.getUint32(8),
    length: view.getUint32(12)
  }
}

/** The bytes a record takes in a pack: its header, multihash and block. */
export function recordSize (multihash: Uint8Array, length: number): number {
  return RECORD_HEADER_SIZE + multihash.byteLength + length
}

function packHeader (): Buffer {
  const header = Buffer.alloc(PACK_HEADER_SIZE)
  MAGIC.copy(header, 0)
  header.writeUInt32BE(BLOCKSTORE_FORMAT_VERSION, 8)
  return header
}

function checkHeader (header: Buffer, name: string): void {
  if (!header.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new Error(`${name} is not a Cairn pack file (bad magic)`)
  }
  const version = header.readUInt32BE(8)
  if (version !== BLOCKSTORE_FORMAT_VERSION) {
    throw new RepoVersionError(`${name} has pack format version ${version}; this Cairn reads version ` +
      `${BLOCKSTORE_FORMAT_VERSION}. Use the Cairn release that wrote it, or migrate the repo.`)
  }
}

/** A block to append: the multihash it is indexed under, and its bytes. */
export interface PackRecord {
  multihash: Uint8Array
  bytes: Uint8Array
}

interface ReadHandle {
  fd: number
  refs: number
  ready: Promise<void>
  /** Close as soon as the last reader releases it (the pack was unlinked or evicted). */
  doomed: boolean
}

interface Writer {
  id: number
  fd: number
  /** Where the next record goes: the real end of the file. */
  size: number
}

/**
 * A write the pack files are about to make. Fault-injection tests hook {@link PackFilesInit.onWrite}
 * and throw (ENOSPC) at one of them, as the crash tests kill the process at a step.
 */
export type PackWriteStep = 'pack:write' | 'pack:sync' | 'pack:create'

/** Options of {@link PackFiles}. */
export interface PackFilesInit {
  maxPackSize: number
  maxOpenPacks: number
  /** Awaited before each write, sync and pack creation; a fault-injection hook. Default none. */
  onWrite?(step: PackWriteStep): void | Promise<void>
}

/** Where the pack files ended before a batch: {@link PackFiles.rollback} returns there. */
export interface PackMark {
  id: number
  size: number
}

function errnoOf (err: unknown): unknown {
  return (err as { code?: unknown } | null)?.code
}

/**
 * True for the errors of a full file system or an exhausted quota: Node's ENOSPC/EDQUOT, and
 * LevelDB's IO errors, which carry the system's message instead of a code.
 */
export function isNoSpaceCode (err: unknown): boolean {
  const code = errnoOf(err)
  if (code === 'ENOSPC' || code === 'EDQUOT') return true
  return /no space left on device|disk quota exceeded/i.test(messageOf(err)) || (err instanceof Error && err.cause != null && isNoSpaceCode(err.cause))
}

/**
 * `err` itself, or, when it means the disk is full, a `NoSpaceError` that says what could not be
 * written (`doing`, e.g. "write to /repo/blocks/packs/000001.pack") and that it was rolled back.
 */
export function noSpaceError (err: unknown, doing: string): unknown {
  if (!isNoSpaceCode(err) || (err as Error).name === 'NoSpaceError') return err
  return new NoSpaceError(`no space left on the device holding the repo: could not ${doing} ` +
    `(${messageOf(err)}). The failed write was rolled back; free some space, or remove data with ` +
    "'pin rm' and 'repo gc', and try again.", { cause: err })
}

/** Error code of a read that ran past the end of a pack. */
export const ERR_PACK_TRUNCATED = 'ERR_PACK_TRUNCATED'

/**
 * The pack directory: one writer appending to the newest pack, and a bounded LRU of read file
 * descriptors, reference-counted so a descriptor is never closed under a read in flight.
 * `append` must not run concurrently with itself (the store serializes writes).
 */
export class PackFiles {
  readonly dir: string
  readonly #init: PackFilesInit
  readonly #readers = new Map<number, ReadHandle>()
  #writer: Writer | undefined

  constructor (dir: string, init: PackFilesInit) {
    this.dir = dir
    this.#init = init
  }

  /** Creates the directory if needed and opens the newest pack for appending. */
  async open (): Promise<void> {
    await fs.promises.mkdir(this.dir, { recursive: true })
    const ids = await this.list()
    if (ids.length === 0) {
      this.#writer = await this.#create(1)
      return
    }
    const id = ids[ids.length - 1]
    const name = join(this.dir, packName(id))
    const fd = await open(name, 'r+')
    try {
      const { size } = await fstat(fd)
      if (size < PACK_HEADER_SIZE) {
        // created, then cut short by a crash before any record went in: write the header again
        await write(fd, packHeader(), 0, PACK_HEADER_SIZE, 0)
        await fdatasync(fd)
        this.#writer = { id, fd, size: PACK_HEADER_SIZE }
      } else {
        const header = Buffer.alloc(PACK_HEADER_SIZE)
        await read(fd, header, 0, PACK_HEADER_SIZE, 0)
        checkHeader(header, packName(id))
        this.#writer = { id, fd, size }
      }
    } catch (err) {
      await close(fd)
      throw err
    }
  }

  /** Closes every descriptor. Reads in flight keep theirs until they finish. */
  async close (): Promise<void> {
    const writer = this.#writer
    this.#writer = undefined
    if (writer != null) await close(writer.fd)
    for (const id of [...this.#readers.keys()]) this.forget(id)
  }

  /** The pack new blocks are appended to. */
  get writerId (): number {
    return this.#requireWriter().id
  }

  /** The durable end of the pack files now: where {@link rollback} returns to. */
  mark (): PackMark {
    const writer = this.#requireWriter()
    return { id: writer.id, size: writer.size }
  }

  /**
   * Undoes every append since `mark` (their blocks were never indexed): packs created since are
   * deleted and the marked pack is truncated back to its marked size, then synced. The caller
   * holds the store's write lock, so nothing else appended meanwhile.
   */
  async rollback (mark: PackMark): Promise<void> {
    let writer = this.#requireWriter()
    if (writer.id !== mark.id) {
      // the batch rolled over into new packs: they hold nothing but its bytes
      this.#writer = undefined
      await close(writer.fd)
      for (const id of await this.list()) {
        if (id > mark.id) {
          this.forget(id)
          await fs.promises.rm(join(this.dir, packName(id)), { force: true })
        }
      }
      const fd = await open(join(this.dir, packName(mark.id)), 'r+')
      writer = { id: mark.id, fd, size: mark.size }
      this.#writer = writer
      await this.#syncDir()
    }
    await ftruncate(writer.fd, mark.size)
    await fdatasync(writer.fd)
    writer.size = mark.size
  }

  /**
   * Starts a new pack for later appends, unless the current one holds no record yet, so that
   * compaction can treat every pack it sees as finished. The caller holds the write lock.
   */
  async seal (): Promise<void> {
    const writer = this.#requireWriter()
    if (writer.size <= PACK_HEADER_SIZE) return
    try {
      await this.#roll()
    } catch (err) {
      throw this.#failure(err, 'create a new pack in')
    }
  }

  /** Pack numbers present on disk, ascending. */
  async list (): Promise<number[]> {
    const names = await fs.promises.readdir(this.dir)
    const ids: number[] = []
    for (const name of names) {
      const id = packId(name)
      if (id != null) ids.push(id)
    }
    return ids.sort((a, b) => a - b)
  }

  /** The size of a pack file in bytes. */
  async size (id: number): Promise<number> {
    const writer = this.#writer
    if (writer?.id === id) return writer.size
    const stat = await fs.promises.stat(join(this.dir, packName(id)))
    return stat.size
  }

  /**
   * Appends records after the end of the newest pack, rolling over to a new pack when one would
   * pass the maximum size, and returns once every byte is durable (fdatasync of each pack
   * written; the directory is synced when a pack is created). Returns each block's location.
   */
  async append (records: PackRecord[]): Promise<Location[]> {
    let writer = this.#requireWriter()
    const mark = this.mark()
    const locations: Location[] = []
    try {
      let buffers: Uint8Array[] = []
      let start = writer.size
      let position = writer.size
      for (const record of records) {
        const size = recordSize(record.multihash, record.bytes.byteLength)
        if (position + size > this.#init.maxPackSize && position > PACK_HEADER_SIZE) {
          await this.#flush(writer, buffers, start, position)
          writer = await this.#roll()
          buffers = []
          start = position = writer.size
        }
        const header = Buffer.allocUnsafe(RECORD_HEADER_SIZE + record.multihash.byteLength)
        header.writeUInt32BE(record.bytes.byteLength, 0)
        header.writeUInt16BE(record.multihash.byteLength, 4)
        header.set(record.multihash, RECORD_HEADER_SIZE)
        buffers.push(header, record.bytes)
        locations.push({ pack: writer.id, offset: position + header.byteLength, length: record.bytes.byteLength })
        position += size
      }
      await this.#flush(writer, buffers, start, position)
      return locations
    } catch (err) {
      try {
        await this.rollback(mark)
      } catch {
        // could not even truncate: whatever reached the file is garbage past the last indexed
        // record, never read; append after it
        const current = this.#writer
        if (current != null) {
          try {
            current.size = Math.max(current.size, (await fstat(current.fd)).size)
          } catch {
            // the size stays as it was; the append's own error (thrown below) is the one to report
          }
        }
      }
      throw this.#failure(err, 'write to')
    }
  }

  /** The error of a failed write: a full disk becomes a `NoSpaceError` that says where. */
  #failure (err: unknown, doing: string): unknown {
    return noSpaceError(err, `${doing} ${join(this.dir, packName(this.#writer?.id ?? 0))}`)
  }

  /**
   * Reads `length` bytes at `offset` of pack `id`, into the start of `into` when given (it must
   * be at least that long) and into a fresh buffer otherwise. Throws the file system's error
   * (ENOENT when the pack is gone) or one with code `ERR_PACK_TRUNCATED` when the pack ends too
   * early.
   */
  async read (location: Location, into?: ArrayBuffer): Promise<Uint8Array> {
    if (into != null && into.byteLength < location.length) {
      throw new RangeError(`a read of ${location.length} bytes into a buffer of ${into.byteLength}`)
    }
    const handle = await this.#acquire(location.pack)
    try {
      const buffer = into != null ? Buffer.from(into, 0, location.length) : Buffer.allocUnsafeSlow(location.length)
      const small = location.length <= SYNC_READ_MAX_BYTES
      let done = 0
      while (done < location.length) {
        const bytesRead = small
          ? fs.readSync(handle.fd, buffer, done, location.length - done, location.offset + done)
          : (await read(handle.fd, buffer, done, location.length - done, location.offset + done)).bytesRead
        if (bytesRead === 0) {
          const err = new Error(`${packName(location.pack)} ends before byte ${location.offset + location.length}`) as NodeJS.ErrnoException
          err.code = ERR_PACK_TRUNCATED
          throw err
        }
        done += bytesRead
      }
      return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)
    } finally {
      this.#release(handle)
    }
  }

  /** Deletes a pack (never the one being appended to). Readers holding it finish first. */
  async unlink (id: number): Promise<void> {
    if (this.#writer?.id === id) throw new Error(`refusing to delete ${packName(id)}: it is being written`)
    this.forget(id)
    await fs.promises.rm(join(this.dir, packName(id)), { force: true })
  }

  /** Drops the cached read descriptor of a pack (closed once its last reader is done). */
  forget (id: number): void {
    const handle = this.#readers.get(id)
    if (handle == null) return
    this.#readers.delete(id)
    handle.doomed = true
    if (handle.refs === 0) this.#closeReader(handle)
  }

  async #flush (writer: Writer, buffers: Uint8Array[], start: number, end: number): Promise<void> {
    if (buffers.length > 0) {
      await this.#init.onWrite?.('pack:write')
      const written = await writev(writer.fd, buffers, start)
      if (written.bytesWritten !== end - start) {
        // a regular file takes fewer bytes than asked only when the disk is full: write the rest,
        // so the file system reports why
        const rest = Buffer.concat(buffers).subarray(written.bytesWritten)
        let position = start + written.bytesWritten
        let offset = 0
        while (offset < rest.byteLength) {
          const { bytesWritten } = await write(writer.fd, rest, offset, rest.byteLength - offset, position)
          if (bytesWritten === 0) {
            const err = new Error(`short write to ${packName(writer.id)}: ${position - start} of ${end - start} bytes`) as NodeJS.ErrnoException
            err.code = 'ENOSPC'
            throw err
          }
          offset += bytesWritten
          position += bytesWritten
        }
      }
    }
    await this.#init.onWrite?.('pack:sync')
    await fdatasync(writer.fd)
    writer.size = end
  }

  async #roll (): Promise<Writer> {
    const old = this.#requireWriter()
    const next = await this.#create(old.id + 1)
    this.#writer = next
    await close(old.fd)
    return next
  }

  async #create (id: number): Promise<Writer> {
    const name = join(this.dir, packName(id))
    const fd = await open(name, 'wx+')
    try {
      await this.#init.onWrite?.('pack:create')
      await write(fd, packHeader(), 0, PACK_HEADER_SIZE, 0)
      await fdatasync(fd)
      await this.#syncDir()
    } catch (err) {
      await close(fd)
      // a pack without its header would be refused when the store next opens
      await fs.promises.rm(name, { force: true })
      throw err
    }
    return { id, fd, size: PACK_HEADER_SIZE }
  }

  async #syncDir (): Promise<void> {
    const fd = await open(this.dir, 'r')
    try {
      await fsync(fd)
    } finally {
      await close(fd)
    }
  }

  async #acquire (id: number): Promise<ReadHandle> {
    let handle = this.#readers.get(id)
    if (handle != null) {
      // most recently used last
      this.#readers.delete(id)
      this.#readers.set(id, handle)
    } else {
      const fresh: ReadHandle = { fd: -1, refs: 0, doomed: false, ready: Promise.resolve() }
      fresh.ready = this.#openReader(id).then(fd => { fresh.fd = fd })
      handle = fresh
      this.#readers.set(id, handle)
    }
    handle.refs++
    try {
      await handle.ready
    } catch (err) {
      handle.refs--
      if (this.#readers.get(id) === handle) this.#readers.delete(id)
      throw err
    }
    this.#evict()
    return handle
  }

  #release (handle: ReadHandle): void {
    handle.refs--
    if (handle.refs > 0) return
    if (handle.doomed) this.#closeReader(handle)
    else this.#evict()
  }

  #evict (): void {
    if (this.#readers.size <= this.#init.maxOpenPacks) return
    for (const [id, handle] of this.#readers) {
      if (this.#readers.size <= this.#init.maxOpenPacks) break
      if (handle.refs === 0) {
        this.#readers.delete(id)
        this.#closeReader(handle)
      }
    }
  }

  #closeReader (handle: ReadHandle): void {
    if (handle.fd >= 0) {
      const fd = handle.fd
      handle.fd = -1
      // a reader's descriptor: nothing was written through it, so a failed close loses nothing
      fs.close(fd, () => {})
    }
  }

  async #openReader (id: number): Promise<number> {
    const name = packName(id)
    const fd = await open(join(this.dir, name), 'r')
    try {
      const header = Buffer.alloc(PACK_HEADER_SIZE)
      const { bytesRead } = await read(fd, header, 0, PACK_HEADER_SIZE, 0)
      if (bytesRead < PACK_HEADER_SIZE) throw new Error(`${name} is shorter than its header`)
      checkHeader(header, name)
      return fd
    } catch (err) {
      await close(fd)
      throw err
    }
  }

  #requireWriter (): Writer {
    if (this.#writer == null) throw new Error('pack files are not open')
    return this.#writer
  }
}

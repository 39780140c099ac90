/**
 * CAR import and export (`dag import`, `dag export`, the gateway's `?format=car`).
 *
 * Export writes CARv1: a header naming the roots, then the blocks of their DAGs in depth-first
 * pre-order, each once by default, never an identity block. It streams: one block is in flight
 * plus the walker's read-ahead. {@link writeCar} is the one CAR writer; the gateway uses it too.
 *
 * Import reads CARv1 and CARv2 (the inner CARv1; the index is ignored) as a stream. Every block is
 * hashed and checked against its CID before it is stored; valid blocks go to the sink in batches;
 * a block whose bytes do not match its CID (or that is too big, or whose hash we cannot compute)
 * is rejected, named in `errors`, and never stored. A broken CAR — bad header, truncated stream,
 * a section longer than the data or than the limit — throws `InvalidCARError` naming the byte
 * offset and the last good block, after the valid blocks before the break have been stored (so
 * does an error from the source stream; an abort stores nothing more).
 *
 * The framing is parsed with @ipld/car's decoder primitives; the section and header size limits
 * follow go-car's defaults so a hostile length cannot make us buffer the whole stream.
 *
 * @see https://ipld.io/specs/transport/car/carv1/
 * @see https://ipld.io/specs/transport/car/carv2/
 */
import { throwIfAborted } from '../errors/abort.ts'
import { CarWriter } from '@ipld/car/writer'
import { asyncIterableReader, limitReader, readBlockHead, readHeader } from '@ipld/car/decoder'
import type { BytesReader } from '@ipld/car/decoder'
import { CID } from 'multiformats/cid'
import { IDENTITY, MAX_BLOCK_SIZE } from '../blockstore/index.ts'
import type { AbortOptions, Block, BlockGetter, BlockSink } from '../blockstore/index.ts'
import { BlockTooBigError, InvalidCARError, messageOf } from '../errors/index.ts'
import { walkDag } from './dag-walk.ts'
import type { WalkDagOptions } from './dag-walk.ts'
import { verifyBlock } from './hashes.ts'

/** The largest CAR header accepted (go-car's default `MaxAllowedHeaderSize`). */
export const MAX_CAR_HEADER_SIZE = 32 * 1024 * 1024

/** The largest CAR section accepted, even with `allowBigBlock` (go-car's `MaxAllowedSectionSize`). */
export const MAX_CAR_SECTION_SIZE = 32 * 1024 * 1024

/** Bytes of valid blocks gathered before one `putMany`. */
export const DEFAULT_IMPORT_BATCH_BYTES = 8 * 1024 * 1024

/** Blocks gathered before one `putMany` (Kubo's `Import.BatchMaxNodes` default). */
export const DEFAULT_IMPORT_BATCH_BLOCKS = 128

/** Export output is gathered into chunks of about this size (large blocks pass through as they are). */
export const EXPORT_CHUNK_SIZE = 64 * 1024

/** Options of {@link exportCar}. */
export type ExportCarOptions = WalkDagOptions

/**
 * Streams a CARv1 of the DAGs under `roots` (all named in the header). See {@link walkDag} for
 * `dedupe` (default true), `skipMissing` and `readAhead`. A failure (missing block, unknown codec,
 * abort) ends the stream with that error after the bytes written so far.
 */
export function exportCar (roots: readonly CID[], getter: BlockGetter, options: ExportCarOptions = {}): AsyncGenerator<Uint8Array> {
  return writeCar(roots, withoutIdentity(walkDag(roots, getter, options)))
}

/** Identity blocks live in their CIDs: a CAR never carries them. */
async function * withoutIdentity (blocks: AsyncIterable<Block>): AsyncGenerator<Block> {
  for await (const block of blocks) {
    if (block.cid.multihash.code !== IDENTITY) yield block
  }
}

/** Options of {@link writeCar}. */
export interface WriteCarOptions {
  /** Output is gathered into chunks of about this many bytes. Default {@link EXPORT_CHUNK_SIZE}. */
  chunkSize?: number
}

/**
 * The one CAR writer (`dag export`, the gateway's CAR answers): a CARv1 stream of `blocks`, in
 * the order given, with `roots` in its header, framed by @ipld/car's encoder. It pulls a block
 * only once the bytes of the one before have been taken, so memory holds one block plus what the
 * source reads ahead. An error of the source ends the stream after the bytes written so far;
 * a consumer that stops early ends the source (its `return`), which stops its loads.
 */
export async function * writeCar (roots: readonly CID[], blocks: AsyncIterable<Block>, options: WriteCarOptions = {}): AsyncGenerator<Uint8Array> {
  const { writer, out } = CarWriter.create([...roots])
  const source = blocks[Symbol.asyncIterator]()
  let failure: { err: unknown } | undefined
  let drained = false

  // the source feeds the CarWriter while this generator drains it; CarWriter.put resolves only
  // once its bytes have been taken, which keeps one block in flight
  const produce = async (): Promise<void> => {
    try {
      for (let next = await source.next(); next.done !== true; next = await source.next()) {
        await writer.put(next.value)
      }
    } catch (err) {
      failure = { err }
    }
    drained = true
    await writer.close()
  }
  const producing = produce()
  producing.catch(() => {}) // awaited below; when the consumer stops early it may never settle

  try {
    yield * coalesce(out, options.chunkSize ?? EXPORT_CHUNK_SIZE)
    await producing
    if (failure != null) throw failure.err
  } finally {
    if (!drained) source.return?.().catch(() => {}) // a source that fails as it stops has nothing left to say
  }
}

/** Joins small chunks into chunks of about `size` bytes; chunks of `size` or more pass through. */
async function * coalesce (source: AsyncIterable<Uint8Array>, size: number): AsyncGenerator<Uint8Array> {
  let parts: Uint8Array[] = []
  let length = 0
  const join = (): Uint8Array => {
    const out = parts.length === 1 ? parts[0] : new Uint8Array(length)
    if (parts.length > 1) {
      let offset = 0
      for (const p of parts) {
        out.set(p, offset)
        offset += p.length
      }
    }
    parts = []
    length = 0
    return out
  }
  for await (const chunk of source) {
    if (chunk.length >= size) {
      if (length > 0) yield join()
      yield chunk
      continue
    }
    parts.push(chunk)
    length += chunk.length
    if (length >= size) yield join()
  }
  if (length > 0) yield join()
}

/** Options of {@link importCar}. */
export interface ImportCarOptions extends AbortOptions {
  /** Accept blocks over {@link MAX_BLOCK_SIZE} (up to {@link MAX_CAR_SECTION_SIZE}). Default false. */
  allowBigBlock?: boolean
  /** Bytes of blocks per `putMany`. Default {@link DEFAULT_IMPORT_BATCH_BYTES}. */
  batchBytes?: number
  /** Blocks per `putMany`. Default {@link DEFAULT_IMPORT_BATCH_BLOCKS}. */
  batchBlocks?: number
}

/** A block that was rejected: named by CID and byte offset, with the error's name and message. */
export interface ImportCarBlockError {
  cid?: CID
  /** Byte offset of its section in the CAR stream. */
  offset: number
  /** The error class name: `BlockCorruptError`, `BlockTooBigError` or `UnsupportedHashError`. */
  name: string
  message: string
}

/** What {@link importCar} read. */
export interface ImportCarResult {
  /** The CAR version (1, or 2 for a CARv2 wrapper). */
  version: number
  /** The roots named in the header (they need not be in the CAR). */
  roots: CID[]
  /** Blocks read and verified (Kubo's `Stats.BlockCount`), duplicates and identity blocks included. */
  blockCount: number
  /** Their bytes (Kubo's `Stats.BlockBytesCount`). */
  blockBytes: number
  /**
   * Blocks rejected and not stored. Kubo fails `dag import` on the first of these; the caller
   * should fail the command when this is not empty.
   */
  errors: ImportCarBlockError[]
}

/**
 * Reads a CAR stream, verifies every block and stores the valid ones in `sink` in batches.
 * Memory is bounded by the batch size and the largest section, not by the CAR's size.
 */
export async function importCar (source: AsyncIterable<Uint8Array>, sink: BlockSink, options: ImportCarOptions = {}): Promise<ImportCarResult> {
  const { signal } = options
  const maxBlock = options.allowBigBlock === true ? MAX_CAR_SECTION_SIZE : MAX_BLOCK_SIZE
  const input = new CarInput(source)
  const { version, roots } = await input.readHeader()
  const result: ImportCarResult = { version, roots, blockCount: 0, blockBytes: 0, errors: [] }
  const batch = new ImportBatch(sink, options)

  try {
    for (;;) {
      throwIfAborted(signal, 'the CAR import')
      const section = await input.readSection()
      if (section == null) break
      const { cid, bytes, offset } = section
      const rejected = checkSection(cid, bytes, maxBlock)
      if (rejected != null) {
        result.errors.push({ cid, offset, name: rejected.name, message: messageOf(rejected) })
        continue
      }
      result.blockCount++
      result.blockBytes += bytes.length
      input.previous = cid
      if (cid.multihash.code === IDENTITY) continue // answered from the CID, never stored
      await batch.add(cid, bytes)
    }
  } catch (err) {
    // the blocks verified before a break (bad framing, a failing source) are good: keep them,
    // unless the caller asked us to stop
    if (signal?.aborted !== true) await batch.flush()
    throw err
  }
  await batch.flush()
  return result
}

/** Why a well-framed section is rejected (too big, or its bytes do not hash to its CID), or undefined. */
function checkSection (cid: CID, bytes: Uint8Array, maxBlock: number): Error | undefined {
  if (bytes.length > maxBlock) {
    return new BlockTooBigError(`block ${cid.toString()} is ${bytes.length} bytes, over the ${MAX_BLOCK_SIZE}-byte limit; pass --allow-big-block to accept it`)
  }
  try {
    verifyBlock(cid, bytes)
  } catch (err) {
    return err as Error
  }
  return undefined
}

/** A section of the CAR: a block and the byte offset its section starts at. */
interface CarSection {
  cid: CID
  bytes: Uint8Array
  offset: number
}

/**
 * The framing of a CAR stream: its header, then its sections, one at a time. Framing errors
 * become `InvalidCARError`s naming the byte offset and the last good block; errors of the source
 * itself (I/O) pass through as they are.
 */
class CarInput {
  /** The last block read and accepted, named in framing errors. */
  previous: CID | undefined
  #reader: BytesReader
  #sourceError: unknown
  #sections = 0

  constructor (source: AsyncIterable<Uint8Array>) {
    this.#reader = guardReader(asyncIterableReader(this.#tap(source)))
  }

  async * #tap (source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    try {
      yield * source
    } catch (err) {
      this.#sourceError = err
      throw err
    }
  }

  #passThrough (err: unknown): boolean {
    return isInvalidCar(err) || (this.#sourceError !== undefined && err === this.#sourceError)
  }

  /** Reads the header; for a CARv2, limits the reader to its inner CARv1 (the index is not read). */
  async readHeader (): Promise<{ version: number, roots: CID[] }> {
    let header
    try {
      header = await readHeader(this.#reader)
    } catch (err) {
      if (this.#passThrough(err)) throw err
      throw new InvalidCARError(`invalid CAR header: ${messageOf(err)}`, { cause: err })
    }
    if (header.version === 2) {
      const left = header.dataSize - (this.#reader.pos - header.dataOffset)
      if (left < 0) {
        throw new InvalidCARError(`invalid CARv2: its data size (${header.dataSize} bytes) is smaller than its inner CARv1 header`)
      }
      this.#reader = limitReader(this.#reader, left)
    }
    return { version: header.version, roots: header.roots.map(copyCid) }
  }

  /** The next section, or undefined at the end of the data. */
  async readSection (): Promise<CarSection | undefined> {
    const reader = this.#reader
    const offset = reader.pos
    let cid: CID
    let blockLength: number
    try {
      if ((await reader.upTo(8)).length === 0) return undefined
      const head = await readBlockHead(reader)
      cid = copyCid(head.cid)
      blockLength = head.blockLength
    } catch (err) {
      throw this.#passThrough(err) ? err : this.#broken(offset, 'bad or truncated section header', err)
    }
    if (blockLength < 0) {
      throw this.#broken(offset, `section is shorter than its CID ${cid.toString()}`)
    }
    if (blockLength > MAX_CAR_SECTION_SIZE) {
      throw this.#broken(offset, `block ${cid.toString()} declares ${blockLength} bytes, over the ${MAX_CAR_SECTION_SIZE}-byte section limit`)
    }
    let bytes: Uint8Array
    try {
      bytes = await reader.exactly(blockLength, true)
    } catch (err) {
      if (this.#passThrough(err)) throw err
      throw this.#broken(offset, `truncated CAR: block ${cid.toString()} declares ${blockLength} bytes but the data ends first`, err)
    }
    this.#sections++
    return { cid, bytes, offset }
  }

  #broken (offset: number, what: string, err?: unknown): Error {
    const after = this.previous == null ? 'before any block' : `after block ${this.previous.toString()}`
    const cause = err == null ? '' : `: ${messageOf(err)}`
    return new InvalidCARError(`invalid CAR: ${what} at byte ${offset} (section ${this.#sections + 1}, ${after})${cause}`, { cause: err })
  }
}

/** Valid blocks gathered for one `putMany`, each once, flushed by bytes or by count. */
class ImportBatch {
  readonly #sink: BlockSink
  readonly #options: ImportCarOptions
  readonly #maxBytes: number
  readonly #maxBlocks: number
  #blocks: Block[] = []
  #bytes = 0
  #keys = new Set<string>()

  constructor (sink: BlockSink, options: ImportCarOptions) {
    this.#sink = sink
    this.#options = options
    this.#maxBytes = options.batchBytes ?? DEFAULT_IMPORT_BATCH_BYTES
    this.#maxBlocks = options.batchBlocks ?? DEFAULT_IMPORT_BATCH_BLOCKS
  }

  async add (cid: CID, bytes: Uint8Array): Promise<void> {
    const key = cid.toString()
    if (this.#keys.has(key)) return
    this.#keys.add(key)
    // own the bytes when they are a small view of a large read buffer
    this.#blocks.push({ cid, bytes: bytes.buffer.byteLength > 2 * bytes.length ? bytes.slice() : bytes })
    this.#bytes += bytes.length
    if (this.#bytes >= this.#maxBytes || this.#blocks.length >= this.#maxBlocks) await this.flush()
  }

  async flush (): Promise<void> {
    if (this.#blocks.length === 0) return
    const blocks = this.#blocks
    this.#blocks = []
    this.#bytes = 0
    this.#keys = new Set()
    await this.#sink.putMany(blocks, { signal: this.#options.signal, allowBigBlock: this.#options.allowBigBlock })
  }
}

function isInvalidCar (err: unknown): boolean {
  return (err as Error)?.name === 'InvalidCARError'
}

/** A CID that does not share memory with the read buffer it was parsed from. */
function copyCid (cid: CID): CID {
  return CID.decode(cid.bytes.slice())
}

/**
 * Refuses reads longer than the header/section limits and backward seeks (a CARv2 data offset
 * pointing into its own header), so hostile lengths fail fast instead of buffering the stream.
 */
function guardReader (reader: BytesReader): BytesReader {
  const limit = Math.max(MAX_CAR_HEADER_SIZE, MAX_CAR_SECTION_SIZE)
  return {
    upTo: async length => reader.upTo(length),
    exactly: async (length, seek) => {
      if (length > limit) {
        throw new InvalidCARError(`invalid CAR: a length of ${length} bytes at byte ${reader.pos} is over the ${limit}-byte limit`)
      }
      return reader.exactly(length, seek)
    },
    seek: length => {
      if (length < 0) {
        throw new InvalidCARError(`invalid CAR: an offset at byte ${reader.pos} points backwards`)
      }
      reader.seek(length)
    },
    get pos () {
      return reader.pos
    }
  }
}

/**
 * Chunkers split a file's bytes into the chunks that become its leaves, and `parseChunker` reads
 * Kubo's chunker strings (`--chunker`, `Import.UnixFSChunker`).
 *
 * A chunker takes pieces of any size and yields non-empty chunks. It copies only when a chunk
 * spans several pieces; otherwise it yields views (`subarray`) of the pieces it was given, so
 * pieces must not be modified after they have been yielded. An empty input yields nothing.
 *
 * @see https://github.com/ipfs/boxo/blob/main/chunker/parse.go
 */
import rabinWasm from 'rabin-wasm'
import { InvalidArgumentError, InvalidChunkerError } from '../../errors/index.ts'

/** Splits a byte stream into chunks. */
export type Chunker = (source: AsyncIterable<Uint8Array>) => AsyncIterable<Uint8Array>

/** A parsed chunker string. */
export type ChunkerSpec =
  | { type: 'size', size: number }
  | { type: 'rabin', min: number, avg: number, max: number }

/**
 * The largest chunk any chunker may produce: 2 MiB − 256 B, leaving room for the dag-pb/UnixFS
 * framing so a leaf block stays within the 2 MiB Bitswap block limit (boxo `ChunkSizeLimit`).
 */
export const MAX_CHUNK_SIZE = 2 * 1024 * 1024 - 256

/** `size-N` default and the average used by a bare `rabin` (boxo `DefaultBlockSize`). */
export const DEFAULT_CHUNK_SIZE = 262144

/** The smallest rabin minimum chunk size (boxo `ErrRabinMin`). */
export const MIN_RABIN_MIN_SIZE = 16

/** Rolling-hash window of the rabin chunker, as ipfs-unixfs-importer uses it. */
export const RABIN_WINDOW_SIZE = 16

/** Bytes handed to the rabin fingerprinter per call; bounds the WebAssembly memory it grows to. */
const RABIN_FEED_SIZE = 256 * 1024

const DIGITS = /^[0-9]+$/

function parseCount (text: string, spec: string): number {
  if (!DIGITS.test(text)) {
    throw new InvalidChunkerError(`invalid chunker "${spec}": "${text}" is not a whole number of bytes`)
  }
  const value = Number(text)
  if (!Number.isSafeInteger(value)) {
    throw new InvalidChunkerError(`invalid chunker "${spec}": ${text} is too large`)
  }
  return value
}

function checkSize (size: number, spec: string): void {
  if (!Number.isSafeInteger(size) || size < 1) {
    throw new InvalidChunkerError(`invalid chunker "${spec}": the chunk size must be at least 1 byte`)
  }
  if (size > MAX_CHUNK_SIZE) {
    throw new InvalidChunkerError(`invalid chunker "${spec}": the chunk size may not exceed ${MAX_CHUNK_SIZE} bytes (2 MiB minus 256 bytes for block framing)`)
  }
}

function checkRabin (min: number, avg: number, max: number, spec: string): void {
  for (const value of [min, avg, max]) {
    if (!Number.isSafeInteger(value)) {
      throw new InvalidChunkerError(`invalid chunker "${spec}": rabin sizes must be whole numbers of bytes`)
    }
  }
  if (min < MIN_RABIN_MIN_SIZE) {
    throw new InvalidChunkerError(`invalid chunker "${spec}": the rabin minimum must be at least ${MIN_RABIN_MIN_SIZE} bytes`)
  }
  if (min >= avg) {
    throw new InvalidChunkerError(`invalid chunker "${spec}": the rabin minimum must be smaller than the average`)
  }
  if (avg >= max) {
    throw new InvalidChunkerError(`invalid chunker "${spec}": the rabin average must be smaller than the maximum`)
  }
  if (max > MAX_CHUNK_SIZE) {
    throw new InvalidChunkerError(`invalid chunker "${spec}": the rabin maximum may not exceed ${MAX_CHUNK_SIZE} bytes (2 MiB minus 256 bytes for block framing)`)
  }
}

function rabinPart (part: string, label: string, spec: string): number {
  const colon = part.indexOf(':')
  if (colon !== -1 && part.slice(0, colon) !== label) {
    throw new InvalidChunkerError(`invalid chunker "${spec}": expected the label "${label}:" in "${part}"`)
  }
  return parseCount(colon === -1 ? part : part.slice(colon + 1), spec)
}

/**
 * Parses a chunker string as Kubo accepts it: `size-N`, `rabin`, `rabin-AVG`,
 * `rabin-MIN-AVG-MAX` (each part optionally labelled `min:`/`avg:`/`max:`), or `''`/`default`
 * for `size-262144`. `buzhash` is recognised and refused. Throws `InvalidChunkerError`.
 */
export function parseChunker (spec: string): ChunkerSpec {
  if (typeof spec !== 'string') {
    throw new InvalidChunkerError('the chunker must be a string such as "size-262144" or "rabin-MIN-AVG-MAX"')
  }
  if (spec === '' || spec === 'default') {
    return { type: 'size', size: DEFAULT_CHUNK_SIZE }
  }
  const parts = spec.split('-')
  switch (parts[0]) {
    case 'size': {
      if (parts.length !== 2 || parts[1] === '') {
        throw new InvalidChunkerError(`invalid chunker "${spec}": expected size-N with N the chunk size in bytes, e.g. size-262144`)
      }
      const size = parseCount(parts[1], spec)
      checkSize(size, spec)
      return { type: 'size', size }
    }
    case 'rabin': {
      if (parts.length === 1) {
        return rabinFromAverage(DEFAULT_CHUNK_SIZE, spec)
      }
      if (parts.length === 2) {
        return rabinFromAverage(parseCount(parts[1], spec), spec)
      }
      if (parts.length === 4) {
        const min = rabinPart(parts[1], 'min', spec)
        const avg = rabinPart(parts[2], 'avg', spec)
        const max = rabinPart(parts[3], 'max', spec)
        checkRabin(min, avg, max, spec)
        return { type: 'rabin', min, avg, max }
      }
      throw new InvalidChunkerError(`invalid chunker "${spec}": expected rabin, rabin-AVG or rabin-MIN-AVG-MAX`)
    }
    case 'buzhash':
      throw new InvalidChunkerError(`unsupported chunker "${spec}": buzhash is not supported; use size-N or rabin-MIN-AVG-MAX`)
    default:
      throw new InvalidChunkerError(`unknown chunker "${spec}": use size-N (e.g. size-262144) or rabin-MIN-AVG-MAX`)
  }
}

/** Kubo's `rabin-AVG`: min = avg/3 and max = avg·1.5 (boxo `NewRabin`). */
function rabinFromAverage (avg: number, spec: string): ChunkerSpec {
  const min = Math.floor(avg / 3)
  const max = avg + Math.floor(avg / 2)
  checkRabin(min, avg, max, spec)
  return { type: 'rabin', min, avg, max }
}

/** A chunker for a parsed spec or a chunker string. */
export function createChunker (spec: ChunkerSpec | string): Chunker {
  const parsed = typeof spec === 'string' ? parseChunker(spec) : spec
  return parsed.type === 'size' ? fixedSize(parsed.size) : rabin(parsed)
}

function checkPiece (piece: unknown): asserts piece is Uint8Array {
  if (!(piece instanceof Uint8Array)) {
    throw new InvalidArgumentError('file content must be an async iterable of Uint8Array pieces')
  }
}

/**
 * Bytes kept free before and after every chunk a chunker assembles from several pieces, so a
 * dag-pb leaf can be framed around the chunk in place instead of copying it again (see
 * {@link claimFramingRoom}). Enough for the largest leaf header (10 bytes) and trailer (4 bytes).
 */
export const FRAMING_HEADROOM = 16
export const FRAMING_TAILROOM = 8

/** Chunks assembled here, by their buffer, until their framing room is claimed. */
const unclaimed = new WeakMap<ArrayBufferLike, Uint8Array>()

/**
 * True, once, when `chunk` is exactly a chunk these chunkers assembled: its owner may then write
 * up to {@link FRAMING_HEADROOM} bytes just before it and {@link FRAMING_TAILROOM} just after it.
 * Any other array (a view of the caller's pieces, a part of a chunk) gets false.
 */
export function claimFramingRoom (chunk: Uint8Array): boolean {
  const assembled = unclaimed.get(chunk.buffer)
  if (assembled == null || assembled.byteOffset !== chunk.byteOffset || assembled.length !== chunk.length) {
    return false
  }
  unclaimed.delete(chunk.buffer)
  return true
}

/** A new, uninitialised chunk of `length` bytes with framing room around it; fill it completely. */
function allocChunk (length: number): Uint8Array {
  const buf = Buffer.allocUnsafeSlow(FRAMING_HEADROOM + length + FRAMING_TAILROOM)
  const chunk = new Uint8Array(buf.buffer, buf.byteOffset + FRAMING_HEADROOM, length)
  unclaimed.set(buf.buffer, chunk)
  return chunk
}

/** Copies `pieces` (holding `length` bytes in total) into one new chunk. */
function concat (pieces: readonly Uint8Array[], length: number): Uint8Array {
  const out = allocChunk(length)
  let pos = 0
  for (const piece of pieces) {
    out.set(piece, pos)
    pos += piece.length
  }
  return out
}

/** Fixed-size chunks of `size` bytes; the last one may be shorter. */
export function fixedSize (size: number): Chunker {
  checkSize(size, `size-${size}`)
  return async function * fixedSizeChunker (source) {
    const pending: Uint8Array[] = []
    let pendingLength = 0
    for await (const piece of source) {
      checkPiece(piece)
      const length = piece.length
      if (length === 0) continue
      let offset = 0
      if (pendingLength > 0) {
        const need = size - pendingLength
        if (length < need) {
          pending.push(piece)
          pendingLength += length
          continue
        }
        pending.push(piece.subarray(0, need))
        const chunk = concat(pending, size)
        pending.length = 0
        pendingLength = 0
        offset = need
        yield chunk
      }
      while (length - offset >= size) {
        yield piece.subarray(offset, offset + size)
        offset += size
      }
      if (offset < length) {
        pending.push(offset === 0 ? piece : piece.subarray(offset))
        pendingLength += length - offset
      }
    }
    if (pendingLength > 0) {
      yield pending.length === 1 ? pending[0] : concat(pending, pendingLength)
    }
  }
}

/**
 * Content-defined chunks from a rabin fingerprint (rabin-wasm), cut exactly where
 * ipfs-unixfs-importer's rabin chunker cuts for the same min/avg/max: average bits =
 * ⌊log2(avg)⌋, window 16, state kept across pieces.
 */
export function rabin (sizes: { min: number, avg: number, max: number }): Chunker {
  const { min, avg, max } = sizes
  checkRabin(min, avg, max, `rabin-${min}-${avg}-${max}`)
  const bits = Math.floor(Math.log2(avg))
  return async function * rabinChunker (source) {
    const fingerprinter = await rabinWasm.create(bits, min, max, RABIN_WINDOW_SIZE)
    const pending: Uint8Array[] = []
    let head = 0 // index of the first pending piece still holding bytes
    let pendingLength = 0

    // takes `length` bytes off the front of the pending pieces
    const take = (length: number): Uint8Array => {
      pendingLength -= length
      const first = pending[head]
      if (first.length >= length) {
        if (first.length === length) {
          pending[head++] = EMPTY
        } else {
          pending[head] = first.subarray(length)
        }
        return first.subarray(0, length)
      }
      const out = allocChunk(length)
      let pos = 0
      while (pos < length) {
        const piece = pending[head]
        const n = Math.min(piece.length, length - pos)
        out.set(n === piece.length ? piece : piece.subarray(0, n), pos)
        pos += n
        if (n === piece.length) {
          pending[head++] = EMPTY
        } else {
          pending[head] = piece.subarray(n)
        }
      }
      return out
    }

    for await (const piece of source) {
      checkPiece(piece)
      for (let offset = 0; offset < piece.length; offset += RABIN_FEED_SIZE) {
        const part = offset === 0 && piece.length <= RABIN_FEED_SIZE ? piece : piece.subarray(offset, offset + RABIN_FEED_SIZE)
        const cuts = fingerprinter.fingerprint(part)
        pending.push(part)
        pendingLength += part.length
        for (let i = 0; i < cuts.length; i++) {
          yield take(cuts[i])
        }
        if (head > 64) {
          pending.splice(0, head)
          head = 0
        }
      }
    }
    if (pendingLength > 0) {
      yield take(pendingLength)
    }
  }
}

const EMPTY = new Uint8Array(0)

/**
 * Exact encoders for the UnixFS `Data` message and for dag-pb leaf blocks, byte for byte as
 * Kubo (boxo `ipld/unixfs`) writes them.
 *
 * Why not `ipfs-unixfs`'s `UnixFS.marshal()`: it drops `mode` when it equals 0644 (files) or
 * 0755 (directories) and writes `mode: 0` and zero nanoseconds, while boxo's `FSNode` writes any
 * non-zero permission bits (so `ipfs add --preserve-mode` of a 0644 file stores `mode: 420`) and
 * omits zero nanoseconds. Field order and wire types follow boxo's `unixfs.proto` (proto2:
 * `blocksizes` unpacked, `mtime.nanos` fixed32). Parents are still encoded by `@ipld/dag-pb`;
 * only leaves, the hot path, are framed here in one allocation with one copy of the chunk. Both
 * encoders are checked against `ipfs-unixfs` and `@ipld/dag-pb` in the tests.
 *
 * @see https://specs.ipfs.tech/unixfs/#data-format
 */

import { FRAMING_HEADROOM, FRAMING_TAILROOM, claimFramingRoom } from './chunker.ts'

/** UnixFS `Data.Type` values (specs: unixfs "DataType"). */
export const UNIXFS_RAW = 0
export const UNIXFS_DIRECTORY = 1
export const UNIXFS_FILE = 2
export const UNIXFS_SYMLINK = 4

/** Modification time as UnixFS stores it: seconds since the epoch and optional nanoseconds. */
export interface UnixFSMtime {
  secs: bigint | number
  /** 0..999999999; 0 or absent is not written */
  nsecs?: number
}

/** The fields of a UnixFS `Data` message that the importer writes. */
export interface UnixFSFields {
  type: number
  /** written when present (even when empty) */
  data?: Uint8Array
  /** written when present (files and raw leaves always carry it, even 0) */
  fileSize?: number
  blockSizes?: readonly number[]
  /** POSIX mode; only the low 12 bits are stored and 0 is not written (boxo `SetMode`) */
  mode?: number
  mtime?: UnixFSMtime
}

const MAX_UINT64 = (1n << 64n) - 1n

function varintLength (value: number): number {
  let n = 1
  while (value >= 128) {
    value = Math.floor(value / 128)
    n++
  }
  return n
}

function writeVarint (buf: Uint8Array, pos: number, value: number): number {
  while (value >= 128) {
    buf[pos++] = (value % 128) | 0x80
    value = Math.floor(value / 128)
  }
  buf[pos++] = value
  return pos
}

/** int64 as protobuf writes it: negative values become their 64-bit two's complement. */
function int64Varint (value: bigint): bigint {
  return value < 0n ? (value + (1n << 64n)) & MAX_UINT64 : value
}

function bigVarintLength (value: bigint): number {
  let n = 1
  while (value >= 128n) {
    value >>= 7n
    n++
  }
  return n
}

function writeBigVarint (buf: Uint8Array, pos: number, value: bigint): number {
  while (value >= 128n) {
    buf[pos++] = Number(value & 0x7fn) | 0x80
    value >>= 7n
  }
  buf[pos++] = Number(value)
  return pos
}

function mtimeBody (mtime: UnixFSMtime): { secs: bigint, nsecs: number, length: number } {
  const secs = int64Varint(BigInt(mtime.secs))
  const nsecs = mtime.nsecs ?? 0
  return { secs, nsecs, length: 1 + bigVarintLength(secs) + (nsecs > 0 ? 5 : 0) }
}

/** Encodes a UnixFS `Data` message exactly as boxo's `FSNode.GetBytes()` does. */
export function encodeUnixFSData (fields: UnixFSFields): Uint8Array {
  const { type, data, fileSize, blockSizes = [], mtime } = fields
  const mode = fields.mode == null ? 0 : fields.mode & 0xfff
  let length = 1 + varintLength(type)
  if (data != null) length += 1 + varintLength(data.length) + data.length
  if (fileSize != null) length += 1 + varintLength(fileSize)
  for (const size of blockSizes) length += 1 + varintLength(size)
  if (mode !== 0) length += 1 + varintLength(mode)
  const time = mtime == null ? undefined : mtimeBody(mtime)
  if (time != null) length += 1 + varintLength(time.length) + time.length

  const buf = new Uint8Array(length)
  let pos = 0
  buf[pos++] = 0x08
  pos = writeVarint(buf, pos, type)
  if (data != null) {
    buf[pos++] = 0x12
    pos = writeVarint(buf, pos, data.length)
    buf.set(data, pos)
    pos += data.length
  }
  if (fileSize != null) {
    buf[pos++] = 0x18
    pos = writeVarint(buf, pos, fileSize)
  }
  for (const size of blockSizes) {
    buf[pos++] = 0x20
    pos = writeVarint(buf, pos, size)
  }
  if (mode !== 0) {
    buf[pos++] = 0x38
    pos = writeVarint(buf, pos, mode)
  }
  if (time != null) {
    buf[pos++] = 0x42
    pos = writeVarint(buf, pos, time.length)
    buf[pos++] = 0x08
    pos = writeBigVarint(buf, pos, time.secs)
    if (time.nsecs > 0) {
      buf[pos++] = 0x15
      new DataView(buf.buffer, buf.byteOffset + pos, 4).setUint32(0, time.nsecs, true)
      pos += 4
    }
  }
  return buf
}

/**
 * The dag-pb block of a file leaf without metadata: `PBNode { Data: UnixFS { Type, Data: chunk,
 * filesize } }`. Identical to
 * `dagPb.encode({ Data: encodeUnixFSData({ type, data, fileSize: data.length }), Links: [] })`.
 *
 * When the chunker left framing room around the chunk (`claimFramingRoom`), the header and trailer are
 * written there and the block is a view over the chunk's own buffer: no copy. Otherwise the block
 * is one new allocation holding one copy of the chunk.
 */
export function encodeLeafBlock (chunk: Uint8Array, type: number): Uint8Array {
  const n = chunk.length
  const inner = 1 + varintLength(type) + 1 + varintLength(n) + n + 1 + varintLength(n)
  const headerLength = 1 + varintLength(inner) + 1 + varintLength(type) + 1 + varintLength(n)
  const trailerLength = 1 + varintLength(n)
  const total = headerLength + n + trailerLength
  let buf: Uint8Array
  let start: number
  if (headerLength <= FRAMING_HEADROOM && trailerLength <= FRAMING_TAILROOM && claimFramingRoom(chunk)) {
    buf = new Uint8Array(chunk.buffer)
    start = chunk.byteOffset - headerLength
  } else {
    const fresh = Buffer.allocUnsafe(total)
    buf = new Uint8Array(fresh.buffer, fresh.byteOffset, total)
    start = 0
    buf.set(chunk, headerLength)
  }
  let pos = start
  buf[pos++] = 0x0a
  pos = writeVarint(buf, pos, inner)
  buf[pos++] = 0x08
  pos = writeVarint(buf, pos, type)
  buf[pos++] = 0x12
  writeVarint(buf, pos, n)
  pos = start + headerLength + n
  buf[pos++] = 0x18
  writeVarint(buf, pos, n)
  return buf.subarray(start, start + total)
}

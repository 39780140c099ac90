/**
 * The one encoder of the UnixFS `Data` message (files, symlinks, directories and HAMT shards) and
 * the framing of dag-pb leaf blocks, byte for byte as Kubo (boxo `ipld/unixfs`) writes them.
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

import { varint } from 'multiformats'
import { FRAMING_HEADROOM, FRAMING_TAILROOM, claimFramingRoom } from './chunker.ts'

/** UnixFS `Data.Type` values (specs: unixfs "DataType"). */
export const UNIXFS_RAW = 0
export const UNIXFS_DIRECTORY = 1
export const UNIXFS_FILE = 2
export const UNIXFS_SYMLINK = 4
export const UNIXFS_HAMT_SHARD = 5

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

/**
 * A `Data` message with each field as it is to be written: present fields are written, in field
 * order (boxo's gogo-protobuf output). The public encoders below decide presence, as boxo does
 * for files and for directories.
 */
interface DataMessage {
  type: number
  data?: Uint8Array
  fileSize?: number
  blockSizes?: readonly number[]
  hashType?: number
  fanout?: number
  mode?: number
  mtime?: UnixFSMtime
}

/**
 * The fields of a directory node's `Data` message (a basic directory, or a HAMT shard with its
 * bitfield, hash type and fanout).
 */
export interface DirectoryDataFields {
  /** {@link UNIXFS_DIRECTORY} or {@link UNIXFS_HAMT_SHARD}. */
  type: typeof UNIXFS_DIRECTORY | typeof UNIXFS_HAMT_SHARD
  /** HAMT bitfield (field 2); left out when empty. */
  data?: Uint8Array
  /** HAMT hash function (field 5). */
  hashType?: number
  /** HAMT fanout (field 6). */
  fanout?: number
  /**
   * POSIX mode (field 7): written, masked to 0o7777, whenever it is non-zero — 0o755 included,
   * and a directory's `0o40000` with no permission bits writes 0. This mirrors boxo, which
   * writes the permissions of any non-zero Go `os.FileMode` (a directory's always carries
   * `ModeDir`), while `--mode=0` means no mode.
   */
  mode?: number
  /** Modification time (field 8). */
  mtime?: UnixFSMtime
}

/** `mtime.secs` is an int64: a negative value is written as its 64-bit two's complement. */
function int64 (value: bigint | number): bigint {
  return BigInt.asUintN(64, BigInt(value))
}

// multiformats/varint encodes numbers up to 2^53; an int64 needs the full 64 bits
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

/** Writes a varint at `pos` and returns the position after it. */
function writeVarint (buf: Uint8Array, pos: number, value: number): number {
  varint.encodeTo(value, buf, pos)
  return pos + varint.encodingLength(value)
}

/** The one UnixFS `Data` encoder: every field that is present, in field order. */
function encodeDataMessage (message: DataMessage): Uint8Array {
  const { type, data, fileSize, blockSizes = [], hashType, fanout, mode, mtime } = message
  const length1 = (value: number): number => 1 + varint.encodingLength(value)
  let length = length1(type)
  if (data != null) length += length1(data.length) + data.length
  if (fileSize != null) length += length1(fileSize)
  for (const size of blockSizes) length += length1(size)
  if (hashType != null) length += length1(hashType)
  if (fanout != null) length += length1(fanout)
  if (mode != null) length += length1(mode)
  const secs = mtime == null ? 0n : int64(mtime.secs)
  const nsecs = mtime?.nsecs ?? 0
  const timeLength = 1 + bigVarintLength(secs) + (nsecs > 0 ? 5 : 0)
  if (mtime != null) length += length1(timeLength) + timeLength

  const buf = new Uint8Array(length)
  let pos = 0
  // a tag byte (field number << 3 | wire type), then a varint: the value of a varint field, or
  // the length of a length-delimited one (whose bytes the caller writes next)
  const field = (tag: number, value: number | undefined): void => {
    if (value == null) return
    buf[pos++] = tag
    pos = writeVarint(buf, pos, value)
  }
  field(0x08, type)
  if (data != null) {
    field(0x12, data.length)
    buf.set(data, pos)
    pos += data.length
  }
  field(0x18, fileSize)
  for (const size of blockSizes) field(0x20, size)
  field(0x28, hashType)
  field(0x30, fanout)
  field(0x38, mode)
  if (mtime != null) {
    field(0x42, timeLength)
    buf[pos++] = 0x08
    pos = writeBigVarint(buf, pos, secs)
    if (nsecs > 0) {
      buf[pos++] = 0x15
      new DataView(buf.buffer, buf.byteOffset + pos, 4).setUint32(0, nsecs, true)
      pos += 4
    }
  }
  return buf
}

/** Encodes a file, raw or symlink node's UnixFS `Data` message exactly as boxo's `FSNode.GetBytes()` does. */
export function encodeUnixFSData (fields: UnixFSFields): Uint8Array {
  const mode = fields.mode == null ? 0 : fields.mode & 0xfff
  return encodeDataMessage({ ...fields, mode: mode === 0 ? undefined : mode })
}

/**
 * Encodes a directory node's UnixFS `Data` message as boxo does (`pbDataAddStat`,
 * `HAMTShardDataWithStat`): the bitfield only when non-empty, the mode whenever non-zero.
 */
export function encodeDirectoryData (fields: DirectoryDataFields): Uint8Array {
  return encodeDataMessage({
    type: fields.type,
    data: fields.data != null && fields.data.length > 0 ? fields.data : undefined,
    hashType: fields.hashType,
    fanout: fields.fanout,
    mode: fields.mode != null && fields.mode !== 0 ? fields.mode & 0o7777 : undefined,
    mtime: fields.mtime
  })
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
  const { encodingLength } = varint
  const inner = 1 + encodingLength(type) + 1 + encodingLength(n) + n + 1 + encodingLength(n)
  const headerLength = 1 + encodingLength(inner) + 1 + encodingLength(type) + 1 + encodingLength(n)
  const trailerLength = 1 + encodingLength(n)
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

/**
 * The bytes shared by basic and HAMT-sharded directories: the UnixFS `Data` message of a
 * directory node, and a writer that turns dag-pb nodes into blocks and hands them to a
 * {@link BlockSink} in batches.
 *
 * The UnixFS `Data` message is written here rather than through `ipfs-unixfs`, because the two
 * disagree on metadata and Kubo's bytes decide CIDs: boxo (`unixfs.go` `pbDataAddStat`,
 * `HAMTShardDataWithStat`) writes the permissions of any non-zero mode, 0o755 included, and
 * leaves out zero nanoseconds, while `ipfs-unixfs` drops 0o755 on directories and writes
 * `nsecs: 0`. Without
 * metadata both produce the same bytes (`0a 02 08 01` for a basic directory); the tests check
 * this encoder against `ipfs-unixfs` on every field.
 *
 * @see https://specs.ipfs.tech/unixfs/#data
 */

import { throwIfAborted as throwAborted } from '../../errors/abort.ts'
import * as dagPb from '@ipld/dag-pb'
import { CID } from 'multiformats/cid'
import { getHasher, toMultihashHasher } from './hashing.ts'
import type { Block, BlockSink, PutOptions } from '../../blockstore/types.ts'
import type { MultihashHasher } from 'multiformats/hashes/interface'

/** UnixFS `Data.Type` of a basic directory. */
export const UNIXFS_TYPE_DIRECTORY = 1

/** UnixFS `Data.Type` of a HAMT shard node. */
export const UNIXFS_TYPE_HAMT_SHARD = 5

/** The multihash code of sha2-256, the only hash CIDv0 allows. */
export const SHA2_256_CODE = 0x12

/** Blocks handed to the sink in one `putMany` call, at most (Kubo's `Import.BatchMaxNodes`). */
export const DIRECTORY_BATCH_MAX_BLOCKS = 128

/** Bytes handed to the sink in one `putMany` call, at most (one block may exceed it alone). */
export const DIRECTORY_BATCH_MAX_BYTES = 8 * 1024 * 1024

/** sha2-256 (through `node:crypto`) as a synchronous multiformats hasher. */
export const sha256 = toMultihashHasher(getHasher('sha2-256'))

/**
 * A modification time as UnixFS stores it: whole seconds since the Unix epoch (negative before
 * it) and optional nanoseconds (0–999999999). Same shape as `ipfs-unixfs`'s `Mtime`.
 */
export interface Mtime {
  secs: bigint | number
  nsecs?: number
}

/** The fields a directory node's UnixFS `Data` can carry. */
export interface DirectoryDataFields {
  /** {@link UNIXFS_TYPE_DIRECTORY} or {@link UNIXFS_TYPE_HAMT_SHARD}. */
  type: typeof UNIXFS_TYPE_DIRECTORY | typeof UNIXFS_TYPE_HAMT_SHARD
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
  mtime?: Mtime
}

function pushVarint (out: number[], value: number | bigint): void {
  if (typeof value === 'number') {
    while (value > 0x7f) {
      out.push((value % 0x80) | 0x80)
      value = Math.floor(value / 0x80)
    }
    out.push(value)
    return
  }
  while (value > 0x7fn) {
    out.push(Number(value & 0x7fn) | 0x80)
    value >>= 7n
  }
  out.push(Number(value))
}

function pushTag (out: number[], field: number, wireType: 0 | 2 | 5): void {
  out.push((field << 3) | wireType)
}

function pushBytes (out: number[], field: number, bytes: ArrayLike<number>): void {
  pushTag(out, field, 2)
  pushVarint(out, bytes.length)
  for (let i = 0; i < bytes.length; i++) out.push(bytes[i])
}

/**
 * Encodes a directory node's UnixFS `Data` message with the field order and presence rules of
 * boxo's gogo-protobuf output (fields ascending; optional fields only when set).
 */
export function encodeDirectoryData (fields: DirectoryDataFields): Uint8Array {
  const out: number[] = []
  pushTag(out, 1, 0)
  pushVarint(out, fields.type)
  if (fields.data != null && fields.data.length > 0) {
    pushBytes(out, 2, fields.data)
  }
  if (fields.hashType != null) {
    pushTag(out, 5, 0)
    pushVarint(out, fields.hashType)
  }
  if (fields.fanout != null) {
    pushTag(out, 6, 0)
    pushVarint(out, fields.fanout)
  }
  if (fields.mode != null && fields.mode !== 0) {
    pushTag(out, 7, 0)
    pushVarint(out, fields.mode & 0o7777)
  }
  if (fields.mtime != null) {
    const inner: number[] = []
    pushTag(inner, 1, 0)
    // int64: negative seconds are written as their 64-bit two's complement (10 bytes)
    pushVarint(inner, BigInt.asUintN(64, BigInt(fields.mtime.secs)))
    const nsecs = fields.mtime.nsecs ?? 0
    if (nsecs > 0) {
      pushTag(inner, 2, 5)
      inner.push(nsecs & 0xff, (nsecs >>> 8) & 0xff, (nsecs >>> 16) & 0xff, (nsecs >>> 24) & 0xff)
    }
    pushBytes(out, 8, inner)
  }
  return Uint8Array.from(out)
}

/** Throws {@link AbortedError} when the signal has fired. */
export function throwIfAborted (signal: AbortSignal | undefined): void {
  throwAborted(signal, 'building the directory')
}

/** Collaborators and settings of a {@link DirectoryBlockWriter}. */
export interface DirectoryBlockWriterInit {
  /** CID version of the written blocks. */
  cidVersion: 0 | 1
  /** Multihash function of the written blocks. */
  hasher: MultihashHasher
  /** Passed to every `putMany` (signal, allowBigBlock). */
  putOptions?: PutOptions
}

/** A written node: its CID and the length of its encoded block. */
export interface WrittenNode {
  cid: CID
  blockSize: number
}

/**
 * Encodes dag-pb nodes, hashes them into CIDs and writes them to a sink in batches, in the order
 * they were written (children before the parents that link to them). Call {@link flush} at the end.
 */
export class DirectoryBlockWriter {
  readonly #sink: BlockSink
  readonly #init: DirectoryBlockWriterInit
  #pending: Block[] = []
  #pendingBytes = 0

  constructor (sink: BlockSink, init: DirectoryBlockWriterInit) {
    this.#sink = sink
    this.#init = init
  }

  /** Encodes `node` (its links must already be in their final order) and queues its block. */
  async write (node: dagPb.PBNode): Promise<WrittenNode> {
    const bytes = dagPb.encode(node)
    const digest = await this.#init.hasher.digest(bytes)
    const cid = CID.create(this.#init.cidVersion, dagPb.code, digest)
    this.#pending.push({ cid, bytes })
    this.#pendingBytes += bytes.byteLength
    if (this.#pending.length >= DIRECTORY_BATCH_MAX_BLOCKS || this.#pendingBytes >= DIRECTORY_BATCH_MAX_BYTES) {
      await this.flush()
    }
    return { cid, blockSize: bytes.byteLength }
  }

  /** Writes every queued block to the sink. */
  async flush (): Promise<void> {
    if (this.#pending.length === 0) return
    throwIfAborted(this.#init.putOptions?.signal)
    const batch = this.#pending
    this.#pending = []
    this.#pendingBytes = 0
    await this.#sink.putMany(batch, this.#init.putOptions)
  }
}

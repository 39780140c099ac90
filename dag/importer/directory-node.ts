/**
 * The bytes shared by basic and HAMT-sharded directories: the UnixFS `Data` message of a
 * directory node (written by the one encoder in `unixfs-data.ts`), and a writer that turns dag-pb
 * nodes into blocks and hands them to a {@link BlockSink} in batches.
 *
 * The UnixFS `Data` message is not written through `ipfs-unixfs`, because the two disagree on
 * metadata and Kubo's bytes decide CIDs: boxo (`unixfs.go` `pbDataAddStat`,
 * `HAMTShardDataWithStat`) writes the permissions of any non-zero mode, 0o755 included, and
 * leaves out zero nanoseconds, while `ipfs-unixfs` drops 0o755 on directories and writes
 * `nsecs: 0`. Without metadata both produce the same bytes (`0a 02 08 01` for a basic
 * directory); the tests check the encoder against `ipfs-unixfs` on every field.
 *
 * @see https://specs.ipfs.tech/unixfs/#data
 */

import { throwIfAborted as throwAborted } from '../../errors/abort.ts'
import * as dagPb from '@ipld/dag-pb'
import { CID } from 'multiformats/cid'
import { getHasher, toMultihashHasher } from './hashing.ts'
import type { Block, BlockSink, PutOptions } from '../../blockstore/types.ts'
import { IDENTITY } from '../../blockstore/codes.ts'
import type { MultihashHasher } from 'multiformats/hashes/interface'

/** UnixFS `Data.Type` of a basic directory and of a HAMT shard node. */
export { UNIXFS_DIRECTORY as UNIXFS_TYPE_DIRECTORY, UNIXFS_HAMT_SHARD as UNIXFS_TYPE_HAMT_SHARD } from './unixfs-data.ts'

/** The multihash code of sha2-256, the only hash CIDv0 allows. */
export { SHA2_256 as SHA2_256_CODE } from '../../blockstore/index.ts'

/** Blocks handed to the sink in one `putMany` call, at most (Kubo's `Import.BatchMaxNodes`). */
export const DIRECTORY_BATCH_MAX_BLOCKS = 128

/** Bytes handed to the sink in one `putMany` call, at most (one block may exceed it alone). */
export const DIRECTORY_BATCH_MAX_BYTES = 8 * 1024 * 1024

/** sha2-256 (through `node:crypto`) as a synchronous multiformats hasher. */
export const sha256 = toMultihashHasher(getHasher('sha2-256'))

/** A modification time as UnixFS stores it (same shape as `ipfs-unixfs`'s `Mtime`). */
export type { UnixFSMtime as Mtime } from './unixfs-data.ts'

/** A directory node's `Data` message is written by the one UnixFS `Data` encoder. */
export { encodeDirectoryData } from './unixfs-data.ts'
export type { DirectoryDataFields } from './unixfs-data.ts'

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
    // an inlined node (identity digest, `add --inline`) is always CIDv1
    const cid = CID.create(digest.code === IDENTITY ? 1 : this.#init.cidVersion, dagPb.code, digest)
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

/**
 * UnixFS directories as `ipfs add` builds them: a basic directory (one dag-pb node, links sorted
 * by name bytes) until it grows past the HAMT threshold, then a HAMT-sharded directory
 * (see `hamt.ts`).
 *
 * Kubo adds entries one at a time to a boxo `DynamicDirectory`, which switches to a HAMT as soon
 * as an addition would make it exceed a limit. Entries are only ever added, so that decision
 * depends only on the finished set of entries, which is what {@link buildDirectory} looks at:
 *
 * - threshold 0 turns sharding off; then more than `maxDirectoryLinks` entries (when non-zero)
 *   is an error, as boxo's `BasicDirectory` refuses the extra link;
 * - otherwise the directory is sharded when its size estimate is strictly greater than the
 *   threshold (`>`, as boxo since boxo#1088 / Kubo 0.40 and IPIP-499; Kubo 0.39 and older used
 *   `>=`), or when it has more than `maxDirectoryLinks` entries (when non-zero);
 * - `links` estimates Σ (UTF-8 bytes of the name + bytes of the CID); `block` is the exact size
 *   of the encoded basic-directory block (Data field with mode/mtime, every link with its
 *   protobuf framing and Tsize); `disabled` ignores size and shards on link count alone.
 *
 * @see https://specs.ipfs.tech/unixfs/#dag-pb-directory
 * @see https://specs.ipfs.tech/ipips/ipip-0499/
 */

import { varint } from 'multiformats'
import { InvalidArgumentError } from '../../errors/index.ts'
import { DirectoryBlockWriter, encodeDirectoryData, SHA2_256_CODE, sha256, throwIfAborted, UNIXFS_TYPE_DIRECTORY } from './directory-node.ts'
import { buildHamt, validateHamtFanout } from './hamt.ts'
import type { Mtime } from './directory-node.ts'
import type { BlockSink, PutOptions } from '../../blockstore/types.ts'
import type { PBLink } from '@ipld/dag-pb'
import type { CID } from 'multiformats/cid'
import type { MultihashHasher } from 'multiformats/hashes/interface'

/** Bytes of a protobuf varint. */
const { encodingLength } = varint

export type { Mtime } from './directory-node.ts'

/**
 * How a basic directory's size is estimated against the HAMT threshold (Kubo's
 * `Import.UnixFSHAMTDirectorySizeEstimation`).
 */
export type SizeEstimation = 'links' | 'block' | 'disabled'

/** Kubo's default CID version for `ipfs add` (the `unixfs-v0-2015` profile). */
export const DEFAULT_CID_VERSION = 0

/** Kubo's `Import.UnixFSHAMTDirectorySizeThreshold` default: 256 KiB. */
export const DEFAULT_SHARD_SPLIT_THRESHOLD_BYTES = 262_144

/** Kubo's `Import.UnixFSHAMTDirectoryMaxFanout` default. */
export const DEFAULT_SHARD_FANOUT = 256

/** Kubo's `Import.UnixFSHAMTDirectorySizeEstimation` default (`unixfs-v1-2025` uses `block`). */
export const DEFAULT_SIZE_ESTIMATION: SizeEstimation = 'links'

/** Kubo's `Import.UnixFSDirectoryMaxLinks` default: no limit. */
export const DEFAULT_MAX_DIRECTORY_LINKS = 0

/** The default hash: sha2-256 through `node:crypto`. */
export const DEFAULT_HASHER: MultihashHasher = sha256

const SIZE_ESTIMATIONS: readonly SizeEstimation[] = ['links', 'block', 'disabled']

/** One child of a directory. */
export interface DirectoryEntry {
  /** The entry's name: non-empty, no `/`, not `.` or `..`, well-formed Unicode. */
  name: string
  /** The child's root CID. */
  cid: CID
  /** The child's cumulative size (its link's `Tsize`): every block of its DAG, encoded. */
  size: number | bigint
}

/** Options of {@link buildDirectory}; every one is optional. */
export interface DirectoryOptions {
  /** CID version of the directory blocks. Default {@link DEFAULT_CID_VERSION} (0). */
  cidVersion?: 0 | 1
  /** Multihash of the directory blocks; CIDv0 needs sha2-256. Default {@link DEFAULT_HASHER}. */
  hasher?: MultihashHasher
  /**
   * Shard when the size estimate is greater than this many bytes; 0 never shards by size or
   * link count. Default {@link DEFAULT_SHARD_SPLIT_THRESHOLD_BYTES} (256 KiB).
   */
  shardSplitThresholdBytes?: number
  /** HAMT buckets per shard: a power of two from 8 to 1024. Default {@link DEFAULT_SHARD_FANOUT}. */
  shardFanout?: number
  /** How the size is estimated. Default {@link DEFAULT_SIZE_ESTIMATION} (`links`). */
  sizeEstimation?: SizeEstimation
  /**
   * Most entries a basic directory may have; more shards the directory, or is an error when
   * sharding is off (threshold 0). 0 means no limit. Default {@link DEFAULT_MAX_DIRECTORY_LINKS}.
   */
  maxDirectoryLinks?: number
  /**
   * POSIX mode of the directory (`st_mode` or bare permission bits). Stored masked to 0o7777
   * when non-zero, 0o755 included; 0 or undefined stores none, as Kubo without
   * `--preserve-mode`/`--mode`. A preserved `0o40000` (no permissions) stores 0, as Kubo does.
   * Default none.
   */
  mode?: number
  /** Modification time of the directory. Default none. */
  mtime?: Mtime
}

/** {@link DirectoryOptions} with every default applied and every value checked. */
export interface ResolvedDirectoryOptions {
  cidVersion: 0 | 1
  hasher: MultihashHasher
  shardSplitThresholdBytes: number
  shardFanout: number
  sizeEstimation: SizeEstimation
  maxDirectoryLinks: number
  mode?: number
  mtime?: Mtime
}

/** The root of a built directory. */
export interface DirectoryResult {
  /** The directory's CID (the root shard's when sharded). */
  cid: CID
  /** Cumulative Tsize of the directory DAG: its blocks plus every child's Tsize. */
  size: number
  /** True when the directory was written as a HAMT. */
  sharded: boolean
}

function isNonNegativeInteger (value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
}

/**
 * Applies the defaults to `options` and checks every value. Throws `InvalidArgumentError` naming
 * the bad option.
 */
export function resolveDirectoryOptions (options: DirectoryOptions = {}): ResolvedDirectoryOptions {
  const resolved: ResolvedDirectoryOptions = {
    cidVersion: options.cidVersion ?? DEFAULT_CID_VERSION,
    hasher: options.hasher ?? DEFAULT_HASHER,
    shardSplitThresholdBytes: options.shardSplitThresholdBytes ?? DEFAULT_SHARD_SPLIT_THRESHOLD_BYTES,
    shardFanout: options.shardFanout ?? DEFAULT_SHARD_FANOUT,
    sizeEstimation: options.sizeEstimation ?? DEFAULT_SIZE_ESTIMATION,
    maxDirectoryLinks: options.maxDirectoryLinks ?? DEFAULT_MAX_DIRECTORY_LINKS,
    mode: options.mode,
    mtime: options.mtime
  }
  if (resolved.cidVersion !== 0 && resolved.cidVersion !== 1) {
    throw new InvalidArgumentError(`cidVersion must be 0 or 1, got ${String(resolved.cidVersion)}`)
  }
  if (resolved.cidVersion === 0 && resolved.hasher.code !== SHA2_256_CODE) {
    throw new InvalidArgumentError(`CIDv0 only supports sha2-256, got hash ${resolved.hasher.name}; use cidVersion 1`)
  }
  if (!isNonNegativeInteger(resolved.shardSplitThresholdBytes)) {
    throw new InvalidArgumentError(`shardSplitThresholdBytes must be a non-negative integer, got ${String(resolved.shardSplitThresholdBytes)}`)
  }
  validateHamtFanout(resolved.shardFanout)
  if (!SIZE_ESTIMATIONS.includes(resolved.sizeEstimation)) {
    throw new InvalidArgumentError(`sizeEstimation must be one of ${SIZE_ESTIMATIONS.join(', ')}, got ${String(resolved.sizeEstimation)}`)
  }
  if (!isNonNegativeInteger(resolved.maxDirectoryLinks)) {
    throw new InvalidArgumentError(`maxDirectoryLinks must be a non-negative integer, got ${String(resolved.maxDirectoryLinks)}`)
  }
  if (resolved.mode != null && !isNonNegativeInteger(resolved.mode)) {
    throw new InvalidArgumentError(`mode must be a non-negative integer, got ${String(resolved.mode)}`)
  }
  if (resolved.mtime != null) {
    const { secs, nsecs } = resolved.mtime
    const secsOk = typeof secs === 'bigint'
      ? secs >= -(2n ** 63n) && secs < 2n ** 63n
      : Number.isSafeInteger(secs)
    if (!secsOk) {
      throw new InvalidArgumentError(`mtime.secs must be an integer within int64, got ${String(secs)}`)
    }
    if (nsecs != null && (!Number.isInteger(nsecs) || nsecs < 0 || nsecs > 999_999_999)) {
      throw new InvalidArgumentError(`mtime.nsecs must be an integer from 0 to 999999999, got ${String(nsecs)}`)
    }
  }
  return resolved
}

interface PreparedEntry {
  name: string
  nameBytes: Uint8Array
  cid: CID
  size: number
}

const textEncoder = new TextEncoder()

/** Matches a UTF-16 surrogate that is not part of a pair (TextEncoder would replace it). */
const LONE_SURROGATE = /\p{Cs}/u

function compareBytes (a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b)
}

/** Checks names and sizes, and sorts the entries by name bytes (UTF-8), as Kubo writes them. */
function prepareEntries (entries: DirectoryEntry[]): PreparedEntry[] {
  const prepared = entries.map((entry): PreparedEntry => {
    const { name, cid, size } = entry
    if (typeof name !== 'string' || name === '' || name === '.' || name === '..' || name.includes('/')) {
      throw new InvalidArgumentError(`invalid directory entry name ${JSON.stringify(name)}: names must be non-empty, must not be "." or "..", and must not contain "/"`)
    }
    if (LONE_SURROGATE.test(name)) {
      throw new InvalidArgumentError(`invalid directory entry name ${JSON.stringify(name)}: it is not well-formed Unicode (lone surrogate)`)
    }
    const tsize = typeof size === 'bigint' && size >= 0n && size <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(size) : size
    if (!isNonNegativeInteger(tsize)) {
      throw new InvalidArgumentError(`invalid size ${String(size)} for directory entry ${JSON.stringify(name)}: it must be a non-negative safe integer`)
    }
    return { name, nameBytes: textEncoder.encode(name), cid, size: tsize }
  })
  prepared.sort((a, b) => compareBytes(a.nameBytes, b.nameBytes))
  for (let i = 1; i < prepared.length; i++) {
    if (compareBytes(prepared[i - 1].nameBytes, prepared[i].nameBytes) === 0) {
      throw new InvalidArgumentError(`duplicate directory entry name ${JSON.stringify(prepared[i].name)}: each name may appear once`)
    }
  }
  return prepared
}

/** Exact bytes one named link adds to an encoded PBNode (boxo `linkSerializedSize`). */
function linkBlockBytes (nameLength: number, cidLength: number, tsize: number): number {
  const inner = 1 + encodingLength(cidLength) + cidLength +
    1 + encodingLength(nameLength) + nameLength +
    1 + encodingLength(tsize)
  return 1 + encodingLength(inner) + inner
}

/** The size estimate of a basic directory holding `entries`, by the chosen estimation. */
function estimateSize (entries: PreparedEntry[], estimation: 'links' | 'block', data: Uint8Array): number {
  if (estimation === 'links') {
    let size = 0
    for (const entry of entries) size += entry.nameBytes.length + entry.cid.bytes.length
    return size
  }
  let size = 1 + encodingLength(data.length) + data.length
  for (const entry of entries) size += linkBlockBytes(entry.nameBytes.length, entry.cid.bytes.length, entry.size)
  return size
}

/** Decides basic versus HAMT as Kubo's `DynamicDirectory` ends up after adding every entry. */
function shouldShard (entries: PreparedEntry[], options: ResolvedDirectoryOptions, data: Uint8Array): boolean {
  const tooManyLinks = options.maxDirectoryLinks > 0 && entries.length > options.maxDirectoryLinks
  if (options.shardSplitThresholdBytes === 0) {
    if (tooManyLinks) {
      throw new InvalidArgumentError(`directory has ${entries.length} entries, more than maxDirectoryLinks (${options.maxDirectoryLinks}), and sharding is off (shardSplitThresholdBytes is 0): raise the limit or enable sharding`)
    }
    return false
  }
  if (tooManyLinks) return true
  if (options.sizeEstimation === 'disabled') return false
  return estimateSize(entries, options.sizeEstimation, data) > options.shardSplitThresholdBytes
}

/**
 * Builds a UnixFS directory over `entries` and writes its blocks to `sink` (in `putMany`
 * batches, children before parents): a basic directory, or a HAMT-sharded one when it exceeds
 * the limits in `options`. Entry order does not matter. Nested directories are built
 * bottom-up: build the child first and pass its `{ cid, size }` as an entry of the parent.
 *
 * Throws `InvalidArgumentError` on bad options, names or sizes, on duplicate names, and on too
 * many entries with sharding off; `AbortedError` when `putOptions.signal` fires.
 */
export async function buildDirectory (entries: DirectoryEntry[], sink: BlockSink, options: DirectoryOptions = {}, putOptions: PutOptions = {}): Promise<DirectoryResult> {
  throwIfAborted(putOptions.signal)
  const resolved = resolveDirectoryOptions(options)
  const prepared = prepareEntries(entries)
  const writer = new DirectoryBlockWriter(sink, { cidVersion: resolved.cidVersion, hasher: resolved.hasher, putOptions })
  const data = encodeDirectoryData({ type: UNIXFS_TYPE_DIRECTORY, mode: resolved.mode, mtime: resolved.mtime })

  let result: DirectoryResult
  if (shouldShard(prepared, resolved, data)) {
    const root = await buildHamt(prepared, writer, { fanout: resolved.shardFanout, mode: resolved.mode, mtime: resolved.mtime })
    result = { cid: root.cid, size: root.size, sharded: true }
  } else {
    let childrenSize = 0
    const links = prepared.map((entry): PBLink => {
      childrenSize += entry.size
      return { Hash: entry.cid, Name: entry.name, Tsize: entry.size }
    })
    const written = await writer.write({ Data: data, Links: links })
    result = { cid: written.cid, size: written.blockSize + childrenSize, sharded: false }
  }
  if (!Number.isSafeInteger(result.size)) {
    throw new InvalidArgumentError(`the cumulative size of the directory (${result.size}) exceeds the largest safe integer`)
  }
  await writer.flush()
  return result
}

/**
 * HAMT-sharded UnixFS directories, laid out as boxo's `hamt.Shard` lays them out (and therefore
 * as `ipfs add` does):
 *
 * - each name is hashed with murmur3-x64-64 (the first 64 bits of murmur3-x64-128, as the
 *   big-endian bytes Go's `murmur3.New64().Sum(nil)` returns);
 * - a shard at depth `d` takes bits `[d·log2(fanout), (d+1)·log2(fanout))` of that hash, most
 *   significant bit first, as the bucket index;
 * - a bucket holding one entry links to it as `<hex index><name>`; a bucket holding two or more
 *   links to a sub-shard as `<hex index>` (uppercase hex, zero-padded to the width of
 *   `fanout - 1`); so a shard's links are in bucket order, which is also name-byte order;
 * - the `Data` field holds the bucket bitfield (bit `i` is bucket `i`, bytes big-endian with
 *   leading zero bytes dropped), `fanout` and `hashType` 0x22; only the root shard carries
 *   mode and mtime;
 * - every `Tsize` is cumulative (block size plus the children's `Tsize`).
 *
 * The tree depends only on the set of names, never on insertion order.
 *
 * @see https://specs.ipfs.tech/unixfs/#hamt-directory
 */

import { murmur364 } from '@multiformats/murmur3'
import { InvalidArgumentError } from '../../errors/index.ts'
import { encodeDirectoryData, UNIXFS_TYPE_HAMT_SHARD } from './directory-node.ts'
import type { DirectoryBlockWriter, Mtime } from './directory-node.ts'
import type { PBLink } from '@ipld/dag-pb'
import type { CID } from 'multiformats/cid'
import { MURMUR3_X64_64 } from '../../blockstore/index.ts'

/** The UnixFS `hashType` of a HAMT shard: the multicodec of murmur3-x64-64. */
export const HAMT_HASH_TYPE = MURMUR3_X64_64

/** The widest fanout boxo accepts (`maximumHamtWidth`). */
export const MAX_HAMT_FANOUT = 1024

/** The narrowest fanout: the bitfield must fill whole bytes. */
export const MIN_HAMT_FANOUT = 8

/** Bits of the murmur3-x64-64 hash available to the trie. */
export const HAMT_HASH_BITS = 64

const textEncoder = new TextEncoder()

/**
 * Throws `InvalidArgumentError` unless `fanout` is a power of two from 8 to 1024 (a power of two
 * that is also a multiple of 8, as the spec and Kubo's config validation require).
 */
export function validateHamtFanout (fanout: number): void {
  if (!Number.isInteger(fanout) || fanout < MIN_HAMT_FANOUT || fanout > MAX_HAMT_FANOUT || (fanout & (fanout - 1)) !== 0) {
    throw new InvalidArgumentError(`HAMT fanout must be a power of two from ${MIN_HAMT_FANOUT} to ${MAX_HAMT_FANOUT}, got ${String(fanout)}`)
  }
}

/** log2 of a validated fanout: the hash bits each level consumes. */
export function hamtBitsPerLevel (fanout: number): number {
  validateHamtFanout(fanout)
  return 31 - Math.clz32(fanout)
}

/** Characters of the hex bucket prefix of link names: 2 for fanout 256, 3 for 1024, 1 for 16. */
export function hamtPrefixLength (fanout: number): number {
  return (fanout - 1).toString(16).length
}

/** The link-name prefix of bucket `index`: uppercase hex, zero-padded (e.g. `0A` for fanout 256). */
export function hamtLinkPrefix (index: number, fanout: number): string {
  return index.toString(16).toUpperCase().padStart(hamtPrefixLength(fanout), '0')
}

/**
 * The 8-byte murmur3-x64-64 hash of a name (its UTF-8 bytes), in the byte order boxo consumes
 * bits from.
 */
export function hamtHash (name: string | Uint8Array): Uint8Array {
  const bytes = typeof name === 'string' ? textEncoder.encode(name) : name
  const digest = murmur364.encode(bytes)
  if (!(digest instanceof Uint8Array)) {
    throw new TypeError('murmur3-x64-64 is expected to hash synchronously')
  }
  // murmur364 is h1 of murmur3-x64-128 as big-endian bytes, the order of Go's Sum64 bytes
  return digest.slice(0, 8)
}

/** Reads `count` bits of `hash` starting at bit `offset`, most significant bit first. */
function readBits (hash: Uint8Array, offset: number, count: number): number {
  let value = 0
  for (let bit = offset; bit < offset + count; bit++) {
    value = (value << 1) | ((hash[bit >> 3] >> (7 - (bit & 7))) & 1)
  }
  return value
}

/** Throws boxo's "sharded directory too deep" when a shard at `depth` would need more than 64 bits. */
function checkDepth (bits: number, depth: number, name: string): void {
  if ((depth + 1) * bits > HAMT_HASH_BITS) {
    throw new InvalidArgumentError(`sharded directory too deep: the hash of ${JSON.stringify(name)} has no bits left at depth ${depth}`)
  }
}

/**
 * The bucket a name falls into in a shard at `depth` (0 = the root shard) of a HAMT with this
 * fanout. Readers follow the same path: bucket at depth 0, then at depth 1 inside the sub-shard
 * linked as that bucket's prefix, and so on. Throws `InvalidArgumentError` past the 64 hash bits.
 */
export function hamtBucketFor (name: string | Uint8Array, fanout: number, depth: number): number {
  const bits = hamtBitsPerLevel(fanout)
  checkDepth(bits, depth, typeof name === 'string' ? name : new TextDecoder().decode(name))
  return readBits(hamtHash(name), depth * bits, bits)
}

/**
 * The bucket bitfield as a HAMT shard stores it: bit `i` set for every occupied bucket `i`, as
 * a big-endian number of `fanout / 8` bytes with its leading zero bytes dropped (go-bitfield's
 * `Bytes()`).
 */
export function hamtBitfield (occupied: Iterable<number>, fanout: number): Uint8Array {
  const bytes = new Uint8Array(fanout / 8)
  for (const index of occupied) {
    bytes[bytes.length - 1 - (index >> 3)] |= 1 << (index & 7)
  }
  const first = bytes.findIndex(b => b !== 0)
  return first === -1 ? new Uint8Array(0) : bytes.subarray(first)
}

/** One directory entry to place in a HAMT. */
export interface HamtEntry {
  name: string
  /** The name's UTF-8 bytes, when the caller has them already. */
  nameBytes?: Uint8Array
  cid: CID
  /** The child's cumulative Tsize. */
  size: number
}

/** Settings of {@link buildHamt}. */
export interface HamtBuildOptions {
  /** Buckets per shard; see {@link validateHamtFanout}. */
  fanout: number
  /** Permission bits of the directory, stored on the root shard only. */
  mode?: number
  /** Modification time of the directory, stored on the root shard only. */
  mtime?: Mtime
}

/** The root shard of a built HAMT and the cumulative Tsize of the whole trie. */
export interface HamtResult {
  cid: CID
  size: number
}

interface HashedEntry extends HamtEntry {
  hash: Uint8Array
}

/**
 * Builds the HAMT of `entries` bottom-up, writing every shard through `writer` (sub-shards
 * before the shards that link to them). Names must be unique; the caller checks.
 */
export async function buildHamt (entries: HamtEntry[], writer: DirectoryBlockWriter, options: HamtBuildOptions): Promise<HamtResult> {
  const bits = hamtBitsPerLevel(options.fanout)
  const hashed = entries.map((entry): HashedEntry => ({ ...entry, hash: hamtHash(entry.nameBytes ?? entry.name) }))
  return buildShard(hashed, 0, bits, writer, options)
}

async function buildShard (entries: HashedEntry[], depth: number, bits: number, writer: DirectoryBlockWriter, options: HamtBuildOptions): Promise<HamtResult> {
  checkDepth(bits, depth, entries[0].name)
  const buckets: Array<HashedEntry[] | undefined> = new Array(options.fanout)
  const indices: number[] = []
  for (const entry of entries) {
    const index = readBits(entry.hash, depth * bits, bits)
    const bucket = buckets[index]
    if (bucket == null) {
      buckets[index] = [entry]
      indices.push(index)
    } else {
      bucket.push(entry)
    }
  }
  indices.sort((a, b) => a - b)

  const links: PBLink[] = []
  let childrenSize = 0
  for (const index of indices) {
    const bucket = buckets[index] as HashedEntry[]
    const prefix = hamtLinkPrefix(index, options.fanout)
    if (bucket.length === 1) {
      const [entry] = bucket
      links.push({ Hash: entry.cid, Name: prefix + entry.name, Tsize: entry.size })
      childrenSize += entry.size
    } else {
      const child = await buildShard(bucket, depth + 1, bits, writer, options)
      links.push({ Hash: child.cid, Name: prefix, Tsize: child.size })
      childrenSize += child.size
    }
  }

  const root = depth === 0
  const data = encodeDirectoryData({
    type: UNIXFS_TYPE_HAMT_SHARD,
    data: hamtBitfield(indices, options.fanout),
    hashType: HAMT_HASH_TYPE,
    fanout: options.fanout,
    mode: root ? options.mode : undefined,
    mtime: root ? options.mtime : undefined
  })
  const written = await writer.write({ Data: data, Links: links })
  return { cid: written.cid, size: written.blockSize + childrenSize }
}

/**
 * Shared helpers of the importer tests: seeded data, sinks that record what they receive, the
 * Kubo test-data generator, and the ipfs-unixfs-importer oracle driven with options equivalent
 * to ours.
 */
import { createCipheriv, createHash } from 'node:crypto'
import * as dagPb from '@ipld/dag-pb'
import { importer as oracleImporter } from 'ipfs-unixfs-importer'
import { fixedSize as oracleFixedSize, rabin as oracleRabin } from 'ipfs-unixfs-importer/chunker'
import { balanced as oracleBalanced, trickle as oracleTrickle } from 'ipfs-unixfs-importer/layout'
import { CID } from 'multiformats/cid'
import type { Block, BlockSink, PutOptions } from '../../blockstore/types.ts'
import type { ImportCandidate, ImporterOptions as OracleOptions } from 'ipfs-unixfs-importer'

/** A small seeded PRNG (mulberry32): the same seed gives the same sequence on every run. */
export function seededRandom (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** An integer in [min, max] from `rng`. */
export function randomInt (rng: () => number, min: number, max: number): number {
  return min + Math.floor(rng() * (max - min + 1))
}

/** `length` pseudo-random bytes from `rng`. */
export function randomBytes (rng: () => number, length: number): Uint8Array {
  const out = new Uint8Array(length)
  for (let i = 0; i < length; i += 4) {
    const word = Math.floor(rng() * 4294967296)
    out[i] = word & 0xff
    if (i + 1 < length) out[i + 1] = (word >>> 8) & 0xff
    if (i + 2 < length) out[i + 2] = (word >>> 16) & 0xff
    if (i + 3 < length) out[i + 3] = (word >>> 24) & 0xff
  }
  return out
}

/** `data` as pieces of random sizes (1..maxPiece bytes), including some empty pieces. */
export async function * randomPieces (data: Uint8Array, rng: () => number, maxPiece: number): AsyncGenerator<Uint8Array> {
  let offset = 0
  while (offset < data.length) {
    if (rng() < 0.02) yield new Uint8Array(0)
    const n = randomInt(rng, 1, maxPiece)
    yield data.subarray(offset, offset + n)
    offset += n
  }
}

/** `data` as pieces of exactly `size` bytes (the last may be shorter). */
export async function * fixedPieces (data: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < data.length; offset += size) {
    yield data.subarray(offset, offset + size)
  }
}

/**
 * Kubo's deterministic test data (`test/cli/testutils/random_deterministic.go`): the ChaCha20
 * keystream (IETF, 12-byte zero nonce, counter from 0) keyed by sha256(seed). Node's `chacha20`
 * takes a 16-byte IV: the 32-bit little-endian counter, then the nonce.
 */
export async function * kuboDeterministicStream (size: number, seed: string, pieceSize = 1024 * 1024): AsyncGenerator<Uint8Array> {
  const key = createHash('sha256').update(seed).digest()
  const cipher = createCipheriv('chacha20', key, Buffer.alloc(16))
  const zeros = Buffer.alloc(Math.min(pieceSize, Math.max(size, 1)))
  for (let left = size; left > 0; left -= pieceSize) {
    const n = Math.min(pieceSize, left)
    const out = cipher.update(n === zeros.length ? zeros : zeros.subarray(0, n))
    yield new Uint8Array(out.buffer, out.byteOffset, out.length)
  }
}

/** A sink that keeps every block it is given, in order, and counts its calls. */
export class MemorySink implements BlockSink {
  readonly blocks = new Map<string, Uint8Array>()
  readonly order: CID[] = []
  calls = 0
  largestCall = 0

  async putMany (blocks: Block[], _options?: PutOptions): Promise<void> {
    this.calls++
    this.largestCall = Math.max(this.largestCall, blocks.length)
    for (const block of blocks) {
      this.blocks.set(block.cid.toString(), block.bytes)
      this.order.push(block.cid)
    }
  }
}

/** The CIDs reachable from `root` through dag-pb links, with their bytes, read from `blocks`. */
export function reachable (root: CID, blocks: Map<string, Uint8Array>): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>()
  const todo = [root]
  while (todo.length > 0) {
    const cid = todo.pop() as CID
    const key = cid.toString()
    if (out.has(key)) continue
    const bytes = blocks.get(key)
    if (bytes == null) throw new Error(`block ${key} is missing`)
    out.set(key, bytes)
    if (cid.code === dagPb.code) {
      for (const link of dagPb.decode(bytes).Links) todo.push(link.Hash)
    }
  }
  return out
}

/** Our importer's settings that have an ipfs-unixfs-importer equivalent. */
export interface OracleSettings {
  cidVersion: 0 | 1
  rawLeaves: boolean
  chunker: { type: 'size', size: number } | { type: 'rabin', min: number, avg: number, max: number }
  layout: 'balanced' | 'trickle'
  maxLinks: number
  layerRepeat?: number
}

/**
 * ipfs-unixfs-importer options equivalent to ours. For trickle it matches boxo only with UnixFS
 * `raw` leaf nodes and no single-leaf reduction (boxo's trickle root is always a parent).
 */
export function oracleOptions (settings: OracleSettings): OracleOptions {
  const trickle = settings.layout === 'trickle'
  return {
    cidVersion: settings.cidVersion,
    rawLeaves: settings.rawLeaves,
    chunker: settings.chunker.type === 'size'
      ? oracleFixedSize({ chunkSize: settings.chunker.size })
      : oracleRabin({ minChunkSize: settings.chunker.min, avgChunkSize: settings.chunker.avg, maxChunkSize: settings.chunker.max }),
    layout: trickle
      ? oracleTrickle({ maxChildrenPerNode: settings.maxLinks, layerRepeat: settings.layerRepeat ?? 4 })
      : oracleBalanced({ maxChildrenPerNode: settings.maxLinks }),
    reduceSingleLeafToSelf: !trickle,
    leafType: trickle ? 'raw' : 'file'
  }
}

/** The oracle's blocks, as a blockstore-like object it can write to. */
export class OracleStore {
  readonly blocks = new Map<string, Uint8Array>()
  async put (cid: CID, bytes: Uint8Array): Promise<CID> {
    this.blocks.set(cid.toString(), bytes)
    return cid
  }
}

/** Imports with the oracle; returns the root and the blocks reachable from it. */
export async function oracleImport (candidates: ImportCandidate[], options: OracleOptions): Promise<{ results: Array<{ path: string, cid: CID, size: bigint }>, blocks: Map<string, Uint8Array> }> {
  const store = new OracleStore()
  const results: Array<{ path: string, cid: CID, size: bigint }> = []
  for await (const entry of oracleImporter(candidates, store as never, options)) {
    results.push({ path: entry.path ?? '', cid: entry.cid, size: entry.size })
  }
  return { results, blocks: store.blocks }
}

/** Names the first difference between two block sets ('' when equal). */
export function diffBlocks (ours: Map<string, Uint8Array>, theirs: Map<string, Uint8Array>): string {
  for (const [cid, bytes] of theirs) {
    const mine = ours.get(cid)
    if (mine == null) return `missing block ${cid}`
    if (Buffer.compare(mine, bytes) !== 0) return `different bytes for ${cid}`
  }
  for (const cid of ours.keys()) {
    if (!theirs.has(cid)) return `extra block ${cid}`
  }
  return ''
}

export const textEncoder = new TextEncoder()

/** `data` as a one-piece async iterable. */
export async function * once (data: Uint8Array): AsyncGenerator<Uint8Array> {
  yield data
}

/** Makes a CID from its string (for readable expectations). */
export function cid (text: string): CID {
  return CID.parse(text)
}

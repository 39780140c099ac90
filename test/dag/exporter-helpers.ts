/**
 * Test helpers for the exporter: an in-memory block map that the reference importer writes into
 * and the exporter reads from (counting reads and concurrency), and hand-built UnixFS nodes.
 */

import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import * as raw from 'multiformats/codecs/raw'
import type { AbortOptions, BlockGetter } from '../../blockstore/types.ts'
import { BlockNotFoundError } from '../../errors/index.ts'

/** Blocks in a Map keyed by CID string; records every `get`. */
export class MemoryBlocks implements BlockGetter {
  readonly blocks = new Map<string, Uint8Array>()
  /** Every CID asked for, in order. */
  readonly gets: string[] = []
  inFlight = 0
  maxInFlight = 0
  /** Awaited inside every `get` before answering (to make gets overlap). */
  delay?: (cid: CID, options: AbortOptions) => Promise<void>

  /** The importer's `put` (interface-blockstore shape: bytes may come as an iterable). */
  async put (cid: CID, bytes: Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<CID> {
    if (bytes instanceof Uint8Array) {
      this.blocks.set(cid.toString(), bytes)
      return cid
    }
    const parts: Uint8Array[] = []
    for await (const part of bytes) parts.push(part)
    this.blocks.set(cid.toString(), new Uint8Array(Buffer.concat(parts)))
    return cid
  }

  async get (cid: CID, options: AbortOptions = {}): Promise<Uint8Array> {
    this.gets.push(cid.toString())
    this.inFlight++
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight)
    try {
      if (this.delay != null) await this.delay(cid, options)
      const bytes = this.blocks.get(cid.toString())
      if (bytes == null) throw new BlockNotFoundError(`block ${cid} not found`)
      return bytes
    } finally {
      this.inFlight--
    }
  }

  /** The same blocks in the shape ipfs-unixfs-exporter reads (interface-blockstore 7). */
  oracle (): { get: (cid: CID) => Generator<Uint8Array> } {
    const blocks = this.blocks
    return {
      * get (cid: CID) {
        const bytes = blocks.get(cid.toString())
        if (bytes == null) throw new Error(`oracle: missing ${cid}`)
        yield bytes
      }
    }
  }

  resetCounts (): void {
    this.gets.length = 0
    this.maxInFlight = 0
  }

  /** Stores a block built by hand. */
  async store (cid: CID, bytes: Uint8Array): Promise<CID> {
    this.blocks.set(cid.toString(), bytes)
    return cid
  }
}

/** Deterministic pseudo-random bytes (xorshift32), so failures reproduce. */
export function pseudoRandomBytes (length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length)
  let x = seed >>> 0 || 1
  for (let i = 0; i < length; i++) {
    x ^= x << 13; x >>>= 0
    x ^= x >>> 17
    x ^= x << 5; x >>>= 0
    out[i] = x & 0xff
  }
  return out
}

/** A deterministic random integer source. */
export function prng (seed: number): (max: number) => number {
  let x = seed >>> 0 || 1
  return (max: number) => {
    x ^= x << 13; x >>>= 0
    x ^= x >>> 17
    x ^= x << 5; x >>>= 0
    return x % max
  }
}

/** Concatenates an async stream of chunks. */
export async function collect (source: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for await (const part of source) parts.push(part)
  return new Uint8Array(Buffer.concat(parts))
}

/** Encodes and stores a dag-pb node (links are sorted by name, as dag-pb requires). */
export async function putPB (blocks: MemoryBlocks, data: UnixFS | Uint8Array | undefined, links: dagPb.PBLink[] = [], version: 0 | 1 = 1): Promise<CID> {
  const node: dagPb.PBNode = dagPb.prepare({
    Data: data instanceof UnixFS ? data.marshal() : data,
    Links: links
  })
  const bytes = dagPb.encode(node)
  const cid = CID.create(version, dagPb.code, await sha256.digest(bytes))
  return blocks.store(cid, bytes)
}

/** Stores a raw block. */
export async function putRaw (blocks: MemoryBlocks, bytes: Uint8Array): Promise<CID> {
  return blocks.store(CID.create(1, raw.code, await sha256.digest(bytes)), bytes)
}

/** A basic UnixFS directory, built by hand (names are taken as given, unchecked). */
export async function putDir (blocks: MemoryBlocks, entries: Array<[string, CID]>, init: { mode?: number } = {}): Promise<CID> {
  return putPB(blocks, new UnixFS({ type: 'directory', mode: init.mode }), entries.map(([Name, Hash]) => ({ Name, Hash, Tsize: 0 })))
}

/** A UnixFS symlink. */
export async function putSymlink (blocks: MemoryBlocks, target: string): Promise<CID> {
  return putPB(blocks, new UnixFS({ type: 'symlink', data: new TextEncoder().encode(target) }))
}

/** A single-block UnixFS file in dag-pb. */
export async function putFile (blocks: MemoryBlocks, content: Uint8Array, init: { mode?: number, mtime?: { secs: bigint } } = {}): Promise<CID> {
  return putPB(blocks, new UnixFS({ type: 'file', data: content, mode: init.mode, mtime: init.mtime }))
}

/** Shared helpers of the blockstore tests and their child-process fixtures. */
import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as dagPb from '@ipld/dag-pb'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import type { Block } from '../../blockstore/index.ts'

export const RAW = 0x55
export const SHA2_256 = 0x12

/** A fresh temporary directory and a function that removes it. */
export async function tempDir (prefix = 'cairn-blockstore-'): Promise<{ path: string, remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix))
  return { path, remove: async () => { await rm(path, { recursive: true, force: true }) } }
}

export function sha256 (bytes: Uint8Array): Uint8Array {
  return createHash('sha256').update(bytes).digest()
}

/** A block of `bytes` under a CIDv1 with the given codec (raw by default) and sha2-256. */
export function blockOf (bytes: Uint8Array, codec = RAW): Block {
  return { cid: CID.createV1(codec, Digest.create(SHA2_256, sha256(bytes))), bytes }
}

/** A raw block of `size` random bytes. */
export function randomBlock (size: number): Block {
  return blockOf(new Uint8Array(randomBytes(size)))
}

/** A dag-pb node (CIDv1) linking to `children`. */
export function dagPbNode (children: CID[], data?: Uint8Array): Block {
  const bytes = dagPb.encode(dagPb.prepare({
    Data: data,
    Links: children.map((cid, i) => ({ Hash: cid, Name: `link-${i}`, Tsize: 0 }))
  }))
  return blockOf(bytes, dagPb.code)
}

/** A two-level DAG: `leaves` raw blocks of up to `maxLeaf` bytes under one dag-pb root. */
export function smallDag (leaves: number, maxLeaf: number): { root: Block, blocks: Block[] } {
  const children = Array.from({ length: leaves }, () => randomBlock(1 + Math.floor(Math.random() * maxLeaf)))
  const root = dagPbNode(children.map(child => child.cid), randomBytes(8))
  return { root, blocks: [...children, root] }
}

/** True when two byte arrays hold the same bytes (fast, unlike a deep equality on big arrays). */
export function sameBytes (a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b)
}

/** Everything an async iterable yields. */
export async function collect<T> (iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const item of iterable) out.push(item)
  return out
}

/**
 * `cat` reading lent blocks (`lend: true`, as the CLI's cat does): over the real blockstore the
 * bytes are the file's whatever the layout, the store's buffers are read into again as chunks
 * are handed back, and a node whose links are still to be followed is kept, never reused.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { UnixFS } from 'ipfs-unixfs'
import { importBytes } from 'ipfs-unixfs-importer'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { CID } from 'multiformats/cid'
import { createBlockstore, type PackBlockstore } from '../../blockstore/index.ts'
import { cat } from '../../dag/exporter/index.ts'
import { tempDir } from '../blockstore/helpers.ts'
import { MemoryBlocks, pseudoRandomBytes, putPB, putRaw } from './exporter-helpers.ts'

let dir: { path: string, remove: () => Promise<void> }
let store: PackBlockstore

beforeEach(async () => {
  dir = await tempDir('cairn-exporter-lend-')
  store = createBlockstore({ path: dir.path }, { hashWorker: false })
  await store.open()
})

afterEach(async () => {
  await store.close()
  await dir.remove()
})

/** Copies the blocks into the store in the order they were made (leaves first, as `add` writes). */
async function storeAll (blocks: MemoryBlocks): Promise<void> {
  await store.putMany([...blocks.blocks].map(([cid, bytes]) => ({ cid: CID.parse(cid), bytes })))
}

/** Reads the file lent, handing each chunk back once copied; returns its bytes and the buffers seen. */
async function catLent (cid: CID, options: { offset?: number, length?: number } = {}): Promise<{ bytes: Buffer, buffers: Set<ArrayBufferLike> }> {
  const parts: Buffer[] = []
  const buffers = new Set<ArrayBufferLike>()
  for await (const chunk of cat(cid, store, { ...options, lend: true })) {
    parts.push(Buffer.from(chunk))
    buffers.add(chunk.buffer)
    store.release(chunk)
  }
  return { bytes: Buffer.concat(parts), buffers }
}

describe('cat with lent blocks', () => {
  for (const rawLeaves of [false, true]) {
    it(`gives the file's bytes through a few reused buffers (${rawLeaves ? 'raw' : 'dag-pb'} leaves)`, async () => {
      const memory = new MemoryBlocks()
      const data = pseudoRandomBytes(6 * 1024 * 1024 + 1234, 11)
      const { cid } = await importBytes(data, memory, { cidVersion: rawLeaves ? 1 : 0, rawLeaves, chunker: fixedSize({ chunkSize: 256 * 1024 }) })
      await storeAll(memory)
      const whole = await catLent(cid)
      expect(whole.bytes.equals(data)).toBe(true)
      const part = await catLent(cid, { offset: 300_000, length: 2_500_000 })
      expect(part.bytes.equals(data.subarray(300_000, 2_800_000))).toBe(true)
      // the second read went into buffers the first handed back
      expect([...part.buffers].some(buffer => whole.buffers.has(buffer))).toBe(true)
    })
  }

  it('gives each of several cats of one file its bytes when their reads share runs', async () => {
    const memory = new MemoryBlocks()
    const data = pseudoRandomBytes(4 * 1024 * 1024 + 99, 12)
    const { cid } = await importBytes(data, memory, { cidVersion: 1, rawLeaves: true, chunker: fixedSize({ chunkSize: 256 * 1024 }) })
    await storeAll(memory)
    // four readers at once, two of them of ranges: gets of neighbouring blocks from different
    // readers land in one run, whose buffer goes back only once each has released its block
    const reads = await Promise.all([
      catLent(cid), catLent(cid), catLent(cid, { offset: 100_000, length: 3_000_000 }), catLent(cid, { offset: 1_000_000 })
    ])
    expect(reads[0].bytes.equals(data)).toBe(true)
    expect(reads[1].bytes.equals(data)).toBe(true)
    expect(reads[2].bytes.equals(data.subarray(100_000, 3_100_000))).toBe(true)
    expect(reads[3].bytes.equals(data.subarray(1_000_000))).toBe(true)
  })

  it('keeps a lent node whose links are still to be followed', async () => {
    // two file nodes too large to be read alone (each links 2,000 raw leaves), under one root
    const memory = new MemoryBlocks()
    const leafBytes = Array.from({ length: 4000 }, (_, i) => pseudoRandomBytes(100, i + 1))
    const leaves = await Promise.all(leafBytes.map(async bytes => await putRaw(memory, bytes)))
    const middle = async (from: number): Promise<CID> => await putPB(memory, new UnixFS({ type: 'file', blockSizes: Array(2000).fill(100n) }),
      leaves.slice(from, from + 2000).map(Hash => ({ Hash, Tsize: 100, Name: '' })))
    const mids = [await middle(0), await middle(2000)]
    const root = await putPB(memory, new UnixFS({ type: 'file', blockSizes: [200_000n, 200_000n] }),
      await Promise.all(mids.map(async Hash => ({ Hash, Tsize: (memory.blocks.get(Hash.toString()) as Uint8Array).byteLength + 200_000, Name: '' }))))
    await storeAll(memory)
    const midBytes = mids.map(cid => memory.blocks.get(cid.toString()) as Uint8Array)
    expect(midBytes[0].byteLength).toBeGreaterThan(64 * 1024)

    const kept: Uint8Array[] = []
    const keep = store.keep.bind(store)
    store.keep = (bytes) => { kept.push(Uint8Array.from(bytes)); keep(bytes) }
    const { bytes } = await catLent(root)
    expect(bytes.equals(Buffer.concat(leafBytes))).toBe(true)
    expect(kept.map(k => Buffer.from(k).toString('hex')).sort()).toEqual(midBytes.map(m => Buffer.from(m).toString('hex')).sort())
  })
})

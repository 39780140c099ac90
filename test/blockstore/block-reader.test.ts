/**
 * The block reader behind `Blockstore.get`: gets that arrive together for blocks lying next to
 * each other in a pack are one read, each block is still checked on its own, and a read without
 * a check returns the bytes as stored.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { BlockReader, type PackReads } from '../../blockstore/block-reader.ts'
import { Sha256Worker } from '../../blockstore/hash-worker.ts'
import type { Location } from '../../blockstore/pack-files.ts'
import { randomBlock, sameBytes } from './helpers.ts'
import { waitFor } from '../helpers/wait.ts'
import type { Block } from '../../blockstore/index.ts'

/** A fake pack 0: the blocks one after the other, `gap` bytes (a record header) apart. */
function packOf (blocks: Block[], gap: number): { pack: Uint8Array, locations: Location[] } {
  const locations: Location[] = []
  let offset = 16
  for (const block of blocks) {
    offset += gap
    locations.push({ pack: 0, offset, length: block.bytes.byteLength })
    offset += block.bytes.byteLength
  }
  const pack = new Uint8Array(offset)
  blocks.forEach((block, i) => { pack.set(block.bytes, locations[i].offset) })
  return { pack, locations }
}

/**
 * Positional reads of `pack`, counted; each returns a fresh buffer, or the start of the one it is
 * given, as the pack files do.
 */
function countingReads (pack: Uint8Array): PackReads & { reads: Location[] } {
  const reads: Location[] = []
  return {
    reads,
    async read (location, into) {
      reads.push(location)
      const bytes = pack.subarray(location.offset, location.offset + location.length)
      if (into == null) return bytes.slice()
      const view = new Uint8Array(into, 0, location.length)
      view.set(bytes)
      return view
    }
  }
}

describe('BlockReader', () => {
  let hasher: Sha256Worker | undefined
  afterEach(async () => { await hasher?.close() })

  it('reads neighbouring blocks asked for together with one read, and checks each', async () => {
    const blocks = Array.from({ length: 8 }, () => randomBlock(80 * 1024))
    const { pack, locations } = packOf(blocks, 40)
    const packs = countingReads(pack)
    hasher = new Sha256Worker()
    const reader = new BlockReader({ packs, hasher })
    const read = await Promise.all(blocks.map(async (block, i) => await reader.read(block.cid.multihash, locations[i], true)))
    expect(packs.reads).toEqual([{ pack: 0, offset: locations[0].offset, length: locations[7].offset + locations[7].length - locations[0].offset }])
    read.forEach((bytes, i) => { expect(bytes != null && sameBytes(bytes, blocks[i].bytes)).toBe(true) })
  })

  it('splits reads at gaps; small blocks are read one by one', async () => {
    const blocks = Array.from({ length: 4 }, () => randomBlock(80 * 1024))
    const { pack, locations } = packOf(blocks, 4096)
    const packs = countingReads(pack)
    hasher = new Sha256Worker()
    const reader = new BlockReader({ packs, hasher })
    const read = await Promise.all(blocks.map(async (block, i) => await reader.read(block.cid.multihash, locations[i], true)))
    expect(packs.reads).toHaveLength(4)
    read.forEach((bytes, i) => { expect(bytes != null && sameBytes(bytes, blocks[i].bytes)).toBe(true) })

    const small = Array.from({ length: 4 }, () => randomBlock(1024))
    const tight = packOf(small, 40)
    const smallReads = countingReads(tight.pack)
    const smallReader = new BlockReader({ packs: smallReads, hasher })
    const readSmall = await Promise.all(small.map(async (block, i) => await smallReader.read(block.cid.multihash, tight.locations[i], true)))
    expect(smallReads.reads).toHaveLength(4)
    readSmall.forEach((bytes, i) => { expect(bytes != null && sameBytes(bytes, small[i].bytes)).toBe(true) })
  })

  it('a corrupt block in a run fails alone, whether hashed here or on the worker', async () => {
    const blocks = Array.from({ length: 64 }, () => randomBlock(256 * 1024))
    const { pack, locations } = packOf(blocks, 40)
    pack[locations[5].offset + 7] ^= 1
    pack[locations[50].offset + 7] ^= 1
    const packs = countingReads(pack)
    hasher = new Sha256Worker()
    const reader = new BlockReader({ packs, hasher })
    // in waves of eight, as the exporter reads: the worker starts after the first few blocks and
    // hashes the second half (the first is hashed here while it starts)
    for (let wave = 0; wave < blocks.length; wave += 8) {
      if (wave === blocks.length / 2) await waitFor(() => (hasher as Sha256Worker).available)
      const read = await Promise.all(blocks.slice(wave, wave + 8).map(async (block, j) => await reader.read(block.cid.multihash, locations[wave + j], true)))
      read.forEach((bytes, j) => {
        const i = wave + j
        if (i === 5 || i === 50) expect(bytes).toBeUndefined()
        else expect(bytes != null && sameBytes(bytes, blocks[i].bytes)).toBe(true)
      })
    }
    expect(packs.reads.length).toBeLessThanOrEqual(16)
  })

  it('a read without a check returns the stored bytes, corrupt or not', async () => {
    const blocks = Array.from({ length: 4 }, () => randomBlock(128 * 1024))
    const { pack, locations } = packOf(blocks, 40)
    pack[locations[2].offset] ^= 1
    hasher = new Sha256Worker()
    const reader = new BlockReader({ packs: countingReads(pack), hasher })
    const read = await Promise.all(blocks.map(async (block, i) => await reader.read(block.cid.multihash, locations[i], false)))
    expect(read[2]?.[0]).toBe(blocks[2].bytes[0] ^ 1)
    expect(read[3] != null && sameBytes(read[3], blocks[3].bytes)).toBe(true)
  })

  it('fails every block of a run whose read fails', async () => {
    const blocks = Array.from({ length: 3 }, () => randomBlock(1024))
    const { locations } = packOf(blocks, 40)
    hasher = new Sha256Worker()
    const gone = Object.assign(new Error('no such pack'), { code: 'ENOENT' })
    const reader = new BlockReader({ packs: { read: async () => { throw gone } }, hasher })
    const read = await Promise.allSettled(blocks.map(async (block, i) => await reader.read(block.cid.multihash, locations[i], true)))
    for (const result of read) expect(result).toEqual({ status: 'rejected', reason: gone })
  })

  it('lends a run to reads that ask for it, and reads into its buffer again once every block is back', async () => {
    const blocks = Array.from({ length: 8 }, () => randomBlock(128 * 1024))
    const { pack, locations } = packOf(blocks, 40)
    const packs = countingReads(pack)
    const reader = new BlockReader({ packs })
    const readAll = async (lend: boolean): Promise<Uint8Array[]> => {
      const read = await Promise.all(blocks.map(async (block, i) => await reader.read(block.cid.multihash, locations[i], true, lend)))
      read.forEach((bytes, i) => { expect(bytes != null && sameBytes(bytes, blocks[i].bytes)).toBe(true) })
      return read as Uint8Array[]
    }
    const first = await readAll(true)
    const buffer = first[0].buffer
    expect(first.every(bytes => bytes.buffer === buffer)).toBe(true)
    // one block still out: the buffer is not read into
    for (const bytes of first.slice(1)) reader.release(bytes)
    const second = await readAll(true)
    expect(second[0].buffer).not.toBe(buffer)
    reader.release(first[0])
    expect(reader.reusedBuffers).toBe(0)
    // all back: the next lending run is read into it, and is what the pack holds
    for (const bytes of second) reader.release(bytes)
    const third = await readAll(true)
    expect(reader.reusedBuffers).toBe(1)
    expect([buffer, second[0].buffer]).toContain(third[0].buffer)
    // a read that did not ask to borrow is never given a buffer read into before
    for (const bytes of third) reader.release(bytes)
    const own = await readAll(false)
    expect([buffer, second[0].buffer]).not.toContain(own[0].buffer)
    expect(reader.reusedBuffers).toBe(1)
  })

  it('lends nothing from a run that mixes lending reads with others, or a block kept', async () => {
    const blocks = Array.from({ length: 4 }, () => randomBlock(128 * 1024))
    const { pack, locations } = packOf(blocks, 40)
    const reader = new BlockReader({ packs: countingReads(pack) })
    const read = async (lend: (i: number) => boolean): Promise<Uint8Array[]> =>
      await Promise.all(blocks.map(async (block, i) => await reader.read(block.cid.multihash, locations[i], true, lend(i)) as Uint8Array))
    const mixed = await read(i => i !== 2)
    for (const bytes of mixed) reader.release(bytes)
    await read(() => true)
    expect(reader.reusedBuffers).toBe(0)

    const kept = await read(() => true)
    reader.keep(kept[1])
    for (const bytes of kept) reader.release(bytes)
    const after = await read(() => true)
    expect(after[0].buffer).not.toBe(kept[0].buffer)
    expect(reader.reusedBuffers).toBe(0)
  })

  it('hands out no block that failed its check from a lent run, and reuses the buffer all the same', async () => {
    const blocks = Array.from({ length: 4 }, () => randomBlock(128 * 1024))
    const { pack, locations } = packOf(blocks, 40)
    pack[locations[3].offset + 9] ^= 1
    const reader = new BlockReader({ packs: countingReads(pack) })
    const read = async (): Promise<Array<Uint8Array | undefined>> =>
      await Promise.all(blocks.map(async (block, i) => await reader.read(block.cid.multihash, locations[i], true, true)))
    const first = await read()
    expect(first[3]).toBeUndefined()
    for (const bytes of first.slice(0, 3)) reader.release(bytes as Uint8Array)
    const second = await read()
    expect(reader.reusedBuffers).toBe(1)
    expect(second[0]?.buffer).toBe(first[0]?.buffer)
    second.slice(0, 3).forEach((bytes, i) => { expect(bytes != null && sameBytes(bytes, blocks[i].bytes)).toBe(true) })
  })
})

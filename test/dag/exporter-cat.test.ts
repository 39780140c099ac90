import { describe, expect, it } from 'vitest'
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { importBytes, importer, type ImporterOptions } from 'ipfs-unixfs-importer'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { balanced, trickle } from 'ipfs-unixfs-importer/layout'
import { CID } from 'multiformats/cid'
import { identity } from 'multiformats/hashes/identity'
import * as raw from 'multiformats/codecs/raw'
import { cat, READ_AHEAD_BLOCKS } from '../../dag/exporter/index.ts'
import { MemoryBlocks, collect, prng, pseudoRandomBytes, putPB, putRaw } from './exporter-helpers.ts'

interface Fixture {
  name: string
  size: number
  chunk: number
  options: ImporterOptions
}

const FIXTURES: Fixture[] = [
  // 50 dag-pb leaves, 4 per parent: three levels above the leaves
  { name: 'balanced, dag-pb leaves, CIDv0', size: 5000, chunk: 100, options: { cidVersion: 0, rawLeaves: false, layout: balanced({ maxChildrenPerNode: 4 }) } },
  // 47 raw leaves, 3 per parent: four levels
  { name: 'balanced, raw leaves, CIDv1', size: 2999, chunk: 64, options: { cidVersion: 1, rawLeaves: true, layout: balanced({ maxChildrenPerNode: 3 }) } },
  { name: 'trickle, raw leaves', size: 4321, chunk: 50, options: { cidVersion: 1, rawLeaves: true, layout: trickle({ maxChildrenPerNode: 4, layerRepeat: 2 }) } },
  { name: 'trickle, dag-pb leaves', size: 3000, chunk: 37, options: { cidVersion: 0, rawLeaves: false, layout: trickle({ maxChildrenPerNode: 3, layerRepeat: 1 }) } },
  { name: 'single raw block', size: 200, chunk: 1024, options: { cidVersion: 1, rawLeaves: true } },
  { name: 'single dag-pb leaf', size: 200, chunk: 1024, options: { cidVersion: 0, rawLeaves: false } },
  { name: 'empty file', size: 0, chunk: 1024, options: { cidVersion: 0, rawLeaves: false } }
]

async function build (fixture: Fixture, seed = 7): Promise<{ blocks: MemoryBlocks, cid: CID, bytes: Uint8Array }> {
  const blocks = new MemoryBlocks()
  const bytes = pseudoRandomBytes(fixture.size, seed)
  const { cid } = await importBytes(bytes, blocks, { ...fixture.options, chunker: fixedSize({ chunkSize: fixture.chunk }) })
  return { blocks, cid, bytes }
}

/** The expected bytes of a range, computed independently of the exporter. */
function expected (bytes: Uint8Array, offset: number, length?: number): Uint8Array {
  const from = Math.min(offset, bytes.length)
  return bytes.subarray(from, length == null ? bytes.length : Math.min(bytes.length, from + length))
}

/** How many blocks lie on the path from the root to the first leaf (every leaf, when balanced). */
function depthOf (blocks: MemoryBlocks, cid: CID): number {
  let depth = 1
  while (cid.code === dagPb.code) {
    const node = dagPb.decode(blocks.blocks.get(cid.toString()) as Uint8Array)
    if (node.Links.length === 0) break
    cid = node.Links[0].Hash
    depth++
  }
  return depth
}

describe('cat', () => {
  for (const fixture of FIXTURES) {
    it(`reads every range correctly: ${fixture.name}`, async () => {
      const { blocks, cid, bytes } = await build(fixture)
      const size = bytes.length
      expect(await collect(cat(cid, blocks))).toEqual(bytes)

      const ranges: Array<[number, number | undefined]> = [
        [0, undefined], [0, 0], [0, 1], [size, undefined], [size, 10], [size + 100, 5],
        [Math.max(0, size - 1), 10], [0, size + 1000]
      ]
      // leaf boundaries: ending at, starting at and spanning them
      for (let k = 1; k * fixture.chunk < size && k < 6; k++) {
        const edge = k * fixture.chunk
        ranges.push([edge - 1, 2], [edge, fixture.chunk], [edge - 1, 1], [edge - 3, 2 * fixture.chunk + 6])
      }
      const random = prng(size + 11)
      for (let i = 0; i < 40; i++) {
        ranges.push([random(size + 20), random(3) === 0 ? undefined : random(size + 1)])
      }
      for (const [offset, length] of ranges) {
        const got = await collect(cat(cid, blocks, { offset, length }))
        expect(got, `offset ${offset} length ${length}`).toEqual(expected(bytes, offset, length))
      }
    })
  }

  it('reads each block once when reading the whole file, and only the root for an empty range', async () => {
    const { blocks, cid } = await build(FIXTURES[0])
    blocks.resetCounts()
    await collect(cat(cid, blocks))
    expect(new Set(blocks.gets).size).toBe(blocks.gets.length)
    expect(blocks.gets.length).toBe(blocks.blocks.size)

    blocks.resetCounts()
    expect(await collect(cat(cid, blocks, { offset: 6000 }))).toEqual(new Uint8Array(0))
    expect(await collect(cat(cid, blocks, { offset: 10, length: 0 }))).toEqual(new Uint8Array(0))
    expect(blocks.gets).toEqual([cid.toString(), cid.toString()])
  })

  for (const fixture of FIXTURES.slice(0, 2)) {
    it(`a range inside one leaf reads only the root and the path to that leaf: ${fixture.name}`, async () => {
      const { blocks, cid, bytes } = await build(fixture)
      const depth = depthOf(blocks, cid)
      expect(depth).toBeGreaterThanOrEqual(4)
      // leaves 0, 17 and the last one
      for (const leaf of [0, 17, Math.floor((bytes.length - 1) / fixture.chunk)]) {
        blocks.resetCounts()
        const offset = leaf * fixture.chunk + 1
        const got = await collect(cat(cid, blocks, { offset, length: 3 }))
        expect(got).toEqual(expected(bytes, offset, 3))
        expect(blocks.gets.length, `leaf ${leaf}`).toBe(depth)
        expect(blocks.gets[0]).toBe(cid.toString())
      }
      // a range across two neighbouring leaves under one parent: one more block
      blocks.resetCounts()
      await collect(cat(cid, blocks, { offset: fixture.chunk - 1, length: 2 }))
      expect(blocks.gets.length).toBe(depth + 1)
    })
  }

  it('reads a trickle DAG without fetching subtrees outside the range', async () => {
    const { blocks, cid, bytes } = await build(FIXTURES[2])
    blocks.resetCounts()
    const got = await collect(cat(cid, blocks, { offset: bytes.length - 10 }))
    expect(got).toEqual(bytes.subarray(bytes.length - 10))
    expect(blocks.gets.length).toBeLessThan(8)
  })

  it('never has more than READ_AHEAD_BLOCKS gets in flight, and does read ahead', async () => {
    const fixture: Fixture = { name: 'wide', size: 40_000, chunk: 100, options: { cidVersion: 1, rawLeaves: true, layout: balanced({ maxChildrenPerNode: 16 }) } }
    const { blocks, cid, bytes } = await build(fixture)
    const random = prng(3)
    blocks.delay = async () => {
      for (let i = random(4); i >= 0; i--) await new Promise(resolve => setImmediate(resolve))
    }
    blocks.resetCounts()
    expect(await collect(cat(cid, blocks))).toEqual(bytes)
    expect(blocks.maxInFlight).toBeLessThanOrEqual(READ_AHEAD_BLOCKS)
    expect(blocks.maxInFlight).toBeGreaterThan(1)
  })

  it('stops fetching and aborts its gets when the consumer breaks', async () => {
    const fixture: Fixture = { name: 'wide', size: 20_000, chunk: 100, options: { cidVersion: 1, rawLeaves: true, layout: balanced({ maxChildrenPerNode: 50 }) } }
    const { blocks, cid } = await build(fixture)
    const gates: Array<{ open: () => void, signal?: AbortSignal }> = []
    blocks.delay = async (_cid, options) => {
      await new Promise<void>(resolve => { gates.push({ open: resolve, signal: options.signal }) })
    }
    const release = (): void => { for (const gate of gates.splice(0)) gate.open() }
    blocks.resetCounts()

    const reading = (async () => {
      for await (const chunk of cat(cid, blocks)) {
        expect(chunk.length).toBeGreaterThan(0)
        break
      }
    })()
    // answer the oldest get, one per tick, until the first chunk has been read
    let done = false
    void reading.then(() => { done = true })
    while (!done) {
      gates.shift()?.open()
      await new Promise(resolve => setImmediate(resolve))
    }
    await reading
    const pending = gates.slice()
    const asked = blocks.gets.length
    // the root, its 4 children, and one read-ahead window of leaves; far from all 205 blocks
    expect(asked).toBeLessThanOrEqual(1 + 4 + READ_AHEAD_BLOCKS + 1)
    expect(pending.length).toBeGreaterThan(0)
    expect(pending.every(gate => gate.signal?.aborted === true)).toBe(true)
    release()
    for (let i = 0; i < 5; i++) await new Promise(resolve => setImmediate(resolve))
    expect(blocks.gets.length).toBe(asked)
  })

  it('a missing block fails with BlockNotFoundError instead of hanging', async () => {
    const { blocks, cid } = await build(FIXTURES[1])
    const leaf = [...blocks.blocks.keys()].find(key => key.startsWith('bafk')) as string
    blocks.blocks.delete(leaf)
    await expect(collect(cat(cid, blocks))).rejects.toMatchObject({ name: 'BlockNotFoundError' })
    blocks.blocks.clear()
    await expect(collect(cat(cid, blocks))).rejects.toMatchObject({ name: 'BlockNotFoundError' })
  }, 10_000)

  it('stops with AbortedError when the signal fires', async () => {
    const { blocks, cid } = await build(FIXTURES[0])
    const controller = new AbortController()
    const reading = (async () => {
      for await (const chunk of cat(cid, blocks, { signal: controller.signal })) {
        expect(chunk.length).toBeGreaterThan(0)
        controller.abort()
      }
    })()
    await expect(reading).rejects.toMatchObject({ name: 'AbortedError' })
  }, 10_000)

  it('refuses directories, symlinks and bad ranges; reads raw and identity blocks', async () => {
    const blocks = new MemoryBlocks()
    const entries = []
    for await (const entry of importer([
      { path: 'd/a.txt', content: new TextEncoder().encode('hello') },
      { path: 'd/link', link: 'a.txt' } as never
    ], blocks, { cidVersion: 1 })) entries.push(entry)
    const dir = entries.find(e => e.path === 'd')?.cid as CID
    await expect(collect(cat(dir, blocks))).rejects.toMatchObject({ name: 'NotAFileError', message: expect.stringContaining('this dag node is a directory') })
    await expect(collect(cat(`/ipfs/${dir}/link`, blocks))).rejects.toMatchObject({ name: 'NotAFileError' })
    expect(new TextDecoder().decode(await collect(cat(`/ipfs/${dir}/a.txt`, blocks, { offset: 1, length: 3 })))).toBe('ell')
    await expect(collect(cat(dir, blocks, { offset: -1 }))).rejects.toMatchObject({ name: 'InvalidRangeError' })
    await expect(collect(cat(dir, blocks, { length: 1.5 }))).rejects.toMatchObject({ name: 'InvalidRangeError' })

    const rawCid = await putRaw(blocks, new TextEncoder().encode('raw bytes'))
    expect(new TextDecoder().decode(await collect(cat(rawCid, blocks, { offset: 4 })))).toBe('bytes')
    const inline = CID.create(1, raw.code, identity.digest(new TextEncoder().encode('inline')))
    blocks.resetCounts()
    expect(new TextDecoder().decode(await collect(cat(inline, blocks)))).toBe('inline')
    expect(blocks.gets).toEqual([])
  })

  it('refuses a file whose blocksizes do not match its children', async () => {
    const blocks = new MemoryBlocks()
    const a = await putRaw(blocks, new Uint8Array(10).fill(1))
    const b = await putRaw(blocks, new Uint8Array(10).fill(2))
    const lying = await putPB(blocks, new UnixFS({ type: 'file', blockSizes: [10n, 12n] }), [{ Hash: a, Tsize: 10 }, { Hash: b, Tsize: 10 }])
    await expect(collect(cat(lying, blocks))).rejects.toMatchObject({ name: 'BlockCorruptError' })
    const short = await putPB(blocks, new UnixFS({ type: 'file', blockSizes: [10n] }), [{ Hash: a, Tsize: 10 }, { Hash: b, Tsize: 10 }])
    await expect(collect(cat(short, blocks))).rejects.toMatchObject({ name: 'BlockCorruptError' })
    const good = await putPB(blocks, new UnixFS({ type: 'file', data: new Uint8Array([9]), blockSizes: [10n, 10n] }), [{ Hash: a, Tsize: 10 }, { Hash: b, Tsize: 10 }])
    const got = await collect(cat(good, blocks, { offset: 9, length: 3 }))
    expect([...got]).toEqual([1, 1, 2])
  })
})

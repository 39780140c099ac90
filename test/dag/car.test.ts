import { createReadStream, readFileSync, readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { CarBlockIterator } from '@ipld/car/iterator'
import { CarBufferReader } from '@ipld/car/buffer-reader'
import { CarWriter } from '@ipld/car/writer'
import * as dagCbor from '@ipld/dag-cbor'
import * as dagPb from '@ipld/dag-pb'
import { importer } from 'ipfs-unixfs-importer'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { identity } from 'multiformats/hashes/identity'
import { sha256 } from 'multiformats/hashes/sha2'
import { varint } from 'multiformats'
import { beforeAll, describe, expect, it } from 'vitest'
import type { Block, BlockGetter, BlockSink, PutOptions } from '../../blockstore/types.ts'
import { MAX_BLOCK_SIZE } from '../../blockstore/types.ts'
import { exportCar, importCar } from '../../dag/car.ts'
import { missingBlocks } from '../../dag/dag-walk.ts'
import { GATEWAY_CONFORMANCE_FIXTURES } from '../helpers/fixtures.ts'

const FIXTURES = GATEWAY_CONFORMANCE_FIXTURES

/** A Map-backed block store: a BlockGetter and BlockSink, plus the `put` the UnixFS importer calls. */
class MemoryStore implements BlockGetter, BlockSink {
  readonly blocks = new Map<string, Block>()
  readonly batches: number[] = []
  gets = 0

  async get (cid: CID): Promise<Uint8Array> {
    this.gets++
    const block = this.blocks.get(cid.toString())
    if (block == null) throw Object.assign(new Error(`block ${cid.toString()} not found`), { name: 'BlockNotFoundError' })
    return block.bytes
  }

  async has (cid: CID): Promise<boolean> {
    return this.blocks.has(cid.toString())
  }

  async putMany (blocks: Block[], _options?: PutOptions): Promise<void> {
    this.batches.push(blocks.length)
    for (const b of blocks) this.blocks.set(b.cid.toString(), b)
  }

  async put (cid: CID, bytes: Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<CID> {
    let whole: Uint8Array
    if (bytes instanceof Uint8Array) {
      whole = bytes
    } else {
      const parts: Uint8Array[] = []
      for await (const p of bytes) parts.push(p)
      whole = Buffer.concat(parts)
    }
    this.blocks.set(cid.toString(), { cid, bytes: whole })
    return cid
  }

  cids (): string[] {
    return [...this.blocks.keys()].sort()
  }
}

async function collect (source: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for await (const p of source) parts.push(p)
  return Buffer.concat(parts)
}

/** Feeds `bytes` in chunks of `size` bytes, so sections straddle chunk boundaries. */
async function * chunked (bytes: Uint8Array, size = 97): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size)
}

/** Byte equality whatever the Uint8Array subclass (Buffer vs Uint8Array). */
function expectBytes (actual: Uint8Array | undefined, expected: Uint8Array): void {
  expect(actual).toBeDefined()
  expect(Buffer.from(actual!).equals(Buffer.from(expected))).toBe(true)
}

async function rejectsWith (p: Promise<unknown>, name: string): Promise<Error> {
  try {
    await p
  } catch (err) {
    expect((err as Error).name).toBe(name)
    return err as Error
  }
  throw new Error(`expected ${name}, nothing was thrown`)
}

async function rawBlock (data: Uint8Array): Promise<Block> {
  return { cid: CID.createV1(raw.code, await sha256.digest(data)), bytes: data }
}

/** A CARv1 written by @ipld/car itself. */
async function carOf (roots: CID[], blocks: Block[]): Promise<Uint8Array> {
  const { writer, out } = CarWriter.create(roots)
  const done = collect(out)
  for (const b of blocks) await writer.put(b)
  await writer.close()
  return done
}

/** Independent reference: the DFS pre-order of distinct blocks under `root`, skipping identity CIDs. */
function referenceDfs (root: CID, store: MemoryStore): string[] {
  const order: string[] = []
  const seen = new Set<string>()
  const visit = (cid: CID): void => {
    const key = cid.toString()
    if (seen.has(key)) return
    seen.add(key)
    let links: CID[] = []
    if (cid.multihash.code !== identity.code) {
      const bytes = store.blocks.get(key)!.bytes
      order.push(key)
      if (cid.code === dagPb.code) links = dagPb.decode(bytes).Links.map(l => l.Hash)
      if (cid.code === dagCbor.code) {
        const node = dagCbor.decode(bytes) as Record<string, unknown>
        links = Object.keys(node).sort((a, b) => a.length - b.length || (a < b ? -1 : 1))
          .map(k => CID.asCID(node[k])).filter((c): c is CID => c != null)
      }
    }
    links.forEach(visit)
  }
  visit(root)
  return order
}

describe('exportCar / importCar round trip', () => {
  const store = new MemoryStore()
  let root: CID
  let dir: CID
  let inline: CID

  beforeAll(async () => {
    const bigFile = new Uint8Array(10_000).map((_, i) => (i * 7) % 251)
    const entries = [
      { path: 'dir/big.bin', content: bigFile },
      { path: 'dir/a.txt', content: new TextEncoder().encode('same content') },
      { path: 'dir/b.txt', content: new TextEncoder().encode('same content') },
      { path: 'dir/sub/c.txt', content: new TextEncoder().encode('another file') }
    ]
    for await (const entry of importer(entries, store, { chunker: fixedSize({ chunkSize: 1024 }), rawLeaves: true, cidVersion: 1 })) {
      if (entry.path === 'dir') dir = entry.cid
    }
    inline = CID.createV1(raw.code, identity.digest(new TextEncoder().encode('inline')))
    // a dag-cbor root that links the directory twice (dedupe) and an identity block (never written)
    const rootBytes = dagCbor.encode({ dir, inline, again: dir })
    root = CID.createV1(dagCbor.code, await sha256.digest(rootBytes))
    store.blocks.set(root.toString(), { cid: root, bytes: rootBytes })
  })

  it('writes a CARv1 @ipld/car reads: roots, DFS order, each block once, no identity, all verified', async () => {
    const car = await collect(exportCar([root], store))
    const reader = CarBufferReader.fromBytes(car)
    expect(reader.version).toBe(1)
    expect(reader.getRoots().map(String)).toEqual([root.toString()])

    const cids: string[] = []
    for (const block of reader.blocks()) {
      cids.push(block.cid.toString())
      expect(block.cid.multihash.code).not.toBe(identity.code)
      expectBytes((await sha256.digest(block.bytes)).bytes, block.cid.multihash.bytes)
      expectBytes(block.bytes, store.blocks.get(block.cid.toString())!.bytes)
    }
    expect(new Set(cids).size).toBe(cids.length)
    expect(cids).toEqual(referenceDfs(root, store))
    expect(cids.length).toBe(store.blocks.size) // everything in the store is under the root
    expect(cids).not.toContain(inline.toString())
  })

  it('repeats shared subtrees when dedupe is off', async () => {
    const car = await collect(exportCar([root], store, { dedupe: false }))
    const cids = [...CarBufferReader.fromBytes(car).blocks()].map(b => b.cid.toString())
    const dirCount = cids.filter(c => c === dir.toString()).length
    expect(dirCount).toBe(2)
    // the two files with the same content share one leaf: 2 per directory copy
    expect(cids.length).toBeGreaterThan(store.blocks.size)
  })

  it('imports its own export into a fresh store with the same blocks, across chunk boundaries', async () => {
    const car = await collect(exportCar([root], store))
    const fresh = new MemoryStore()
    const result = await importCar(chunked(car), fresh, { batchBlocks: 4 })
    expect(result.errors).toEqual([])
    expect(result.version).toBe(1)
    expect(result.roots.map(String)).toEqual([root.toString()])
    expect(fresh.cids()).toEqual(store.cids())
    for (const [key, block] of store.blocks) expectBytes(fresh.blocks.get(key)?.bytes, block.bytes)
    expect(result.blockCount).toBe(store.blocks.size)
    expect(result.blockBytes).toBe([...store.blocks.values()].reduce((n, b) => n + b.bytes.length, 0))
    expect(Math.max(...fresh.batches)).toBeLessThanOrEqual(4)
    expect(fresh.batches.length).toBeGreaterThan(1)
  })

  it('streams the export: stopping after the first chunk leaves most blocks unread', async () => {
    const wide = new MemoryStore()
    const leaves = await Promise.all(Array.from({ length: 300 }, async (_, i) => rawBlock(new Uint8Array(1024).fill(i % 256).map((v, j) => v ^ (j === 0 ? i >> 8 : 0)))))
    for (const leaf of leaves) wide.blocks.set(leaf.cid.toString(), leaf)
    const rootBytes = dagPb.encode({ Links: leaves.map((l, i) => ({ Hash: l.cid, Name: String(i).padStart(3, '0'), Tsize: 1024 })) })
    const wideRoot = CID.createV1(dagPb.code, await sha256.digest(rootBytes))
    wide.blocks.set(wideRoot.toString(), { cid: wideRoot, bytes: rootBytes })
    expect(wide.blocks.size).toBe(301)

    let first = 0
    for await (const chunk of exportCar([wideRoot], wide, { readAhead: 4 })) {
      first = chunk.length
      break
    }
    expect(first).toBeGreaterThan(0)
    expect(wide.gets).toBeLessThan(150) // ~64 KiB of blocks plus the read-ahead, not all 301
  })

  it('fails the stream on a missing block, or skips it with skipMissing', async () => {
    const partial = new MemoryStore()
    for (const [k, v] of store.blocks) if (k !== dir.toString()) partial.blocks.set(k, v)
    await rejectsWith(collect(exportCar([root], partial)), 'BlockNotFoundError')
    const car = await collect(exportCar([root], partial, { skipMissing: true }))
    const cids = [...CarBufferReader.fromBytes(car).blocks()].map(b => b.cid.toString())
    expect(cids).toEqual([root.toString()])
  })
})

function fixtureCars (dir = FIXTURES): string[] {
  return readdirSync(dir).flatMap(name => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return fixtureCars(path)
    return name.endsWith('.car') ? [path] : []
  })
}

describe('gateway-conformance fixtures', () => {
  const cars = fixtureCars()

  it('finds the fixtures', () => {
    expect(cars.length).toBeGreaterThan(20)
    expect(cars.some(p => p.endsWith('file-3k-and-3-blocks-missing-block.car'))).toBe(true)
  })

  it.each(cars.map(p => [relative(FIXTURES, p), p]))('imports %s with the blocks @ipld/car reads', async (_name, path) => {
    const expected = new Map<string, Uint8Array>()
    let count = 0
    const iterator = await CarBlockIterator.fromBytes(readFileSync(path))
    for await (const block of iterator) {
      count++
      if (block.cid.multihash.code !== identity.code) expected.set(block.cid.toString(), block.bytes)
    }
    const store = new MemoryStore()
    const result = await importCar(createReadStream(path, { highWaterMark: 1024 }), store)
    expect(result.errors).toEqual([])
    expect(result.blockCount).toBe(count)
    expect(result.roots.map(String)).toEqual((await iterator.getRoots()).map(String))
    expect(store.cids()).toEqual([...expected.keys()].sort())
    for (const [key, bytes] of expected) expectBytes(store.blocks.get(key)?.bytes, bytes)
  })

  it('re-exports Kubo-made fixtures byte for byte', async () => {
    for (const name of ['trustless_gateway_car/single-layer-hamt-with-multi-block-files.car', 'trustless_gateway_car/dir-with-dag-cbor-with-links.car', 'path_gateway_dag/dag-json-traversal.car', 'subdomain_gateway/fixtures.car']) {
      const original = readFileSync(join(FIXTURES, name))
      const store = new MemoryStore()
      const { roots } = await importCar(chunked(original, 4096), store)
      expect(Buffer.from(await collect(exportCar(roots, store))).equals(original), name).toBe(true)
    }
  })

  it('keeps what the missing-block fixture holds and names what it lacks', async () => {
    const path = join(FIXTURES, 'trustless_gateway_car/file-3k-and-3-blocks-missing-block.car')
    const store = new MemoryStore()
    const { roots } = await importCar(createReadStream(path), store)
    const missing = []
    for await (const cid of missingBlocks(roots, async cid => store.has(cid), store)) missing.push(cid.toString())
    expect(missing.length).toBeGreaterThan(0)
    for (const cid of missing) expect(store.blocks.has(cid)).toBe(false)
    await rejectsWith(collect(exportCar(roots, store)), 'BlockNotFoundError')
  })
})

describe('importCar on bad input', () => {
  let blocks: Block[]
  let good: Uint8Array

  beforeAll(async () => {
    blocks = await Promise.all(['one', 'two', 'three', 'four'].map(async s => rawBlock(new TextEncoder().encode(s.repeat(50)))))
    good = await carOf([blocks[0].cid], blocks)
  })

  /** Byte offset where the section of block `i` starts in `good`. */
  function sectionStart (i: number): number {
    let offset = good.length
    for (let j = blocks.length - 1; j >= i; j--) {
      const len = blocks[j].cid.bytes.length + blocks[j].bytes.length
      offset -= varint.encodingLength(len) + len
    }
    return offset
  }

  it('rejects a CAR truncated mid-block, keeping the blocks before the break', async () => {
    const cut = good.subarray(0, sectionStart(2) + 50)
    const store = new MemoryStore()
    const err = await rejectsWith(importCar(chunked(cut), store), 'InvalidCARError')
    expect(err.message).toContain(blocks[2].cid.toString())
    expect(err.message).toContain(`after block ${blocks[1].cid.toString()}`)
    expect(err.message).toMatch(/at byte \d+/)
    expect(store.cids()).toEqual([blocks[0], blocks[1]].map(b => b.cid.toString()).sort())
  })

  it('rejects a section whose length runs past the end of the data', async () => {
    const start = sectionStart(3)
    const len = blocks[3].cid.bytes.length + blocks[3].bytes.length
    const bad = Buffer.concat([good.subarray(0, start), varint.encodeTo(len + 1000, new Uint8Array(varint.encodingLength(len + 1000))), good.subarray(start + varint.encodingLength(len))])
    const store = new MemoryStore()
    const err = await rejectsWith(importCar(chunked(bad), store), 'InvalidCARError')
    expect(err.message).toContain(`at byte ${start}`)
    expect(store.blocks.size).toBe(3)
  })

  it('rejects and names a block whose bytes were flipped, storing the others', async () => {
    const bad = Uint8Array.from(good)
    bad[sectionStart(1) + 1 + blocks[1].cid.bytes.length + 5] ^= 0xff
    const store = new MemoryStore()
    const result = await importCar(chunked(bad), store)
    expect(result.errors).toHaveLength(1)
    expect(result.errors[0].cid?.toString()).toBe(blocks[1].cid.toString())
    expect(result.errors[0].name).toBe('BlockCorruptError')
    expect(result.errors[0].offset).toBe(sectionStart(1))
    expect(store.blocks.has(blocks[1].cid.toString())).toBe(false)
    expect(store.cids()).toEqual([blocks[0], blocks[2], blocks[3]].map(b => b.cid.toString()).sort())
    expect(result.blockCount).toBe(3)
  })

  it('rejects garbage, empty and zero-length headers with InvalidCARError', async () => {
    const garbage = new Uint8Array(200).map((_, i) => (i * 37 + 11) % 256)
    for (const bytes of [garbage, new Uint8Array(0), new Uint8Array([0]), new TextEncoder().encode('not a car file at all')]) {
      const err = await rejectsWith(importCar(chunked(bytes), new MemoryStore()), 'InvalidCARError')
      expect(err.message).toMatch(/header/)
    }
  })

  it('fails fast on huge declared lengths instead of buffering an endless stream', async () => {
    async function * endless (prefix: Uint8Array): AsyncGenerator<Uint8Array> {
      yield prefix
      const zeros = new Uint8Array(64 * 1024)
      for (let i = 0; i < 3_000; i++) yield zeros // ~190 MiB if read to the end
      throw new Error('the importer read the whole stream')
    }
    const hugeHeader = varint.encodeTo(2 ** 40, new Uint8Array(varint.encodingLength(2 ** 40)))
    await rejectsWith(importCar(endless(hugeHeader), new MemoryStore()), 'InvalidCARError')

    const header = good.subarray(0, sectionStart(0))
    const cid = blocks[0].cid.bytes
    const length = 100 * 1024 * 1024
    const section = Buffer.concat([varint.encodeTo(length, new Uint8Array(varint.encodingLength(length))), cid])
    const err = await rejectsWith(importCar(endless(Buffer.concat([header, section])), new MemoryStore()), 'InvalidCARError')
    expect(err.message).toContain('limit')
  })

  it('refuses blocks over 2 MiB unless allowed', async () => {
    const big = await rawBlock(new Uint8Array(MAX_BLOCK_SIZE + 1).fill(7))
    const car = await carOf([big.cid], [blocks[0], big])
    const store = new MemoryStore()
    const result = await importCar(chunked(car, 65536), store)
    expect(result.errors.map(e => [e.name, e.cid?.toString()])).toEqual([['BlockTooBigError', big.cid.toString()]])
    expect(store.cids()).toEqual([blocks[0].cid.toString()])

    const allowed = new MemoryStore()
    const ok = await importCar(chunked(car, 65536), allowed, { allowBigBlock: true })
    expect(ok.errors).toEqual([])
    expect(allowed.blocks.has(big.cid.toString())).toBe(true)
  })

  it('imports the inner CARv1 of a CARv2', async () => {
    // CARv2: pragma, 40-byte header (characteristics, data offset, data size, index offset), the
    // CARv1 payload after some padding, then bytes standing in for an index
    const pragma = Uint8Array.from([0x0a, 0xa1, 0x67, 0x76, 0x65, 0x72, 0x73, 0x69, 0x6f, 0x6e, 0x02])
    const padding = 13
    const dataOffset = pragma.length + 40 + padding
    const header = new DataView(new ArrayBuffer(40))
    header.setBigUint64(16, BigInt(dataOffset), true)
    header.setBigUint64(24, BigInt(good.length), true)
    header.setBigUint64(32, BigInt(dataOffset + good.length), true)
    const trailer = new Uint8Array(64).fill(0xee) // not CAR sections: must not be read as blocks
    const v2 = Buffer.concat([pragma, new Uint8Array(header.buffer), new Uint8Array(padding), good, trailer])
    const store = new MemoryStore()
    const result = await importCar(chunked(v2, 31), store)
    expect(result.version).toBe(2)
    expect(result.errors).toEqual([])
    expect(result.roots.map(String)).toEqual([blocks[0].cid.toString()])
    expect(store.cids()).toEqual(blocks.map(b => b.cid.toString()).sort())

    // a CARv2 whose data size cuts the payload short is truncated
    header.setBigUint64(24, BigInt(good.length - 10), true)
    const short = Buffer.concat([pragma, new Uint8Array(header.buffer), new Uint8Array(padding), good, trailer])
    await rejectsWith(importCar(chunked(short, 31), new MemoryStore()), 'InvalidCARError')
  })

  it('stores batches while the CAR is still arriving', async () => {
    const store = new MemoryStore()
    let storedBeforeEnd = -1
    async function * source (): AsyncGenerator<Uint8Array> {
      const end = sectionStart(3)
      yield * chunked(good.subarray(0, end), 50)
      storedBeforeEnd = store.blocks.size
      yield good.subarray(end)
    }
    await importCar(source(), store, { batchBlocks: 1 })
    expect(storedBeforeEnd).toBeGreaterThanOrEqual(2)
    expect(store.blocks.size).toBe(4)
  })

  it('passes a failing source\'s own error through, keeping the blocks verified before it', async () => {
    const store = new MemoryStore()
    async function * failing (): AsyncGenerator<Uint8Array> {
      yield good.subarray(0, sectionStart(2) + 10)
      throw Object.assign(new Error('connection reset'), { name: 'ECONNRESET' })
    }
    await rejectsWith(importCar(failing(), store), 'ECONNRESET')
    expect(store.cids()).toEqual([blocks[0], blocks[1]].map(b => b.cid.toString()).sort())
  })

  it('stops with AbortedError when aborted', async () => {
    const controller = new AbortController()
    controller.abort()
    await rejectsWith(importCar(chunked(good), new MemoryStore(), { signal: controller.signal }), 'AbortedError')
  })
})

import { randomBytes } from 'node:crypto'
import { open, readdir, readFile, stat, writeFile, appendFile } from 'node:fs/promises'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import * as dagPb from '@ipld/dag-pb'
import { Level } from 'level'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { identity } from 'multiformats/hashes/identity'
import { sha512 } from 'multiformats/hashes/sha2'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  DEFAULT_COMPACT_LIVE_RATIO, DEFAULT_COMPACT_STEP_SIZE, DEFAULT_MAX_OPEN_PACKS, DEFAULT_MAX_PACK_SIZE,
  DEFAULT_HASH_ON_READ, DEFAULT_RECENT_BLOCKS_BYTES, MAX_BLOCK_SIZE, createBlockstore, resolveBlockstoreInit
} from '../../blockstore/index.ts'
import { RecentBlocks } from '../../blockstore/recent-blocks.ts'
import type { Block, BlockstoreInit, PackBlockstore } from '../../blockstore/index.ts'
import { blockOf, collect, randomBlock, sameBytes, tempDir } from './helpers.ts'
import { waitFor } from '../helpers/wait.ts'

let dir: { path: string, remove: () => Promise<void> }
const stores: PackBlockstore[] = []

async function openStore (init: BlockstoreInit = {}): Promise<PackBlockstore> {
  const store = createBlockstore({ path: dir.path }, init)
  await store.open()
  stores.push(store)
  return store
}

async function packNames (): Promise<string[]> {
  return (await readdir(join(dir.path, 'packs'))).filter(name => name.endsWith('.pack')).sort()
}

async function flipByteOf (store: PackBlockstore, block: Block): Promise<void> {
  // find the block's bytes in the pack by content and flip one in the middle
  for (const name of await packNames()) {
    const path = join(dir.path, 'packs', name)
    const data = await readFile(path)
    const at = data.indexOf(Buffer.from(block.bytes))
    if (at === -1) continue
    data[at + Math.floor(block.bytes.byteLength / 2)] ^= 0x01
    await writeFile(path, data)
    return
  }
  throw new Error(`block ${block.cid} not found in any pack of ${String(store)}`)
}

async function openFds (): Promise<number> {
  return (await readdir('/proc/self/fd')).length
}

beforeEach(async () => {
  dir = await tempDir()
})

afterEach(async () => {
  for (const store of stores.splice(0)) await store.close()
  await dir.remove()
})

describe('resolveBlockstoreInit', () => {
  it('applies the defaults', () => {
    expect(resolveBlockstoreInit()).toEqual({
      maxPackSize: DEFAULT_MAX_PACK_SIZE,
      maxOpenPacks: DEFAULT_MAX_OPEN_PACKS,
      compactLiveRatio: DEFAULT_COMPACT_LIVE_RATIO,
      compactStepSize: DEFAULT_COMPACT_STEP_SIZE,
      recentBlocksBytes: DEFAULT_RECENT_BLOCKS_BYTES,
      hashOnRead: DEFAULT_HASH_ON_READ,
      hashWorker: availableParallelism() > 2,
      onStep: undefined
    })
  })

  it('keeps given values and refuses out-of-range ones', () => {
    expect(resolveBlockstoreInit({ maxPackSize: 1024 }).maxPackSize).toBe(1024)
    expect(() => resolveBlockstoreInit({ maxPackSize: 8 })).toThrow(RangeError)
    expect(() => resolveBlockstoreInit({ maxOpenPacks: 0 })).toThrow(RangeError)
    expect(() => resolveBlockstoreInit({ compactLiveRatio: 2 })).toThrow(RangeError)
    expect(() => resolveBlockstoreInit({ recentBlocksBytes: -1 })).toThrow(RangeError)
    expect(() => resolveBlockstoreInit({ compactStepSize: -1 })).toThrow(RangeError)
  })
})

describe('blockstore', () => {
  it('stores and returns blocks, with sizes from the index', async () => {
    const store = await openStore()
    const blocks = [randomBlock(10), randomBlock(100_000), randomBlock(0)]
    await store.putMany(blocks)
    for (const block of blocks) {
      expect(await store.has(block.cid)).toBe(true)
      expect(await store.getSize(block.cid)).toBe(block.bytes.byteLength)
      expect(sameBytes(await store.get(block.cid), block.bytes)).toBe(true)
    }
    const absent = randomBlock(5)
    expect(await store.has(absent.cid)).toBe(false)
    expect(await store.getSize(absent.cid)).toBeUndefined()
    await expect(store.get(absent.cid)).rejects.toHaveProperty('name', 'BlockNotFoundError')
  })

  it('keeps blocks across close and reopen', async () => {
    let store = await openStore()
    const blocks = Array.from({ length: 20 }, () => randomBlock(1000))
    await store.putMany(blocks)
    await store.close()
    store = await openStore()
    for (const block of blocks) expect(sameBytes(await store.get(block.cid), block.bytes)).toBe(true)
  })

  it('shares one block between CIDv0, CIDv1, raw and dag-pb CIDs of one multihash', async () => {
    const store = await openStore()
    const bytes = dagPb.encode({ Links: [], Data: new Uint8Array([1, 2, 3]) })
    const v1 = blockOf(bytes, dagPb.code)
    const v0 = CID.createV0(v1.cid.multihash as ReturnType<typeof Digest.create<0x12>>)
    const raw = CID.createV1(0x55, v1.cid.multihash)
    const seen: CID[] = []
    store.onBlock(block => seen.push(block.cid))
    await store.put({ cid: v0, bytes })
    await store.put(v1)
    await store.put({ cid: raw, bytes })
    expect(seen).toHaveLength(1)
    expect(sameBytes(await store.get(v1.cid), bytes)).toBe(true)
    expect(await store.get(raw)).toEqual(bytes)
    expect(await collect(store.multihashes())).toHaveLength(1)
    await store.deleteMany([raw])
    expect(await store.has(v0)).toBe(false)
  })

  it('answers identity CIDs from the CID and never stores them', async () => {
    const store = await openStore()
    const data = new TextEncoder().encode('inline')
    const cid = CID.createV1(0x55, identity.digest(data))
    await store.put({ cid, bytes: data })
    expect(await store.has(cid)).toBe(true)
    expect(await store.get(cid)).toEqual(data)
    expect(await store.getSize(cid)).toBe(data.byteLength)
    expect(await collect(store.multihashes())).toHaveLength(0)
  })

  it('refuses blocks over MAX_BLOCK_SIZE unless allowBigBlock, storing none of the batch', async () => {
    const store = await openStore()
    const small = randomBlock(10)
    const big = randomBlock(MAX_BLOCK_SIZE + 1)
    await expect(store.putMany([small, big])).rejects.toHaveProperty('name', 'BlockTooBigError')
    expect(await store.has(small.cid)).toBe(false)
    await store.putMany([small, big], { allowBigBlock: true })
    expect(sameBytes(await store.get(big.cid), big.bytes)).toBe(true)
  })

  it('skips blocks already present and duplicates within a batch', async () => {
    const store = await openStore()
    const block = randomBlock(50_000)
    const fired: string[] = []
    store.onBlock(b => fired.push(b.cid.toString()))
    await store.putMany([block, block])
    const [pack] = await packNames()
    const size = (await stat(join(dir.path, 'packs', pack))).size
    await store.put(block)
    expect((await stat(join(dir.path, 'packs', pack))).size).toBe(size)
    expect(fired).toEqual([block.cid.toString()])
  })

  it('fires onBlock after the block is readable, and stops after unsubscribe', async () => {
    const store = await openStore()
    const readable: boolean[] = []
    const unsubscribe = store.onBlock(block => { void store.has(block.cid).then(has => readable.push(has)) })
    await store.put(randomBlock(100))
    unsubscribe()
    await store.put(randomBlock(100))
    await new Promise(resolve => setImmediate(resolve))
    expect(readable).toEqual([true])
  })

  it('makes none of a batch visible when it fails between the pack sync and the index write', async () => {
    let fail = true
    const store = await openStore({
      onStep (step) {
        if (step === 'put:packs-synced' && fail) {
          fail = false
          throw new Error('injected')
        }
      }
    })
    const lost = [randomBlock(1000), randomBlock(2000)]
    await expect(store.putMany(lost)).rejects.toThrow('injected')
    for (const block of lost) expect(await store.has(block.cid)).toBe(false)
    const kept = [randomBlock(1000), lost[0]]
    await store.putMany(kept)
    for (const block of kept) expect(sameBytes(await store.get(block.cid), block.bytes)).toBe(true)
    expect((await collect(store.verify())).map(r => r.ok)).toEqual([true, true])
  })

  it('verifies blocks hashed with other functions and refuses unknown ones', async () => {
    const store = await openStore()
    const bytes = randomBytes(1000)
    const cid512 = CID.createV1(0x55, await sha512.digest(bytes))
    await store.put({ cid: cid512, bytes })
    expect(sameBytes(await store.get(cid512), bytes)).toBe(true)
    const unknown = CID.createV1(0x55, Digest.create(0x22, new Uint8Array(16)))
    await expect(store.put({ cid: unknown, bytes })).rejects.toHaveProperty('name', 'UnsupportedHashError')
  })

  it('lists multihashes and sizes, and deletes atomically per call', async () => {
    const store = await openStore()
    const blocks = Array.from({ length: 10 }, (_, i) => randomBlock(100 + i))
    await store.putMany(blocks)
    const entries = await collect(store.entries())
    expect(entries).toHaveLength(10)
    const bySize = new Map(entries.map(e => [Buffer.from(e.multihash).toString('hex'), e.size]))
    for (const block of blocks) expect(bySize.get(Buffer.from(block.cid.multihash.bytes).toString('hex'))).toBe(block.bytes.byteLength)
    await store.deleteMany(blocks.slice(0, 4).map(b => b.cid).concat(randomBlock(1).cid))
    expect(await collect(store.multihashes())).toHaveLength(6)
    await expect(store.get(blocks[0].cid)).rejects.toHaveProperty('name', 'BlockNotFoundError')
  })

  it('honours an aborted signal', async () => {
    const store = await openStore()
    const signal = AbortSignal.abort()
    const block = randomBlock(10)
    await expect(store.putMany([block], { signal })).rejects.toHaveProperty('name', 'AbortedError')
    expect(await store.has(block.cid)).toBe(false)
    await expect(store.get(block.cid, { signal })).rejects.toHaveProperty('name', 'AbortedError')
  })

  it('refuses use before open and after close', async () => {
    const store = createBlockstore({ path: dir.path })
    await expect(store.get(randomBlock(1).cid)).rejects.toThrow(/not open/)
    await store.open()
    await store.close()
    await expect(store.put(randomBlock(1))).rejects.toThrow(/not open/)
  })

  it('rolls over to new packs and reads from all of them', async () => {
    const store = await openStore({ maxPackSize: 64 * 1024 })
    const blocks = Array.from({ length: 40 }, () => randomBlock(10_000))
    await store.putMany(blocks.slice(0, 25))
    await store.putMany(blocks.slice(25))
    const names = await packNames()
    expect(names.length).toBeGreaterThanOrEqual(6)
    for (const name of names) expect((await stat(join(dir.path, 'packs', name))).size).toBeLessThanOrEqual(64 * 1024)
    for (const block of blocks) expect(sameBytes(await store.get(block.cid), block.bytes)).toBe(true)
  })

  it('keeps read descriptors within maxOpenPacks', async () => {
    const store = await openStore({ maxPackSize: 32 * 1024, maxOpenPacks: 2 })
    const blocks = Array.from({ length: 30 }, () => randomBlock(10_000))
    await store.putMany(blocks)
    expect((await packNames()).length).toBeGreaterThan(8)
    const before = await openFds()
    for (let round = 0; round < 3; round++) {
      const reads = await Promise.all(blocks.map(block => store.get(block.cid)))
      reads.forEach((bytes, i) => expect(sameBytes(bytes, blocks[i].bytes)).toBe(true))
    }
    // in-flight reads may briefly hold more; once idle, at most two are kept
    await waitFor(async () => (await openFds()) <= before + 2, { message: () => `at most ${before + 2} open descriptors` })
  })

  it('appends after the real end of a pack that a crash left garbage in', async () => {
    let store = await openStore()
    const first = randomBlock(1000)
    await store.put(first)
    await store.close()
    const [pack] = await packNames()
    await appendFile(join(dir.path, 'packs', pack), randomBytes(777))
    store = await openStore()
    const second = randomBlock(1000)
    await store.put(second)
    expect(sameBytes(await store.get(first.cid), first.bytes)).toBe(true)
    expect(sameBytes(await store.get(second.cid), second.bytes)).toBe(true)
    const results = await collect(store.verify())
    expect(results.every(r => r.ok)).toBe(true)
  })

  it('refuses an index with an unknown format version', async () => {
    const store = await openStore()
    await store.close()
    const db = new Level(join(dir.path, 'index'), { keyEncoding: 'view', valueEncoding: 'view' })
    await db.sublevel<string, string>('meta', { keyEncoding: 'utf8', valueEncoding: 'utf8' }).put('version', '99')
    await db.close()
    await expect(createBlockstore({ path: dir.path }).open()).rejects.toHaveProperty('name', 'RepoVersionError')
  })

  it('refuses a pack with an unknown format version', async () => {
    const store = await openStore()
    await store.close()
    const [pack] = await packNames()
    const file = await open(join(dir.path, 'packs', pack), 'r+')
    await file.write(Buffer.from([0, 0, 0, 9]), 0, 4, 8)
    await file.close()
    await expect(createBlockstore({ path: dir.path }).open()).rejects.toHaveProperty('name', 'RepoVersionError')
  })
})

describe('recent small blocks', () => {
  it('serve a small block read once from memory, never a big one, and forget a deleted one', async () => {
    const store = await openStore()
    const small = randomBlock(1024)
    const big = randomBlock(64 * 1024)
    await store.putMany([small, big])
    expect(sameBytes(await store.get(small.cid), small.bytes)).toBe(true)
    expect(sameBytes(await store.get(big.cid), big.bytes)).toBe(true)
    // the disk changes under both: only the big block is read from it again
    await flipByteOf(store, small)
    await flipByteOf(store, big)
    expect(sameBytes(await store.get(small.cid), small.bytes)).toBe(true)
    await expect(store.get(big.cid)).rejects.toHaveProperty('name', 'BlockCorruptError')
    await store.deleteMany([small.cid])
    await expect(store.get(small.cid)).rejects.toHaveProperty('name', 'BlockNotFoundError')
  })

  it('stay within their budget (first in, first out), and none are kept with a budget of 0', async () => {
    const store = await openStore({ recentBlocksBytes: 4096 })
    const blocks = Array.from({ length: 8 }, () => randomBlock(1024))
    await store.putMany(blocks)
    for (const block of blocks) await store.get(block.cid)
    await flipByteOf(store, blocks[0])
    await flipByteOf(store, blocks[7])
    await expect(store.get(blocks[0].cid)).rejects.toHaveProperty('name', 'BlockCorruptError')
    expect(sameBytes(await store.get(blocks[7].cid), blocks[7].bytes)).toBe(true)
    await store.close()

    const uncached = await openStore({ recentBlocksBytes: 0 })
    const block = randomBlock(100)
    await uncached.putMany([block])
    await uncached.get(block.cid)
    await flipByteOf(uncached, block)
    await expect(uncached.get(block.cid)).rejects.toHaveProperty('name', 'BlockCorruptError')
  })

  it('keep nothing read before a delete that came in between', () => {
    const recent = new RecentBlocks(1024, 512)
    const key = Uint8Array.of(0x12, 0x20, 1, 2, 3)
    const epoch = recent.epoch
    recent.delete(key)
    recent.add(key, new Uint8Array(10), epoch)
    expect(recent.get(key)).toBeUndefined()
    recent.add(key, new Uint8Array(10), recent.epoch)
    expect(recent.get(key)).toHaveLength(10)
  })
})

describe('corruption', () => {
  it('get throws BlockCorruptError naming the CID; verify reports only that block', async () => {
    const store = await openStore()
    const blocks = Array.from({ length: 8 }, () => randomBlock(4096))
    await store.putMany(blocks)
    await flipByteOf(store, blocks[3])
    const err = await store.get(blocks[3].cid).catch((e: unknown) => e)
    expect(err).toHaveProperty('name', 'BlockCorruptError')
    expect((err as Error).message).toContain(CID.createV1(0x55, blocks[3].cid.multihash).toString())
    expect(sameBytes(await store.get(blocks[4].cid), blocks[4].bytes)).toBe(true)
    const results = await collect(store.verify())
    expect(results).toHaveLength(8)
    const bad = results.filter(r => !r.ok)
    expect(bad.map(r => r.cid.toString())).toEqual([blocks[3].cid.toString()])
    expect(bad[0].error?.name).toBe('BlockCorruptError')
  })

  it('with hashOnRead off, serves a corrupt block as stored; verify still finds it', async () => {
    const store = await openStore({ hashOnRead: false })
    const blocks = [randomBlock(4096), randomBlock(300 * 1024)]
    await store.putMany(blocks)
    for (const block of blocks) await flipByteOf(store, block)
    for (const block of blocks) {
      const served = await store.get(block.cid)
      const middle = Math.floor(block.bytes.byteLength / 2)
      expect(served[middle]).toBe(block.bytes[middle] ^ 0x01)
      expect(sameBytes(served.subarray(0, middle), block.bytes.subarray(0, middle))).toBe(true)
    }
    const results = await collect(store.verify())
    expect(results.filter(r => !r.ok).map(r => r.error?.name)).toEqual(['BlockCorruptError', 'BlockCorruptError'])
  })

  it.each([true, false])('large blocks come back whole and a corrupt one is caught (hash worker: %s)', async (hashWorker) => {
    const store = await openStore({ hashWorker })
    const blocks = Array.from({ length: 24 }, () => randomBlock(256 * 1024))
    await store.putMany(blocks)
    await flipByteOf(store, blocks[20])
    // read concurrently, as the exporter does, so both the worker and the main thread hash
    const results = await Promise.allSettled(blocks.map(async block => await store.get(block.cid)))
    for (let i = 0; i < blocks.length; i++) {
      const result = results[i]
      if (i === 20) {
        expect(result.status).toBe('rejected')
        expect((result as PromiseRejectedResult).reason).toHaveProperty('name', 'BlockCorruptError')
      } else {
        expect(result.status).toBe('fulfilled')
        expect(sameBytes((result as PromiseFulfilledResult<Uint8Array>).value, blocks[i].bytes)).toBe(true)
      }
    }
    // and again, one at a time: whichever thread hashes a block, the answer is the same
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < blocks.length; i++) {
        const read = store.get(blocks[i].cid)
        if (i === 20) await expect(read).rejects.toHaveProperty('name', 'BlockCorruptError')
        else expect(sameBytes(await read, blocks[i].bytes)).toBe(true)
      }
    }
  })

  it('checks large reads on a worker thread only when asked to', async () => {
    const threads = async (): Promise<number> => (await readdir('/proc/self/task')).length
    const blocks = Array.from({ length: 24 }, () => randomBlock(256 * 1024))
    const readAll = async (store: PackBlockstore): Promise<void> => {
      for (let i = 0; i < blocks.length; i += 8) {
        await Promise.all(blocks.slice(i, i + 8).map(async block => { expect(sameBytes(await store.get(block.cid), block.bytes)).toBe(true) }))
      }
    }
    const inPlace = await openStore({ hashWorker: false })
    await inPlace.putMany(blocks)
    await readAll(inPlace) // libuv's pool has its threads now
    const before = await threads()
    await readAll(inPlace)
    expect(await threads()).toBe(before)
    await inPlace.close()

    const offThread = await openStore({ hashWorker: true })
    await readAll(offThread)
    await waitFor(async () => await threads() > before)
  })

  it('a truncated pack is reported as corrupt, not as missing', async () => {
    const store = await openStore()
    const block = randomBlock(4096)
    await store.put(block)
    const [pack] = await packNames()
    const file = await open(join(dir.path, 'packs', pack), 'r+')
    await file.truncate(100)
    await file.close()
    await expect(store.get(block.cid)).rejects.toHaveProperty('name', 'BlockCorruptError')
  })
})

describe('compact', () => {
  it('deletes packs without live blocks and rewrites sparse ones; everything live stays readable', async () => {
    const store = await openStore({ maxPackSize: 64 * 1024, compactStepSize: 20_000 })
    const blocks = Array.from({ length: 60 }, () => randomBlock(5_000))
    await store.putMany(blocks)
    const packsBefore = await packNames()
    expect(packsBefore.length).toBeGreaterThanOrEqual(5)
    // the first pack holds 13 blocks: drop blocks 0..15; of the rest keep every fourth
    const dead = blocks.filter((_, i) => i < 16 || i % 4 !== 0)
    const live = blocks.filter(b => !dead.includes(b))
    await store.deleteMany(dead.map(b => b.cid))
    const result = await store.compact()
    expect(result.packsDeleted).toBeGreaterThanOrEqual(1)
    expect(result.packsRewritten).toBeGreaterThanOrEqual(1)
    expect(result.bytesCopied).toBeGreaterThan(0)
    const total = async (): Promise<number> => {
      let sum = 0
      for (const name of await packNames()) sum += (await stat(join(dir.path, 'packs', name))).size
      return sum
    }
    expect(await total()).toBeLessThan(live.length * 5_100 + 3 * 64 * 1024)
    for (const block of live) expect(sameBytes(await store.get(block.cid), block.bytes)).toBe(true)
    await store.close()
    const reopened = await openStore()
    expect((await collect(reopened.verify())).filter(r => r.ok)).toHaveLength(live.length)
    await reopened.putMany([randomBlock(10)])
  })

  it('keeps serving reads and writes while it runs', async () => {
    const store = await openStore({ maxPackSize: 32 * 1024, compactStepSize: 8_000 })
    const blocks = Array.from({ length: 60 }, () => randomBlock(3_000))
    await store.putMany(blocks)
    const live = blocks.filter((_, i) => i % 3 === 0)
    await store.deleteMany(blocks.filter((_, i) => i % 3 !== 0).map(b => b.cid))
    let stop = false
    const written: Block[] = []
    const readers = (async () => {
      let rounds = 0
      while (!stop || rounds === 0) {
        for (const block of live) expect(sameBytes(await store.get(block.cid), block.bytes)).toBe(true)
        const block = randomBlock(2_000)
        await store.put(block)
        written.push(block)
        rounds++
      }
      return rounds
    })()
    const result = await store.compact()
    stop = true
    expect(await readers).toBeGreaterThan(0)
    expect(result.packsRewritten + result.packsDeleted).toBeGreaterThan(0)
    for (const block of [...live, ...written]) expect(sameBytes(await store.get(block.cid), block.bytes)).toBe(true)
  })

  it('leaves a sparse pack with a corrupt live block in place', async () => {
    const store = await openStore({ maxPackSize: 32 * 1024 })
    const blocks = Array.from({ length: 20 }, () => randomBlock(5_000))
    await store.putMany(blocks)
    await store.deleteMany(blocks.slice(1, 6).map(b => b.cid))
    const [first] = await packNames()
    const path = join(dir.path, 'packs', first)
    const data = await readFile(path)
    data[data.indexOf(Buffer.from(blocks[0].bytes)) + 10] ^= 0xff
    await writeFile(path, data)
    const result = await store.compact()
    expect(result.packsSkipped).toBe(1)
    expect(await packNames()).toContain(first)
    await expect(store.get(blocks[0].cid)).rejects.toHaveProperty('name', 'BlockCorruptError')
  })
})

import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { Level } from 'level'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  DEFAULT_GC_DELETE_BATCH, DEFAULT_GC_REPORT_BUFFER, DEFAULT_WALK_CONCURRENCY, createBlockstore, createGc, createLeases, createPins,
  resolveGcInit
} from '../../blockstore/index.ts'
import type { Block, GarbageCollector, Leases, PackBlockstore, Pins } from '../../blockstore/index.ts'
import { collect, dagPbNode, randomBlock, smallDag, tempDir } from './helpers.ts'
import { waitFor } from '../helpers/wait.ts'

let dir: { path: string, remove: () => Promise<void> }
let store: PackBlockstore
let datastore: Level<Uint8Array, Uint8Array>
let pins: Pins
let leases: Leases
let gc: GarbageCollector

beforeEach(async () => {
  dir = await tempDir()
  store = createBlockstore({ path: join(dir.path, 'blocks') }, { maxPackSize: 64 * 1024 })
  await store.open()
  datastore = new Level(join(dir.path, 'pins'), { keyEncoding: 'view', valueEncoding: 'view' })
  pins = createPins({ blockstore: store, datastore })
  leases = createLeases()
  gc = createGc({ blockstore: store, pins, leases })
})

afterEach(async () => {
  await store.close()
  await datastore.close()
  await dir.remove()
})

async function packBytes (): Promise<number> {
  const packs = join(dir.path, 'blocks', 'packs')
  let total = 0
  for (const name of await readdir(packs)) total += (await stat(join(packs, name))).size
  return total
}

function keys (blocks: Block[]): string[] {
  return blocks.map(b => b.cid.multihash.bytes.toString()).sort()
}

async function present (blocks: Block[]): Promise<boolean> {
  for (const block of blocks) if (!(await store.has(block.cid))) return false
  return true
}

describe('resolveGcInit', () => {
  it('applies the defaults and refuses nonsense', () => {
    expect(resolveGcInit()).toEqual({ walkConcurrency: DEFAULT_WALK_CONCURRENCY, deleteBatch: DEFAULT_GC_DELETE_BATCH, reportBuffer: DEFAULT_GC_REPORT_BUFFER })
    expect(() => resolveGcInit({ deleteBatch: 0 })).toThrow(RangeError)
  })
})

describe('gc', () => {
  it('removes exactly the blocks no pin reaches, yields them, and compacts the packs', async () => {
    const kept = smallDag(6, 4000)
    const deep = smallDag(3, 4000)
    const top = dagPbNode([deep.root.cid])
    const direct = randomBlock(3000)
    const underDirect = smallDag(2, 3000)
    const garbage = Array.from({ length: 40 }, () => randomBlock(3000))
    // interleave, so packs end up partly live
    await store.putMany([...garbage.slice(0, 20), ...kept.blocks, ...garbage.slice(20), ...deep.blocks, top, direct, ...underDirect.blocks])
    await pins.add(kept.root.cid.toV0())
    await pins.add(top.cid)
    await pins.add(direct.cid, { recursive: false })
    await pins.add(underDirect.root.cid, { recursive: false })
    const before = await packBytes()

    const removed = await collect(gc.collect({ signal: AbortSignal.timeout(30_000) }))
    const garbageAll = [...garbage, ...underDirect.blocks.filter(b => b !== underDirect.root)]
    expect(removed.map(cid => cid.multihash.bytes.toString()).sort()).toEqual(keys(garbageAll))
    expect(removed.every(cid => cid.version === 1 && cid.code === 0x55)).toBe(true)
    expect(await present([...kept.blocks, ...deep.blocks, top, direct, underDirect.root])).toBe(true)
    for (const block of garbageAll) expect(await store.has(block.cid)).toBe(false)
    expect(await packBytes()).toBeLessThan(before - 60_000)
    expect((await collect(store.verify())).every(r => r.ok)).toBe(true)
    expect(await collect(gc.collect())).toEqual([])
  })

  it('never removes the blocks of a running add that holds a lease', async () => {
    const garbage = Array.from({ length: 20 }, () => randomBlock(2000))
    await store.putMany(garbage)
    const written: Block[] = []
    let gcRun: Promise<string[]> | undefined
    const lease = await leases.acquire()
    try {
      for (let batch = 0; batch < 6; batch++) {
        const blocks = Array.from({ length: 8 }, () => randomBlock(2000))
        await store.putMany(blocks)
        written.push(...blocks)
        if (batch === 1) {
          gcRun = collect(gc.collect()).then(cids => cids.map(cid => cid.multihash.bytes.toString()))
        }
        if (batch >= 1) {
          // GC is waiting for the lease, not running
          await new Promise(resolve => setImmediate(resolve))
          expect(leases.exclusiveHeld).toBe(false)
          expect(await present(garbage)).toBe(true)
        }
      }
      const root = dagPbNode(written.map(b => b.cid))
      await store.put(root)
      written.push(root)
      await pins.add(root.cid)
    } finally {
      lease.release()
    }
    expect((await gcRun)?.sort()).toEqual(keys(garbage))
    expect(await present(written)).toBe(true)
    expect(await pins.isPinned(written[written.length - 1].cid)).toBe(true)
    expect(await pins.isPinned(written[0].cid)).toBe(true)
  })

  it('holds new leases back until its mark and sweep are done, not until its reader is', async () => {
    const garbage = Array.from({ length: 30 }, () => randomBlock(100))
    await store.putMany(garbage)
    const blocker = await leases.acquire()
    const run = gc.collect({ skipCompaction: true })
    const first = run.next()
    // GC queues for the exclusive lease behind the running writer; new writers queue behind GC
    await waitFor(() => !leases.exclusiveHeld && leases.shared === 1)
    let granted = false
    const waiting = leases.acquire().then(lease => { granted = true; return lease })
    blocker.release()
    expect((await first).done).toBe(false)
    // the reader has taken one CID and reads no more: the lease goes once the sweep is done
    const lease = await waiting
    expect(granted).toBe(true)
    expect(leases.exclusiveHeld).toBe(false)
    lease.release()
    const rest = await collect({ [Symbol.asyncIterator]: () => run })
    expect(rest).toHaveLength(29)
  })

  it('never waits on a reader that stops reading: removed CIDs past its buffer are counted', async () => {
    const small = createGc({ blockstore: store, pins, leases }, { deleteBatch: 16, reportBuffer: 40 })
    const garbage = Array.from({ length: 200 }, () => randomBlock(50))
    await store.putMany(garbage)
    const run = small.collect()
    expect((await run.next()).done).toBe(false)
    // the reader stalls here; GC finishes its sweep regardless and lets a writer in
    const lease = await leases.acquire({ signal: AbortSignal.timeout(10_000) })
    lease.release()
    for (const block of garbage) expect(await store.has(block.cid)).toBe(false)
    const reported = [undefined]
    let step = await run.next()
    while (step.done !== true) {
      reported.push(undefined)
      step = await run.next()
    }
    expect(step.value).toEqual({ removed: 200, unreported: 200 - reported.length })
    expect(reported.length).toBeGreaterThanOrEqual(40)
    expect(reported.length).toBeLessThan(200)
  })

  it('releases the exclusive lease when the caller stops early', async () => {
    await store.putMany(Array.from({ length: 5 }, () => randomBlock(100)))
    const run = gc.collect()
    expect((await run.next()).done).toBe(false)
    await run.return({ removed: 0, unreported: 0 })
    await waitFor(() => !leases.exclusiveHeld)
    ;(await leases.acquire()).release()
  })

  it('aborts without removing anything when a pinned block with links is missing', async () => {
    const inner = smallDag(2, 100)
    const top = dagPbNode([inner.root.cid])
    const garbage = Array.from({ length: 5 }, () => randomBlock(100))
    await store.putMany([...inner.blocks, top, ...garbage])
    await pins.add(top.cid)
    await store.deleteMany([inner.root.cid])
    const err = await collect(gc.collect()).catch((e: unknown) => e)
    expect(err).toHaveProperty('name', 'IncompleteDAGError')
    expect((err as Error).message).toContain(inner.root.cid.toString())
    expect(await present([...garbage, ...inner.blocks.slice(0, 2)])).toBe(true)
    expect(leases.exclusiveHeld).toBe(false)
  })
})

describe('gc extra roots (the MFS root)', () => {
  it('keeps what extra roots reach, as far as it is present, and removes the rest', async () => {
    const kept = smallDag(3, 500)
    const absent = randomBlock(100)
    // a root linking to a block that is not in the store (a lazy MFS copy)
    const root = dagPbNode([kept.root.cid, absent.cid])
    const garbage = smallDag(2, 500)
    await store.putMany([...kept.blocks, root, ...garbage.blocks])
    const withRoots = createGc({ blockstore: store, pins, leases, extraRoots: async () => [root.cid] })
    const removed = await collect(withRoots.collect())
    expect(removed.map(c => c.multihash.bytes.toString()).sort()).toEqual(keys(garbage.blocks))
    expect(await present([...kept.blocks, root])).toBe(true)
  })
})

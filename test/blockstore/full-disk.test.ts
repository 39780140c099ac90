/**
 * A full disk is an error, not a wedged repo (issue 10 §4). ENOSPC is injected at each write step
 * of a `putMany`, as the crash tests inject kill points: the put fails with `NoSpaceError` naming
 * the repo, its bytes are rolled back, reads, pins and GC keep working with the disk still "full",
 * and the store opens again afterwards.
 */
import { appendFile, readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { Level } from 'level'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createBlockstore, createGc, createLeases, createPins } from '../../blockstore/index.ts'
import type { BlockstoreStep, PackBlockstore, Pins } from '../../blockstore/index.ts'
import { collect, randomBlock, smallDag, tempDir } from './helpers.ts'

const MAX_PACK = 64 * 1024

let dir: { path: string, remove: () => Promise<void> }

beforeEach(async () => { dir = await tempDir('cairn-full-disk-') })
afterEach(async () => { await dir.remove() })

/** The fault: once armed, every `step` after the first `skip` ones fails as a full disk does. */
interface Fault {
  step?: BlockstoreStep
  skip: number
  /** bytes the failing write leaves in the newest pack first (a write cut short) */
  partial: number
  hits: number
}

function enospc (): NodeJS.ErrnoException {
  const err = new Error('ENOSPC: no space left on device, write') as NodeJS.ErrnoException
  err.code = 'ENOSPC'
  return err
}

async function packs (): Promise<Map<string, number>> {
  const folder = join(dir.path, 'blocks', 'packs')
  const sizes = new Map<string, number>()
  for (const name of (await readdir(folder)).sort()) sizes.set(name, (await stat(join(folder, name))).size)
  return sizes
}

async function open (fault: Fault): Promise<{ store: PackBlockstore, pins: Pins, datastore: Level<Uint8Array, Uint8Array>, close: () => Promise<void> }> {
  const store = createBlockstore({ path: join(dir.path, 'blocks') }, {
    maxPackSize: MAX_PACK,
    onStep: async (step) => {
      if (step !== fault.step) return
      if (fault.skip > 0) {
        fault.skip--
        return
      }
      fault.hits++
      if (fault.partial > 0) {
        const newest = [...(await packs()).keys()].pop() as string
        await appendFile(join(dir.path, 'blocks', 'packs', newest), Buffer.alloc(fault.partial, 0xee))
      }
      // LevelDB reports a full disk in its message, without an errno code
      if (step === 'index:write') throw new Error('IO error: /repo/blocks/index/000005.log: No space left on device')
      throw enospc()
    }
  })
  await store.open()
  const datastore = new Level<Uint8Array, Uint8Array>(join(dir.path, 'pins'), { keyEncoding: 'view', valueEncoding: 'view' })
  const pins = createPins({ blockstore: store, datastore })
  return { store, pins, datastore, close: async () => { await store.close(); await datastore.close() } }
}

const CASES: Array<{ step: BlockstoreStep, skip: number, partial: number, what: string }> = [
  { step: 'pack:write', skip: 0, partial: 0, what: 'the first write of the batch' },
  { step: 'pack:write', skip: 0, partial: 3000, what: 'a write cut short, leaving part of it on disk' },
  { step: 'pack:write', skip: 1, partial: 500, what: 'a write after the batch rolled over to a new pack' },
  { step: 'pack:sync', skip: 0, partial: 0, what: 'the sync of the written bytes' },
  { step: 'pack:create', skip: 0, partial: 0, what: 'the creation of the next pack' },
  { step: 'index:write', skip: 0, partial: 0, what: 'the index batch (LevelDB)' }
]

describe('ENOSPC at each write step of putMany', () => {
  for (const { step, skip, partial, what } of CASES) {
    it(`${step}${skip > 0 ? ` (#${skip + 1})` : ''}: ${what}`, async () => {
      const fault: Fault = { skip: 0, partial: 0, hits: 0 }
      let node = await open(fault)
      const kept = smallDag(8, 6000)
      await node.store.putMany(kept.blocks)
      await node.pins.add(kept.root.cid)
      const before = await packs()

      // a batch larger than a pack, so it rolls over, written onto a "full" disk
      const failed = Array.from({ length: 40 }, () => randomBlock(4000))
      Object.assign(fault, { step, skip, partial })
      const err = await node.store.putMany(failed).catch((e: unknown) => e)
      expect(fault.hits).toBe(1)
      expect(err).toMatchObject({ name: 'NoSpaceError', message: expect.stringContaining('no space left') })
      expect((err as Error).message).toContain(dir.path)
      // rolled back: the packs are as they were, and nothing of the batch is visible
      expect(await packs()).toEqual(before)
      for (const block of failed) expect(await node.store.has(block.cid)).toBe(false)

      // the disk stays full: reads, pin ls and gc still work
      Object.assign(fault, { skip: 0, partial: 0 })
      for (const block of kept.blocks) expect(await node.store.get(block.cid)).toEqual(block.bytes)
      expect((await collect(node.pins.ls())).map(pin => pin.cid.toString())).toContain(kept.root.cid.toString())
      if (step === 'pack:write' || step === 'pack:sync') {
        // every later write is refused the same way, and rolled back the same way
        await expect(node.store.putMany([randomBlock(100)])).rejects.toMatchObject({ name: 'NoSpaceError' })
        expect(await packs()).toEqual(before)
      }
      await collect(createGc({ blockstore: node.store, pins: node.pins, leases: createLeases() }).collect())
      expect((await collect(node.store.verify())).every(result => result.ok)).toBe(true)
      await node.close()

      // after a restart (space freed) the repo opens, verifies, and takes writes again
      fault.step = undefined
      node = await open(fault)
      expect((await collect(node.store.verify())).filter(result => !result.ok)).toEqual([])
      expect((await collect(node.pins.verify())).every(result => result.ok)).toBe(true)
      const later = Array.from({ length: 40 }, () => randomBlock(4000))
      await node.store.putMany(later)
      for (const block of later) expect(await node.store.get(block.cid)).toEqual(block.bytes)
      await node.close()
    })
  }
})

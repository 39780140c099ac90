/**
 * Compaction (blockstore/compaction.ts) reclaims the pack being written too: a repo whose data fits
 * in one pack used to get no space back from GC at all.
 */
import { appendFile, readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createBlockstore } from '../../blockstore/index.ts'
import type { PackBlockstore } from '../../blockstore/index.ts'
import { collect, randomBlock, tempDir } from './helpers.ts'

let dir: { path: string, remove: () => Promise<void> }
let store: PackBlockstore

beforeEach(async () => {
  dir = await tempDir('cairn-compaction-')
  // one pack holds everything these tests write
  store = createBlockstore({ path: join(dir.path, 'blocks') }, { maxPackSize: 64 * 1024 * 1024 })
  await store.open()
})

afterEach(async () => {
  await store.close()
  await dir.remove()
})

async function packs (): Promise<{ names: string[], bytes: number }> {
  const folder = join(dir.path, 'blocks', 'packs')
  const names = (await readdir(folder)).sort()
  let bytes = 0
  for (const name of names) bytes += (await stat(join(folder, name))).size
  return { names, bytes }
}

describe('compact()', () => {
  it('reclaims removed blocks from the pack being written', async () => {
    const kept = Array.from({ length: 4 }, () => randomBlock(10_000))
    const garbage = Array.from({ length: 40 }, () => randomBlock(50_000))
    await store.putMany([...kept, ...garbage])
    expect((await packs()).names).toEqual(['000001.pack'])
    await store.deleteMany(garbage.map(block => block.cid))
    const result = await store.compact()
    expect(result.packsRewritten).toBe(1)
    const after = await packs()
    expect(after.names).toEqual(['000002.pack'])
    expect(after.bytes).toBeLessThan(50_000)
    for (const block of kept) expect(await store.get(block.cid)).toEqual(block.bytes)
    // writes go on in the new pack
    const later = randomBlock(1000)
    await store.put(later)
    expect(await store.get(later.cid)).toEqual(later.bytes)
  })

  it('deletes the pack being written when all of it is garbage, bytes past the last record included', async () => {
    const garbage = Array.from({ length: 20 }, () => randomBlock(50_000))
    await store.putMany(garbage)
    // what a kill -9 mid-batch leaves: bytes after the last indexed record
    await appendFile(join(dir.path, 'blocks', 'packs', '000001.pack'), Buffer.alloc(300_000, 1))
    await store.close()
    await store.open()
    await store.deleteMany(garbage.map(block => block.cid))
    const result = await store.compact()
    expect(result.packsDeleted).toBe(1)
    expect((await packs()).bytes).toBeLessThan(100)
    expect(await collect(store.multihashes())).toEqual([])
  })

  it('leaves an empty or mostly live pack being written alone, so frequent GCs do not multiply packs', async () => {
    await store.compact()
    expect((await packs()).names).toEqual(['000001.pack'])
    const blocks = Array.from({ length: 10 }, () => randomBlock(20_000))
    await store.putMany(blocks)
    await store.deleteMany([blocks[0].cid])
    await store.compact()
    await store.compact()
    expect((await packs()).names).toEqual(['000001.pack'])
  })
})

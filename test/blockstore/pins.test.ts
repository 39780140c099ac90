import { readFile, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import * as dagCbor from '@ipld/dag-cbor'
import * as dagJson from '@ipld/dag-json'
import { Level } from 'level'
import { CID } from 'multiformats/cid'
import { identity } from 'multiformats/hashes/identity'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createBlockstore, createPins, resolvePinsInit, DEFAULT_WALK_CONCURRENCY } from '../../blockstore/index.ts'
import type { Block, BlockGetter, PackBlockstore, Pins } from '../../blockstore/index.ts'
import { blockOf, collect, dagPbNode, randomBlock, smallDag, tempDir } from './helpers.ts'

let dir: { path: string, remove: () => Promise<void> }
let store: PackBlockstore
let datastore: Level<Uint8Array, Uint8Array>
let pins: Pins

beforeEach(async () => {
  dir = await tempDir()
  store = createBlockstore({ path: join(dir.path, 'blocks') })
  await store.open()
  datastore = new Level(join(dir.path, 'pins'), { keyEncoding: 'view', valueEncoding: 'view' })
  await datastore.open()
  pins = createPins({ blockstore: store, datastore })
})

afterEach(async () => {
  await store.close()
  await datastore.close()
  await dir.remove()
})

/** Pins, statuses and results with their CIDs as strings, for comparing. */
function plain (value: unknown): unknown {
  // the replacer sees toJSON's output; `this[key]` is still the CID
  return JSON.parse(JSON.stringify(value, function (this: Record<string, unknown>, key, v: unknown) {
    const cid = CID.asCID(this[key])
    return cid == null ? v : cid.toString()
  }))
}

/** root (dag-pb) → [leaf, mid (dag-cbor) → [leaf2, json (dag-json) → [leaf3]]] */
function mixedDag (): { root: Block, blocks: Block[], leaves: Block[] } {
  const leaves = [randomBlock(100), randomBlock(200), randomBlock(300)]
  const json = blockOf(dagJson.encode({ next: leaves[2].cid, note: 'x' }), dagJson.code)
  const inline = CID.createV1(dagCbor.code, identity.digest(dagCbor.encode({ inline: true })))
  const mid = blockOf(dagCbor.encode({ list: [leaves[1].cid, { deeper: json.cid }], inline }), dagCbor.code)
  const root = dagPbNode([leaves[0].cid, mid.cid])
  return { root, blocks: [...leaves, json, mid, root], leaves }
}

describe('resolvePinsInit', () => {
  it('applies the default and refuses nonsense', () => {
    expect(resolvePinsInit()).toEqual({ walkConcurrency: DEFAULT_WALK_CONCURRENCY })
    expect(() => resolvePinsInit({ walkConcurrency: 0 })).toThrow(RangeError)
  })
})

describe('pins', () => {
  it('pins a dag-pb/dag-cbor/dag-json DAG recursively and lists its blocks as indirect', async () => {
    const dag = mixedDag()
    await store.putMany(dag.blocks)
    const pin = await pins.add(dag.root.cid, { name: 'docs' })
    expect(plain(pin)).toEqual({ cid: dag.root.cid.toString(), type: 'recursive', name: 'docs' })
    expect(plain(await collect(pins.ls({ type: 'recursive' })))).toEqual([plain(pin)])
    const indirect = (await collect(pins.ls({ type: 'indirect' }))).map(p => p.cid.toString()).sort()
    const expected = dag.blocks.filter(b => b !== dag.root).map(b => b.cid.toString())
    expected.push(CID.createV1(dagCbor.code, identity.digest(dagCbor.encode({ inline: true }))).toString())
    expect(indirect).toEqual(expected.sort())
    expect(plain(await pins.status(dag.leaves[2].cid))).toEqual({ type: 'indirect', via: dag.root.cid.toString() })
    expect(await pins.isPinned(dag.leaves[2].cid)).toBe(true)
    expect(await pins.isPinned(randomBlock(5).cid)).toBe(false)
  })

  it('refuses to pin an incomplete DAG, naming the missing block, and records nothing', async () => {
    const dag = mixedDag()
    const missing = dag.leaves[2]
    await store.putMany(dag.blocks.filter(b => b !== missing))
    const err = await pins.add(dag.root.cid).catch((e: unknown) => e)
    expect(err).toHaveProperty('name', 'IncompleteDAGError')
    expect((err as Error).message).toContain(missing.cid.toString())
    expect(await collect(pins.ls())).toEqual([])
    await store.put(missing)
    await pins.add(dag.root.cid)
    expect(await pins.isPinned(dag.root.cid)).toBe(true)
  })

  it('skips the walk for a DAG the caller vouches is complete', async () => {
    const dag = smallDag(3, 10)
    await store.put(dag.root)
    await expect(pins.add(dag.root.cid)).rejects.toHaveProperty('name', 'IncompleteDAGError')
    await pins.add(dag.root.cid, { complete: true })
    expect(await pins.isPinned(dag.root.cid)).toBe(true)
  })

  it('fetches missing blocks through the getter', async () => {
    const dag = smallDag(5, 1000)
    const remote = new Map(dag.blocks.map(b => [b.cid.toString(), b]))
    const fetched: string[] = []
    const getter: BlockGetter = {
      async get (cid) {
        const block = remote.get(cid.toString())
        if (block == null) throw Object.assign(new Error('nope'), { name: 'BlockNotFoundError' })
        fetched.push(cid.toString())
        await store.put(block)
        return block.bytes
      }
    }
    const networked = createPins({ blockstore: store, datastore, getter })
    await store.put(dag.blocks[0])
    let progress = 0
    await networked.add(dag.root.cid, { onProgress: n => { progress = n } })
    expect(fetched).toHaveLength(dag.blocks.length - 1)
    expect(fetched).not.toContain(dag.blocks[0].cid.toString())
    expect(progress).toBe(dag.blocks.length)
    for (const block of dag.blocks) expect(await store.has(block.cid)).toBe(true)
  })

  it('pins directly, converts direct to recursive, and refuses direct over recursive', async () => {
    const dag = smallDag(2, 10)
    await store.putMany(dag.blocks)
    await expect(pins.add(randomBlock(3).cid, { recursive: false })).rejects.toHaveProperty('name', 'IncompleteDAGError')
    await pins.add(dag.root.cid, { recursive: false })
    expect(await pins.status(dag.root.cid)).toEqual({ type: 'direct' })
    expect(await pins.isPinned(dag.blocks[0].cid)).toBe(false)
    await pins.add(dag.root.cid)
    expect(await pins.status(dag.root.cid)).toEqual({ type: 'recursive' })
    expect(await collect(pins.ls({ type: 'direct' }))).toEqual([])
    await expect(pins.add(dag.root.cid, { recursive: false })).rejects.toHaveProperty('name', 'InvalidArgumentError')
  })

  it('treats CIDv0 and CIDv1 of one node as one pin, keeping the CID as given', async () => {
    const dag = smallDag(2, 10)
    await store.putMany(dag.blocks)
    const v0 = dag.root.cid.toV0()
    await pins.add(v0)
    expect((await collect(pins.ls()))[0].cid.toString()).toBe(v0.toString())
    expect(await pins.status(dag.root.cid)).toEqual({ type: 'recursive' })
    // a raw CID of the same multihash is another node (no links): not pinned, though GC keeps its bytes
    expect(await pins.isPinned(CID.createV1(0x55, dag.root.cid.multihash))).toBe(false)
    await pins.rm(dag.root.cid)
    expect(await collect(pins.ls())).toEqual([])
  })

  it('rm: not pinned, pinned indirectly under a root, and recursive=false on a recursive pin', async () => {
    const dag = smallDag(3, 10)
    await store.putMany(dag.blocks)
    await pins.add(dag.root.cid)
    const notPinned = await pins.rm(randomBlock(4).cid).catch((e: unknown) => e)
    expect(notPinned).toHaveProperty('name', 'NotPinnedError')
    expect((notPinned as Error).message).toMatch(/is not pinned/)
    const indirect = await pins.rm(dag.blocks[1].cid).catch((e: unknown) => e)
    expect(indirect).toHaveProperty('name', 'NotPinnedError')
    expect((indirect as Error).message).toBe(`${dag.blocks[1].cid} is pinned indirectly under ${dag.root.cid}`)
    await expect(pins.rm(dag.root.cid, { recursive: false })).rejects.toHaveProperty('name', 'InvalidArgumentError')
    expect(plain(await pins.rm(dag.root.cid))).toEqual({ cid: dag.root.cid.toString(), type: 'recursive' })
    expect(await pins.isPinned(dag.blocks[1].cid)).toBe(false)
  })

  it('lists all pins: recursive, direct, then indirect, each once', async () => {
    const a = smallDag(2, 10)
    const b = smallDag(2, 10)
    const shared = randomBlock(10)
    const c = dagPbNode([shared.cid, a.root.cid])
    const lone = randomBlock(20)
    await store.putMany([...a.blocks, ...b.blocks, shared, c, lone])
    await pins.add(c.cid)
    await pins.add(a.root.cid)
    await pins.add(lone.cid, { recursive: false })
    await pins.add(b.blocks[0].cid, { recursive: false })
    await pins.add(b.root.cid)
    const all = await collect(pins.ls())
    const types = all.map(p => p.type)
    expect(types.slice(0, 3)).toEqual(['recursive', 'recursive', 'recursive'])
    expect(types.slice(3, 5)).toEqual(['direct', 'direct'])
    const indirect = all.filter(p => p.type === 'indirect').map(p => p.cid.toString()).sort()
    // b.blocks[0] is direct and b's root is recursive: neither repeats as indirect
    expect(indirect).toEqual([...a.blocks.slice(0, 2), ...b.blocks.slice(1, 2), shared].map(x => x.cid.toString()).sort())
  })

  it('verify reports missing and corrupt blocks per pin', async () => {
    const good = smallDag(3, 100)
    const bad = smallDag(3, 100)
    const direct = randomBlock(50)
    await store.putMany([...good.blocks, ...bad.blocks, direct])
    await pins.add(good.root.cid)
    await pins.add(bad.root.cid)
    await pins.add(direct.cid, { recursive: false })
    await store.deleteMany([bad.blocks[1].cid, direct.cid])
    const rotten = smallDag(2, 100)
    await store.putMany(rotten.blocks)
    await pins.add(rotten.root.cid)
    const packs = join(dir.path, 'blocks', 'packs')
    for (const name of await readdir(packs)) {
      const data = await readFile(join(packs, name))
      const at = data.indexOf(Buffer.from(rotten.blocks[0].bytes))
      if (at === -1) continue
      data[at] ^= 0x80
      await writeFile(join(packs, name), data)
    }
    const results = await collect(pins.verify())
    const rottenResult = results.find(r => r.cid.equals(rotten.root.cid))
    expect(rottenResult?.ok).toBe(false)
    expect(rottenResult?.badNodes.map(n => n.cid.toString())).toEqual([rotten.blocks[0].cid.toString()])
    expect(rottenResult?.badNodes[0].error).toMatch(/corrupt/)
    const byCid = new Map(results.map(r => [r.cid.toString(), r]))
    expect(plain(byCid.get(good.root.cid.toString()))).toEqual({ cid: good.root.cid.toString(), ok: true, badNodes: [] })
    const broken = byCid.get(bad.root.cid.toString())
    expect(broken?.ok).toBe(false)
    expect(broken?.badNodes.map(n => n.cid.toString())).toEqual([bad.blocks[1].cid.toString()])
    expect(broken?.badNodes[0].error).toMatch(/not in the blockstore/)
    expect(byCid.get(direct.cid.toString())?.ok).toBe(false)
  })

  it('refuses pins written in an unknown format version', async () => {
    await datastore.sublevel<string, string>('meta', { keyEncoding: 'utf8', valueEncoding: 'utf8' }).put('version', '7')
    await expect(collect(pins.ls())).rejects.toHaveProperty('name', 'RepoVersionError')
  })

  it('keeps pins across reopening the datastore, in a sublevel', async () => {
    const dag = smallDag(2, 10)
    await store.putMany(dag.blocks)
    const sub = datastore.sublevel('pins', { keyEncoding: 'view', valueEncoding: 'view' })
    await createPins({ blockstore: store, datastore: sub }).add(dag.root.cid, { name: 'n' })
    await datastore.close()
    datastore = new Level(join(dir.path, 'pins'), { keyEncoding: 'view', valueEncoding: 'view' })
    const again = createPins({ blockstore: store, datastore: datastore.sublevel('pins', { keyEncoding: 'view', valueEncoding: 'view' }) })
    expect(plain(await collect(again.ls()))).toEqual([
      { cid: dag.root.cid.toString(), type: 'recursive', name: 'n' },
      ...dag.blocks.slice(0, 2).map(b => ({ cid: b.cid.toString(), type: 'indirect' }))
    ])
  })
})

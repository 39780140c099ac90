import * as dagPb from '@ipld/dag-pb'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { identity } from 'multiformats/hashes/identity'
import { sha256 } from 'multiformats/hashes/sha2'
import { beforeAll, describe, expect, it } from 'vitest'
import type { Block, BlockGetter } from '../../blockstore/types.ts'
import { dagStat, missingBlocks, refs, walkDag } from '../../dag/dag-walk.ts'
import type { RefsOptions } from '../../dag/dag-walk.ts'

class MapGetter implements BlockGetter {
  readonly blocks = new Map<string, Uint8Array>()
  readonly asked: string[] = []

  async get (cid: CID): Promise<Uint8Array> {
    this.asked.push(cid.toString())
    const bytes = this.blocks.get(cid.toString())
    if (bytes == null) throw Object.assign(new Error(`block ${cid.toString()} not found`), { name: 'BlockNotFoundError' })
    return bytes
  }

  add (block: Block): CID {
    this.blocks.set(block.cid.toString(), block.bytes)
    return block.cid
  }
}

async function leaf (text: string): Promise<Block> {
  const bytes = new TextEncoder().encode(text)
  return { cid: CID.createV1(raw.code, await sha256.digest(bytes)), bytes }
}

async function node (links: Array<[string, CID]>): Promise<Block> {
  const bytes = dagPb.encode({ Links: links.map(([Name, Hash]) => ({ Name, Hash, Tsize: 1 })) })
  return { cid: CID.createV1(dagPb.code, await sha256.digest(bytes)), bytes }
}

/*
 * R ─a→ A ─x→ L1        R2 ─b→ B
 *   ─b→ B ─p→ L2           ─d→ D
 *         ─q→ D ─z→ L1
 *   ─c→ A     A ─y→ L2
 */
const store = new MapGetter()
const blocks: Record<string, Block> = {}
const name = new Map<string, string>()
const names = (cids: CID[]): string[] => cids.map(c => name.get(c.toString()) ?? c.toString())

beforeAll(async () => {
  blocks.L1 = await leaf('leaf one')
  blocks.L2 = await leaf('leaf two, a little longer')
  blocks.A = await node([['x', blocks.L1.cid], ['y', blocks.L2.cid]])
  blocks.D = await node([['z', blocks.L1.cid]])
  blocks.B = await node([['p', blocks.L2.cid], ['q', blocks.D.cid]])
  blocks.R = await node([['a', blocks.A.cid], ['b', blocks.B.cid], ['c', blocks.A.cid]])
  blocks.R2 = await node([['b', blocks.B.cid], ['d', blocks.D.cid]])
  for (const [key, block] of Object.entries(blocks)) {
    store.add(block)
    name.set(block.cid.toString(), key)
  }
})

describe('walkDag', () => {
  it('yields each block once in DFS pre-order, links in order', async () => {
    const order = []
    for await (const block of walkDag([blocks.R.cid], store)) order.push(block.cid)
    expect(names(order)).toEqual(['R', 'A', 'L1', 'L2', 'B', 'D'])
  })

  it('answers identity links from the CID without asking the getter', async () => {
    const inline = CID.createV1(raw.code, identity.digest(new TextEncoder().encode('tiny')))
    const parent = await node([['i', inline], ['l', blocks.L1.cid]])
    const getter = new MapGetter()
    getter.add(parent)
    getter.add(blocks.L1)
    const seen = []
    for await (const block of walkDag([parent.cid], getter)) seen.push(block)
    expect(seen.map(b => b.cid.toString())).toEqual([parent.cid, inline, blocks.L1.cid].map(String))
    expect(new TextDecoder().decode(seen[1].bytes)).toBe('tiny')
    expect(getter.asked).not.toContain(inline.toString())
  })
})

describe('refs', () => {
  async function run (roots: CID | CID[], options: RefsOptions = {}): Promise<string[]> {
    const out = []
    for await (const edge of refs(roots, store, options)) out.push(edge.cid)
    return names(out)
  }

  it('prints the direct links by default, duplicates included', async () => {
    expect(await run(blocks.R.cid)).toEqual(['A', 'B', 'A'])
    expect(await run(blocks.R.cid, { unique: true })).toEqual(['A', 'B'])
  })

  it('walks recursively in Kubo order (-r), with --unique pruning', async () => {
    expect(await run(blocks.R.cid, { recursive: true })).toEqual(['A', 'L1', 'L2', 'B', 'L2', 'D', 'L1', 'A', 'L1', 'L2'])
    expect(await run(blocks.R.cid, { recursive: true, unique: true })).toEqual(['A', 'L1', 'L2', 'B', 'D'])
  })

  it('limits depth with --max-depth, re-exploring a CID met again higher up', async () => {
    expect(await run(blocks.R.cid, { recursive: true, maxDepth: 2 })).toEqual(['A', 'L1', 'L2', 'B', 'L2', 'D', 'A', 'L1', 'L2'])
    expect(await run(blocks.R.cid, { recursive: true, maxDepth: 0 })).toEqual([])
    // D is first met at depth 2 (not explored), then at depth 1: explored then, printed once
    expect(await run(blocks.R2.cid, { recursive: true, unique: true, maxDepth: 2 })).toEqual(['B', 'L2', 'D', 'L1'])
  })

  it('gives edges with their names and shares --unique state across roots', async () => {
    const edges = []
    for await (const edge of refs(blocks.A.cid, store)) edges.push([name.get(edge.parent.toString()), edge.name, name.get(edge.cid.toString())])
    expect(edges).toEqual([['A', 'x', 'L1'], ['A', 'y', 'L2']])
    expect(await run([blocks.A.cid, blocks.D.cid], { unique: true })).toEqual(['L1', 'L2'])
  })
})

describe('dagStat', () => {
  it('counts per root and shared blocks as Kubo does', async () => {
    const size = (...keys: string[]): number => keys.reduce((n, k) => n + blocks[k].bytes.length, 0)
    const progress: number[] = []
    const stat = await dagStat([blocks.R.cid, blocks.B.cid], store, { onProgress: s => progress.push(s.TotalSize) })
    const rSize = size('R', 'A', 'L1', 'L2', 'B', 'D')
    const bSize = size('B', 'L2', 'D', 'L1')
    expect(stat.DagStats).toEqual([
      { Cid: blocks.R.cid.toString(), Size: rSize, NumBlocks: 6 },
      { Cid: blocks.B.cid.toString(), Size: bSize, NumBlocks: 4 }
    ])
    expect(stat.UniqueBlocks).toBe(6)
    expect(stat.TotalSize).toBe(rSize)
    expect(stat.SharedSize).toBe(bSize)
    expect(stat.Ratio).toBeCloseTo((rSize + bSize) / rSize, 10)
    expect(progress).toHaveLength(10)
  })
})

describe('missingBlocks', () => {
  it('names the absent blocks once and does not look below them', async () => {
    const partial = new MapGetter()
    for (const key of ['R', 'A', 'B', 'L2']) partial.add(blocks[key])
    const has = async (cid: CID): Promise<boolean> => partial.blocks.has(cid.toString())
    const missing = []
    for await (const cid of missingBlocks([blocks.R.cid], has, partial)) missing.push(cid)
    expect(names(missing)).toEqual(['L1', 'D'])
  })

  it('never reports identity CIDs, which live in the CID itself', async () => {
    const inline = CID.createV1(raw.code, identity.digest(new TextEncoder().encode('tiny')))
    const parent = await node([['i', inline]])
    const getter = new MapGetter()
    getter.add(parent)
    const missing = []
    for await (const cid of missingBlocks([parent.cid], async cid => getter.blocks.has(cid.toString()), getter)) missing.push(cid)
    expect(missing).toEqual([])
  })
})

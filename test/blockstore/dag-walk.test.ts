/**
 * The one DAG walker: ordered output whatever order loads finish in, a bounded read-ahead
 * window, first-visit dedupe, onError, abort, and loads stopped when the consumer leaves.
 */
import { describe, expect, it } from 'vitest'
import type { CID } from 'multiformats/cid'
import { nodeKey, walkDag } from '../../blockstore/index.ts'
import type { AbortOptions, Block } from '../../blockstore/index.ts'
import { dagPbNode, randomBlock } from './helpers.ts'

/** Blocks by CID with loads that finish in a scrambled order, counting how many run at once. */
class SlowBlocks {
  readonly blocks = new Map<string, Uint8Array>()
  inFlight = 0
  maxInFlight = 0
  loads = 0
  readonly signals: AbortSignal[] = []
  hold?: Promise<void>
  #seed = 7

  add (...blocks: Block[]): void {
    for (const block of blocks) this.blocks.set(block.cid.toString(), block.bytes)
  }

  load = async (cid: CID, options: AbortOptions): Promise<Uint8Array> => {
    this.loads++
    this.inFlight++
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight)
    if (options.signal != null) this.signals.push(options.signal)
    try {
      if (this.hold != null) await this.hold
      this.#seed = (this.#seed * 1103515245 + 12345) % 2 ** 31
      for (let i = this.#seed % 5; i >= 0; i--) await new Promise(resolve => setImmediate(resolve))
      const bytes = this.blocks.get(cid.toString())
      if (bytes == null) throw Object.assign(new Error(`${cid} not found`), { name: 'BlockNotFoundError' })
      return bytes
    } finally {
      this.inFlight--
    }
  }
}

/** A root with `width` children of `width` raw leaves each, and the blocks in DFS pre-order. */
function wideDag (width: number): { root: Block, order: Block[] } {
  const order: Block[] = []
  const children = Array.from({ length: width }, () => {
    const leaves = Array.from({ length: width }, () => randomBlock(20))
    const node = dagPbNode(leaves.map(l => l.cid))
    return { node, leaves }
  })
  const root = dagPbNode(children.map(c => c.node.cid))
  order.push(root)
  for (const c of children) order.push(c.node, ...c.leaves)
  return { root, order }
}

const ids = (cids: CID[]): string[] => cids.map(String)

describe('walkDag', () => {
  it('yields depth-first pre-order whatever order loads finish in, with at most readAhead in flight', async () => {
    const { root, order } = wideDag(6)
    const store = new SlowBlocks()
    store.add(...order)
    const seen: CID[] = []
    for await (const block of walkDag([root.cid], { load: store.load, readAhead: 4 })) seen.push(block.cid)
    expect(ids(seen)).toEqual(ids(order.map(b => b.cid)))
    expect(store.maxInFlight).toBeLessThanOrEqual(4)
    expect(store.maxInFlight).toBeGreaterThan(1)
  })

  it('visits a shared node where depth-first order first reaches it, once', async () => {
    const [y, z] = [randomBlock(5), randomBlock(6)]
    const x = dagPbNode([y.cid, z.cid])
    const r = dagPbNode([x.cid, y.cid])
    const store = new SlowBlocks()
    store.add(y, z, x, r)
    const dedupe = { seen: new Set<string>(), key: nodeKey }
    const once: CID[] = []
    for await (const block of walkDag([r.cid], { load: store.load, dedupe })) once.push(block.cid)
    expect(ids(once)).toEqual(ids([r.cid, x.cid, y.cid, z.cid]))
    const every: CID[] = []
    for await (const block of walkDag([r.cid], { load: store.load })) every.push(block.cid)
    expect(ids(every)).toEqual(ids([r.cid, x.cid, y.cid, z.cid, y.cid]))
  })

  it('reports a failing load to onError and skips what is under it; without onError it fails', async () => {
    const { root, order } = wideDag(3)
    const store = new SlowBlocks()
    store.add(...order)
    const lost = order[1] // the first child node: its leaves cannot be known
    store.blocks.delete(lost.cid.toString())
    const errors: string[] = []
    const seen: CID[] = []
    const walk = walkDag([root.cid], { load: store.load, onError: (cid, err) => errors.push(`${cid} ${err.name}`) })
    for await (const block of walk) seen.push(block.cid)
    expect(errors).toEqual([`${lost.cid} BlockNotFoundError`])
    expect(ids(seen)).toEqual(ids([root, ...order.slice(5)].map(b => b.cid)))
    await expect((async () => { for await (const _ of walkDag([root.cid], { load: store.load })) { /* drain */ } })())
      .rejects.toMatchObject({ name: 'BlockNotFoundError' })
  })

  it('stops with AbortedError when the signal fires', async () => {
    const { root, order } = wideDag(4)
    const store = new SlowBlocks()
    store.add(...order)
    const controller = new AbortController()
    const walking = (async () => {
      for await (const _ of walkDag([root.cid], { load: store.load, signal: controller.signal })) controller.abort()
    })()
    await expect(walking).rejects.toMatchObject({ name: 'AbortedError' })
  })

  it('aborts its loads in flight and starts no more when the consumer breaks', async () => {
    const { root, order } = wideDag(8)
    const store = new SlowBlocks()
    store.add(...order)
    let open = (): void => {}
    for await (const _ of walkDag([root.cid], { load: store.load, readAhead: 4 })) {
      // hold every load from here on, so some are in flight when we leave
      store.hold = new Promise<void>(resolve => { open = resolve })
      await new Promise(resolve => setImmediate(resolve))
      break
    }
    const loads = store.loads
    expect(loads).toBeLessThanOrEqual(1 + 4)
    expect(store.signals.slice(1).every(signal => signal.aborted)).toBe(true)
    open()
    const deadline = Date.now() + 5000
    while (store.inFlight > 0 && Date.now() < deadline) await new Promise(resolve => setImmediate(resolve))
    expect(store.inFlight).toBe(0)
    expect(store.loads).toBe(loads)
  })
})

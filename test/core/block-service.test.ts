import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { CID } from 'multiformats/cid'
import { createBlockstore, createLeases, type Leases, type PackBlockstore } from '../../blockstore/index.ts'
import { createBlockService, type BlockFetcher, type FetchSession } from '../../core/block-service.ts'
import { randomBlock, tempDir } from '../blockstore/helpers.ts'
import { waitFor } from '../helpers/wait.ts'

/** A fetcher that answers from a map (a stand-in for Bitswap), and records what it was asked. */
function fakeFetcher (answers: Map<string, Uint8Array>): BlockFetcher & { asked: string[], sessions: Array<{ root: string, closed: boolean }> } {
  const asked: string[] = []
  const sessions: Array<{ root: string, closed: boolean }> = []
  return {
    asked,
    sessions,
    async fetch (cid: CID) {
      asked.push(cid.toString())
      const bytes = answers.get(cid.toString())
      if (bytes == null) throw Object.assign(new Error(`nobody has ${cid}`), { name: 'BlockNotFoundError' })
      return bytes
    },
    createSession (root: CID): FetchSession {
      const session = { root: root.toString(), closed: false }
      sessions.push(session)
      return { close: () => { session.closed = true } }
    }
  }
}

describe('block service', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let blockstore: PackBlockstore
  let leases: Leases

  beforeEach(async () => {
    dir = await tempDir('cairn-block-service-')
    blockstore = createBlockstore({ path: dir.path })
    await blockstore.open()
    leases = createLeases()
  })
  afterEach(async () => {
    await blockstore.close()
    await dir.remove()
  })

  it('without a fetcher reads the store only, as the node always has', async () => {
    const blocks = createBlockService({ blockstore, leases })
    const here = randomBlock(64)
    const missing = randomBlock(64)
    await blockstore.put(here)
    expect(blocks.online).toBe(false)
    expect(await blocks.get(here.cid)).toEqual(here.bytes)
    expect(await blocks.has(here.cid)).toBe(true)
    expect(await blocks.has(missing.cid)).toBe(false)
    await expect(blocks.get(missing.cid)).rejects.toMatchObject({ name: 'BlockNotFoundError', message: expect.stringContaining('not found locally') })
    const session = blocks.session(here.cid)
    expect(await session.get(here.cid)).toEqual(here.bytes)
    await expect(session.get(missing.cid)).rejects.toMatchObject({ name: 'BlockNotFoundError' })
    session.close()
  })

  it('writes blocks fetched together in batches (fewer durable writes than blocks); a durable get resolves once its block is stored', async () => {
    const wanted = Array.from({ length: 40 }, () => randomBlock(4096))
    const blocks = createBlockService({
      blockstore: Object.assign(Object.create(null), {
        get: blockstore.get.bind(blockstore),
        has: blockstore.has.bind(blockstore),
        put: async () => { throw new Error('fetched blocks must go through putMany') },
        putMany: async (batch: Parameters<PackBlockstore['putMany']>[0]) => {
          writes.push(batch.length)
          await blockstore.putMany(batch)
        }
      }) as PackBlockstore,
      leases,
      fetcher: fakeFetcher(new Map(wanted.map(b => [b.cid.toString(), b.bytes])))
    })
    const writes: number[] = []
    const got = await Promise.all(wanted.map(async b => {
      const bytes = await blocks.get(b.cid, { durable: true })
      // resolved only once durable: the block is in the store now
      expect(await blockstore.has(b.cid)).toBe(true)
      return bytes
    }))
    got.forEach((bytes, i) => { expect(bytes).toEqual(wanted[i].bytes) })
    expect(writes.reduce((a, b) => a + b, 0)).toBe(40)
    expect(writes.length).toBeLessThan(40)
  })

  it('refuses a fetched block that does not hash to its CID: a named error, nothing stored', async () => {
    const wanted = randomBlock(100)
    const impostor = randomBlock(100)
    const fetcher = fakeFetcher(new Map([[wanted.cid.toString(), impostor.bytes]]))
    const blocks = createBlockService({ blockstore, leases, fetcher })
    await expect(blocks.get(wanted.cid)).rejects.toMatchObject({ name: 'BlockMismatchError', message: expect.stringContaining(wanted.cid.toString()) })
    expect(fetcher.asked).toEqual([wanted.cid.toString()])
    expect(await blockstore.has(wanted.cid)).toBe(false)
    expect(await blockstore.has(impostor.cid)).toBe(false)
  })

  it('stores a fetched block that hashes to its CID under a GC lease; after a flush the next read is local', async () => {
    const wanted = randomBlock(100)
    const fetcher = fakeFetcher(new Map([[wanted.cid.toString(), wanted.bytes]]))
    const blocks = createBlockService({ blockstore, leases, fetcher })
    let sharedDuringPut = -1
    const unsubscribe = blockstore.onBlock(() => { sharedDuringPut = leases.shared })
    try {
      expect(await blocks.get(wanted.cid)).toEqual(wanted.bytes)
      await blocks.flush()
    } finally {
      unsubscribe()
    }
    expect(sharedDuringPut).toBe(1)
    expect(leases.shared).toBe(0)
    expect(await blockstore.has(wanted.cid)).toBe(true)
    expect(await blocks.get(wanted.cid)).toEqual(wanted.bytes)
    expect(fetcher.asked).toHaveLength(1)
  })

  it('waits for a running GC before storing a fetched block', async () => {
    const wanted = randomBlock(100)
    const blocks = createBlockService({ blockstore, leases, fetcher: fakeFetcher(new Map([[wanted.cid.toString(), wanted.bytes]])) })
    const gc = await leases.exclusive()
    const pending = blocks.get(wanted.cid)
    await expect.poll(async () => await blockstore.has(wanted.cid), { timeout: 300 }).toBe(false)
    gc.release()
    expect(await pending).toEqual(wanted.bytes)
    await blocks.flush()
    expect(await blockstore.has(wanted.cid)).toBe(true)
  })

  describe('writes fetched blocks behind their readers', () => {
    /** The store, with its batched writes held until `release` is called. */
    function heldStore (): { store: PackBlockstore, release: () => void, fail: (err: Error) => void, writes: number, waiting: number } {
      let open!: () => void
      let refuse!: (err: Error) => void
      const gate = new Promise<void>((resolve, reject) => { open = resolve; refuse = reject })
      gate.catch(() => {})
      const held = {
        writes: 0,
        /** writes that reached the store and wait for `release` */
        waiting: 0,
        release: () => { open() },
        fail: (err: Error) => { refuse(err) },
        store: Object.assign(Object.create(null), {
          get: blockstore.get.bind(blockstore),
          has: blockstore.has.bind(blockstore),
          putMany: async (batch: Parameters<PackBlockstore['putMany']>[0]) => {
            held.waiting++
            await gate
            held.writes += batch.length
            await blockstore.putMany(batch)
          }
        }) as PackBlockstore
      }
      return held
    }

    it('a get resolves before its block is on disk; until then it is served from memory, under a held lease; flush waits for the disk', async () => {
      const wanted = randomBlock(1000)
      const fetcher = fakeFetcher(new Map([[wanted.cid.toString(), wanted.bytes]]))
      const held = heldStore()
      const blocks = createBlockService({ blockstore: held.store, leases, fetcher })
      expect(await blocks.get(wanted.cid)).toEqual(wanted.bytes)
      expect(await blockstore.has(wanted.cid)).toBe(false)
      expect(leases.shared).toBe(1)
      // a second read neither fetches again nor misses it
      expect(await blocks.has(wanted.cid)).toBe(true)
      expect(await blocks.get(wanted.cid)).toEqual(wanted.bytes)
      expect(fetcher.asked).toHaveLength(1)
      let flushed = false
      const flushing = blocks.flush().then(() => { flushed = true })
      // the write is at the store, held: the flush cannot end before it does
      await waitFor(() => held.waiting > 0)
      expect(flushed).toBe(false)
      held.release()
      await flushing
      expect(await blockstore.has(wanted.cid)).toBe(true)
      expect(leases.shared).toBe(0)
    })

    it('a durable get (pin add) waits for the disk', async () => {
      const wanted = randomBlock(1000)
      const held = heldStore()
      const blocks = createBlockService({ blockstore: held.store, leases, fetcher: fakeFetcher(new Map([[wanted.cid.toString(), wanted.bytes]])) })
      let done = false
      const pending = blocks.get(wanted.cid, { durable: true }).then(() => { done = true })
      await waitFor(() => held.waiting > 0)
      expect(done).toBe(false)
      held.release()
      await pending
      expect(await blockstore.has(wanted.cid)).toBe(true)
    })

    it('past 16 MiB not yet written, a get waits for its block to be written', async () => {
      const wanted = Array.from({ length: 18 }, () => randomBlock(1024 * 1024))
      const held = heldStore()
      const blocks = createBlockService({ blockstore: held.store, leases, fetcher: fakeFetcher(new Map(wanted.map(b => [b.cid.toString(), b.bytes]))) })
      for (const block of wanted.slice(0, 16)) await blocks.get(block.cid)
      let done = false
      const over = blocks.get(wanted[16].cid).then(() => { done = true })
      // the 17th block is fetched and queued behind the held writes: its get cannot end before them
      await waitFor(async () => await blocks.has(wanted[16].cid))
      expect(done).toBe(false)
      held.release()
      await over
      await blocks.get(wanted[17].cid)
      await blocks.flush()
      expect(held.writes).toBe(18)
    })

    it('a write that fails is logged, not thrown at the reader who already has the bytes; the next read fetches it again', async () => {
      const wanted = randomBlock(1000)
      const fetcher = fakeFetcher(new Map([[wanted.cid.toString(), wanted.bytes]]))
      const held = heldStore()
      const blocks = createBlockService({ blockstore: held.store, leases, fetcher })
      expect(await blocks.get(wanted.cid)).toEqual(wanted.bytes)
      held.fail(new Error('disk full'))
      await blocks.flush()
      expect(leases.shared).toBe(0)
      expect(await blocks.has(wanted.cid)).toBe(false)
      await expect(blocks.get(wanted.cid, { durable: true })).rejects.toThrow('disk full')
      expect(fetcher.asked).toHaveLength(2)
    })
  })

  it('offline reads never ask the fetcher', async () => {
    const wanted = randomBlock(100)
    const fetcher = fakeFetcher(new Map([[wanted.cid.toString(), wanted.bytes]]))
    const blocks = createBlockService({ blockstore, leases, fetcher })
    await expect(blocks.get(wanted.cid, { offline: true })).rejects.toMatchObject({ name: 'BlockNotFoundError' })
    expect(fetcher.asked).toEqual([])
  })

  it('a session fetches under one lease held until it closes, and closes the fetcher\'s session', async () => {
    const a = randomBlock(50)
    const b = randomBlock(50)
    const fetcher = fakeFetcher(new Map([[a.cid.toString(), a.bytes], [b.cid.toString(), b.bytes]]))
    const blocks = createBlockService({ blockstore, leases, fetcher })
    const session = blocks.session(a.cid)
    expect(fetcher.sessions).toEqual([{ root: a.cid.toString(), closed: false }])
    expect(await session.get(a.cid)).toEqual(a.bytes)
    expect(await session.get(b.cid)).toEqual(b.bytes)
    expect(leases.shared).toBe(1)
    session.close()
    session.close()
    expect(fetcher.sessions[0].closed).toBe(true)
    await expect.poll(() => leases.shared).toBe(0)
    await expect(session.get(a.cid)).rejects.toMatchObject({ name: 'BlockNotFoundError' })
  })

  it('uses a lease the caller holds instead of asking for another (leases are not re-entrant)', async () => {
    const wanted = randomBlock(100)
    const blocks = createBlockService({ blockstore, leases, fetcher: fakeFetcher(new Map([[wanted.cid.toString(), wanted.bytes]])) })
    const held = await leases.acquire()
    // GC queues behind the held lease; a second shared lease would queue behind GC: a deadlock
    const gc = leases.exclusive()
    expect(await blocks.get(wanted.cid, { lease: held })).toEqual(wanted.bytes)
    held.release()
    ;(await gc).release()
  })

  it('put verifies a block before storing it', async () => {
    const good = randomBlock(20)
    const bad = { cid: randomBlock(20).cid, bytes: good.bytes }
    const blocks = createBlockService({ blockstore, leases })
    await expect(blocks.put(bad)).rejects.toMatchObject({ name: 'BlockMismatchError' })
    expect(await blockstore.has(bad.cid)).toBe(false)
    await blocks.put(good)
    expect(await blockstore.has(good.cid)).toBe(true)
  })
})

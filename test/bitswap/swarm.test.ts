/**
 * Bitswap in small swarms: many seeders share the work of one fetch, reciprocity gives a free
 * rider a smaller (never empty) share of a contended seeder, and a fetch survives its seeder going
 * away and coming back.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { randomBlock, sameBytes } from '../blockstore/helpers.ts'
import { waitFor } from '../helpers/wait.ts'
import { bitswapPeer, connect, type BitswapPeer } from './helpers.ts'
import type { BitswapInit } from '../../bitswap/index.ts'

describe('bitswap swarms', () => {
  const peers: BitswapPeer[] = []
  afterEach(async () => {
    await Promise.all(peers.splice(0).map(async p => { await p.stop() }))
  })

  async function peer (init: BitswapInit & { readDelay?: number } = {}): Promise<BitswapPeer> {
    const p = await bitswapPeer(init)
    peers.push(p)
    return p
  }

  it('fetches one session from five seeders, with blocks from several of them', async () => {
    const blocks = Array.from({ length: 120 }, () => randomBlock(64 * 1024))
    const seeders = await Promise.all(Array.from({ length: 5 }, async () => peer()))
    const leecher = await peer()
    for (const seeder of seeders) {
      await seeder.blockstore.putMany(blocks)
      await connect(leecher, seeder)
    }
    await waitFor(() => leecher.bitswap.stat().Peers.length === 5)
    const session = leecher.bitswap.createSession()
    const got = await Promise.all(blocks.map(async b => session.want(b.cid, { signal: AbortSignal.timeout(30_000) })))
    session.close()
    got.forEach((bytes, i) => { expect(sameBytes(bytes, blocks[i].bytes)).toBe(true) })
    const served = seeders.map(s => s.bitswap.ledger(leecher.host.peerId).Sent)
    expect(served.filter(bytes => bytes >= 64 * 1024).length).toBeGreaterThanOrEqual(3)
  })

  it('serves peers that gave it data before a free rider, without starving the free rider', async () => {
    // one block per message, one message at a time, 3 ms per block read: the seeder's upload is
    // the bottleneck, so the order it serves in is the order blocks arrive in
    const seeder = await peer({ concurrency: 1, targetMessageSize: 16 * 1024, readDelay: 3 })
    const givers = [await peer(), await peer()]
    const freeRider = await peer()
    for (const p of [...givers, freeRider]) await connect(p, seeder)
    await waitFor(() => seeder.bitswap.stat().Peers.length === 3)
    // the givers upload 2 MiB each to the seeder first
    for (const giver of givers) {
      const gifts = Array.from({ length: 32 }, () => randomBlock(64 * 1024))
      await giver.blockstore.putMany(gifts)
      await Promise.all(gifts.map(async g => seeder.bitswap.want(g.cid, { signal: AbortSignal.timeout(20_000) })))
    }
    // then all three want 64 blocks of 16 KiB from the seeder at once
    const sets = [...givers, freeRider].map(() => Array.from({ length: 64 }, () => randomBlock(16 * 1024)))
    await seeder.blockstore.putMany(sets.flat())
    const received = [0, 0, 0]
    const fetches = [...givers, freeRider].map(async (p, i) => Promise.all(sets[i].map(async b => {
      await p.bitswap.want(b.cid, { signal: AbortSignal.timeout(60_000) })
      received[i]++
    })))
    await Promise.all(fetches.slice(0, 2))
    const riderAtGiversDone = received[2]
    await fetches[2]
    expect(received).toEqual([64, 64, 64])
    // when both givers had all 64, the free rider had a measurably smaller share — but some
    expect(riderAtGiversDone).toBeGreaterThan(0)
    expect(riderAtGiversDone).toBeLessThan(0.6 * 64)
  })

  it('finishes a fetch when the seeder disconnects mid-transfer and comes back on a new port', async () => {
    const blocks = Array.from({ length: 40 }, () => randomBlock(100_000))
    let seeder = await peer()
    await seeder.blockstore.putMany(blocks.slice(0, 20))
    const leecher = await peer({ dontHaveTimeout: 500, providerSearchDelay: 200 })
    await connect(leecher, seeder)
    await waitFor(() => leecher.bitswap.stat().Peers.length === 1)
    const session = leecher.bitswap.createSession()
    const all = Promise.all(blocks.map(async b => session.want(b.cid, { signal: AbortSignal.timeout(30_000) })))
    await waitFor(() => leecher.bitswap.stat().BlocksReceived >= 20)
    // the first seeder goes away; the rest of the blocks are on a new node that connects later
    await seeder.stop()
    peers.splice(peers.indexOf(seeder), 1)
    seeder = await peer()
    await seeder.blockstore.putMany(blocks)
    await connect(seeder, leecher)
    const got = await all
    session.close()
    got.forEach((bytes, i) => { expect(sameBytes(bytes, blocks[i].bytes)).toBe(true) })
  })
})

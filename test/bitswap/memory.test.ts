import { getEventListeners } from 'node:events'
import { afterEach, describe, expect, it } from 'vitest'
import { randomBlock, sameBytes } from '../blockstore/helpers.ts'
import { bitswapPeer, connect, type BitswapPeer } from './helpers.ts'

describe('bitswap memory', () => {
  const peers: BitswapPeer[] = []
  afterEach(async () => {
    await Promise.all(peers.splice(0).map(async p => { await p.stop() }))
  })

  it('keeps nothing of a delivered block on the caller\'s signal (one signal serves a whole cat)', async () => {
    const seeder = await bitswapPeer()
    const leecher = await bitswapPeer()
    peers.push(seeder, leecher)
    const blocks = Array.from({ length: 20 }, () => randomBlock(50_000))
    await seeder.blockstore.putMany(blocks)
    await connect(leecher, seeder)
    const signal = AbortSignal.timeout(20_000)
    const session = leecher.bitswap.createSession()
    for (const block of blocks) {
      expect(sameBytes(await session.want(block.cid, { signal }), block.bytes)).toBe(true)
      expect(sameBytes(await leecher.bitswap.want(block.cid, { signal }), block.bytes)).toBe(true)
    }
    session.close()
    // a listener left on the signal holds its want's promise, and with it the block's bytes
    expect(getEventListeners(signal, 'abort')).toHaveLength(0)
  })
})

import { afterEach, describe, expect, it } from 'vitest'
import { randomBlock, sameBytes } from '../blockstore/helpers.ts'
import { bitswapPeer, connect, type BitswapPeer } from './helpers.ts'

describe('bitswap message batching', () => {
  const peers: BitswapPeer[] = []
  afterEach(async () => {
    await Promise.all(peers.splice(0).map(async p => { await p.stop() }))
  })

  it('sends the wants made during one turn of the event loop as one message, even from separate callbacks', async () => {
    const seeder = await bitswapPeer()
    const leecher = await bitswapPeer()
    peers.push(seeder, leecher)
    const blocks = Array.from({ length: 11 }, () => randomBlock(2000))
    await seeder.blockstore.putMany(blocks)
    await connect(leecher, seeder)
    const signal = AbortSignal.timeout(20_000)
    const session = leecher.bitswap.createSession()
    // the first want opens the stream and makes the seeder a session peer
    expect(sameBytes(await session.want(blocks[0].cid, { signal }), blocks[0].bytes)).toBe(true)
    const before = seeder.bitswap.traffic().messagesReceived
    // ten wants, each from its own promise callback, as a walker makes them
    const got: Array<Promise<Uint8Array>> = []
    for (const block of blocks.slice(1)) {
      await Promise.resolve()
      got.push(session.want(block.cid, { signal }))
    }
    const bytes = await Promise.all(got)
    bytes.forEach((b, i) => { expect(sameBytes(b, blocks[i + 1].bytes)).toBe(true) })
    expect(seeder.bitswap.traffic().messagesReceived - before).toBe(1)
    session.close()
  })
})

import { randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { randomBlock, sameBytes } from '../blockstore/helpers.ts'
import { waitFor } from '../helpers/wait.ts'
import { bitswapPeer, connect, type BitswapPeer } from './helpers.ts'
import { blockOf } from '../blockstore/helpers.ts'

describe('bitswap between Cairn peers', () => {
  const peers: BitswapPeer[] = []
  afterEach(async () => {
    await Promise.all(peers.splice(0).map(async p => { await p.stop() }))
  })

  it('fetches blocks from a connected peer, verified, and counts them in both ledgers', async () => {
    const seeder = await bitswapPeer()
    const leecher = await bitswapPeer()
    peers.push(seeder, leecher)
    const blocks = Array.from({ length: 50 }, (_, i) => randomBlock(i === 0 ? 100 : 200_000))
    await seeder.blockstore.putMany(blocks)
    await connect(leecher, seeder)
    const got = await Promise.all(blocks.map(async b => leecher.bitswap.want(b.cid, { signal: AbortSignal.timeout(20_000) })))
    for (let i = 0; i < blocks.length; i++) expect(sameBytes(got[i], blocks[i].bytes)).toBe(true)
    const total = blocks.reduce((n, b) => n + b.bytes.byteLength, 0)
    expect(leecher.bitswap.stat().BlocksReceived).toBe(50)
    expect(leecher.bitswap.stat().DataReceived).toBe(total)
    // a small block may come twice (as the answer to a want-have and to the want-block that
    // raced it): every byte the seeder sent is either a block received or a counted duplicate
    await waitFor(() => seeder.bitswap.ledger(leecher.host.peerId).Sent === total + leecher.bitswap.stat().DupDataReceived)
    expect(leecher.bitswap.ledger(seeder.host.peerId).Recv).toBe(seeder.bitswap.ledger(leecher.host.peerId).Sent)
    expect(leecher.bitswap.wantlist()).toEqual([])
  })

  it('gets a block that reaches the seeder only after it was asked for', async () => {
    const seeder = await bitswapPeer()
    const leecher = await bitswapPeer()
    peers.push(seeder, leecher)
    await connect(leecher, seeder)
    const block = randomBlock(5000)
    const pending = leecher.bitswap.want(block.cid, { signal: AbortSignal.timeout(20_000) })
    await waitFor(() => seeder.bitswap.wantlist(leecher.host.peerId).length === 1)
    await seeder.blockstore.put(block)
    expect(sameBytes(await pending, block.bytes)).toBe(true)
  })

  it('matches wants by multihash: a CIDv0 want is answered by the same bytes stored under CIDv1', async () => {
    const seeder = await bitswapPeer()
    const leecher = await bitswapPeer()
    peers.push(seeder, leecher)
    const block = blockOf(new Uint8Array(randomBytes(3000)), 0x70)
    await seeder.blockstore.put(block)
    await connect(leecher, seeder)
    const { CID } = await import('multiformats/cid')
    const v0 = CID.createV0(block.cid.multihash as never)
    expect(sameBytes(await leecher.bitswap.want(v0, { signal: AbortSignal.timeout(20_000) }), block.bytes)).toBe(true)
  })

  it('gives up a want when its signal aborts, and cancels it at the peer', async () => {
    const seeder = await bitswapPeer()
    const leecher = await bitswapPeer()
    peers.push(seeder, leecher)
    await connect(leecher, seeder)
    const block = randomBlock(100)
    const controller = new AbortController()
    const pending = leecher.bitswap.want(block.cid, { signal: controller.signal })
    await waitFor(() => seeder.bitswap.wantlist(leecher.host.peerId).length === 1)
    controller.abort()
    await expect(pending).rejects.toThrow()
    await waitFor(() => seeder.bitswap.wantlist(leecher.host.peerId).length === 0)
    expect(leecher.bitswap.wantlist()).toEqual([])
  })
})

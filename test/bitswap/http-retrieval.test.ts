/**
 * HTTP retrieval: another Cairn's trustless gateway as a block source behind a fetch session.
 * Its blocks are verified like Bitswap blocks; a gateway that lies or lacks the block is passed
 * over, and Bitswap peers still deliver.
 */
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { TrustlessGateway, GatewayMissError } from '../../bitswap/http-retrieval.ts'
import { randomBlock, sameBytes } from '../blockstore/helpers.ts'
import { startGateway, type GatewayFixture } from '../http-api/gateway-helpers.ts'
import { bitswapPeer, connect, type BitswapPeer } from './helpers.ts'
import type { AddressInfo } from 'node:net'

describe('HTTP retrieval from trustless gateways', () => {
  const stops: Array<() => Promise<void>> = []
  afterEach(async () => {
    await Promise.all(stops.splice(0).map(async stop => { await stop() }))
  })

  async function gateway (): Promise<GatewayFixture> {
    const g = await startGateway({}, { fixtures: false })
    stops.push(async () => { await g.close() })
    return g
  }

  async function peer (init = {}): Promise<BitswapPeer> {
    const p = await bitswapPeer(init)
    stops.push(async () => { await p.stop() })
    return p
  }

  /** A gateway that answers every block request with the given bytes. */
  async function lyingGateway (bytes: Uint8Array): Promise<string> {
    const server = createServer((_req, res) => { res.writeHead(200, { 'content-type': 'application/vnd.ipld.raw' }).end(bytes) })
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    stops.push(async () => { await new Promise(resolve => server.close(resolve)) })
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  }

  it('fetches blocks from another Cairn gateway, verified, through a session', async () => {
    const g = await gateway()
    const blocks = Array.from({ length: 10 }, () => randomBlock(100_000))
    await g.node.blockstore.putMany(blocks)
    const leecher = await peer({ gateways: [g.url] })
    const session = leecher.bitswap.createSession()
    const got = await Promise.all(blocks.map(async b => session.want(b.cid, { signal: AbortSignal.timeout(20_000) })))
    session.close()
    got.forEach((bytes, i) => { expect(sameBytes(bytes, blocks[i].bytes)).toBe(true) })
    expect(leecher.bitswap.stat().BlocksReceived).toBe(10)
  })

  it('refuses bytes that do not hash to the CID, and a missing block is a miss', async () => {
    const block = randomBlock(1000)
    const liar = new TrustlessGateway(await lyingGateway(new Uint8Array(randomBytes(1000))))
    await expect(liar.get(block.cid)).rejects.toThrow(GatewayMissError)
    const g = await gateway()
    await expect(new TrustlessGateway(g.url).get(block.cid)).rejects.toThrow(/404/)
    await g.node.blockstore.put(block)
    expect(sameBytes(await new TrustlessGateway(g.url).get(block.cid), block.bytes)).toBe(true)
  })

  it('passes over a lying gateway and gets the block from a Bitswap peer', async () => {
    const block = randomBlock(20_000)
    const leecher = await peer({ gateways: [await lyingGateway(new Uint8Array(randomBytes(20_000)))], dontHaveTimeout: 500 })
    const seeder = await peer()
    await seeder.blockstore.put(block)
    await connect(leecher, seeder)
    const session = leecher.bitswap.createSession()
    expect(sameBytes(await session.want(block.cid, { signal: AbortSignal.timeout(20_000) }), block.bytes)).toBe(true)
    session.close()
  })
})

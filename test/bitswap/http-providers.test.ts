/**
 * Providers that announce HTTP addresses: their multiaddrs become trustless gateway URLs, and a
 * session whose provider lookup returns one fetches from that gateway (another Cairn's) with no
 * Bitswap peer at all, verifying every block.
 */
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import { afterEach, describe, expect, it } from 'vitest'
import { gatewayUrlOf, HttpProviders, isHttpAddr } from '../../bitswap/http-providers.ts'
import { randomBlock, sameBytes } from '../blockstore/helpers.ts'
import { startGateway } from '../http-api/gateway-helpers.ts'
import { bitswapPeer, type BitswapPeer } from './helpers.ts'
import type { PeerInfo, Routing } from '../../routing/index.ts'

const PEER = '12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA'

/** A router that knows one provider, at the given addresses, for every CID. */
function oneProvider (addrs: Multiaddr[]): Routing & { asked: number } {
  const router = {
    asked: 0,
    async * findProviders (): AsyncGenerator<PeerInfo> {
      router.asked++
      yield { id: peerIdFromString(PEER), multiaddrs: addrs }
    }
  }
  return router as unknown as Routing & { asked: number }
}

describe('HTTP provider addresses', () => {
  const stops: Array<() => Promise<void>> = []
  afterEach(async () => {
    await Promise.all(stops.splice(0).map(async stop => { await stop() }))
  })

  it('turns HTTP multiaddrs into gateway URLs and leaves libp2p addresses alone', () => {
    expect(gatewayUrlOf(multiaddr('/ip4/127.0.0.1/tcp/8080/http'))).toBe('http://127.0.0.1:8080')
    expect(gatewayUrlOf(multiaddr('/ip6/::1/tcp/8080/http'))).toBe('http://[::1]:8080')
    expect(gatewayUrlOf(multiaddr('/dns/example.com/tcp/443/https'))).toBe('https://example.com')
    expect(gatewayUrlOf(multiaddr('/dns4/example.com/tcp/443/tls/http'))).toBe('https://example.com')
    expect(gatewayUrlOf(multiaddr(`/ip4/10.0.0.1/tcp/80/http/p2p/${PEER}`))).toBe('http://10.0.0.1')
    expect(gatewayUrlOf(multiaddr('/ip4/127.0.0.1/tcp/4001'))).toBeUndefined()
    expect(gatewayUrlOf(multiaddr('/ip4/127.0.0.1/udp/4001/quic-v1'))).toBeUndefined()
    expect(isHttpAddr(multiaddr('/ip4/127.0.0.1/tcp/8080/http'))).toBe(true)
    expect(isHttpAddr(multiaddr('/ip4/127.0.0.1/tcp/4001'))).toBe(false)
    // Kubo's HTTPRetrieval.Allowlist / Denylist: hostnames
    const addrs = [multiaddr('/dns/a.example/tcp/443/https'), multiaddr('/dns/b.example/tcp/443/https')]
    expect(new HttpProviders({ allowlist: ['b.example'] }).gatewaysOf(addrs).map(g => g.url)).toEqual(['https://b.example'])
    expect(new HttpProviders({ denylist: ['b.example'] }).gatewaysOf(addrs).map(g => g.url)).toEqual(['https://a.example'])
  })

  it('fetches from a provider\'s announced gateway (another Cairn\'s), verified, with no Bitswap peer', async () => {
    const g = await startGateway({}, { fixtures: false })
    stops.push(async () => { await g.close() })
    const blocks = Array.from({ length: 8 }, () => randomBlock(50_000))
    await g.node.blockstore.putMany(blocks)
    const port = new URL(g.url).port
    const routing = oneProvider([multiaddr(`/ip4/127.0.0.1/tcp/${port}/http`)])
    const leecher: BitswapPeer = await bitswapPeer({ routing })
    stops.push(async () => { await leecher.stop() })
    const session = leecher.bitswap.createSession()
    const got = await Promise.all(blocks.map(async b => session.want(b.cid, { signal: AbortSignal.timeout(20_000) })))
    session.close()
    got.forEach((bytes, i) => { expect(sameBytes(bytes, blocks[i].bytes)).toBe(true) })
    expect(routing.asked).toBeGreaterThan(0)
    expect(leecher.bitswap.stat().BlocksReceived).toBe(8)
    expect(leecher.bitswap.stat().Peers).toEqual([])
  })

  it('does not ask announced gateways when HTTP retrieval is off', async () => {
    const g = await startGateway({}, { fixtures: false })
    stops.push(async () => { await g.close() })
    const block = randomBlock(10_000)
    await g.node.blockstore.put(block)
    const routing = oneProvider([multiaddr(`/ip4/127.0.0.1/tcp/${new URL(g.url).port}/http`)])
    const leecher = await bitswapPeer({ routing, httpProviders: false })
    stops.push(async () => { await leecher.stop() })
    const session = leecher.bitswap.createSession()
    await expect(session.want(block.cid, { signal: AbortSignal.timeout(1_500) })).rejects.toThrow()
    session.close()
    expect(routing.asked).toBeGreaterThan(0)
    expect(leecher.bitswap.stat().BlocksReceived).toBe(0)
  })
})

/**
 * The libp2p host and the network commands over real TCP connections on loopback: two Cairn
 * hosts, a plain js-libp2p node, and the per-IP connection gater.
 */
import { createServer } from 'node:net'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { id } from '../../core/commands/id.ts'
import { pingCommand } from '../../core/commands/ping.ts'
import { statsBw } from '../../core/commands/stats.ts'
import { swarmAddrs, swarmAddrsLocal, swarmConnect, swarmDisconnect, swarmPeers } from '../../core/commands/swarm.ts'
import { parseOptions, type Command } from '../../core/command.ts'
import { AGENT_VERSION, createHost, PING_PROTOCOL, type CairnHost } from '../../core/libp2p/index.ts'
import { memoryNode, runCommand, testConfig, type TestNode } from './host-helpers.ts'
import { waitFor } from '../helpers/wait.ts'
import type { CoreNode } from '../../core/node.ts'
import type { IdentifyResult } from '@libp2p/interface'

const TEST_PROTOCOL = '/cairn/test/1.0.0'

async function testHost (extra: Record<string, unknown> = {}): Promise<{ host: CairnHost, node: TestNode }> {
  const config = await testConfig(extra)
  const host = await createHost({ config })
  await host.start()
  return { host, node: memoryNode(config, host) }
}

/** A loopback port nobody listens on. */
async function closedPort (): Promise<number> {
  const server = createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise(resolve => server.close(resolve))
  return port
}

describe('two Cairn hosts on loopback', () => {
  let a: { host: CairnHost, node: TestNode }
  let b: { host: CairnHost, node: TestNode }

  beforeAll(async () => {
    a = await testHost()
    b = await testHost()
    await a.host.registrar.handle(TEST_PROTOCOL, (stream) => { void stream.close() })
  })
  afterAll(async () => {
    await b?.host.stop()
    await a?.host.stop()
  })

  it('uses the config identity and reports the real listening port', async () => {
    expect(a.host.peerId.toString()).toBe(a.node.repo.config.Identity.PeerID)
    const [self] = await runCommand(id, a.node)
    expect(self.ID).toBe(a.node.repo.config.Identity.PeerID)
    expect(self.AgentVersion).toBe(AGENT_VERSION)
    expect(self.Addresses).toHaveLength(1)
    expect(self.Addresses[0]).toMatch(new RegExp(`^/ip4/127\\.0\\.0\\.1/tcp/(\\d+)/p2p/${self.ID}$`))
    expect(self.Addresses[0]).not.toContain('/tcp/0/')
    expect(self.Protocols).toEqual(expect.arrayContaining(['/ipfs/id/1.0.0', '/ipfs/id/push/1.0.0', PING_PROTOCOL, TEST_PROTOCOL]))
    // the same identity offline and online
    const [offline] = await runCommand(id, memoryNode(a.node.repo.config))
    expect(offline.PublicKey).toBe(self.PublicKey)
    const [local] = await runCommand(swarmAddrsLocal, a.node)
    expect(local.Strings).toEqual([self.Addresses[0].replace(`/p2p/${self.ID}`, '')])
    expect((await runCommand(swarmAddrsLocal, a.node, [], { id: true }))[0].Strings).toEqual(self.Addresses)
  })

  it('connects with swarm connect; each sees the other; identify exchanges protocols', async () => {
    const address = a.host.getMultiaddrs()[0].toString()
    expect(await runCommand(swarmConnect, b.node, [address])).toEqual([{ Strings: [`connect ${a.host.peerId.toString()} success`] }])

    const [fromB] = await runCommand(swarmPeers, b.node, [], { direction: true })
    expect(fromB.Peers).toEqual([{ Addr: address.replace(/\/p2p\/.*$/, ''), Peer: a.host.peerId.toString(), Direction: 2 }])
    const [fromA] = await waitFor(async () => {
      const result = await runCommand(swarmPeers, a.node, [], { verbose: true })
      return result[0].Peers.length === 1 && result
    }, { message: 'a to see b' })
    expect(fromA.Peers[0]).toMatchObject({ Peer: b.host.peerId.toString(), Direction: 1, Muxer: '/yamux/1.0.0' })
    expect(fromA.Peers[0].Addr).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+$/)
    expect(swarmPeers.text?.(fromA, {})).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\/\S+ \S+ inbound/)

    const remote = await waitFor(async () => {
      const [info] = await runCommand(id, b.node, [a.host.peerId.toString()])
      return info.Protocols.includes(TEST_PROTOCOL) && info
    }, { message: 'identify to tell b about a' })
    const [self] = await runCommand(id, a.node)
    expect(remote).toEqual(self)

    const [known] = await runCommand(swarmAddrs, b.node)
    expect(known.Addrs[a.host.peerId.toString()]).toEqual([address.replace(/\/p2p\/.*$/, '')])
  })

  it('pings: one stream per ping, nanosecond times, Kubo\'s lines', async () => {
    const results = await runCommand(pingCommand, b.node, [a.host.peerId.toString()], { count: 2 })
    expect(results).toHaveLength(4)
    expect(results[0]).toEqual({ Success: true, Time: 0, Text: `PING ${a.host.peerId.toString()}.` })
    for (const pong of results.slice(1, 3)) {
      expect(pong.Success).toBe(true)
      expect(pong.Text).toBe('')
      expect(pong.Time).toBeGreaterThan(0)
      expect(pong.Time).toBeLessThan(5e9)
    }
    expect(results[3].Text).toMatch(/^Average latency: \d+\.\d\dms$/)
    expect(pingCommand.text?.(results[1], {})).toMatch(/^Pong received: time=\d+\.\d\d ms$/)
  })

  it('counts the bytes of the connection in stats bw', async () => {
    const [stats] = await runCommand(statsBw, a.node)
    expect(stats.TotalIn).toBeGreaterThan(200)
    expect(stats.TotalOut).toBeGreaterThan(200)
    expect(stats.RateIn).toBeGreaterThanOrEqual(0)
    // per protocol: the pings above moved 32 bytes each way per ping, counted on both sides
    const [pings] = await runCommand(statsBw, b.node, [], { proto: PING_PROTOCOL })
    expect(pings.TotalOut).toBeGreaterThanOrEqual(64)
    expect(pings.TotalIn).toBeGreaterThanOrEqual(64)
    expect(pings.TotalIn).toBeLessThan(stats.TotalIn)
    expect((await runCommand(statsBw, a.node, [], { proto: PING_PROTOCOL }))[0].TotalIn).toBeGreaterThanOrEqual(64)
    expect((await runCommand(statsBw, a.node, [], { proto: '/nobody/speaks/1.0.0' }))[0]).toEqual({ TotalIn: 0, TotalOut: 0, RateIn: 0, RateOut: 0 })
    // per peer: b's only connection is to a, so a's bytes are b's whole traffic
    const [peer] = await runCommand(statsBw, b.node, [], { peer: a.host.peerId.toString() })
    const [all] = await runCommand(statsBw, b.node)
    expect(peer.TotalIn).toBeGreaterThan(200)
    expect(peer.TotalIn).toBeLessThanOrEqual(all.TotalIn)
    expect(peer.TotalIn).toBeGreaterThanOrEqual(pings.TotalIn)
    await expect(runCommand(statsBw, a.node, [], { proto: PING_PROTOCOL, peer: b.host.peerId.toString() })).rejects.toMatchObject({ name: 'InvalidArgumentError' })
    // --poll repeats until the consumer stops
    const polled = []
    const request = { node: a.node as unknown as CoreNode, args: [], options: parseOptions(statsBw as Command, { poll: true, interval: '20ms' }), input: {}, signal: AbortSignal.timeout(5_000), repoPath: '' }
    for await (const value of statsBw.run(request) as AsyncIterable<unknown>) {
      polled.push(value)
      if (polled.length === 3) break
    }
    expect(polled).toHaveLength(3)
  })

  it('disconnects with swarm disconnect, on both sides', async () => {
    const target = `/p2p/${a.host.peerId.toString()}`
    expect(await runCommand(swarmDisconnect, b.node, [target])).toEqual([{ Strings: [`disconnect ${a.host.peerId.toString()} success`] }])
    expect((await runCommand(swarmPeers, b.node))[0].Peers).toEqual([])
    await waitFor(async () => (await runCommand(swarmPeers, a.node))[0].Peers.length === 0, { message: 'a to see the disconnect' })
    await expect(runCommand(swarmDisconnect, b.node, [target])).rejects.toMatchObject({
      name: 'DialError', message: `disconnect ${a.host.peerId.toString()} failure: not connected`
    })
  })

  it('reports bad and unreachable addresses as errors', async () => {
    await expect(runCommand(swarmConnect, b.node, ['/ip4/127.0.0.1/tcp/1'])).rejects.toMatchObject({ name: 'InvalidArgumentError' })
    await expect(runCommand(swarmConnect, b.node, [a.host.getMultiaddrs()[0].toString().replace(a.host.peerId.toString(), b.host.peerId.toString())]))
      .rejects.toMatchObject({ name: 'InvalidArgumentError', message: /own peer ID/ })
    const unreachable = `/ip4/127.0.0.1/tcp/${await closedPort()}/p2p/${a.host.peerId.toString()}`
    await expect(runCommand(swarmConnect, b.node, [unreachable])).rejects.toMatchObject({
      name: 'DialError', message: new RegExp(`^connect ${a.host.peerId.toString()} failure: `)
    })
  })

  it('dials the configured bootstrap peers on start', async () => {
    const { host } = await testHost({ Bootstrap: [a.host.getMultiaddrs()[0].toString()] })
    try {
      await waitFor(() => host.connectionManager.getPeers().some(p => p.equals(a.host.peerId)), { message: 'the bootstrap dial' })
    } finally {
      await host.stop()
    }
  })

  it('fails to start with ListenError when the swarm port is taken', async () => {
    const taken = a.host.getMultiaddrs()[0].toString().replace(/\/p2p\/.*$/, '')
    const host = await createHost({ config: await testConfig({ Addresses: { Swarm: [taken] } }) })
    await expect(host.start()).rejects.toMatchObject({ name: 'ListenError', message: new RegExp(`Addresses\\.Swarm.*${taken}.*EADDRINUSE`) })
    expect(host.isStarted()).toBe(false)
    await host.stop()
  })

  it('start and stop are idempotent', async () => {
    const { host } = await testHost()
    await Promise.all([host.start(), host.start()])
    expect(host.isStarted()).toBe(true)
    await Promise.all([host.stop(), host.stop()])
    await host.stop()
    expect(host.isStarted()).toBe(false)
  })
})

describe('a plain js-libp2p node and a Cairn host', () => {
  it('connects, sees the Cairn protocols through identify, and pings both ways', async () => {
    const cairn = await testHost()
    const plain = await createLibp2p({
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: { identify: identify(), ping: ping() }
    })
    try {
      const identified = new Promise<IdentifyResult>(resolve => {
        plain.addEventListener('peer:identify', (evt) => { resolve(evt.detail) })
      })
      await plain.dial(cairn.host.getMultiaddrs()[0])
      const result = await identified
      expect(result.peerId.equals(cairn.host.peerId)).toBe(true)
      expect(result.agentVersion).toBe(AGENT_VERSION)
      expect(result.protocols).toEqual(expect.arrayContaining(['/ipfs/id/1.0.0', PING_PROTOCOL]))
      expect(await plain.services.ping.ping(cairn.host.peerId)).toBeGreaterThanOrEqual(0)
      // Cairn's ping client against js-libp2p's ping service
      const results = await runCommand(pingCommand, cairn.node, [plain.peerId.toString()], { count: 1 })
      expect(results[1]).toMatchObject({ Success: true, Text: '' })
      expect(results[1].Time).toBeGreaterThan(0)
    } finally {
      await plain.stop()
      await cairn.host.stop()
    }
  })
})

describe('the per-IP connection gater', () => {
  it('refuses the N+1th inbound connection from one IP without harm, and frees the slot on close', async () => {
    // the test profile exempts loopback from the limit: turned back on here to test the limit
    const gated = await testHost({ Swarm: { MaxConnectionsPerIP: 2 }, Routing: { Type: 'dhtserver', LoopbackAddressesOnLanDHT: false } })
    const clients = await Promise.all([0, 1, 2].map(async () => await createHost({ config: await testConfig() }, { listen: [] })))
    try {
      await Promise.all(clients.map(client => client.start()))
      const address = gated.host.getMultiaddrs()[0]
      await clients[0].connectionManager.dial(address)
      await clients[1].connectionManager.dial(address)
      await expect(clients[2].connectionManager.dial(address)).rejects.toThrow()
      await waitFor(() => gated.host.connectionManager.getPeers().length === 2, { message: 'two connections at the gated host' })
      // the host is unharmed: existing connections work
      expect(await clients[0].ping(gated.host.peerId)).toBeGreaterThan(0)
      // a slot frees when a connection closes
      await clients[0].connectionManager.hangUp(gated.host.peerId)
      await waitFor(() => gated.host.connectionManager.getPeers().length === 1, { message: 'the hang-up to reach the gated host' })
      await clients[2].connectionManager.dial(address)
      const expected = [clients[1].peerId.toString(), clients[2].peerId.toString()].sort().join()
      await waitFor(() => gated.host.connectionManager.getPeers().map(p => p.toString()).sort().join() === expected, { message: 'the third client to be accepted' })
    } finally {
      await Promise.all(clients.map(client => client.stop()))
      await gated.host.stop()
    }
  })

  it('does not limit loopback peers when Routing.LoopbackAddressesOnLanDHT is set (the test profile: a swarm on one machine)', async () => {
    const open = await testHost({ Swarm: { MaxConnectionsPerIP: 2 } })
    const clients = await Promise.all([0, 1, 2, 3].map(async () => await createHost({ config: await testConfig() }, { listen: [] })))
    try {
      await Promise.all(clients.map(client => client.start()))
      const address = open.host.getMultiaddrs()[0]
      for (const client of clients) await client.connectionManager.dial(address)
      await waitFor(() => open.host.connectionManager.getPeers().length === 4, { message: 'four loopback peers at the host' })
    } finally {
      await Promise.all(clients.map(client => client.stop()))
      await open.host.stop()
    }
  })
})

/**
 * Many real nodes over loopback TCP in one process: tables fill from one bootstrap peer, every
 * node finds every provider record, lookups take O(log N) hops, a newcomer with one bootstrap
 * peer finds everything, and a restarted node rejoins from its peer cache alone.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify, identifyPush } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { Level } from 'level'
import { createLibp2p } from 'libp2p'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LevelDHTDatastore } from '../../dht/index.ts'
import { waitFor } from './helpers.ts'
import { createCairnNode, type CairnDHTNode } from './swarm.ts'

const N = 30
/**
 * k and α smaller than the defaults: with k = 20 thirty nodes are one full mesh (435 connections,
 * each ~80 ms of CPU in libp2p), and lookups would never need to route. k = 8 keeps the swarm
 * sparse, so the test exercises multi-hop routing and stays within its time on a loaded machine.
 */
// requests may wait long for CPU when the machine is loaded: a timeout would read as a dead peer
const INIT = { k: 8, alpha: 3, requestTimeout: 30_000 }

async function cidOf (text: string): Promise<CID> {
  return CID.createV1(raw.code, await sha256.digest(new TextEncoder().encode(text)))
}

/** Runs `fn` over `items` with at most `limit` at once. */
async function pool<T> (items: T[], limit: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) {
      const i = next++
      await fn(items[i], i)
    }
  }))
}

describe(`a swarm of ${N} Cairn DHT nodes on loopback`, () => {
  const nodes: CairnDHTNode[] = []
  const cids: CID[] = []
  const temps: string[] = []

  beforeAll(async () => {
    for (let i = 0; i < N; i++) nodes.push(await createCairnNode(INIT))
    const bootstrap = nodes[0].libp2p.getMultiaddrs()
    await pool(nodes.slice(1), 2, async n => { await n.libp2p.dial(bootstrap) })
    await waitFor(() => nodes.slice(1).every(n => n.dht.routingTable.has(nodes[0].libp2p.peerId)), 'every node to admit the bootstrap node', 30_000)
    // each node looks itself up once: that is how a joining node fills its table
    await pool(nodes, 2, async n => { await n.dht.closestPeers(n.libp2p.peerId.toMultihash().bytes) })
  }, 240_000)

  afterAll(async () => {
    await Promise.all(nodes.map(async n => n.stop()))
    await Promise.all(temps.map(async t => rm(t, { recursive: true, force: true })))
  }, 30_000)

  it('fills every routing table from one bootstrap peer', () => {
    // a node admits only peers it has verified, so a table need not be full; none stays near-empty
    for (const n of nodes) expect(n.dht.routingTable.size).toBeGreaterThanOrEqual(INIT.k / 2)
    const total = nodes.reduce((sum, n) => sum + n.dht.routingTable.size, 0)
    expect(total / N).toBeGreaterThanOrEqual(INIT.k)
  })

  it('every node finds every provider record', async () => {
    for (let i = 0; i < N; i++) cids.push(await cidOf(`content of node ${i}`))
    await pool(nodes, 3, async (n, i) => { await n.dht.provide(cids[i]) })
    let found = 0
    await pool(nodes.flatMap(n => cids.map((cid, i) => ({ n, cid, provider: nodes[i] }))), 10, async ({ n, cid, provider }) => {
      for await (const p of n.dht.findProviders(cid, { maxProviders: 1 })) {
        if (p.id.equals(provider.libp2p.peerId)) found++
      }
    })
    expect(found).toBe(N * N)
  }, 240_000)

  it('lookups take O(log N) hops', async () => {
    const hops: number[] = []
    for (const [i, n] of nodes.entries()) {
      const result = await n.dht.closestPeers(cids[(i + 7) % N].multihash.bytes)
      hops.push(result.hops)
      expect(result.closest.length).toBe(INIT.k)
    }
    const bound = Math.ceil(Math.log2(N))
    expect(Math.max(...hops)).toBeLessThanOrEqual(bound)
  }, 120_000)

  it('a node joining with one bootstrap peer finds everything within seconds', async () => {
    const newcomer = await createCairnNode(INIT)
    nodes.push(newcomer)
    await newcomer.libp2p.dial(nodes[5].libp2p.getMultiaddrs())
    await waitFor(() => newcomer.dht.routingTable.size > 0, 'the newcomer to admit its bootstrap peer', 60_000)
    const started = Date.now()
    for (const [i, cid] of cids.entries()) {
      const found = []
      for await (const p of newcomer.dht.findProviders(cid, { maxProviders: 1 })) found.push(p)
      expect(found[0].id.equals(nodes[i].libp2p.peerId)).toBe(true)
    }
    // seconds on an idle machine; the bound leaves room for a loaded one
    const cpu = process.cpuUsage()
    expect(Date.now() - started).toBeLessThan(90_000)
    console.log(`newcomer found ${N} providers in ${Date.now() - started} ms wall, whole-process CPU ${Math.round((cpu.user + cpu.system) / 1000)} ms so far`)
  }, 120_000)

  it('a restarted node rejoins from its peer cache alone', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cairn-dht-cache-'))
    temps.push(dir)
    const privateKey = await generateKeyPair('Ed25519')
    const makeHost = async (): Promise<ReturnType<typeof createLibp2p>> => createLibp2p({
      privateKey,
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      connectionManager: { maxConnections: 1000, inboundConnectionThreshold: 10_000, maxIncomingPendingConnections: 1000 },
      services: { identify: identify(), identifyPush: identifyPush(), ping: ping() }
    })
    let db = new Level<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' })
    const first = await createCairnNode(INIT, new LevelDHTDatastore(db), await makeHost())
    await first.libp2p.dial(nodes[3].libp2p.getMultiaddrs())
    await waitFor(() => first.dht.routingTable.size > 0, 'the first run to admit its bootstrap peer', 60_000)
    await first.dht.closestPeers(first.libp2p.peerId.toMultihash().bytes)
    const before = first.dht.routingTable.size
    expect(before).toBeGreaterThanOrEqual(INIT.k)
    await first.stop()
    await db.close()

    db = new Level<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' })
    const second = await createCairnNode(INIT, new LevelDHTDatastore(db), await makeHost())
    try {
      // no dial: only the cache
      expect(second.dht.routingTable.size).toBe(before)
      const found = []
      for await (const p of second.dht.findProviders(cids[11], { maxProviders: 1 })) found.push(p)
      expect(found[0].id.equals(nodes[11].libp2p.peerId)).toBe(true)
      expect(second.libp2p.getConnections().length).toBeGreaterThan(0)
    } finally {
      await second.stop()
      await db.close()
    }
  }, 120_000)
})

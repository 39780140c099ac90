/**
 * The sweep over real nodes: a swarm of Cairn DHT servers on loopback TCP in one process, one of
 * them sweeping hundreds of keys. The sweep needs a handful of lookups, and afterwards every key
 * is found by the other nodes' findProviders and held by (nearly) k of the swarm's servers.
 */
import { randomBytes } from 'node:crypto'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { create as createDigest } from 'multiformats/hashes/digest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MemoryDHTDatastore, SweepingReprovider } from '../../dht/index.ts'
import { logger, waitFor } from './helpers.ts'
import { createCairnNode, type CairnDHTNode } from './swarm.ts'

const N = 24
const KEYS = 400
/** k = 20 as on the Amino DHT; α = 3 keeps the CPU of the swarm's lookups down. */
const INIT = { k: 20, alpha: 3, requestTimeout: 30_000 }

describe(`a sweep in a swarm of ${N} Cairn DHT nodes`, () => {
  const nodes: CairnDHTNode[] = []
  const cids = Array.from({ length: KEYS }, () => CID.createV1(raw.code, createDigest(0x12, randomBytes(32))))

  beforeAll(async () => {
    for (let i = 0; i < N; i++) nodes.push(await createCairnNode(INIT))
    const bootstrap = nodes[0].libp2p.getMultiaddrs()
    for (const n of nodes.slice(1)) await n.libp2p.dial(bootstrap)
    await waitFor(() => nodes.slice(1).every(n => n.dht.routingTable.has(nodes[0].libp2p.peerId)), 'every node to admit the bootstrap node', 30_000)
    for (const n of nodes) await n.dht.closestPeers(n.libp2p.peerId.toMultihash().bytes)
  }, 240_000)

  afterAll(async () => {
    await Promise.all(nodes.map(async n => n.stop()))
  }, 30_000)

  it('makes every swept key findable from other nodes, with a handful of lookups', async () => {
    const provider = nodes[5]
    const reprovider = new SweepingReprovider({
      dht: provider.dht,
      keys: async function * () { for (const cid of cids) yield cid.multihash.bytes },
      datastore: new MemoryDHTDatastore(),
      logger
    }, { k: INIT.k })
    const result = await reprovider.reprovideNow()
    expect(result.keys).toBe(KEYS)
    expect(result.provided).toBe(KEYS)
    expect(result.lookups).toBeLessThanOrEqual(KEYS / 20)
    // each key went to k peers: the sweep's whole network is 23 others
    expect(result.records).toBe(KEYS * INIT.k)
    expect(reprovider.stats().totalLookups).toBe(result.lookups)

    const askers = [nodes[0], nodes[11], nodes[17], nodes[23]]
    const sample = cids.filter((_, i) => i % 10 === 0)
    let found = 0
    for (const [i, cid] of sample.entries()) {
      const asker = askers[i % askers.length]
      for await (const p of asker.dht.findProviders(cid, { maxProviders: 1 })) {
        if (p.id.equals(provider.libp2p.peerId)) found++
      }
    }
    expect(found).toBe(sample.length)

    // and the records sit on the servers: about k of the 23 hold each key
    for (const cid of sample.slice(0, 5)) {
      let holders = 0
      for (const n of nodes) {
        if (n === provider) continue
        if ((await n.dht.providers.get(cid.multihash.bytes)).some(r => r.id.equals(provider.libp2p.peerId))) holders++
      }
      expect(holders).toBe(INIT.k)
    }
  }, 180_000)
})

import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import * as raw from 'multiformats/codecs/raw'
import { afterAll, describe, expect, it } from 'vitest'
import { createCairnNode, type CairnDHTNode } from './swarm.ts'
import { waitFor } from './helpers.ts'

describe('smoke', () => {
  const nodes: CairnDHTNode[] = []
  afterAll(async () => { await Promise.all(nodes.map(async n => n.stop())) })

  it('three nodes', async () => {
    for (let i = 0; i < 3; i++) nodes.push(await createCairnNode())
    await nodes[1].libp2p.dial(nodes[0].libp2p.getMultiaddrs())
    await nodes[2].libp2p.dial(nodes[0].libp2p.getMultiaddrs())
    await waitFor(() => nodes[0].dht.routingTable.size === 2, 'node 0 table')
    await waitFor(() => nodes[1].dht.routingTable.size >= 1, 'node 1 table')
    const cid = CID.createV1(raw.code, await sha256.digest(new TextEncoder().encode('hello')))
    await nodes[1].dht.provide(cid)
    const found = []
    for await (const p of nodes[2].dht.findProviders(cid)) found.push(p.id.toString())
    expect(found).toContain(nodes[1].libp2p.peerId.toString())
  })
})

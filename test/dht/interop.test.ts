/**
 * Interop with js-libp2p's `@libp2p/kad-dht` (server mode, `/ipfs/kad/1.0.0`) in one loopback
 * swarm with Cairn nodes: admission both ways, providers both ways, FIND_NODE both ways, and
 * `/pk/` value records both ways.
 */
import { generateKeyPair, publicKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPublicKey } from '@libp2p/peer-id'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { waitFor } from './helpers.ts'
import { createCairnNode, createJsNode, type CairnDHTNode } from './swarm.ts'
import type { KadDHT as JsKadDHT } from '@libp2p/kad-dht'
import type { PeerId } from '@libp2p/interface'
import type { Libp2p } from 'libp2p'

async function cidOf (text: string): Promise<CID> {
  return CID.createV1(raw.code, await sha256.digest(new TextEncoder().encode(text)))
}

async function pkRecord (): Promise<{ key: Uint8Array, value: Uint8Array }> {
  const key = await generateKeyPair('Ed25519')
  const id = peerIdFromPublicKey(key.publicKey)
  const prefix = new TextEncoder().encode('/pk/')
  return { key: new Uint8Array([...prefix, ...id.toMultihash().bytes]), value: publicKeyToProtobuf(key.publicKey) }
}

/** The js node's routing table: a public member of kad-dht's class that its interface type omits. */
function jsTable (js: Libp2p<{ dht: JsKadDHT }>): { size: number, find(peer: PeerId): Promise<PeerId | undefined> } {
  return (js.services.dht as unknown as { routingTable: { size: number, find(peer: PeerId): Promise<PeerId | undefined> } }).routingTable
}

describe('interop with @libp2p/kad-dht', () => {
  let js: Libp2p<{ dht: JsKadDHT }>
  const cairn: CairnDHTNode[] = []

  beforeAll(async () => {
    js = await createJsNode()
    await js.start()
    for (let i = 0; i < 3; i++) {
      const node = await createCairnNode()
      cairn.push(node)
      await node.libp2p.dial(js.getMultiaddrs())
    }
    // and Cairn nodes among themselves, through one of them
    await cairn[1].libp2p.dial(cairn[0].libp2p.getMultiaddrs())
    await cairn[2].libp2p.dial(cairn[0].libp2p.getMultiaddrs())
  }, 60_000)

  afterAll(async () => {
    await Promise.all(cairn.map(async n => n.stop()))
    await js?.stop()
  }, 30_000)

  it('kad-dht admits Cairn to its routing table, and Cairn admits kad-dht', async () => {
    await waitFor(async () => (await Promise.all(cairn.map(async n => jsTable(js).find(n.libp2p.peerId)))).every(p => p != null),
      'kad-dht to admit every Cairn node', 20_000)
    await waitFor(() => cairn.every(n => n.dht.routingTable.has(js.peerId)), 'Cairn to admit kad-dht', 20_000)
  })

  it('Cairn\'s provide is found by kad-dht\'s findProviders', async () => {
    const cid = await cidOf('provided by Cairn')
    await cairn[0].dht.provide(cid)
    const found = new Set<string>()
    for await (const event of js.services.dht.findProviders(cid, { signal: AbortSignal.timeout(20_000) })) {
      if (event.name === 'PROVIDER') for (const p of event.providers) found.add(p.id.toString())
    }
    expect(found).toContain(cairn[0].libp2p.peerId.toString())
  }, 30_000)

  it('kad-dht\'s provide is found by Cairn\'s findProviders', async () => {
    const cid = await cidOf('provided by kad-dht')
    for await (const event of js.services.dht.provide(cid, { signal: AbortSignal.timeout(20_000) })) void event
    const found: string[] = []
    for await (const p of cairn[2].dht.findProviders(cid, { maxProviders: 1 })) found.push(p.id.toString())
    expect(found).toEqual([js.peerId.toString()])
  }, 30_000)

  it('FIND_NODE works both ways', async () => {
    const key = (await cidOf('a key to look up')).multihash.bytes
    const ours: string[] = []
    for await (const p of cairn[1].dht.getClosestPeers(key)) ours.push(p.id.toString())
    expect(ours).toContain(js.peerId.toString())

    const theirs = new Set<string>()
    for await (const event of js.services.dht.getClosestPeers(key, { signal: AbortSignal.timeout(20_000) })) {
      if (event.name === 'PEER_RESPONSE') theirs.add(event.from.toString())
    }
    // kad-dht's FIND_NODE requests were answered by Cairn nodes
    expect(cairn.some(n => theirs.has(n.libp2p.peerId.toString()))).toBe(true)
  }, 30_000)

  it('a /pk/ record put by Cairn is read by kad-dht', async () => {
    const { key, value } = await pkRecord()
    await cairn[0].dht.put(key, value)
    let got: Uint8Array | undefined
    for await (const event of js.services.dht.get(key, { signal: AbortSignal.timeout(20_000) })) {
      if (event.name === 'VALUE') got = event.value
    }
    expect(got).toEqual(value)
  }, 30_000)

  it('a /pk/ record put by kad-dht is read by Cairn', async () => {
    const { key, value } = await pkRecord()
    for await (const event of js.services.dht.put(key, value, { signal: AbortSignal.timeout(20_000) })) void event
    expect(await cairn[2].dht.get(key)).toEqual(value)
  }, 30_000)
})

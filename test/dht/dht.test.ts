/**
 * The DHT object on its own: options, modes (server registers the protocol, client does not,
 * auto follows the node's addresses), record validation, and the named errors of a DHT that
 * cannot reach anyone.
 */
import { generateKeyPair, publicKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { afterEach, describe, expect, it } from 'vitest'
import { createDHT, MemoryDHTDatastore, PROTOCOL_DHT, RecordValidators, resolveDHTInit, namespaceOf } from '../../dht/index.ts'
import { logger, waitFor } from './helpers.ts'
import { createCairnNode, createHostNode } from './swarm.ts'
import type { Libp2p } from 'libp2p'

const enc = new TextEncoder()

async function errorName (p: Promise<unknown>): Promise<string> {
  try {
    await p
  } catch (err) {
    return (err as Error).name
  }
  return 'no error'
}

describe('DHT options', () => {
  it('resolves defaults', () => {
    const o = resolveDHTInit()
    expect([o.mode, o.protocol, o.k, o.alpha, o.beta]).toEqual(['auto', '/ipfs/kad/1.0.0', 20, 10, 3])
  })

  it('refuses values that cannot work', () => {
    expect(() => resolveDHTInit({ k: 0 })).toThrow(expect.objectContaining({ name: 'InvalidConfigError' }))
    expect(() => resolveDHTInit({ alpha: 1.5 })).toThrow(expect.objectContaining({ name: 'InvalidConfigError' }))
    expect(() => resolveDHTInit({ mode: 'sometimes' as 'auto' })).toThrow(expect.objectContaining({ name: 'InvalidConfigError' }))
    expect(() => resolveDHTInit({ requestTimeout: 0 })).toThrow(expect.objectContaining({ name: 'InvalidConfigError' }))
  })
})

describe('record validators', () => {
  it('reads namespaces', () => {
    expect(namespaceOf(enc.encode('/pk/abc'))).toBe('pk')
    expect(namespaceOf(enc.encode('/ipns/x'))).toBe('ipns')
    expect(namespaceOf(enc.encode('pk/abc'))).toBeUndefined()
    expect(namespaceOf(enc.encode('//abc'))).toBeUndefined()
  })

  it('accepts a /pk/ record whose key is its peer ID, refuses others and unknown namespaces', async () => {
    const v = new RecordValidators()
    const key = await generateKeyPair('Ed25519')
    const id = peerIdFromPrivateKey(key)
    const recordKey = new Uint8Array([...enc.encode('/pk/'), ...id.toMultihash().bytes])
    await v.validate(recordKey, publicKeyToProtobuf(key.publicKey))
    const other = await generateKeyPair('Ed25519')
    expect(await errorName(v.validate(recordKey, publicKeyToProtobuf(other.publicKey)))).toBe('InvalidRecordError')
    expect(await errorName(v.validate(recordKey, enc.encode('junk')))).toBe('InvalidRecordError')
    expect(await errorName(v.validate(enc.encode('/ipns/abc'), enc.encode('x')))).toBe('InvalidRecordError')
  })

  it('takes validators and selectors for new namespaces (what naming will do for /ipns/)', async () => {
    const v = new RecordValidators()
    v.register('ipns', {
      validate: (_k, value) => { if (value[0] === 0) throw new Error('zero') },
      select: (_k, values) => values.reduce((best, x, i) => (x[0] > values[best][0] ? i : best), 0)
    })
    await v.validate(enc.encode('/ipns/a'), new Uint8Array([1]))
    expect(v.select(enc.encode('/ipns/a'), [new Uint8Array([1]), new Uint8Array([3]), new Uint8Array([2])])).toBe(1)
  })
})

describe('DHT modes and errors', () => {
  const cleanup: Array<() => Promise<void>> = []
  afterEach(async () => { await Promise.all(cleanup.splice(0).map(async f => f())) })

  /** A DHT on a real host, with addresses we control (to play public or private). */
  async function setup (mode: 'client' | 'server' | 'auto'): Promise<{ node: Libp2p, dht: ReturnType<typeof createDHT>, setAddrs(a: Multiaddr[]): void }> {
    const node = await createHostNode()
    await node.start()
    let addrs: Multiaddr[] = node.getMultiaddrs()
    const events = new EventTarget()
    const dht = createDHT({
      peerId: node.peerId, registrar: node, connectionManager: node, peerStore: node.peerStore,
      addresses: { getMultiaddrs: () => addrs }, events, datastore: new MemoryDHTDatastore(), logger
    }, { mode, refreshInterval: 0 })
    await dht.start()
    cleanup.push(async () => { await dht.stop(); await node.stop() })
    return { node, dht, setAddrs: (a) => { addrs = a; events.dispatchEvent(new Event('self:peer:update')) } }
  }

  it('a server registers the protocol, a client does not, and setMode switches', async () => {
    const server = await setup('server')
    expect(server.node.getProtocols()).toContain(PROTOCOL_DHT)
    expect(server.dht.getMode()).toBe('server')
    const client = await setup('client')
    expect(client.node.getProtocols()).not.toContain(PROTOCOL_DHT)
    await client.dht.setMode('server')
    expect(client.node.getProtocols()).toContain(PROTOCOL_DHT)
    await client.dht.setMode('client')
    expect(client.node.getProtocols()).not.toContain(PROTOCOL_DHT)
  })

  it('auto serves once the node has a public address, not before', async () => {
    const auto = await setup('auto')
    expect(auto.dht.getMode()).toBe('client')
    auto.setAddrs([multiaddr('/ip4/192.168.1.5/tcp/4001')])
    expect(auto.dht.getMode()).toBe('client')
    auto.setAddrs([multiaddr('/ip4/8.8.8.8/tcp/4001')])
    await waitFor(() => auto.dht.getMode() === 'server', 'auto mode to serve')
    expect(auto.node.getProtocols()).toContain(PROTOCOL_DHT)
  })

  it('stops serving on stop, and start/stop are idempotent', async () => {
    const s = await setup('server')
    await s.dht.start()
    await s.dht.stop()
    await s.dht.stop()
    expect(s.node.getProtocols()).not.toContain(PROTOCOL_DHT)
  })

  it('with no peers, lookups, provide and put fail with named errors instead of doing nothing', async () => {
    const { dht } = await setup('server')
    const cid = CID.createV1(raw.code, await sha256.digest(enc.encode('x')))
    expect(await errorName(dht.provide(cid))).toBe('NoPeersError')
    expect(await errorName(dht.provide(cid, { offline: true }))).toBe('OfflineError')
    expect(await errorName((async () => { for await (const _ of dht.findProviders(CID.createV1(raw.code, await sha256.digest(enc.encode('y'))))) void _ })())).toBe('NoPeersError')
    expect(await errorName(dht.findPeer(peerIdFromPrivateKey(await generateKeyPair('Ed25519'))))).toBe('NoPeersError')
    expect(await errorName(dht.get(enc.encode('/pk/nothing'), { offline: true }))).toBe('NotFoundError')
    expect(await errorName(dht.put(enc.encode('/nope/x'), enc.encode('v')))).toBe('InvalidRecordError')
    expect(await errorName(dht.get(enc.encode('/nope/x')))).toBe('InvalidRecordError')
    expect(await errorName(dht.get(enc.encode('/pk/x')))).toBe('NoPeersError')
  })

  it('answers locally when offline: own provider records and stored values', async () => {
    const { dht } = await setup('server')
    const cid = CID.createV1(raw.code, await sha256.digest(enc.encode('mine')))
    await dht.provide(cid, { offline: true }).catch(() => {})
    const found = []
    for await (const p of dht.findProviders(cid, { offline: true })) found.push(p)
    expect(found).toHaveLength(1)
    const key = await generateKeyPair('Ed25519')
    const recordKey = new Uint8Array([...enc.encode('/pk/'), ...peerIdFromPrivateKey(key).toMultihash().bytes])
    await dht.put(recordKey, publicKeyToProtobuf(key.publicKey), { offline: true })
    expect(new Uint8Array(await dht.get(recordKey, { offline: true }))).toEqual(new Uint8Array(publicKeyToProtobuf(key.publicKey)))
  })

  it('admits a connecting DHT server, and evicts it once it stops speaking the protocol', async () => {
    const a = await createCairnNode()
    const b = await createCairnNode()
    cleanup.push(async () => { await a.stop(); await b.stop() })
    await a.libp2p.dial(b.libp2p.getMultiaddrs())
    await waitFor(() => a.dht.routingTable.has(b.libp2p.peerId) && b.dht.routingTable.has(a.libp2p.peerId), 'both to admit each other')
    await b.dht.setMode('client')
    // identify-push tells a that b dropped the protocol
    await waitFor(() => !a.dht.routingTable.has(b.libp2p.peerId), 'a to evict b')
  }, 30_000)

  it('does not admit a connecting client', async () => {
    const a = await createCairnNode()
    const b = await createCairnNode({ mode: 'client' })
    cleanup.push(async () => { await a.stop(); await b.stop() })
    await b.libp2p.dial(a.libp2p.getMultiaddrs())
    await waitFor(() => b.dht.routingTable.has(a.libp2p.peerId), 'the client to admit the server')
    expect(a.dht.routingTable.has(b.libp2p.peerId)).toBe(false)
  }, 30_000)

  it('refresh re-checks contacts: answering ones stay, a mute one is evicted after repeated silence', async () => {
    const a = await createCairnNode({ requestTimeout: 1_000 })
    const b = await createCairnNode()
    const mute = await createHostNode()
    await mute.start()
    await mute.handle(PROTOCOL_DHT, async () => { /* never answers */ })
    cleanup.push(async () => { await a.stop(); await b.stop(); await mute.stop() })
    await a.libp2p.dial(b.libp2p.getMultiaddrs())
    await waitFor(() => a.dht.routingTable.has(b.libp2p.peerId), 'a to admit b')
    await a.libp2p.peerStore.merge(mute.peerId, { multiaddrs: mute.getMultiaddrs() })
    expect(await a.dht.routingTable.add(mute.peerId, mute.getMultiaddrs())).toBe('added')
    for (let i = 0; i < 3; i++) await a.dht.refresh()
    expect(a.dht.routingTable.has(mute.peerId)).toBe(false)
    expect(a.dht.routingTable.has(b.libp2p.peerId)).toBe(true)
  }, 60_000)
})

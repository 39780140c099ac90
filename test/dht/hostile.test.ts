/**
 * The server and the lookups facing hostile peers over real loopback streams: garbage bytes,
 * messages over 4 MiB, drip-fed bytes, requests pipelined on one stream, providers claimed for
 * someone else, oversized keys, bad records, a peer answering with 10,000 closer peers, and a
 * peer that never answers. Nothing crashes, memory stays bounded, lookups end within their time.
 */
import { randomBytes } from 'node:crypto'
import { generateKeyPair, publicKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { lpStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { varint } from 'multiformats'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MAX_MESSAGE_SIZE, PROTOCOL_DHT } from '../../dht/index.ts'
import { Message, Record } from '../../dht/pb/dht.js'
import { waitFor } from './helpers.ts'
import { createCairnNode, createHostNode, type CairnDHTNode } from './swarm.ts'
import type { Stream } from '@libp2p/interface'
import type { Libp2p } from 'libp2p'

const enc = new TextEncoder()

function varintEncode (n: number): Uint8Array {
  const out = new Uint8Array(varint.encodingLength(n))
  varint.encodeTo(n, out)
  return out
}

function msg (type: Message.MessageType, key: Uint8Array, fields: Partial<Message> = {}): Uint8Array {
  return Message.encode({ type, key: new Uint8Array(key), clusterLevelRaw: 0, closerPeers: [], providerPeers: [], ...fields })
}

/** Resolves once the stream is closed or reset by the other side (or rejects after `ms`). */
async function ended (stream: Stream, ms: number): Promise<string> {
  const deadline = Date.now() + ms
  await waitFor(() => stream.status !== 'open' || stream.readStatus !== 'readable', 'the server to end the stream', ms)
  expect(Date.now()).toBeLessThanOrEqual(deadline + 100)
  return stream.status
}

/** A random but well-formed Ed25519 peer-ID multihash. */
function fakePeerIdBytes (): Uint8Array<ArrayBuffer> {
  return new Uint8Array([0x00, 0x24, 0x08, 0x01, 0x12, 0x20, ...randomBytes(32)])
}

describe('hostile peers', () => {
  let server: CairnDHTNode
  let client: Libp2p
  const extra: Array<{ stop(): unknown }> = []

  beforeAll(async () => {
    server = await createCairnNode({ inboundMessageTimeout: 1_000, requestTimeout: 1_000 })
    client = await createHostNode()
    await client.start()
  }, 30_000)

  afterAll(async () => {
    await Promise.all(extra.map(async n => { await n.stop() }))
    await client?.stop()
    await server?.stop()
  }, 30_000)

  const open = async (): Promise<{ stream: Stream, lp: ReturnType<typeof lpStream<Stream>> }> => {
    const stream = await client.dialProtocol(server.libp2p.getMultiaddrs(), PROTOCOL_DHT)
    return { stream, lp: lpStream(stream, { maxDataLength: MAX_MESSAGE_SIZE }) }
  }

  const pingOk = async (): Promise<void> => {
    const { stream, lp } = await open()
    await lp.write(msg(Message.MessageType.PING, enc.encode('x')))
    expect(Message.decode(await lp.read()).type).toBe(Message.MessageType.PING)
    await stream.close()
  }

  it('answers several requests on one stream, with no reply to ADD_PROVIDER', async () => {
    const { stream, lp } = await open()
    const key = new Uint8Array([0x12, 0x20, ...randomBytes(32)])
    const self = { id: client.peerId.toMultihash().bytes, addrs: [multiaddr('/ip4/127.0.0.1/tcp/4001').bytes], connection: Message.ConnectionType.NOT_CONNECTED }
    await lp.write(msg(Message.MessageType.ADD_PROVIDER, key, { providerPeers: [self] }))
    await lp.write(msg(Message.MessageType.GET_PROVIDERS, key))
    const reply = Message.decode(await lp.read())
    expect(reply.type).toBe(Message.MessageType.GET_PROVIDERS)
    expect(reply.providerPeers.map(p => Buffer.from(p.id).toString('hex'))).toEqual([Buffer.from(self.id).toString('hex')])
    await lp.write(msg(Message.MessageType.FIND_NODE, client.peerId.toMultihash().bytes))
    expect(Message.decode(await lp.read()).type).toBe(Message.MessageType.FIND_NODE)
    await stream.close()
  })

  it('ignores a provider record claimed for another peer, or without addresses', async () => {
    const key = new Uint8Array([0x12, 0x20, ...randomBytes(32)])
    const other = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const { stream, lp } = await open()
    await lp.write(msg(Message.MessageType.ADD_PROVIDER, key, {
      providerPeers: [
        { id: other.toMultihash().bytes, addrs: [multiaddr('/ip4/1.2.3.4/tcp/1').bytes], connection: Message.ConnectionType.NOT_CONNECTED },
        { id: client.peerId.toMultihash().bytes, addrs: [], connection: Message.ConnectionType.NOT_CONNECTED }
      ]
    }))
    // nothing acceptable: the server resets the stream, as go does
    await ended(stream, 3_000)
    expect(await server.dht.providers.get(key)).toEqual([])
    await pingOk()
  })

  it('refuses provider keys over 80 bytes', async () => {
    const { stream, lp } = await open()
    await lp.write(msg(Message.MessageType.GET_PROVIDERS, new Uint8Array(81)))
    await ended(stream, 3_000)
  })

  it('resets the stream on garbage bytes and keeps serving', async () => {
    const { stream, lp } = await open()
    await lp.write(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f, 0x01, 0x02]))
    await ended(stream, 3_000)
    await pingOk()
  })

  it('refuses a message over 4 MiB from its length prefix alone', async () => {
    const stream = await client.dialProtocol(server.libp2p.getMultiaddrs(), PROTOCOL_DHT)
    const heapBefore = process.memoryUsage().heapUsed
    stream.send(varintEncode(MAX_MESSAGE_SIZE + 1))
    stream.send(new Uint8Array(64 * 1024))
    await ended(stream, 3_000)
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(MAX_MESSAGE_SIZE)
    await pingOk()
  })

  it('drops a peer that drip-feeds a message once the per-message timeout passes', async () => {
    const stream = await client.dialProtocol(server.libp2p.getMultiaddrs(), PROTOCOL_DHT)
    const started = Date.now()
    stream.send(varintEncode(1000))
    const timer = setInterval(() => { if (stream.status === 'open') stream.send(new Uint8Array([0])) }, 100)
    try {
      await ended(stream, 5_000)
    } finally {
      clearInterval(timer)
    }
    // the 1 s inbound timeout of this server, not the 100 s the drip would take
    expect(Date.now() - started).toBeLessThan(4_000)
  })

  it('validates PUT_VALUE: unknown namespaces and bad /pk/ records are refused, good ones echoed', async () => {
    const refused = async (key: Uint8Array, value: Uint8Array): Promise<void> => {
      const { stream, lp } = await open()
      await lp.write(msg(Message.MessageType.PUT_VALUE, key, { record: Record.encode({ key: new Uint8Array(key), value: new Uint8Array(value), timeReceived: '' }) }))
      await ended(stream, 3_000)
    }
    const privateKey = await generateKeyPair('Ed25519')
    const id = peerIdFromPrivateKey(privateKey)
    const pkKey = new Uint8Array([...enc.encode('/pk/'), ...id.toMultihash().bytes])
    const pkValue = publicKeyToProtobuf(privateKey.publicKey)
    await refused(enc.encode('/unknown/abc'), enc.encode('x'))
    await refused(pkKey, enc.encode('not a key'))
    const otherKey = publicKeyToProtobuf((await generateKeyPair('Ed25519')).publicKey)
    await refused(pkKey, otherKey)

    const { stream, lp } = await open()
    const record = Record.encode({ key: pkKey, value: new Uint8Array(pkValue), timeReceived: '' })
    await lp.write(msg(Message.MessageType.PUT_VALUE, pkKey, { record }))
    const echo = Message.decode(await lp.read())
    expect(new Uint8Array(Record.decode(echo.record ?? new Uint8Array()).value)).toEqual(new Uint8Array(pkValue))
    await stream.close()
    expect(new Uint8Array((await server.dht.records.get(pkKey))?.value ?? [])).toEqual(new Uint8Array(pkValue))
  })

  it('a lookup survives a peer answering with 10,000 closer peers', async () => {
    const liar = await createHostNode()
    await liar.start()
    extra.push(liar)
    const flood = Message.encode({
      type: Message.MessageType.FIND_NODE, key: new Uint8Array(), clusterLevelRaw: 0, providerPeers: [],
      closerPeers: Array.from({ length: 10_000 }, () => ({
        id: fakePeerIdBytes(), addrs: [multiaddr('/ip4/127.0.0.1/tcp/1').bytes], connection: Message.ConnectionType.NOT_CONNECTED
      }))
    })
    expect(flood.byteLength).toBeLessThan(MAX_MESSAGE_SIZE)
    await liar.handle(PROTOCOL_DHT, async (stream) => {
      const lp = lpStream(stream, { maxDataLength: MAX_MESSAGE_SIZE })
      await lp.read()
      await lp.write(flood)
      await stream.close()
    })
    const asker = await createCairnNode({ requestTimeout: 2_000 })
    extra.push(asker)
    await asker.libp2p.peerStore.merge(liar.peerId, { multiaddrs: liar.getMultiaddrs() })
    expect(await asker.dht.routingTable.add(liar.peerId, liar.getMultiaddrs())).toBe('added')
    const heapBefore = process.memoryUsage().heapUsed
    const started = Date.now()
    const result = await asker.dht.closestPeers(randomBytes(32))
    expect(Date.now() - started).toBeLessThan(15_000)
    // only the liar answered; the fake peers were tried at most a window's worth, never all 10,000
    expect(result.closest.map(p => p.id.toString())).toEqual([liar.peerId.toString()])
    expect(result.queried).toBeLessThanOrEqual(1 + 40)
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(64 * 1024 * 1024)
  }, 30_000)

  it('a lookup ends when a peer never answers, and the peer leaves the table', async () => {
    const mute = await createHostNode()
    await mute.start()
    extra.push(mute)
    await mute.handle(PROTOCOL_DHT, async () => { /* reads nothing, answers nothing */ })
    const asker = await createCairnNode({ requestTimeout: 1_000 })
    extra.push(asker)
    await asker.libp2p.peerStore.merge(mute.peerId, { multiaddrs: mute.getMultiaddrs() })
    await asker.dht.routingTable.add(mute.peerId, mute.getMultiaddrs())
    const started = Date.now()
    const result = await asker.dht.closestPeers(randomBytes(32))
    expect(result.closest).toEqual([])
    expect(result.failed).toBe(1)
    expect(Date.now() - started).toBeLessThan(5_000)
    // one timeout is forgiven (a busy link); three in a row evict it
    expect(asker.dht.routingTable.has(mute.peerId)).toBe(true)
    await asker.dht.closestPeers(randomBytes(32))
    await asker.dht.closestPeers(randomBytes(32))
    expect(asker.dht.routingTable.has(mute.peerId)).toBe(false)
  }, 30_000)
})

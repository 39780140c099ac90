/**
 * Hostile peers against Cairn's Bitswap: unwanted blocks, blocks whose bytes do not match,
 * floods of wants, oversize messages, and a peer that says HAVE but never sends the block.
 * Nothing wrong is accepted, memory stays bounded, honest peers still deliver.
 */
import { randomBytes } from 'node:crypto'
import { CID } from 'multiformats/cid'
import { afterEach, describe, expect, it } from 'vitest'
import { BITSWAP_120 } from '../../bitswap/index.ts'
import { encodeFrame, decodeFrames } from '../../bitswap/framing.ts'
import { cidPrefix, decodeMessage, encodeMessages, type WantEntry } from '../../bitswap/message.ts'
import { Message } from '../../bitswap/pb/message.js'
import { createHost, type CairnHost } from '../../core/libp2p/index.ts'
import { randomBlock, sameBytes } from '../blockstore/helpers.ts'
import { waitFor } from '../helpers/wait.ts'
import { testConfig } from '../core/host-helpers.ts'
import { bitswapPeer, connect, type BitswapPeer } from './helpers.ts'
import type { Stream } from '@libp2p/interface'

/** A bare host that speaks Bitswap only as the test scripts it. */
async function rawPeer (onMessage?: (host: CairnHost, from: string, message: ReturnType<typeof decodeMessage>) => void): Promise<CairnHost> {
  const host = await createHost({ config: await testConfig() })
  await host.start()
  await host.registrar.handle(BITSWAP_120, (stream, connection) => {
    void (async () => {
      try {
        for await (const frame of decodeFrames(stream, 8 * 1024 * 1024)) {
          onMessage?.(host, connection.remotePeer.toString(), decodeMessage(frame))
        }
      } catch { /* the test's peer does not care how streams end */ }
    })()
  })
  return host
}

async function sendRaw (host: CairnHost, to: BitswapPeer, frames: Uint8Array[]): Promise<Stream> {
  const stream = await host.connectionManager.dialProtocol(to.host.peerId, BITSWAP_120)
  for (const frame of frames) {
    if (!stream.send(frame)) await stream.onDrain()
  }
  return stream
}

function wantsFor (count: number): WantEntry[] {
  return Array.from({ length: count }, () => ({ cid: randomBlock(8).cid, priority: 1, cancel: false, wantType: 'block' as const, sendDontHave: false }))
}

describe('bitswap against hostile peers', () => {
  const stops: Array<() => Promise<void>> = []
  afterEach(async () => {
    await Promise.all(stops.splice(0).map(async stop => { await stop() }))
  })

  async function peer (init = {}): Promise<BitswapPeer> {
    const p = await bitswapPeer(init)
    stops.push(async () => { await p.stop() })
    return p
  }

  async function raw (onMessage?: Parameters<typeof rawPeer>[0]): Promise<CairnHost> {
    const h = await rawPeer(onMessage)
    stops.push(async () => { await h.stop() })
    return h
  }

  it('drops unwanted blocks and blocks whose bytes do not match the want, and still fetches from an honest peer', async () => {
    const leecher = await peer({ dontHaveTimeout: 300 })
    const wanted = randomBlock(4000)
    const liar = await raw((host, from, message) => {
      // answer every want with other bytes under the wanted block's prefix
      const blocks = message.wants.filter(w => !w.cancel).map(w => ({ prefix: cidPrefix(w.cid), data: new Uint8Array(randomBytes(4000)) }))
      if (blocks.length === 0) return
      const bytes = Message.encode({ blocks: [], payload: blocks as never, blockPresences: [], pendingBytes: 0 })
      void sendRaw(host, leecher, [encodeFrame(bytes).subarray()]).catch(() => {})
      void from
    })
    await liar.connectionManager.dial(leecher.host.getMultiaddrs()[0])
    await waitFor(() => leecher.bitswap.stat().Peers.length === 1)
    const pending = leecher.bitswap.want(wanted.cid, { signal: AbortSignal.timeout(20_000) })
    // the liar answered with wrong bytes: nothing was accepted, the want is still open
    await waitFor(() => leecher.bitswap.ledger(liar.peerId).Recv > 0)
    expect(leecher.bitswap.wantlist().map(String)).toEqual([wanted.cid.toString()])
    expect(leecher.bitswap.stat().BlocksReceived).toBe(0)

    const honest = await peer()
    await honest.blockstore.put(wanted)
    await connect(leecher, honest)
    expect(sameBytes(await pending, wanted.bytes)).toBe(true)
    expect(leecher.bitswap.stat().BlocksReceived).toBe(1)
    expect(await leecher.blockstore.has(wanted.cid)).toBe(false) // Bitswap hands bytes over; the block service stores
  })

  it('keeps at most 1,024 wants per peer and refuses a message with 100,000 entries', async () => {
    const seeder = await peer()
    const flooder = await raw()
    await flooder.connectionManager.dial(seeder.host.getMultiaddrs()[0])
    // 5,000 wants in five messages: the wantlist stops at 1,024
    const frames = Array.from({ length: 5 }, () => encodeFrame(encodeMessages({ wants: wantsFor(1000) })[0]).subarray())
    await sendRaw(flooder, seeder, frames)
    await waitFor(() => seeder.bitswap.wantlist(flooder.peerId).length === 1024)
    // one message of 100,000 wants (over 4 MiB): the stream is refused, nothing is added
    const one = wantsFor(1)[0]
    const huge = encodeMessages({ wants: Array.from({ length: 100_000 }, () => one) }, { maxSize: 64 * 1024 * 1024 })
    expect(huge).toHaveLength(1)
    expect(huge[0].byteLength).toBeGreaterThan(4 * 1024 * 1024)
    const stream = await sendRaw(flooder, seeder, [encodeFrame(huge[0]).subarray()])
    await waitFor(() => stream.status !== 'open')
    expect(seeder.bitswap.wantlist(flooder.peerId).length).toBe(1024)
    // and the seeder still serves others
    const other = await peer()
    const block = randomBlock(1000)
    await seeder.blockstore.put(block)
    await connect(other, seeder)
    expect(sameBytes(await other.bitswap.want(block.cid, { signal: AbortSignal.timeout(10_000) }), block.bytes)).toBe(true)
  })

  it('resets a stream that announces an oversize message or sends garbage, and stays healthy', async () => {
    const seeder = await peer()
    const attacker = await raw()
    await attacker.connectionManager.dial(seeder.host.getMultiaddrs()[0])
    const prefix = new Uint8Array([0x80, 0x80, 0x80, 0x04]) // 8 MiB announced
    const s1 = await sendRaw(attacker, seeder, [prefix, new Uint8Array(1024)])
    await waitFor(() => s1.status !== 'open')
    const s2 = await sendRaw(attacker, seeder, [encodeFrame(new Uint8Array(randomBytes(500))).subarray()])
    await waitFor(() => s2.status !== 'open')
    const honest = await peer()
    const block = randomBlock(70_000)
    await seeder.blockstore.put(block)
    await connect(honest, seeder)
    expect(sameBytes(await honest.bitswap.want(block.cid, { signal: AbortSignal.timeout(10_000) }), block.bytes)).toBe(true)
  })

  it('moves on from a peer that says HAVE but never sends the block', async () => {
    const leecher = await peer({ dontHaveTimeout: 300 })
    const block = randomBlock(50_000)
    const teaser = await raw((host, _from, message) => {
      const presences = message.wants.filter(w => !w.cancel).map(w => ({ cid: w.cid, have: true }))
      if (presences.length > 0) void sendRaw(host, leecher, encodeMessages({ presences }).map(m => encodeFrame(m).subarray())).catch(() => {})
    })
    await teaser.connectionManager.dial(leecher.host.getMultiaddrs()[0])
    await waitFor(() => leecher.bitswap.stat().Peers.length === 1)
    const pending = leecher.bitswap.want(block.cid, { signal: AbortSignal.timeout(20_000) })
    const honest = await peer()
    await honest.blockstore.put(block)
    await connect(leecher, honest)
    expect(sameBytes(await pending, block.bytes)).toBe(true)
  })

  it('decodes CIDs of at most 168 bytes and drops longer ones entry by entry', () => {
    const good = randomBlock(10).cid
    const long = CID.createV1(0x55, { code: 0x00, size: 200, digest: new Uint8Array(200), bytes: new Uint8Array([0x00, 0xc8, 0x01, ...new Uint8Array(200)]) } as never)
    const bytes = Message.encode({
      wantlist: { full: false, entries: [good, long].map(cid => ({ block: cid.bytes as Uint8Array<ArrayBuffer>, priority: 1, cancel: false, wantType: Message.Wantlist.WantType.Block, sendDontHave: false })) },
      blocks: [], payload: [], blockPresences: [], pendingBytes: 0
    })
    const decoded = decodeMessage(bytes)
    expect(decoded.wants.map(w => w.cid.toString())).toEqual([good.toString()])
    expect(decoded.invalid).toBe(1)
  })
})

/**
 * Interop with the reference: a Helia node (helia + @helia/bitswap over tcp+noise+yamux) fetches
 * a multi-block file and a directory from Cairn's Bitswap, and Cairn fetches what Helia added,
 * both checked byte for byte — through Helia's plain `blockstore.get` and through a Helia session.
 */
import { randomBytes } from 'node:crypto'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { withBitswap } from '@helia/bitswap'
import { withLibp2pLight, type HeliaWithLibp2p } from '@helia/libp2p'
import { unixfs } from '@helia/unixfs'
import { identify } from '@libp2p/identify'
import { tcp } from '@libp2p/tcp'
import { createHeliaLight } from 'helia'
import { importer } from 'ipfs-unixfs-importer'
import { afterEach, describe, expect, it } from 'vitest'
import { sameBytes } from '../blockstore/helpers.ts'
import { bitswapPeer, type BitswapPeer } from './helpers.ts'
import type { ServiceMap } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

async function heliaNode (): Promise<HeliaWithLibp2p<ServiceMap>> {
  const helia = withBitswap(withLibp2pLight(createHeliaLight(), {
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify() },
    connectionGater: { denyDialMultiaddr: () => false }
  } as never))
  await helia.start()
  return helia
}

/** Imports `files` into a Cairn peer's blockstore with the reference importer; returns the root. */
async function addToCairn (peer: BitswapPeer, files: Array<{ path: string, content: Uint8Array }>, wrap = false): Promise<CID> {
  const store = {
    put: async (cid: CID, bytes: Uint8Array) => { await peer.blockstore.put({ cid, bytes }); return cid }
  }
  let root: CID | undefined
  for await (const entry of importer(files, store as never, { wrapWithDirectory: wrap, cidVersion: 1, rawLeaves: true, chunker: undefined })) root = entry.cid
  return root!
}

async function concat (source: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for await (const part of source) parts.push(part)
  return Buffer.concat(parts)
}

describe('bitswap interop with Helia', () => {
  const stops: Array<() => Promise<void>> = []
  afterEach(async () => {
    await Promise.all(stops.splice(0).map(async stop => { await stop() }))
  })

  it('Helia fetches a multi-block file and a directory from Cairn, plainly and in a session', async () => {
    const cairn = await bitswapPeer()
    stops.push(async () => { await cairn.stop() })
    const helia = await heliaNode()
    stops.push(async () => { await helia.stop() })

    const file = new Uint8Array(randomBytes(3 * 1024 * 1024 + 123))
    const fileRoot = await addToCairn(cairn, [{ path: 'big.bin', content: file }])
    const dirRoot = await addToCairn(cairn, [
      { path: 'a.txt', content: new TextEncoder().encode('hello from cairn') },
      { path: 'sub/b.bin', content: new Uint8Array(randomBytes(600_000)) }
    ], true)

    await helia.libp2p.dial(cairn.host.getMultiaddrs()[0])
    const fs = unixfs(helia)
    const got = await concat(fs.cat(fileRoot, { signal: AbortSignal.timeout(30_000) }))
    expect(got.byteLength).toBe(file.byteLength)
    expect(sameBytes(got, file)).toBe(true)

    const names: string[] = []
    for await (const entry of fs.ls(dirRoot, { signal: AbortSignal.timeout(30_000) })) names.push(entry.name)
    expect(names.sort()).toEqual(['a.txt', 'sub'])
    const text = await concat(fs.cat(dirRoot, { path: 'a.txt', signal: AbortSignal.timeout(30_000) }))
    expect(new TextDecoder().decode(text)).toBe('hello from cairn')

    // a Helia session asks Cairn directly, as a provider
    const other = new Uint8Array(randomBytes(1_500_000))
    const otherRoot = await addToCairn(cairn, [{ path: 'other.bin', content: other }])
    const session = helia.blockstore.createSession(otherRoot, { providers: [cairn.host.getMultiaddrs()[0]], signal: AbortSignal.timeout(30_000) })
    const fsSession = unixfs({ ...helia, blockstore: session } as never)
    expect(sameBytes(await concat(fsSession.cat(otherRoot, { signal: AbortSignal.timeout(30_000) })), other)).toBe(true)
    expect(cairn.bitswap.ledger(helia.libp2p.peerId).Sent).toBeGreaterThan(file.byteLength)
  })

  it('Cairn fetches a file Helia added, every block verified and identical', async () => {
    const cairn = await bitswapPeer()
    stops.push(async () => { await cairn.stop() })
    const helia = await heliaNode()
    stops.push(async () => { await helia.stop() })

    const content = new Uint8Array(randomBytes(2 * 1024 * 1024 + 77))
    const fs = unixfs(helia)
    const root = await fs.addBytes(content, { cidVersion: 1, rawLeaves: true } as never)

    await cairn.host.connectionManager.dial(helia.libp2p.getMultiaddrs()[0])
    // walk the DAG through Cairn's Bitswap: the root first, then its links
    const dagPb = await import('@ipld/dag-pb')
    const rootBytes = await cairn.bitswap.want(root, { signal: AbortSignal.timeout(30_000) })
    const node = dagPb.decode(rootBytes)
    const leaves = await Promise.all(node.Links.map(async link => cairn.bitswap.want(link.Hash, { signal: AbortSignal.timeout(30_000) })))
    expect(sameBytes(Buffer.concat(leaves), content)).toBe(true)
    expect(cairn.bitswap.stat().BlocksReceived).toBe(1 + node.Links.length)
  })
})

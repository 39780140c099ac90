/** Bitswap test peers: a real Cairn host on loopback, a real pack blockstore on disk, Bitswap. */
import { defaultLogger } from '@libp2p/logger'
import { createBitswap, type Bitswap, type BitswapInit } from '../../bitswap/index.ts'
import { createBlockstore, type PackBlockstore } from '../../blockstore/index.ts'
import { createHost, type CairnHost } from '../../core/libp2p/index.ts'
import { tempDir } from '../blockstore/helpers.ts'
import { testConfig } from '../core/host-helpers.ts'
import type { Routing } from '../../routing/index.ts'
import type { CID } from 'multiformats/cid'
import { pace } from '../helpers/wait.ts'

/** One Cairn peer for Bitswap tests. */
export interface BitswapPeer {
  host: CairnHost
  blockstore: PackBlockstore
  bitswap: Bitswap
  stop(): Promise<void>
}

/** Starts a peer; `stop()` closes everything and removes its folder. */
export async function bitswapPeer (init: BitswapInit & { routing?: Routing, readDelay?: number } = {}): Promise<BitswapPeer> {
  const dir = await tempDir('cairn-bitswap-')
  const blockstore = createBlockstore({ path: dir.path })
  await blockstore.open()
  const host = await createHost({ config: await testConfig() })
  await host.start()
  const bitswap = createBitswap({
    peerId: host.peerId,
    registrar: host.registrar,
    connectionManager: host.connectionManager,
    logger: defaultLogger(),
    // a slow store (readDelay ms per block read) makes this peer's upload the bottleneck
    blockstore: init.readDelay == null
      ? blockstore
      : {
          has: async (cid: CID) => blockstore.has(cid),
          getSize: async (cid: CID) => blockstore.getSize(cid),
          onBlock: (listener: (block: { cid: CID }) => void) => blockstore.onBlock(listener),
          get: async (cid: CID) => {
            await pace(init.readDelay!)
            return blockstore.get(cid)
          }
        },
    routing: init.routing
  }, init)
  await bitswap.start()
  return {
    host,
    blockstore,
    bitswap,
    async stop () {
      await bitswap.stop()
      await host.stop()
      await blockstore.close()
      await dir.remove()
    }
  }
}

/** Connects `a` to `b` (a dials b's first address). */
export async function connect (a: BitswapPeer, b: BitswapPeer): Promise<void> {
  await a.host.connectionManager.dial(b.host.getMultiaddrs()[0])
}

/**
 * Real libp2p nodes on loopback TCP for the DHT's multi-node tests: each runs TCP, Noise, Yamux,
 * identify and ping like Cairn's host, plus either Cairn's DHT or js-libp2p's kad-dht.
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify, identifyPush } from '@libp2p/identify'
import { kadDHT, passthroughMapper, type KadDHT as JsKadDHT, type KadDHTInit as JsKadDHTInit } from '@libp2p/kad-dht'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { createLibp2p, type Libp2p } from 'libp2p'
import { createDHT, MemoryDHTDatastore, type DHTDatastore, type DHTInit, type KadDHT } from '../../dht/index.ts'
import { logger } from './helpers.ts'

/** Connection-manager settings that let dozens of nodes on one IP talk to each other. */
const LOOPBACK_SWARM = {
  maxConnections: 1000,
  inboundConnectionThreshold: 10_000,
  maxIncomingPendingConnections: 1000,
  dialTimeout: 20_000
}

/** A libp2p node running Cairn's DHT. */
export interface CairnDHTNode {
  libp2p: Libp2p
  dht: KadDHT
  datastore: DHTDatastore
  stop(): Promise<void>
}

/** A libp2p host like Cairn's (no DHT yet). */
export async function createHostNode (): Promise<Libp2p> {
  return createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: LOOPBACK_SWARM,
    services: { identify: identify(), identifyPush: identifyPush(), ping: ping() }
  })
}

/** Starts a node with Cairn's DHT (server mode, loopback exempt from diversity unless `init` says otherwise). */
export async function createCairnNode (init: DHTInit = {}, datastore: DHTDatastore = new MemoryDHTDatastore(), libp2p?: Libp2p): Promise<CairnDHTNode> {
  const node = libp2p ?? await createHostNode()
  if (node.status !== 'started') await node.start()
  const dht = createDHT({
    peerId: node.peerId,
    registrar: node,
    connectionManager: node,
    peerStore: node.peerStore,
    addresses: node,
    events: node,
    datastore,
    logger
  }, { mode: 'server', ipDiversity: { allowLoopback: true }, refreshInterval: 0, ...init })
  await dht.start()
  return {
    libp2p: node,
    dht,
    datastore,
    stop: async () => {
      await dht.stop()
      await node.stop()
    }
  }
}

/**
 * A node running js-libp2p's kad-dht as a server on `/ipfs/kad/1.0.0`, keeping loopback addresses;
 * `init` adds to its options (record `validators` and `selectors`, e.g. the `ipns` package's).
 */
export async function createJsNode (init: Partial<JsKadDHTInit> = {}): Promise<Libp2p<{ dht: JsKadDHT }>> {
  return createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: LOOPBACK_SWARM,
    services: {
      identify: identify(),
      identifyPush: identifyPush(),
      ping: ping(),
      dht: kadDHT({ protocol: '/ipfs/kad/1.0.0', clientMode: false, peerInfoMapper: passthroughMapper, allowQueryWithZeroPeers: true, ...init })
    }
  })
}

/**
 * The node's network parts, wired from the host and the repo when the node runs online: the
 * Kademlia DHT (the router behind `node.routing`, unless `Routing.Type` is `none`) and Bitswap
 * (the block service's fetcher, finding providers through that routing). Loaded only by a node
 * that goes online, so the offline CLI never pays for them.
 */
import { createBitswap, type Bitswap, type BitswapSession } from '../bitswap/index.ts'
import { createDHT, type DHTDatastore, type DHTMode, type KadDHT } from '../dht/index.ts'
import { readBitswap, readHttpRetrieval, readRouting, type Config, type ConfigSource, type MetadataStore } from '../repo/index.ts'
import type { BlockFetcher, FetchSession } from './block-service.ts'
import type { CairnHost } from './libp2p/index.ts'
import type { PackBlockstore } from '../blockstore/index.ts'
import { createHttpRouter, type Routing } from '../routing/index.ts'
import type { ComponentLogger } from '@libp2p/interface'

/** `Routing.Type` → the DHT's mode; `none` runs no DHT. */
const DHT_MODES: Record<string, DHTMode | undefined> = {
  auto: 'auto', autoclient: 'client', dht: 'auto', dhtserver: 'server', dhtclient: 'client', none: undefined, delegated: undefined
}

/** The DHT's datastore as a view of the repo's metadata store (its own `dht` part). */
export function dhtDatastore (store: MetadataStore): DHTDatastore {
  const enc = new TextEncoder()
  const dec = new TextDecoder()
  return {
    get: async (key, options) => store.get(enc.encode(key), options),
    put: async (key, value, options) => { await store.put(enc.encode(key), value, options) },
    delete: async (key, options) => { await store.delete(enc.encode(key), options) },
    async * query (prefix, options) {
      for await (const entry of store.entries({ prefix: enc.encode(prefix), signal: options?.signal })) {
        yield { key: dec.decode(entry.key), value: entry.value }
      }
    }
  }
}

/** Creates the DHT the config asks for, or none (`Routing.Type` `none`). */
export function createNodeDHT (host: CairnHost, config: Config, metadata: MetadataStore, logger: ComponentLogger): KadDHT | undefined {
  const routing = readRouting(config)
  const mode = DHT_MODES[routing.Type]
  if (mode == null) return undefined
  return createDHT({
    peerId: host.peerId,
    registrar: host.registrar,
    connectionManager: host.connectionManager,
    peerStore: host.peerStore,
    addresses: host,
    events: host.events as never,
    logger,
    datastore: dhtDatastore(metadata.sub('dht'))
  }, {
    mode,
    ipDiversity: routing.LoopbackAddressesOnLanDHT ? { allowLoopback: true } : undefined
  })
}

/**
 * The delegated HTTP routers of `Routing.DelegatedRouters`, asked beside the DHT (or alone, with
 * `Routing.Type` `delegated`); none with `Routing.Type` `none`, which turns every router off.
 */
export function createDelegatedRouters (config: ConfigSource, logger: ComponentLogger): Routing[] {
  const routing = readRouting(config)
  if (routing.Type === 'none') return []
  return routing.DelegatedRouters.map(url => createHttpRouter({ logger }, { url }))
}

/** Creates Bitswap over the host, the store and the node's routing, from the config. */
export function createNodeBitswap (host: CairnHost, config: Config, blockstore: PackBlockstore, routing: Routing, logger: ComponentLogger): Bitswap {
  const bitswap = readBitswap(config)
  const http = readHttpRetrieval(config)
  return createBitswap({
    peerId: host.peerId,
    registrar: host.registrar,
    connectionManager: host.connectionManager,
    logger,
    blockstore,
    routing
  }, {
    serverEnabled: bitswap.ServerEnabled,
    reciprocity: bitswap.Reciprocity,
    reciprocityBoost: bitswap.ReciprocityBoost,
    optimisticEvery: bitswap.OptimisticEvery,
    gateways: http.Enabled ? http.Gateways : [],
    httpMaxBlockSize: http.MaxBlockSize,
    httpProviders: http.Enabled,
    httpAllowlist: http.Allowlist,
    httpDenylist: http.Denylist
  })
}

/**
 * A fetcher the block service can be built with before the network exists: it hands each fetch
 * to Bitswap once `attach` was called (the daemon attaches it right after the host starts).
 */
export class LateFetcher implements BlockFetcher {
  /** Bitswap hands out only blocks whose bytes hash to the multihash they were wanted by. */
  readonly verifies = true
  #bitswap?: Bitswap

  attach (bitswap: Bitswap): void {
    this.#bitswap = bitswap
  }

  async fetch (cid: Parameters<BlockFetcher['fetch']>[0], options: Parameters<BlockFetcher['fetch']>[1] = {}): Promise<Uint8Array> {
    const session = options.session as (FetchSession & Partial<BitswapSession>) | undefined
    if (session?.want != null) return session.want(cid, { signal: options.signal })
    if (this.#bitswap == null) throw new Error('the network is not started yet')
    return this.#bitswap.want(cid, { signal: options.signal })
  }

  createSession (): FetchSession {
    if (this.#bitswap == null) return { close () {} }
    return this.#bitswap.createSession()
  }
}

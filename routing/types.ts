/**
 * The `Routing` interface: how Cairn finds providers, peers and value records, whatever answers
 * (our Kademlia DHT in `dht/`, delegated HTTP routers). `bitswap/` and `naming/` know routing only
 * through this interface, never through `dht/` itself.
 *
 * Every call takes an AbortSignal; a router gives a network query a default timeout when the
 * caller gives none. Streams are async iterables so a caller can stop early (findprovs -n 1).
 */
import type { AbortOptions, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { CID } from 'multiformats/cid'

/** A peer and the addresses it can be dialled on (possibly none, when only its ID is known). */
export interface PeerInfo {
  id: PeerId
  multiaddrs: Multiaddr[]
}

/**
 * Progress of a routing query, in the shape of Kubo's `QueryEvent` types, so the RPC API can
 * stream `routing findprovs` and friends the way kubo-rpc-client expects (Type 0 = sending query,
 * 1 = peer response, 2 = final peer, 3 = query error, 4 = provider, 5 = value, 6 = adding peer,
 * 7 = dialing peer).
 */
export type RoutingEvent =
  | { type: 'sending-query', peer: PeerId }
  | { type: 'peer-response', peer: PeerId, closer: PeerInfo[], providers: PeerInfo[] }
  | { type: 'final-peer', peer: PeerInfo }
  | { type: 'query-error', peer: PeerId, error: Error }
  | { type: 'provider', from: PeerId, provider: PeerInfo }
  | { type: 'value', from: PeerId, value: Uint8Array }
  | { type: 'adding-peer', peer: PeerId }
  | { type: 'dialing-peer', peer: PeerId }

/** Options every routing call takes. */
export interface RoutingOptions extends AbortOptions {
  /** Called with each step of the query, for `--verbose` and the RPC event streams. */
  onProgress?: (event: RoutingEvent) => void
  /** Answer from local state only (the provider store, the value store): no network query. */
  offline?: boolean
}

/** Options of {@link Routing.findProviders}. */
export interface FindProvidersOptions extends RoutingOptions {
  /** Stop once this many distinct providers were found. Default: a router's own limit (20). */
  maxProviders?: number
}

/**
 * Finds providers, peers and value records. Every method fails with a named error
 * (`RoutingOffError` when no router is configured, `NotFoundError` when the answer is "none")
 * rather than silently succeeding or yielding nothing where the caller cannot tell why.
 */
export interface Routing {
  /** Announces that this node provides the block `cid` (ADD_PROVIDER to the closest peers). */
  provide(cid: CID, options?: RoutingOptions): Promise<void>
  /** Peers that provide `cid`, each at most once, as they are found. */
  findProviders(cid: CID, options?: FindProvidersOptions): AsyncIterable<PeerInfo>
  /** The addresses of a peer. Throws `PeerNotFoundError` when no router knows it. */
  findPeer(peer: PeerId, options?: RoutingOptions): Promise<PeerInfo>
  /** The closest peers to a key (a peer ID's bytes or any other key), closest first at the end. */
  getClosestPeers(key: Uint8Array, options?: RoutingOptions): AsyncIterable<PeerInfo>
  /** Stores a value record (`/pk/…`, `/ipns/…`) on the closest peers after validating it. */
  put(key: Uint8Array, value: Uint8Array, options?: RoutingOptions): Promise<void>
  /** The best valid value record for a key. Throws `NotFoundError` when there is none. */
  get(key: Uint8Array, options?: RoutingOptions): Promise<Uint8Array>
}

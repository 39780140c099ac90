/**
 * What the DHT needs from the node, typed on `@libp2p/interface` so `dht/` never imports `core/`.
 * Cairn's host (`core/libp2p/host.ts`) provides each part (`host.registrar`,
 * `host.connectionManager`, `host.peerStore`, `host.events`, `host.getMultiaddrs`); so does a plain
 * js-libp2p node (`libp2p` itself is registrar, connection manager and address source at once),
 * which the tests and the simulation use.
 */
import type { DHTDatastore } from './datastore.ts'
import type {
  AbortOptions, ComponentLogger, Connection, PeerId, PeerStore, Stream, StreamHandler, StreamHandlerOptions,
  Topology, DialProtocolOptions
} from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/** Protocol handlers and topologies (a subset of libp2p's registrar). */
export interface DHTRegistrar {
  handle(protocol: string, handler: StreamHandler, options?: StreamHandlerOptions): Promise<void>
  unhandle(protocol: string, options?: AbortOptions): Promise<void>
  register(protocol: string, topology: Topology, options?: AbortOptions): Promise<string>
  unregister(id: string): void
}

/** Dialing and open connections (a subset of libp2p's connection manager). */
export interface DHTConnectionManager {
  /** Opens a stream for `protocol` to a peer, dialing its known addresses first if needed. */
  dialProtocol(peer: PeerId, protocol: string, options?: DialProtocolOptions): Promise<Stream>
  /** Open connections, to one peer or to all. */
  getConnections(peer?: PeerId): Connection[]
}

/** Where the node can be reached, announced in ADD_PROVIDER and used by `auto` mode. */
export interface DHTAddresses {
  /** The node's announced addresses (a trailing `/p2p/<id>` is fine; it is dropped on the wire). */
  getMultiaddrs(): Multiaddr[]
}

/** Node events the DHT follows: `self:peer:update` (our addresses changed, for `auto` mode). */
export interface DHTEvents {
  addEventListener(type: 'self:peer:update', listener: () => void): void
  removeEventListener(type: 'self:peer:update', listener: () => void): void
}

/** Collaborators of the DHT. */
export interface DHTComponents {
  peerId: PeerId
  registrar: DHTRegistrar
  connectionManager: DHTConnectionManager
  /** Known peers: addresses to dial, protocols from identify. */
  peerStore: PeerStore
  addresses: DHTAddresses
  /** Provider records, value records and the peer cache. */
  datastore: DHTDatastore
  logger: ComponentLogger
  /** Optional: lets `auto` mode react as soon as the node learns a public address. */
  events?: DHTEvents
}

/**
 * Components, not core: how the node hands its parts to the network subsystems.
 *
 * `dht/`, `bitswap/` and `naming/` never import `core/`. Each declares what it needs as its own
 * `…Components` interface, typed on `@libp2p/interface` (PeerId, PeerStore, StreamHandler,
 * Topology, Connection, ComponentLogger) and on the small typed stores below it
 * (`MetadataStore`, `Routing`, `BlockService`-like getters), e.g.
 *
 * ```ts
 * export interface DhtComponents {
 *   peerId: PeerId
 *   registrar: { handle(protocol: string, handler: StreamHandler, options?: StreamHandlerOptions): Promise<void>, ... }
 *   connectionManager: { dialProtocol(peer: PeerId, protocols: string[], options?: AbortOptions): Promise<Stream>, ... }
 *   peerStore: PeerStore
 *   logger: ComponentLogger
 *   datastore: MetadataStore
 * }
 * ```
 *
 * The node builds one {@link NodeComponents} object by hand from the libp2p host, the repo and
 * the routing (no string-keyed container) and passes it, or a scoped copy from
 * {@link componentsFor}, to each constructor: TypeScript checks structurally that it provides what
 * each subsystem declared.
 */
import type { PeerId, PeerStore } from '@libp2p/interface'
import type { MetadataStore } from '../repo/index.ts'
import type { ComponentLogger } from '../logger/index.ts'
import type { Routing } from '../routing/index.ts'
import type { BlockService } from './block-service.ts'
import type { CairnHost, HostConnectionManager, HostEvents, HostRegistrar } from './libp2p/index.ts'

/** Everything the node can give a network subsystem. */
export interface NodeComponents {
  /** This node's peer ID (`Identity.PeerID`). */
  peerId: PeerId
  /** Stream handlers and topologies for Cairn's own protocols. */
  registrar: HostRegistrar
  /** Dialing, streams and the list of connections. */
  connectionManager: HostConnectionManager
  /** Known peers: addresses, protocols, identify metadata. */
  peerStore: PeerStore
  /** Host events (`peer:connect`, `peer:identify`, `connection:close`…). */
  events: HostEvents
  /** The process's component logger; subsystems name their parts `cairn:<subsystem>:<part>`. */
  logger: ComponentLogger
  /** The metadata datastore (the whole of it; {@link componentsFor} gives a subsystem its own part). */
  datastore: MetadataStore
  /** The node's routing (the composite of its routers). */
  routing: Routing
  /** The node's block service. */
  blocks: BlockService
}

/** What {@link createNodeComponents} is built from. */
export interface NodeComponentsInit {
  host: CairnHost
  logger: ComponentLogger
  datastore: MetadataStore
  routing: Routing
  blocks: BlockService
}

/** The typed components object, from the libp2p host and the node's other parts. */
export function createNodeComponents (init: NodeComponentsInit): NodeComponents {
  const { host } = init
  return {
    peerId: host.peerId,
    registrar: host.registrar,
    connectionManager: host.connectionManager,
    peerStore: host.peerStore,
    events: host.events,
    logger: init.logger,
    datastore: init.datastore,
    routing: init.routing,
    blocks: init.blocks
  }
}

/**
 * The components for one subsystem: the same parts, with `datastore` narrowed to the
 * subsystem's own part of the metadata datastore (`dht`, `bitswap`, `ipns`), so no two
 * subsystems can read or overwrite each other's records.
 */
export function componentsFor (components: NodeComponents, subsystem: string): NodeComponents {
  return { ...components, datastore: components.datastore.sub(subsystem) }
}

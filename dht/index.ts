/**
 * Cairn's Kademlia DHT over libp2p (`/ipfs/kad/1.0.0`), interoperable with Kubo and js-libp2p's
 * kad-dht: routing table, RPC server, iterative lookups, provider and value records.
 *
 * The node wires it like this (all parts come from the host and the repo):
 * ```ts
 * const dht = createDHT({
 *   peerId: host.peerId, registrar: host.registrar, connectionManager: host.connectionManager,
 *   peerStore: host.peerStore, addresses: host, events: host.events, logger,
 *   datastore: new LevelDHTDatastore(repo.datastore)
 * }, { mode: 'auto' })
 * await dht.start()          // after the host; stop it before the host
 * for await (const p of dht.findProviders(cid, { maxProviders: 5 })) …
 * dht.routingTable.bucketView()   // for `stats dht`
 * await dht.setMode('server')     // Routing.Type dhtserver
 * ```
 * `Routing.Type` maps to modes: `auto`/`dht` → `auto`, `dhtserver` → `server`,
 * `dhtclient` → `client`, `none` → no DHT at all. The `test` profile uses
 * `{ mode: 'server', ipDiversity: { allowLoopback: true } }`.
 */
import { KadDHT } from './dht.ts'
import type { DHTComponents } from './components.ts'
import type { DHTInit } from './options.ts'

export { KadDHT, DEFAULT_MAX_PROVIDERS } from './dht.ts'
export { MemoryDHTDatastore, LevelDHTDatastore, DHT_SUBLEVEL } from './datastore.ts'
export type { DHTDatastore, DatastoreEntry, LevelParent, LevelTable } from './datastore.ts'
export type { DHTComponents, DHTRegistrar, DHTConnectionManager, DHTAddresses, DHTEvents } from './components.ts'
export { resolveDHTInit } from './options.ts'
export type { DHTInit, DHTMode, DHTOptions } from './options.ts'
export { RoutingTable } from './routing-table.ts'
export type { Contact, IpDiversityInit, RoutingTableInit } from './routing-table.ts'
export { RecordValidators, publicKeyValidator, namespaceOf } from './records.ts'
export type { RecordValidator } from './records.ts'
export type { ProviderStoreInit } from './provider-store.ts'
export { lookup } from './query.ts'
export {
  SweepingReprovider, systemClock, DEFAULT_REPROVIDE_INTERVAL, DEFAULT_MAX_REPROVIDE_DELAY, DEFAULT_INITIAL_DELAY,
  DEFAULT_RETRY_DELAY, DEFAULT_SEND_CONCURRENCY, DEFAULT_RECORDS_PER_STREAM, REPROVIDER_STATE_KEY
} from './reprovider.ts'
export type { Clock, ReproviderComponents, ReproviderInit, ReproviderStats, SweepDHT, SweepResult } from './reprovider.ts'
export {
  groupByRegion, regionPosition, regionPrefixLength, estimateNetworkSize, prefixOf, hasPrefix, randomKeyWithPrefix, MAX_REGION_PREFIX_LENGTH
} from './regions.ts'
export type { Region, RegionKey } from './regions.ts'
export { StreamTransport } from './network.ts'
export type { LookupOptions, LookupResult, PeerAnswer, QueryFn } from './query.ts'
export type { DHTTransport } from './network.ts'
export { kadId, peerKadId, commonPrefixLength, compareDistance, xorDistance } from './keyspace.ts'
export * from './constants.ts'

/**
 * Creates the DHT. Nothing happens on the network until `start()`. The returned object
 * implements `Routing` (provide, findProviders, findPeer, getClosestPeers, put, get), plus
 * `start`/`stop`, `setMode`/`getMode`, `refresh`, `registerValidator` (for `/ipns/`) and
 * `routingTable` for stats.
 */
export function createDHT (components: DHTComponents, init: DHTInit = {}): KadDHT {
  return new KadDHT(components, init)
}

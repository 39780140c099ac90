/**
 * Protocol IDs and the parameters of Cairn's Kademlia DHT, with the source of each value.
 * Options of the DHT default to these (see `options.ts`).
 */

/** The Amino (public IPFS) DHT protocol (go-libp2p-kad-dht amino/defaults.go). */
export const PROTOCOL_DHT = '/ipfs/kad/1.0.0'

/** k: bucket size and replication factor (amino.DefaultBucketSize, js `K`). */
export const K = 20

/** α: concurrent requests of one lookup (go `DefaultConcurrency`, js `ALPHA`). */
export const DEFAULT_ALPHA = 10

/** β: a lookup ends once this many of the closest reachable peers have answered (go `DefaultResiliency`). */
export const DEFAULT_BETA = 3

/** The largest message read or written, framing excluded (go `network.MessageSizeMax`, 4 MiB). */
export const MAX_MESSAGE_SIZE = 4 * 1024 * 1024

/** Longest provider key (a multihash) accepted by ADD_PROVIDER and GET_PROVIDERS (go handlers.go). */
export const MAX_PROVIDER_KEY_SIZE = 80

/** Longest value-record key accepted; IPNS keys are `/ipns/` + a ≤ 42-byte multihash. */
export const MAX_RECORD_KEY_SIZE = 1024

/** At most this many closer peers are taken from one response (go query.go keeps 2k). */
export const MAX_CLOSER_PEERS_PER_RESPONSE = 2 * K

/** At most this many addresses are kept for one peer learnt from a response (go caps a Peer at 8 KiB). */
export const MAX_ADDRS_PER_PEER = 16

/** How long one request may take before its peer counts as unresponsive (go `dhtReadMessageTimeout`). */
export const DEFAULT_REQUEST_TIMEOUT = 10_000

/** How long the server waits for each inbound message, including between requests on one stream (js `incomingMessageTimeout`). */
export const DEFAULT_INBOUND_MESSAGE_TIMEOUT = 10_000

/** A whole lookup gives up after this long when the caller passes no signal. */
export const DEFAULT_QUERY_TIMEOUT = 60_000

/** Provider records expire this long after they were received (go `DefaultProvideValidity`). */
export const PROVIDER_RECORD_VALIDITY = 48 * 60 * 60 * 1000

/** Value records are served for this long after they were received (go records/value_store.go). */
export const VALUE_RECORD_MAX_AGE = 48 * 60 * 60 * 1000

/** How often expired provider and value records are swept away (js: hourly). */
export const DEFAULT_CLEANUP_INTERVAL = 60 * 60 * 1000

/** Provider records one peer may hold in our store, so one peer cannot fill the disk. */
export const DEFAULT_MAX_PROVIDER_RECORDS_PER_PEER = 10_000

/** Provider records kept in total. */
export const DEFAULT_MAX_PROVIDER_RECORDS = 1_000_000

/** Providers kept per key (the oldest go first); far more than a GET_PROVIDERS answer needs. */
export const DEFAULT_MAX_PROVIDERS_PER_KEY = 100

/** Routing-table refresh period (go: 10 min). */
export const DEFAULT_REFRESH_INTERVAL = 10 * 60 * 1000

/** Buckets beyond this common prefix length are not refreshed: finding a key for them costs 2^cpl hashes (go `maxCplForRefresh`). */
export const MAX_CPL_FOR_REFRESH = 15

/** IP diversity: peers of one IP group per bucket (go amino `DefaultMaxPeersPerIPGroupPerCpl`). */
export const DEFAULT_MAX_PEERS_PER_IP_GROUP_PER_BUCKET = 2

/** IP diversity: peers of one IP group in the whole table (go amino `DefaultMaxPeersPerIPGroup`). */
export const DEFAULT_MAX_PEERS_PER_IP_GROUP = 3

/** A value lookup stops once this many peers returned a valid record (js `GET_MANY_RECORD_COUNT`; ipfs spec: 16 of 20 for IPNS). */
export const DEFAULT_VALUE_QUORUM = 16

/** Inbound DHT streams at once per connection (js kad-dht registers with 32). */
export const MAX_INBOUND_STREAMS = 32

/** Outbound DHT streams at once per connection (js kad-dht: 64). */
export const MAX_OUTBOUND_STREAMS = 64

/** Peers persisted in the peer cache at most (a full table of 256 buckets would never be reached). */
export const MAX_CACHED_PEERS = 1000

/**
 * Typed readers of the config: one per section, each with its defaults as `DEFAULT_*` constants.
 * Consumers call a reader and get checked, typed values; nobody casts the config. A value a reader
 * refuses is an `InvalidConfigError` that names the key and says why, and because
 * {@link validateConfig} runs every reader, the same check refuses a bad value when it is set
 * (`config KEY VALUE`) and when the repo is opened.
 *
 * Key names and meanings are Kubo's (https://github.com/ipfs/kubo/blob/master/docs/config.md);
 * an absent key, or `null` on an optional one, means its default. Only keys some part of Cairn
 * reads are here (and in `CONFIG_SCHEMA`).
 *
 * These readers must stay cheap to load: every CLI command opens the repo, so no multiaddr or
 * codec library is imported here. Swarm multiaddrs are parsed in full when the host starts;
 * chunker sizes are range-checked by the importer.
 */
import { isIP } from 'node:net'
import { InvalidConfigError, messageOf } from '../errors/index.ts'
import { parseDuration } from './duration.ts'

/** What the readers read: a config as loaded (a `Config`), or any part-filled object in tests. */
export type ConfigSource = Readonly<Record<string, unknown>>

/** Where the API listens by default (loopback only). */
export const DEFAULT_API_ADDR = '/ip4/127.0.0.1/tcp/5001'
/** Where the gateway listens by default (loopback only). */
export const DEFAULT_GATEWAY_ADDR = '/ip4/127.0.0.1/tcp/8080'
/** The default swarm addresses, as Kubo's TCP listeners. */
export const DEFAULT_SWARM_ADDRS: readonly string[] = Object.freeze(['/ip4/0.0.0.0/tcp/4001', '/ip6/::/tcp/4001'])
/**
 * How long an upload to the RPC API may send nothing while the server waits for it: 60 s. After
 * that the command (an `add` holding a GC lease) fails and lets go.
 */
export const DEFAULT_UPLOAD_IDLE_TIMEOUT = '60s'
/** `Datastore.StorageMax`: 10GB, Kubo's default. */
export const DEFAULT_STORAGE_MAX = '10GB'
/** `Datastore.HashOnRead`: blocks are re-hashed on every read unless turned off. */
export const DEFAULT_HASH_ON_READ = true
/** `Routing.Type`: `auto`, Kubo's default. */
export const DEFAULT_ROUTING_TYPE = 'auto'
/** `Provide.Enabled`: on. */
export const DEFAULT_PROVIDE_ENABLED = true
/** `Provide.Strategy`: `all`, Kubo's default. */
export const DEFAULT_PROVIDE_STRATEGY = 'all'
/** `Provide.DHT.Interval`: 22 h, Kubo's default reprovide interval. */
export const DEFAULT_PROVIDE_INTERVAL = '22h'
/** `Ipns.RepublishPeriod`: 4 h, Kubo's default. */
export const DEFAULT_IPNS_REPUBLISH_PERIOD = '4h'
/** `Ipns.RecordLifetime`: 48 h, Kubo's default. */
export const DEFAULT_IPNS_RECORD_LIFETIME = '48h'
/** `Ipns.UsePubsub`: off. */
export const DEFAULT_IPNS_USE_PUBSUB = false
/** `Gateway.ExposeRoutingAPI`: on, as Kubo's default (`/routing/v1` on the gateway port). */
export const DEFAULT_EXPOSE_ROUTING_API = true

/** Kubo's `Routing.Type` values. */
export const ROUTING_TYPES = ['auto', 'autoclient', 'dht', 'dhtclient', 'dhtserver', 'none', 'delegated', 'custom'] as const
/** Kubo's `Provide.Strategy` values. */
export const PROVIDE_STRATEGIES = ['all', 'pinned', 'roots', 'mfs', 'pinned+mfs'] as const

const SIZE_UNITS: Record<string, number> = {
  '': 1, b: 1, k: 1000, kb: 1000, kib: 1024, m: 1e6, mb: 1e6, mib: 1024 ** 2, g: 1e9, gb: 1e9, gib: 1024 ** 3, t: 1e12, tb: 1e12, tib: 1024 ** 4
}

/** Parses a human byte size as Kubo writes them ("256KiB", "10GB", "1024"). */
export function parseByteSize (text: string | number): number {
  if (typeof text === 'number') return text
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text)
  const unit = match?.[2].toLowerCase()
  // own entries only: "0constructor" is not a size
  if (match == null || unit == null || !Object.hasOwn(SIZE_UNITS, unit)) {
    throw new InvalidConfigError(`"${text}" is not a byte size (e.g. 256KiB, 10GB)`)
  }
  const bytes = Math.round(Number(match[1]) * SIZE_UNITS[unit])
  if (!Number.isSafeInteger(bytes)) throw new InvalidConfigError(`"${text}" is too large a byte size`)
  return bytes
}

// --- value checks: each throws InvalidConfigError naming the key ---

function fail (key: string, reason: string, cause?: unknown): never {
  throw new InvalidConfigError(`config key ${key} ${reason}`, cause == null ? undefined : { cause })
}

function show (value: unknown): string {
  return JSON.stringify(value) ?? String(value)
}

/** The object at `name` in `parent`, or an empty one when absent; anything else is an error. */
function sectionOf (parent: ConfigSource, name: string, key: string): Record<string, unknown> {
  const value = Object.hasOwn(parent, name) ? parent[name] : undefined
  if (value == null) return {}
  if (typeof value !== 'object' || Array.isArray(value)) fail(key, `must be an object, not ${show(value)}`)
  return value as Record<string, unknown>
}

function own (section: ConfigSource, name: string): unknown {
  return Object.hasOwn(section, name) ? section[name] : undefined
}

function string (section: ConfigSource, name: string, key: string): string | undefined {
  const value = own(section, name)
  if (value == null) return undefined
  if (typeof value !== 'string') fail(key, `takes a string, not ${show(value)}`)
  return value
}

function boolean (section: ConfigSource, name: string, key: string): boolean | undefined {
  const value = own(section, name)
  if (value == null) return undefined
  if (typeof value !== 'boolean') fail(key, `takes true or false, not ${show(value)}`)
  return value
}

function integer (section: ConfigSource, name: string, key: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const value = own(section, name)
  if (value == null) return undefined
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    fail(key, `takes a whole number from ${min}${max === Number.MAX_SAFE_INTEGER ? ' up' : ` to ${max}`}, not ${show(value)}`)
  }
  return value
}

function oneOf<T extends string> (section: ConfigSource, name: string, key: string, allowed: readonly T[]): T | undefined {
  const value = string(section, name, key)
  if (value == null) return undefined
  if (!(allowed as readonly string[]).includes(value)) fail(key, `takes one of ${allowed.join(', ')}, not ${show(value)}`)
  return value as T
}

function duration (section: ConfigSource, name: string, key: string, fallback: string): number {
  const value = own(section, name) ?? fallback
  if (typeof value !== 'string') fail(key, `takes a duration such as "30s" or "1h", not ${show(value)}`)
  try {
    return parseDuration(value)
  } catch (err) {
    fail(key, `takes a duration such as "30s" or "1h": ${messageOf(err)}`, err)
  }
}

function optionalDuration (section: ConfigSource, name: string, key: string): number | undefined {
  const value = own(section, name)
  if (value == null || value === '') return undefined
  return duration(section, name, key, '')
}

function byteSize (section: ConfigSource, name: string, key: string, fallback?: string): number | undefined {
  const value = own(section, name) ?? fallback
  if (value == null) return undefined
  if (typeof value !== 'string' && typeof value !== 'number') fail(key, `takes a byte size such as "10GB", not ${show(value)}`)
  try {
    return parseByteSize(value)
  } catch (err) {
    fail(key, `takes a byte size such as "256KiB" or "10GB", not ${show(value)}`, err)
  }
}

function strings (section: ConfigSource, name: string, key: string): string[] | undefined {
  const value = own(section, name)
  if (value == null) return undefined
  if (!Array.isArray(value) || value.some(v => typeof v !== 'string')) fail(key, `takes a list of strings, not ${show(value)}`)
  return [...value as string[]]
}

function multiaddrs (section: ConfigSource, name: string, key: string): string[] | undefined {
  const list = strings(section, name, key)
  for (const address of list ?? []) {
    if (!address.startsWith('/') || address.length < 2) fail(key, `takes a list of multiaddrs (such as /ip4/0.0.0.0/tcp/4001), not ${show(address)}`)
  }
  return list
}

/** A list of `http://` or `https://` URLs with a host (delegated routers). */
function httpUrls (section: ConfigSource, name: string, key: string): string[] | undefined {
  const list = strings(section, name, key)
  for (const url of list ?? []) {
    let parsed: URL | undefined
    try {
      parsed = new URL(url)
    } catch {}
    if (parsed == null || !['http:', 'https:'].includes(parsed.protocol) || parsed.host === '') {
      fail(key, `takes a list of http:// or https:// URLs (such as https://delegated-ipfs.dev), not ${show(url)}`)
    }
  }
  return list
}

/** Header values as Kubo writes them: a string or a list of strings, per header name. */
function headers (section: ConfigSource, name: string, key: string): Record<string, string[]> {
  const map = sectionOf(section, name, key)
  const out: Record<string, string[]> = {}
  for (const [header, value] of Object.entries(map)) {
    if (typeof value === 'string') out[header] = [value]
    else if (Array.isArray(value) && value.every(v => typeof v === 'string')) out[header] = [...value as string[]]
    else fail(`${key}.${header}`, `takes a string or a list of strings, not ${show(value)}`)
  }
  return out
}

// --- Addresses ---

/** A TCP listen address for an HTTP server: the multiaddr as written, and where to bind. */
export interface ListenAddress {
  multiaddr: string
  host: string
  port: number
}

/**
 * Parses `/ip4/<addr>/tcp/<port>` or `/ip6/<addr>/tcp/<port>`, the addresses Cairn's HTTP servers
 * can listen on; anything else is an `InvalidConfigError` naming `key`.
 */
export function parseListenAddress (address: string, key: string): ListenAddress {
  const parts = address.split('/')
  const [empty, family, host, proto, port] = parts
  const ok = parts.length === 5 && empty === '' && proto === 'tcp' &&
    ((family === 'ip4' && isIP(host) === 4) || (family === 'ip6' && isIP(host) === 6)) &&
    /^\d{1,5}$/.test(port) && Number(port) <= 65535
  if (!ok) fail(key, `must be a multiaddr /ip4/<address>/tcp/<port> or /ip6/<address>/tcp/<port>, not ${show(address)}`)
  return { multiaddr: address, host, port: Number(port) }
}

/** The `Addresses` section. */
export interface AddressesConfig {
  Swarm: string[]
  Announce: string[]
  AppendAnnounce: string[]
  NoAnnounce: string[]
  API: ListenAddress
  Gateway: ListenAddress
}

/** Reads `Addresses`; the API and gateway default to loopback ({@link DEFAULT_API_ADDR}, {@link DEFAULT_GATEWAY_ADDR}). */
export function readAddresses (config: ConfigSource): AddressesConfig {
  const section = sectionOf(config, 'Addresses', 'Addresses')
  return {
    Swarm: multiaddrs(section, 'Swarm', 'Addresses.Swarm') ?? [...DEFAULT_SWARM_ADDRS],
    Announce: multiaddrs(section, 'Announce', 'Addresses.Announce') ?? [],
    AppendAnnounce: multiaddrs(section, 'AppendAnnounce', 'Addresses.AppendAnnounce') ?? [],
    NoAnnounce: multiaddrs(section, 'NoAnnounce', 'Addresses.NoAnnounce') ?? [],
    API: parseListenAddress(string(section, 'API', 'Addresses.API') ?? DEFAULT_API_ADDR, 'Addresses.API'),
    Gateway: parseListenAddress(string(section, 'Gateway', 'Addresses.Gateway') ?? DEFAULT_GATEWAY_ADDR, 'Addresses.Gateway')
  }
}

/** `Bootstrap`: the peers dialed on start (empty by default: local-first). */
export function readBootstrap (config: ConfigSource): string[] {
  return multiaddrs(config, 'Bootstrap', 'Bootstrap') ?? []
}

// --- API ---

/** One entry of `API.Authorizations`. */
export interface ApiAuthorizationConfig {
  /** `bearer:<token>` or `basic:<user>:<password>`. */
  AuthSecret: string
  /** Path prefixes the secret may call. */
  AllowedPaths: string[]
}

/** The `API` section. */
export interface ApiConfig {
  HTTPHeaders: Record<string, string[]>
  Authorizations: Record<string, ApiAuthorizationConfig>
  /** `API.UploadIdleTimeout` (a Cairn key) in ms. Default {@link DEFAULT_UPLOAD_IDLE_TIMEOUT}; 0 turns it off. */
  UploadIdleTimeoutMs: number
}

/** Reads `API`. */
export function readApi (config: ConfigSource): ApiConfig {
  const section = sectionOf(config, 'API', 'API')
  const authorizations: Record<string, ApiAuthorizationConfig> = {}
  for (const [name, value] of Object.entries(sectionOf(section, 'Authorizations', 'API.Authorizations'))) {
    const key = `API.Authorizations.${name}`
    const entry = sectionOf({ [name]: value }, name, key)
    const secret = string(entry, 'AuthSecret', `${key}.AuthSecret`)
    if (secret == null || secret === '') fail(`${key}.AuthSecret`, 'must be set (bearer:<token> or basic:<user>:<password>)')
    authorizations[name] = { AuthSecret: secret, AllowedPaths: strings(entry, 'AllowedPaths', `${key}.AllowedPaths`) ?? [] }
  }
  return {
    HTTPHeaders: headers(section, 'HTTPHeaders', 'API.HTTPHeaders'),
    Authorizations: authorizations,
    UploadIdleTimeoutMs: duration(section, 'UploadIdleTimeout', 'API.UploadIdleTimeout', DEFAULT_UPLOAD_IDLE_TIMEOUT)
  }
}

// --- Gateway ---

/** One entry of `Gateway.PublicGateways`; `null` removes an implicit entry (such as `localhost`). */
export interface PublicGatewayConfig {
  UseSubdomains: boolean
}

/**
 * The `Gateway` section. Absent limits are left undefined: the gateway's own `DEFAULT_*`
 * constants (http-api/gateway/constants.ts) supply them.
 */
export interface GatewayConfig {
  HTTPHeaders: Record<string, string[]>
  RootRedirect: string
  NoFetch: boolean
  /** `Gateway.NoDNSLink`: when true, a `Host` is never looked up as a DNSLink name. Default false. */
  NoDNSLink: boolean
  DeserializedResponses: boolean
  /** Convert blocks to the dag-json / dag-cbor asked for. Default {@link DEFAULT_ALLOW_CODEC_CONVERSION}. */
  AllowCodecConversion: boolean
  PublicGateways: Record<string, PublicGatewayConfig | null>
  RetrievalTimeoutMs?: number
  MaxConcurrentRequests?: number
  MaxRequestDurationMs?: number
  /** Serve the Delegated Routing V1 HTTP API (`/routing/v1/…`) on the gateway. Default {@link DEFAULT_EXPOSE_ROUTING_API}. */
  ExposeRoutingAPI: boolean
}

/**
 * `Gateway.AllowCodecConversion`'s default: off, as in Kubo since 0.40 (IPIP-524) and the
 * gateway-conformance suite: `?format=dag-json` on a dag-pb block answers 406 naming the key;
 * `true` answers it converted, as Kubo did before.
 */
export const DEFAULT_ALLOW_CODEC_CONVERSION = false

/** Reads `Gateway`. */
export function readGateway (config: ConfigSource): GatewayConfig {
  const section = sectionOf(config, 'Gateway', 'Gateway')
  const publicGateways: Record<string, PublicGatewayConfig | null> = {}
  for (const [host, value] of Object.entries(sectionOf(section, 'PublicGateways', 'Gateway.PublicGateways'))) {
    if (value === null) {
      publicGateways[host] = null
      continue
    }
    const key = `Gateway.PublicGateways.${host}`
    const entry = sectionOf({ [host]: value }, host, key)
    publicGateways[host] = { UseSubdomains: boolean(entry, 'UseSubdomains', `${key}.UseSubdomains`) ?? false }
  }
  return {
    HTTPHeaders: headers(section, 'HTTPHeaders', 'Gateway.HTTPHeaders'),
    RootRedirect: string(section, 'RootRedirect', 'Gateway.RootRedirect') ?? '',
    NoFetch: boolean(section, 'NoFetch', 'Gateway.NoFetch') ?? false,
    NoDNSLink: boolean(section, 'NoDNSLink', 'Gateway.NoDNSLink') ?? false,
    DeserializedResponses: boolean(section, 'DeserializedResponses', 'Gateway.DeserializedResponses') ?? true,
    AllowCodecConversion: boolean(section, 'AllowCodecConversion', 'Gateway.AllowCodecConversion') ?? DEFAULT_ALLOW_CODEC_CONVERSION,
    PublicGateways: publicGateways,
    RetrievalTimeoutMs: optionalDuration(section, 'RetrievalTimeout', 'Gateway.RetrievalTimeout'),
    MaxConcurrentRequests: integer(section, 'MaxConcurrentRequests', 'Gateway.MaxConcurrentRequests', 0),
    MaxRequestDurationMs: optionalDuration(section, 'MaxRequestDuration', 'Gateway.MaxRequestDuration'),
    ExposeRoutingAPI: boolean(section, 'ExposeRoutingAPI', 'Gateway.ExposeRoutingAPI') ?? DEFAULT_EXPOSE_ROUTING_API
  }
}

// --- Datastore ---

/** The `Datastore` section. */
export interface DatastoreConfig {
  /** `Datastore.StorageMax` in bytes. Default {@link DEFAULT_STORAGE_MAX}. */
  StorageMax: number
  /** `Datastore.HashOnRead`. Default {@link DEFAULT_HASH_ON_READ}. */
  HashOnRead: boolean
}

/** Reads `Datastore`. */
export function readDatastore (config: ConfigSource): DatastoreConfig {
  const section = sectionOf(config, 'Datastore', 'Datastore')
  return {
    StorageMax: byteSize(section, 'StorageMax', 'Datastore.StorageMax', DEFAULT_STORAGE_MAX) as number,
    HashOnRead: boolean(section, 'HashOnRead', 'Datastore.HashOnRead') ?? DEFAULT_HASH_ON_READ
  }
}

// --- Import ---

/**
 * The chunker forms Kubo accepts: `size-N`, `rabin`, `rabin-AVG`, `rabin-MIN-AVG-MAX` (parts
 * optionally labelled `min:`/`avg:`/`max:`), `buzhash`, or `default`. Sizes are range-checked by
 * the importer, which owns the limits.
 */
const CHUNKER_FORM = /^(default|buzhash|size-\d+|rabin(-\d+|-(min:)?\d+-(avg:)?\d+-(max:)?\d+)?)$/

/** The `Import` section: every key optional, the importer (or an `add` flag) supplies the rest. */
export interface ImportConfig {
  CidVersion?: 0 | 1
  UnixFSRawLeaves?: boolean
  UnixFSChunker?: string
  HashFunction?: string
  UnixFSFileMaxLinks?: number
  UnixFSDirectoryMaxLinks?: number
  UnixFSHAMTDirectoryMaxFanout?: number
  /** bytes */
  UnixFSHAMTDirectorySizeThreshold?: number
  UnixFSHAMTDirectorySizeEstimation?: 'links' | 'block' | 'disabled'
  UnixFSDAGLayout?: 'balanced' | 'trickle'
  BatchMaxNodes?: number
  BatchMaxSize?: number
}

/** Reads `Import`. */
export function readImport (config: ConfigSource): ImportConfig {
  const section = sectionOf(config, 'Import', 'Import')
  const out: ImportConfig = {}
  const cidVersion = integer(section, 'CidVersion', 'Import.CidVersion', 0, 1)
  if (cidVersion != null) out.CidVersion = cidVersion as 0 | 1
  const rawLeaves = boolean(section, 'UnixFSRawLeaves', 'Import.UnixFSRawLeaves')
  if (rawLeaves != null) out.UnixFSRawLeaves = rawLeaves
  const chunker = string(section, 'UnixFSChunker', 'Import.UnixFSChunker')
  if (chunker != null) {
    if (!CHUNKER_FORM.test(chunker)) fail('Import.UnixFSChunker', `takes size-<bytes>, rabin, rabin-<min>-<avg>-<max> or buzhash, not ${show(chunker)}`)
    out.UnixFSChunker = chunker
  }
  const hash = string(section, 'HashFunction', 'Import.HashFunction')
  if (hash != null) {
    if (!/^[a-z0-9-]+$/.test(hash)) fail('Import.HashFunction', `takes a multihash name such as sha2-256, not ${show(hash)}`)
    out.HashFunction = hash
  }
  const fileLinks = integer(section, 'UnixFSFileMaxLinks', 'Import.UnixFSFileMaxLinks', 2)
  if (fileLinks != null) out.UnixFSFileMaxLinks = fileLinks
  const dirLinks = integer(section, 'UnixFSDirectoryMaxLinks', 'Import.UnixFSDirectoryMaxLinks', 0)
  if (dirLinks != null) out.UnixFSDirectoryMaxLinks = dirLinks
  const fanout = integer(section, 'UnixFSHAMTDirectoryMaxFanout', 'Import.UnixFSHAMTDirectoryMaxFanout', 8, 1024)
  if (fanout != null) {
    if ((fanout & (fanout - 1)) !== 0) fail('Import.UnixFSHAMTDirectoryMaxFanout', `takes a power of two from 8 to 1024, not ${fanout}`)
    out.UnixFSHAMTDirectoryMaxFanout = fanout
  }
  const threshold = byteSize(section, 'UnixFSHAMTDirectorySizeThreshold', 'Import.UnixFSHAMTDirectorySizeThreshold')
  if (threshold != null) out.UnixFSHAMTDirectorySizeThreshold = threshold
  const estimation = oneOf(section, 'UnixFSHAMTDirectorySizeEstimation', 'Import.UnixFSHAMTDirectorySizeEstimation', ['links', 'block', 'disabled'] as const)
  if (estimation != null) out.UnixFSHAMTDirectorySizeEstimation = estimation
  const layout = oneOf(section, 'UnixFSDAGLayout', 'Import.UnixFSDAGLayout', ['balanced', 'trickle'] as const)
  if (layout != null) out.UnixFSDAGLayout = layout
  const batchNodes = integer(section, 'BatchMaxNodes', 'Import.BatchMaxNodes', 1)
  if (batchNodes != null) out.BatchMaxNodes = batchNodes
  const batchSize = integer(section, 'BatchMaxSize', 'Import.BatchMaxSize', 1)
  if (batchSize != null) out.BatchMaxSize = batchSize
  return out
}

// --- Swarm, Routing, Provide, Ipns ---

/** The `Swarm` section; absent limits are left to the host's own defaults. */
export interface SwarmConfig {
  MaxConnections?: number
  MaxConnectionsPerIP?: number
}

/** Reads `Swarm`. */
export function readSwarm (config: ConfigSource): SwarmConfig {
  const section = sectionOf(config, 'Swarm', 'Swarm')
  const out: SwarmConfig = {}
  const max = integer(section, 'MaxConnections', 'Swarm.MaxConnections', 1)
  if (max != null) out.MaxConnections = max
  const perIp = integer(section, 'MaxConnectionsPerIP', 'Swarm.MaxConnectionsPerIP', 1)
  if (perIp != null) out.MaxConnectionsPerIP = perIp
  return out
}

/** The `Routing` section. */
export interface RoutingConfig {
  Type: typeof ROUTING_TYPES[number]
  /**
   * Kubo's key (its `test` profile sets it): loopback peers may enter the DHT's routing table
   * with no IP-diversity limit, and loopback connections are not limited per IP. Default false.
   */
  LoopbackAddressesOnLanDHT: boolean
  /**
   * Kubo's key: Delegated Routing V1 HTTP API endpoints (`http(s)://host[:port]`, without
   * `/routing/v1`) asked beside the DHT for providers, peers and IPNS records; with `Routing.Type`
   * `delegated` they are the only routers. Default none.
   */
  DelegatedRouters: string[]
}

/** Reads `Routing`. Default type {@link DEFAULT_ROUTING_TYPE}. */
export function readRouting (config: ConfigSource): RoutingConfig {
  const section = sectionOf(config, 'Routing', 'Routing')
  return {
    Type: oneOf(section, 'Type', 'Routing.Type', ROUTING_TYPES) ?? DEFAULT_ROUTING_TYPE,
    LoopbackAddressesOnLanDHT: boolean(section, 'LoopbackAddressesOnLanDHT', 'Routing.LoopbackAddressesOnLanDHT') ?? false,
    DelegatedRouters: httpUrls(section, 'DelegatedRouters', 'Routing.DelegatedRouters') ?? []
  }
}

/** The `Bitswap` section (Kubo's `ServerEnabled`, and Cairn's reciprocity knobs). */
export interface BitswapConfig {
  /** Serve other peers' wantlists. Default true. */
  ServerEnabled: boolean
  /** Under contention, serve peers that gave us data first. Default true. */
  Reciprocity: boolean
  /** Extra scheduling weight of a peer that gave as much as it took. Default 4. */
  ReciprocityBoost: number
  /** Every this many picks the peer served longest ago goes next. Default 10. */
  OptimisticEvery: number
}

/** Reads `Bitswap`. */
export function readBitswap (config: ConfigSource): BitswapConfig {
  const section = sectionOf(config, 'Bitswap', 'Bitswap')
  return {
    ServerEnabled: boolean(section, 'ServerEnabled', 'Bitswap.ServerEnabled') ?? true,
    Reciprocity: boolean(section, 'Reciprocity', 'Bitswap.Reciprocity') ?? true,
    ReciprocityBoost: integer(section, 'ReciprocityBoost', 'Bitswap.ReciprocityBoost', 0, 1000) ?? 4,
    OptimisticEvery: integer(section, 'OptimisticEvery', 'Bitswap.OptimisticEvery', 0, 1_000_000) ?? 10
  }
}

/** The `HTTPRetrieval` section: trustless gateways as a block source beside Bitswap. */
export interface HttpRetrievalConfig {
  /** Kubo's key. Default true (it only matters once gateways are listed). */
  Enabled: boolean
  /** Cairn's key: trustless gateway URLs (`http://host:port`) asked for blocks. Default none. */
  Gateways: string[]
  /** Kubo's key: largest block taken from a gateway, in bytes. Default 2 MiB. */
  MaxBlockSize: number
  /** Kubo's key: hostnames of providers' gateways that may be asked; empty: any. Default empty. */
  Allowlist: string[]
  /** Kubo's key: hostnames of providers' gateways never asked. Default empty. */
  Denylist: string[]
  /**
   * Cairn's key: the daemon announces its gateway as an HTTP address (`/ip4/…/tcp/N/http`) in
   * its provider records, so other nodes can fetch blocks from it over HTTP. Default false.
   */
  Announce: boolean
}

/** Reads `HTTPRetrieval`. */
export function readHttpRetrieval (config: ConfigSource): HttpRetrievalConfig {
  const section = sectionOf(config, 'HTTPRetrieval', 'HTTPRetrieval')
  const gateways = section.Gateways ?? []
  if (!Array.isArray(gateways) || gateways.some(g => typeof g !== 'string' || !/^https?:\/\/[^/]+/.test(g))) {
    throw new InvalidConfigError('HTTPRetrieval.Gateways must be a list of http:// or https:// URLs')
  }
  const max = section.MaxBlockSize == null ? 2 * 1024 * 1024 : parseByteSize(section.MaxBlockSize as string)
  if (!Number.isFinite(max) || max <= 0) throw new InvalidConfigError('HTTPRetrieval.MaxBlockSize must be a size such as "2MiB"')
  return {
    Enabled: boolean(section, 'Enabled', 'HTTPRetrieval.Enabled') ?? true,
    Gateways: gateways as string[],
    MaxBlockSize: max,
    Allowlist: strings(section, 'Allowlist', 'HTTPRetrieval.Allowlist') ?? [],
    Denylist: strings(section, 'Denylist', 'HTTPRetrieval.Denylist') ?? [],
    Announce: boolean(section, 'Announce', 'HTTPRetrieval.Announce') ?? false
  }
}

/** The `Provide` section. */
export interface ProvideConfig {
  Enabled: boolean
  Strategy: typeof PROVIDE_STRATEGIES[number]
  /** `Provide.DHT.Interval` in ms: how often every provided key is announced again. */
  IntervalMs: number
}

/** Reads `Provide`. */
export function readProvide (config: ConfigSource): ProvideConfig {
  const section = sectionOf(config, 'Provide', 'Provide')
  const dht = sectionOf(section, 'DHT', 'Provide.DHT')
  return {
    Enabled: boolean(section, 'Enabled', 'Provide.Enabled') ?? DEFAULT_PROVIDE_ENABLED,
    Strategy: oneOf(section, 'Strategy', 'Provide.Strategy', PROVIDE_STRATEGIES) ?? DEFAULT_PROVIDE_STRATEGY,
    IntervalMs: duration(dht, 'Interval', 'Provide.DHT.Interval', DEFAULT_PROVIDE_INTERVAL)
  }
}

/** The `Ipns` section. */
export interface IpnsConfig {
  RepublishPeriodMs: number
  RecordLifetimeMs: number
  UsePubsub: boolean
  /** `Ipns.MaxCacheTTL` in ms: the longest a resolved name is cached, whatever its record's TTL. Unset: the record's TTL. */
  MaxCacheTTLMs?: number
}

/** Reads `Ipns`. */
export function readIpns (config: ConfigSource): IpnsConfig {
  const section = sectionOf(config, 'Ipns', 'Ipns')
  return {
    RepublishPeriodMs: duration(section, 'RepublishPeriod', 'Ipns.RepublishPeriod', DEFAULT_IPNS_REPUBLISH_PERIOD),
    RecordLifetimeMs: duration(section, 'RecordLifetime', 'Ipns.RecordLifetime', DEFAULT_IPNS_RECORD_LIFETIME),
    UsePubsub: boolean(section, 'UsePubsub', 'Ipns.UsePubsub') ?? DEFAULT_IPNS_USE_PUBSUB,
    MaxCacheTTLMs: section.MaxCacheTTL == null ? undefined : duration(section, 'MaxCacheTTL', 'Ipns.MaxCacheTTL', '0s')
  }
}

/** Every section reader, by section name. */
export const CONFIG_READERS = {
  Addresses: readAddresses,
  Bootstrap: readBootstrap,
  API: readApi,
  Gateway: readGateway,
  Datastore: readDatastore,
  Import: readImport,
  Swarm: readSwarm,
  Routing: readRouting,
  Bitswap: readBitswap,
  HTTPRetrieval: readHttpRetrieval,
  Provide: readProvide,
  Ipns: readIpns
} as const

/**
 * Runs every section reader over `config`: throws the first `InvalidConfigError`, which names
 * the key and the reason. Unknown keys are left alone (kept on load, as Kubo keeps them).
 */
export function validateConfig (config: ConfigSource): void {
  for (const read of Object.values(CONFIG_READERS)) read(config)
}

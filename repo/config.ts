import { InvalidConfigError, UnknownConfigKeyError, InvalidArgumentError, messageOf } from '../errors/index.ts'
import { CONFIG_READERS, DEFAULT_API_ADDR, DEFAULT_GATEWAY_ADDR, DEFAULT_SWARM_ADDRS, validateConfig } from './config-sections.ts'

/**
 * The repo config: one JSON file with Kubo's key names and types. An absent key means its
 * default, so later sections need no migration. Unknown keys are kept on load and refused by
 * `config set`.
 */
export type Config = Record<string, unknown> & {
  Identity: { PeerID: string, PrivKey: string }
}


/**
 * The public Amino DHT bootstrap peers, Kubo's default list (kubo config/bootstrap_peers.go),
 * added only by `bootstrap add --default`: a new node never dials the internet until its owner
 * says so.
 */
export const DEFAULT_BOOTSTRAP = [
  '/dnsaddr/bootstrap.libp2p.io/p2p/QmNnooDu7bfjPFoTZYxMNLWUQJyrVwtbZg5gBMjTezGAJN',
  '/dnsaddr/bootstrap.libp2p.io/p2p/QmQCU2EcMqAqQPR2i9bChDtGNJchTbq5TbXJJ16u19uLTa',
  '/dnsaddr/bootstrap.libp2p.io/p2p/QmbLHAnMoJPWSCR5Zhtx6BHJX9KiKNN6tpvbUcqanj75Nb',
  '/dnsaddr/bootstrap.libp2p.io/p2p/QmcZf59bWwK5XFi76CZX8cbJ4BhTzzA3gU1ZjYZcYW3dwt',
  '/dnsaddr/va1.bootstrap.libp2p.io/p2p/12D3KooWKnDdG3iXw9eTFijk3EWSunZcFi54Zka4wmtqtt6rPxc8',
  '/ip4/104.131.131.82/tcp/4001/p2p/QmaCpDMGvV2BGHeYERUEnRQAwe3N8SzbUtfsmvsqQLuvuJ',
  '/ip4/104.131.131.82/udp/4001/quic-v1/p2p/QmaCpDMGvV2BGHeYERUEnRQAwe3N8SzbUtfsmvsqQLuvuJ'
]

/** The type a config key holds; `map` is an object whose own keys are free-form. */
export type ConfigValueType = 'string' | 'number' | 'boolean' | 'string[]' | 'map' | 'string?' | 'number?' | 'boolean?'

/**
 * The known config keys and their types. `config set` refuses anything not listed here (or not
 * inside a `map`), so a typo never silently does nothing.
 */
export const CONFIG_SCHEMA: Record<string, ConfigValueType> = {
  'Identity.PeerID': 'string',
  'Identity.PrivKey': 'string',
  'Addresses.Swarm': 'string[]',
  'Addresses.Announce': 'string[]',
  'Addresses.AppendAnnounce': 'string[]',
  'Addresses.NoAnnounce': 'string[]',
  'Addresses.API': 'string',
  'Addresses.Gateway': 'string',
  Bootstrap: 'string[]',
  'Datastore.StorageMax': 'string',
  'Datastore.HashOnRead': 'boolean?',
  'Import.CidVersion': 'number?',
  'Import.UnixFSRawLeaves': 'boolean?',
  'Import.UnixFSChunker': 'string?',
  'Import.HashFunction': 'string?',
  'Import.UnixFSFileMaxLinks': 'number?',
  'Import.UnixFSDirectoryMaxLinks': 'number?',
  'Import.UnixFSHAMTDirectoryMaxFanout': 'number?',
  'Import.UnixFSHAMTDirectorySizeThreshold': 'string?',
  'Import.UnixFSHAMTDirectorySizeEstimation': 'string?',
  'Import.UnixFSDAGLayout': 'string?',
  'Import.BatchMaxNodes': 'number?',
  'Import.BatchMaxSize': 'number?',
  'API.HTTPHeaders': 'map',
  'API.Authorizations': 'map',
  'API.UploadIdleTimeout': 'string?',
  'Gateway.HTTPHeaders': 'map',
  'Gateway.RootRedirect': 'string',
  'Gateway.NoFetch': 'boolean',
  'Gateway.NoDNSLink': 'boolean?',
  'Gateway.DeserializedResponses': 'boolean?',
  'Gateway.AllowCodecConversion': 'boolean?',
  'Gateway.PublicGateways': 'map',
  'Gateway.RetrievalTimeout': 'string?',
  'Gateway.MaxConcurrentRequests': 'number?',
  'Gateway.MaxRequestDuration': 'string?',
  'Gateway.ExposeRoutingAPI': 'boolean?',
  'Routing.Type': 'string?',
  'Routing.LoopbackAddressesOnLanDHT': 'boolean?',
  'Routing.DelegatedRouters': 'string[]',
  'Bitswap.ServerEnabled': 'boolean?',
  'Bitswap.Reciprocity': 'boolean?',
  'Bitswap.ReciprocityBoost': 'number?',
  'Bitswap.OptimisticEvery': 'number?',
  'HTTPRetrieval.Enabled': 'boolean?',
  'HTTPRetrieval.Gateways': 'string[]',
  'HTTPRetrieval.MaxBlockSize': 'string?',
  'HTTPRetrieval.Allowlist': 'string[]',
  'HTTPRetrieval.Denylist': 'string[]',
  'HTTPRetrieval.Announce': 'boolean?',
  'Swarm.MaxConnections': 'number?',
  'Swarm.MaxConnectionsPerIP': 'number?',
  'Provide.Enabled': 'boolean?',
  'Provide.Strategy': 'string?',
  'Provide.DHT.Interval': 'string?',
  'Ipns.RepublishPeriod': 'string?',
  'Ipns.RecordLifetime': 'string?',
  'Ipns.UsePubsub': 'boolean?',
  'Ipns.MaxCacheTTL': 'string?'
}

/** Keys that are never shown by `config show` / `config KEY` and never settable. */
export const SECRET_KEYS = new Set(['Identity.PrivKey'])
/** Keys that `config` refuses to change (they are owned by `init` and `key` commands). */
export const READONLY_KEYS = new Set(['Identity.PrivKey', 'Identity.PeerID'])

/** A fresh config for a new identity (the Import section empty: Kubo's implicit defaults). */
export function defaultConfig (identity: { PeerID: string, PrivKey: string }): Config {
  return {
    Identity: { ...identity },
    Datastore: {
      StorageMax: '10GB',
      HashOnRead: true
    },
    Addresses: {
      Swarm: [...DEFAULT_SWARM_ADDRS],
      Announce: [],
      AppendAnnounce: [],
      NoAnnounce: [],
      API: DEFAULT_API_ADDR,
      Gateway: DEFAULT_GATEWAY_ADDR
    },
    Bootstrap: [],
    Import: {},
    API: { HTTPHeaders: {} },
    Gateway: { HTTPHeaders: {}, RootRedirect: '', NoFetch: false, PublicGateways: {} },
    Routing: {},
    Swarm: {},
    Provide: {},
    Ipns: {}
  }
}

/** A named transformation of the config (`init --profile`, `config profile apply`). */
export interface Profile {
  description: string
  apply(config: Config): void
}

function setImport (config: Config, values: Record<string, unknown>): void {
  const section = (config.Import ?? {}) as Record<string, unknown>
  config.Import = { ...section, ...values }
}

const UNIXFS_V0_2015: Profile = {
  description: 'Kubo\'s legacy import settings (the default): CIDv0, dag-pb leaves, 256 KiB chunks, 174 links',
  apply (config) {
    setImport(config, {
      CidVersion: 0,
      UnixFSRawLeaves: false,
      UnixFSChunker: 'size-262144',
      HashFunction: 'sha2-256',
      UnixFSFileMaxLinks: 174,
      UnixFSDirectoryMaxLinks: 0,
      UnixFSHAMTDirectoryMaxFanout: 256,
      UnixFSHAMTDirectorySizeThreshold: '256KiB',
      UnixFSHAMTDirectorySizeEstimation: 'links',
      UnixFSDAGLayout: 'balanced'
    })
  }
}

/** Profiles by name, as in Kubo. */
export const PROFILES: Record<string, Profile> = {
  test: {
    description: 'for tests: every port 0 (any free port), loopback only, no bootstrap peers',
    apply (config) {
      const addresses = (config.Addresses ?? {}) as Record<string, unknown>
      config.Addresses = {
        ...addresses,
        API: '/ip4/127.0.0.1/tcp/0',
        Gateway: '/ip4/127.0.0.1/tcp/0',
        Swarm: ['/ip4/127.0.0.1/tcp/0']
      }
      config.Bootstrap = []
      // a swarm on one machine: every peer is 127.0.0.1, so loopback peers must fill the DHT's
      // tables (no IP-diversity limit on them) and every node answers DHT queries
      const routing = (config.Routing ?? {}) as Record<string, unknown>
      config.Routing = { ...routing, Type: 'dhtserver', LoopbackAddressesOnLanDHT: true }
    }
  },
  'unixfs-v0-2015': UNIXFS_V0_2015,
  'legacy-cid-v0': UNIXFS_V0_2015,
  'unixfs-v1-2025': {
    description: 'the IPIP-499 recommended import settings: CIDv1, raw leaves, 1 MiB chunks, 1024 links',
    apply (config) {
      setImport(config, {
        CidVersion: 1,
        UnixFSRawLeaves: true,
        UnixFSChunker: 'size-1048576',
        HashFunction: 'sha2-256',
        UnixFSFileMaxLinks: 1024,
        UnixFSDirectoryMaxLinks: 0,
        UnixFSHAMTDirectoryMaxFanout: 256,
        UnixFSHAMTDirectorySizeThreshold: '256KiB',
        UnixFSHAMTDirectorySizeEstimation: 'block',
        UnixFSDAGLayout: 'balanced'
      })
    }
  }
}

/** Applies profiles by name, in order; an unknown name is an error that lists the known ones. */
export function applyProfiles (config: Config, names: string[]): Config {
  for (const name of names) {
    // own entries only: "constructor" or "__proto__" are not profiles
    const profile = Object.hasOwn(PROFILES, name) ? PROFILES[name] : undefined
    if (profile == null) {
      throw new InvalidArgumentError(`unknown profile "${name}"; known profiles: ${Object.keys(PROFILES).join(', ')}`)
    }
    profile.apply(config)
  }
  return config
}

/** The schema entry governing a dotted key: its own, or that of an enclosing `map`. */
function schemaFor (key: string): { type: ConfigValueType, key: string } | undefined {
  if (Object.hasOwn(CONFIG_SCHEMA, key)) return { type: CONFIG_SCHEMA[key], key }
  const parts = key.split('.')
  for (let i = parts.length - 1; i > 0; i--) {
    const prefix = parts.slice(0, i).join('.')
    if (Object.hasOwn(CONFIG_SCHEMA, prefix) && CONFIG_SCHEMA[prefix] === 'map') return { type: 'map', key: prefix }
  }
  return undefined
}

/** Key segments that would reach an object's prototype instead of one of its own entries. */
const FORBIDDEN_SEGMENTS = new Set(['__proto__', 'prototype', 'constructor'])

/** True if `key` names a known section (a prefix of known keys), e.g. `Addresses`. */
function isSection (key: string): boolean {
  const prefix = key + '.'
  return Object.keys(CONFIG_SCHEMA).some(k => k.startsWith(prefix))
}

/** Reads a dotted key; undefined when absent. */
export function getConfigValue (config: Config, key: string): unknown {
  let value: unknown = config
  for (const part of key.split('.')) {
    if (value == null || typeof value !== 'object' || !Object.hasOwn(value, part)) return undefined
    value = (value as Record<string, unknown>)[part]
  }
  return value
}

/** The config without its secrets, for `config show`. */
export function redactConfig (config: Config): Record<string, unknown> {
  const copy = structuredClone(config) as Record<string, unknown>
  for (const key of SECRET_KEYS) {
    const parts = key.split('.')
    let obj = copy as Record<string, unknown> | undefined
    for (const part of parts.slice(0, -1)) {
      obj = obj?.[part] as Record<string, unknown> | undefined
    }
    if (obj != null) delete obj[parts[parts.length - 1]]
  }
  return copy
}

function checkType (key: string, type: ConfigValueType, value: unknown): void {
  const optional = type.endsWith('?')
  const base = type.replace('?', '')
  if (optional && value === null) return
  const fail = (): never => {
    throw new InvalidConfigError(`config key ${key} takes a ${base}${optional ? ' (or null for the default)' : ''}, not ${JSON.stringify(value)}`)
  }
  switch (base) {
    case 'string': if (typeof value !== 'string') fail(); break
    case 'number': if (typeof value !== 'number' || !Number.isFinite(value)) fail(); break
    case 'boolean': if (typeof value !== 'boolean') fail(); break
    case 'string[]': if (!Array.isArray(value) || value.some(v => typeof v !== 'string')) fail(); break
    case 'map': if (value == null || typeof value !== 'object' || Array.isArray(value)) fail(); break
  }
}

/**
 * Sets a dotted key after checking it is known and of the right type; returns the new config.
 * Secret and identity keys are refused.
 */
export function setConfigValue (config: Config, key: string, value: unknown): Config {
  if (READONLY_KEYS.has(key) || key === 'Identity') {
    throw new InvalidArgumentError(`${key} cannot be changed with config (it is owned by the repo's identity)`)
  }
  const parts = key.split('.')
  if (parts.some(part => part === '' || FORBIDDEN_SEGMENTS.has(part))) {
    throw new UnknownConfigKeyError(`unknown config key "${key}"`)
  }
  const schema = schemaFor(key)
  if (schema == null) {
    throw new UnknownConfigKeyError(`unknown config key "${key}"${isSection(key) ? ' (it is a section: set one of its keys)' : ''}`)
  }
  if (schema.key === key) checkType(key, schema.type, value)
  const next = structuredClone(config)
  let obj = next as Record<string, unknown>
  for (const part of parts.slice(0, -1)) {
    const child = Object.hasOwn(obj, part) ? obj[part] : undefined
    if (child == null || typeof child !== 'object' || Array.isArray(child)) {
      obj[part] = {}
    }
    obj = obj[part] as Record<string, unknown>
  }
  obj[parts[parts.length - 1]] = value
  // the section's reader checks what the value means (a multiaddr, a chunker, a size), so a value
  // that would break a later command is refused now, with the reason
  const read = Object.hasOwn(CONFIG_READERS, parts[0]) ? CONFIG_READERS[parts[0] as keyof typeof CONFIG_READERS] : undefined
  read?.(next)
  return next
}

/** Parses a config file's text, with errors that say which file and why. */
export function parseConfig (text: string, file: string): Config {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (err) {
    throw new InvalidConfigError(`config file ${file} is not valid JSON: ${(err as Error).message}`)
  }
  if (parsed == null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new InvalidConfigError(`config file ${file} does not hold a JSON object`)
  }
  const identity = (parsed as Record<string, unknown>).Identity as Record<string, unknown> | undefined
  if (typeof identity?.PeerID !== 'string' || typeof identity?.PrivKey !== 'string') {
    throw new InvalidConfigError(`config file ${file} has no Identity.PeerID and Identity.PrivKey`)
  }
  try {
    validateConfig(parsed as Config)
  } catch (err) {
    throw new InvalidConfigError(`config file ${file}: ${messageOf(err)}; fix it with 'cairn config' or an editor`, { cause: err })
  }
  return parsed as Config
}

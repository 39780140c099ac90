import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { privateKeyFromProtobuf } from '@libp2p/crypto/keys'
import { identify, identifyPush } from '@libp2p/identify'
import { defaultLogger } from '@libp2p/logger'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { createLibp2p, type Libp2p } from 'libp2p'
import { InvalidConfigError } from '../../errors/index.ts'
import { readAddresses, readBootstrap, readRouting, readSwarm, type Config } from '../../repo/index.ts'
import { parseMultiaddr, parsePeerAddress } from './addresses.ts'
import { BandwidthMeter, type BandwidthFilter, type BandwidthStats } from './bandwidth.ts'
import { PerIpConnectionGater } from './connection-gater.ts'
import {
  AGENT_VERSION, DEFAULT_DIAL_TIMEOUT, DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_CONNECTIONS_PER_IP
} from './constants.ts'
import { ListenError } from './errors.ts'
import { noiseCrypto } from './noise-crypto.ts'
import { pingOnce } from './ping.ts'
import type {
  AbortOptions, ComponentLogger, Connection, DialOptions, DialProtocolOptions, PeerId, PeerStore, PrivateKey, PublicKey,
  Stream, StreamHandler, StreamHandlerOptions, Topology
} from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/** Inbound connections per second accepted from one host when loopback swarms are allowed. */
const LOOPBACK_SWARM_INBOUND_PER_SECOND = 10_000

/** Where a dial goes: a peer (its known addresses) or explicit addresses. */
export type DialTarget = PeerId | Multiaddr | Multiaddr[]

/**
 * Protocol registration, for Cairn's own protocols (DHT, Bitswap): stream handlers, and topologies
 * that are told when peers supporting a protocol connect and disconnect.
 */
export interface HostRegistrar {
  /** Handles inbound streams of `protocol`; identify advertises it to peers. */
  handle(protocol: string | string[], handler: StreamHandler, options?: StreamHandlerOptions): Promise<void>
  /** Stops handling `protocol`. */
  unhandle(protocol: string | string[], options?: AbortOptions): Promise<void>
  /** Registers a topology for `protocol`; returns the id to {@link HostRegistrar.unregister} it. */
  register(protocol: string, topology: Topology, options?: AbortOptions): Promise<string>
  unregister(id: string): void
  /** The protocols this host handles. */
  getProtocols(): string[]
}

/** Connections: dialing, streams, hanging up and listing. */
export interface HostConnectionManager {
  /** Opens (or reuses) a connection. Without a signal, gives up after {@link DEFAULT_DIAL_TIMEOUT}. */
  dial(target: DialTarget, options?: DialOptions): Promise<Connection>
  /** Opens a stream for one of `protocols`, dialing first if needed. */
  dialProtocol(target: DialTarget, protocols: string | string[], options?: DialProtocolOptions): Promise<Stream>
  /** Closes every connection to a peer. */
  hangUp(peer: PeerId | Multiaddr, options?: AbortOptions): Promise<void>
  /** Open connections, to one peer or to all. */
  getConnections(peer?: PeerId): Connection[]
  /** Peers with at least one open connection. */
  getPeers(): PeerId[]
  /** The connection limit in force (`Swarm.MaxConnections`). */
  getMaxConnections(): number
}

/** Host events later protocols listen to (`peer:connect`, `peer:identify`, `connection:close`…). */
export type HostEvents = Pick<Libp2p, 'addEventListener' | 'removeEventListener'>

/**
 * Cairn's libp2p host: a js-libp2p node with TCP, Noise, Yamux, identify and ping, behind a small
 * typed surface. Cairn's own protocols register on it through {@link CairnHost.registrar}, dial
 * through {@link CairnHost.connectionManager} and read peers from {@link CairnHost.peerStore};
 * they are not libp2p services.
 */
export interface CairnHost {
  /** This node's peer ID, from `Identity.PrivKey`. */
  readonly peerId: PeerId
  readonly publicKey: PublicKey
  /** What identify announces, `cairn/<version>` by default. */
  readonly agentVersion: string
  readonly registrar: HostRegistrar
  readonly connectionManager: HostConnectionManager
  /** Known peers: addresses, protocols, identify metadata (`AgentVersion`). In memory for now. */
  readonly peerStore: PeerStore
  readonly events: HostEvents
  /** The addresses peers can reach this node at, each ending in `/p2p/<peer ID>` (port 0 resolved). */
  getMultiaddrs(): Multiaddr[]
  /**
   * Adds addresses announced beside the listening ones (the daemon's gateway as `/…/tcp/N/http`,
   * `HTTPRetrieval.Announce`): they appear in {@link getMultiaddrs} and so in provider records.
   */
  addAnnounced(addrs: Multiaddr[]): void
  /** Round-trip time to a peer in milliseconds (sub-millisecond precision), dialing if needed. */
  ping(target: DialTarget, options?: AbortOptions): Promise<number>
  /** Bytes in and out since start, and current rates: of every connection, or of one peer or protocol. */
  bandwidth(filter?: BandwidthFilter): BandwidthStats
  isStarted(): boolean
  /** Listens on the configured addresses and dials the bootstrap peers. Idempotent. */
  start(): Promise<void>
  /** Closes every connection and listener. Idempotent. */
  stop(): Promise<void>
}

/** Collaborators of {@link createHost}. */
export interface HostComponents {
  /** The repo config: Identity, Addresses.Swarm/Announce/NoAnnounce/AppendAnnounce, Bootstrap, Swarm. */
  config: Config
  /** Logs as `cairn:core:host`. Default: `@libp2p/logger`'s default logger. */
  logger?: ComponentLogger
}

/** Options for {@link createHost}; each overrides the config when given. */
export interface HostInit {
  /** Listen addresses. Default `Addresses.Swarm` (its reader defaults to `DEFAULT_SWARM_ADDRS`). */
  listen?: string[]
  /** Agent version announced over identify. Default {@link AGENT_VERSION}. */
  agentVersion?: string
  /** Default `Swarm.MaxConnections`, else {@link DEFAULT_MAX_CONNECTIONS}. */
  maxConnections?: number
  /** Default `Swarm.MaxConnectionsPerIP`, else {@link DEFAULT_MAX_CONNECTIONS_PER_IP}. */
  maxConnectionsPerIP?: number
  /** Peers dialed on start. Default `Bootstrap` (empty unless the owner added some). */
  bootstrap?: string[]
}

/** {@link HostInit} with every default applied. */
export interface HostOptions {
  listen: string[]
  announce: string[]
  noAnnounce: string[]
  appendAnnounce: string[]
  agentVersion: string
  maxConnections: number
  maxConnectionsPerIP: number
  /** `Routing.LoopbackAddressesOnLanDHT`: loopback peers are limited neither per IP nor per second. */
  loopbackUnlimited: boolean
  bootstrap: string[]
}

function addressList (value: unknown, key: string): string[] | undefined {
  if (value == null) return undefined
  if (!Array.isArray(value) || value.some(v => typeof v !== 'string')) {
    throw new InvalidConfigError(`config key ${key} must be a list of multiaddrs, not ${JSON.stringify(value)}`)
  }
  for (const address of value as string[]) {
    try {
      parseMultiaddr(address)
    } catch (err) {
      throw new InvalidConfigError(`config key ${key}: ${(err as Error).message}`, { cause: err })
    }
  }
  return value as string[]
}

function limit (value: unknown, key: string, fallback: number): number {
  if (value == null) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new InvalidConfigError(`config key ${key} must be a whole number of at least 1 (or null for the default ${fallback}), not ${JSON.stringify(value)}`)
  }
  return value
}

/** Resolves the host's options from the config and the init overrides, checking each value. */
export function resolveHostOptions (config: Config, init: HostInit = {}): HostOptions {
  const addresses = readAddresses(config)
  const swarm = readSwarm(config)
  const bootstrap = init.bootstrap ?? addressList(readBootstrap(config), 'Bootstrap') ?? []
  for (const address of bootstrap) {
    try {
      parsePeerAddress(address)
    } catch (err) {
      throw new InvalidConfigError(`config key Bootstrap: ${(err as Error).message}`, { cause: err })
    }
  }
  return {
    listen: addressList(init.listen, 'listen') ?? addressList(addresses.Swarm, 'Addresses.Swarm') ?? [],
    announce: addressList(addresses.Announce, 'Addresses.Announce') ?? [],
    noAnnounce: addressList(addresses.NoAnnounce, 'Addresses.NoAnnounce') ?? [],
    appendAnnounce: addressList(addresses.AppendAnnounce, 'Addresses.AppendAnnounce') ?? [],
    agentVersion: init.agentVersion ?? AGENT_VERSION,
    maxConnections: limit(init.maxConnections ?? swarm.MaxConnections, 'Swarm.MaxConnections', DEFAULT_MAX_CONNECTIONS),
    maxConnectionsPerIP: limit(init.maxConnectionsPerIP ?? swarm.MaxConnectionsPerIP, 'Swarm.MaxConnectionsPerIP', DEFAULT_MAX_CONNECTIONS_PER_IP),
    loopbackUnlimited: readRouting(config).LoopbackAddressesOnLanDHT,
    bootstrap
  }
}

/** Reads `Identity.PrivKey` and checks it against `Identity.PeerID`. */
export function identityFromConfig (config: Config): { privateKey: PrivateKey, peerId: PeerId } {
  let privateKey: PrivateKey
  try {
    privateKey = privateKeyFromProtobuf(Buffer.from(config.Identity.PrivKey, 'base64'))
  } catch (err) {
    throw new InvalidConfigError(`config key Identity.PrivKey is not a base64 libp2p private key: ${(err as Error).message}`, { cause: err })
  }
  const peerId = peerIdFromPrivateKey(privateKey)
  if (peerId.toString() !== config.Identity.PeerID) {
    throw new InvalidConfigError(`config key Identity.PeerID (${config.Identity.PeerID}) does not match Identity.PrivKey (${peerId.toString()})`)
  }
  return { privateKey, peerId }
}

/** libp2p's listen failure, reworded in terms of Cairn's config (its message names libp2p options). */
function listenError (err: unknown, listen: string[]): unknown {
  if ((err as { name?: string }).name !== 'UnsupportedListenAddressesError') return err
  const causes = String((err as Error).message).split('\n')
    .map(line => line.trim())
    .filter(line => line.startsWith('/'))
  return new ListenError(`could not listen on Addresses.Swarm (${listen.join(', ')}): ${causes.join('; ')}; free the port or change Addresses.Swarm`, { cause: err })
}

function describeTarget (target: DialTarget): string {
  return Array.isArray(target) ? target.map(String).join(', ') : target.toString()
}

function withDialTimeout<T extends AbortOptions> (options: T = {} as T): T {
  return options.signal != null ? options : { ...options, signal: AbortSignal.timeout(DEFAULT_DIAL_TIMEOUT) }
}

/**
 * Creates the host from the repo config (not started: call {@link CairnHost.start}). Throws
 * InvalidConfigError when the identity or an address in the config is unusable.
 */
export async function createHost (components: HostComponents, init: HostInit = {}): Promise<CairnHost> {
  const options = resolveHostOptions(components.config, init)
  const log = (components.logger ?? defaultLogger()).forComponent('cairn:core:host')
  const { privateKey, peerId } = identityFromConfig(components.config)
  const gater = new PerIpConnectionGater({ log }, { maxConnectionsPerIP: options.maxConnectionsPerIP, exemptLoopback: options.loopbackUnlimited })
  const meter = new BandwidthMeter()
  const node = await createLibp2p({
    start: false,
    privateKey,
    nodeInfo: { name: 'cairn', userAgent: options.agentVersion },
    addresses: {
      listen: options.listen,
      announce: options.announce,
      noAnnounce: options.noAnnounce,
      appendAnnounce: options.appendAnnounce
    },
    transports: [tcp()],
    connectionEncrypters: [noise({ crypto: noiseCrypto })],
    streamMuxers: [yamux()],
    connectionGater: gater,
    connectionManager: {
      maxConnections: options.maxConnections,
      dialTimeout: DEFAULT_DIAL_TIMEOUT,
      // js-libp2p accepts 5 inbound connections per second from one host by default: a swarm on
      // one machine (every peer is 127.0.0.1) would be throttled
      ...(options.loopbackUnlimited ? { inboundConnectionThreshold: LOOPBACK_SWARM_INBOUND_PER_SECOND } : {})
    },
    metrics: () => meter,
    services: {
      identify: identify(),
      identifyPush: identifyPush(),
      ping: ping()
    }
  })
  // a socket's bytes count for its peer once the connection says who that is (stats bw --peer)
  node.addEventListener('connection:open', (evt) => { meter.assignPeer(evt.detail.remoteAddr, evt.detail.remotePeer.toString()) })
  let transition: Promise<void> | undefined
  const announced: Multiaddr[] = []
  let bootstrapDials: AbortController | undefined

  const connectionManager: HostConnectionManager = {
    dial: async (target, opts) => {
      log('dialing %s', describeTarget(target))
      return await node.dial(target, withDialTimeout(opts))
    },
    dialProtocol: async (target, protocols, opts) => {
      log('dialing %s for %s', describeTarget(target), protocols)
      return await node.dialProtocol(target, protocols, withDialTimeout(opts))
    },
    hangUp: (peer, opts) => node.hangUp(peer, opts),
    getConnections: (peer) => node.getConnections(peer),
    getPeers: () => node.getPeers(),
    getMaxConnections: () => options.maxConnections
  }

  const dialBootstrap = (signal: AbortSignal): void => {
    for (const address of options.bootstrap) {
      void node.dial(parseMultiaddr(address), { signal: AbortSignal.any([signal, AbortSignal.timeout(DEFAULT_DIAL_TIMEOUT)]) })
        .then(() => { log('connected to bootstrap peer %s', address) })
        .catch(err => { log('could not reach bootstrap peer %s: %e', address, err) })
    }
  }

  const host: CairnHost = {
    peerId,
    publicKey: privateKey.publicKey,
    agentVersion: options.agentVersion,
    registrar: {
      handle: (protocol, handler, opts) => node.handle(protocol, handler, opts),
      unhandle: (protocol, opts) => node.unhandle(protocol, opts),
      register: (protocol, topology, opts) => node.register(protocol, topology, opts),
      unregister: (id) => { node.unregister(id) },
      getProtocols: () => node.getProtocols()
    },
    connectionManager,
    peerStore: node.peerStore,
    events: node,
    getMultiaddrs: () => announced.length === 0 ? node.getMultiaddrs() : [...node.getMultiaddrs(), ...announced],
    addAnnounced: (addrs) => {
      for (const addr of addrs) {
        const own = addr.getComponents().some(c => c.name === 'p2p') ? addr : addr.encapsulate(`/p2p/${peerId.toString()}`)
        if (!announced.some(a => a.equals(own))) announced.push(own)
      }
    },
    ping: (target, opts) => pingOnce((protocol, o) => connectionManager.dialProtocol(target, protocol, o), opts),
    bandwidth: (filter) => filter == null ? meter.stats() : meter.statsOf(filter),
    isStarted: () => node.status === 'started',
    async start () {
      // a failed start or stop was reported to its own caller; this one only waits for it to end
      while (transition != null) await transition.catch(() => {})
      if (node.status === 'started') return
      transition = (async () => {
        try {
          await node.start()
        } catch (err) {
          throw listenError(err, options.listen)
        }
        meter.start()
        log('listening on %s', node.getMultiaddrs().map(a => a.toString()).join(', '))
        bootstrapDials = new AbortController()
        if (options.bootstrap.length > 0) dialBootstrap(bootstrapDials.signal)
      })().finally(() => { transition = undefined })
      await transition
    },
    async stop () {
      // a failed start or stop was reported to its own caller; this one only waits for it to end
      while (transition != null) await transition.catch(() => {})
      if (node.status !== 'started') return
      transition = (async () => {
        bootstrapDials?.abort()
        meter.stop()
        await node.stop()
        log('stopped')
      })().finally(() => { transition = undefined })
      await transition
    }
  }
  return host
}

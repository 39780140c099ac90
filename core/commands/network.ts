import { InvalidArgumentError, messageOf, OfflineError } from '../../errors/index.ts'
import { DEFAULT_BOOTSTRAP, readBootstrap, setConfigValue, startTimer } from '../../repo/index.ts'
import { defineCommand, type CommandRequest } from '../command.ts'
import type { PeerAddress } from '../libp2p/addresses.ts'
import { AGENT_VERSION, DEFAULT_DIAL_TIMEOUT, DEFAULT_PING_COUNT, PING_INTERVAL } from '../libp2p/constants.ts'
import { DialError, PeerNotFoundError } from '../libp2p/errors.ts'
import type { CoreNode } from '../node.ts'
// type-only: the network stack loads only in a process that runs a host
import type { CairnHost } from '../libp2p/index.ts'
import type { Connection, PeerId } from '@libp2p/interface'

/**
 * Multiaddr and peer-ID parsing (`../libp2p/addresses.ts`), loaded by the network commands as
 * they run: it pulls in `@libp2p/peer-id` and `@libp2p/crypto` with every curve, about a third of
 * the start-up of every other CLI command.
 */
let addressModule: typeof import('../libp2p/addresses.ts') | undefined
async function loadAddresses (): Promise<void> {
  addressModule ??= await import('../libp2p/addresses.ts')
}
function addresses (): typeof import('../libp2p/addresses.ts') {
  if (addressModule == null) throw new Error('the address parsers are not loaded (call loadAddresses first)')
  return addressModule
}

/** The host of a node that runs one (the daemon); absent offline. */
function hostOf (node: CoreNode): CairnHost | undefined {
  return (node as CoreNode & { host?: CairnHost }).host
}

/** The running host, or OfflineError at once. */
function requireHost (node: CoreNode): CairnHost {
  const host = hostOf(node)
  if (host == null) throw new OfflineError('this command needs a running daemon (cairn daemon)')
  return host
}

const byString = (a: string, b: string): number => a < b ? -1 : a > b ? 1 : 0

/** Formats nanoseconds as Go's `time.Duration.String()` does (`1.5ms`, `250µs`, `2m3.5s`). */
export function formatGoDuration (nanoseconds: number): string {
  const ns = Math.round(nanoseconds)
  if (ns === 0) return '0s'
  if (ns < 0) return '-' + formatGoDuration(-ns)
  const fraction = (value: number, unit: number, digits: number): string => {
    const whole = Math.floor(value / unit)
    const rest = String(value % unit).padStart(digits, '0').replace(/0+$/, '')
    return rest === '' ? String(whole) : `${whole}.${rest}`
  }
  if (ns < 1e3) return `${ns}ns`
  if (ns < 1e6) return `${fraction(ns, 1e3, 3)}µs`
  if (ns < 1e9) return `${fraction(ns, 1e6, 6)}ms`
  const hours = Math.floor(ns / 3.6e12)
  const minutes = Math.floor((ns % 3.6e12) / 6e10)
  const seconds = fraction(ns % 6e10, 1e9, 9)
  return (hours > 0 ? `${hours}h${minutes}m` : minutes > 0 ? `${minutes}m` : '') + `${seconds}s`
}

/** Byte counts as go-humanize's `Bytes` writes them (SI units: `1.2 MB`), as Kubo prints them. */
export function humanBytes (bytes: number): string {
  if (bytes < 10) return `${Math.round(bytes)} B`
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB']
  const exponent = Math.min(Math.floor(Math.log(bytes) / Math.log(1000)), units.length - 1)
  const value = Math.floor(bytes / 1000 ** exponent * 10 + 0.5) / 10
  return `${value < 10 ? value.toFixed(1) : value.toFixed(0)} ${units[exponent]}`
}

// ---------------------------------------------------------------------------------------------
// id

/** `id` output, Kubo's shape. */
export interface IdOutput {
  ID: string
  /** base64 of the libp2p protobuf public key ("" when not known) */
  PublicKey: string
  Addresses: string[]
  AgentVersion: string
  Protocols: string[]
}

/**
 * The key codecs, loaded on first use: `@libp2p/crypto` (with every curve) is a fifth of the
 * CLI's start-up, and only `id` needs it.
 */
async function keys (): Promise<typeof import('@libp2p/crypto/keys')> {
  return await import('@libp2p/crypto/keys')
}

async function selfId (request: CommandRequest, host: CairnHost | undefined): Promise<IdOutput> {
  const { privateKeyFromProtobuf, publicKeyToProtobuf } = await keys()
  const { config } = request.node.repo
  if (host != null) {
    return {
      ID: host.peerId.toString(),
      PublicKey: Buffer.from(publicKeyToProtobuf(host.publicKey)).toString('base64'),
      Addresses: host.getMultiaddrs().map(a => a.toString()).sort(byString),
      AgentVersion: host.agentVersion,
      Protocols: host.registrar.getProtocols().sort(byString)
    }
  }
  const publicKey = privateKeyFromProtobuf(Buffer.from(config.Identity.PrivKey, 'base64')).publicKey
  return {
    ID: config.Identity.PeerID,
    PublicKey: Buffer.from(publicKeyToProtobuf(publicKey)).toString('base64'),
    Addresses: [],
    AgentVersion: AGENT_VERSION,
    Protocols: []
  }
}

/** What the peer store knows of a peer, in `id`'s shape. */
async function describePeer (host: CairnHost, peer: PeerId, signal: AbortSignal): Promise<IdOutput> {
  const { publicKeyToProtobuf } = await keys()
  let known
  try {
    known = await host.peerStore.get(peer, { signal })
  } catch (err) {
    if ((err as { name?: string }).name === 'NotFoundError') {
      throw new PeerNotFoundError(`peer ${peer.toString()} is not known to this node; connect to it first (cairn swarm connect <multiaddr>)`, { cause: err })
    }
    throw err
  }
  const agent = known.metadata.get('AgentVersion')
  return {
    ID: peer.toString(),
    PublicKey: peer.publicKey != null ? Buffer.from(publicKeyToProtobuf(peer.publicKey)).toString('base64') : '',
    Addresses: known.addresses.map(a => addresses().withPeerId(a.multiaddr, peer).toString()).sort(byString),
    AgentVersion: agent != null ? new TextDecoder().decode(agent) : '',
    Protocols: [...known.protocols].sort(byString)
  }
}

/** Kubo's `id --format`: `<id>`, `<aver>`, `<pubkey>`, `<addrs>`, `<protocols>`, `\n`, `\t`. */
function formatId (format: string, value: IdOutput): string {
  return format
    .replaceAll('<id>', value.ID)
    .replaceAll('<aver>', value.AgentVersion)
    .replaceAll('<pubkey>', value.PublicKey)
    .replaceAll('<addrs>', value.Addresses.join('\n'))
    .replaceAll('<protocols>', value.Protocols.join('\n'))
    .replaceAll('\\n', '\n')
    .replaceAll('\\t', '\t')
}

export const id = defineCommand<IdOutput>({
  path: 'id',
  description: 'Show this node\'s identity, or what is known of another peer',
  args: [{ name: 'peer', description: 'a peer ID (default: this node)' }],
  options: [
    { name: 'format', short: 'f', type: 'string', description: 'print with a template: <id> <aver> <pubkey> <addrs> <protocols>' }
  ],
  output: 'value',
  text: (value, options) => typeof options.format === 'string'
    ? formatId(options.format, value)
    : JSON.stringify(value, null, '\t'),
  async run (request) {
    await loadAddresses()
    const { node, args, signal } = request
    const host = hostOf(node)
    if (args[0] === undefined) return await selfId(request, host)
    const peer = addresses().parsePeerId(args[0])
    if (peer.toString() === node.repo.config.Identity.PeerID) return await selfId(request, host)
    return await describePeer(requireHost(node), peer, signal)
  }
})

// ---------------------------------------------------------------------------------------------
// swarm

/** Kubo's network.Direction numbers. */
const DIRECTION = { inbound: 1, outbound: 2 } as const

/** One connection in `swarm peers`, Kubo's shape. */
export interface SwarmPeer {
  Addr: string
  Peer: string
  /** Go duration of the last measured round trip, or `n/a` */
  Latency?: string
  Muxer?: string
  /** 1 inbound, 2 outbound */
  Direction?: number
  Streams?: Array<{ Protocol: string }>
  Identify?: IdOutput
}

function wants (options: Record<string, unknown>, name: string): boolean {
  return options.verbose === true || options[name] === true
}

async function describeConnection (host: CairnHost, connection: Connection, options: Record<string, unknown>, signal: AbortSignal): Promise<SwarmPeer> {
  const entry: SwarmPeer = {
    Addr: addresses().withoutPeerId(connection.remoteAddr).toString(),
    Peer: connection.remotePeer.toString()
  }
  if (wants(options, 'latency')) entry.Latency = connection.rtt != null ? formatGoDuration(connection.rtt * 1e6) : 'n/a'
  if (options.verbose === true && connection.multiplexer != null) entry.Muxer = connection.multiplexer
  if (wants(options, 'direction')) entry.Direction = DIRECTION[connection.direction]
  if (wants(options, 'streams')) {
    entry.Streams = connection.streams.map(s => ({ Protocol: s.protocol ?? '' })).sort((a, b) => byString(a.Protocol, b.Protocol))
  }
  if (options.identify === true) {
    entry.Identify = await describePeer(host, connection.remotePeer, signal).catch(() => undefined)
  }
  return entry
}

export const swarmPeers = defineCommand<{ Peers: SwarmPeer[] }>({
  path: 'swarm peers',
  description: 'List the open connections',
  args: [],
  options: [
    { name: 'verbose', short: 'v', type: 'boolean', default: false, description: 'show everything known of each connection' },
    { name: 'streams', type: 'boolean', default: false, description: 'show the open streams' },
    { name: 'latency', type: 'boolean', default: false, description: 'show the last measured round trip' },
    { name: 'direction', type: 'boolean', default: false, description: 'show who opened the connection' },
    { name: 'identify', type: 'boolean', default: false, description: 'show what identify told about each peer' }
  ],
  output: 'value',
  network: true,
  text (value) {
    const lines: string[] = []
    for (const peer of value.Peers) {
      let line = `${peer.Addr}/p2p/${peer.Peer}`
      if (peer.Latency != null && peer.Latency !== '') line += ` ${peer.Latency}`
      if (peer.Direction === DIRECTION.inbound) line += ' inbound'
      if (peer.Direction === DIRECTION.outbound) line += ' outbound'
      lines.push(line)
      for (const stream of peer.Streams ?? []) lines.push(`  ${stream.Protocol === '' ? '<no protocol name>' : stream.Protocol}`)
    }
    return lines.length > 0 ? lines.join('\n') : undefined
  },
  async run ({ node, options, signal }) {
    await loadAddresses()
    const host = requireHost(node)
    const peers = await Promise.all(host.connectionManager.getConnections()
      .filter(c => c.status === 'open')
      .map(c => describeConnection(host, c, options, signal)))
    peers.sort((a, b) => byString(a.Addr, b.Addr) || byString(a.Peer, b.Peer))
    return { Peers: peers }
  }
})

/**
 * Runs `action` for each peer address in turn, as `swarm connect` and `swarm disconnect` do:
 * Kubo's `<verb> <peer> success` lines, and a DialError naming the peer on the first failure
 * (bad input stays an InvalidArgumentError).
 */
async function forEachPeer (node: CoreNode, args: string[], verb: string, action: (host: CairnHost, target: PeerAddress) => Promise<void>): Promise<{ Strings: string[] }> {
  await loadAddresses()
  const host = requireHost(node)
  const targets = args.map(addresses().parsePeerAddress)
  const strings: string[] = []
  for (const target of targets) {
    const name = target.peerId.toString()
    try {
      await action(host, target)
    } catch (err) {
      if (err instanceof InvalidArgumentError) throw err
      throw new DialError(`${verb} ${name} failure: ${messageOf(err)}`, { cause: err })
    }
    strings.push(`${verb} ${name} success`)
  }
  return { Strings: strings }
}

export const swarmConnect = defineCommand<{ Strings: string[] }>({
  path: 'swarm connect',
  description: 'Open a connection to peers',
  args: [{ name: 'address', required: true, variadic: true, description: 'multiaddrs ending in /p2p/<peer ID>' }],
  options: [],
  output: 'value',
  network: true,
  text: (value) => value.Strings.join('\n'),
  async run ({ node, args, signal }) {
    return await forEachPeer(node, args, 'connect', async (host, target) => {
      if (target.peerId.equals(host.peerId)) {
        throw new InvalidArgumentError(`connect ${target.peerId.toString()} failure: that is this node's own peer ID`)
      }
      await host.connectionManager.dial(target.transport != null ? target.multiaddr : target.peerId, {
        signal: AbortSignal.any([signal, AbortSignal.timeout(DEFAULT_DIAL_TIMEOUT)])
      })
    })
  }
})

async function disconnect (host: CairnHost, target: PeerAddress, signal: AbortSignal): Promise<void> {
  const connections = host.connectionManager.getConnections(target.peerId)
  if (connections.length === 0) throw new Error('not connected')
  if (target.transport == null) {
    await host.connectionManager.hangUp(target.peerId, { signal })
    return
  }
  const wanted = target.transport.toString()
  const matching = connections.filter(c => addresses().withoutPeerId(c.remoteAddr).toString() === wanted)
  if (matching.length === 0) throw new Error(`not connected through ${wanted}`)
  await Promise.all(matching.map(c => c.close({ signal })))
}

export const swarmDisconnect = defineCommand<{ Strings: string[] }>({
  path: 'swarm disconnect',
  description: 'Close the connections to peers (all of them, or those through the given address)',
  args: [{ name: 'address', required: true, variadic: true, description: 'multiaddrs ending in /p2p/<peer ID>' }],
  options: [],
  output: 'value',
  network: true,
  text: (value) => value.Strings.join('\n'),
  async run ({ node, args, signal }) {
    return await forEachPeer(node, args, 'disconnect', async (host, target) => { await disconnect(host, target, signal) })
  }
})

export const swarmAddrs = defineCommand<{ Addrs: Record<string, string[]> }>({
  path: 'swarm addrs',
  description: 'List the addresses known for each peer',
  args: [],
  options: [],
  output: 'value',
  network: true,
  text (value) {
    const lines: string[] = []
    for (const peer of Object.keys(value.Addrs).sort(byString)) {
      lines.push(`${peer} (${value.Addrs[peer].length})`)
      for (const address of value.Addrs[peer]) lines.push(`\t${address}`)
    }
    return lines.length > 0 ? lines.join('\n') : undefined
  },
  async run ({ node, signal }) {
    await loadAddresses()
    const host = requireHost(node)
    const addrs: Record<string, string[]> = {}
    for (const peer of await host.peerStore.all({ signal })) {
      if (peer.id.equals(host.peerId)) continue
      addrs[peer.id.toString()] = peer.addresses.map(a => a.multiaddr.toString()).sort(byString)
    }
    return { Addrs: addrs }
  }
})

export const swarmAddrsLocal = defineCommand<{ Strings: string[] }>({
  path: 'swarm addrs local',
  description: 'List the addresses this node can be reached at',
  args: [],
  options: [
    { name: 'id', type: 'boolean', default: false, description: 'append /p2p/<peer ID> to each address' }
  ],
  output: 'value',
  network: true,
  text: (value) => value.Strings.join('\n'),
  async run ({ node, options }) {
    await loadAddresses()
    const host = requireHost(node)
    const strings = host.getMultiaddrs().map(a => (options.id === true ? addresses().withPeerId(a, host.peerId) : addresses().withoutPeerId(a)).toString())
    return { Strings: strings.sort(byString) }
  }
})

// ---------------------------------------------------------------------------------------------
// ping

/** One line of `ping`, Kubo's shape. */
export interface PingResult {
  Success: boolean
  /** Round trip in nanoseconds (0 on lines that carry only text) */
  Time: number
  Text: string
}

function sleep (ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      timer.clear()
      reject(signal.reason)
    }
    const timer = startTimer(ms, () => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    })
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

export const pingCommand = defineCommand<PingResult>({
  path: 'ping',
  description: 'Measure the round trip to a peer',
  args: [{ name: 'peer', required: true, description: 'a peer ID, or a multiaddr ending in /p2p/<peer ID>' }],
  options: [
    { name: 'count', short: 'n', type: 'number', default: DEFAULT_PING_COUNT, description: 'how many pings to send, one a second' }
  ],
  output: 'stream',
  network: true,
  text: (value) => value.Text === '' ? `Pong received: time=${(value.Time / 1e6).toFixed(2)} ms` : value.Text,
  async * run ({ node, args, options, signal }) {
    await loadAddresses()
    const host = requireHost(node)
    const target = addresses().parsePeerTarget(args[0])
    const count = options.count as number
    if (!Number.isInteger(count) || count < 1) {
      throw new InvalidArgumentError(`ping count must be a whole number greater than 0, not ${count}`)
    }
    if (target.peerId.equals(host.peerId)) {
      throw new InvalidArgumentError('peer ID refers to the local node')
    }
    const dialTarget = target.transport != null ? target.multiaddr : target.peerId
    yield { Success: true, Time: 0, Text: `PING ${target.peerId.toString()}.` }
    let received = 0
    let total = 0
    for (let i = 0; i < count; i++) {
      if (i > 0) await sleep(PING_INTERVAL, signal)
      try {
        const rtt = Math.round(await host.ping(dialTarget, { signal }) * 1e6)
        received++
        total += rtt
        yield { Success: true, Time: rtt, Text: '' }
      } catch (err) {
        signal.throwIfAborted()
        yield { Success: false, Time: 0, Text: `Ping error: ${messageOf(err)}` }
      }
    }
    if (received === 0) throw new DialError(`ping ${target.peerId.toString()} failed: no answer to ${count} ping(s)`)
    yield { Success: true, Time: 0, Text: `Average latency: ${(total / received / 1e6).toFixed(2)}ms` }
  }
})

// ---------------------------------------------------------------------------------------------
// bootstrap

/** `bootstrap` output, Kubo's shape. */
export interface BootstrapPeers {
  Peers: string[]
}

function bootstrapList (node: CoreNode): string[] {
  return readBootstrap(node.repo.config)
}

function checkBootstrapAddress (address: string): PeerAddress {
  try {
    return addresses().parsePeerAddress(address)
  } catch (err) {
    throw new InvalidArgumentError(`invalid bootstrap address: ${messageOf(err)}`, { cause: err })
  }
}

/** The multiaddr's canonical text, so the same address typed twice is listed once. */
function canonicalAddress (address: string): string {
  try {
    return addresses().parsePeerAddress(address).multiaddr.toString()
  } catch {
    return address
  }
}

const bootstrapText = (value: BootstrapPeers): string | undefined => value.Peers.length > 0 ? value.Peers.join('\n') : undefined

export const bootstrapListCommand = defineCommand<BootstrapPeers>({
  path: 'bootstrap list',
  description: 'List the peers dialed when the daemon starts',
  args: [],
  options: [],
  output: 'value',
  text: bootstrapText,
  async run ({ node }) {
    await loadAddresses()
    return { Peers: bootstrapList(node) }
  }
})

export const bootstrap = defineCommand<BootstrapPeers>({
  ...bootstrapListCommand,
  path: 'bootstrap',
  description: 'List the peers dialed when the daemon starts (see bootstrap add, bootstrap rm)'
})

export const bootstrapAdd = defineCommand<BootstrapPeers>({
  path: 'bootstrap add',
  description: 'Add peers to the bootstrap list (takes effect when the daemon next starts)',
  args: [{ name: 'address', variadic: true, description: 'multiaddrs ending in /p2p/<peer ID>' }],
  options: [
    { name: 'default', type: 'boolean', default: false, description: 'add the public IPFS bootstrap peers' }
  ],
  output: 'value',
  text: bootstrapText,
  async run ({ node, args, options }) {
    await loadAddresses()
    const wanted = [...(options.default === true ? DEFAULT_BOOTSTRAP : []), ...args]
    if (wanted.length === 0) {
      throw new InvalidArgumentError('no bootstrap peers to add: give multiaddrs ending in /p2p/<peer ID>, or --default for the public IPFS bootstrap peers')
    }
    const parsed = wanted.map(checkBootstrapAddress)
    const current = bootstrapList(node)
    const present = new Set(current.map(canonicalAddress))
    const added: string[] = []
    for (const address of parsed) {
      const text = address.multiaddr.toString()
      if (present.has(text)) continue
      present.add(text)
      added.push(text)
    }
    if (added.length > 0) {
      await node.repo.saveConfig(setConfigValue(node.repo.config, 'Bootstrap', [...current, ...added]))
    }
    return { Peers: added }
  }
})

export const bootstrapRm = defineCommand<BootstrapPeers>({
  path: 'bootstrap rm',
  description: 'Remove peers from the bootstrap list: an address, every address of a /p2p/<peer ID>, or --all',
  args: [{ name: 'address', variadic: true, description: 'multiaddrs ending in /p2p/<peer ID>' }],
  options: [
    { name: 'all', type: 'boolean', default: false, description: 'remove every bootstrap peer' }
  ],
  output: 'value',
  text: bootstrapText,
  async run ({ node, args, options }) {
    await loadAddresses()
    const current = bootstrapList(node)
    if (options.all !== true && args.length === 0) {
      throw new InvalidArgumentError('no bootstrap peers to remove: give multiaddrs ending in /p2p/<peer ID>, or --all')
    }
    const targets = args.map(checkBootstrapAddress)
    const removes = (address: string): boolean => {
      if (options.all === true) return true
      let entry: PeerAddress
      try {
        entry = addresses().parsePeerAddress(address)
      } catch {
        return false
      }
      return targets.some(t => t.transport == null
        ? t.peerId.equals(entry.peerId)
        : t.multiaddr.toString() === entry.multiaddr.toString())
    }
    const removed = current.filter(removes)
    if (removed.length > 0) {
      await node.repo.saveConfig(setConfigValue(node.repo.config, 'Bootstrap', current.filter(a => !removes(a))))
    }
    return { Peers: removed }
  }
})

// ---------------------------------------------------------------------------------------------
// stats bw

/** `stats bw` output, Kubo's shape: totals in bytes, rates in bytes per second. */
export interface BandwidthOutput {
  TotalIn: number
  TotalOut: number
  RateIn: number
  RateOut: number
}

/** `stats bw --poll` prints again this often unless `--interval` says otherwise (Kubo's default). */
const DEFAULT_BW_POLL_INTERVAL = 1_000

export const statsBw = defineCommand<BandwidthOutput>({
  path: 'stats bw',
  description: 'Show the bytes sent and received on every libp2p connection (wire bytes, encryption and framing included)',
  args: [],
  options: [
    { name: 'peer', type: 'string', description: 'per-peer counts (not supported yet)' },
    { name: 'proto', type: 'string', description: 'per-protocol counts (not supported yet)' },
    { name: 'poll', type: 'boolean', default: false, description: 'print the numbers again every interval until interrupted' },
    { name: 'interval', short: 'i', type: 'duration', description: 'the polling interval (default 1s)' }
  ],
  output: 'stream',
  network: true,
  text: (value) => [
    'Bandwidth',
    `TotalIn: ${humanBytes(value.TotalIn)}`,
    `TotalOut: ${humanBytes(value.TotalOut)}`,
    `RateIn: ${humanBytes(value.RateIn)}/s`,
    `RateOut: ${humanBytes(value.RateOut)}/s`
  ].join('\n'),
  async * run ({ node, options, signal }) {
    await loadAddresses()
    const host = requireHost(node)
    if (options.peer != null || options.proto != null) {
      throw new InvalidArgumentError('stats bw --peer and --proto are not supported yet: Cairn counts all connections together')
    }
    const interval = options.interval as number | undefined ?? DEFAULT_BW_POLL_INTERVAL
    if (options.poll === true && !(interval > 0)) {
      throw new InvalidArgumentError('stats bw --interval must be longer than 0')
    }
    while (true) {
      const stats = host.bandwidth()
      yield { TotalIn: stats.totalIn, TotalOut: stats.totalOut, RateIn: stats.rateIn, RateOut: stats.rateOut }
      if (options.poll !== true) return
      await sleep(interval, signal)
    }
  }
})

/** The network commands, in the order the command table lists them. */
export const NETWORK_COMMANDS = [
  id,
  swarmPeers, swarmConnect, swarmDisconnect, swarmAddrs, swarmAddrsLocal,
  pingCommand,
  bootstrap, bootstrapListCommand, bootstrapAdd, bootstrapRm,
  statsBw
]

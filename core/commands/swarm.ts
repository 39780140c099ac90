/**
 * `swarm`: the open connections (`peers`), dialling and hanging up (`connect`, `disconnect`), and
 * the addresses known for each peer and for this node (`addrs`, `addrs local`).
 */
import { InvalidArgumentError, messageOf } from '../../errors/index.ts'
import { defineCommand } from '../command.ts'
import type { PeerAddress } from '../libp2p/addresses.ts'
import { DEFAULT_DIAL_TIMEOUT } from '../libp2p/constants.ts'
import { DialError } from '../libp2p/errors.ts'
import type { CairnHost } from '../libp2p/index.ts'
import type { CoreNode } from '../node.ts'
import type { Connection } from '@libp2p/interface'
import { describePeer, type IdOutput } from './id.ts'
import { formatGoDuration } from './kubo-format.ts'
import { addresses, byString, loadAddresses, requireHost } from './network-common.ts'

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

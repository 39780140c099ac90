/**
 * An in-memory network of DHT servers for the simulation bench and the lookup tests: every node
 * has a real {@link RoutingTable} and answers FIND_NODE the way the real server does (the k
 * closest contacts of its table, without the requester); lookups run the real {@link lookup}.
 * No sockets: a request is a function call, so 10,000 nodes fit in one process.
 */
import { peerIdFromMultihash } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import * as Digest from 'multiformats/hashes/digest'
import { RoutingTable, kadId, lookup, type LookupOptions, type LookupResult } from '../dht/index.ts'
import type { ComponentLogger, Logger, PeerId } from '@libp2p/interface'
import type { PeerInfo } from '../routing/index.ts'

const silent: Logger = Object.assign(() => {}, { enabled: false, error: () => {}, trace: () => {}, newScope: () => silent })
const logger: ComponentLogger = { forComponent: () => silent }
const ADDR = multiaddr('/ip4/127.0.0.1/tcp/1')

/** One simulated node. */
export interface SimNode {
  id: PeerId
  table: RoutingTable
  /** Requests this node answered. */
  served: number
}

/** A deterministic pseudo-random byte source (xorshift), so runs are repeatable. */
export function seededBytes (seed: number): (n: number) => Uint8Array {
  let x = seed >>> 0 || 1
  return (n) => {
    const out = new Uint8Array(n)
    for (let i = 0; i < n; i++) {
      x ^= x << 13; x >>>= 0
      x ^= x >>> 17
      x ^= x << 5; x >>>= 0
      out[i] = x & 0xff
    }
    return out
  }
}

/**
 * Builds `n` nodes whose tables hold what a long-running network converges to: each node offers
 * every other node to its table (the real admission rules decide: k per bucket, diversity off as
 * every node shares one address), in random order.
 */
export async function createSimNetwork (n: number, options: { k?: number, seed?: number } = {}): Promise<SimNode[]> {
  const random = seededBytes(options.seed ?? 1)
  const nodes: SimNode[] = []
  for (let i = 0; i < n; i++) {
    // a well-formed Ed25519 peer ID from random bytes: sha256 of it spreads uniformly
    const id = peerIdFromMultihash(Digest.decode(new Uint8Array([0x00, 0x24, 0x08, 0x01, 0x12, 0x20, ...random(32)])))
    const table = new RoutingTable({ peerId: id, logger, ping: async () => true }, { k: options.k, ipDiversity: false })
    nodes.push({ id, table, served: 0 })
  }
  // each bucket gets up to k random nodes of the IDs that fall in it, as a network that has run
  // for a while converges to: with IDs sorted, the nodes sharing exactly c prefix bits with a
  // node are one contiguous run (its prefix, then the other value of bit c)
  const sorted = nodes.map(node => ({ node, hex: Buffer.from(node.table.selfKadId).toString('hex'), bits: toBits(node.table.selfKadId) }))
  sorted.sort((a, b) => (a.hex < b.hex ? -1 : a.hex > b.hex ? 1 : 0))
  const bitsOf = sorted.map(s => s.bits)
  const k = options.k ?? 20
  for (const { node, bits } of sorted) {
    for (let c = 0; c < 64; c++) {
      const prefix = bits.slice(0, c) + (bits[c] === '0' ? '1' : '0')
      const lo = lowerBound(bitsOf, prefix)
      const hi = lowerBound(bitsOf, prefix + '2')
      if (hi <= lo) {
        if (c > Math.log2(n) + 4) break
        continue
      }
      const pick = random(k * 2)
      for (let j = 0; j < Math.min(k, hi - lo); j++) {
        const idx = hi - lo <= k ? lo + j : lo + (((pick[j * 2] << 8) | pick[j * 2 + 1]) % (hi - lo))
        await node.table.add(sorted[idx].node.id, [ADDR])
      }
    }
  }
  return nodes
}

/** The first 64 bits of an ID as a '0'/'1' string (enough to place 10,000 nodes). */
function toBits (id: Uint8Array): string {
  let out = ''
  for (let i = 0; i < 8; i++) out += id[i].toString(2).padStart(8, '0')
  return out
}

/** First index whose string is >= `value` ('2' sorts after '0' and '1': the end of a prefix). */
function lowerBound (sorted: string[], value: string): number {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (sorted[mid] < value) lo = mid + 1
    else hi = mid
  }
  return lo
}

/**
 * Looks up `key` from `from` over the simulated network, with the real lookup code. `fail`
 * names nodes that do not answer.
 */
export async function simLookup (nodes: SimNode[], from: SimNode, key: Uint8Array, options: LookupOptions & { fail?: Set<string> } = {}): Promise<LookupResult> {
  const byId = new Map(nodes.map(node => [node.id.toString(), node]))
  const target = kadId(key)
  const k = options.k ?? from.table.k
  const seeds: PeerInfo[] = from.table.closest(target, k).map(c => ({ id: c.id, multiaddrs: c.addrs }))
  return lookup(target, seeds, async (peer) => {
    const node = byId.get(peer.id.toString())
    if (node == null || options.fail?.has(peer.id.toString()) === true) throw new Error('unreachable')
    node.served++
    const closer = node.table.closest(target, k + 1).filter(c => !c.id.equals(from.id)).slice(0, k)
    return { closer: closer.map(c => ({ id: c.id, multiaddrs: c.addrs })) }
  }, { ...options, self: from.id })
}

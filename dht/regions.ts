/**
 * Keyspace regions for the sweeping reprovider: keys whose Kademlia IDs share a prefix live in one
 * region, and every peer whose ID shares that prefix is closer to each of those keys than any peer
 * outside it. So once a region holds at least k peers and all of them are known, the k closest
 * peers of every key in it are among them, and one exploration of the region (a few lookups)
 * serves all its keys instead of one lookup per key (Kubo's "provide sweep",
 * go-libp2p-kad-dht `provider/`).
 *
 * Prefixes are written as bit strings (`''` is the whole keyspace, `'01'` a quarter of it).
 */
import { createHash, randomBytes } from 'node:crypto'
import { compareDistance, KAD_ID_LENGTH } from './keyspace.ts'

/** A key to provide: its multihash (what goes on the wire) and its Kademlia ID. */
export interface RegionKey {
  multihash: Uint8Array
  kadId: Uint8Array
}

/** A keyspace region and the keys in it. */
export interface Region {
  /** The prefix every key's Kademlia ID starts with, as bits. */
  prefix: string
  keys: RegionKey[]
}

/**
 * The longest prefix a region or an exploration uses: finding a key under a prefix of `n` bits
 * takes about 2^n hashes (sha256 cannot be inverted), and 2^20 regions of k peers is a network of
 * twenty million servers.
 */
export const MAX_REGION_PREFIX_LENGTH = 20

/** The first `length` bits of a Kademlia ID. */
export function prefixOf (kadId: Uint8Array, length: number): string {
  let bits = ''
  for (let i = 0; i < length; i++) bits += (kadId[i >> 3] >> (7 - (i & 7))) & 1
  return bits
}

/** True when the Kademlia ID starts with the bits of `prefix`. */
export function hasPrefix (kadId: Uint8Array, prefix: string): boolean {
  for (let i = 0; i < prefix.length; i++) {
    if (((kadId[i >> 3] >> (7 - (i & 7))) & 1) !== (prefix.charCodeAt(i) - 48)) return false
  }
  return true
}

/** Groups keys by the first `prefixLength` bits of their Kademlia IDs; regions come in keyspace order. */
export function groupByRegion (keys: Iterable<RegionKey>, prefixLength: number): Region[] {
  if (!Number.isSafeInteger(prefixLength) || prefixLength < 0 || prefixLength > MAX_REGION_PREFIX_LENGTH) {
    throw new RangeError(`region prefix length must be 0…${MAX_REGION_PREFIX_LENGTH}, not ${prefixLength}`)
  }
  const regions = new Map<string, RegionKey[]>()
  for (const key of keys) {
    const prefix = prefixOf(key.kadId, prefixLength)
    let list = regions.get(prefix)
    if (list == null) regions.set(prefix, list = [])
    list.push(key)
  }
  return [...regions.entries()]
    .sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)
    .map(([prefix, list]) => ({ prefix, keys: list }))
}

/**
 * Where a region falls in a sweep, as a fraction of the interval in [0, 1): the numeric value of
 * its prefix over the size of the keyspace. Regions are visited in keyspace order, evenly spread
 * whatever the keys, and a region keeps its place from one sweep to the next.
 */
export function regionPosition (prefix: string): number {
  let value = 0
  for (let i = 0; i < prefix.length; i++) value += (prefix.charCodeAt(i) - 48) / 2 ** (i + 1)
  return value
}

/**
 * Estimates the number of DHT servers from the routing table. Bucket `i` covers a 2^-(i+1) share
 * of the keyspace, so a bucket that is not full holds every peer of that share: `n × 2^(i+1)`
 * estimates the whole. The shallowest non-full bucket covers the largest share and gives the
 * steadiest figure; when every bucket is full the table's size is a lower bound.
 */
export function estimateNetworkSize (buckets: Array<{ cpl: number, size: number }>, k: number): number {
  const total = buckets.reduce((sum, b) => sum + b.size, 0)
  const open = buckets.filter(b => b.size < k && b.size > 0).sort((a, b) => a.cpl - b.cpl)[0]
  if (open == null) return total
  return Math.max(total, open.size * 2 ** (open.cpl + 1))
}

/**
 * The prefix length whose regions hold about k peers each in a network of `networkSize`
 * servers: log2(n / k), rounded down so a region rather holds more peers than fewer (a region
 * with fewer than k is widened while it is explored, which costs lookups).
 */
export function regionPrefixLength (networkSize: number, k: number): number {
  if (!(networkSize > k)) return 0
  return Math.min(MAX_REGION_PREFIX_LENGTH, Math.floor(Math.log2(networkSize / k)))
}

/**
 * A random lookup key whose Kademlia ID starts with `prefix`: looking it up finds the peers
 * closest to that part of the keyspace. Drawn at random until one hashes into the prefix
 * (about 2^length hashes).
 */
export function randomKeyWithPrefix (prefix: string): Uint8Array {
  if (prefix.length > MAX_REGION_PREFIX_LENGTH) throw new RangeError(`cannot draw a key under a ${prefix.length}-bit prefix`)
  for (;;) {
    const key = randomBytes(KAD_ID_LENGTH)
    if (hasPrefix(new Uint8Array(createHash('sha256').update(key).digest()), prefix)) return new Uint8Array(key)
  }
}

/** The `k` items closest to `target` by XOR distance of their Kademlia IDs, closest first. */
export function closestTo<T extends { kadId: Uint8Array }> (target: Uint8Array, items: Iterable<T>, k: number): T[] {
  return [...items].sort((a, b) => compareDistance(a.kadId, b.kadId, target)).slice(0, k)
}

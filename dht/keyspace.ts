/**
 * The Kademlia keyspace: every peer and key has a 256-bit ID, the sha256 of its bytes (the
 * peer-ID multihash, the content multihash, or the full record key with its `/pk/` or `/ipns/`
 * prefix), and the distance between two IDs is their XOR read as a big-endian number
 * (ipfs/specs src/routing/kad-dht.md "Distance"; go-libp2p-kbucket util.go).
 */
import { createHash, randomBytes } from 'node:crypto'
import type { PeerId } from '@libp2p/interface'

/** Bytes of a Kademlia ID. */
export const KAD_ID_LENGTH = 32

/** The Kademlia ID of any key: sha256 of its bytes. */
export function kadId (key: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(key).digest())
}

/** Kademlia IDs of peer-ID objects already hashed (freed with the objects). */
const peerKadIds = new WeakMap<PeerId, Uint8Array>()

/** The Kademlia ID of a peer: sha256 of its peer-ID multihash. */
export function peerKadId (peer: PeerId): Uint8Array {
  let id = peerKadIds.get(peer)
  if (id == null) {
    id = kadId(peer.toMultihash().bytes)
    peerKadIds.set(peer, id)
  }
  return id
}

/** XOR distance of two IDs. */
export function xorDistance (a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(KAD_ID_LENGTH)
  for (let i = 0; i < KAD_ID_LENGTH; i++) out[i] = a[i] ^ b[i]
  return out
}

/** Compares two distances (or IDs) as big-endian numbers: negative when `a` is smaller. */
export function compareBytes (a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < KAD_ID_LENGTH; i++) {
    if (a[i] !== b[i]) return a[i] - b[i]
  }
  return 0
}

/** Negative when `a` is closer to `target` than `b`, without allocating the distances. */
export function compareDistance (a: Uint8Array, b: Uint8Array, target: Uint8Array): number {
  for (let i = 0; i < KAD_ID_LENGTH; i++) {
    const da = a[i] ^ target[i]
    const db = b[i] ^ target[i]
    if (da !== db) return da - db
  }
  return 0
}

/** Number of leading bits two IDs share (256 when equal): the k-bucket a peer falls in. */
export function commonPrefixLength (a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < KAD_ID_LENGTH; i++) {
    const x = a[i] ^ b[i]
    if (x !== 0) return i * 8 + Math.clz32(x) - 24
  }
  return KAD_ID_LENGTH * 8
}

/**
 * A random key whose Kademlia ID shares exactly `cpl` leading bits with `self`, to refresh that
 * bucket by looking it up. sha256 cannot be inverted, so this draws random keys until one lands
 * in the bucket: about 2^(cpl+1) hashes, which is why refresh stops at `MAX_CPL_FOR_REFRESH`.
 */
export function randomKeyInBucket (self: Uint8Array, cpl: number): Uint8Array {
  if (cpl < 0 || cpl > 24) throw new RangeError(`cannot draw a key with common prefix length ${cpl}`)
  for (;;) {
    const key = randomBytes(KAD_ID_LENGTH)
    if (commonPrefixLength(kadId(key), self) === cpl) return new Uint8Array(key)
  }
}

/** True when two byte arrays hold the same bytes. */
export function equalBytes (a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false
  return true
}

/**
 * Conversions between wire `Message.Peer` entries and peer IDs with addresses, hardened for what
 * a hostile peer may send: undecodable IDs and addresses are dropped, and only a bounded number
 * of peers and addresses is taken from any one message.
 */
import { peerIdFromMultihash } from '@libp2p/peer-id'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import * as Digest from 'multiformats/hashes/digest'
import { MAX_ADDRS_PER_PEER } from './constants.ts'
import { Message } from './pb/dht.js'
import type { PeerInfo } from '../routing/index.ts'
import type { PeerId } from '@libp2p/interface'

export type { PeerInfo }

/** A wire peer entry for `peer`; `/p2p/` suffixes are dropped (the ID travels beside them). */
export function toWirePeer (peer: PeerInfo): Message.Peer {
  return {
    id: peer.id.toMultihash().bytes,
    addrs: peer.multiaddrs.map(a => withoutPeerId(a).bytes),
    connection: Message.ConnectionType.NOT_CONNECTED
  }
}

/** An address without its trailing `/p2p/<id>`. */
export function withoutPeerId (addr: Multiaddr): Multiaddr {
  return addr.getComponents().some(c => c.name === 'p2p') ? addr.decapsulateCode(421) : addr
}

/** A peer ID from its wire bytes (a multihash), or undefined when they are not one. */
export function peerIdFromBytes (bytes: Uint8Array): PeerId | undefined {
  try {
    return peerIdFromMultihash(Digest.decode(bytes))
  } catch {
    return undefined
  }
}

/** Up to `maxAddrs` decodable multiaddrs of a wire peer entry. */
export function decodeAddrs (addrs: Uint8Array[], maxAddrs: number = MAX_ADDRS_PER_PEER): Multiaddr[] {
  const out: Multiaddr[] = []
  for (const bytes of addrs) {
    if (out.length >= maxAddrs) break
    try {
      out.push(multiaddr(bytes))
    } catch {
      // an undecodable address is the sender's problem; the others may still be good
    }
  }
  return out
}

/** Up to `max` distinct, decodable peers of a wire list (invalid entries are skipped). */
export function fromWirePeers (peers: Message.Peer[], max: number): PeerInfo[] {
  const out: PeerInfo[] = []
  const seen = new Set<string>()
  for (const entry of peers) {
    if (out.length >= max) break
    const id = peerIdFromBytes(entry.id)
    if (id == null || seen.has(id.toString())) continue
    seen.add(id.toString())
    out.push({ id, multiaddrs: decodeAddrs(entry.addrs) })
  }
  return out
}

/** A request of `type` for `key`, with every other field empty. */
export function request (type: Message.MessageType, key: Uint8Array, fields: Partial<Message> = {}): Message {
  return { type, key: new Uint8Array(key), clusterLevelRaw: 0, closerPeers: [], providerPeers: [], ...fields }
}

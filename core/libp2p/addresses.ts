import { peerIdFromString } from '@libp2p/peer-id'
import { CODE_P2P, multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { InvalidArgumentError } from '../../errors/index.ts'
import type { PeerId } from '@libp2p/interface'

/**
 * Parsing of peer addresses as users type them. This file stays light (no libp2p runtime) so that
 * the command table can import it without loading the network stack.
 */

/** A multiaddr that names a peer: `<transport>/p2p/<peer ID>` or just `/p2p/<peer ID>`. */
export interface PeerAddress {
  peerId: PeerId
  /** The whole address, as parsed. */
  multiaddr: Multiaddr
  /** The part before `/p2p/`, when there is one. */
  transport?: Multiaddr
}

/** Parses a multiaddr, with an error that says what was wrong. */
export function parseMultiaddr (text: string): Multiaddr {
  try {
    return multiaddr(text)
  } catch (err) {
    throw new InvalidArgumentError(`"${text}" is not a valid multiaddr (e.g. /ip4/127.0.0.1/tcp/4001/p2p/12D3KooW...): ${(err as Error).message}`, { cause: err })
  }
}

/** Parses a peer ID, with an error that says what was wrong. */
export function parsePeerId (text: string): PeerId {
  try {
    return peerIdFromString(text)
  } catch (err) {
    throw new InvalidArgumentError(`"${text}" is not a valid peer ID (e.g. 12D3KooW... or Qm...)`, { cause: err })
  }
}

/**
 * Parses an address that must end in `/p2p/<peer ID>` (swarm connect/disconnect, bootstrap).
 * Throws InvalidArgumentError naming the address otherwise.
 */
export function parsePeerAddress (text: string): PeerAddress {
  const address = parseMultiaddr(text)
  const components = address.getComponents()
  const last = components[components.length - 1]
  if (last?.code !== CODE_P2P || last.value == null) {
    throw new InvalidArgumentError(`"${text}" does not name a peer: the address must end in /p2p/<peer ID>`)
  }
  let peerId: PeerId
  try {
    peerId = peerIdFromString(last.value)
  } catch (err) {
    throw new InvalidArgumentError(`"${text}" does not name a peer: "${last.value}" is not a valid peer ID`, { cause: err })
  }
  const transport = address.decapsulateCode(CODE_P2P)
  return {
    peerId,
    multiaddr: address,
    transport: transport.getComponents().length > 0 ? transport : undefined
  }
}

/**
 * Parses what `ping` and `id` accept: a bare peer ID or an address ending in `/p2p/<peer ID>`.
 */
export function parsePeerTarget (text: string): PeerAddress {
  if (text.startsWith('/')) return parsePeerAddress(text)
  const peerId = parsePeerId(text)
  return { peerId, multiaddr: multiaddr(`/p2p/${peerId.toString()}`) }
}

/** The address without any `/p2p/<peer ID>` suffix. */
export function withoutPeerId (address: Multiaddr): Multiaddr {
  const components = address.getComponents()
  return components[components.length - 1]?.code === CODE_P2P ? address.decapsulateCode(CODE_P2P) : address
}

/** The address with `/p2p/<peer ID>` appended, unless it already ends with one. */
export function withPeerId (address: Multiaddr, peerId: PeerId): Multiaddr {
  return withoutPeerId(address).encapsulate(`/p2p/${peerId.toString()}`)
}

/** The IP address a network multiaddr starts with (`/ip4/…` or `/ip6/…`), if it has one. */
export function ipOf (address: Multiaddr): string | undefined {
  for (const component of address.getComponents()) {
    if (component.name === 'ip4' || component.name === 'ip6') {
      const ip = component.value
      // a dual-stack listener reports IPv4 peers as IPv4-mapped IPv6: count them as the IPv4 address
      return ip?.toLowerCase().startsWith('::ffff:') === true && ip.includes('.') ? ip.slice(7) : ip
    }
  }
  return undefined
}

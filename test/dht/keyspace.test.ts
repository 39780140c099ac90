import { peerIdFromMultihash } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import * as Digest from 'multiformats/hashes/digest'
import { describe, expect, it } from 'vitest'
import { ipGroup, ipGroupsOf } from '../../dht/ip-group.ts'
import {
  commonPrefixLength, compareBytes, compareDistance, kadId, peerKadId, randomKeyInBucket, xorDistance
} from '../../dht/keyspace.ts'

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const fromHex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'))

describe('keyspace', () => {
  // ipfs/specs src/routing/kad-dht.md, "Kademlia Identifier" and "Content Kademlia Identifier"
  it('maps a peer ID to the spec\'s Kademlia identifier', () => {
    // the spec's base58 form of this example is of another key; its hex bytes are what it hashes
    const peer = peerIdFromMultihash(Digest.decode(fromHex('0024080112209e3b433cbd31c2b8a6ebbdca998bd0f4c2141c9c9af5422e976051b1e63af14d')))
    expect(hex(peerKadId(peer))).toBe('e43d28f0996557c0d5571d75c62a57a59d7ac1d30a51ecedcdb9d5e4afa56100')
  })

  it('maps a content multihash to the spec\'s Kademlia identifier', () => {
    const mh = fromHex('1220e536c7f88d731f374dccb568aff6f56e838a19382e488039b1ca8ad2599e82fe')
    expect(hex(kadId(mh))).toBe('d623250f3f660ab4c3a53d3c97b3f6a0194c548053488d093520206248253bcb')
  })

  it('measures XOR distance big-endian', () => {
    const zero = new Uint8Array(32)
    const a = new Uint8Array(32); a[0] = 0x80
    const b = new Uint8Array(32); b[31] = 0xff
    expect(xorDistance(a, a)).toEqual(zero)
    expect(xorDistance(a, b)[0]).toBe(0x80)
    // b differs from zero only in the last byte, a in the first: b is closer
    expect(compareDistance(b, a, zero)).toBeLessThan(0)
    expect(compareDistance(a, a, zero)).toBe(0)
    expect(compareBytes(xorDistance(b, zero), xorDistance(a, zero))).toBeLessThan(0)
  })

  it('counts common prefix bits', () => {
    const a = new Uint8Array(32)
    const b = new Uint8Array(32)
    expect(commonPrefixLength(a, b)).toBe(256)
    b[0] = 0x80
    expect(commonPrefixLength(a, b)).toBe(0)
    b[0] = 0x01
    expect(commonPrefixLength(a, b)).toBe(7)
    b[0] = 0; b[2] = 0x10
    expect(commonPrefixLength(a, b)).toBe(19)
  })

  it('draws refresh keys that land in the asked bucket', () => {
    const self = kadId(new TextEncoder().encode('self'))
    for (const cpl of [0, 1, 5, 10]) {
      expect(commonPrefixLength(kadId(randomKeyInBucket(self, cpl)), self)).toBe(cpl)
    }
  })
})

describe('IP groups', () => {
  it('groups IPv4 by /16 and legacy class A by /8', () => {
    expect(ipGroup(4, '1.2.3.4')).toBe(ipGroup(4, '1.2.200.9'))
    expect(ipGroup(4, '1.2.3.4')).not.toBe(ipGroup(4, '1.3.3.4'))
    expect(ipGroup(4, '12.1.1.1')).toBe(ipGroup(4, '12.200.1.1'))
  })

  it('groups IPv6 by /32, and IPv4-mapped IPv6 as IPv4', () => {
    expect(ipGroup(6, '2001:db8:1::1')).toBe(ipGroup(6, '2001:db8:ffff::2'))
    expect(ipGroup(6, '2001:db8::1')).not.toBe(ipGroup(6, '2001:db9::1'))
    expect(ipGroup(6, '::ffff:1.2.3.4')).toBe(ipGroup(4, '1.2.9.9'))
  })

  it('leaves loopback out only when asked', () => {
    const addrs = [multiaddr('/ip4/127.0.0.1/tcp/1'), multiaddr('/ip6/::1/tcp/1'), multiaddr('/dns4/example.com/tcp/1')]
    expect(ipGroupsOf(addrs, true).size).toBe(0)
    expect([...ipGroupsOf(addrs, false)].sort()).toEqual(['v4:127.0', 'v6:0:0'])
  })
})

/**
 * IP groups for the routing table's diversity limits (Sybil/eclipse defence): peers whose
 * addresses fall in one group are few per bucket and per table, so one operator with many IDs on
 * one network cannot fill the table. IPv4 groups by /16 except the legacy class-A blocks that one
 * organisation holds whole, which group by /8 (go-libp2p-kbucket peerdiversity/filter.go
 * `IPGroupKey`); IPv6 by /32 (go uses the ASN, which needs a table we do not ship; /32 is the
 * usual size of one provider's allocation).
 */
import type { Multiaddr } from '@multiformats/multiaddr'

/** IPv4 /8 blocks allocated whole to one organisation (go `legacyClassA`). */
const LEGACY_CLASS_A = new Set([12, 17, 19, 38, 48, 53, 56, 73])

/** The IP of a multiaddr's first `ip4`/`ip6` component, with its version, if any. */
export function ipOf (addr: Multiaddr): { version: 4 | 6, ip: string } | undefined {
  for (const c of addr.getComponents()) {
    if (c.name === 'ip4' && c.value != null) return { version: 4, ip: c.value }
    if (c.name === 'ip6' && c.value != null) return { version: 6, ip: c.value }
  }
  return undefined
}

/** True for 127.0.0.0/8 and ::1. */
export function isLoopbackIp (version: 4 | 6, ip: string): boolean {
  if (version === 4) return ip.startsWith('127.')
  return expandIPv6(ip).every((word, i) => i < 7 ? word === 0 : word === 1)
}

/** The eight 16-bit words of an IPv6 address (handles `::` and an embedded IPv4 tail). */
export function expandIPv6 (ip: string): number[] {
  let text = ip.split('%')[0]
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)
  if (v4 != null) {
    const b = v4[1].split('.').map(Number)
    text = text.slice(0, -v4[1].length) + `${((b[0] << 8) | b[1]).toString(16)}:${((b[2] << 8) | b[3]).toString(16)}`
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined]
  const left = head === '' ? [] : head.split(':')
  const right = tail == null || tail === '' ? [] : tail.split(':')
  const fill = tail == null ? [] : new Array(8 - left.length - right.length).fill('0')
  return [...left, ...fill, ...right].map(w => parseInt(w, 16) || 0)
}

/** The diversity group of one IP: `v4:a.b` (or `v4:a` for legacy class A), `v6:xxxx:yyyy`. */
export function ipGroup (version: 4 | 6, ip: string): string {
  if (version === 4) {
    const [a, b] = ip.split('.')
    return LEGACY_CLASS_A.has(Number(a)) ? `v4:${a}` : `v4:${a}.${b}`
  }
  const words = expandIPv6(ip)
  // IPv4-mapped addresses (::ffff:a.b.c.d) belong to the IPv4 group of their address
  if (words.slice(0, 5).every(w => w === 0) && words[5] === 0xffff) {
    return ipGroup(4, `${words[6] >> 8}.${words[6] & 0xff}.${words[7] >> 8}.${words[7] & 0xff}`)
  }
  return `v6:${words[0].toString(16)}:${words[1].toString(16)}`
}

/**
 * The distinct IP groups of a peer's addresses. Loopback addresses are left out when
 * `exemptLoopback` is set (a swarm on one machine, the `test` profile); addresses without an IP
 * (DNS names, circuits) have no group.
 */
export function ipGroupsOf (addrs: Multiaddr[], exemptLoopback: boolean): Set<string> {
  const groups = new Set<string>()
  for (const addr of addrs) {
    const ip = ipOf(addr)
    if (ip == null) continue
    if (exemptLoopback && isLoopbackIp(ip.version, ip.ip)) continue
    groups.add(ipGroup(ip.version, ip.ip))
  }
  return groups
}

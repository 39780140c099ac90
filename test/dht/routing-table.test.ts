import { multiaddr } from '@multiformats/multiaddr'
import { describe, expect, it } from 'vitest'
import { commonPrefixLength, compareDistance, kadId, peerKadId } from '../../dht/keyspace.ts'
import { RoutingTable } from '../../dht/routing-table.ts'
import { logger, peerIds } from './helpers.ts'
import type { PeerId } from '@libp2p/interface'

const addr = (ip: string): ReturnType<typeof multiaddr> => multiaddr(`/ip4/${ip}/tcp/4001`)
/** A distinct /16 per index so diversity never interferes unless a test wants it. */
const spread = (i: number): ReturnType<typeof multiaddr> => addr(`${10 + (i >> 8)}.${i & 0xff}.0.1`)

async function peersInBucket (self: PeerId, cpl: number, n: number): Promise<PeerId[]> {
  const selfId = peerKadId(self)
  const found: PeerId[] = []
  while (found.length < n) {
    for (const p of await peerIds(64)) {
      if (commonPrefixLength(peerKadId(p), selfId) === cpl && found.length < n) found.push(p)
    }
  }
  return found
}

describe('routing table', () => {
  it('puts contacts in the bucket of their common prefix length and finds the closest', async () => {
    const [self, ...others] = await peerIds(60)
    const table = new RoutingTable({ peerId: self, logger, ping: async () => true }, { k: 100, ipDiversity: false })
    for (const [i, p] of others.entries()) expect(await table.add(p, [spread(i)])).toBe('added')
    expect(table.size).toBe(59)
    expect(await table.add(self, [spread(0)])).toBe('self')
    for (const { cpl, contacts } of table.bucketView()) {
      for (const c of contacts) expect(commonPrefixLength(c.kadId, table.selfKadId)).toBe(cpl)
    }
    const target = kadId(new TextEncoder().encode('some key'))
    const expected = [...others].sort((a, b) => compareDistance(peerKadId(a), peerKadId(b), target)).slice(0, 20)
    expect(table.closest(target, 20).map(c => c.id.toString())).toEqual(expected.map(p => p.toString()))
  })

  it('refuses a contact without addresses', async () => {
    const [self, other] = await peerIds(2)
    const table = new RoutingTable({ peerId: self, logger, ping: async () => true })
    expect(await table.add(other, [])).toBe('no-address')
  })

  it('keeps a full bucket\'s least-recently-seen contact while it answers', async () => {
    const [self] = await peerIds(1)
    const [a, b, c, newcomer] = await peersInBucket(self, 0, 4)
    const pinged: string[] = []
    const table = new RoutingTable({ peerId: self, logger, ping: async (p) => { pinged.push(p.toString()); return true } }, { k: 3, ipDiversity: false })
    await table.add(a, [spread(1)])
    await table.add(b, [spread(2)])
    await table.add(c, [spread(3)])
    table.markSeen(a) // a is now the most recently seen; b the least
    expect(await table.add(newcomer, [spread(4)])).toBe('full')
    expect(pinged).toEqual([b.toString()])
    expect(table.has(b)).toBe(true)
    expect(table.has(newcomer)).toBe(false)
  })

  it('replaces a full bucket\'s least-recently-seen contact when it does not answer', async () => {
    const [self] = await peerIds(1)
    const [a, b, newcomer] = await peersInBucket(self, 0, 3)
    const table = new RoutingTable({ peerId: self, logger, ping: async () => false }, { k: 2, ipDiversity: false })
    const removed: string[] = []
    table.on('peer:remove', c => removed.push(c.id.toString()))
    await table.add(a, [spread(1)])
    await table.add(b, [spread(2)])
    expect(await table.add(newcomer, [spread(3)])).toBe('added')
    expect(removed).toEqual([a.toString()])
    expect(table.has(a)).toBe(false)
    expect(table.has(newcomer)).toBe(true)
  })

  it('pings one contact at a time per bucket: newcomers arriving meanwhile are turned away', async () => {
    const [self] = await peerIds(1)
    const [a, n1, n2] = await peersInBucket(self, 0, 3)
    let pings = 0
    let answer!: (alive: boolean) => void
    const table = new RoutingTable({
      peerId: self, logger, ping: async () => { pings++; return new Promise<boolean>(resolve => { answer = resolve }) }
    }, { k: 1, ipDiversity: false })
    await table.add(a, [spread(1)])
    const first = table.add(n1, [spread(2)])
    expect(await table.add(n2, [spread(3)])).toBe('full')
    answer(true)
    expect(await first).toBe('full')
    expect(pings).toBe(1)
  })

  it('evicts on remove and reports it', async () => {
    const [self, a] = await peerIds(2)
    const table = new RoutingTable({ peerId: self, logger, ping: async () => true })
    await table.add(a, [spread(1)])
    expect(table.remove(a)).toBe(true)
    expect(table.remove(a)).toBe(false)
    expect(table.size).toBe(0)
  })

  it('holds at most 2 contacts of one IP group per bucket and 3 per table', async () => {
    const [self] = await peerIds(1)
    const bucket0 = await peersInBucket(self, 0, 3)
    const bucket1 = await peersInBucket(self, 1, 2)
    const table = new RoutingTable({ peerId: self, logger, ping: async () => true })
    // one /16: 1.2.x.x
    expect(await table.add(bucket0[0], [addr('1.2.0.1')])).toBe('added')
    expect(await table.add(bucket0[1], [addr('1.2.0.2')])).toBe('added')
    expect(await table.add(bucket0[2], [addr('1.2.0.3')])).toBe('diversity')
    expect(await table.add(bucket1[0], [addr('1.2.0.4')])).toBe('added')
    expect(await table.add(bucket1[1], [addr('1.2.0.5')])).toBe('diversity')
    // another group is fine
    expect(await table.add(bucket1[1], [addr('5.6.0.1')])).toBe('added')
    // a peer is refused when ANY of its addresses is over the limit
    expect(await table.add(bucket0[2], [addr('9.9.0.1'), addr('1.2.7.7')])).toBe('diversity')
  })

  it('limits are configurable, and loopback can be exempted for a swarm on one machine', async () => {
    const [self, ...others] = await peerIds(11)
    const strict = new RoutingTable({ peerId: self, logger, ping: async () => true })
    const loose = new RoutingTable({ peerId: self, logger, ping: async () => true }, { ipDiversity: { allowLoopback: true } })
    const wide = new RoutingTable({ peerId: self, logger, ping: async () => true }, { ipDiversity: { maxPerBucket: 10, maxPerTable: 10 } })
    for (const p of others) {
      await strict.add(p, [addr('127.0.0.1')])
      await loose.add(p, [addr('127.0.0.1')])
      await wide.add(p, [addr('8.8.0.1')])
    }
    expect(strict.size).toBeLessThanOrEqual(3)
    expect(loose.size).toBe(10)
    expect(wide.size).toBe(10)
  })

  it('frees a group\'s place when its contact leaves', async () => {
    const [self, ...others] = await peerIds(5)
    const table = new RoutingTable({ peerId: self, logger, ping: async () => true }, { ipDiversity: { maxPerBucket: 1, maxPerTable: 1 } })
    expect(await table.add(others[0], [addr('3.3.0.1')])).toBe('added')
    expect(await table.add(others[1], [addr('3.3.0.2')])).toBe('diversity')
    table.remove(others[0])
    expect(await table.add(others[1], [addr('3.3.0.2')])).toBe('added')
  })

  it('evicts a contact after repeated failures, at once when fatal, and forgives after an answer', async () => {
    const [self, a, b] = await peerIds(3)
    const table = new RoutingTable({ peerId: self, logger, ping: async () => true }, { maxFailures: 2 })
    await table.add(a, [spread(1)])
    await table.add(b, [spread(2)])
    expect(table.recordFailure(a)).toBe(false)
    table.markSeen(a)
    expect(table.recordFailure(a)).toBe(false)
    expect(table.recordFailure(a)).toBe(true)
    expect(table.has(a)).toBe(false)
    expect(table.recordFailure(b, true)).toBe(true)
    expect(table.size).toBe(0)
  })
})

/**
 * The sweeping reprovider against a perfect in-memory DHT (each lookup returns the true k
 * closest peers): regions give every key exactly its k closest peers with far fewer lookups than
 * keys, the schedule spreads the work over the interval one region at a time (an injected clock),
 * a restart resumes the schedule, and falling behind is reported.
 */
import { randomBytes } from 'node:crypto'
import { multiaddr } from '@multiformats/multiaddr'
import { describe, expect, it } from 'vitest'
import {
  estimateNetworkSize, groupByRegion, hasPrefix, kadId, MemoryDHTDatastore, peerKadId, prefixOf, randomKeyWithPrefix, regionPosition,
  regionPrefixLength, REPROVIDER_STATE_KEY, SweepingReprovider, commonPrefixLength, compareDistance, type Clock, type SweepDHT
} from '../../dht/index.ts'
import { logger, peerIds, waitFor } from './helpers.ts'
import type { PeerInfo } from '../../routing/index.ts'

const K = 20
const HOUR = 60 * 60 * 1000
const INTERVAL = 22 * HOUR

/** A clock whose time moves only when the test says so. */
class FakeClock implements Clock {
  time = 1_700_000_000_000
  timers: Array<{ at: number, fn: () => void }> = []
  now (): number { return this.time }
  setTimer (ms: number, fn: () => void): { clear(): void } {
    const timer = { at: this.time + ms, fn }
    this.timers.push(timer)
    return { clear: () => { this.timers = this.timers.filter(t => t !== timer) } }
  }

  /** The one pending timer's due time (the reprovider keeps at most one). */
  next (): number | undefined {
    return this.timers.length === 1 ? this.timers[0].at : undefined
  }

  /** Moves to the next timer and fires it. */
  fire (): void {
    const timer = this.timers.sort((a, b) => a.at - b.at).shift()
    if (timer == null) throw new Error('no timer pending')
    this.time = Math.max(this.time, timer.at)
    timer.fn()
  }
}

interface FakePeer extends PeerInfo { kadId: Uint8Array }

/** A DHT that answers every lookup with the true k closest peers and records what it was sent. */
class PerfectDHT implements SweepDHT {
  lookups = 0
  /** For each key (base64 multihash), the peers it was sent to, once per send. */
  readonly sent = new Map<string, string[]>()
  onLookup?: () => void
  readonly routingTable: SweepDHT['routingTable']
  private readonly peers: FakePeer[]

  constructor (peers: FakePeer[], self: Uint8Array) {
    this.peers = peers
    const buckets = new Map<number, number>()
    for (const p of peers) {
      const cpl = commonPrefixLength(p.kadId, self)
      buckets.set(cpl, Math.min(K, (buckets.get(cpl) ?? 0) + 1))
    }
    const view = [...buckets.entries()].sort((a, b) => a[0] - b[0]).map(([cpl, n]) => ({ cpl, contacts: new Array(n).fill(null) }))
    this.routingTable = { bucketView: () => view }
  }

  async closestPeers (key: Uint8Array): Promise<{ closest: PeerInfo[] }> {
    this.lookups++
    this.onLookup?.()
    const target = kadId(key)
    return { closest: [...this.peers].sort((a, b) => compareDistance(a.kadId, b.kadId, target)).slice(0, K) }
  }

  async sendProviderRecords (peer: PeerInfo, keys: Uint8Array[]): Promise<void> {
    for (const key of keys) {
      const id = Buffer.from(key).toString('base64')
      const list = this.sent.get(id) ?? []
      list.push(peer.id.toString())
      this.sent.set(id, list)
    }
  }

  async addLocalProviderRecords (): Promise<void> {}

  /** The true k closest peers of a key. */
  truth (multihash: Uint8Array): string[] {
    const target = kadId(multihash)
    return [...this.peers].sort((a, b) => compareDistance(a.kadId, b.kadId, target)).slice(0, K).map(p => p.id.toString()).sort()
  }

  sends (multihash: Uint8Array): number {
    return (this.sent.get(Buffer.from(multihash).toString('base64'))?.length ?? 0) / K
  }
}

async function network (n: number): Promise<{ dht: PerfectDHT, self: Uint8Array }> {
  const ids = await peerIds(n + 1)
  const self = peerKadId(ids[0])
  const peers = ids.slice(1).map(id => ({ id, multiaddrs: [multiaddr('/ip4/127.0.0.1/tcp/4001')], kadId: peerKadId(id) }))
  return { dht: new PerfectDHT(peers, self), self }
}

/** Random sha2-256 multihashes. */
function keys (n: number): Uint8Array[] {
  return Array.from({ length: n }, () => new Uint8Array([0x12, 0x20, ...randomBytes(32)]))
}

describe('keyspace regions', () => {
  it('reads prefixes, groups keys by them in keyspace order and places each region in the sweep', () => {
    const id = new Uint8Array(32)
    id[0] = 0b10110000
    expect(prefixOf(id, 5)).toBe('10110')
    expect(hasPrefix(id, '1011')).toBe(true)
    expect(hasPrefix(id, '111')).toBe(false)
    expect(hasPrefix(id, '')).toBe(true)
    const all = keys(500).map(multihash => ({ multihash, kadId: kadId(multihash) }))
    const regions = groupByRegion(all, 3)
    expect(regions.map(r => r.prefix)).toEqual(['000', '001', '010', '011', '100', '101', '110', '111'])
    for (const r of regions) for (const key of r.keys) expect(hasPrefix(key.kadId, r.prefix)).toBe(true)
    expect(regions.reduce((n, r) => n + r.keys.length, 0)).toBe(500)
    expect(groupByRegion(all, 0)).toHaveLength(1)
    expect(regionPosition('')).toBe(0)
    expect(regionPosition('1')).toBe(0.5)
    expect(regionPosition('011')).toBe(0.375)
    expect(() => groupByRegion(all, 99)).toThrow(RangeError)
  })

  it('sizes regions to hold about k peers from the routing table', () => {
    expect(regionPrefixLength(30, K)).toBe(0)
    expect(regionPrefixLength(1000, K)).toBe(5)
    expect(regionPrefixLength(10_000, K)).toBe(8)
    // bucket 3 is not full: it holds every peer of 1/16 of the keyspace
    expect(estimateNetworkSize([{ cpl: 0, size: 20 }, { cpl: 1, size: 20 }, { cpl: 2, size: 20 }, { cpl: 3, size: 12 }, { cpl: 4, size: 5 }], K)).toBe(192)
    expect(estimateNetworkSize([{ cpl: 0, size: 15 }, { cpl: 1, size: 7 }], K)).toBe(30)
    expect(estimateNetworkSize([], K)).toBe(0)
  })

  it('draws lookup keys under a prefix', () => {
    for (const prefix of ['', '0', '1101', '0110100']) expect(hasPrefix(kadId(randomKeyWithPrefix(prefix)), prefix)).toBe(true)
  })
})

describe('sweeping reprovider', () => {
  for (const [size, count] of [[30, 1000], [300, 2000], [1000, 1500]] as const) {
    it(`sends every key to exactly its ${K} closest peers with ≥ 5× fewer lookups than keys (${size} peers, ${count} keys)`, async () => {
      const { dht } = await network(size)
      const reprovider = new SweepingReprovider({ dht, keys: async function * () {}, logger })
      const all = keys(count)
      const result = await reprovider.provideKeys(all)
      expect(result.keys).toBe(count)
      expect(result.provided).toBe(count)
      expect(result.records).toBe(count * K)
      for (const key of all) {
        const sentTo = [...(dht.sent.get(Buffer.from(key).toString('base64')) ?? [])].sort()
        expect(sentTo).toEqual(dht.truth(key))
      }
      expect(dht.lookups).toBe(result.lookups)
      expect(result.lookups * 5).toBeLessThanOrEqual(count)
    })
  }

  it('spreads a sweep over the interval one region at a time, after a catch-up sweep on a fresh start', async () => {
    const { dht } = await network(200)
    const clock = new FakeClock()
    const all = keys(400)
    const datastore = new MemoryDHTDatastore()
    const reprovider = new SweepingReprovider({ dht, keys: async function * () { yield * all }, datastore, logger, clock }, { interval: INTERVAL, initialDelay: 60_000 })
    await reprovider.start()
    const started = clock.now()
    expect(clock.next()).toBe(started + 60_000)
    expect(dht.sent.size).toBe(0)

    // the catch-up sweep announces everything; region 000 of the regular schedule is due at once
    clock.fire()
    await waitFor(() => all.every(k => dht.sends(k) >= 1) && clock.next() != null, 'the catch-up sweep')
    const stats = reprovider.stats()
    expect(stats.catchingUp).toBe(false)
    expect(stats.totalSweeps).toBe(1)
    // 200 servers: regions of 2 to 4 bits, as the estimate from the table falls
    expect([2, 3, 4]).toContain(stats.prefixLength)
    expect(stats.regions).toBe(2 ** stats.prefixLength)
    const cycleStart = started + 60_000
    expect(stats.cycleStart).toBe(cycleStart)
    const regions = groupByRegion(all.map(multihash => ({ multihash, kadId: kadId(multihash) })), stats.prefixLength)

    // then each region has its turn at cycleStart + position × interval, and only then
    for (let i = 1; i < regions.length; i++) {
      const due = cycleStart + regionPosition(regions[i].prefix) * INTERVAL
      await waitFor(() => clock.next() === due, `the timer of region ${regions[i].prefix}`)
      for (const [j, region] of regions.entries()) {
        for (const key of region.keys) expect(dht.sends(key.multihash)).toBe(j < i ? 2 : 1)
      }
      clock.fire()
    }
    await waitFor(() => clock.next() === cycleStart + INTERVAL, 'the next sweep to be scheduled')
    for (const key of all) expect(dht.sends(key)).toBe(2)
    expect(reprovider.stats().behind).toBe(false)
    expect(reprovider.stats().lastRegionAt).toBe(cycleStart + regionPosition(regions[regions.length - 1].prefix) * INTERVAL)

    // every key is re-announced within one interval of the last time
    clock.fire()
    await waitFor(() => clock.next() === cycleStart + INTERVAL + regionPosition(regions[1].prefix) * INTERVAL, 'the third sweep to start')
    expect(reprovider.stats().totalSweeps).toBe(2)
    await reprovider.stop()
    expect(clock.timers).toHaveLength(0)
  })

  it('resumes its schedule after a restart instead of sweeping everything again', async () => {
    const { dht } = await network(200)
    const clock = new FakeClock()
    const all = keys(400)
    const datastore = new MemoryDHTDatastore()
    const source = { dht, keys: async function * () { yield * all }, datastore, logger, clock }
    const first = new SweepingReprovider(source, { interval: INTERVAL, initialDelay: 60_000 })
    await first.start()
    clock.fire()
    await waitFor(() => clock.next() != null && all.every(k => dht.sends(k) >= 1), 'the catch-up sweep')
    const due = clock.next() as number
    await first.stop()
    expect(await datastore.get(REPROVIDER_STATE_KEY)).toBeDefined()

    const before = dht.sent.size === 0 ? 0 : [...dht.sent.values()].reduce((n, l) => n + l.length, 0)
    const second = new SweepingReprovider(source, { interval: INTERVAL, initialDelay: 60_000 })
    await second.start()
    // no catch-up: the first step finds the next region not yet due and waits for it
    clock.fire()
    await waitFor(() => clock.next() === due, 'the resumed schedule')
    expect([...dht.sent.values()].reduce((n, l) => n + l.length, 0)).toBe(before)
    expect(second.stats().catchingUp).toBe(false)
    await second.stop()
  })

  it('reports that it cannot keep up when the sweep falls behind its schedule', async () => {
    const { dht } = await network(200)
    const clock = new FakeClock()
    const all = keys(400)
    const datastore = new MemoryDHTDatastore()
    // a regular sweep half over, none of its regions done: four are overdue
    await datastore.put(REPROVIDER_STATE_KEY, new TextEncoder().encode(JSON.stringify({ cycleStart: clock.now() - INTERVAL / 2, done: -1, catchUp: false, savedAt: clock.now() })))
    // the first lookups take three hours each
    dht.onLookup = () => { if (dht.lookups <= 3) clock.time += 3 * HOUR }
    const reprovider = new SweepingReprovider({ dht, keys: async function * () { yield * all }, datastore, logger, clock }, { interval: INTERVAL })
    await reprovider.start()
    expect(reprovider.stats().behind).toBe(false)
    clock.fire()
    // the overdue regions are done once the reprovider waits for its next turn
    await waitFor(() => dht.lookups >= 3 && clock.next() != null, 'the overdue regions')
    const stats = reprovider.stats()
    expect(stats.behind).toBe(true)
    expect(stats.lagMs).toBeGreaterThan(HOUR)
    expect(stats.warnings.join('\n')).toMatch(/behind its schedule/)
    await reprovider.stop()
  })

  it('retries a region that no peer took, and says why', async () => {
    const { dht } = await network(50)
    const clock = new FakeClock()
    const all = keys(50)
    let failing = true
    const original = dht.sendProviderRecords.bind(dht)
    dht.sendProviderRecords = async (peer, list) => {
      if (failing) throw new Error('connection refused')
      await original(peer, list)
    }
    const reprovider = new SweepingReprovider({ dht, keys: async function * () { yield * all }, logger, clock }, { interval: INTERVAL, initialDelay: 1000, retryDelay: 30_000 })
    await reprovider.start()
    const start = clock.now()
    clock.fire()
    await waitFor(() => clock.next() === start + 1000 + 30_000, 'the retry timer')
    expect(reprovider.stats().warnings.join('\n')).toMatch(/could not be provided: no peer took/)
    failing = false
    clock.fire()
    // (region 0 of the regular schedule is due at once after the catch-up: some keys go out twice)
    await waitFor(() => all.every(k => dht.sends(k) >= 1), 'the retried region')
    await waitFor(() => reprovider.stats().warnings.length === 0, 'the warning to clear')
    await reprovider.stop()
  })
})

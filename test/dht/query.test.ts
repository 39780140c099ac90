/**
 * The iterative lookup over an in-memory network of real routing tables (bench/dht-sim-network.ts):
 * it converges on the true k closest, asks no peer twice, skips peers without addresses, routes
 * around peers that fail, and stops early when an answer says so.
 */
import { describe, expect, it } from 'vitest'
import { createSimNetwork, seededBytes, simLookup, type SimNode } from '../../bench/dht-sim-network.ts'
import { compareDistance, kadId, lookup, peerKadId } from '../../dht/index.ts'
import { peerIds } from './helpers.ts'
import type { PeerInfo } from '../../routing/index.ts'

describe('iterative lookup', () => {
  let nodes: SimNode[]
  const random = seededBytes(7)

  const trueClosest = (key: Uint8Array, k: number): string[] => {
    const target = kadId(key)
    return [...nodes].sort((a, b) => compareDistance(a.table.selfKadId, b.table.selfKadId, target)).slice(0, k).map(n => n.id.toString())
  }

  it('finds the true k closest of 500 nodes in a few hops', async () => {
    nodes = await createSimNetwork(500, { k: 20, seed: 3 })
    for (let i = 0; i < 20; i++) {
      const key = random(32)
      const from = nodes[i * 7]
      const result = await simLookup(nodes, from, key, { followUp: true })
      const expected = trueClosest(key, 21).filter(id => id !== from.id.toString()).slice(0, 20)
      expect(result.closest.map(p => p.id.toString())).toEqual(expected)
      expect(result.hops).toBeLessThanOrEqual(Math.ceil(Math.log2(500) / 2))
    }
  }, 60_000)

  it('never asks a peer twice', async () => {
    const asked = new Map<string, number>()
    const target = kadId(random(32))
    const byId = new Map(nodes.map(n => [n.id.toString(), n]))
    const seeds = nodes[0].table.closest(target, 20).map(c => ({ id: c.id, multiaddrs: c.addrs }))
    await lookup(target, seeds, async (peer) => {
      asked.set(peer.id.toString(), (asked.get(peer.id.toString()) ?? 0) + 1)
      // every peer also names every peer it knows: plenty of duplicates to resist
      const node = byId.get(peer.id.toString()) as SimNode
      return { closer: [...node.table.closest(target, 40), ...node.table.closest(target, 40)].map(c => ({ id: c.id, multiaddrs: c.addrs })) }
    }, { followUp: true })
    expect([...asked.values()].every(n => n === 1)).toBe(true)
  })

  it('routes around peers that do not answer', async () => {
    const key = random(32)
    const closest = trueClosest(key, 10)
    const fail = new Set(closest.slice(0, 5))
    const from = nodes.find(n => !fail.has(n.id.toString()) && !closest.includes(n.id.toString())) as SimNode
    const result = await simLookup(nodes, from, key, { followUp: true, fail })
    expect(result.failed).toBeGreaterThanOrEqual(5)
    expect(result.closest.map(p => p.id.toString())).toEqual(trueClosest(key, 26).filter(id => !fail.has(id) && id !== from.id.toString()).slice(0, 20))
  })

  it('skips peers it has no address for, and stops when an answer says done', async () => {
    const [a, b, c] = await peerIds(3)
    const target = kadId(new Uint8Array([1]))
    const asked: string[] = []
    const result = await lookup(target, [{ id: a, multiaddrs: nodes[0].table.closest(target, 1)[0].addrs }], async (peer) => {
      asked.push(peer.id.toString())
      const closer: PeerInfo[] = [{ id: b, multiaddrs: [] }, { id: c, multiaddrs: nodes[0].table.closest(target, 1)[0].addrs }]
      return { closer, done: peer.id.equals(c) }
    })
    expect(asked).toEqual([a.toString(), c.toString()])
    expect(result.reason).toBe('done')
  })

  it('ends on its signal with what it has', async () => {
    const target = kadId(random(32))
    const seeds = nodes[0].table.closest(target, 20).map(x => ({ id: x.id, multiaddrs: x.addrs }))
    const controller = new AbortController()
    const result = await lookup(target, seeds, async (_peer, signal) => {
      controller.abort()
      return new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))))
    }, { signal: controller.signal })
    expect(result.reason).toBe('aborted')
    expect(peerKadId(seeds[0].id)).toBeDefined()
  })
})

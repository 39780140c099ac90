/**
 * Churn: real Cairn DHT nodes over loopback TCP in one process announce provider records; then
 * 30% of them are stopped and as many new nodes join through the bootstrap node. Lookups from
 * surviving and new nodes for content whose provider survived must still find it (≥ 99%): the
 * records were replicated to the k closest nodes, and lookups route around the dead ones.
 */
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { afterAll, describe, expect, it } from 'vitest'
import { waitFor } from './helpers.ts'
import { createCairnNode, type CairnDHTNode } from './swarm.ts'

const N = 30
const KILLED = Math.ceil(N * 0.3)
/** Nodes that announce a provider record (every other one). */
const PROVIDERS = N / 2
const LOOKUPS = 100
/**
 * k = 10 replicas (each lost with probability 0.3, all ten with ~6e-6) and α = 3: every new
 * libp2p connection costs ~65 ms of CPU (Noise, identify, the peer store), and with k = 20 in a
 * swarm of 30 every node ends up connected to every other; k = 10 halves that.
 */
const INIT = { k: 10, alpha: 3, requestTimeout: 20_000 }

/** A small seeded PRNG, so a failure can be replayed. */
function random (seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6D2B79F5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

async function cidOf (text: string): Promise<CID> {
  return CID.createV1(raw.code, await sha256.digest(new TextEncoder().encode(text)))
}

async function pool<T> (items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) await fn(items[next++])
  }))
}

/** Starts a node that joins through `bootstrap` and fills its table with a self-lookup. */
async function join (bootstrap: CairnDHTNode): Promise<CairnDHTNode> {
  const node = await createCairnNode(INIT)
  // on a loaded machine a handshake can outlast the dial timeout: the joiner tries again
  await waitFor(async () => {
    try {
      await node.libp2p.dial(bootstrap.libp2p.getMultiaddrs())
      return true
    } catch {
      return false
    }
  }, 'a connection to the bootstrap node', 120_000)
  await waitFor(() => node.dht.routingTable.has(bootstrap.libp2p.peerId), 'the bootstrap node to be admitted', 30_000)
  await node.dht.closestPeers(node.libp2p.peerId.toMultihash().bytes)
  return node
}

describe(`churn: ${KILLED} of ${N} Cairn DHT nodes replaced`, () => {
  const all: CairnDHTNode[] = []

  afterAll(async () => {
    await Promise.all(all.map(async n => n.stop()))
  }, 30_000)

  it('still finds ≥ 99% of the providers that survived', async () => {
    const cpu = process.cpuUsage()
    const started = Date.now()
    const rand = random(11)
    const bootstrap = await createCairnNode(INIT)
    all.push(bootstrap)
    const nodes = [bootstrap]
    await pool(Array.from({ length: N - 1 }, (_, i) => i), 4, async () => {
      const node = await join(bootstrap)
      all.push(node)
      nodes.push(node)
    })
    const phase = (what: string): void => {
      const used = process.cpuUsage(cpu)
      console.log(`churn: ${what} after ${Date.now() - started} ms wall, ${Math.round((used.user + used.system) / 1000)} ms CPU`)
    }
    phase(`${N} nodes joined`)
    const cids = await Promise.all(nodes.map(async (_, i) => cidOf(`churn content ${i}`)))
    const providing = nodes.map((n, i) => ({ n, i, cid: cids[i] })).filter(({ i }) => i % 2 === 1).slice(0, PROVIDERS)
    await pool(providing, 4, async ({ n, cid }) => { await n.dht.provide(cid) })

    phase(`${providing.length} records provided`)
    // 30% leave (never the bootstrap node, which newcomers need); as many join
    const candidates = nodes.slice(1).map((n, i) => ({ n, i: i + 1, r: rand() })).sort((a, b) => a.r - b.r)
    const killed = new Set(candidates.slice(0, KILLED).map(c => c.i))
    await Promise.all([...killed].map(async i => nodes[i].stop()))
    const survivors = nodes.filter((_, i) => !killed.has(i))
    const newcomers: CairnDHTNode[] = []
    await pool(Array.from({ length: KILLED }, (_, i) => i), 4, async () => {
      const node = await join(bootstrap)
      all.push(node)
      newcomers.push(node)
    })
    phase(`${KILLED} nodes replaced`)
    const askers = [...survivors, ...newcomers]
    const wanted = providing.filter(({ i }) => !killed.has(i)).map(({ n, cid }) => ({ provider: n, cid }))

    const lookups = Array.from({ length: LOOKUPS }, () => ({
      from: askers[Math.floor(rand() * askers.length)],
      ...wanted[Math.floor(rand() * wanted.length)]
    }))
    let found = 0
    const misses: string[] = []
    await pool(lookups, 6, async ({ from, provider, cid }) => {
      try {
        for await (const p of from.dht.findProviders(cid, { maxProviders: 1, signal: AbortSignal.timeout(30_000) })) {
          if (p.id.equals(provider.libp2p.peerId)) found++
        }
      } catch (err) {
        misses.push(`${cid}: ${(err as Error).name}`)
      }
    })
    const used = process.cpuUsage(cpu)
    console.log(`churn: ${found}/${LOOKUPS} lookups found the provider; ${Date.now() - started} ms wall, ${Math.round((used.user + used.system) / 1000)} ms CPU; misses: ${misses.join(', ') || 'none'}`)
    expect(found / LOOKUPS).toBeGreaterThanOrEqual(0.99)
  }, 300_000)
})

/**
 * DHT simulation: the real routing-table and lookup code over an in-memory network (no sockets)
 * of 1,000 and 10,000 nodes. Reports median and p95 hops and messages per lookup next to
 * log2(N); issue 11's target is a median of at most log2(N)/3 hops at 10,000 nodes with α = 10.
 *
 *   node bench/dht-sim.ts [--nodes 1000,10000] [--lookups 200] [--alpha 10] [--k 20]
 *
 * Hops: the length of the referral chain that led to the closest peer that answered (a seed
 * from our own table is hop 1). Messages: requests sent, follow-up included (as `provide` does).
 * Also reports how often the lookup returned exactly the true k closest.
 */
import { compareDistance, kadId } from '../dht/index.ts'
import { createSimNetwork, seededBytes, simLookup } from './dht-sim-network.ts'

function arg (name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 && process.argv[i + 1] != null ? process.argv[i + 1] : fallback
}

function percentile (values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]
}

const sizes = arg('nodes', '1000,10000').split(',').map(Number)
const lookups = Number(arg('lookups', '200'))
const alpha = Number(arg('alpha', '10'))
const k = Number(arg('k', '20'))

console.log(`| nodes | log2(N) | median hops | p95 hops | median messages | p95 messages | exact k closest | build (CPU s) | lookups (CPU s) |`)
console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|')
for (const n of sizes) {
  const cpu0 = process.cpuUsage()
  const nodes = await createSimNetwork(n, { k, seed: n })
  const cpu1 = process.cpuUsage(cpu0)
  const random = seededBytes(n + 1)
  const hops: number[] = []
  const messages: number[] = []
  let exact = 0
  const sortedIds = nodes.map(node => ({ id: node.id.toString(), kad: node.table.selfKadId }))
  for (let i = 0; i < lookups; i++) {
    const key = random(32)
    const from = nodes[(i * 7919) % n]
    const result = await simLookup(nodes, from, key, { alpha, k, followUp: true })
    hops.push(result.hops)
    messages.push(result.queried)
    const target = kadId(key)
    const truth = sortedIds.filter(x => x.id !== from.id.toString())
      .sort((a, b) => compareDistance(a.kad, b.kad, target)).slice(0, k).map(x => x.id)
    if (truth.join() === result.closest.map(p => p.id.toString()).join()) exact++
  }
  const cpu2 = process.cpuUsage(cpu0)
  const s = (u: { user: number, system: number }): string => ((u.user + u.system) / 1e6).toFixed(1)
  console.log(`| ${n} | ${Math.log2(n).toFixed(1)} | ${percentile(hops, 0.5)} | ${percentile(hops, 0.95)} | ${percentile(messages, 0.5)} | ${percentile(messages, 0.95)} | ${(100 * exact / lookups).toFixed(0)}% | ${s(cpu1)} | ${((cpu2.user + cpu2.system - cpu1.user - cpu1.system) / 1e6).toFixed(1)} |`)
}

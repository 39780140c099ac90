/**
 * DHT simulation: the real routing-table and lookup code over an in-memory network (no sockets)
 * of 1,000 and 10,000 nodes. Reports median and p95 hops and messages per lookup next to
 * log2(N); issue 11's target is a median of at most log2(N)/3 hops at 10,000 nodes with α = 10.
 *
 *   node bench/dht-sim.ts [--nodes 1000,10000] [--lookups 200] [--alpha 10] [--k 20] [--md FILE] [--json FILE]
 *
 * Hops: the length of the referral chain that led to the closest peer that answered (a seed
 * from our own table is hop 1). Messages: requests sent, follow-up included (as `provide` does).
 * Also reports how often the lookup returned exactly the true k closest.
 */
import { writeFile } from 'node:fs/promises'
import { compareDistance, kadId } from '../dht/index.ts'
import { createSimNetwork, seededBytes, simLookup } from './dht-sim-network.ts'
import { emit, table } from './lib.ts'

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

/** One network size's figures (the `--json` output `bench/run.ts` checks the target with). */
interface SimRow {
  nodes: number
  log2: number
  medianHops: number
  p95Hops: number
  medianMessages: number
  p95Messages: number
  exactShare: number
}

const rows: string[][] = []
const results: SimRow[] = []
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
  const row: SimRow = {
    nodes: n,
    log2: Math.log2(n),
    medianHops: percentile(hops, 0.5),
    p95Hops: percentile(hops, 0.95),
    medianMessages: percentile(messages, 0.5),
    p95Messages: percentile(messages, 0.95),
    exactShare: exact / lookups
  }
  results.push(row)
  rows.push([String(n), row.log2.toFixed(1), `${row.medianHops} (${(row.medianHops / row.log2).toFixed(2)} × log2 N)`, String(row.p95Hops),
    String(row.medianMessages), String(row.p95Messages), `${(100 * row.exactShare).toFixed(0)}%`, s(cpu1), ((cpu2.user + cpu2.system - cpu1.user - cpu1.system) / 1e6).toFixed(1)])
  process.stderr.write(`dht-sim: ${n} nodes done\n`)
}
const markdown = [
  '## DHT simulation (in-memory network, the real routing table and lookup)', '',
  `${lookups} lookups per size from spread-out nodes, α = ${alpha}, k = ${k}, follow-up on (as provide). Target (issue 11): median hops ≤ log2(N)/3 at 10,000 nodes.`, '',
  table(['nodes', 'log2(N)', 'median hops', 'p95 hops', 'median messages', 'p95 messages', 'exact k closest', 'build (CPU s)', 'lookups (CPU s)'], rows)
].join('\n')
await emit(markdown, arg('md', '') === '' ? undefined : arg('md', ''))
const jsonPath = arg('json', '')
if (jsonPath !== '') await writeFile(jsonPath, JSON.stringify({ alpha, k, lookups, sizes: results }, null, 2))

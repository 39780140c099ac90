/**
 * IPNS (issue 13, "Performance"): publish and resolve latency in a loopback swarm, cached
 * resolve, and records validated per second, each next to the reference in the same run.
 *
 *   node bench/naming.ts [--nodes 30] [--names 20] [--validations 2000] [--md FILE] [--json FILE]
 *
 * - Swarm: `--nodes` real libp2p nodes in this process (tcp+noise+yamux on 127.0.0.1, the DHT
 *   tests' helpers), joined through one bootstrap node, each then looking itself up. Cairn: every
 *   node runs Cairn's DHT with naming's `/ipns/` validator and selector; a name is published by
 *   `naming.publish` on one node (sign, store, PUT_VALUE to the closest peers) and resolved with
 *   `naming.resolve(…, { nocache: true })` on another (GET_VALUE, best valid record). Reference:
 *   the same number of js-libp2p `@libp2p/kad-dht` nodes with the `ipns` package's validator and
 *   selector, what Helia runs: `createIPNSRecord` + `dht.put`, then `dht.get` + `unmarshalIPNSRecord`.
 *   Median and p95 over `--names` names, publisher and resolver picked at random.
 * - Cached resolve: the same name again on the resolving Cairn node (answered from the TTL cache).
 * - Validation: `--validations` records (Ed25519, V1+V2, as Kubo publishes them) checked by
 *   naming's `validateRecord` and by the `ipns` package's `ipnsValidator`, records per CPU second.
 *
 * Latencies are wall time (a lookup waits on sockets); validation is CPU time. The machine is
 * shared: say so when quoting the figures.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { createIPNSRecord, marshalIPNSRecord, multihashToIPNSRoutingKey, unmarshalIPNSRecord } from 'ipns'
import { ipnsSelector } from 'ipns/selector'
import { ipnsValidator } from 'ipns/validator'
import { createCairnNode, createJsNode, type CairnDHTNode } from '../test/dht/swarm.ts'
import { logger } from '../test/dht/helpers.ts'
import {
  MemoryNamingDatastore, RecordStore, createNaming, createRecord, formatIpnsName, ipnsRecordValidator, ipnsRoutingKey, nameOfKey, validateRecord,
  type Naming, type NamingComponents
} from '../naming/index.ts'
import { emit, flags, machine, median, table } from './lib.ts'
import type { KadDHT as JsKadDHT } from '@libp2p/kad-dht'
import type { PrivateKey } from '@libp2p/interface'
import type { Libp2p } from 'libp2p'

const args = flags(process.argv.slice(2))
const NODES = Number(args.nodes ?? 30)
const NAMES = Number(args.names ?? 20)
const VALIDATIONS = Number(args.validations ?? 2000)
/** As test/dht/swarm.test.ts: k = 20, α = 3 (the CPU is shared). */
const DHT_INIT = { k: 20, alpha: 3, requestTimeout: 30_000 }
/** Identity CID: the published values need no blocks. */
const VALUE = '/ipfs/bafkqaddjnzsxe3lfnvxxe6i'

function percentile (xs: number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]
}

const ms = (x: number): string => x < 1 ? `${(x * 1000).toFixed(0)} µs` : `${x.toFixed(1)} ms`
const ratio = (cairn: number, reference: number): string => `${(cairn / reference).toFixed(2)}×`

async function pool<T> (items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) await fn(items[next++])
  }))
}

async function waitUntil (condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

/** A keystore with one key per name, enough for `naming.publish`. */
function keysOf (keys: Map<string, PrivateKey>): NamingComponents['keystore'] {
  return {
    get: async (name: string) => keys.get(name) as PrivateKey,
    list: async () => [...keys].map(([name, key]) => ({ name, id: nameOfKey(key) }))
  }
}

/** Latencies in ms; `misses`: names the resolver did not find (left out of the latencies). */
interface Latencies { publish: number[], resolve: number[], cached: number[], misses: number }

async function cairnSwarm (): Promise<Latencies> {
  const nodes: CairnDHTNode[] = []
  for (let i = 0; i < NODES; i++) nodes.push(await createCairnNode(DHT_INIT))
  try {
    for (const node of nodes) node.dht.registerValidator('ipns', ipnsRecordValidator)
    const bootstrap = nodes[0].libp2p.getMultiaddrs()
    await pool(nodes.slice(1), 2, async n => { await n.libp2p.dial(bootstrap) })
    await waitUntil(() => nodes.slice(1).every(n => n.dht.routingTable.has(nodes[0].libp2p.peerId)), 'Cairn nodes to admit the bootstrap node')
    await pool(nodes, 2, async n => { await n.dht.closestPeers(n.libp2p.peerId.toMultihash().bytes) })
    const keys = new Map<string, PrivateKey>()
    for (let i = 0; i < NAMES; i++) keys.set(`name-${i}`, await generateKeyPair('Ed25519'))
    const namings: Naming[] = nodes.map(node => createNaming({
      keystore: keysOf(keys), records: new RecordStore(new MemoryNamingDatastore()), routing: node.dht, logger
    }))
    const out: Latencies = { publish: [], resolve: [], cached: [], misses: 0 }
    for (let i = 0; i < NAMES; i++) {
      const from = namings[Math.floor(Math.random() * NODES)]
      const to = namings[(namings.indexOf(from) + 1 + Math.floor(Math.random() * (NODES - 1))) % NODES]
      const name = `name-${i}`
      let start = performance.now()
      const published = await from.publish(name, VALUE, { resolve: false })
      out.publish.push(performance.now() - start)
      const ipnsName = formatIpnsName(published.name)
      start = performance.now()
      const path = await to.resolve(ipnsName, { nocache: true }).catch(() => undefined)
      if (path !== VALUE) {
        out.misses++
        continue
      }
      out.resolve.push(performance.now() - start)
      start = performance.now()
      await to.resolve(ipnsName)
      out.cached.push(performance.now() - start)
    }
    for (const naming of namings) naming.stop()
    return out
  } finally {
    await Promise.all(nodes.map(async n => n.stop()))
  }
}

async function referenceSwarm (): Promise<Latencies> {
  const nodes: Array<Libp2p<{ dht: JsKadDHT }>> = []
  for (let i = 0; i < NODES; i++) {
    const node = await createJsNode({ validators: { ipns: ipnsValidator }, selectors: { ipns: ipnsSelector } })
    await node.start()
    nodes.push(node)
  }
  try {
    const bootstrap = nodes[0].getMultiaddrs()
    await pool(nodes.slice(1), 2, async n => { await n.dial(bootstrap) })
    const table = (n: Libp2p<{ dht: JsKadDHT }>): { size: number } => (n.services.dht as unknown as { routingTable: { size: number } }).routingTable
    await waitUntil(() => nodes.every(n => table(n).size > 0), 'kad-dht nodes to fill their tables')
    await pool(nodes, 2, async n => {
      for await (const event of n.services.dht.getClosestPeers(n.peerId.toMultihash().bytes, { signal: AbortSignal.timeout(30_000) })) void event
    })
    const out: Latencies = { publish: [], resolve: [], cached: [], misses: 0 }
    for (let i = 0; i < NAMES; i++) {
      const fromIndex = Math.floor(Math.random() * NODES)
      const from = nodes[fromIndex]
      const to = nodes[(fromIndex + 1 + Math.floor(Math.random() * (NODES - 1))) % NODES]
      const key = await generateKeyPair('Ed25519')
      const routingKey = multihashToIPNSRoutingKey(key.publicKey.toMultihash())
      let start = performance.now()
      const record = await createIPNSRecord(key, VALUE, 0n, 48 * 3600_000, { ttlNs: 300_000_000_000n })
      for await (const event of from.services.dht.put(routingKey, marshalIPNSRecord(record), { signal: AbortSignal.timeout(60_000) })) void event
      out.publish.push(performance.now() - start)
      start = performance.now()
      let found: Uint8Array | undefined
      try {
        for await (const event of to.services.dht.get(routingKey, { signal: AbortSignal.timeout(60_000) })) {
          if (event.name === 'VALUE') found = event.value
        }
      } catch {}
      if (found == null || unmarshalIPNSRecord(found).value !== VALUE) {
        out.misses++
        continue
      }
      out.resolve.push(performance.now() - start)
    }
    return out
  } finally {
    await Promise.all(nodes.map(async n => n.stop()))
  }
}

/** Records validated per CPU second, by Cairn's validator and by the `ipns` package's. */
async function validation (): Promise<{ cairn: number, reference: number }> {
  const records: Array<{ name: Uint8Array, key: Uint8Array, bytes: Uint8Array }> = []
  const signers = await Promise.all(Array.from({ length: 50 }, async () => generateKeyPair('Ed25519')))
  for (let i = 0; i < VALIDATIONS; i++) {
    const key = signers[i % signers.length]
    const bytes = await createRecord(key, VALUE, BigInt(i), 48 * 3600_000)
    const name = nameOfKey(key)
    records.push({ name, key: ipnsRoutingKey(name), bytes })
  }
  const cpuSeconds = async (fn: (r: typeof records[number]) => Promise<unknown>): Promise<number> => {
    for (const r of records.slice(0, 100)) await fn(r) // warm up
    const before = process.cpuUsage()
    for (const r of records) await fn(r)
    const used = process.cpuUsage(before)
    return (used.user + used.system) / 1e6
  }
  // alternate twice, keep the better of each (the machine is shared)
  const cairn: number[] = []
  const reference: number[] = []
  for (let round = 0; round < 2; round++) {
    cairn.push(VALIDATIONS / await cpuSeconds(async r => validateRecord(r.name, r.bytes)))
    reference.push(VALIDATIONS / await cpuSeconds(async r => ipnsValidator(r.key, r.bytes)))
  }
  return { cairn: Math.max(...cairn), reference: Math.max(...reference) }
}

const cairn = await cairnSwarm()
process.stderr.write(`Cairn: ${JSON.stringify(cairn)}\n`)
const reference = await referenceSwarm()
process.stderr.write(`reference: ${JSON.stringify(reference)}\n`)
const validated = await validation()

const rows = [
  ['publish, median', ms(median(cairn.publish)), ms(median(reference.publish)), ratio(median(cairn.publish), median(reference.publish))],
  ['publish, p95', ms(percentile(cairn.publish, 0.95)), ms(percentile(reference.publish, 0.95)), ratio(percentile(cairn.publish, 0.95), percentile(reference.publish, 0.95))],
  ['resolve (uncached), median', ms(median(cairn.resolve)), ms(median(reference.resolve)), ratio(median(cairn.resolve), median(reference.resolve))],
  ['resolve (uncached), p95', ms(percentile(cairn.resolve, 0.95)), ms(percentile(reference.resolve, 0.95)), ratio(percentile(cairn.resolve, 0.95), percentile(reference.resolve, 0.95))],
  ['resolve (cached), median', ms(median(cairn.cached)), '—', '—'],
  ['resolve (cached), p95', ms(percentile(cairn.cached, 0.95)), '—', '—'],
  ['names not found by the resolver', `${cairn.misses} / ${NAMES}`, `${reference.misses} / ${NAMES}`, ''],
  ['records validated / CPU s', validated.cairn.toFixed(0), validated.reference.toFixed(0), `${(validated.cairn / validated.reference).toFixed(2)}× (higher is better)`]
]
const markdown = [
  '## IPNS: publish, resolve, validate',
  '',
  `${NODES} nodes on loopback in one process, ${NAMES} names; reference: @libp2p/kad-dht with the ipns package's validator and selector (Helia's stack). ` +
  'Latencies are wall time (lower is better, ratio Cairn / reference); validation is records per CPU second.',
  '',
  table(['', 'Cairn', 'reference', 'ratio'], rows),
  '',
  await machine()
].join('\n')
await emit(markdown, args.md)
if (args.json != null) {
  const { writeFile } = await import('node:fs/promises')
  await writeFile(args.json, JSON.stringify({ nodes: NODES, names: NAMES, cairn, reference, validated }, null, 2))
}
process.exit(0)

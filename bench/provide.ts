/**
 * Providing many keys to a loopback swarm, with and without the sweep (issue 11, "Performance").
 *
 *   node bench/provide.ts [--nodes 30] [--keys 10000] [--baseline-keys N] [--concurrency 8] [--sample 100] [--md FILE] [--json FILE]
 *
 * One process runs `--nodes` real Cairn DHT servers (libp2p: TCP on 127.0.0.1, Noise, Yamux,
 * identify; Cairn's DHT with its defaults, k = 20, α = 10), joined through one bootstrap node and
 * each looked itself up. Then two providers, each with its own fresh set of `--keys` random
 * multihashes:
 * - without the sweep: `dht.provide(cid)` per key, `--concurrency` at once — one closest-peers
 *   lookup and k ADD_PROVIDER messages per key (what every IPFS node did before the sweep);
 * - with the sweep: `SweepingReprovider.provideKeys` — keys grouped by keyspace region, one
 *   exploration per region, each peer sent its keys in batches on a few streams.
 * For each: wall time, the CPU time of the whole process (all nodes: the work the swarm did),
 * closest-peers lookups, requests sent by the provider by type, and then a check that a sample of
 * keys is found by other nodes' findProviders (and keys whose provide reached no peer are counted). The sweep must need ≥ 5× fewer lookups.
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify, identifyPush } from '@libp2p/identify'
import { defaultLogger } from '@libp2p/logger'
import { tcp } from '@libp2p/tcp'
import { createLibp2p, type Libp2p } from 'libp2p'
import { randomBytes } from 'node:crypto'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { create as createDigest } from 'multiformats/hashes/digest'
import { createDHT, MemoryDHTDatastore, StreamTransport, SweepingReprovider, type DHTTransport, type KadDHT } from '../dht/index.ts'
import { emit, flags, fmt, log, machine, table } from './lib.ts'

const args = flags(process.argv.slice(2))
const NODES = Number(args.nodes ?? 30)
const KEYS = Number(args.keys ?? 10_000)
const CONCURRENCY = Number(args.concurrency ?? 8)
const SAMPLE = Math.min(KEYS, Number(args.sample ?? 100))
/**
 * Keys provided one by one for the baseline (default: all of them). Per-key providing costs about
 * fifty streams a key, so on a loaded machine the 10,000-key baseline can be measured on a share
 * and scaled: it does one lookup and k ADD_PROVIDERs per key, linear by construction.
 */
const BASELINE_KEYS = Math.min(KEYS, Number(args['baseline-keys'] ?? KEYS))
const logger = defaultLogger()

interface Counters {
  lookups: number
  requests: Record<string, number>
  /** ADD_PROVIDER messages written. */
  records: number
  /** Streams opened. */
  streams: number
}

/** A transport that counts what the provider sends. */
function counting (inner: DHTTransport, counters: Counters): DHTTransport {
  return {
    async request (peer, message, options) {
      counters.requests[message.type] = (counters.requests[message.type] ?? 0) + 1
      counters.streams++
      return inner.request(peer, message, options)
    },
    async send (peer, message, options) {
      counters.records++
      counters.streams++
      await inner.send(peer, message, options)
    },
    async sendMany (peer, messages, options) {
      counters.records += messages.length
      counters.streams++
      await inner.sendMany?.(peer, messages, options)
    }
  }
}

interface SwarmNode { libp2p: Libp2p, dht: KadDHT, counters: Counters }

async function startNode (): Promise<SwarmNode> {
  const libp2p = await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: { maxConnections: 1000, inboundConnectionThreshold: 10_000, maxIncomingPendingConnections: 1000, dialTimeout: 20_000 },
    services: { identify: identify(), identifyPush: identifyPush() }
  })
  const counters: Counters = { lookups: 0, requests: {}, records: 0, streams: 0 }
  const transport = counting(new StreamTransport({ connectionManager: libp2p, peerStore: libp2p.peerStore, logger }, { requestTimeout: 30_000 }), counters)
  const dht = createDHT({
    peerId: libp2p.peerId, registrar: libp2p, connectionManager: libp2p, peerStore: libp2p.peerStore,
    addresses: libp2p, events: libp2p, datastore: new MemoryDHTDatastore(), logger
  }, { mode: 'server', ipDiversity: { allowLoopback: true }, refreshInterval: 0, transport, providers: { maxPerPeer: Math.max(10_000, 2 * KEYS) } })
  await dht.start()
  // every lookup of this DHT (provide's included) goes through closestPeers: count them
  const closestPeers = dht.closestPeers.bind(dht)
  dht.closestPeers = async (key, options) => {
    counters.lookups++
    return closestPeers(key, options)
  }
  return { libp2p, dht, counters }
}

async function pool<T> (items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++])
  }))
}

const randomCids = (n: number): CID[] => Array.from({ length: n }, () => CID.createV1(raw.code, createDigest(0x12, randomBytes(32))))

interface Result {
  mode: string
  seconds: number
  cpu: number
  lookups: number
  requests: Record<string, number>
  records: number
  streams: number
  found: number
  sampled: number
  /** Keys that reached no peer. */
  failed: number
}

/** Runs one way of providing on `provider`, then checks a sample from other nodes. */
async function measure (mode: string, nodes: SwarmNode[], provider: SwarmNode, cids: CID[], provide: () => Promise<void>): Promise<Result> {
  log(`${mode}: providing ${cids.length} keys from ${provider.libp2p.peerId}`)
  // only what this provide does counts (not the swarm's set-up, nor lookups others asked of it)
  provider.counters.lookups = 0
  provider.counters.requests = {}
  provider.counters.records = 0
  provider.counters.streams = 0
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  await provide()
  const seconds = (performance.now() - t0) / 1000
  const used = process.cpuUsage(cpu0)
  const { lookups, requests, records, streams } = provider.counters
  log(`${mode}: ${fmt.s(seconds)} s, ${lookups} lookups, ${records} records`)
  const askers = nodes.filter(n => n !== provider)
  let found = 0
  const sample = cids.filter((_, i) => i % Math.max(1, Math.floor(cids.length / SAMPLE)) === 0).slice(0, SAMPLE)
  await pool(sample.map((cid, i) => ({ cid, asker: askers[i % askers.length] })), 8, async ({ cid, asker }) => {
    try {
      for await (const p of asker.dht.findProviders(cid, { maxProviders: 1 })) if (p.id.equals(provider.libp2p.peerId)) found++
    } catch {
      // not found: counted as such
    }
  })
  return { mode, seconds, cpu: (used.user + used.system) / 1e6, lookups, requests: { ...requests }, records, streams, found, sampled: sample.length, failed: 0 }
}

const nodes: SwarmNode[] = []
try {
  log(`starting ${NODES} DHT nodes on loopback`)
  for (let i = 0; i < NODES; i++) nodes.push(await startNode())
  const bootstrap = nodes[0].libp2p.getMultiaddrs()
  for (const n of nodes.slice(1)) await n.libp2p.dial(bootstrap)
  const deadline = Date.now() + 60_000
  while (!nodes.slice(1).every(n => n.dht.routingTable.has(nodes[0].libp2p.peerId))) {
    if (Date.now() > deadline) throw new Error('the swarm did not form')
    await new Promise<void>(wake => { setTimeout(wake, 100) })
  }
  for (const n of nodes) await n.dht.closestPeers(n.libp2p.peerId.toMultihash().bytes)
  const sizes = nodes.map(n => n.dht.routingTable.size)
  log(`swarm ready: routing tables of ${Math.min(...sizes)}–${Math.max(...sizes)} peers`)

  const plain = nodes[1]
  const swept = nodes[2]
  const results: Result[] = []
  const plainCids = randomCids(BASELINE_KEYS)
  let plainFailed = 0
  results.push(await measure('without the sweep (provide per key)', nodes, plain, plainCids, async () => {
    await pool(plainCids, CONCURRENCY, async cid => {
      await plain.dht.provide(cid).catch(() => { plainFailed++ })
    })
  }))
  results[0].failed = plainFailed
  if (BASELINE_KEYS < KEYS) {
    // scaled to the full key count: every figure of per-key providing grows with the keys
    const f = KEYS / BASELINE_KEYS
    const r = results[0]
    r.mode += ` — measured on ${BASELINE_KEYS} keys, ×${fmt.s(f)}`
    for (const key of ['seconds', 'cpu', 'lookups', 'records', 'streams', 'failed'] as const) r[key] = Math.round(r[key] * f * 100) / 100
    for (const type of Object.keys(r.requests)) r.requests[type] = Math.round(r.requests[type] * f)
  }
  const sweptCids = randomCids(KEYS)
  const reprovider = new SweepingReprovider({ dht: swept.dht, keys: async function * () {}, logger })
  let sweep: Awaited<ReturnType<SweepingReprovider['provideKeys']>> | undefined
  results.push(await measure('with the sweep (regions)', nodes, swept, sweptCids, async () => {
    sweep = await reprovider.provideKeys(sweptCids.map(c => c.multihash.bytes))
  }))
  results[1].failed = sweep?.failed ?? 0

  const [a, b] = results
  const requests = (r: Result): string => Object.entries(r.requests).map(([type, n]) => `${n} ${type}`).join(', ')
  const rows = results.map(r => [
    r.mode, fmt.s(r.seconds), fmt.s(r.cpu), String(r.lookups), requests(r), String(r.records), String(r.streams), String(r.failed), `${r.found}/${r.sampled}`
  ])
  const lookupRatio = a.lookups / Math.max(1, b.lookups)
  const markdown = [
    `## Providing ${KEYS} keys to a ${NODES}-node loopback swarm`,
    '',
    await machine(),
    `- one process: ${NODES} Cairn DHT servers (TCP on 127.0.0.1, Noise, Yamux), k = 20, α = 10; per-key provides ${CONCURRENCY} at once`,
    '- CPU is the whole process (every node of the swarm), taken on a shared machine under load: compare the rows, not other runs',
    '',
    table(['', 'wall s', 'CPU s', 'lookups', 'requests sent', 'ADD_PROVIDER sent', 'streams opened', 'keys failed', 'found by others'], rows),
    '',
    `Sweep: ${sweep?.regions ?? 0} region(s), ${sweep?.keys ?? 0} keys, ${sweep?.provided ?? 0} provided. ` +
    `Lookups ${fmt.ratio(lookupRatio)} fewer (target ≥ 5×: ${lookupRatio >= 5 ? 'met' : 'NOT met'}), ` +
    `wall time ${fmt.ratio(a.seconds / b.seconds)} faster, CPU ${fmt.ratio(a.cpu / b.cpu)} less, streams ${fmt.ratio(a.streams / Math.max(1, b.streams))} fewer.`
  ].join('\n')
  await emit(markdown, args.md)
  if (args.json != null) {
    const { writeFile } = await import('node:fs/promises')
    await writeFile(args.json, JSON.stringify({ nodes: NODES, keys: KEYS, results, lookupRatio }, null, 2))
  }
} finally {
  await Promise.all(nodes.map(async n => { await n.dht.stop(); await n.libp2p.stop() }))
}

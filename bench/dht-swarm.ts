/**
 * Lookup latency in a loopback swarm (issue 11, "Performance"): 30 real DHT nodes in one process
 * over TCP+Noise+Yamux, each as it ships (Cairn's DHT: α = 10, k = 20; the reference,
 * `@libp2p/kad-dht`: its defaults, α = 3, k = 20), in the same run, each swarm in its own process.
 *
 *   node bench/dht-swarm.ts [--nodes 30] [--askers 6] [--providers 10] [--lookups 60] [--md FILE] [--json FILE]
 *
 * Per swarm: all but `--askers` nodes join through node 0 and look themselves up; `--providers`
 * of them each provide one CID; then the askers join the same way. With k = 20 in a swarm of 30
 * most nodes hold every record, so a lookup from them would be a local read: the askers joined
 * after the records were stored and hold none, so each of their lookups goes over the network.
 * `--lookups` findProviders from random askers for random CIDs are timed, one at a time, from
 * the call to the first record naming the provider (what `findprovs -n 1` waits for). Reports
 * median and p95 latency, failures, and the CPU the lookups cost.
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { writeFile } from 'node:fs/promises'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify, identifyPush } from '@libp2p/identify'
import { kadDHT, passthroughMapper, type KadDHT as JsKadDHT } from '@libp2p/kad-dht'
import { defaultLogger } from '@libp2p/logger'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { createLibp2p, type Libp2p } from 'libp2p'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { createDHT, MemoryDHTDatastore } from '../dht/index.ts'
import { emit, flags, fmt, log, median, NODE, table } from './lib.ts'

const args = flags(process.argv.slice(2))
const N = Number(args.nodes ?? 30)
const PROVIDERS = Number(args.providers ?? 10)
const ASKERS = Number(args.askers ?? 6)
const LOOKUPS = Number(args.lookups ?? 60)
/** A lookup that takes longer has failed. */
const LOOKUP_TIMEOUT_MS = 30_000

/** Connection-manager settings that let dozens of nodes on one IP talk to each other. */
const LOOPBACK_SWARM = { maxConnections: 1000, inboundConnectionThreshold: 10_000, maxIncomingPendingConnections: 1000, dialTimeout: 30_000 }

/** What a swarm node offers the measurement, whatever DHT it runs. */
interface SwarmNode {
  libp2p: Libp2p
  selfLookup(): Promise<void>
  knows(peer: Libp2p): boolean
  provide(cid: CID): Promise<void>
  /** Resolves when a record naming `provider` arrives (true), or the lookup ended without one. */
  findFirst(cid: CID, provider: Libp2p): Promise<boolean>
  stop(): Promise<void>
}

function host (services: Record<string, unknown> = {}): Promise<Libp2p> {
  return createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: LOOPBACK_SWARM,
    services: { identify: identify(), identifyPush: identifyPush(), ping: ping(), ...services }
  }) as Promise<Libp2p>
}

async function cairnNode (): Promise<SwarmNode> {
  const libp2p = await host()
  const dht = createDHT({
    peerId: libp2p.peerId,
    registrar: libp2p,
    connectionManager: libp2p,
    peerStore: libp2p.peerStore,
    addresses: libp2p,
    events: libp2p,
    datastore: new MemoryDHTDatastore(),
    logger: defaultLogger()
  }, { mode: 'server', ipDiversity: { allowLoopback: true }, refreshInterval: 0 })
  await dht.start()
  return {
    libp2p,
    selfLookup: async () => { await dht.closestPeers(libp2p.peerId.toMultihash().bytes) },
    knows: peer => dht.routingTable.has(peer.peerId),
    provide: async cid => { await dht.provide(cid) },
    findFirst: async (cid, provider) => {
      for await (const p of dht.findProviders(cid, { maxProviders: 1, signal: AbortSignal.timeout(LOOKUP_TIMEOUT_MS) })) {
        if (p.id.equals(provider.peerId)) return true
      }
      return false
    },
    stop: async () => {
      await dht.stop()
      await libp2p.stop()
    }
  }
}

async function kadDhtNode (): Promise<SwarmNode> {
  const libp2p = await host({
    dht: kadDHT({ protocol: '/ipfs/kad/1.0.0', clientMode: false, peerInfoMapper: passthroughMapper, allowQueryWithZeroPeers: true })
  }) as Libp2p<{ dht: JsKadDHT }>
  const dht = libp2p.services.dht
  const table = dht as unknown as { routingTable: { find(peer: Libp2p['peerId']): Promise<unknown>, size: number } }
  const known = new Set<string>()
  return {
    libp2p,
    selfLookup: async () => {
      for await (const event of dht.getClosestPeers(libp2p.peerId.toMultihash().bytes, { signal: AbortSignal.timeout(LOOKUP_TIMEOUT_MS) })) void event
    },
    knows: peer => {
      void table.routingTable.find(peer.peerId).then(found => { if (found != null) known.add(peer.peerId.toString()) })
      return known.has(peer.peerId.toString())
    },
    provide: async cid => {
      for await (const event of dht.provide(cid, { signal: AbortSignal.timeout(LOOKUP_TIMEOUT_MS) })) void event
    },
    findFirst: async (cid, provider) => {
      const stop = new AbortController()
      try {
        for await (const event of dht.findProviders(cid, { signal: AbortSignal.any([stop.signal, AbortSignal.timeout(LOOKUP_TIMEOUT_MS)]) })) {
          if (event.name === 'PROVIDER' && event.providers.some(p => p.id.equals(provider.peerId))) return true
        }
        return false
      } finally {
        stop.abort()
      }
    },
    stop: async () => { await libp2p.stop() }
  }
}

/** A seeded PRNG, so both swarms get the same sequence of (asker, CID) choices. */
function random (seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6D2B79F5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function percentile (xs: number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]
}

/** One swarm's figures. */
interface SwarmResult {
  impl: string
  latenciesMs: number[]
  failed: number
  medianMs: number
  p95Ms: number
  lookupCpuMs: number
  setupCpuMs: number
}

/** Builds one swarm, measures it, stops it. */
async function measure (impl: 'cairn' | 'kad-dht'): Promise<SwarmResult> {
  const make = impl === 'cairn' ? cairnNode : kadDhtNode
  const cpu0 = process.cpuUsage()
  const nodes: SwarmNode[] = [await make()]
  const bootstrap = nodes[0]
  const join = async (): Promise<SwarmNode> => {
    const node = await make()
    nodes.push(node)
    const deadline = Date.now() + 120_000
    // on a loaded machine a handshake can outlast the dial timeout: the joiner tries again
    for (;;) {
      try {
        await node.libp2p.dial(bootstrap.libp2p.getMultiaddrs())
        break
      } catch (err) {
        if (Date.now() > deadline) throw err
        log(`${impl}: a join dial failed (${(err as Error).name}), again`)
      }
    }
    // the bootstrap node enters the table once identify and the DHT's checks are done
    while (!node.knows(bootstrap.libp2p) && Date.now() < deadline) await new Promise(resolve => { setTimeout(resolve, 20) })
    return node
  }
  for (let i = 1; i < N - ASKERS; i++) await join()
  for (const node of nodes) await node.selfLookup().catch(() => {})
  log(`${impl}: ${N - ASKERS} nodes joined`)
  const cids: CID[] = []
  for (let i = 0; i < PROVIDERS; i++) {
    const cid = CID.createV1(raw.code, await sha256.digest(new TextEncoder().encode(`dht-swarm bench ${i}`)))
    cids.push(cid)
    await nodes[i + 1].provide(cid).catch(err => { log(`${impl}: provide ${i} failed: ${(err as Error).message}`) })
  }
  log(`${impl}: ${PROVIDERS} records provided`)
  const askers: SwarmNode[] = []
  for (let i = 0; i < ASKERS; i++) askers.push(await join())
  for (const node of askers) await node.selfLookup().catch(() => {})
  log(`${impl}: ${ASKERS} askers joined`)
  const setup = process.cpuUsage(cpu0)
  const rand = random(7)
  const latencies: number[] = []
  let failed = 0
  const cpu1 = process.cpuUsage()
  for (let i = 0; i < LOOKUPS; i++) {
    const which = Math.floor(rand() * PROVIDERS)
    const asker = askers[Math.floor(rand() * ASKERS)]
    const started = performance.now()
    const ok = await asker.findFirst(cids[which], nodes[which + 1].libp2p).catch(() => false)
    if (ok) latencies.push(performance.now() - started)
    else failed++
  }
  const lookupCpu = process.cpuUsage(cpu1)
  await Promise.all(nodes.map(async n => n.stop()))
  return {
    impl,
    latenciesMs: latencies,
    failed,
    medianMs: latencies.length === 0 ? NaN : median(latencies),
    p95Ms: latencies.length === 0 ? NaN : percentile(latencies, 0.95),
    lookupCpuMs: (lookupCpu.user + lookupCpu.system) / 1000,
    setupCpuMs: (setup.user + setup.system) / 1000
  }
}

if (args.impl === 'cairn' || args.impl === 'kad-dht') {
  // a child: one swarm, its figures as one JSON line
  console.log(JSON.stringify(await measure(args.impl)))
  process.exit(0)
}

/** Runs one swarm in a fresh process, so neither inherits the other's heap or sockets. */
async function inChild (impl: string): Promise<SwarmResult> {
  const child = spawn(NODE, [import.meta.filename, '--impl', impl, '--nodes', String(N), '--providers', String(PROVIDERS), '--lookups', String(LOOKUPS)], { stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  child.stdout.on('data', (chunk: Buffer) => { out += chunk.toString('utf8') })
  const [code] = await once(child, 'close') as [number | null]
  if (code !== 0) throw new Error(`the ${impl} swarm exited with ${code}`)
  return JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as SwarmResult
}

const results = [await inChild('cairn'), await inChild('kad-dht')]
const [ours, theirs] = results
const row = (r: SwarmResult): string[] => [r.impl, `${r.latenciesMs.length}/${LOOKUPS}`, fmt.ms(r.medianMs / 1000), fmt.ms(r.p95Ms / 1000),
  (r.lookupCpuMs / LOOKUPS).toFixed(0), (r.setupCpuMs / 1000).toFixed(1)]
const markdown = [
  `## DHT lookup latency, ${N}-node loopback swarm`, '',
  `${LOOKUPS} findProviders one at a time from ${ASKERS} nodes that joined after the records were stored (so none is a local read), for ${PROVIDERS} CIDs each provided by one node; ` +
  `time to the first record naming the provider. Each swarm in its own process, same run, same (asker, CID) sequence; CPU is the whole process (${N} nodes) per lookup.`, '',
  table(['DHT', 'found', 'median ms', 'p95 ms', 'CPU ms / lookup', 'setup CPU s'], results.map(row)), '',
  `Cairn / kad-dht: median ${fmt.ratio(ours.medianMs / theirs.medianMs)}, p95 ${fmt.ratio(ours.p95Ms / theirs.p95Ms)}, CPU per lookup ${fmt.ratio(ours.lookupCpuMs / theirs.lookupCpuMs)} (below 1 is faster).`
].join('\n')
await emit(markdown, args.md)
if (args.json != null) await writeFile(args.json, JSON.stringify({ nodes: N, providers: PROVIDERS, lookups: LOOKUPS, results }, null, 2))

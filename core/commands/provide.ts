/**
 * `provide stat`, `stats dht` and `bitswap reprovide`: what the node announces and when (the
 * provide queue and the sweeping reprovider, `core/provider.ts`), and its DHT routing table per
 * bucket. Kubo's shapes (core/commands/provide.go, stat_dht.go, bitswap.go).
 */
import { InvalidArgumentError, OfflineError, RoutingOffError } from '../../errors/index.ts'
import { defineCommand } from '../command.ts'
import { loadAddresses, requireHost } from './network-common.ts'
import type { CoreNode } from '../node.ts'
import type { ContentProvider } from '../provider.ts'
import type { KadDHT } from '../../dht/index.ts'

/** Go's `time.Duration` in JSON: nanoseconds. */
const ns = (ms: number | undefined): number => Math.round((ms ?? 0) * 1e6)
/** Go's `time.Time` in JSON (RFC 3339); Go's zero time when unknown. */
const time = (ms: number | undefined): string => ms == null ? '0001-01-01T00:00:00Z' : new Date(ms).toISOString()

/** `provide stat`, Kubo's shape: `Sweep` holds the sweeping provider's stats (go-libp2p-kad-dht `provider/stats`). */
export interface ProvideStatOutput {
  Sweep: {
    closed: boolean
    connectivity: { status: string, since: string }
    queues: { pending_key_provides: number, pending_region_provides: number, pending_region_reprovides: number }
    schedule: { keys: number, regions: number, avg_prefix_length: number, next_reprovide_at: string, next_reprovide_prefix: string }
    timing: { uptime: number, reprovides_interval: number, cycle_start: string, current_time_offset: number, max_reprovide_delay: number }
    operations: {
      ongoing: { region_provides: number, key_provides: number, region_reprovides: number, key_reprovides: number }
      past: {
        records_provided: number, key_provided: number, keys_failed: number, reprovide_duration: number,
        avg_keys_per_reprovide: number, regions_reprovided_last_cycle: number
      }
    }
    network: { peers: number, complete_keyspace_coverage: boolean, reachable: number, avg_holders: number, replication_factor: number }
  } | null
  /** Kubo's legacy provider stats; Cairn always sweeps. */
  Legacy: null
  FullRT: boolean
  /** Cairn: `Provide.Strategy`. */
  Strategy: string
  /** Cairn: keys announced since start (queue and sweeps). */
  TotalProvides: number
  /** Cairn: queued keys that reached no peer since start. */
  FailedProvides: number
  /** Cairn: when the last complete sweep ended, and when the next region is due (RFC 3339). */
  LastReprovide: string
  NextReprovide: string
  /** Cairn: the node's sweep is more than the allowed delay behind its schedule. */
  Behind: boolean
  /** Cairn: why the node cannot keep up, or why regions fail. */
  Warnings: string[]
}

/** The running provider, or the named error saying why there is none. */
function requireProvider (node: CoreNode): ContentProvider {
  if (node.offline) throw new OfflineError('this command needs a running daemon (cairn daemon)')
  if (node.provider == null) throw new RoutingOffError('providing is off: Provide.Enabled is false')
  return node.provider
}

const started = Date.now()

export const provideStat = defineCommand<ProvideStatOutput>({
  path: 'provide stat',
  description: 'Show what the node provides: the provide queue, the reprovide sweep and its schedule',
  args: [],
  options: [],
  output: 'value',
  network: true,
  text: (s) => {
    const sweep = s.Sweep
    const lines = [
      `Strategy:            ${s.Strategy}`,
      `Total provides:      ${s.TotalProvides}${s.FailedProvides > 0 ? ` (${s.FailedProvides} failed)` : ''}`,
      `Provide queue:       ${sweep?.queues.pending_key_provides ?? 0} keys waiting`
    ]
    if (sweep != null) {
      lines.push(
        `Reprovide schedule:  ${sweep.schedule.keys} keys in ${sweep.schedule.regions} regions (prefix ${sweep.schedule.avg_prefix_length} bits, ≈ ${sweep.network.peers} DHT servers)`,
        `Reprovide interval:  ${Math.round(sweep.timing.reprovides_interval / 3.6e12)}h`,
        `Last reprovide:      ${s.LastReprovide.startsWith('0001') ? 'never' : s.LastReprovide}`,
        `Next reprovide:      ${s.NextReprovide.startsWith('0001') ? 'not scheduled' : s.NextReprovide}${sweep.schedule.next_reprovide_prefix === '' ? '' : ` (region ${sweep.schedule.next_reprovide_prefix})`}`,
        `Average holders:     ${sweep.network.avg_holders.toFixed(1)} of ${sweep.network.replication_factor}`
      )
    }
    for (const warning of s.Warnings) lines.push(`WARNING: ${warning}`)
    return lines.join('\n')
  },
  async run ({ node }) {
    const provider = requireProvider(node)
    const stats = provider.stats()
    const sweep = stats.sweep
    const warnings = [...(sweep?.warnings ?? [])]
    if (stats.dropped > 0) warnings.push(`the provide queue was full: ${stats.dropped} new key(s) wait for the next sweep`)
    if (stats.failed > 0) warnings.push(`${stats.failed} queued key(s) could not be provided (last: ${stats.lastError ?? 'unknown error'}); they go out with the next sweep`)
    const peers = node.dht?.routingTable.size ?? 0
    return {
      Sweep: sweep == null
        ? null
        : {
            closed: false,
            connectivity: { status: peers > 0 ? 'online' : 'offline', since: time(started) },
            queues: { pending_key_provides: stats.queued, pending_region_provides: 0, pending_region_reprovides: Math.max(0, sweep.regions - sweep.regionsDone) },
            schedule: {
              keys: sweep.keys,
              regions: sweep.regions,
              avg_prefix_length: sweep.prefixLength,
              next_reprovide_at: time(sweep.nextRegionAt),
              next_reprovide_prefix: sweep.nextPrefix ?? ''
            },
            timing: {
              uptime: ns(Date.now() - started),
              reprovides_interval: ns(sweep.interval),
              cycle_start: time(sweep.cycleStart),
              current_time_offset: ns(Math.max(0, Date.now() - sweep.cycleStart)),
              max_reprovide_delay: ns(sweep.maxReprovideDelay)
            },
            operations: {
              ongoing: { region_provides: 0, key_provides: 0, region_reprovides: 0, key_reprovides: 0 },
              past: {
                records_provided: sweep.totalRecords,
                key_provided: sweep.totalKeysProvided,
                keys_failed: sweep.totalKeysFailed,
                reprovide_duration: ns(sweep.lastSweepDuration),
                avg_keys_per_reprovide: sweep.lastSweepRegions == null || sweep.lastSweepRegions === 0 ? 0 : (sweep.lastSweepKeys ?? 0) / sweep.lastSweepRegions,
                regions_reprovided_last_cycle: sweep.lastSweepRegions ?? 0
              }
            },
            network: {
              peers: sweep.networkSize,
              complete_keyspace_coverage: sweep.prefixLength === 0 || sweep.regions === 2 ** sweep.prefixLength,
              reachable: peers,
              avg_holders: sweep.avgHolders,
              replication_factor: 20
            }
          },
      Legacy: null,
      FullRT: false,
      Strategy: stats.strategy,
      TotalProvides: stats.provided + (sweep?.totalKeysProvided ?? 0),
      FailedProvides: stats.failed,
      LastReprovide: time(sweep?.lastSweepAt),
      NextReprovide: time(sweep?.nextRegionAt),
      Behind: sweep?.behind ?? false,
      Warnings: warnings
    }
  }
})

/** `bitswap reprovide`: what the sweep it triggered did (Kubo prints nothing). */
export interface BitswapReprovideOutput {
  Keys: number
  Provided: number
  Failed: number
  Regions: number
  Lookups: number
}

export const bitswapReprovide = defineCommand<BitswapReprovideOutput>({
  path: 'bitswap reprovide',
  description: 'Announce every key of Provide.Strategy to the network now (a full reprovide sweep)',
  args: [],
  options: [],
  output: 'value',
  network: true,
  text: () => undefined,
  async run ({ node, signal }) {
    const provider = requireProvider(node)
    const result = await provider.reprovide({ signal })
    return { Keys: result.keys, Provided: result.provided, Failed: result.failed, Regions: result.regions, Lookups: result.lookups }
  }
})

/** One routing-table contact in `stats dht`, Kubo's shape. */
export interface DhtPeerInfo {
  ID: string
  Connected: boolean
  AgentVersion: string
  LastUsefulAt: string
  LastQueriedAt: string
}

/** `stats dht`, Kubo's shape: one value per DHT, buckets indexed by common prefix length. */
export interface DhtStatOutput {
  Name: string
  Buckets: Array<{ LastRefresh: string, Peers: DhtPeerInfo[] }>
}

function requireDHT (node: CoreNode): KadDHT {
  if (node.offline) throw new OfflineError('this command needs a running daemon (cairn daemon)')
  if (node.dht == null) throw new RoutingOffError('the node runs no DHT (Routing.Type is none)')
  return node.dht
}

/** "3m12s ago", as Go prints a rounded duration. */
function ago (iso: string, now: number): string {
  if (iso === '') return 'never'
  let s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000))
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  s %= 60
  return `${h > 0 ? `${h}h` : ''}${h > 0 || m > 0 ? `${m}m` : ''}${s}s ago`
}

export const statsDht = defineCommand<DhtStatOutput>({
  path: 'stats dht',
  description: 'Show the DHT routing table: its buckets and the peers in each',
  args: [{ name: 'dht', required: false, variadic: true, description: 'the DHT to list (wan; Cairn runs one DHT)' }],
  options: [],
  output: 'stream',
  network: true,
  text: (out) => {
    const now = Date.now()
    const count = out.Buckets.reduce((n, b) => n + b.Peers.length, 0)
    const lines = [`DHT ${out.Name} (${count} peers):`]
    out.Buckets.forEach((bucket, i) => {
      lines.push(`  Bucket ${String(i).padStart(2)} (${bucket.Peers.length} peers) - refreshed ${ago(bucket.LastRefresh, now)}:`)
      lines.push('    Peer                                                    last useful  last queried  Agent Version')
      for (const p of bucket.Peers) {
        lines.push(`  ${p.Connected ? '@' : ' '} ${p.ID.padEnd(54)}  ${ago(p.LastUsefulAt, now).padEnd(11)}  ${ago(p.LastQueriedAt, now).padEnd(12)}  ${p.AgentVersion}`)
      }
      lines.push('')
    })
    return lines.join('\n')
  },
  async * run ({ node, args }) {
    await loadAddresses()
    const dht = requireDHT(node)
    const host = requireHost(node)
    for (const name of args.length === 0 ? ['wan'] : args) {
      if (name !== 'wan') throw new InvalidArgumentError(`unknown dht type: ${name} (Cairn runs one DHT, "wan")`)
      const buckets: DhtStatOutput['Buckets'] = []
      for (const { cpl, contacts } of dht.routingTable.bucketView()) {
        while (buckets.length <= cpl) buckets.push({ LastRefresh: '', Peers: [] })
        for (const contact of contacts) {
          let agent = ''
          try {
            const known = await host.peerStore.get(contact.id)
            const raw = known.metadata.get('AgentVersion')
            if (raw != null) agent = new TextDecoder().decode(raw)
          } catch {
            // not in the peer store (yet): no agent version
          }
          // a contact's lastSeen is its last answer to us: our last successful query, and useful
          const seen = contact.lastSeen > 0 ? new Date(contact.lastSeen).toISOString().replace(/\.\d+Z$/, 'Z') : ''
          buckets[cpl].Peers.push({
            ID: contact.id.toString(),
            Connected: host.connectionManager.getConnections(contact.id).length > 0,
            AgentVersion: agent,
            LastUsefulAt: seen,
            LastQueriedAt: seen
          })
        }
      }
      yield { Name: name, Buckets: buckets }
    }
  }
})

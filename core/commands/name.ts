/**
 * `name publish` and `name resolve`, in Kubo's shapes (core/commands/name/publish.go, name.go).
 * They use the naming service the node carries; a node without one (the offline CLI on a local
 * repo) gets one built from its repo with no routing, so `name publish --allow-offline` and local
 * resolution work without a daemon.
 */
import { readIpns } from '../../repo/index.ts'
import { InvalidArgumentError } from '../../errors/index.ts'
import { defineCommand } from '../command.ts'
import { IPNS_BASE_OPTION, keystoreOf, namingModule } from './key.ts'
import type { NamingNode } from './key.ts'
import { parsePath } from '../../dag/path.ts'
import { dagModule } from './dag-module.ts'
import type { CID } from 'multiformats/cid'
import type { CoreNode } from '../node.ts'
import type { Naming } from '../../naming/index.ts'

/** Naming services built for nodes that carry none, so a command sees the same cache across calls. */
const offlineServices = new WeakMap<CoreNode, Naming>()

/** The CID an `/ipfs/` path (or a bare CID) names, walking its segments through the node's blocks. */
async function resolveCid (node: CoreNode, path: string, signal: AbortSignal): Promise<CID> {
  const parsed = parsePath(path)
  if (parsed.segments.length === 0) return parsed.root
  return (await (await dagModule()).resolve(parsed, node.blocks, { signal })).cid
}

/** Checks that a path resolves to a local (or fetchable) block: `/ipns/` through naming, then the `/ipfs/` path. */
async function checkPath (node: CoreNode, naming: Naming, path: string, signal?: AbortSignal): Promise<void> {
  const ipfsPath = path.startsWith('/ipns/') ? await naming.resolve(path, { signal }) : path
  const controller = signal ?? new AbortController().signal
  const cid = await resolveCid(node, ipfsPath, controller)
  await node.blocks.get(cid, { signal: controller })
}


/** The node's naming service, or one built over its repo without routing. */
export async function namingOf (node: CoreNode): Promise<Naming> {
  const attached = (node as NamingNode).naming
  if (attached != null) return attached
  const existing = offlineServices.get(node)
  if (existing != null) return existing
  const { createNaming, RecordStore, LevelNamingDatastore, DnsLinkResolver } = await namingModule()
  const { defaultLogger } = await import('@libp2p/logger')
  const ipns = readIpns(node.repo.config)
  const naming: Naming = createNaming({
    keystore: await keystoreOf(node),
    records: new RecordStore(new LevelNamingDatastore(node.repo.datastore)),
    logger: defaultLogger(),
    dnslink: new DnsLinkResolver(),
    // the daemon publishes and resolves through its routers; offline, the local records only
    routing: node.offline ? undefined : node.routing,
    resolvePath: async (path, options) => checkPath(node, naming, path, options.signal)
  }, {
    republishPeriodMs: ipns.RepublishPeriodMs,
    recordLifetimeMs: ipns.RecordLifetimeMs,
    maxCacheTtlMs: ipns.MaxCacheTTLMs
  })
  offlineServices.set(node, naming)
  return naming
}

/** `name publish` output, Kubo's shape. */
export interface PublishOutput {
  Name: string
  Value: string
}

export const namePublish = defineCommand<PublishOutput>({
  path: 'name publish',
  description: 'Publish an IPNS name: point the name of a key at a path',
  args: [{ name: 'ipfs-path', required: true, description: 'the /ipfs/ (or /ipns/) path to publish' }],
  options: [
    { name: 'key', short: 'k', type: 'string', default: 'self', description: 'name of the key to publish with (see key list)' },
    { name: 'lifetime', short: 't', type: 'duration', default: 48 * 3600_000, description: 'how long the record stays valid' },
    { name: 'ttl', type: 'duration', default: 5 * 60_000, description: 'how long resolvers may cache the record' },
    { name: 'sequence', type: 'number', description: 'a sequence number above the current one' },
    { name: 'allow-offline', type: 'boolean', default: false, description: 'publish to the local store only when offline' },
    { name: 'resolve', type: 'boolean', default: true, description: 'check that the path resolves first' },
    { name: 'quieter', short: 'Q', type: 'boolean', default: false, description: 'print only the name' },
    IPNS_BASE_OPTION
  ],
  output: 'value',
  text: (value, options) => options.quieter === true ? value.Name : `Published to ${value.Name}: ${value.Value}`,
  async run ({ node, args, options, signal }) {
    const path = args[0].startsWith('/') ? args[0] : `/ipfs/${args[0]}`
    const sequence = options.sequence as number | undefined
    if (sequence != null && (!Number.isSafeInteger(sequence) || sequence < 0)) {
      throw new InvalidArgumentError('--sequence takes a non-negative integer')
    }
    const naming = await namingOf(node)
    const result = await naming.publish(String(options.key), path, {
      lifetimeMs: options.lifetime as number,
      ttlMs: options.ttl as number,
      sequence: sequence == null ? undefined : BigInt(sequence),
      allowOffline: options['allow-offline'] === true,
      resolve: options.resolve !== false,
      signal
    })
    const { formatIpnsName } = await namingModule()
    return { Name: formatIpnsName(result.name, String(options['ipns-base'])), Value: result.value }
  }
})

/** `name resolve` output, Kubo's shape. */
export interface ResolveOutput {
  Path: string
}

export const nameResolve = defineCommand<ResolveOutput>({
  path: 'name resolve',
  description: 'Resolve an IPNS name (a key\'s name or a DNSLink domain) to the path it points at',
  args: [{ name: 'name', description: 'the IPNS name (default: this node\'s own)' }],
  options: [
    { name: 'recursive', short: 'r', type: 'boolean', default: true, description: 'resolve until the result is not an IPNS name' },
    { name: 'nocache', short: 'n', type: 'boolean', default: false, description: 'do not use cached entries' },
    { name: 'stream', short: 's', type: 'boolean', default: false, description: 'print each better answer as it is found' }
  ],
  output: 'stream',
  text: value => value.Path,
  async * run ({ node, args, options, signal }) {
    const naming = await namingOf(node)
    let name = args[0]
    if (name == null || name === '') {
      const { formatIpnsName } = await namingModule()
      name = formatIpnsName((await (await keystoreOf(node)).list())[0].id)
    }
    const resolveOptions = { recursive: options.recursive !== false, nocache: options.nocache === true, signal }
    if (options.stream === true) {
      for await (const path of naming.resolveStream(name, resolveOptions)) yield { Path: path }
      return
    }
    yield { Path: await naming.resolve(name, resolveOptions) }
  }
})

export const resolve = defineCommand<ResolveOutput>({
  path: 'resolve',
  description: 'Resolve an /ipns/ or /ipfs/ path to the /ipfs/ path of the block it names',
  args: [{ name: 'name', required: true, description: 'an /ipns/ or /ipfs/ path (or a CID)' }],
  options: [
    { name: 'recursive', short: 'r', type: 'boolean', default: true, description: 'resolve until the result is an /ipfs/ path' },
    { name: 'nocache', short: 'n', type: 'boolean', default: false, description: 'do not use cached IPNS entries' }
  ],
  output: 'value',
  text: value => value.Path,
  async run ({ node, args, options, signal }) {
    let path = args[0].startsWith('/') ? args[0] : `/ipfs/${args[0]}`
    if (path.startsWith('/ipns/')) {
      path = await (await namingOf(node)).resolve(path, { recursive: options.recursive !== false, nocache: options.nocache === true, signal })
      if (path.startsWith('/ipns/')) return { Path: path }
    }
    return { Path: `/ipfs/${(await resolveCid(node, path, signal)).toString()}` }
  }
})

import type { CID } from 'multiformats/cid'
import type { AbortOptions, GcSummary, Lease, PackBlockstore, Pins } from '../blockstore/index.ts'
import { cairnLogger, type ComponentLogger } from '../logger/index.ts'
import { createMetadataStore, readDatastore, readProvide, Repo, type MetadataStore } from '../repo/index.ts'
import { createCompositeRouting, type Routing } from '../routing/index.ts'
import type { BlockFetcher, BlockService } from './block-service.ts'
import type { NodeComponents } from './components.ts'
import { Lifecycle } from './lifecycle.ts'
import type { CairnHost } from './libp2p/index.ts'
import type { Bitswap } from '../bitswap/index.ts'
import type { KadDHT } from '../dht/index.ts'
import type { ContentProvider } from './provider.ts'
import type { NameResolver, PathResolver } from './resolve-path.ts'

export type {
  BlockFetcher, BlockFetchOptions, BlockGetOptions, BlockService, BlockSession, BlockSessionOptions, FetchSession
} from './block-service.ts'
export type { DescribedPath, PathInput, PathResolver, ResolvedPath, ResolvePathOptions } from './resolve-path.ts'

/** GC and the leases that keep it away from running writes. */
export interface GcService {
  /** A shared lease for a writer (add, pin, import): GC waits until it is released. */
  lease(options?: AbortOptions): Promise<Lease>
  /** The exclusive lease (GC, block rm): waits for every writer. */
  exclusive(options?: AbortOptions): Promise<Lease>
  /** Removes every block no pin reaches; yields each removed CID, and returns the totals. */
  collect(options?: AbortOptions): AsyncGenerator<CID, GcSummary>
}

/** The in-process node that implements the command table. */
export interface CoreNode {
  repo: Repo
  blockstore: PackBlockstore
  /** Every block read: the local store, then (once Bitswap exists) the network. */
  blocks: BlockService
  pins: Pins
  gc: GcService
  /** Providers, peers and value records: the composite of the node's routers (none yet). */
  routing: Routing
  /** `/ipfs/…`, bare CIDs and `/ipns/…` to the CID they name: the one path resolver. */
  resolvePath: PathResolver
  /** The metadata datastore (pins, and the network subsystems' records, each in its own part). */
  metadata: MetadataStore
  /** The component logger every part was given (`DEBUG=cairn:*` turns it on). */
  logger: ComponentLogger
  /** The libp2p host, when online (the daemon without `--offline`). */
  host?: CairnHost
  /** The Kademlia DHT, when online and `Routing.Type` is not `none`. */
  dht?: KadDHT
  /** Bitswap, when online: the block service fetches missing blocks through it. */
  bitswap?: Bitswap
  /** What the node announces and reprovides (`Provide.*`), when online and `Provide.Enabled`. */
  provider?: ContentProvider
  /** What the network subsystems are built from, when online. */
  components?: NodeComponents
  /** True when no network runs (the CLI without a daemon, or `--offline`). */
  offline: boolean
  /** Stops the node's parts in reverse order and releases the repo lock. Idempotent. */
  close(): Promise<void>
}

/** Options for {@link openNode}. */
export interface OpenNodeOptions {
  /** Run without the network (no libp2p host). Default true: only the daemon goes online. */
  offline?: boolean
  /** Named in the repo lock info file, so a second process can say who holds the repo. */
  command?: string
  /** The component logger. Default {@link cairnLogger} (silent unless `DEBUG` is set). */
  logger?: ComponentLogger
  /** Where blocks the store lacks come from (Bitswap, later). Default: none, local reads only. */
  fetcher?: BlockFetcher
  /** The routers the composite asks (the DHT, delegated routers, later). Default: none (routing off). */
  routers?: Routing[]
}

/**
 * Opens the repo (taking its lock), then starts the node's parts in order: the blockstore, and
 * when online the libp2p host. A part that fails to start stops the ones before it and releases
 * the lock; closing the node stops them in reverse.
 */
export async function openNode (repoPath: string, options: OpenNodeOptions = {}): Promise<CoreNode> {
  const logger = options.logger ?? cairnLogger()
  const log = logger.forComponent('cairn:core:node')
  const lifecycle = new Lifecycle({ logger })
  // the node's modules load while the repo opens (its lock and config are file I/O); a repo
  // that fails to open leaves them loaded for nothing, which costs only time
  const modules = Promise.all([import('../blockstore/index.ts'), import('./block-service.ts'), import('./resolve-path.ts')])
  modules.catch(() => {}) // awaited below; a failure to open the repo must not leave it unhandled
  const repo = await Repo.open(repoPath, { command: options.command })
  lifecycle.add('repo', { stop: async () => { await repo.close() } }, { started: true })
  try {
    const [{ createBlockstore, createGc, createLeases, createPins }, { createBlockService }, { createPathResolver }] = await modules
    const blockstore = createBlockstore({ path: repo.paths.blocks, logger }, { hashOnRead: readDatastore(repo.config).HashOnRead })
    lifecycle.add('blockstore', { start: async () => { await blockstore.open() }, stop: async () => { await blockstore.close() } })
    const leases = createLeases()
    const offline = options.offline !== false
    // the daemon's fetcher exists before the network does: Bitswap is attached once the host is up
    const late = offline || options.fetcher != null ? undefined : new (await import('./network.ts')).LateFetcher()
    const blocks = createBlockService({ blockstore, leases, fetcher: options.fetcher ?? late, logger })
    // stopped before the store: blocks fetched and still being written behind reach the disk
    lifecycle.add('blocks', { stop: async () => { await blocks.flush() } }, { started: true })
    const pins = createPins({ blockstore, datastore: repo.datastore.sublevel('pins', { keyEncoding: 'view', valueEncoding: 'view' }), getter: blocks, logger })
    const metadata = createMetadataStore(repo.datastore)
    // the MFS root is a GC root: its module loads only when GC runs
    const extraRoots = async (opts: AbortOptions): Promise<CID[]> => await (await import('../mfs/index.ts')).mfsRoots(metadata, opts)
    const gc = createGc({ blockstore, pins, leases, logger, extraRoots })
    const routers = [...(options.routers ?? [])]
    let host: CairnHost | undefined
    let components: NodeComponents | undefined
    let dht: KadDHT | undefined
    let bitswap: Bitswap | undefined
    let provider: ContentProvider | undefined
    let routing: Routing
    if (!offline) {
      // loaded only when needed: libp2p costs the offline CLI most of a second to import
      const [{ createHost }, { createNodeComponents }, network] = await Promise.all([
        import('./libp2p/index.ts'), import('./components.ts'), import('./network.ts')
      ])
      host = await createHost({ config: repo.config, logger })
      lifecycle.add('host', host)
      dht = network.createNodeDHT(host, repo.config, metadata, logger)
      if (dht != null) {
        lifecycle.add('dht', dht)
        routers.push(dht)
      }
      routers.push(...network.createDelegatedRouters(repo.config, logger))
      routing = createCompositeRouting({ routers, logger }, { offReason: 'Routing.Type is none (or delegated with no Routing.DelegatedRouters): no router is configured' })
      bitswap = network.createNodeBitswap(host, repo.config, blockstore, routing, logger)
      lifecycle.add('bitswap', bitswap)
      late?.attach(bitswap)
      const { createNodeProvider } = await import('./provider.ts')
      provider = createNodeProvider({
        blockstore, pins, routing, dht, datastore: network.dhtDatastore(metadata.sub('provider')), logger,
        mfsRoot: async (opts) => (await extraRoots(opts))[0]
      }, readProvide(repo.config))
      if (provider != null) lifecycle.add('provider', provider)
      components = createNodeComponents({ host, logger, datastore: metadata, routing, blocks })
    } else {
      routing = createCompositeRouting({ routers, logger }, { offReason: 'the node is offline (run `cairn daemon`)' })
    }
    await lifecycle.start()
    log('node started (%s)', offline ? 'offline' : 'online')
    // IPNS and DNSLink load on first use (the naming commands, an /ipns/ path)
    const namingOf = async (n: CoreNode): Promise<NameResolver> => (await import('./commands/name.ts')).namingOf(n)
    const node: CoreNode = {
      repo,
      blockstore,
      blocks,
      // pins added on an online node tell the provider (the `pinned` and `roots` strategies)
      pins: provider == null ? pins : (await import('./provider.ts')).providingPins(pins, provider),
      gc: {
        lease: (opts) => leases.acquire(opts),
        exclusive: (opts) => leases.exclusive(opts),
        collect: (opts) => gc.collect(opts)
      },
      routing,
      resolvePath: createPathResolver({ blocks, logger, naming: async () => await namingOf(node) }),
      metadata,
      logger,
      host,
      dht,
      bitswap,
      provider,
      components,
      offline: host == null,
      async close () {
        await lifecycle.stop()
        log('node stopped')
      }
    }
    if (!offline) {
      // the daemon republishes its names and the DHT judges /ipns/ records with naming's rules
      const { ipnsRecordValidator } = await import('../naming/index.ts')
      dht?.registerValidator('ipns', ipnsRecordValidator)
      const naming = await (await import('./commands/name.ts')).namingOf(node)
      ;(node as CoreNode & { naming?: unknown }).naming = naming
      naming.start()
      lifecycle.add('naming', { stop: async () => { naming.stop() } }, { started: true })
    }
    return node
  } catch (err) {
    // a part failed to load or start: what had started (at least the repo lock) is released
    await lifecycle.stop().catch((stopErr: unknown) => { log.error('stopping after a failed open: %e', stopErr) })
    throw err
  }
}

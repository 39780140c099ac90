import type { CID } from 'multiformats/cid'
import type {
  AbortOptions, BlockGetter, GcSummary, Lease, Leases, PackBlockstore, Pins
} from '../blockstore/index.ts'
import { BlockNotFoundError } from '../errors/index.ts'
import { Repo, getConfigValue } from '../repo/index.ts'
import type { CairnHost } from './libp2p/index.ts'

/** Options for block reads through the block service. */
export interface BlockGetOptions extends AbortOptions {
  /** Never ask the network, even when online. */
  offline?: boolean
}

/**
 * Every block read goes through here: the local store first and, once Bitswap exists, the
 * network. The exporter, pins, `dag export` and the gateway call this, never the store directly.
 */
export interface BlockService extends BlockGetter {
  get(cid: CID, options?: BlockGetOptions): Promise<Uint8Array>
}

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
  blocks: BlockService
  pins: Pins
  gc: GcService
  /** The libp2p host, when online (the daemon without `--offline`). */
  host?: CairnHost
  /** True when no network runs (the CLI without a daemon, or `--offline`). */
  offline: boolean
  close(): Promise<void>
}

/** Options for {@link openNode}. */
export interface OpenNodeOptions {
  /** Run without the network (no libp2p host). Default true: only the daemon goes online. */
  offline?: boolean
  /** Named in the repo lock info file, so a second process can say who holds the repo. */
  command?: string
}

function localBlockService (blockstore: PackBlockstore): BlockService {
  return {
    async get (cid, options = {}) {
      try {
        return await blockstore.get(cid, options)
      } catch (err) {
        if ((err as { name?: string }).name === BlockNotFoundError.name) {
          throw new BlockNotFoundError(`block ${cid.toString()} was not found locally (offline)`, { cause: err })
        }
        throw err
      }
    }
  }
}

/**
 * Opens the repo (taking its lock), the blockstore, pins and GC, and wires them into a node.
 * Closing the node closes them in reverse order and releases the lock.
 */
export async function openNode (repoPath: string, options: OpenNodeOptions = {}): Promise<CoreNode> {
  const repo = await Repo.open(repoPath, { command: options.command })
  // loaded once the repo is ours: a CLI that finds the repo locked talks to the daemon instead
  // and never needs the blockstore (~20 ms of its start-up)
  const { createBlockstore, createGc, createLeases, createPins } = await import('../blockstore/index.ts')
  const hashOnRead = getConfigValue(repo.config, 'Datastore.HashOnRead')
  const blockstore = createBlockstore({ path: repo.paths.blocks }, { hashOnRead: typeof hashOnRead === 'boolean' ? hashOnRead : undefined })
  try {
    await blockstore.open()
  } catch (err) {
    await repo.close()
    throw err
  }
  const blocks = localBlockService(blockstore)
  const leases: Leases = createLeases()
  const pins = createPins({ blockstore, datastore: repo.datastore.sublevel('pins', { keyEncoding: 'view', valueEncoding: 'view' }), getter: blocks })
  const gc = createGc({ blockstore, pins, leases })
  let host: CairnHost | undefined
  if (options.offline === false) {
    try {
      // loaded only when needed: libp2p costs the offline CLI most of a second to import
      const { createHost } = await import('./libp2p/index.ts')
      host = await createHost({ config: repo.config })
      await host.start()
    } catch (err) {
      await blockstore.close()
      await repo.close()
      throw err
    }
  }
  let closed = false
  return {
    repo,
    blockstore,
    blocks,
    pins,
    gc: {
      lease: (opts) => leases.acquire(opts),
      exclusive: (opts) => leases.exclusive(opts),
      collect: (opts) => gc.collect(opts)
    },
    host,
    offline: host == null,
    async close () {
      if (closed) return
      closed = true
      await host?.stop()
      await blockstore.close()
      await repo.close()
    }
  }
}

import { rm, writeFile } from 'node:fs/promises'
import { setFlagsFromString } from 'node:v8'
import { COMMANDS, defineCommand, openNode, type CoreNode } from '../core/index.ts'
import { InvalidConfigError, ListenError } from '../errors/index.ts'
import { enableRuntimeLevels } from '../logger/index.ts'
import { assertRepo, defaultRepoPath, initRepo, inspectRepo, readAddresses, readApi, readHttpRetrieval, repoPaths } from '../repo/index.ts'
import type { FastifyInstance } from 'fastify'
import type { Multiaddr } from '@multiformats/multiaddr'

/** How long in-flight requests get to finish on shutdown before they are cut. */
export const SHUTDOWN_GRACE_MS = 3000

/**
 * How far V8 lets the daemon's heap grow past its live size before the next full collection,
 * in percent (V8's `--heap-growing-percent`; 300 lets it grow to 4× the live size).
 *
 * Serving a file allocates a fresh buffer per block (256 KiB for most files), and V8 counts those
 * towards its next full collection. With its own heuristics it marks the daemon's whole heap
 * (~22 MB: libp2p, fastify, the command table) several times per 256 MiB served: ~100 ms of a
 * 256 MiB `cat` through the RPC API, which took ~0.52 s instead of ~0.43 s. A throughput server
 * wants fewer, later collections (as GOGC=300 does for a Go daemon); peak RSS over a 1 GiB add, two
 * cats and two gateway streams did not change (~230 MB). Only the daemon sets this: a short-lived
 * CLI process never grows a heap worth collecting.
 */
export const DAEMON_HEAP_GROWING_PERCENT = 300

/** One line the daemon prints while starting and stopping. */
export interface DaemonEvent {
  Message: string
}

/** True for 127.0.0.0/8 and ::1. */
export function isLoopback (host: string): boolean {
  return host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host)
}

/**
 * Starts `server` on the address of config key `key`; an address already in use (or not
 * assignable) fails naming the key, so the user knows which setting to change.
 */
async function listenOn (server: FastifyInstance, address: { host: string, port: number }, key: string): Promise<void> {
  try {
    await server.listen({ host: address.host, port: address.port })
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code !== 'EADDRINUSE' && code !== 'EADDRNOTAVAIL' && code !== 'EACCES') throw err
    const why = code === 'EADDRINUSE' ? 'is already in use (another daemon, or another program?)' : code === 'EACCES' ? 'needs privileges this process does not have' : 'is not an address of this machine'
    throw new ListenError(`cannot listen on ${address.host}:${address.port}, set by ${key}: the address ${why}. Stop what uses it, or change ${key} (cairn config ${key} /ip4/127.0.0.1/tcp/<port>)`, { cause: err })
  }
}

/** The multiaddr a listening HTTP server actually bound (port 0 becomes the real port). */
function boundMultiaddr (server: FastifyInstance): string {
  const address = server.server.address()
  if (address == null || typeof address === 'string') throw new Error('the server is not listening on TCP')
  const family = address.family === 'IPv6' ? 'ip6' : 'ip4'
  return `/${family}/${address.address}/tcp/${address.port}`
}

/**
 * The HTTP addresses that announce the gateway bound at `bound` (`HTTPRetrieval.Announce`): the
 * bound address itself, or, for a wildcard bind, the swarm's IP addresses with the gateway's port.
 */
async function httpAnnounceAddrs (bound: string, swarm: Array<{ toString(): string }>): Promise<Multiaddr[]> {
  const { multiaddr } = await import('@multiformats/multiaddr')
  const [, family, host, , port] = bound.split('/')
  if (host !== '0.0.0.0' && host !== '::') return [multiaddr(`/${family}/${host}/tcp/${port}/http`)]
  const ips = new Set<string>()
  for (const addr of swarm) {
    const [, fam, ip] = addr.toString().split('/')
    if (fam === 'ip4' || fam === 'ip6') ips.add(`/${fam}/${ip}`)
  }
  return [...ips].map(ip => multiaddr(`${ip}/tcp/${port}/http`))
}

/**
 * `cairn daemon`: opens the repo (creating it with `--init`, or the default one on first use),
 * starts libp2p, the RPC
 * API and the HTTP gateway, writes `$CAIRN_PATH/api` and `$CAIRN_PATH/gateway`, prints their
 * addresses and `Daemon is ready`, then runs until a signal or `cairn shutdown`. Stopping closes
 * the servers (in-flight requests get {@link SHUTDOWN_GRACE_MS}), the host and the stores, and
 * removes the api and gateway files.
 */
export const daemon = defineCommand<DaemonEvent>({
  path: 'daemon',
  description: 'Run a long-lived node: libp2p, the RPC API, and background work',
  args: [],
  options: [
    { name: 'offline', type: 'boolean', default: false, description: 'run without the network (no libp2p host)' },
    { name: 'init', type: 'boolean', description: 'create the repo if there is none (the default repo, ~/.cairn, is created on first use anyway)' },
    { name: 'init-profile', type: 'string', description: 'profiles for the created repo (e.g. test)' }
  ],
  output: 'stream',
  needsRepo: false,
  localOnly: true,
  text: (event) => event.Message,
  async * run ({ repoPath, options, signal }) {
    setFlagsFromString(`--heap-growing-percent=${DAEMON_HEAP_GROWING_PERCENT}`)
    // as Kubo: `--init` creates a repo where there is none; so does first use of the default
    // repo, whose folder does not exist at all. Anything else must be there already.
    const state = await inspectRepo(repoPath)
    const create = state.kind !== 'no-config' && state.kind !== 'ready' &&
      (options.init === true || (options.init == null && state.kind === 'absent' && repoPath === defaultRepoPath()))
    if (create) {
      const profiles = typeof options['init-profile'] === 'string' ? options['init-profile'].split(',') : []
      yield { Message: `initializing a new repo at ${repoPath}` }
      await initRepo(repoPath, { profiles })
    } else {
      await assertRepo(repoPath, state)
    }
    // `log level` may turn any subsystem on while the daemon runs
    enableRuntimeLevels()
    const node: CoreNode = await openNode(repoPath, { offline: options.offline === true, command: 'cairn daemon' })
    const paths = repoPaths(repoPath)
    let api: FastifyInstance | undefined
    let gateway: FastifyInstance | undefined
    const stopped = new AbortController()
    const stop = (): void => { stopped.abort() }
    signal.addEventListener('abort', stop, { once: true })
    try {
      const addresses = readAddresses(node.repo.config)
      const apiAddr = addresses.API
      const gatewayAddr = addresses.Gateway
      const authorized = Object.keys(readApi(node.repo.config).Authorizations).length > 0
      if (!isLoopback(apiAddr.host) && !authorized) {
        throw new InvalidConfigError(`refusing to serve the RPC API on ${apiAddr.host}, which is not a loopback address, ` +
          'with no API.Authorizations: anyone who can reach it could control this node. Bind it to 127.0.0.1 or set API.Authorizations')
      }
      yield { Message: `peer identity: ${node.repo.config.Identity.PeerID}` }
      if (node.host != null) {
        for (const addr of node.host.getMultiaddrs()) yield { Message: `Swarm listening on ${addr.toString()}` }
      } else {
        yield { Message: 'running offline: no libp2p host' }
      }
      // the servers (fastify, the gateway) are loaded only here, not by every CLI command
      const { createGatewayServer, createRpcServer } = await import('../http-api/index.ts')
      api = createRpcServer({ node, onShutdown: stop }, { commands: [...COMMANDS, daemon] })
      await listenOn(api, apiAddr, 'Addresses.API')
      const apiMultiaddr = boundMultiaddr(api)
      await writeFile(paths.api, apiMultiaddr)
      yield { Message: `RPC API server listening on ${apiMultiaddr}` }
      gateway = createGatewayServer({ node })
      await listenOn(gateway, gatewayAddr, 'Addresses.Gateway')
      const gatewayMultiaddr = boundMultiaddr(gateway)
      await writeFile(paths.gateway, gatewayMultiaddr)
      yield { Message: `Gateway server listening on ${gatewayMultiaddr}` }
      if (node.host != null && readHttpRetrieval(node.repo.config).Announce) {
        const announced = await httpAnnounceAddrs(gatewayMultiaddr, node.host.getMultiaddrs())
        node.host.addAnnounced(announced)
        for (const addr of announced) yield { Message: `Announcing the gateway as ${addr.toString()}` }
      }
      yield { Message: 'Daemon is ready' }
      if (!stopped.signal.aborted) {
        await new Promise<void>(resolve => stopped.signal.addEventListener('abort', () => { resolve() }, { once: true }))
      }
      yield { Message: 'shutting down...' }
    } finally {
      signal.removeEventListener('abort', stop)
      await rm(paths.api, { force: true })
      await rm(paths.gateway, { force: true })
      await Promise.all([api, gateway].map(async (server) => {
        if (server == null) return
        const closing = server.close()
        const cut = setTimeout(() => { server.server.closeAllConnections() }, SHUTDOWN_GRACE_MS)
        await closing
        clearTimeout(cut)
      }))
      await node.close()
    }
  }
})

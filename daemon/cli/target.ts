/**
 * Where a CLI command runs: on the repo opened in this process, or through a running daemon's RPC
 * API. A daemon is used when it holds the repo: its api file answers and the process its lock
 * names is alive, checked before anything heavy is loaded (a command through a daemon needs
 * neither LevelDB nor the blockstore). Otherwise the repo lock decides, so a stale api file left
 * by a crashed daemon never sends a command to nowhere.
 *
 * The repo is never created or replaced behind the user's back: only the default repo
 * (`~/.cairn`) is created on first use, when its folder does not exist at all; a folder with a
 * repo's data but no config is an error (repo.ts).
 */
import { isAbortError } from '../../errors/abort.ts'
import { readFile } from 'node:fs/promises'
import { ApiUnreachableError, InvalidArgumentError, messageOf, RepoLockedError } from '../../errors/index.ts'
import type { Command } from '../../core/command.ts'
import type { CoreNode } from '../../core/node.ts'
import { version } from '../../core/commands/init.ts'
import { assertRepo, initRepo, inspectRepo, readLockHolder, repoPaths, type RepoLocation } from '../../repo/repo.ts'
import type { RpcClient } from '../../http-api/index.ts'

/** How long the CLI waits for a daemon's API to answer before calling the lock an error. */
const API_PROBE_TIMEOUT_MS = 5000

/** A command's target: the repo opened here, or a daemon's RPC API. */
export type CommandTarget = { kind: 'local', node: CoreNode } | { kind: 'remote', client: RpcClient }

/** The RPC client, loaded only when a daemon is to be used (not by every offline command). */
async function rpcClient (): Promise<typeof import('../../http-api/rpc-client.ts').createRpcClient> {
  return (await import('../../http-api/rpc-client.ts')).createRpcClient
}

/** True while process `pid` exists (a permission error means it exists under another user). */
function alive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as { code?: string }).code === 'EPERM'
  }
}

/**
 * Creates the default repo on its first use; fails, naming what is missing, for any other path
 * without a repo and for a repo folder that lost its config.
 */
async function ensureRepo (location: RepoLocation): Promise<void> {
  const state = await inspectRepo(location.path)
  if (state.kind === 'absent' && location.isDefault) {
    process.stderr.write(`initializing a new repo at ${location.path}\n`)
    await initRepo(location.path)
    return
  }
  await assertRepo(location.path, state)
}

/** The daemon's API written in the repo, if there is one. */
async function apiFile (repoPath: string): Promise<string | undefined> {
  const api = (await readFile(repoPaths(repoPath).api, 'utf8').catch(() => '')).trim()
  return api === '' ? undefined : api
}

/**
 * A client for the daemon holding the repo, found without opening it: an api file, a live
 * process named in the lock info, and an answer from the API. Undefined otherwise.
 */
async function runningDaemon (repoPath: string, auth: string | undefined): Promise<RpcClient | undefined> {
  const api = await apiFile(repoPath)
  if (api == null) return undefined
  const holder = await readLockHolder(repoPath)
  if (holder == null || !alive(holder.pid)) return undefined
  const client = (await rpcClient())({ api, auth })
  if (await answers(client)) return client
  client.close()
  return undefined
}

/**
 * Where a command runs: `--api`/`CAIRN_API` name a daemon explicitly; else a daemon that holds
 * the repo (see {@link runningDaemon}); else the repo opened here. When opening finds the lock
 * held (a daemon still starting, or an api file not yet written), the api file is tried once
 * more; a held lock with no daemon answering is an error naming the holder.
 */
export async function chooseTarget (command: Command, location: RepoLocation, rawOptions: Record<string, unknown>): Promise<CommandTarget> {
  const repoPath = location.path
  const auth = (rawOptions['api-auth'] as string | undefined) ?? process.env.CAIRN_API_AUTH
  const explicit = (rawOptions.api as string | undefined) ?? process.env.CAIRN_API
  if (explicit != null && explicit !== '') {
    if (command.localOnly === true) throw new InvalidArgumentError(`cairn ${command.path} cannot run through --api`)
    const create = await rpcClient()
    try {
      return { kind: 'remote', client: create({ api: explicit, auth }) }
    } catch (err) {
      // name the option (or variable) the address came from, and what an address looks like
      const source = rawOptions.api != null ? '--api' : 'CAIRN_API'
      throw new InvalidArgumentError(`${source} "${explicit}" is not an API address: give a multiaddr such as /ip4/127.0.0.1/tcp/5001 or a URL such as http://127.0.0.1:5001 (${messageOf(err)})`, { cause: err })
    }
  }
  await ensureRepo(location)
  if (command.localOnly !== true) {
    const client = await runningDaemon(repoPath, auth)
    if (client != null) return { kind: 'remote', client }
  }
  try {
    // loaded here: a command that goes through a daemon never needs the node's modules
    const { openNode } = await import('../../core/node.ts')
    // what the command will load, loading while the repo opens (a failure shows when run imports it)
    command.preload?.().catch(() => {})
    return { kind: 'local', node: await openNode(repoPath, { offline: true, command: `cairn ${command.path}` }) }
  } catch (err) {
    if ((err as { name?: string }).name !== RepoLockedError.name || command.localOnly === true) throw err
    const api = await apiFile(repoPath)
    if (api == null) throw err
    const client = (await rpcClient())({ api, auth })
    if (!(await answers(client))) {
      client.close()
      throw err
    }
    return { kind: 'remote', client }
  }
}

/** True if a daemon answers at the client's address (an error answer such as 401 counts). */
async function answers (client: RpcClient): Promise<boolean> {
  try {
    await client.run(version, [], {}, {}, AbortSignal.timeout(API_PROBE_TIMEOUT_MS))
    return true
  } catch (err) {
    const name = (err as { name?: string }).name
    return name !== ApiUnreachableError.name && !isAbortError(err)
  }
}

/**
 * Where a CLI command runs: on the repo opened in this process, or through a running daemon's RPC
 * API. The repo lock decides, not the api file, so a stale api file left by a crashed daemon never
 * sends a command to nowhere.
 */
import { isAbortError } from '../../errors/abort.ts'
import { readFile } from 'node:fs/promises'
import { ApiUnreachableError, InvalidArgumentError, messageOf, RepoLockedError } from '../../errors/index.ts'
import { openNode, type Command, type CoreNode } from '../../core/index.ts'
import { version } from '../../core/commands/init.ts'
import { initRepo, isInitialized, repoPaths } from '../../repo/index.ts'
import type { RpcClient } from '../../http-api/index.ts'

/** How long the CLI waits for a daemon's API to answer before calling the lock an error. */
const API_PROBE_TIMEOUT_MS = 5000

/** A command's target: the repo opened here, or a daemon's RPC API. */
export type CommandTarget = { kind: 'local', node: CoreNode } | { kind: 'remote', client: RpcClient }

/** The RPC client, loaded only when a daemon is to be used (not by every offline command). */
async function rpcClient (): Promise<typeof import('../../http-api/rpc-client.ts').createRpcClient> {
  return (await import('../../http-api/rpc-client.ts')).createRpcClient
}

/**
 * Where a command runs, decided by the repo lock (not by the api file): `--api`/`CAIRN_API` name
 * a daemon explicitly; else a free lock means opening the repo here (a stale api file is
 * ignored); a held lock with an api file that answers means the daemon's RPC API; a held lock
 * otherwise is an error naming the holder.
 */
export async function chooseTarget (command: Command, repoPath: string, rawOptions: Record<string, unknown>): Promise<CommandTarget> {
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
  if (!(await isInitialized(repoPath))) {
    process.stderr.write(`initializing a new repo at ${repoPath}\n`)
    await initRepo(repoPath)
  }
  try {
    return { kind: 'local', node: await openNode(repoPath, { offline: true, command: `cairn ${command.path}` }) }
  } catch (err) {
    if ((err as { name?: string }).name !== RepoLockedError.name || command.localOnly === true) throw err
    const api = await readFile(repoPaths(repoPath).api, 'utf8').catch(() => undefined)
    if (api == null || api.trim() === '') throw err
    const client = (await rpcClient())({ api: api.trim(), auth })
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

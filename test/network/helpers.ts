/** Real `cairn daemon` processes on loopback for network tests: start, restart, stop, clean up. */
import { createTestRepo, type TestRepo } from '../helpers/cli.ts'
import { killDaemon, startDaemon as startRunningDaemon, type RunningDaemon } from '../helpers/daemon.ts'

export { killDaemon, stopDaemon } from '../helpers/daemon.ts'

/**
 * How long a network daemon may take to be ready: several start at once, each with a libp2p
 * host, on a machine the other tests load too.
 */
export const NETWORK_DAEMON_READY_TIMEOUT_MS = 60_000

/** One running daemon and its repo, with its identity on the network. */
export interface Daemon extends RunningDaemon {
  id: string
  /** Its first swarm address (with `/p2p/`). */
  addr: string
}

/**
 * Starts a daemon on `repo` (a new test repo if none, removed again if the start fails);
 * `config` runs `cairn config` lines first, `env` is added to its environment (`DEBUG` to watch
 * a component's log in {@link Daemon.output}).
 */
export async function startDaemon (options: { repo?: TestRepo, config?: string[][], env?: NodeJS.ProcessEnv } = {}): Promise<Daemon> {
  const repo = options.repo ?? await createTestRepo()
  let daemon: RunningDaemon | undefined
  try {
    for (const line of options.config ?? []) {
      const set = await repo.run(['config', ...line])
      if (set.code !== 0) throw new Error(`cairn config ${line.join(' ')} failed: ${set.stderr}`)
    }
    daemon = await startRunningDaemon(repo, { env: options.env, timeoutMs: NETWORK_DAEMON_READY_TIMEOUT_MS })
    const id = JSON.parse((await repo.run(['id', '--enc=json'])).out) as { ID: string, Addresses: string[] }
    // an announced gateway (`HTTPRetrieval.Announce`) is listed too, but is no libp2p address
    return { ...daemon, id: id.ID, addr: id.Addresses.find(a => !/\/https?(\/|$)/.test(a)) ?? id.Addresses[0] }
  } catch (err) {
    if (daemon != null) await killDaemon(daemon)
    if (options.repo == null) await repo.cleanup()
    throw err
  }
}

/** Runs a command and fails with its output unless it exits 0. */
export async function ok (repo: TestRepo, args: string[]): Promise<string> {
  const result = await repo.run(args)
  if (result.code !== 0) throw new Error(`cairn ${args.join(' ')} exited ${result.code}: ${result.stderr}`)
  return result.out
}

/** Real `cairn daemon` processes on loopback for network tests: start, restart, stop, clean up. */
import type { ChildProcess } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { captureOutput, createTestRepo, type TestRepo } from '../helpers/cli.ts'
import { waitFor } from '../helpers/wait.ts'

/** One running daemon and its repo. */
export interface Daemon {
  repo: TestRepo
  child: ChildProcess
  output: () => string
  id: string
  /** Its first swarm address (with `/p2p/`). */
  addr: string
  /** Its gateway, `http://127.0.0.1:N`. */
  gateway: string
}

/**
 * Starts a daemon on `repo` (a new test repo if none); `config` runs `cairn config` lines first,
 * `env` is added to its environment (`DEBUG` to watch a component's log in {@link Daemon.output}).
 */
export async function startDaemon (options: { repo?: TestRepo, config?: string[][], env?: NodeJS.ProcessEnv } = {}): Promise<Daemon> {
  const repo = options.repo ?? await createTestRepo()
  for (const line of options.config ?? []) {
    const set = await repo.run(['config', ...line])
    if (set.code !== 0) throw new Error(`cairn config ${line.join(' ')} failed: ${set.stderr}`)
  }
  const child = repo.spawn(['daemon'], { env: options.env })
  const output = captureOutput(child)
  await waitFor(() => {
    if (child.exitCode != null || child.signalCode != null) throw new Error(`daemon exited with ${child.exitCode}: ${output()}`)
    return output().includes('Daemon is ready')
  }, { timeout: 60_000, message: () => `the daemon to be ready: ${output()}` })
  const id = JSON.parse((await repo.run(['id', '--enc=json'])).out) as { ID: string, Addresses: string[] }
  const gatewayAddr = (await readFile(join(repo.path, 'gateway'), 'utf8')).trim()
  return { repo, child, output, id: id.ID, addr: id.Addresses.find(a => !/\/https?(\/|$)/.test(a)) ?? id.Addresses[0], gateway: `http://127.0.0.1:${gatewayAddr.split('/')[4]}` }
}

/** Kills a daemon at once (no clean shutdown), as a crash would, and waits for it to be gone. */
export async function killDaemon (daemon: Daemon): Promise<void> {
  if (daemon.child.exitCode != null || daemon.child.signalCode != null) return
  const gone = new Promise(resolve => daemon.child.once('close', resolve))
  daemon.child.kill('SIGKILL')
  await gone
}

/** Runs a command and fails with its output unless it exits 0. */
export async function ok (repo: TestRepo, args: string[]): Promise<string> {
  const result = await repo.run(args)
  if (result.code !== 0) throw new Error(`cairn ${args.join(' ')} exited ${result.code}: ${result.stderr}`)
  return result.out
}

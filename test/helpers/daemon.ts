/**
 * The one way tests run a real `cairn daemon`: start it on a test repo, wait for "Daemon is
 * ready", read where its RPC API and gateway listen, and stop or kill it afterwards. Tests that
 * watch a daemon fail to start spawn it themselves (`repo.run(['daemon'])`).
 */
import type { ChildProcess } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { captureOutput, type TestRepo } from './cli.ts'
import { waitFor } from './wait.ts'

/** The line a daemon prints once its API and gateway listen and their files are written. */
export const DAEMON_READY = 'Daemon is ready'

/**
 * How long {@link startDaemon} waits for {@link DAEMON_READY}, unless told otherwise: under
 * vitest's hook timeout (60 s), so a daemon that never comes up fails with its output rather
 * than with a bare hook timeout.
 */
export const DEFAULT_DAEMON_READY_TIMEOUT_MS = 30_000

/** Options of {@link startDaemon}. */
export interface StartDaemonOptions {
  /** Arguments after `daemon`, e.g. `['--offline']`. Default: none. */
  args?: string[]
  /** Added to the daemon's environment (on top of the repo's `CAIRN_PATH`). Default: none. */
  env?: NodeJS.ProcessEnv
  /** How long to wait for the daemon to be ready. Default {@link DEFAULT_DAEMON_READY_TIMEOUT_MS}. */
  timeoutMs?: number
}

/** A `cairn daemon` that has said it is ready. */
export interface RunningDaemon {
  repo: TestRepo
  child: ChildProcess
  /** Everything it printed on stdout and stderr so far. */
  output: () => string
  /** Its exit code once it has exited and closed its output (`null` after a signal kill). */
  exited: Promise<number | null>
  /** The RPC API's multiaddr, as in the repo's `api` file (for `--api` and `CAIRN_API`). */
  apiAddr: string
  /** The RPC API as a URL, `http://127.0.0.1:N` (for kubo-rpc-client and fetch). */
  api: string
  /** The gateway as a URL, `http://127.0.0.1:N`, from the repo's `gateway` file. */
  gateway: string
}

/** `http://host:port` of a `/ip4/…/tcp/…` or `/ip6/…/tcp/…` address, as the daemon writes them. */
function httpUrlOf (multiaddr: string): string {
  const match = /^\/(ip4|ip6)\/([^/]+)\/tcp\/(\d+)$/.exec(multiaddr)
  if (match == null) throw new Error(`not a TCP address: ${multiaddr}`)
  const [, family, host, port] = match
  return `http://${family === 'ip6' ? `[${host}]` : host}:${port}`
}

/**
 * Starts `cairn daemon` on `repo` and resolves once it prints {@link DAEMON_READY}. If it exits
 * first, or is not ready in time, it is killed and the error carries its output.
 */
export async function startDaemon (repo: TestRepo, options: StartDaemonOptions = {}): Promise<RunningDaemon> {
  const child = repo.spawn(['daemon', ...options.args ?? []], { env: options.env })
  const output = captureOutput(child)
  const exited = new Promise<number | null>(resolve => child.once('close', (code) => { resolve(code) }))
  try {
    await waitFor(() => {
      if (child.exitCode != null || child.signalCode != null) {
        throw new Error(`the daemon exited with ${child.exitCode ?? child.signalCode} before it was ready: ${output()}`)
      }
      return output().includes(DAEMON_READY)
    }, { timeout: options.timeoutMs ?? DEFAULT_DAEMON_READY_TIMEOUT_MS, message: () => `the daemon to be ready; output so far: ${output()}` })
  } catch (err) {
    child.kill('SIGKILL')
    await exited
    throw err
  }
  // both files are written before the ready line, so they are this daemon's, not a stale one's
  const apiAddr = (await readFile(join(repo.path, 'api'), 'utf8')).trim()
  const gatewayAddr = (await readFile(join(repo.path, 'gateway'), 'utf8')).trim()
  return { repo, child, output, exited, apiAddr, api: httpUrlOf(apiAddr), gateway: httpUrlOf(gatewayAddr) }
}

/** Whether the daemon's process has already ended. */
function gone (daemon: RunningDaemon): boolean {
  return daemon.child.exitCode != null || daemon.child.signalCode != null
}

/**
 * Stops a daemon as a user would (SIGTERM: a clean shutdown) and resolves with its exit code once
 * it has closed; a daemon already gone just gives its exit code.
 */
export async function stopDaemon (daemon: RunningDaemon): Promise<number | null> {
  if (!gone(daemon)) daemon.child.kill('SIGTERM')
  return await daemon.exited
}

/**
 * Kills a daemon at once (SIGKILL: no clean shutdown, its api file stays behind), as a crash
 * would, and resolves once it has closed; a daemon already gone is left as it is.
 */
export async function killDaemon (daemon: RunningDaemon): Promise<void> {
  if (!gone(daemon)) daemon.child.kill('SIGKILL')
  await daemon.exited
}

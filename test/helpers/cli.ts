import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The real `cairn` binary, as a user runs it. */
export const CAIRN_BIN = fileURLToPath(new URL('../../bin/cairn.js', import.meta.url))

/** A generous guard: commands that should fail promptly must not hang the suite. */
export const COMMAND_TIMEOUT_MS = 60_000

export interface RunResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: Buffer
  stderr: string
  /** stdout as text */
  out: string
}

export interface RunOptions {
  input?: Uint8Array | string
  env?: NodeJS.ProcessEnv
  cwd?: string
  timeoutMs?: number
}

/** A temporary repo folder and a `cairn` bound to it. */
export interface TestRepo {
  path: string
  dir: string
  env: NodeJS.ProcessEnv
  run(args: string[], options?: RunOptions): Promise<RunResult>
  spawn(args: string[], options?: RunOptions): ChildProcess
  cleanup(): Promise<void>
}

/** Runs the cairn binary to completion. */
export function runCairn (args: string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawnCairn(args, options)
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout?.on('data', (d: Buffer) => out.push(d))
    child.stderr?.on('data', (d: Buffer) => err.push(d))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`cairn ${args.join(' ')} did not finish within ${options.timeoutMs ?? COMMAND_TIMEOUT_MS} ms`))
    }, options.timeoutMs ?? COMMAND_TIMEOUT_MS)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      const stdout = Buffer.concat(out)
      resolve({ code, signal, stdout, out: stdout.toString('utf8'), stderr: Buffer.concat(err).toString('utf8') })
    })
    if (options.input != null) child.stdin?.end(options.input)
    else child.stdin?.end()
  })
}

/** Starts the cairn binary and returns the child (for signals and streaming). */
export function spawnCairn (args: string[], options: RunOptions = {}): ChildProcess {
  return spawn(process.execPath, [CAIRN_BIN, ...args], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe']
  })
}

/** Makes a temporary folder with a repo path inside (not yet initialised). */
export async function createTestRepo (options: { init?: boolean, profiles?: string[] } = {}): Promise<TestRepo> {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-test-'))
  const path = join(dir, 'repo')
  const env = { CAIRN_PATH: path }
  const repo: TestRepo = {
    path,
    dir,
    env,
    run: (args, opts = {}) => runCairn(args, { ...opts, env: { ...env, ...opts.env } }),
    spawn: (args, opts = {}) => spawnCairn(args, { ...opts, env: { ...env, ...opts.env } }),
    cleanup: () => rm(dir, { recursive: true, force: true })
  }
  if (options.init !== false) {
    const profiles = ['test', ...(options.profiles ?? [])].join(',')
    const result = await repo.run(['init', '--profile', profiles])
    if (result.code !== 0) throw new Error(`cairn init failed: ${result.stderr}`)
  }
  return repo
}

/**
 * Collects everything a child prints on stdout and stderr, from now on; the returned function
 * gives the text so far (for waiting on a line, and for the error when it never comes).
 */
export function captureOutput (child: ChildProcess): () => string {
  let output = ''
  child.stdout?.on('data', (d: Buffer) => { output += d.toString() })
  child.stderr?.on('data', (d: Buffer) => { output += d.toString() })
  return () => output
}

/** Total bytes in a repo's pack files: grows while an add writes blocks. */
export async function packBytes (repoPath: string): Promise<number> {
  const dir = join(repoPath, 'blocks', 'packs')
  let total = 0
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    total += (await stat(join(dir, name)).catch(() => ({ size: 0 }))).size
  }
  return total
}

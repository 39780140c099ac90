/**
 * Shared helpers of the benchmarks: child processes timed from the outside (wall clock, and peak
 * RSS from `/usr/bin/time -f %M`), the `cairn` CLI on throw-away repos, input files, statistics,
 * machine facts and markdown tables.
 *
 * Units: MB = 10^6 bytes (throughput and RSS), MiB = 2^20 bytes (input sizes).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createHash, randomFillSync } from 'node:crypto'
import { createReadStream, createWriteStream, existsSync } from 'node:fs'
import { mkdir, readFile, rm, stat } from 'node:fs/promises'
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { once } from 'node:events'

export const ROOT = join(import.meta.dirname, '..')
export const BENCH_DIR = import.meta.dirname
export const DATA_DIR = join(BENCH_DIR, 'data')
export const RESULTS_DIR = join(BENCH_DIR, 'results')
/** The `cairn` under test; `CAIRN_BENCH_BIN` points at another checkout (e.g. a baseline). */
export const CAIRN_BIN = process.env.CAIRN_BENCH_BIN ?? join(ROOT, 'bin', 'cairn.js')
/** The Node that runs the benchmarks runs every child too (Node 24 via `npm run bench`). */
export const NODE = process.execPath

export const MiB = 1024 * 1024

/** `256M` → 268435456, `1G` → 1073741824 (binary units). */
export function parseSize (text: string): number {
  const match = /^(\d+)\s*([KMG]?)i?B?$/i.exec(text.trim())
  if (match == null) throw new Error(`not a size: "${text}" (use e.g. 256M or 1G)`)
  const scale = { '': 1, K: 1024, M: MiB, G: 1024 * MiB }[match[2].toUpperCase() as '' | 'K' | 'M' | 'G']
  return Number(match[1]) * scale
}

/** 268435456 → `256 MiB`. */
export function sizeLabel (bytes: number): string {
  if (bytes % (1024 * MiB) === 0) return `${bytes / (1024 * MiB)} GiB`
  if (bytes % MiB === 0) return `${bytes / MiB} MiB`
  return `${bytes} B`
}

/** The result of one timed child process. */
export interface Measured {
  /** wall-clock seconds from spawn to exit, as the driver sees them */
  seconds: number
  /** peak resident set size in bytes (`/usr/bin/time -f %M`), or NaN when unknown */
  rss: number
  /**
   * CPU seconds (user + system) of the process and the children it waited for (`/usr/bin/time
   * -f '%U %S'`), or NaN when unknown: on a shared machine a steadier figure than the wall clock
   */
  cpu: number
  stdout: string
  stderr: string
  /** bytes written to stdout (when counted rather than captured) */
  stdoutBytes: number
  /** sha256 (hex) of stdout when asked for */
  stdoutSha256?: string
  /** 1-minute load average just before the start */
  load: number
}

export interface MeasureOptions {
  env?: NodeJS.ProcessEnv
  cwd?: string
  /**
   * What to do with stdout: keep it as text (default); count (and optionally hash) it here, read
   * from the socket pair Node gives a child; or, as a shell pipeline would, send it through a
   * real pipe into `wc -c` (`pipe`) or `sha256sum` (`pipe-hash`), or to `/dev/null` (`devnull`).
   * With the shell forms, `stdoutBytes` / `stdoutSha256` come from `wc` / `sha256sum`.
   */
  stdout?: 'capture' | 'count' | 'hash' | 'pipe' | 'pipe-hash' | 'devnull'
  /** fail unless the exit code is 0 (default true) */
  check?: boolean
}

let timeFileCounter = 0

/**
 * Runs `command args…` under `/usr/bin/time -f %M` and measures its wall time (see
 * {@link MeasureOptions.stdout} for where its output goes).
 */
export async function measure (command: string, args: string[], options: MeasureOptions = {}): Promise<Measured> {
  const timeFile = join(tmpdir(), `cairn-bench-time-${process.pid}-${timeFileCounter++}`)
  const load = loadavg()[0]
  const mode = options.stdout ?? 'capture'
  const shell = { pipe: '"$@" | wc -c', 'pipe-hash': '"$@" | sha256sum', devnull: '"$@" > /dev/null' }[mode as string]
  const argv = shell == null
    ? [command, ...args]
    // peak RSS of bash is the largest of its waited-for children: the command's
    : ['bash', '-c', `set -o pipefail; ${shell}`, 'bash', command, ...args]
  const started = process.hrtime.bigint()
  const child = spawn('/usr/bin/time', ['-f', '%U %S %M', '-o', timeFile, ...argv], {
    cwd: options.cwd ?? ROOT,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe']
  })
  const out: Buffer[] = []
  const err: Buffer[] = []
  let stdoutBytes = 0
  const hash = mode === 'hash' ? createHash('sha256') : undefined
  child.stdout.on('data', (chunk: Buffer) => {
    stdoutBytes += chunk.length
    if (mode === 'capture' || shell != null) out.push(chunk)
    else hash?.update(chunk)
  })
  child.stderr.on('data', (chunk: Buffer) => { err.push(chunk) })
  const [code] = await once(child, 'close') as [number | null]
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  const rssText = await readFile(timeFile, 'utf8').catch(() => '')
  await rm(timeFile, { force: true })
  // with a failing command, GNU time writes "Command exited with non-zero status N" first
  const [user, system, rssKiB] = (rssText.trim().split('\n').pop() ?? '').split(' ').map(Number)
  const stdout = Buffer.concat(out).toString('utf8')
  const result: Measured = {
    seconds,
    rss: Number.isFinite(rssKiB) ? rssKiB * 1024 : NaN,
    cpu: Number.isFinite(user) && Number.isFinite(system) ? user + system : NaN,
    stdout,
    stderr: Buffer.concat(err).toString('utf8'),
    stdoutBytes,
    stdoutSha256: hash?.digest('hex'),
    load
  }
  if (mode === 'pipe') result.stdoutBytes = Number(stdout.trim())
  if (mode === 'pipe-hash') result.stdoutSha256 = stdout.trim().split(/\s+/)[0]
  if ((options.check ?? true) && code !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited with ${code}:\n${result.stderr.slice(-2000)}`)
  }
  return result
}

/** Runs a command to completion without measuring it; returns stdout. */
export async function run (command: string, args: string[], options: { env?: NodeJS.ProcessEnv, cwd?: string } = {}): Promise<string> {
  const child = spawn(command, args, { cwd: options.cwd ?? ROOT, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] })
  const out: Buffer[] = []
  const err: Buffer[] = []
  child.stdout.on('data', (chunk: Buffer) => out.push(chunk))
  child.stderr.on('data', (chunk: Buffer) => err.push(chunk))
  const [code] = await once(child, 'close') as [number | null]
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${code}:\n${Buffer.concat(err).toString('utf8').slice(-2000)}`)
  return Buffer.concat(out).toString('utf8')
}

/** The environment of a `cairn` call on the repo at `repo`. */
export function cairnEnv (repo: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, CAIRN_PATH: repo, ...extra }
  delete env.CAIRN_API
  delete env.CAIRN_API_AUTH
  return env
}

/** A fresh repo at `repo` (wiping whatever was there) with the `test` profile and `profile`. */
export async function freshRepo (repo: string, profile: string): Promise<void> {
  await rm(repo, { recursive: true, force: true })
  await run(NODE, [CAIRN_BIN, 'init', '--profile', `test,${profile}`], { env: cairnEnv(repo) })
}

/** A running `cairn daemon` on `repo`. */
export interface Daemon {
  child: ChildProcess
  /** the API's base URL, e.g. `http://127.0.0.1:41234` */
  url: string
  /** peak RSS so far (VmHWM) in bytes */
  peakRss(): Promise<number>
  /** CPU seconds (user + system) the daemon has used so far */
  cpu(): Promise<number>
  stop(): Promise<void>
}

/** Starts `cairn daemon` on an initialised repo and waits for `Daemon is ready`. */
export async function startDaemon (repo: string, args: string[] = ['--offline'], env: NodeJS.ProcessEnv = {}): Promise<Daemon> {
  const child = spawn(NODE, [CAIRN_BIN, 'daemon', ...args], { cwd: ROOT, env: cairnEnv(repo, env), stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString('utf8')
      if (output.includes('Daemon is ready')) resolve()
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.once('exit', (code) => { reject(new Error(`the daemon exited (${code}) before it was ready:\n${output}`)) })
  })
  const timer = setTimeout(() => { child.kill('SIGKILL') }, 60_000)
  try {
    await ready
  } finally {
    clearTimeout(timer)
  }
  const api = (await readFile(join(repo, 'api'), 'utf8')).trim()
  const match = /^\/ip4\/([^/]+)\/tcp\/(\d+)/.exec(api)
  if (match == null) throw new Error(`unexpected api file: ${api}`)
  return {
    child,
    url: `http://${match[1]}:${match[2]}`,
    async peakRss () {
      const status = await readFile(`/proc/${child.pid}/status`, 'utf8').catch(() => '')
      const hwm = /VmHWM:\s+(\d+) kB/.exec(status)
      return hwm == null ? NaN : Number(hwm[1]) * 1024
    },
    async cpu () {
      // fields 14 and 15 of /proc/PID/stat (after the parenthesised name): utime, stime in ticks
      const stat = await readFile(`/proc/${child.pid}/stat`, 'utf8').catch(() => '')
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      return fields.length < 13 ? NaN : (Number(fields[11]) + Number(fields[12])) / 100
    },
    async stop () {
      if (child.exitCode != null || child.signalCode != null) return
      const exited = once(child, 'exit')
      child.kill('SIGTERM')
      const force = setTimeout(() => { child.kill('SIGKILL') }, 15_000)
      await exited
      clearTimeout(force)
    }
  }
}

/** A random file of `bytes` bytes in bench/data (made once, kept for later runs). */
export async function randomFile (bytes: number): Promise<string> {
  await mkdir(DATA_DIR, { recursive: true })
  const path = join(DATA_DIR, `random-${bytes}.bin`)
  const existing = await stat(path).catch(() => undefined)
  if (existing?.size === bytes) return path
  const out = createWriteStream(path)
  const piece = Buffer.allocUnsafe(4 * MiB)
  for (let left = bytes; left > 0; left -= piece.length) {
    randomFillSync(piece)
    const n = Math.min(left, piece.length)
    if (!out.write(n === piece.length ? Buffer.from(piece) : piece.subarray(0, n))) await once(out, 'drain')
  }
  out.end()
  await once(out, 'close')
  return path
}

/** sha256 of a file (hex); also pulls it into the page cache. */
export async function sha256File (path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path, { highWaterMark: 4 * MiB })) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

/** Reads a file (or every file of a tree, via `cat`) so it sits in the page cache. */
export async function warmPageCache (path: string): Promise<void> {
  const info = await stat(path)
  if (info.isDirectory()) {
    await run('sh', ['-c', 'find "$1" -type f -exec cat {} + > /dev/null', 'sh', path])
  } else {
    await run('sh', ['-c', 'cat "$1" > /dev/null', 'sh', path])
  }
}

export function median (xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2
}

export function mbps (bytes: number, seconds: number): number {
  return bytes / 1e6 / seconds
}

/** Summary of a throughput cell: median and minimum MB/s, median peak RSS and CPU, loads. */
export interface Cell {
  /** MB/s of every run, in run order */
  runs: number[]
  median: number
  min: number
  /** median peak RSS in bytes (NaN when unknown) */
  rss: number
  maxRss: number
  /** median CPU seconds (user + system) per run (NaN when unknown) */
  cpu: number
  loads: number[]
}

export function cell (bytes: number, measured: Array<Pick<Measured, 'seconds' | 'rss' | 'load'> & { cpu?: number }>): Cell {
  const runs = measured.map(m => mbps(bytes, m.seconds))
  const rsses = measured.map(m => m.rss)
  return {
    runs,
    median: median(runs),
    min: Math.min(...runs),
    rss: median(rsses),
    maxRss: Math.max(...rsses),
    cpu: median(measured.map(m => m.cpu ?? NaN)),
    loads: measured.map(m => m.load)
  }
}

export const fmt = {
  mbps: (x: number): string => Number.isFinite(x) ? (x >= 100 ? x.toFixed(0) : x.toFixed(1)) : '–',
  mb: (bytes: number): string => Number.isFinite(bytes) ? (bytes / 1e6).toFixed(0) : '–',
  s: (seconds: number): string => Number.isFinite(seconds) ? seconds.toFixed(seconds < 1 ? 3 : 2) : '–',
  ms: (seconds: number): string => Number.isFinite(seconds) ? (seconds * 1000).toFixed(0) : '–',
  ratio: (x: number): string => Number.isFinite(x) ? `${x.toFixed(2)}×` : '–',
  pct: (x: number): string => Number.isFinite(x) ? `${(x * 100).toFixed(0)}%` : '–',
  loads: (xs: number[]): string => xs.length === 0 ? '–' : `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}`
}

/** A markdown table. */
export function table (header: string[], rows: string[][]): string {
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n')
}

/** The facts every result is given with. */
export async function machine (): Promise<string> {
  const cpuinfo = await readFile('/proc/cpuinfo', 'utf8').catch(() => '')
  const model = /model name\s*:\s*(.+)/.exec(cpuinfo)?.[1] ?? cpus()[0]?.model ?? 'unknown'
  const uptime = await run('uptime', []).catch(() => '')
  return [
    `- date: ${new Date().toISOString()}`,
    `- machine: ${availableParallelism()} CPUs (nproc), ${model}`,
    `- Node ${process.version}`,
    `- load at start (uptime): ${uptime.trim()}`
  ].join('\n')
}

/** Parses `--name value` flags into a record (repeated flags: the last wins). */
export function flags (argv: string[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (!arg.startsWith('--')) continue
    const eq = arg.indexOf('=')
    if (eq !== -1) {
      out[arg.slice(2, eq)] = arg.slice(eq + 1)
    } else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) {
      out[arg.slice(2)] = argv[++i]
    } else {
      out[arg.slice(2)] = 'true'
    }
  }
  return out
}

/** Writes a benchmark's markdown section where the runner asked for it (`--md FILE`), and prints it. */
export async function emit (markdown: string, mdPath: string | undefined): Promise<void> {
  console.log(`\n${markdown}\n`)
  if (mdPath != null) {
    const { writeFile } = await import('node:fs/promises')
    await writeFile(mdPath, markdown + '\n')
  }
}

/** A timestamped progress line on stderr. */
export function log (message: string): void {
  const load = loadavg()[0].toFixed(2)
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)} load ${load}] ${message}\n`)
}

export { existsSync }

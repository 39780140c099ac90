/**
 * Bitswap between two processes on loopback, tcp+noise+yamux (issue 12, "Performance").
 *
 *   node bench/bitswap.ts [--sizes 256M,1G] [--runs 3] [--seeders 5] [--only cairn,helia,raw,multi,ttfb] [--provide off]
 *                         [--cpu-prof DIR] [--node-options '--flag …'] [--md FILE] [--json FILE]
 *
 * For each size, alternating in each run:
 * - Cairn: two `cairn daemon`s (test profile); `cairn add --cid-version 1 --raw-leaves` on the
 *   seeder, `cairn swarm connect` from the leecher, then the clock runs over `cairn cat CID`
 *   on the leecher (through its RPC API, into a pipe) — every block fetched by Bitswap, verified
 *   and stored. Peak RSS is the leecher daemon's VmHWM.
 * - Helia↔Helia: `bench/peers/helia-peer.ts` seed and leech (helia + @helia/bitswap, the same
 *   DAG shape: CIDv1, raw leaves, 256 KiB chunks), timed inside the leecher from dial to last byte.
 * - raw stream: `bench/peers/raw-stream.ts`, the same bytes over one libp2p stream: the ceiling.
 * Then five seeders → one leecher against one seeder (Cairn), and the time to first byte of a
 * 1 MiB file from a connected peer that was never asked before.
 *
 * CPU time per MB is given for both sides of each transfer (user + system, from /proc for the
 * serving process, process.cpuUsage() for a leecher that times itself), since wall time on a
 * loaded machine says less than CPU time. `--cpu-prof DIR` writes V8 CPU profiles of the Cairn
 * daemons there (`node --cpu-prof`), `--node-options` passes V8/Node flags to the daemons (to see,
 * say, what the young generation's size does to peak RSS); `--only` runs a subset.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdir, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import {
  BENCH_DIR, CAIRN_BIN, DATA_DIR, NODE, cairnEnv, emit, flags, fmt, freshRepo, log, machine, median,
  mbps, parseSize, randomFile, run, sizeLabel, startDaemon, table, type Daemon
} from './lib.ts'

const args = flags(process.argv.slice(2))
const SIZES = (args.sizes ?? '256M,1G').split(',').map(parseSize)
const RUNS = Number(args.runs ?? 3)
const SEEDERS = Number(args.seeders ?? 5)
const WORK = join(DATA_DIR, `bitswap-${process.pid}`)
const ONLY = new Set((args.only ?? 'cairn,helia,raw,multi,ttfb').split(','))
/**
 * `--provide off`: the daemons announce nothing. By default they do as a user's would: each
 * seeder's added blocks are provided to the DHT the moment it connects, and with five seeders
 * those sweeps (an ADD_PROVIDER stream per key and peer) took 3× the CPU of serving the file.
 */
const PROVIDE = args.provide !== 'off'
const DAEMON_NODE_OPTIONS = [
  args['cpu-prof'] != null ? `--cpu-prof --cpu-prof-dir=${args['cpu-prof']}` : '',
  args['node-options'] ?? ''
].join(' ').trim()
const DAEMON_ENV: NodeJS.ProcessEnv = DAEMON_NODE_OPTIONS === '' ? {} : { NODE_OPTIONS: DAEMON_NODE_OPTIONS }

/** One transfer: MB/s, the leecher's peak RSS, and CPU ms per MB on each side. */
interface Transfer {
  mbps: number
  rss: number
  seedCpuMsPerMB: number
  leechCpuMsPerMB: number
}

/** CPU seconds (user + system) a process has used, from /proc. */
async function procCpu (pid: number | undefined): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return fields.length < 13 ? NaN : (Number(fields[11]) + Number(fields[12])) / 100
}

const msPerMB = (cpuSeconds: number, bytes: number): number => cpuSeconds * 1000 / (bytes / 1e6)

const cairn = async (repo: string, ...argv: string[]): Promise<string> => (await run(NODE, [CAIRN_BIN, ...argv], { env: cairnEnv(repo) })).trim()

/** Starts a child that prints one line when ready; returns it and that line. */
async function startPeer (argv: string[]): Promise<{ child: ChildProcess, line: string }> {
  const child = spawn(NODE, argv, { stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  const line = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8')
      if (out.includes('\n')) resolve(out.trim())
    })
    child.once('exit', code => { reject(new Error(`peer exited (${code}) before it was ready`)) })
  })
  return { child, line }
}

async function stopPeer (child: ChildProcess): Promise<void> {
  if (child.exitCode != null || child.signalCode != null) return
  const exited = once(child, 'exit')
  child.kill('SIGTERM')
  const force = setTimeout(() => { child.kill('SIGKILL') }, 10_000)
  await exited
  clearTimeout(force)
}

async function daemonPair (seeders: number): Promise<{ seeders: Array<{ repo: string, daemon: Daemon }>, leecher: { repo: string, daemon: Daemon }, stop: () => Promise<void> }> {
  const all: Array<{ repo: string, daemon: Daemon }> = []
  for (let i = 0; i <= seeders; i++) {
    const repo = join(WORK, `repo-${i}`)
    await freshRepo(repo, 'unixfs-v0-2015')
    if (!PROVIDE) await run(NODE, [CAIRN_BIN, 'config', '--json', 'Provide.Enabled', 'false'], { env: cairnEnv(repo) })
    all.push({ repo, daemon: await startDaemon(repo, [], DAEMON_ENV) })
  }
  const [leecher, ...rest] = all
  return { seeders: rest, leecher, stop: async () => { await Promise.all(all.map(async p => { await p.daemon.stop() })) } }
}

async function connectTo (from: string, to: string): Promise<void> {
  const id = JSON.parse(await cairn(to, 'id', '--enc=json')) as { Addresses: string[] }
  await cairn(from, 'swarm', 'connect', id.Addresses[0])
}

/** `cairn cat CID | wc -c` on the leecher, timed. */
async function timedCat (repo: string, cid: string): Promise<{ bytes: number, seconds: number }> {
  const start = process.hrtime.bigint()
  const out = await run('sh', ['-c', `"$1" "$2" cat "$3" | wc -c`, 'sh', NODE, CAIRN_BIN, cid], { env: cairnEnv(repo) })
  return { bytes: Number(out.trim()), seconds: Number(process.hrtime.bigint() - start) / 1e9 }
}

async function cairnRun (file: string, size: number, seeders: number): Promise<Transfer> {
  const swarm = await daemonPair(seeders)
  try {
    let cid = ''
    for (const s of swarm.seeders) {
      cid = await cairn(s.repo, 'add', '-Q', '--cid-version', '1', '--raw-leaves', file)
      await connectTo(swarm.leecher.repo, s.repo)
    }
    const seedCpu = async (): Promise<number> => (await Promise.all(swarm.seeders.map(async s => await s.daemon.cpu()))).reduce((a, b) => a + b, 0)
    const seed0 = await seedCpu()
    const leech0 = await swarm.leecher.daemon.cpu()
    const { bytes, seconds } = await timedCat(swarm.leecher.repo, cid)
    if (bytes !== size) throw new Error(`cat returned ${bytes} bytes, expected ${size}`)
    return {
      mbps: mbps(size, seconds),
      rss: await swarm.leecher.daemon.peakRss(),
      seedCpuMsPerMB: msPerMB(await seedCpu() - seed0, size),
      leechCpuMsPerMB: msPerMB(await swarm.leecher.daemon.cpu() - leech0, size)
    }
  } finally {
    await swarm.stop()
  }
}

async function heliaRun (file: string, size: number): Promise<Transfer> {
  const seed = await startPeer([join(BENCH_DIR, 'peers', 'helia-peer.ts'), 'seed', file])
  try {
    const [addr, cid] = seed.line.split(' ')
    const seed0 = await procCpu(seed.child.pid)
    const out = (await run(NODE, [join(BENCH_DIR, 'peers', 'helia-peer.ts'), 'leech', addr, cid])).trim().split(' ').map(Number)
    if (out[0] !== size) throw new Error(`helia returned ${out[0]} bytes, expected ${size}`)
    return { mbps: mbps(size, out[1]), rss: out[2], seedCpuMsPerMB: msPerMB(await procCpu(seed.child.pid) - seed0, size), leechCpuMsPerMB: msPerMB(out[3], size) }
  } finally {
    await stopPeer(seed.child)
  }
}

async function rawRun (size: number): Promise<Transfer> {
  const server = await startPeer([join(BENCH_DIR, 'peers', 'raw-stream.ts'), 'serve', String(size)])
  try {
    const seed0 = await procCpu(server.child.pid)
    const out = (await run(NODE, [join(BENCH_DIR, 'peers', 'raw-stream.ts'), 'fetch', server.line])).trim().split(' ').map(Number)
    if (out[0] !== size) throw new Error(`raw stream returned ${out[0]} bytes, expected ${size}`)
    return { mbps: mbps(size, out[1]), rss: out[2], seedCpuMsPerMB: msPerMB(await procCpu(server.child.pid) - seed0, size), leechCpuMsPerMB: msPerMB(out[3], size) }
  } finally {
    await stopPeer(server.child)
  }
}

/**
 * Milliseconds from asking the leecher's RPC API for `cat` of a 1 MiB file to its first byte, the
 * file on a connected seeder that was never asked for anything before (no process start counted).
 */
async function firstByte (): Promise<number> {
  const swarm = await daemonPair(1)
  try {
    const file = await randomFile(1024 * 1024)
    const cid = await cairn(swarm.seeders[0].repo, 'add', '-Q', '--cid-version', '1', '--raw-leaves', file)
    await connectTo(swarm.leecher.repo, swarm.seeders[0].repo)
    const start = process.hrtime.bigint()
    const res = await fetch(`${swarm.leecher.daemon.url}/api/v0/cat?arg=${cid}`, { method: 'POST' })
    const reader = res.body!.getReader()
    const first = await reader.read()
    const ms = Number(process.hrtime.bigint() - start) / 1e6
    if (!res.ok || first.done === true) throw new Error(`cat answered ${res.status} with no body`)
    await reader.cancel()
    return ms
  } finally {
    await swarm.stop()
  }
}

const cpuCells = (xs: Transfer[]): string => `${xs.length === 0 ? '–' : median(xs.map(x => x.seedCpuMsPerMB)).toFixed(1)} / ${xs.length === 0 ? '–' : median(xs.map(x => x.leechCpuMsPerMB)).toFixed(1)}`

await mkdir(WORK, { recursive: true })
const rows: string[][] = []
const json: Record<string, unknown> = { sizes: [] }
try {
  for (const size of SIZES) {
    if (!ONLY.has('cairn') && !ONLY.has('helia') && !ONLY.has('raw')) break
    const file = await randomFile(size)
    const c: Transfer[] = []
    const h: Transfer[] = []
    const r: Transfer[] = []
    for (let i = 0; i < RUNS; i++) {
      log(`${sizeLabel(size)} run ${i + 1}/${RUNS}`)
      if (ONLY.has('cairn')) c.push(await cairnRun(file, size, 1))
      if (ONLY.has('helia')) h.push(await heliaRun(file, size))
      if (ONLY.has('raw')) r.push(await rawRun(size))
      log(`  Cairn ${fmt.mbps(c.at(-1)?.mbps ?? NaN)}, Helia ${fmt.mbps(h.at(-1)?.mbps ?? NaN)}, raw ${fmt.mbps(r.at(-1)?.mbps ?? NaN)} MB/s`)
    }
    const m = (xs: Transfer[], f: (x: Transfer) => number): number => xs.length === 0 ? NaN : median(xs.map(f))
    const cm = m(c, x => x.mbps)
    const hm = m(h, x => x.mbps)
    const rm_ = m(r, x => x.mbps)
    rows.push([sizeLabel(size), fmt.mbps(cm), fmt.mbps(hm), fmt.mbps(rm_), fmt.ratio(cm / hm), fmt.pct(cm / rm_),
      fmt.mb(m(c, x => x.rss)), fmt.mb(m(h, x => x.rss)), cpuCells(c), cpuCells(h), cpuCells(r)])
    ;(json.sizes as unknown[]).push({ size, cairn: c, helia: h, raw: r })
  }
  const multiSize = SIZES[0]
  let multi = ''
  if (ONLY.has('multi')) {
    const file = await randomFile(multiSize)
    const one: Transfer[] = []
    const many: Transfer[] = []
    for (let i = 0; i < RUNS; i++) {
      log(`${SEEDERS} seeders → 1 leecher against 1 seeder, ${sizeLabel(multiSize)}, run ${i + 1}/${RUNS}`)
      one.push(await cairnRun(file, multiSize, 1))
      many.push(await cairnRun(file, multiSize, SEEDERS))
      log(`  one ${fmt.mbps(one.at(-1)!.mbps)}, ${SEEDERS} ${fmt.mbps(many.at(-1)!.mbps)} MB/s`)
    }
    const om = median(one.map(x => x.mbps))
    const mm = median(many.map(x => x.mbps))
    json.multi = { one, many, seeders: SEEDERS }
    multi = `${SEEDERS} seeders → one leecher (${sizeLabel(multiSize)}, Cairn, medians of ${RUNS} alternating runs): ` +
      `${fmt.mbps(mm)} MB/s against ${fmt.mbps(om)} MB/s from one seeder (${fmt.ratio(mm / om)}); leecher peak RSS ` +
      `${fmt.mb(median(many.map(x => x.rss)))} MB against ${fmt.mb(median(one.map(x => x.rss)))} MB; serving CPU (all seeders) ` +
      `${median(many.map(x => x.seedCpuMsPerMB)).toFixed(1)} against ${median(one.map(x => x.seedCpuMsPerMB)).toFixed(1)} ms/MB` +
      `${PROVIDE ? ' (the seeders provide what they added meanwhile; `--provide off` leaves Bitswap alone)' : ' (providing off)'}.`
  }
  let ttfb = ''
  if (ONLY.has('ttfb')) {
    const times: number[] = []
    for (let i = 0; i < RUNS; i++) times.push(await firstByte())
    json.ttfbMs = times
    ttfb = `Time to first byte of a 1 MiB file from a connected peer never asked before (cat through the leecher's ` +
      `RPC API, from the request to the first byte of the answer; median of ${RUNS}): ${median(times).toFixed(0)} ms.`
  }
  const md = [
    '## Bitswap (two daemons on loopback, tcp+noise+yamux)',
    '',
    await machine(),
    '',
    `Medians of ${RUNS} alternating runs; MB/s of the whole transfer. CPU is user + system ms per MB ` +
      'transferred, serving side / fetching side (the machine may be loaded: CPU time says more than MB/s then).',
    '',
    table(['size', 'Cairn MB/s', 'Helia↔Helia MB/s', 'raw stream MB/s', 'Cairn / Helia', 'Cairn / raw',
      'Cairn leecher peak RSS MB', 'Helia leecher peak RSS MB', 'Cairn CPU ms/MB', 'Helia CPU ms/MB', 'raw CPU ms/MB'], rows),
    '',
    multi,
    '',
    ttfb
  ].join('\n')
  await emit(md, args.md)
  if (args.json != null) {
    const { writeFile } = await import('node:fs/promises')
    await writeFile(args.json, JSON.stringify(json, null, 2))
  }
} finally {
  await rm(WORK, { recursive: true, force: true })
}

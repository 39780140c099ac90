/**
 * Bitswap between two processes on loopback, tcp+noise+yamux (issue 12, "Performance").
 *
 *   node bench/bitswap.ts [--sizes 256M,1G] [--runs 3] [--seeders 5] [--md FILE] [--json FILE]
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
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdir, rm } from 'node:fs/promises'
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
    all.push({ repo, daemon: await startDaemon(repo, []) })
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

async function cairnRun (file: string, size: number, seeders: number): Promise<{ mbps: number, rss: number }> {
  const swarm = await daemonPair(seeders)
  try {
    let cid = ''
    for (const s of swarm.seeders) {
      cid = await cairn(s.repo, 'add', '-Q', '--cid-version', '1', '--raw-leaves', file)
      await connectTo(swarm.leecher.repo, s.repo)
    }
    const { bytes, seconds } = await timedCat(swarm.leecher.repo, cid)
    if (bytes !== size) throw new Error(`cat returned ${bytes} bytes, expected ${size}`)
    return { mbps: mbps(size, seconds), rss: await swarm.leecher.daemon.peakRss() }
  } finally {
    await swarm.stop()
  }
}

async function heliaRun (file: string, size: number): Promise<{ mbps: number, rss: number }> {
  const seed = await startPeer([join(BENCH_DIR, 'peers', 'helia-peer.ts'), 'seed', file])
  try {
    const [addr, cid] = seed.line.split(' ')
    const out = (await run(NODE, [join(BENCH_DIR, 'peers', 'helia-peer.ts'), 'leech', addr, cid])).trim().split(' ').map(Number)
    if (out[0] !== size) throw new Error(`helia returned ${out[0]} bytes, expected ${size}`)
    return { mbps: mbps(size, out[1]), rss: out[2] }
  } finally {
    await stopPeer(seed.child)
  }
}

async function rawRun (size: number): Promise<{ mbps: number }> {
  const server = await startPeer([join(BENCH_DIR, 'peers', 'raw-stream.ts'), 'serve', String(size)])
  try {
    const out = (await run(NODE, [join(BENCH_DIR, 'peers', 'raw-stream.ts'), 'fetch', server.line])).trim().split(' ').map(Number)
    if (out[0] !== size) throw new Error(`raw stream returned ${out[0]} bytes, expected ${size}`)
    return { mbps: mbps(size, out[1]) }
  } finally {
    await stopPeer(server.child)
  }
}

async function firstByte (): Promise<number> {
  const swarm = await daemonPair(1)
  try {
    const file = await randomFile(1024 * 1024)
    const cid = await cairn(swarm.seeders[0].repo, 'add', '-Q', '--cid-version', '1', '--raw-leaves', file)
    await connectTo(swarm.leecher.repo, swarm.seeders[0].repo)
    const start = process.hrtime.bigint()
    await new Promise<void>((resolve, reject) => {
      const child = spawn(NODE, [CAIRN_BIN, 'cat', cid], { env: cairnEnv(swarm.leecher.repo), stdio: ['ignore', 'pipe', 'inherit'] })
      child.stdout.once('data', () => { resolve() })
      child.once('exit', code => { if (code !== 0) reject(new Error(`cat exited ${code}`)) })
    })
    return Number(process.hrtime.bigint() - start) / 1e6
  } finally {
    await swarm.stop()
  }
}

await mkdir(WORK, { recursive: true })
const rows: string[][] = []
const json: Record<string, unknown> = { sizes: [] }
try {
  for (const size of SIZES) {
    const file = await randomFile(size)
    const c: Array<{ mbps: number, rss: number }> = []
    const h: Array<{ mbps: number, rss: number }> = []
    const r: Array<{ mbps: number }> = []
    for (let i = 0; i < RUNS; i++) {
      log(`${sizeLabel(size)} run ${i + 1}/${RUNS}`)
      c.push(await cairnRun(file, size, 1))
      h.push(await heliaRun(file, size))
      r.push(await rawRun(size))
    }
    const cm = median(c.map(x => x.mbps))
    const hm = median(h.map(x => x.mbps))
    const rm_ = median(r.map(x => x.mbps))
    rows.push([sizeLabel(size), fmt.mbps(cm), fmt.mbps(hm), fmt.mbps(rm_), fmt.ratio(cm / hm), fmt.pct(cm / rm_),
      fmt.mb(median(c.map(x => x.rss))), fmt.mb(median(h.map(x => x.rss)))])
    ;(json.sizes as unknown[]).push({ size, cairn: c, helia: h, raw: r })
  }
  const multiSize = SIZES[0]
  const file = await randomFile(multiSize)
  log(`${SEEDERS} seeders → 1 leecher, ${sizeLabel(multiSize)}`)
  const one = await cairnRun(file, multiSize, 1)
  const many = await cairnRun(file, multiSize, SEEDERS)
  const ttfb = await firstByte()
  json.multi = { one, many, seeders: SEEDERS }
  json.ttfbMs = ttfb
  const md = [
    '## Bitswap (two daemons on loopback, tcp+noise+yamux)',
    '',
    await machine(),
    '',
    `Medians of ${RUNS} alternating runs; MB/s of the whole transfer.`,
    '',
    table(['size', 'Cairn MB/s', 'Helia↔Helia MB/s', 'raw stream MB/s', 'Cairn / Helia', 'Cairn / raw', 'Cairn leecher peak RSS MB', 'Helia leecher peak RSS MB'], rows),
    '',
    `Five seeders → one leecher (${sizeLabel(multiSize)}): ${fmt.mbps(many.mbps)} MB/s against ${fmt.mbps(one.mbps)} MB/s from one seeder (${fmt.ratio(many.mbps / one.mbps)}).`,
    '',
    `Time to first byte of a 1 MiB file from a connected peer never asked before (cat through the leecher's RPC API, process start included): ${ttfb.toFixed(0)} ms.`
  ].join('\n')
  await emit(md, args.md)
  if (args.json != null) {
    const { writeFile } = await import('node:fs/promises')
    await writeFile(args.json, JSON.stringify(json, null, 2))
  }
} finally {
  await rm(WORK, { recursive: true, force: true })
}

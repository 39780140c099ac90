/**
 * The daemon's RPC API against the offline CLI, and its per-request rate against a fastify
 * hello-world (issue 3, "Performance").
 *
 *   node bench/rpc.ts [--size 256M] [--profiles unixfs-v0-2015] [--runs 5] [--duration 10]
 *                     [--connections 100] [--no-transfer] [--no-reqs] [--md FILE] [--json FILE]
 *
 * Transfer (every add on a fresh repo, every process fresh, the order of the three ways rotated
 * from run to run):
 * - offline: `cairn add -Q FILE`, then `cairn cat CID | wc -c`, with no daemon;
 * - daemon, CLI: the same two commands while `cairn daemon --offline` holds the repo (so they go
 *   through its RPC API: multipart upload, byte stream back);
 * - daemon, curl: `curl -F file=@FILE …/api/v0/add?quieter=true`, then
 *   `curl -X POST …/api/v0/cat?arg=CID | wc -c`.
 * Wall-clock MB/s of the client process (the daemon is started before the clock runs); peak RSS
 * of the client from `/usr/bin/time`, and of the daemon (VmHWM) over its one add and one cat.
 *
 * Requests: autocannon in this process, `--connections` connections, no pipelining, a 2 s
 * warm-up then `--duration` seconds, alternating between `POST /api/v0/block/stat?arg=<cid of a
 * 1 KiB block>` on the daemon and `POST /hello` on a fastify hello-world in its own process.
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { randomBytes } from 'node:crypto'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import {
  BENCH_DIR, CAIRN_BIN, DATA_DIR, NODE, cairnEnv, cell, emit, flags, fmt, freshRepo, log, measure,
  median, parseSize, randomFile, sizeLabel, startDaemon, table, warmPageCache, type Cell, type Measured
} from './lib.ts'

const args = flags(process.argv.slice(2))
const SIZE = parseSize(args.size ?? '256M')
const PROFILES = (args.profiles ?? 'unixfs-v0-2015').split(',').filter(s => s !== '')
const RUNS = Number(args.runs ?? 5)
const DURATION = Number(args.duration ?? 10)
const CONNECTIONS = Number(args.connections ?? 100)
const WORK = join(DATA_DIR, `rpc-${process.pid}`)

interface AutocannonResult {
  requests: { average: number, mean: number, total: number }
  latency: { p99: number, p50: number, average: number }
  errors: number
  timeouts: number
  non2xx: number
  '2xx': number
}
type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon

type Way = 'offline' | 'daemon-cli' | 'daemon-curl'
const WAYS: Way[] = ['offline', 'daemon-cli', 'daemon-curl']

interface WayRuns {
  add: Measured[]
  cat: Measured[]
  /** peak RSS of the daemon over the run (daemon ways only) */
  daemonRss: number[]
}

async function transferRun (way: Way, input: string, profile: string, repo: string): Promise<{ cid: string, add: Measured, cat: Measured, daemonRss: number }> {
  await freshRepo(repo, profile)
  await warmPageCache(input)
  if (way === 'offline') {
    const add = await measure(NODE, [CAIRN_BIN, 'add', '-Q', input], { env: cairnEnv(repo) })
    const cid = add.stdout.trim()
    const cat = await measure(NODE, [CAIRN_BIN, 'cat', cid], { env: cairnEnv(repo), stdout: 'pipe' })
    return { cid, add, cat, daemonRss: NaN }
  }
  const daemon = await startDaemon(repo)
  try {
    let add: Measured
    let cat: Measured
    let cid: string
    if (way === 'daemon-cli') {
      add = await measure(NODE, [CAIRN_BIN, 'add', '-Q', input], { env: cairnEnv(repo) })
      cid = add.stdout.trim()
      cat = await measure(NODE, [CAIRN_BIN, 'cat', cid], { env: cairnEnv(repo), stdout: 'pipe' })
    } else {
      add = await measure('curl', ['-sS', '--fail', '-X', 'POST', '-F', `file=@${input}`, `${daemon.url}/api/v0/add?quieter=true`])
      cid = (JSON.parse(add.stdout.trim().split('\n').pop() as string) as { Hash: string }).Hash
      cat = await measure('curl', ['-sS', '--fail', '-X', 'POST', `${daemon.url}/api/v0/cat?arg=${cid}`], { stdout: 'pipe' })
    }
    return { cid, add, cat, daemonRss: await daemon.peakRss() }
  } finally {
    await daemon.stop()
  }
}

interface TransferResult {
  profile: string
  cid: string
  add: Record<Way, Cell>
  cat: Record<Way, Cell>
  daemonRss: Record<Way, number>
}

async function benchTransfer (profile: string): Promise<TransferResult> {
  const input = await randomFile(SIZE)
  const repo = join(WORK, 'repo')
  const runs: Record<Way, WayRuns> = {
    offline: { add: [], cat: [], daemonRss: [] },
    'daemon-cli': { add: [], cat: [], daemonRss: [] },
    'daemon-curl': { add: [], cat: [], daemonRss: [] }
  }
  let cid: string | undefined
  for (let i = 0; i < RUNS; i++) {
    // rotate the order: offline first, then daemon-cli first, then daemon-curl first, …
    const order = WAYS.map((_, k) => WAYS[(k + i) % WAYS.length])
    for (const way of order) {
      const result = await transferRun(way, input, profile, repo)
      if (cid != null && result.cid !== cid) throw new Error(`${way} made ${result.cid}, another way ${cid}`)
      cid = result.cid
      if (result.cat.stdoutBytes !== SIZE) throw new Error(`${way}: cat gave ${result.cat.stdoutBytes} bytes, expected ${SIZE}`)
      runs[way].add.push(result.add)
      runs[way].cat.push(result.cat)
      runs[way].daemonRss.push(result.daemonRss)
      log(`rpc ${sizeLabel(SIZE)} ${profile} run ${i + 1}/${RUNS} ${way.padEnd(11)} add ${fmt.mbps(SIZE / 1e6 / result.add.seconds)} MB/s · cat ${fmt.mbps(SIZE / 1e6 / result.cat.seconds)} MB/s · daemon RSS ${fmt.mb(result.daemonRss)} MB`)
    }
  }
  await rm(repo, { recursive: true, force: true })
  const cells = (pick: (r: WayRuns) => Measured[]): Record<Way, Cell> => ({
    offline: cell(SIZE, pick(runs.offline)),
    'daemon-cli': cell(SIZE, pick(runs['daemon-cli'])),
    'daemon-curl': cell(SIZE, pick(runs['daemon-curl']))
  })
  return {
    profile,
    cid: cid as string,
    add: cells(r => r.add),
    cat: cells(r => r.cat),
    daemonRss: {
      offline: NaN,
      'daemon-cli': median(runs['daemon-cli'].daemonRss),
      'daemon-curl': median(runs['daemon-curl'].daemonRss)
    }
  }
}

interface RateRuns {
  rates: number[]
  p99: number[]
  loads: number[]
  bad: number
}

async function cannon (url: string, duration: number): Promise<AutocannonResult> {
  return await autocannon({ url, method: 'POST', connections: CONNECTIONS, pipelining: 1, duration })
}

async function benchRequests (): Promise<{ stat: RateRuns, hello: RateRuns, block: string }> {
  const repo = join(WORK, 'repo-stat')
  await freshRepo(repo, 'unixfs-v0-2015')
  const daemon = await startDaemon(repo)
  const hello = spawn(NODE, [join(BENCH_DIR, 'fastify-hello.ts')], { stdio: ['ignore', 'pipe', 'inherit'] })
  try {
    const blockFile = join(WORK, 'block.bin')
    await writeFile(blockFile, randomBytes(1024))
    // through the daemon (it holds the repo)
    const put = await measure(NODE, [CAIRN_BIN, 'block', 'put', blockFile], { env: cairnEnv(repo) })
    const block = put.stdout.trim()
    const [line] = await once(hello.stdout, 'data') as [Buffer]
    const port = /listening (\d+)/.exec(line.toString())?.[1]
    if (port == null) throw new Error(`the fastify hello-world said ${line.toString()}`)
    const targets = {
      stat: `${daemon.url}/api/v0/block/stat?arg=${block}`,
      hello: `http://127.0.0.1:${port}/hello`
    }
    const out = { stat: { rates: [], p99: [], loads: [], bad: 0 } as RateRuns, hello: { rates: [], p99: [], loads: [], bad: 0 } as RateRuns }
    for (let i = 0; i < RUNS; i++) {
      const order = (i % 2 === 0 ? ['stat', 'hello'] : ['hello', 'stat']) as Array<'stat' | 'hello'>
      for (const which of order) {
        await cannon(targets[which], 2)
        const { loadavg } = await import('node:os')
        const load = loadavg()[0]
        const result = await cannon(targets[which], DURATION)
        out[which].rates.push(result.requests.average)
        out[which].p99.push(result.latency.p99)
        out[which].loads.push(load)
        out[which].bad += result.errors + result.timeouts + result.non2xx
        log(`req/s run ${i + 1}/${RUNS} ${which.padEnd(5)} ${result.requests.average.toFixed(0)} req/s, p99 ${result.latency.p99} ms, errors ${result.errors + result.timeouts + result.non2xx}`)
      }
    }
    return { ...out, block }
  } finally {
    hello.kill('SIGTERM')
    await daemon.stop()
    await rm(repo, { recursive: true, force: true })
  }
}

await mkdir(WORK, { recursive: true })
try {
  const parts = [`## RPC API: daemon vs offline, and requests per second (${RUNS} alternating runs)`, '']
  const json: Record<string, unknown> = {}
  if (args['no-transfer'] !== 'true') {
    const results: TransferResult[] = []
    json.transfer = results
    for (const profile of PROFILES) results.push(await benchTransfer(profile))
    const rows: string[][] = []
    for (const r of results) {
      for (const what of ['add', 'cat'] as const) {
        const base = r[what].offline
        for (const way of WAYS) {
          const c = r[what][way]
          rows.push([
            `${what} ${sizeLabel(SIZE)}`,
            r.profile,
            way === 'offline' ? 'offline CLI' : way === 'daemon-cli' ? 'daemon, via the CLI' : 'daemon, via curl',
            `**${fmt.mbps(c.median)}** / ${fmt.mbps(c.min)}`,
            way === 'offline' ? '100%' : `**${fmt.pct(c.median / base.median)}**`,
            fmt.mb(c.rss),
            fmt.mb(r.daemonRss[way]),
            c.runs.map(x => fmt.mbps(x)).join(' / '),
            fmt.loads(c.loads)
          ])
        }
      }
    }
    parts.push(
      'Wall-clock MB/s of the client process; the daemon (`cairn daemon --offline`, started on a fresh repo before the clock runs) serves one add and one cat per run. ' +
      'cat output goes through a pipe into `wc -c`. Daemon RSS is its peak (VmHWM) over the run. All ways gave the same root CID.',
      '',
      table(['what', 'profile', 'way', 'MB/s median / min', 'vs offline (medians)', 'client peak RSS MB', 'daemon peak RSS MB', 'runs', 'load (1 min)'], rows),
      ''
    )
  }
  if (args['no-reqs'] !== 'true') {
    const { stat, hello, block } = await benchRequests()
    json.requests = { stat: median(stat.rates), hello: median(hello.rates), statRuns: stat.rates, helloRuns: hello.rates, bad: stat.bad + hello.bad }
    const row = (name: string, r: RateRuns): string[] => [
      name,
      `**${median(r.rates).toFixed(0)}** / ${Math.min(...r.rates).toFixed(0)}`,
      `${median(r.p99).toFixed(0)}`,
      String(r.bad),
      r.rates.map(x => x.toFixed(0)).join(' / '),
      fmt.loads(r.loads)
    ]
    parts.push(
      `### requests per second (autocannon, ${CONNECTIONS} connections, no pipelining, ${DURATION} s after a 2 s warm-up)`, '',
      table(['target', 'req/s median / min', 'p99 ms (median)', 'errors + non-2xx', 'runs', 'load (1 min)'], [
        row(`daemon \`POST /api/v0/block/stat?arg=<1 KiB block>\``, stat),
        row('fastify hello-world `POST /hello`', hello)
      ]),
      '',
      `block/stat reaches **${fmt.pct(median(stat.rates) / median(hello.rates))}** of the fastify ceiling (medians; block \`${block}\`).`,
      ''
    )
  }
  await emit(parts.join('\n'), args.md)
  if (args.json != null) await writeFile(args.json, JSON.stringify(json, null, 2))
} finally {
  await rm(WORK, { recursive: true, force: true })
}

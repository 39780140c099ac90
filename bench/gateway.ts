/**
 * The HTTP gateway under load, next to its references, in one run (issue 4, "Performance"):
 *
 * 1. Streaming: a large UnixFS file (default 1 GiB, 1 MiB raw leaves) through `cairn daemon`'s
 *    gateway — MB/s and the daemon's peak RSS (reset before each run) — next to
 *    `@helia/verified-fetch` served through node:http over the same blocks.
 * 2. Small raw blocks: `?format=raw` for ~1 KiB blocks, keep-alive, 100 connections: requests/s
 *    for the Cairn gateway, for verified-fetch over node:http, and for a fastify hello-world (the
 *    per-request ceiling of this machine), each with two load generators — bench/load.ts, which
 *    frames answers without decoding them, and autocannon, which spends more CPU per request on
 *    a binary body than the gateway does (see load.ts) — both reported, the target read from the
 *    first; and each server's own CPU time per answer over those runs (`/proc/<pid>/stat`), which
 *    does not depend on which client set the pace.
 *
 * Every server runs in its own process; the runs alternate between them (streaming runs first, then
 * the small-block runs, each after a warm-up); each figure is given as the median and the minimum
 * of the runs. The peak RSS is reset before each stream (`/proc/<pid>/clear_refs`). Units: MB =
 * 10^6 bytes.
 *
 *   node bench/gateway.ts [--mib 1024] [--runs 5] [--seconds 5] [--connections 100] [--blocks 1000]
 *
 * Internal: `node bench/gateway.ts --serve hello` and `--serve verified-fetch <blockstore dir>`
 * start the reference servers (they print `listening <port>`).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { randomFillSync } from 'node:crypto'
import { createServer } from 'node:http'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import { Readable } from 'node:stream'
import { parseArgs } from 'node:util'
import type { CID } from 'multiformats/cid'
import type { LoadResult } from './load.ts'

const ROOT = join(import.meta.dirname, '..')
const CAIRN_BIN = join(ROOT, 'bin', 'cairn.js')
const MiB = 1024 * 1024

const { values } = parseArgs({
  options: {
    mib: { type: 'string', default: '1024' },
    runs: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '100' },
    blocks: { type: 'string', default: '1000' },
    serve: { type: 'string' }
  },
  allowPositionals: true
})

/** The two load generators: our lean one (bench/load.ts), and autocannon. */
type Client = 'lean' | 'autocannon'
const CLIENTS: Client[] = ['lean', 'autocannon']

// --- reference servers (child processes) ---

async function serveHello (): Promise<void> {
  const { default: Fastify } = await import('fastify')
  const app = Fastify({ logger: false })
  app.get('/*', async () => 'hello world\n')
  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  console.log(`listening ${typeof address === 'object' && address != null ? address.port : ''}`)
}

async function serveVerifiedFetch (blocksDir: string): Promise<void> {
  const { LevelBlockstore } = await import('blockstore-level')
  const { createHeliaLight } = await import('helia')
  const { createVerifiedFetchWithHelia } = await import('@helia/verified-fetch')
  const blockstore = new LevelBlockstore(blocksDir)
  await blockstore.open()
  // all blocks are local: no router, no block broker, nothing leaves this process
  const helia = createHeliaLight({ blockstore })
  await helia.start()
  const verifiedFetch = await createVerifiedFetchWithHelia(helia)
  const server = createServer((req, res) => {
    const accept = req.headers.accept
    verifiedFetch(`ipfs://${(req.url ?? '/').replace(/^\/ipfs\//, '')}`, { headers: accept == null ? {} : { accept }, session: false }).then(async (answer) => {
      const headers: Record<string, string> = {}
      answer.headers.forEach((value, name) => { headers[name] = value })
      res.writeHead(answer.status, headers)
      if (answer.body == null) {
        res.end()
        return
      }
      Readable.fromWeb(answer.body as import('node:stream/web').ReadableStream).pipe(res)
    }, (err: Error) => {
      res.writeHead(500)
      res.end(err.message)
    })
  })
  server.keepAliveTimeout = 60_000
  server.listen(0, '127.0.0.1', () => {
    const address = server.address()
    console.log(`listening ${typeof address === 'object' && address != null ? address.port : ''}`)
  })
}

if (values.serve === 'hello') {
  await serveHello()
} else if (values.serve === 'verified-fetch') {
  await serveVerifiedFetch(process.argv[process.argv.length - 1])
} else {
  await main()
}

// --- the driver ---

interface Server {
  name: string
  child: ChildProcess
  port: number
}

async function waitFor (child: ChildProcess, pattern: RegExp, what: string): Promise<RegExpExecArray> {
  let output = ''
  return await new Promise((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString()
      const match = pattern.exec(output)
      if (match != null) {
        child.stdout?.off('data', onData)
        resolve(match)
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString() })
    child.once('exit', (code) => { reject(new Error(`${what} exited (${code}): ${output}`)) })
  })
}

async function startChild (name: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Server> {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  const match = await waitFor(child, /listening (\d+)/, name)
  return { name, child, port: Number(match[1]) }
}

/** Peak RSS of a process since the last reset, in bytes (Linux `VmHWM`). */
async function peakRss (pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  const kb = /VmHWM:\s+(\d+) kB/.exec(status)
  return kb == null ? Number.NaN : Number(kb[1]) * 1024
}

/** Resets a process's peak RSS to its current RSS (Linux `clear_refs` 5); false when not allowed. */
/** CPU time (user + system) a process has used so far, in seconds (`/proc/<pid>/stat`). */
async function cpuSeconds (pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1].split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100 // clock ticks; 100 per second on Linux
}

async function resetPeak (pid: number): Promise<boolean> {
  return await writeFile(`/proc/${pid}/clear_refs`, '5').then(() => true, () => false)
}

async function * randomStream (size: number, seed: number): AsyncGenerator<Uint8Array> {
  const chunk = Buffer.alloc(4 * MiB)
  let left = size
  let n = seed
  while (left > 0) {
    randomFillSync(chunk)
    chunk.writeUInt32LE(n++, 0)
    const piece = chunk.subarray(0, Math.min(left, chunk.length))
    left -= piece.length
    yield Buffer.from(piece)
  }
}

/** Requests/s of one load run, from a client process of its own (bench/load.ts). */
async function requestsPerSecond (client: Client, port: number, paths: string[], headers: Record<string, string>, seconds = Number(values.seconds)): Promise<number> {
  const pathsFile = join(tmpdir(), `cairn-bench-paths-${process.pid}`)
  await writeFile(pathsFile, paths.join('\n'))
  const child = spawn(process.execPath, [join(import.meta.dirname, 'load.ts'), client, String(port), pathsFile, values.connections, String(seconds), JSON.stringify(headers)],
    { stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  child.stdout.on('data', (chunk: Buffer) => { out += chunk.toString() })
  const [code] = await once(child, 'close') as [number | null]
  await rm(pathsFile, { force: true })
  if (code !== 0) throw new Error(`bench/load.ts ${client} exited with ${String(code)}`)
  const result = JSON.parse(out) as LoadResult
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`port ${port}, ${client}: ${result.non2xx} non-2xx, ${result.errors} errors`)
  return result.rps
}

async function streamSeconds (port: number, path: string, expected: number): Promise<number> {
  const started = process.hrtime.bigint()
  const res = await fetch(`http://127.0.0.1:${port}${path}`)
  if (res.status !== 200 || res.body == null) throw new Error(`port ${port}: status ${res.status}: ${(await res.text()).slice(0, 300)}`)
  let bytes = 0
  for await (const chunk of res.body) bytes += (chunk as Uint8Array).length
  if (bytes !== expected) throw new Error(`port ${port}: ${bytes} bytes, expected ${expected}`)
  return Number(process.hrtime.bigint() - started) / 1e9
}

function stats (values: number[]): { median: number, min: number } {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return { median: sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2, min: sorted[0] }
}

async function main (): Promise<void> {
  const size = Number(values.mib) * MiB
  const runs = Number(values.runs)
  const dir = join(ROOT, 'bench', 'data', `gateway-${process.pid}`)
  const repoPath = join(dir, 'repo')
  const heliaBlocks = join(dir, 'helia-blocks')
  await mkdir(dir, { recursive: true })
  const servers: Server[] = []
  try {
    const { initRepo } = await import('../repo/index.ts')
    const { openNode } = await import('../core/index.ts')
    const { importFile, walkDag } = await import('../dag/index.ts')
    const { CID: CIDClass } = await import('multiformats/cid')
    const { sha256 } = await import('multiformats/hashes/sha2')
    const { LevelBlockstore } = await import('blockstore-level')

    console.error(`preparing: a ${values.mib} MiB file and ${values.blocks} raw blocks of 1 KiB …`)
    await initRepo(repoPath, { profiles: ['test'] })
    const node = await openNode(repoPath, { command: 'bench/gateway.ts' })
    const helia = new LevelBlockstore(heliaBlocks)
    await helia.open()
    let fileCid: CID
    const blockCids: string[] = []
    try {
      fileCid = (await importFile(randomStream(size, 1), node.blockstore, { cidVersion: 1, rawLeaves: true, chunker: 'size-1048576' })).cid
      for await (const block of walkDag([fileCid], node.blocks)) await helia.put(block.cid, block.bytes)
      const small = Buffer.alloc(1024)
      for (let i = 0; i < Number(values.blocks); i++) {
        randomFillSync(small)
        const bytes = new Uint8Array(small)
        const cid = CIDClass.createV1(0x55, await sha256.digest(bytes))
        await node.blockstore.put({ cid, bytes })
        await helia.put(cid, bytes)
        blockCids.push(cid.toString())
      }
    } finally {
      await helia.close()
      await node.close()
    }

    const daemon = spawn(process.execPath, [CAIRN_BIN, 'daemon', '--offline'], { env: { ...process.env, CAIRN_PATH: repoPath }, stdio: ['ignore', 'pipe', 'pipe'] })
    const ready = await waitFor(daemon, /Gateway server listening on \/ip4\/127\.0\.0\.1\/tcp\/(\d+)[\s\S]*Daemon is ready/, 'cairn daemon')
    const cairn: Server = { name: 'cairn gateway', child: daemon, port: Number(ready[1]) }
    servers.push(cairn)
    const self = join(import.meta.dirname, 'gateway.ts')
    const hello = await startChild('fastify hello-world', [self, '--serve', 'hello'])
    servers.push(hello)
    const vf = await startChild('verified-fetch (node:http)', [self, '--serve', 'verified-fetch', heliaBlocks])
    servers.push(vf)

    const rawPaths = blockCids.map(cid => `/ipfs/${cid}?format=raw`)
    const rawHeaders = { Accept: 'application/vnd.ipld.raw' }
    const filePath = `/ipfs/${fileCid.toString()}`
    const rps: Record<Client, Record<string, number[]>> = {
      lean: { [hello.name]: [], [cairn.name]: [], [vf.name]: [] },
      autocannon: { [hello.name]: [], [cairn.name]: [], [vf.name]: [] }
    }
    // the server's own CPU per answer (both clients): what it costs, whoever sets the pace
    const cpuPerRequest: Record<string, number[]> = { [hello.name]: [], [cairn.name]: [], [vf.name]: [] }
    const mbps: Record<string, number[]> = { [cairn.name]: [], [vf.name]: [] }
    const rss: Record<string, number[]> = { [cairn.name]: [], [vf.name]: [] }
    // streaming first, so that its peak RSS is not the heap left by 100 connections of small requests
    for (const server of [cairn, vf]) await streamSeconds(server.port, filePath, size) // warm-up
    for (let run = 0; run < runs; run++) {
      for (const server of run % 2 === 0 ? [cairn, vf] : [vf, cairn]) {
        const reset = await resetPeak(server.child.pid as number)
        const seconds = await streamSeconds(server.port, filePath, size)
        mbps[server.name].push(size / 1e6 / seconds)
        rss[server.name].push(reset ? await peakRss(server.child.pid as number) : Number.NaN)
      }
      console.error(`stream run ${run + 1}/${runs} done`)
    }
    const paths = (server: Server): string[] => server === hello ? ['/hello'] : rawPaths
    for (const client of CLIENTS) {
      for (const server of [hello, cairn, vf]) await requestsPerSecond(client, server.port, paths(server), rawHeaders, 2) // warm-up
    }
    for (let run = 0; run < runs; run++) {
      for (const client of run % 2 === 0 ? CLIENTS : [...CLIENTS].reverse()) {
        for (const server of run % 2 === 0 ? [hello, cairn, vf] : [vf, cairn, hello]) {
          const pid = server.child.pid as number
          const cpuBefore = await cpuSeconds(pid)
          const rate = await requestsPerSecond(client, server.port, paths(server), rawHeaders)
          rps[client][server.name].push(rate)
          cpuPerRequest[server.name].push(1e6 * (await cpuSeconds(pid) - cpuBefore) / (rate * Number(values.seconds)))
        }
      }
      console.error(`raw-block run ${run + 1}/${runs} done`)
    }

    const line = (name: string, unit: string, list: number[], digits = 0): string => {
      const s = stats(list)
      return `| ${name} | ${s.median.toFixed(digits)} ${unit} | ${s.min.toFixed(digits)} ${unit} |`
    }
    console.log(`\n## Gateway (${values.mib} MiB file, ${runs} alternating runs, ${values.connections} connections × ${values.seconds} s)\n`)
    console.log('| measurement | median | min |\n|---|---|---|')
    for (const server of [cairn, vf]) console.log(line(`stream: ${server.name}`, 'MB/s', mbps[server.name], 1))
    for (const server of [cairn, vf]) console.log(line(`stream peak RSS: ${server.name}`, 'MB', rss[server.name].map(b => b / 1e6)))
    for (const client of CLIENTS) {
      for (const server of [hello, cairn, vf]) console.log(line(`raw 1 KiB blocks, ${client} client: ${server.name}`, 'req/s', rps[client][server.name]))
    }
    for (const server of [hello, cairn, vf]) console.log(line(`raw 1 KiB blocks, server CPU per request: ${server.name}`, 'µs', cpuPerRequest[server.name], 1))
    const share = (client: Client): string => (100 * stats(rps[client][cairn.name]).median / stats(rps[client][hello.name]).median).toFixed(0)
    console.log(`\nCairn raw blocks: ${share('lean')}% of the fastify hello-world ceiling with the lean client (target ≥ 50%), ` +
      `${share('autocannon')}% with autocannon. The lean client (bench/load.ts) frames answers without decoding them; ` +
      'autocannon appends every binary body to a string, which costs it more CPU per request than the gateway spends, ' +
      'and on 2 cores that CPU is taken from the server.')
  } finally {
    for (const server of servers) server.child.kill('SIGTERM')
    await new Promise(resolve => setTimeout(resolve, 500))
    await rm(dir, { recursive: true, force: true })
  }
}

/**
 * `npm run bench`: runs the benchmarks, each in its own process, and writes one markdown report
 * (`bench/results/latest.md` unless `--out`) with the machine, the load, every figure next to its
 * reference, and the targets of issues 2 and 3.
 *
 *   npm run bench -- [--only add-cat,cat-floor,startup,rpc,vectors,blockstore,gateway,bitswap,dht-sim,dht-swarm,naming,provide] [--sizes 256M,1G]
 *                    [--profiles unixfs-v0-2015,unixfs-v1-2025] [--runs 5]
 *                    [--rpc-size 256M] [--rpc-profiles unixfs-v0-2015] [--no-tree] [--out FILE]
 *                    [--merge]
 *
 * Benchmarks: `add-cat` (bench/add-cat.ts), `cat-floor` (bench/cat-floor.ts: the least time a cat
 * can take on this machine, from its unavoidable pieces), `startup` (bench/startup.ts, the CLI's start-up
 * latency; `--startup-runs`, default 10), `rpc` (bench/rpc.ts), `vectors` (bench/vectors.ts),
 * `blockstore` (bench/blockstore.ts), when the file exists, `gateway` (bench/gateway.ts),
 * `dht-sim` (bench/dht-sim.ts: hops and messages per lookup at 1,000 and 10,000 simulated nodes)
 * `dht-swarm` (bench/dht-swarm.ts: findprovs latency in a 30-node loopback swarm, next to
 * `@libp2p/kad-dht`) and `naming` (bench/naming.ts: IPNS publish/resolve in a loopback swarm,
 * `--naming-nodes`, `--naming-names`).
 * Scratch data goes to bench/data/ (gitignored). See each file for its method. Beside the report,
 * `<out>.json` keeps every section; `--merge` re-runs only the `--only` benchmarks (a noisy cell)
 * and keeps the other sections of the last report, saying when each ran. The targets are those
 * of issues 2, 3 and 9.
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { BENCH_DIR, DATA_DIR, NODE, RESULTS_DIR, flags, fmt, machine, run, table } from './lib.ts'

const args = flags(process.argv.slice(2))
const ALL = ['add-cat', 'cat-floor', 'startup', 'rpc', 'vectors', 'blockstore', 'gateway', 'bitswap', 'dht-sim', 'dht-swarm', 'naming', 'provide']
const only = (args.only ?? ALL.join(',')).split(',').filter(s => s !== '')
for (const name of only) {
  if (!ALL.includes(name)) throw new Error(`unknown benchmark "${name}": choose from ${ALL.join(', ')}`)
}
const OUT = args.out ?? join(RESULTS_DIR, 'latest.md')
const RUNS = args.runs ?? '5'

interface Section {
  name: string
  markdown: string
  json?: unknown
  ok: boolean
  /** when it ran, and the load then */
  ran?: string
}

/** Runs one benchmark file, its progress shown live; returns its markdown (and JSON, if any). */
async function bench (name: string, file: string, argv: string[], structured: boolean): Promise<Section> {
  const md = join(DATA_DIR, `run-${process.pid}-${name}.md`)
  const json = join(DATA_DIR, `run-${process.pid}-${name}.json`)
  const extra = structured ? ['--md', md, '--json', json] : []
  process.stderr.write(`\n=== ${name}: node ${file} ${[...argv, ...extra].join(' ')}\n`)
  const child = spawn(NODE, [join(BENCH_DIR, file), ...argv, ...extra], { stdio: ['ignore', 'pipe', 'inherit'] })
  const out: Buffer[] = []
  child.stdout.on('data', (chunk: Buffer) => {
    out.push(chunk)
    process.stderr.write(chunk)
  })
  const [code] = await once(child, 'close') as [number | null]
  const stdout = Buffer.concat(out).toString('utf8').trim()
  let markdown: string
  if (structured && existsSync(md)) {
    markdown = (await readFile(md, 'utf8')).trim()
  } else {
    // a benchmark that prints its own report: markdown as is, anything else as a block
    markdown = /^(#|\|)/m.test(stdout) ? stdout : `## ${name}\n\n\`\`\`\n${stdout}\n\`\`\``
  }
  const parsed = structured && existsSync(json) ? JSON.parse(await readFile(json, 'utf8')) as unknown : undefined
  await rm(md, { force: true })
  await rm(json, { force: true })
  if (code !== 0) markdown += `\n\n**${name} exited with code ${code}.**`
  return { name, markdown, json: parsed, ok: code === 0 }
}

interface AddCatJson {
  files: Array<{
    size: number
    profile: string
    add: { cairn: { median: number, rss: number, maxRss: number }, reference: { median: number } }
    cat: { cairn: { median: number, rss: number, maxRss: number, cpu: number }, reference: { median: number, cpu: number } }
    catNull: { median: number }
    catUnchecked?: { median: number }
  }>
  trees: Array<{ profile: string, add: { cairn: { median: number }, reference: { median: number } }, cid: string, refCid: string }>
}

interface StartupJson {
  rerun?: { direct: number, viaOldNode: number, asProgram: number, withoutCaCerts?: number, oldVersion: string }
  budget: number
  targets?: Record<'version' | 'catDaemon' | 'catOffline', { wall: number, cpu: number, budget: number }> & { floor: { wall: number, cpu: number } }
}

interface RpcJson {
  transfer?: Array<{ profile: string, add: Record<string, { median: number }>, cat: Record<string, { median: number }> }>
  requests?: { stat: number, hello: number }
}

interface DhtSimJson {
  sizes: Array<{ nodes: number, log2: number, medianHops: number }>
}

/** The targets of issues 2, 3, 9 and 11, checked against what ran. */
function targets (sections: Section[]): string {
  const rows: string[][] = []
  const verdict = (ok: boolean): string => ok ? 'met' : '**missed**'
  const size = (n: number): string => n >= 1024 ** 3 ? `${n / 1024 ** 3} GiB` : `${n / 1024 ** 2} MiB`
  const addCat = sections.find(s => s.name === 'add-cat')?.json as AddCatJson | undefined
  for (const f of addCat?.files ?? []) {
    const add = f.add.cairn.median / f.add.reference.median
    rows.push([`add ≥ 3× reference, ${size(f.size)} ${f.profile}`, fmt.ratio(add), verdict(add >= 3)])
  }
  for (const t of addCat?.trees ?? []) {
    const add = t.add.cairn.median / t.add.reference.median
    rows.push([`add ≥ 3× reference, many-files tree ${t.profile}`, fmt.ratio(add), verdict(add >= 3)])
  }
  for (const f of addCat?.files ?? []) {
    const cat = f.cat.cairn.median / f.cat.reference.median
    const catNull = f.catNull.median / f.cat.reference.median
    const unchecked = f.catUnchecked == null ? '' : `; HashOnRead off: ${fmt.ratio(f.catUnchecked.median / f.cat.reference.median)}`
    const cpu = Number.isFinite(f.cat.cairn.cpu) ? `; CPU ${fmt.s(f.cat.cairn.cpu)} s vs ${fmt.s(f.cat.reference.cpu)} s` : ''
    rows.push([`cat ≥ 1.5× reference, every block checked, ${size(f.size)} ${f.profile}`,
      `${fmt.ratio(cat)} into a pipe (${fmt.ratio(catNull)} to /dev/null${unchecked}${cpu})`, verdict(cat >= 1.5)])
    rows.push([`cat peak RSS < 150 MB, ${size(f.size)} ${f.profile}`, `${fmt.mb(f.cat.cairn.maxRss)} MB (max of runs)`, verdict(f.cat.cairn.maxRss < 150e6)])
  }
  for (const f of (addCat?.files ?? []).filter(f => f.size >= 1024 ** 3)) {
    const worst = Math.max(f.add.cairn.maxRss, f.cat.cairn.maxRss)
    rows.push([`peak RSS of add and cat < 300 MB, ${size(f.size)} ${f.profile}`, `add ${fmt.mb(f.add.cairn.maxRss)} MB, cat ${fmt.mb(f.cat.cairn.maxRss)} MB (max of runs)`, verdict(worst < 300e6)])
  }
  const startup = sections.find(s => s.name === 'startup')?.json as StartupJson | undefined
  if (startup?.targets != null) {
    const { floor, version, catDaemon, catOffline } = startup.targets
    for (const [what, t] of [['`cairn version`', version], ['`cairn cat` 1 KiB through the daemon', catDaemon], ['`cairn cat` 1 KiB offline', catOffline]] as const) {
      rows.push([`${what} ≤ ${fmt.ms(t.budget)} ms on Node 24`,
        `${fmt.ms(t.wall)} ms (CPU ${fmt.ms(t.cpu)} ms; \`node -e 0\` ${fmt.ms(floor.wall)} ms, CPU ${fmt.ms(floor.cpu)} ms, same run)`, verdict(t.wall <= t.budget)])
    }
  }
  if (startup?.rerun != null) {
    const { direct, viaOldNode, asProgram, oldVersion } = startup.rerun
    const signed = (seconds: number): string => `${seconds < 0 ? '−' : '+'}${fmt.ms(Math.abs(seconds))} ms`
    rows.push([`\`cairn version\` re-run from ${oldVersion} ≤ ${fmt.ms(startup.budget)} ms over Node 24 directly, as a program (\`bin/cairn.js\`)`,
      signed(asProgram - direct), verdict(asProgram - direct <= startup.budget)])
    rows.push([`\`cairn version\` re-run from ${oldVersion} ≤ ${fmt.ms(startup.budget)} ms over Node 24 directly, through the older Node (\`node bin/cairn.js\`)`,
      `${signed(viaOldNode - direct)} (the older Node's own start-up included)`, verdict(viaOldNode - direct <= startup.budget)])
    if (startup.rerun.withoutCaCerts != null) {
      const without = startup.rerun.withoutCaCerts
      rows.push([`the same without NODE_EXTRA_CA_CERTS (Node 20 parses it at start-up)`, signed(without - direct), verdict(without - direct <= startup.budget)])
    }
  }
  const rpc = sections.find(s => s.name === 'rpc')?.json as RpcJson | undefined
  for (const t of rpc?.transfer ?? []) {
    for (const what of ['add', 'cat'] as const) {
      for (const way of ['daemon-cli', 'daemon-curl']) {
        const share = t[what][way].median / t[what].offline.median
        rows.push([`RPC ${what} ≥ 80% of offline, ${way === 'daemon-cli' ? 'via the CLI' : 'via curl'} (${t.profile})`, fmt.pct(share), verdict(share >= 0.8)])
      }
    }
  }
  if (rpc?.requests != null) {
    const share = rpc.requests.stat / rpc.requests.hello
    rows.push(['block/stat ≥ 40% of the fastify hello-world', `${fmt.pct(share)} (${rpc.requests.stat.toFixed(0)} vs ${rpc.requests.hello.toFixed(0)} req/s)`, verdict(share >= 0.4)])
  }
  const sim = sections.find(s => s.name === 'dht-sim')?.json as DhtSimJson | undefined
  for (const size of sim?.sizes.filter(z => z.nodes >= 10_000) ?? []) {
    const bound = size.log2 / 3
    rows.push([`DHT median hops ≤ log2(N)/3 = ${bound.toFixed(2)} at ${size.nodes} nodes (simulation)`, String(size.medianHops), verdict(size.medianHops <= bound)])
  }
  if (rows.length === 0) return ''
  return ['## Targets (medians)', '', table(['target', 'measured', ''], rows), ''].join('\n')
}

await mkdir(RESULTS_DIR, { recursive: true })
await mkdir(DATA_DIR, { recursive: true })
const started = new Date()
const header = await machine()
const sections: Section[] = []
const loadNow = async (): Promise<string> => (await run('uptime', []).catch(() => '')).trim()
const passthrough = (name: string, value: string | undefined): string[] => value == null ? [] : [`--${name}`, value]
for (const name of only) {
  const ran = `${new Date().toISOString()}, ${await loadNow()}`
  switch (name) {
    case 'add-cat':
      sections.push(await bench(name, 'add-cat.ts', [
        '--runs', RUNS, ...passthrough('sizes', args.sizes), ...passthrough('profiles', args.profiles),
        ...passthrough('tree', args.tree), ...(args['no-tree'] === 'true' ? ['--no-tree'] : [])
      ], true))
      break
    case 'cat-floor':
      sections.push(await bench(name, 'cat-floor.ts', ['--runs', RUNS, ...passthrough('sizes', args.sizes)], false))
      break
    case 'startup':
      sections.push(await bench(name, 'startup.ts', ['--runs', args['startup-runs'] ?? '10'], true))
      break
    case 'rpc':
      sections.push(await bench(name, 'rpc.ts', [
        '--runs', RUNS, ...passthrough('size', args['rpc-size']), ...passthrough('profiles', args['rpc-profiles'])
      ], true))
      break
    case 'vectors':
      sections.push(await bench(name, 'vectors.ts', [], true))
      break
    case 'blockstore':
      sections.push(await bench(name, 'blockstore.ts', ['--runs', RUNS], false))
      break
    case 'gateway':
      if (existsSync(join(BENCH_DIR, 'gateway.ts'))) sections.push(await bench(name, 'gateway.ts', [], false))
      else process.stderr.write('\n=== gateway: bench/gateway.ts does not exist yet, skipped\n')
      break
    case 'bitswap':
      sections.push(await bench(name, 'bitswap.ts', ['--runs', args['bitswap-runs'] ?? '3', ...passthrough('sizes', args['bitswap-sizes'])], true))
      break
    case 'dht-sim':
      sections.push(await bench(name, 'dht-sim.ts', [...passthrough('nodes', args['dht-nodes']), ...passthrough('lookups', args['dht-lookups'])], true))
      break
    case 'dht-swarm':
      sections.push(await bench(name, 'dht-swarm.ts', [...passthrough('lookups', args['swarm-lookups'])], true))
      break
    case 'naming':
      sections.push(await bench(name, 'naming.ts', [...passthrough('nodes', args['naming-nodes']), ...passthrough('names', args['naming-names'])], true))
      break
    case 'provide':
      // the quick variant by default; `--provide-keys 10000` is the figure (several minutes)
      sections.push(await bench(name, 'provide.ts', ['--keys', args['provide-keys'] ?? '1000'], true))
      break
  }
  const last = sections.at(-1)
  if (last != null && last.ran == null) last.ran = ran
}
const jsonPath = OUT.replace(/\.md$/, '') + '.json'
if (args.merge === 'true' && existsSync(jsonPath)) {
  // keep the sections of the last report that were not run now, in their order
  const previous = JSON.parse(await readFile(jsonPath, 'utf8')) as Section[]
  const fresh = new Map(sections.map(s => [s.name, s]))
  const merged = previous.map(s => fresh.get(s.name) ?? s)
  for (const s of sections) if (!previous.some(p => p.name === s.name)) merged.push(s)
  sections.splice(0, sections.length, ...merged)
}
await writeFile(jsonPath, JSON.stringify(sections, null, 2))
const uptime = (await run('uptime', []).catch(() => '')).trim()
const report = [
  '# Cairn benchmarks', '',
  header,
  `- finished: ${new Date().toISOString()} (${((Date.now() - started.getTime()) / 60000).toFixed(1)} min); load at the end (uptime): ${uptime}`,
  `- command: \`npm run bench -- ${process.argv.slice(2).join(' ')}\``.replace(/ -- `$/, '`'),
  '- MB = 10^6 bytes, MiB = 2^20 bytes; every timed run is a fresh process; see the `bench/*.ts` headers for each method.',
  '',
  targets(sections),
  ...sections.map(s => `${s.markdown}\n\n_${s.name} ran ${s.ran ?? 'at an unknown time'}_\n`)
].join('\n')
await writeFile(OUT, report)
process.stderr.write(`\nwrote ${OUT}\n`)
if (sections.some(s => !s.ok)) process.exitCode = 1

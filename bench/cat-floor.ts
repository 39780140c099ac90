/**
 * How fast can `cairn cat` be on this machine? The lower bound of `cairn cat CID | wc -c`, from
 * the work it cannot avoid, each piece measured alone in this run, next to the reference cat
 * (ipfs-unixfs-exporter on blockstore-level, which neither checks hashes nor writes) and Cairn's
 * real cat.
 *
 *   node bench/cat-floor.ts [--sizes 256M,1G] [--runs 5]
 *
 * The pieces (bench/reference/floor-probe.ts, each a fresh process, runs alternating):
 * - start: `cairn cat` of a one-byte file to /dev/null — Node, Cairn's modules, the repo opened;
 * - read: the file read from the page cache in 4 MiB pieces (CPU beyond `node -e 0`);
 * - hash: sha256 of every 1 MiB of it (CPU beyond `read`) — the check `Datastore.HashOnRead` makes;
 * - pipe: the same number of bytes written from memory into `| wc -c` (CPU of both beyond
 *   `node -e 0`, and wall time beyond it).
 * With C cores and perfect overlap, cat takes at least start + max(pipe wall, (read + hash +
 * pipe CPU) / C), and without the hash check start + max(pipe wall, (read + pipe CPU) / C). The
 * best ratio to the reference is its median wall time over that floor. Everything real costs more
 * (the DAG walk, the store's own reads, the event loop, GC), so a target above the best ratio
 * cannot be met on this machine.
 */
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { rm, writeFile } from 'node:fs/promises'
import {
  CAIRN_BIN, DATA_DIR, NODE, ROOT, cairnEnv, flags, fmt, freshRepo, log, measure, median,
  parseSize, randomFile, sizeLabel, table, warmPageCache, type Measured
} from './lib.ts'

const args = flags(process.argv.slice(2))
const SIZES = (args.sizes ?? '256M,1G').split(',').filter(s => s !== '').map(parseSize)
const RUNS = Number(args.runs ?? 5)
const PROFILE = 'unixfs-v1-2025'
const CORES = availableParallelism()
const WORK = join(DATA_DIR, `cat-floor-${process.pid}`)
const PROBE = join(ROOT, 'bench', 'reference', 'floor-probe.ts')
const REF_IMPORT = join(ROOT, 'bench', 'reference', 'import.ts')
const REF_CAT = join(ROOT, 'bench', 'reference', 'cat.ts')

interface Runs {
  nodeStart: Measured[]
  cairnStart: Measured[]
  read: Measured[]
  hash: Measured[]
  pipe: Measured[]
  cairnCat: Measured[]
  reference: Measured[]
}

const wall = (ms: Measured[]): number => median(ms.map(m => m.seconds))
const cpu = (ms: Measured[]): number => median(ms.map(m => m.cpu))

async function benchSize (size: number): Promise<string[]> {
  const input = await randomFile(size)
  await warmPageCache(input)
  const repo = join(WORK, 'repo')
  const store = join(WORK, 'level')
  await rm(store, { recursive: true, force: true })
  await freshRepo(repo, PROFILE)
  const env = cairnEnv(repo)
  const cid = (await measure(NODE, [CAIRN_BIN, 'add', '-Q', input], { env })).stdout.trim()
  const one = join(WORK, 'one-byte')
  await writeFile(one, 'x')
  const oneCid = (await measure(NODE, [CAIRN_BIN, 'add', '-Q', one], { env })).stdout.trim()
  const refCid = (JSON.parse((await measure(NODE, [REF_IMPORT, '--store', store, '--profile', PROFILE, input])).stdout) as { cid: string }).cid
  if (refCid !== cid) throw new Error(`the reference imported ${refCid}, Cairn ${cid}`)

  const runs: Runs = { nodeStart: [], cairnStart: [], read: [], hash: [], pipe: [], cairnCat: [], reference: [] }
  const steps: Array<[keyof Runs, () => Promise<Measured>]> = [
    ['nodeStart', async () => await measure(NODE, ['-e', '0'])],
    ['cairnStart', async () => await measure(NODE, [CAIRN_BIN, 'cat', oneCid], { env, stdout: 'devnull' })],
    ['read', async () => await measure(NODE, [PROBE, 'read', input])],
    ['hash', async () => await measure(NODE, [PROBE, 'hash', input])],
    ['pipe', async () => await measure(NODE, [PROBE, 'pipe', String(size)], { stdout: 'pipe' })],
    ['cairnCat', async () => await measure(NODE, [CAIRN_BIN, 'cat', cid], { env, stdout: 'pipe' })],
    ['reference', async () => await measure(NODE, [REF_CAT, '--store', store, cid])]
  ]
  for (let r = 0; r < RUNS; r++) {
    log(`${sizeLabel(size)}: run ${r + 1}/${RUNS}`)
    // alternate the order, so a slow phase of the machine does not always hit the same step
    for (const [name, step] of r % 2 === 0 ? steps : [...steps].reverse()) runs[name].push(await step())
  }

  const start = wall(runs.cairnStart)
  const readCpu = Math.max(0, cpu(runs.read) - cpu(runs.nodeStart))
  const hashCpu = Math.max(0, cpu(runs.hash) - cpu(runs.read))
  const pipeCpu = Math.max(0, cpu(runs.pipe) - cpu(runs.nodeStart))
  const pipeWall = Math.max(0, wall(runs.pipe) - wall(runs.nodeStart))
  const floorChecked = start + Math.max(pipeWall, (readCpu + hashCpu + pipeCpu) / CORES)
  const floorUnchecked = start + Math.max(pipeWall, (readCpu + pipeCpu) / CORES)
  const reference = wall(runs.reference)
  const cat = wall(runs.cairnCat)
  const rate = (seconds: number): string => fmt.mbps(size / 1e6 / seconds)
  const loads = [...runs.cairnCat, ...runs.reference].map(m => m.load)
  return [
    sizeLabel(size),
    `${fmt.ms(start)} ms`,
    `${fmt.ms(readCpu)} / ${fmt.ms(hashCpu)} / ${fmt.ms(pipeCpu)} ms`,
    `${fmt.ms(pipeWall)} ms`,
    `${rate(reference)} MB/s (${fmt.ms(reference)} ms)`,
    `${rate(floorChecked)} MB/s → **${(reference / floorChecked).toFixed(2)}×**`,
    `${rate(floorUnchecked)} MB/s → **${(reference / floorUnchecked).toFixed(2)}×**`,
    `${rate(cat)} MB/s → ${(reference / cat).toFixed(2)}×`,
    `${Math.min(...loads).toFixed(2)}–${Math.max(...loads).toFixed(2)}`
  ]
}

const rows: string[][] = []
try {
  for (const size of SIZES) rows.push(await benchSize(size))
} finally {
  await rm(WORK, { recursive: true, force: true })
}
console.log(`## cat: the floor on this machine (${RUNS} alternating runs, ${CORES} cores, ${PROFILE})

The least \`cairn cat CID | wc -c\` can take, from the work it cannot avoid, each piece measured
alone in this run (\`bench/cat-floor.ts\` says how), next to the reference cat (which checks no
hash and writes nothing) and Cairn's real cat. "best" assumes every piece overlaps perfectly on
${CORES} cores; a ratio target above it cannot be met here.

${table(['size', 'cairn cat start-up (1-byte file)', 'CPU: read / sha256 / pipe + wc', 'pipe wall', 'reference cat', 'best possible, hashes checked', 'best possible, unchecked', 'Cairn cat, checked (measured)', 'load (1 min)'], rows)}`)

/**
 * `cairn add` and `cairn cat` against the reference pipeline (ipfs-unixfs-importer / -exporter on
 * blockstore-level, `bench/reference/`), on random files and on a tree of many small files.
 *
 *   node bench/add-cat.ts [--sizes 256M,1G] [--profiles unixfs-v0-2015,unixfs-v1-2025]
 *                         [--runs 5] [--tree node_modules/react-native,node_modules/@react-native]
 *                         [--no-tree] [--no-files] [--md FILE] [--json FILE]
 *
 * Method (as `reference/performance-anchors.md` §3–4, but both sides measured in this run):
 * - every add and every cat is a fresh process, timed by wall clock from spawn to exit (so
 *   process start-up is included on both sides), with its peak RSS from `/usr/bin/time -f %M`;
 * - the input is in the page cache; the store is wiped before each add; each cat reads what the
 *   add just wrote;
 * - Cairn's add is `cairn add -Q FILE` on a repo made with `init --profile test,<profile>` (it
 *   also pins, and fsyncs every batch); the reference's add is the importer with the same
 *   IPIP-499 profile writing to LevelDB without fsync;
 * - `cairn cat CID` writes to a pipe this process drains; the reference drains the exporter
 *   in-process (it writes nothing, and checks no hash). Cairn checks every block against its CID
 *   (`Datastore.HashOnRead`, on by default); each run also times a cat with it off, as the
 *   reference runs;
 * - the CPU time (user + system, the pipe's reader included) of every run is kept beside the
 *   wall clock: on a shared machine it is the steadier figure;
 * - the tree of many small files is a copy of package folders from node_modules (by default
 *   react-native and the @react-native scope: ~5,800 files, 40 MB of content), in bench/data;
 * - the runs alternate: Cairn first on even runs, the reference first on odd ones;
 * - one untimed verification round comes first: both sides must give the same root CID, and both
 *   cats the file's sha256.
 */
import { cp, mkdir, readdir, rename, rm, stat } from 'node:fs/promises'
import { basename, join } from 'node:path'
import {
  CAIRN_BIN, DATA_DIR, NODE, ROOT, cairnEnv, cell, emit, flags, fmt, freshRepo, log, measure,
  parseSize, randomFile, run, sha256File, sizeLabel, table, warmPageCache, type Cell, type Measured
} from './lib.ts'

const args = flags(process.argv.slice(2))
const SIZES = (args.sizes ?? '256M,1G').split(',').filter(s => s !== '').map(parseSize)
const PROFILES = (args.profiles ?? 'unixfs-v0-2015,unixfs-v1-2025').split(',').filter(s => s !== '')
const RUNS = Number(args.runs ?? 5)
const TREE_SOURCES = (args.tree ?? 'node_modules/react-native,node_modules/@react-native').split(',').filter(s => s !== '')
const TREE_SOURCE = TREE_SOURCES.join(' + ')
const WITH_TREE = args['no-tree'] !== 'true'
const WITH_FILES = args['no-files'] !== 'true'
const WORK = join(DATA_DIR, `add-cat-${process.pid}`)
const REF_IMPORT = join(ROOT, 'bench', 'reference', 'import.ts')
const REF_CAT = join(ROOT, 'bench', 'reference', 'cat.ts')

type Side = 'cairn' | 'reference'

interface Added {
  cid: string
  measured: Measured
  /** seconds inside the import call (the reference reports it) */
  inner?: number
}

async function addCairn (repo: string, input: string, tree: boolean): Promise<Added> {
  const argv = [CAIRN_BIN, 'add', '-Q', ...(tree ? ['-r'] : []), input]
  const measured = await measure(NODE, argv, { env: cairnEnv(repo) })
  return { cid: measured.stdout.trim(), measured }
}

async function addReference (store: string, input: string, profile: string, tree: boolean): Promise<Added> {
  const argv = [REF_IMPORT, '--store', store, '--profile', profile, ...(tree ? ['--dir'] : []), input]
  const measured = await measure(NODE, argv)
  const out = JSON.parse(measured.stdout) as { cid: string, seconds: number }
  return { cid: out.cid, measured, inner: out.seconds }
}

/** `cairn cat CID | wc -c` (or `| sha256sum`), or `cairn cat CID > /dev/null`. */
async function catCairn (repo: string, cid: string, out: 'pipe' | 'pipe-hash' | 'devnull'): Promise<Measured> {
  return await measure(NODE, [CAIRN_BIN, 'cat', cid], { env: cairnEnv(repo), stdout: out })
}

/** Turns the repo's `Datastore.HashOnRead` on or off. */
async function setHashOnRead (repo: string, on: boolean): Promise<void> {
  await run(NODE, [CAIRN_BIN, 'config', '--bool', 'Datastore.HashOnRead', String(on)], { env: cairnEnv(repo) })
}

async function catReference (store: string, cid: string, verify: boolean): Promise<Measured & { sha?: string, bytes: number }> {
  const measured = await measure(NODE, [REF_CAT, '--store', store, ...(verify ? ['--verify'] : []), cid])
  const out = JSON.parse(measured.stdout) as { bytes: number, sha256?: string }
  return { ...measured, bytes: out.bytes, sha: out.sha256 }
}

/** Total bytes of the regular files under `dir` that `cairn add -r` takes (no dot names). */
async function treeFacts (dir: string): Promise<{ bytes: number, files: number, dirs: number }> {
  let bytes = 0
  let files = 0
  let dirs = 0
  const visit = async (path: string): Promise<void> => {
    const info = await stat(path)
    if (info.isDirectory()) {
      dirs++
      for (const name of await readdir(path)) {
        if (!name.startsWith('.')) await visit(join(path, name))
      }
    } else if (info.isFile()) {
      bytes += info.size
      files++
    }
  }
  await visit(dir)
  return { bytes, files, dirs }
}

interface FileResult {
  size: number
  profile: string
  cid: string
  add: Record<Side, Cell>
  /** `cairn cat` into a pipe (`| wc -c`) */
  cat: Record<Side, Cell>
  /** `cairn cat > /dev/null` */
  catNull: Cell
  /** `cairn cat | wc -c` with `Datastore.HashOnRead` off (no hash checked, as the reference) */
  catUnchecked: Cell
  /** median seconds inside the reference's import call */
  refInnerAdd: number
}

interface TreeResult {
  profile: string
  cid: string
  refCid: string
  facts: { bytes: number, files: number, dirs: number }
  add: Record<Side, Cell>
  /** entries per second, medians */
  filesPerSecond: Record<Side, number>
}

async function benchFile (size: number, profile: string): Promise<FileResult> {
  const input = await randomFile(size)
  const sha = await sha256File(input)
  const repo = join(WORK, 'repo')
  const store = join(WORK, 'level')
  const label = `${sizeLabel(size)} ${profile}`

  // verification round (untimed)
  log(`${label}: verification round`)
  await freshRepo(repo, profile)
  await rm(store, { recursive: true, force: true })
  const ours = await addCairn(repo, input, false)
  const theirs = await addReference(store, input, profile, false)
  if (ours.cid !== theirs.cid) throw new Error(`${label}: cairn made ${ours.cid}, the reference ${theirs.cid}`)
  const ourCat = await catCairn(repo, ours.cid, 'pipe-hash')
  const theirCat = await catReference(store, theirs.cid, true)
  if (ourCat.stdoutSha256 !== sha) throw new Error(`${label}: cairn cat gave sha256 ${ourCat.stdoutSha256}, expected ${sha}`)
  if (theirCat.sha !== sha) throw new Error(`${label}: the reference cat gave sha256 ${theirCat.sha}, expected ${sha}`)

  const adds: Record<Side, Measured[]> = { cairn: [], reference: [] }
  const cats: Record<Side, Measured[]> = { cairn: [], reference: [] }
  const catsNull: Measured[] = []
  const catsUnchecked: Measured[] = []
  const inner: number[] = []
  for (let i = 0; i < RUNS; i++) {
    const order: Side[] = i % 2 === 0 ? ['cairn', 'reference'] : ['reference', 'cairn']
    for (const side of order) {
      await warmPageCache(input)
      if (side === 'cairn') {
        await freshRepo(repo, profile)
        const added = await addCairn(repo, input, false)
        if (added.cid !== ours.cid) throw new Error(`${label}: run ${i} made ${added.cid}`)
        adds.cairn.push(added.measured)
        const catted = await catCairn(repo, added.cid, 'pipe')
        if (catted.stdoutBytes !== size) throw new Error(`${label}: cairn cat gave ${catted.stdoutBytes} bytes`)
        cats.cairn.push(catted)
        catsNull.push(await catCairn(repo, added.cid, 'devnull'))
        await setHashOnRead(repo, false)
        const unchecked = await catCairn(repo, added.cid, 'pipe')
        if (unchecked.stdoutBytes !== size) throw new Error(`${label}: cairn cat (HashOnRead off) gave ${unchecked.stdoutBytes} bytes`)
        catsUnchecked.push(unchecked)
      } else {
        await rm(store, { recursive: true, force: true })
        const added = await addReference(store, input, profile, false)
        adds.reference.push(added.measured)
        inner.push(added.inner ?? NaN)
        const catted = await catReference(store, added.cid, false)
        if (catted.bytes !== size) throw new Error(`${label}: the reference cat gave ${catted.bytes} bytes`)
        cats.reference.push(catted)
      }
      const a = side === 'cairn' ? adds.cairn.at(-1) : adds.reference.at(-1)
      const c = side === 'cairn' ? cats.cairn.at(-1) : cats.reference.at(-1)
      const n = side === 'cairn'
        ? ` (→ /dev/null ${fmt.mbps(size / 1e6 / (catsNull.at(-1) as Measured).seconds)}, HashOnRead off ${fmt.mbps(size / 1e6 / (catsUnchecked.at(-1) as Measured).seconds)})`
        : ''
      log(`${label} run ${i + 1}/${RUNS} ${side.padEnd(9)} add ${fmt.mbps(size / 1e6 / (a as Measured).seconds)} MB/s ${fmt.mb((a as Measured).rss)} MB cpu ${fmt.s((a as Measured).cpu)} s · ` +
        `cat ${fmt.mbps(size / 1e6 / (c as Measured).seconds)}${n} MB/s ${fmt.mb((c as Measured).rss)} MB cpu ${fmt.s((c as Measured).cpu)} s`)
    }
  }
  await rm(repo, { recursive: true, force: true })
  await rm(store, { recursive: true, force: true })
  inner.sort((a, b) => a - b)
  return {
    size,
    profile,
    cid: ours.cid,
    add: { cairn: cell(size, adds.cairn), reference: cell(size, adds.reference) },
    cat: { cairn: cell(size, cats.cairn), reference: cell(size, cats.reference) },
    catNull: cell(size, catsNull),
    catUnchecked: cell(size, catsUnchecked),
    refInnerAdd: inner[Math.floor(inner.length / 2)]
  }
}

/**
 * The tree to add: a copy of one package folder (the folder is the tree's root), or of several
 * side by side under one root, made once in bench/data.
 */
async function treeOf (sources: string[]): Promise<string> {
  const names = sources.map(source => basename(source))
  const tree = join(DATA_DIR, 'tree', names.join('+'))
  if ((await stat(tree).catch(() => undefined)) == null) {
    await mkdir(join(DATA_DIR, 'tree'), { recursive: true })
    const partial = `${tree}.partial`
    await rm(partial, { recursive: true, force: true })
    if (sources.length === 1) {
      await cp(join(ROOT, sources[0]), partial, { recursive: true, verbatimSymlinks: true })
    } else {
      for (let i = 0; i < sources.length; i++) {
        await cp(join(ROOT, sources[i]), join(partial, names[i]), { recursive: true, verbatimSymlinks: true })
      }
    }
    await rename(partial, tree)
  }
  return tree
}

async function benchTree (sources: string[], profile: string): Promise<TreeResult> {
  const tree = await treeOf(sources)
  const source = sources.join(' + ')
  const facts = await treeFacts(tree)
  const repo = join(WORK, 'repo')
  const store = join(WORK, 'level')
  const label = `tree ${source} (${facts.files} files) ${profile}`
  const adds: Record<Side, Measured[]> = { cairn: [], reference: [] }
  let cid = ''
  let refCid = ''
  for (let i = 0; i < RUNS; i++) {
    const order: Side[] = i % 2 === 0 ? ['cairn', 'reference'] : ['reference', 'cairn']
    for (const side of order) {
      await warmPageCache(tree)
      if (side === 'cairn') {
        await freshRepo(repo, profile)
        const added = await addCairn(repo, tree, true)
        cid = added.cid
        adds.cairn.push(added.measured)
      } else {
        await rm(store, { recursive: true, force: true })
        const added = await addReference(store, tree, profile, true)
        refCid = added.cid
        adds.reference.push(added.measured)
      }
      const m = adds[side].at(-1) as Measured
      log(`${label} run ${i + 1}/${RUNS} ${side.padEnd(9)} add ${m.seconds.toFixed(2)} s ${fmt.mb(m.rss)} MB`)
    }
  }
  await rm(repo, { recursive: true, force: true })
  await rm(store, { recursive: true, force: true })
  const perSecond = (ms: Measured[]): number => {
    const rates = ms.map(m => facts.files / m.seconds).sort((a, b) => a - b)
    return rates[Math.floor(rates.length / 2)]
  }
  return {
    profile,
    cid,
    refCid,
    facts,
    add: { cairn: cell(facts.bytes, adds.cairn), reference: cell(facts.bytes, adds.reference) },
    filesPerSecond: { cairn: perSecond(adds.cairn), reference: perSecond(adds.reference) }
  }
}

function fileRows (results: FileResult[], what: 'add' | 'cat'): string[][] {
  return results.map(r => {
    const ours = r[what].cairn
    const ref = r[what].reference
    return [
      sizeLabel(r.size),
      r.profile,
      `**${fmt.mbps(ours.median)}** / ${fmt.mbps(ours.min)}`,
      `${fmt.mbps(ref.median)} / ${fmt.mbps(ref.min)}`,
      `**${fmt.ratio(ours.median / ref.median)}**`,
      `${fmt.mb(ours.rss)} (max ${fmt.mb(ours.maxRss)})`,
      `${fmt.mb(ref.rss)} (max ${fmt.mb(ref.maxRss)})`,
      `${fmt.s(ours.cpu)} / ${fmt.s(ref.cpu)} (${fmt.ratio(ref.cpu / ours.cpu)})`,
      ours.runs.map(x => fmt.mbps(x)).join(' / '),
      ref.runs.map(x => fmt.mbps(x)).join(' / '),
      fmt.loads([...ours.loads, ...ref.loads])
    ]
  })
}

await mkdir(WORK, { recursive: true })
try {
  const fileResults: FileResult[] = []
  if (WITH_FILES) {
    for (const size of SIZES) {
      for (const profile of PROFILES) fileResults.push(await benchFile(size, profile))
    }
  }
  const treeResults: TreeResult[] = []
  if (WITH_TREE) {
    for (const profile of PROFILES) treeResults.push(await benchTree(TREE_SOURCES, profile))
  }

  const header = ['size', 'profile', 'Cairn MB/s median / min', 'reference MB/s median / min', 'ratio (medians)', 'Cairn peak RSS MB', 'reference peak RSS MB', 'CPU s Cairn / reference (ratio)', 'Cairn runs', 'reference runs', 'load (1 min)']
  const parts = [`## add and cat vs the reference (${RUNS} alternating runs, fresh processes)`, '']
  if (fileResults.length > 0) {
    parts.push(
      'Wall-clock MB/s of the whole process (start-up included), 10^6 bytes; peak RSS from `/usr/bin/time -f %M`. ' +
      'Reference = ipfs-unixfs-importer / ipfs-unixfs-exporter on blockstore-level with the same IPIP-499 profile (`bench/reference/`). ' +
      'Both sides produced the same root CID, and both cats the input\'s sha256, in an untimed verification round.',
      '',
      '### add', '', table(header, fileRows(fileResults, 'add')), '',
      'Median seconds inside the reference\'s import call (without process start-up): ' +
        fileResults.map(r => `${sizeLabel(r.size)} ${r.profile}: ${r.refInnerAdd.toFixed(2)} s (${fmt.mbps(r.size / 1e6 / r.refInnerAdd)} MB/s)`).join('; ') + '.',
      '',
      '### cat', '',
      'Cairn: `cairn cat CID | wc -c` (a real pipe, as in a shell), every block checked against its CID; the reference drains the exporter in-process, writes nothing and checks nothing. ' +
        'The last columns are, in the same runs, `cairn cat CID > /dev/null`, and `cairn cat CID | wc -c` with `Datastore.HashOnRead` off (blocks served unchecked, as the reference). ' +
        'CPU is user + system of the whole process (and of `wc`).', '',
      table([...header, 'Cairn → /dev/null MB/s median / min (ratio)', 'Cairn HashOnRead off MB/s median / min (ratio), CPU s'], fileRows(fileResults, 'cat').map((row, i) => {
        const n = fileResults[i].catNull
        const u = fileResults[i].catUnchecked
        const ref = fileResults[i].cat.reference.median
        return [...row, `${fmt.mbps(n.median)} / ${fmt.mbps(n.min)} (${fmt.ratio(n.median / ref)})`, `${fmt.mbps(u.median)} / ${fmt.mbps(u.min)} (${fmt.ratio(u.median / ref)}), ${fmt.s(u.cpu)}`]
      })), '',
      'Root CIDs: ' + fileResults.map(r => `${sizeLabel(r.size)} ${r.profile} \`${r.cid}\``).join('; ') + '.',
      ''
    )
  }
  if (treeResults.length > 0) {
    const f = treeResults[0].facts
    parts.push(
      `### many small files: \`add -r\` of a copy of \`${TREE_SOURCE}\` (${f.files} files, ${f.dirs} directories, ${(f.bytes / 1e6).toFixed(1)} MB)`, '',
      table(
        ['profile', 'Cairn MB/s median / min', 'reference MB/s median / min', 'ratio (medians)', 'files/s Cairn / reference', 'Cairn peak RSS MB', 'reference peak RSS MB', 'CPU s Cairn / reference (ratio)', 'Cairn runs', 'reference runs', 'load (1 min)', 'same root CID'],
        treeResults.map(r => [
          r.profile,
          `**${fmt.mbps(r.add.cairn.median)}** / ${fmt.mbps(r.add.cairn.min)}`,
          `${fmt.mbps(r.add.reference.median)} / ${fmt.mbps(r.add.reference.min)}`,
          `**${fmt.ratio(r.add.cairn.median / r.add.reference.median)}**`,
          `${r.filesPerSecond.cairn.toFixed(0)} / ${r.filesPerSecond.reference.toFixed(0)}`,
          fmt.mb(r.add.cairn.rss),
          fmt.mb(r.add.reference.rss),
          `${fmt.s(r.add.cairn.cpu)} / ${fmt.s(r.add.reference.cpu)} (${fmt.ratio(r.add.reference.cpu / r.add.cairn.cpu)})`,
          r.add.cairn.runs.map(x => fmt.mbps(x)).join(' / '),
          r.add.reference.runs.map(x => fmt.mbps(x)).join(' / '),
          fmt.loads([...r.add.cairn.loads, ...r.add.reference.loads]),
          r.cid === r.refCid ? `yes (\`${r.cid}\`)` : `**no**: Cairn \`${r.cid}\`, reference \`${r.refCid}\``
        ])
      ),
      ''
    )
  }
  await emit(parts.join('\n'), args.md)
  if (args.json != null) {
    const { writeFile } = await import('node:fs/promises')
    await writeFile(args.json, JSON.stringify({ files: fileResults, trees: treeResults }, null, 2))
  }
} finally {
  await rm(WORK, { recursive: true, force: true })
}

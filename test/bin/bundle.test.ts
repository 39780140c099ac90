/**
 * The bundle (bin/build.ts) and how bin/cairn.js chooses it (issue 14 §6: start-up). A bundle is
 * built into a folder of its own inside the clone (its externals resolve from node_modules);
 * `CAIRN_DIST_DIR` points bin/cairn.js at it. What is checked: commands and a daemon run from the
 * bundle; a small command loads no heavy chunk; a stale or missing bundle leaves the sources to run.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildBundle, type BuiltBundle } from '../../bin/build.ts'
import { createTestRepo, type TestRepo } from '../helpers/cli.ts'
import { startDaemon, stopDaemon, type RunningDaemon } from '../helpers/daemon.ts'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const TRACE = fileURLToPath(new URL('../fixtures/module-trace.mjs', import.meta.url))
const SOURCE_ENTRY = pathToFileURL(join(ROOT, 'daemon', 'cli', 'main.ts')).href
/** Modules of packages a small command must not load, inside the bundle's chunks or outside. */
const HEAVY = /\/node_modules\/(libp2p|@libp2p\/(?!interface\b)[^/]+|fastify|level|classic-level|abstract-level)\//

describe('the bundle', () => {
  let dir: string
  let out: string
  let built: BuiltBundle
  let repo: TestRepo
  let n = 0

  /** Runs cairn with every loaded module written to a file; returns their URLs. */
  async function loaded (args: string[], env: NodeJS.ProcessEnv): Promise<string[]> {
    const file = join(repo.dir, `modules-${n++}.txt`)
    const result = await repo.run(args, { env: { ...env, NODE_OPTIONS: `--import=${TRACE}`, CAIRN_TEST_MODULE_TRACE: file } })
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    return (await readFile(file, 'utf8')).trim().split('\n')
  }

  /** The modules inside the bundle chunks among `urls`. */
  function bundledModules (urls: string[]): string[] {
    return urls.filter(url => url.startsWith(pathToFileURL(out).href + '/'))
      .flatMap(url => built.chunks.get(relative(out, fileURLToPath(url))) ?? [`unknown chunk ${url}`])
  }

  beforeAll(async () => {
    await mkdir(join(ROOT, '.test-repos'), { recursive: true })
    dir = await mkdtemp(join(ROOT, '.test-repos', 'bundle-'))
    out = join(dir, 'dist')
    built = await buildBundle(out)
    repo = await createTestRepo()
  })
  afterAll(async () => {
    await repo?.cleanup()
    if (dir != null) await rm(dir, { recursive: true, force: true })
  })

  it('lists every project file it holds, with the lock file npm rewrites', () => {
    const files = built.manifest.inputs.map(([file]) => file)
    expect(files).toContain(join('daemon', 'cli', 'main.ts'))
    expect(files).toContain(join('dag', 'exporter', 'cat.ts'))
    expect(files).toContain(join('node_modules', '.package-lock.json'))
    expect(files.filter(file => file.startsWith('node_modules')).length).toBe(1)
  })

  it('runs add and cat from the bundle, loading nothing from the sources', async () => {
    const env = { CAIRN_DIST_DIR: out }
    const modules = await loaded(['add', '-Q', '--pin=false', fileURLToPath(import.meta.url)], env)
    expect(modules).toContain(pathToFileURL(join(out, 'main.js')).href)
    expect(modules.filter(url => url.endsWith('.ts'))).toEqual([])
    const cid = (await repo.run(['add', '-Q'], { input: 'from the bundle', env })).out.trim()
    const cat = await repo.run(['cat', cid], { env })
    expect(cat.code).toBe(0)
    expect(cat.out).toBe('from the bundle')
  })

  it('keeps the sources\' laziness: version loads no chunk holding libp2p, fastify or LevelDB; cat loads LevelDB', async () => {
    const version = bundledModules(await loaded(['version'], { CAIRN_DIST_DIR: out }))
    expect(version.length).toBeGreaterThan(5)
    expect(version.filter(id => HEAVY.test(id))).toEqual([])
    const cid = (await repo.run(['add', '-Q'], { input: 'lazy', env: { CAIRN_DIST_DIR: out } })).out.trim()
    const cat = bundledModules(await loaded(['cat', cid], { CAIRN_DIST_DIR: out }))
    expect(cat.some(id => /\/node_modules\/classic-level\//.test(id))).toBe(true)
    expect(cat.some(id => /\/node_modules\/(libp2p|fastify)\//.test(id))).toBe(false)
  })

  it('is not used once a file it was built from has changed: the sources run', async () => {
    const stale = join(dir, 'stale')
    await mkdir(stale)
    const [file, size, mtimeMs] = built.manifest.inputs[0]
    const manifest = { ...built.manifest, inputs: [[file, size + 1, mtimeMs], ...built.manifest.inputs.slice(1)] }
    // no chunks beside this manifest: a launcher that used it would fail to import main.js
    await writeFile(join(stale, 'manifest.json'), JSON.stringify(manifest))
    const modules = await loaded(['version'], { CAIRN_DIST_DIR: stale })
    expect(modules).toContain(SOURCE_ENTRY)
  })

  it('is not used when missing or when CAIRN_NO_BUNDLE=1', async () => {
    expect(await loaded(['version'], { CAIRN_DIST_DIR: join(dir, 'missing') })).toContain(SOURCE_ENTRY)
    const forced = await loaded(['version'], { CAIRN_DIST_DIR: out, CAIRN_NO_BUNDLE: '1' })
    expect(forced).toContain(SOURCE_ENTRY)
    expect(forced.filter(url => url.startsWith(pathToFileURL(out).href))).toEqual([])
  })

  describe('a daemon started from it', () => {
    let daemon: RunningDaemon | undefined
    beforeAll(async () => { daemon = await startDaemon(repo, { env: { CAIRN_DIST_DIR: out } }) })
    afterAll(async () => { if (daemon != null) await stopDaemon(daemon) })

    it('is online (libp2p from the bundle) and serves the CLI', async () => {
      const env = { CAIRN_DIST_DIR: out }
      const id = JSON.parse((await repo.run(['id', '--enc=json'], { env })).out) as { Addresses: string[], Protocols: string[] }
      expect(id.Addresses.some(addr => addr.startsWith('/ip4/127.0.0.1/tcp/'))).toBe(true)
      expect(id.Protocols).toContain('/ipfs/bitswap/1.2.0')
      const cid = (await repo.run(['add', '-Q'], { input: 'through a bundled daemon', env })).out.trim()
      expect((await repo.run(['cat', cid], { env })).out).toBe('through a bundled daemon')
    })
  })
})

/**
 * `npm run build` (also npm's `prepare`, so `npm install` and `npm ci` run it): bundles the `cairn`
 * command with rolldown into `dist/`, which `bin/cairn.js` runs instead of the TypeScript sources
 * while the bundle is fresh.
 *
 * Why: a small command spends most of its life loading modules, not working. `cairn cat` of a 1 KiB
 * file offline loads ~215 modules (LevelDB, multiformats, the codecs, the exporter, commander), and
 * Node resolves, reads and links each one separately (package.json lookups, realpath, type
 * stripping): ~330 ms from the sources, ~200 ms from the bundle, where the same code is a handful
 * of chunks. Code splitting keeps the laziness of the sources: `version` loads no LevelDB and a cat
 * through the daemon no libp2p, from the bundle as from the sources.
 *
 * Freshness: `dist/manifest.json` lists every project file in the bundle with its size and mtime,
 * plus `package.json` and npm's `node_modules/.package-lock.json` (rewritten whenever npm changes
 * node_modules). `bin/cairn.js` stats them (~1 ms) and runs the sources when any differs, so an
 * edited source is never shadowed by an old bundle: `npm run build` again to get the speed back.
 * `CAIRN_NO_BUNDLE=1` always runs the sources.
 *
 * Left outside the bundle, loaded from node_modules as usual: packages that find files beside
 * their own code (`__dirname`): classic-level's binding (its native addon), rabin-wasm (its `.wasm`), fastify
 * and pino (worker files). The build fails if any bundled code still names `__dirname`, so a new
 * dependency of that kind is noticed here and not by a user.
 *
 * Usage: `node bin/build.ts [--out DIR] [--if-possible]`; `--if-possible` exits 0 with a notice when
 * rolldown is not installed (an install without devDependencies), which leaves the CLI on the sources.
 */
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { isAbsolute, join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository root (this file lives in `bin/`). */
const ROOT = join(fileURLToPath(new URL('.', import.meta.url)), '..')
const ENTRY = join(ROOT, 'daemon', 'cli', 'main.ts')
/** Packages that read files beside their own code: loaded from node_modules, not bundled. */
const EXTERNAL = [/^node:/, /^(rabin-wasm|fastify|pino|thread-stream)(\/|$)/, /^@fastify\//, /^pino-/]

/**
 * classic-level is bundled (it and abstract-level are ~25 modules) except the one file that loads
 * its native addon from beside itself: that stays in node_modules, imported by package path.
 */
const classicLevelBinding = {
  name: 'classic-level-binding',
  resolveId (source: string, importer: string | undefined) {
    if (/^\.\/binding(\.js)?$/.test(source) && importer != null && /[\\/]node_modules[\\/]classic-level[\\/]/.test(importer)) {
      return { id: 'classic-level/binding.js', external: true }
    }
    return null
  }
}
/** Files outside the bundle whose change makes it stale: what npm installed, and the package. */
const ALSO_WATCHED = ['package.json', join('node_modules', '.package-lock.json')]

/** What `bin/cairn.js` reads: the entry chunk, and the files whose size and mtime must still match. */
export interface BundleManifest {
  entry: string
  /** [path relative to the repository root, size, mtimeMs] */
  inputs: Array<[string, number, number]>
}

/** What {@link buildBundle} made: the manifest, and the modules in each chunk (by its path in `out`). */
export interface BuiltBundle {
  manifest: BundleManifest
  chunks: Map<string, string[]>
}

/** Bundles into `out` (replaced whole, so a reader never sees half a bundle). */
export async function buildBundle (out: string = join(ROOT, 'dist')): Promise<BuiltBundle> {
  const { build } = await import('rolldown')
  const staging = `${out}.tmp-${process.pid}`
  await rm(staging, { recursive: true, force: true })
  try {
    return await bundleInto(build, staging, out)
  } catch (err) {
    await rm(staging, { recursive: true, force: true })
    throw err
  }
}

async function bundleInto (build: typeof import('rolldown').build, staging: string, out: string): Promise<BuiltBundle> {
  // a file edited while rolldown reads the sources would be listed with its new mtime beside its
  // old content: such a bundle is refused rather than taken for fresh
  const started = Date.now()
  const result = await build({
    input: { main: ENTRY },
    platform: 'node',
    external: EXTERNAL,
    plugins: [classicLevelBinding],
    logLevel: 'warn',
    output: { dir: staging, format: 'esm', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js' }
  })
  const projectFiles = new Set<string>()
  const chunks = new Map<string, string[]>()
  for (const item of result.output) {
    if (item.type !== 'chunk') continue
    chunks.set(item.fileName, item.moduleIds)
    if (/\b__dirname\b|\b__filename\b/.test(stripComments(item.code))) {
      throw new Error(`bundled code in ${item.fileName} uses __dirname: add the package that does to EXTERNAL in bin/build.ts`)
    }
    for (const id of item.moduleIds) {
      if (!isAbsolute(id)) continue
      const rel = relative(ROOT, id)
      if (!rel.startsWith('..') && !rel.split(sep).includes('node_modules')) projectFiles.add(rel)
    }
  }
  const inputs: BundleManifest['inputs'] = []
  for (const file of new Set([...[...projectFiles].sort(), ...ALSO_WATCHED])) {
    const s = await stat(join(ROOT, file))
    if (s.mtimeMs > started) throw new Error(`${file} changed while it was being bundled: run the build again`)
    inputs.push([file, s.size, s.mtimeMs])
  }
  const manifest: BundleManifest = { entry: 'main.js', inputs }
  await writeFile(join(staging, 'manifest.json'), JSON.stringify(manifest) + '\n')
  await rm(out, { recursive: true, force: true })
  await rename(staging, out)
  return { manifest, chunks }
}

/** Code without its comments, roughly (enough to not flag a comment that mentions __dirname). */
function stripComments (code: string): string {
  return code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '')
}

async function rolldownInstalled (): Promise<boolean> {
  try {
    await readFile(join(ROOT, 'node_modules', 'rolldown', 'package.json'))
    return true
  } catch {
    return false
  }
}

if (process.argv[1] != null && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2)
  const outIndex = args.indexOf('--out')
  const out = outIndex >= 0 ? args[outIndex + 1] : undefined
  if (args.includes('--if-possible') && !(await rolldownInstalled())) {
    process.stderr.write('cairn: rolldown is not installed (no devDependencies): the CLI runs from its TypeScript sources\n')
  } else {
    const started = performance.now()
    if (out != null) await mkdir(join(out, '..'), { recursive: true })
    const { manifest } = await buildBundle(out)
    process.stderr.write(`cairn: bundled ${manifest.inputs.length - ALSO_WATCHED.length} source files into ${relative(process.cwd(), out ?? join(ROOT, 'dist')) || '.'} in ${Math.round(performance.now() - started)} ms\n`)
  }
}

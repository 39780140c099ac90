#!/bin/sh
':' //; p=$(readlink -f "$0") && n="${p%/*}/../node_modules/node/bin/node" && [ -x "$n" ] && exec "$n" "$p" "$@"; exec node "$0" "$@"
// The `cairn` command. This file is plain JavaScript so that any Node can start it: Cairn needs
// Node >= 22 with TypeScript type stripping, and on an older Node it re-runs itself with the
// project's own Node 24 (the `node` devDependency) when that is installed.
//
// Run as a program (`./bin/cairn.js`, or the `cairn` npm links to it), the file is first a shell
// script: the line above execs the project's Node 24 on this file when it is installed, and the
// `node` on the PATH otherwise, so the common case never starts an older Node at all (the system
// Node 20 here spends ~80 ms on its own start-up). To JavaScript that line is a string and a
// comment.
//
// On Node 24 it runs the bundle `npm install` builds into dist/ (bin/build.ts) while that is fresh,
// and the TypeScript sources otherwise: see freshBundle below.
//
// Only built-in modules are imported here, so that the older Node's part of a re-run costs little
// more than its own start-up (~40 ms): the re-run is spawned before anything else happens. Those
// Node loads while it starts cost nothing; node:child_process (~8 ms) is imported only to re-run.
import module from 'node:module'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const self = fileURLToPath(import.meta.url)
const here = dirname(self)
const major = Number(process.versions.node.split('.')[0])
// CAIRN_FORCE_REEXEC=1 takes the older-Node path on any Node (for the tests of this file)
const canRun = major >= 22 && Boolean(process.features.typescript) && process.env.CAIRN_FORCE_REEXEC !== '1'

if (canRun) {
  // V8's code cache for every module Cairn loads (in the OS temp dir, keyed by content and Node
  // version; NODE_DISABLE_COMPILE_CACHE=1 turns it off): start-up goes from ~270 ms to ~150 ms,
  // which is most of a small `add` or `cat`
  module.enableCompileCache?.()
  await import(freshBundle() ?? join(here, '..', 'daemon', 'cli', 'main.ts'))
} else {
  const projectNode = join(here, '..', 'node_modules', 'node', 'bin', 'node')
  if (!existsSync(projectNode) || process.env.CAIRN_REEXEC === '1') {
    process.stderr.write(`Error: cairn needs Node.js 22.18 or newer (this is ${process.version}). ` +
      `Run "npm install" in ${join(here, '..')} to get the project's Node 24, or install Node 24.\n`)
    process.exit(1)
  }
  // The child runs this file again, not main.ts directly, so that it takes the branch above and
  // turns on the compile cache: without it the child compiles every module afresh, which made the
  // re-run ~0.3 s slower than running on Node 24 directly.
  const { spawn } = await import('node:child_process')
  const child = spawn(projectNode, [self, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, CAIRN_REEXEC: '1', CAIRN_FORCE_REEXEC: '' }
  })
  // Ctrl-C reaches the child directly (same process group), so SIGINT is only ignored here;
  // a SIGTERM or SIGHUP sent to this process alone is passed on
  const forward = (signal) => { child.kill(signal) }
  process.on('SIGINT', () => {})
  process.on('SIGTERM', forward)
  process.on('SIGHUP', forward)
  child.on('exit', (code, signal) => {
    if (signal != null) {
      process.removeAllListeners(signal)
      process.kill(process.pid, signal)
    }
    process.exit(code ?? 1)
  })
}

/**
 * The bundle's entry (`dist/main.js`, made by `npm run build`: see bin/build.ts) when every file it
 * was built from still has the size and mtime its manifest lists; undefined otherwise, and then the
 * sources run. The bundle starts a small command ~130 ms sooner: Node loads a few chunks instead of
 * ~200 modules. `CAIRN_NO_BUNDLE=1` always runs the sources; `CAIRN_DIST_DIR` names another bundle
 * (for the tests of this file).
 */
function freshBundle () {
  if (process.env.CAIRN_NO_BUNDLE === '1') return undefined
  const root = join(here, '..')
  const dist = process.env.CAIRN_DIST_DIR || join(root, 'dist')
  let manifest
  try {
    manifest = JSON.parse(readFileSync(join(dist, 'manifest.json'), 'utf8'))
  } catch {
    return undefined // never built (or being rebuilt): the sources
  }
  for (const [file, size, mtimeMs] of manifest.inputs) {
    // concatenated, not joined: path.join costs more than the stat here (every path is relative)
    const s = statSync(root + '/' + file, { throwIfNoEntry: false })
    if (s?.size !== size || s.mtimeMs !== mtimeMs) return undefined
  }
  return join(dist, manifest.entry)
}

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
// Only built-in modules are imported here, so that the older Node's part of a re-run costs little
// more than its own start-up (~40 ms): the re-run is spawned before anything else happens. Those
// Node loads while it starts cost nothing; node:child_process (~8 ms) is imported only to re-run.
import module from 'node:module'
import { existsSync } from 'node:fs'
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
  await import(join(here, '..', 'daemon', 'cli', 'main.ts'))
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

/**
 * The `cairn` launcher on a Node too old to run it: it re-runs itself with the project's Node 24,
 * or says what to install.
 */
import { spawnSync } from 'node:child_process'
import { chmod, copyFile, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { CAIRN_BIN, runCairn } from '../helpers/cli.ts'

describe('bin/cairn.js on an older Node', () => {
  it('re-runs itself with the project\'s Node 24', async () => {
    const result = await runCairn(['version', '--enc=json'], { env: { CAIRN_FORCE_REEXEC: '1' } })
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(JSON.parse(result.out).Golang).toMatch(/^node-v24\./)
  })

  it('runs the re-run child with the compile cache on', async () => {
    // the default cache lives in the OS temp dir: a fresh one shows whether the child wrote to it
    const dir = await mkdtemp(join(tmpdir(), 'cairn-cache-'))
    try {
      const env: NodeJS.ProcessEnv = { CAIRN_FORCE_REEXEC: '1', TMPDIR: dir, NODE_COMPILE_CACHE: undefined, NODE_DISABLE_COMPILE_CACHE: undefined }
      const result = await runCairn(['version'], { env })
      expect(result.stderr).toBe('')
      expect(result.code).toBe(0)
      const cache = await readdir(join(dir, 'node-compile-cache'), { recursive: true })
      expect(cache.length).toBeGreaterThan(0)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('run as a program (through a link, as npm installs it), starts the project\'s Node 24 without the node on the PATH', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cairn-bin-'))
    try {
      // a `node` first on the PATH that fails: the shell line must not need it
      await writeFile(join(dir, 'node'), '#!/bin/sh\necho "the PATH node ran" >&2\nexit 3\n')
      await chmod(join(dir, 'node'), 0o755)
      await symlink(CAIRN_BIN, join(dir, 'cairn'))
      const result = spawnSync(join(dir, 'cairn'), ['version', '--enc=json'], {
        env: { ...process.env, PATH: `${dir}:${process.env.PATH ?? ''}` },
        encoding: 'utf8'
      })
      expect(result.stderr).toBe('')
      expect(result.status).toBe(0)
      expect(JSON.parse(result.stdout).Golang).toMatch(/^node-v24\./)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('says what to install when the project\'s Node is missing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cairn-bin-'))
    try {
      await mkdir(join(dir, 'bin'))
      await copyFile(CAIRN_BIN, join(dir, 'bin', 'cairn.js'))
      const result = spawnSync(process.execPath, [join(dir, 'bin', 'cairn.js'), 'version'], {
        env: { ...process.env, CAIRN_FORCE_REEXEC: '1' },
        encoding: 'utf8'
      })
      expect(result.status).toBe(1)
      expect(result.stderr).toMatch(/^Error: cairn needs Node\.js 22\.18 or newer .*Run "npm install"/)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

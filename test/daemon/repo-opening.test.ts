/**
 * The repo is never created or replaced behind the user's back (issue 14 §1): a folder with a
 * repo's data but no config is an error that names what is missing, a path named by CAIRN_PATH or
 * --repo-dir that holds no repo is an error telling to run `cairn init`, and only the default repo
 * (~/.cairn) is created on first use. Also the global --repo-dir, -c/--config and -D/--debug.
 */
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestRepo, runCairn, type TestRepo } from '../helpers/cli.ts'
import { startDaemon, stopDaemon } from '../helpers/daemon.ts'

/** Every file under `dir` with its size and mtime: what "the repo is untouched" compares. */
async function snapshot (dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const name of await readdir(dir, { recursive: true })) {
    const info = await stat(join(dir, name))
    out[name] = info.isDirectory() ? 'dir' : `${info.size}@${info.mtimeMs}`
  }
  return out
}

describe('a repo that lost its config', () => {
  let repo: TestRepo
  let cid: string
  beforeAll(async () => {
    repo = await createTestRepo()
    const added = await repo.run(['add', '-Q'], { input: 'kept bytes' })
    expect(added.code).toBe(0)
    cid = added.out.trim()
    await rm(join(repo.path, 'config'))
  })
  afterAll(async () => { await repo?.cleanup() })

  it('makes `pin ls` fail with exit 1, naming the missing config, and leaves the repo untouched', async () => {
    const before = await snapshot(repo.path)
    const result = await repo.run(['pin', 'ls'])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(new RegExp(`^Error: no repo config found at ${join(repo.path, 'config')}, but ${repo.path} holds repo data \\(datastore, blocks\\)`))
    expect(result.out).toBe('')
    expect(await snapshot(repo.path)).toEqual(before)
  })

  it('is not given a new identity by `init` or by the daemon either', async () => {
    const before = await snapshot(repo.path)
    const init = await repo.run(['init'])
    expect(init.code).toBe(1)
    expect(init.stderr).toMatch(/^Error: no repo config found at .*config/)
    const daemon = await repo.run(['daemon', '--offline', '--init'])
    expect(daemon.code).toBe(1)
    expect(daemon.stderr).toMatch(/^Error: no repo config found at .*config/)
    expect(await snapshot(repo.path)).toEqual(before)
    expect(cid).toMatch(/^Qm/)
  })

  it('an unreadable config is an error too, never replaced', async () => {
    const broken = await createTestRepo()
    try {
      const config = join(broken.path, 'config')
      await rm(config)
      await mkdir(config)
      const result = await broken.run(['repo', 'stat'])
      expect(result.code).toBe(1)
      expect(result.stderr).toMatch(/^Error: /)
      expect((await stat(config)).isDirectory()).toBe(true)
    } finally {
      await broken.cleanup()
    }
  })
})

describe('a repo path that holds no repo', () => {
  let repo: TestRepo
  beforeAll(async () => { repo = await createTestRepo({ init: false }) })
  afterAll(async () => { await repo?.cleanup() })

  it('named by CAIRN_PATH, fails telling to run `cairn init`, and creates nothing', async () => {
    const result = await repo.run(['add', '-Q'], { input: 'x' })
    expect(result.code).toBe(1)
    expect(result.stderr).toBe(`Error: no repo found at ${repo.path}; run "cairn init" to create one\n`)
    expect(await readdir(repo.dir)).toEqual([])
  })

  it('an empty folder is no repo either', async () => {
    await mkdir(repo.path)
    const result = await repo.run(['pin', 'ls'])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/^Error: no repo found at .*; run "cairn init"/)
    expect(await readdir(repo.path)).toEqual([])
    await rm(repo.path, { recursive: true })
  })

  it('the daemon on it fails the same way, and creates it with --init, as Kubo\'s does', async () => {
    const refused = await repo.run(['daemon', '--offline'])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/^Error: no repo found at .*; run "cairn init"/)
    expect(await readdir(repo.dir)).toEqual([])

    const daemon = await startDaemon(repo, { args: ['--offline', '--init', '--init-profile', 'test'] })
    try {
      expect(daemon.output()).toContain(`initializing a new repo at ${repo.path}`)
    } finally {
      await stopDaemon(daemon)
    }
    expect(await readdir(repo.path)).toContain('config')
    await rm(repo.path, { recursive: true })
  })

  it('the default repo (~/.cairn) is created on first use, with a notice on stderr', async () => {
    const home = { HOME: repo.dir, CAIRN_PATH: '' }
    const result = await repo.run(['add', '-Q'], { input: 'first', env: home })
    expect(result.code).toBe(0)
    expect(result.stderr).toBe(`initializing a new repo at ${join(repo.dir, '.cairn')}\n`)
    expect(JSON.parse(await readFile(join(repo.dir, '.cairn', 'config'), 'utf8')).Identity.PeerID).toMatch(/^12D3KooW/)
    await rm(join(repo.dir, '.cairn'), { recursive: true })
  })
})

describe('global options', () => {
  let repo: TestRepo
  beforeAll(async () => { repo = await createTestRepo() })
  afterAll(async () => { await repo?.cleanup() })

  it('--repo-dir and -c/--config name the repo, before or after the command, over CAIRN_PATH', async () => {
    const elsewhere = { CAIRN_PATH: join(repo.dir, 'not-a-repo') }
    const added = await runCairn(['--repo-dir', repo.path, 'add', '-Q'], { input: 'via repo-dir', env: elsewhere })
    expect(added.stderr).toBe('')
    expect(added.code).toBe(0)
    const cid = added.out.trim()
    for (const args of [['-c', repo.path, 'cat', cid], ['cat', cid, '--config', repo.path], ['cat', `--repo-dir=${repo.path}`, cid]]) {
      const result = await runCairn(args, { env: elsewhere })
      expect(result.stderr).toBe('')
      expect(result.out).toBe('via repo-dir')
    }
    const missing = await runCairn(['--repo-dir', join(repo.dir, 'nothing'), 'pin', 'ls'], { env: elsewhere })
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/^Error: no repo found at .*nothing; run "cairn init"/)
  })

  it('`init --repo-dir` creates the repo there', async () => {
    const path = join(repo.dir, 'made-by-init')
    const result = await runCairn(['init', '--repo-dir', path, '--profile', 'test'])
    expect(result.code).toBe(0)
    expect(await readdir(path)).toContain('config')
  })

  it('-D/--debug logs what Cairn does on stderr, as DEBUG=cairn:* does', async () => {
    const quiet = await repo.run(['add', '-Q'], { input: 'debug bytes', env: { DEBUG: '' } })
    expect(quiet.stderr).toBe('')
    for (const flag of ['-D', '--debug']) {
      const result = await repo.run([flag, 'add', '-Q'], { input: `debug bytes ${flag}`, env: { DEBUG: '' } })
      expect(result.code).toBe(0)
      expect(result.stderr).toMatch(/cairn:blockstore:store stored \d+ new blocks/)
      expect(result.out).toMatch(/^Qm\w+\n$/)
    }
  })
})

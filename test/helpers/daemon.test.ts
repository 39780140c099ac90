/**
 * The shared daemon helper: what it reads once the daemon is ready, how it stops one, and that a
 * daemon which never gets ready neither hangs the test nor stays behind.
 */
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestRepo, type TestRepo } from './cli.ts'
import { killDaemon, startDaemon, stopDaemon } from './daemon.ts'

/** The ids of live processes started on `repo` (their environment names its path), from /proc. */
async function processesOn (repo: TestRepo): Promise<number[]> {
  const found: number[] = []
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue
    // a process that ended meanwhile, or another user's, reads as nothing
    const environ = await readFile(join('/proc', pid, 'environ'), 'utf8').catch(() => '')
    if (environ.split('\0').includes(`CAIRN_PATH=${repo.path}`)) found.push(Number(pid))
  }
  return found
}

describe('startDaemon', () => {
  let repo: TestRepo
  beforeAll(async () => { repo = await createTestRepo() })
  afterAll(async () => { await repo?.cleanup() })

  it('gives the API and gateway of the repo\'s files as URLs; stopping twice gives the exit code twice', async () => {
    const daemon = await startDaemon(repo, { args: ['--offline'] })
    try {
      const apiAddr = (await readFile(join(repo.path, 'api'), 'utf8')).trim()
      const gatewayAddr = (await readFile(join(repo.path, 'gateway'), 'utf8')).trim()
      expect(daemon.apiAddr).toBe(apiAddr)
      expect(daemon.api).toBe(`http://127.0.0.1:${apiAddr.split('/')[4]}`)
      expect(daemon.gateway).toBe(`http://127.0.0.1:${gatewayAddr.split('/')[4]}`)
      expect(daemon.output()).toContain('Daemon is ready')
      const version = await fetch(`${daemon.api}/api/v0/version`, { method: 'POST' })
      expect(version.status).toBe(200)
    } finally {
      expect(await stopDaemon(daemon)).toBe(0)
    }
    expect(await stopDaemon(daemon)).toBe(0)
    await killDaemon(daemon)
  })

  it('fails with the daemon\'s output when it exits before it is ready', async () => {
    const bare = await createTestRepo({ init: false })
    try {
      await expect(startDaemon(bare, { args: ['--offline'] })).rejects.toThrow(/exited with 1 before it was ready: .*no repo found/s)
    } finally {
      await bare.cleanup()
    }
  })

  it('kills a daemon that is not ready in time, so the repo is free for the next one', async () => {
    await expect(startDaemon(repo, { args: ['--offline'], timeoutMs: 1 })).rejects.toThrow(/the daemon to be ready/)
    expect(await processesOn(repo)).toEqual([])
    const next = await startDaemon(repo, { args: ['--offline'] })
    expect(await stopDaemon(next)).toBe(0)
  })
})

/**
 * End to end: the real `cairn daemon` serves the gateway on `Addresses.Gateway` and writes the
 * `gateway` file; content added with the real `cairn add` comes back over HTTP.
 */
import { randomBytes } from 'node:crypto'
import { readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestRepo, type TestRepo } from '../helpers/cli.ts'
import { startDaemon, stopDaemon } from '../helpers/daemon.ts'

describe('cairn daemon gateway', () => {
  let repo: TestRepo
  beforeAll(async () => { repo = await createTestRepo() })
  afterAll(async () => { await repo?.cleanup() })

  it('writes the gateway file, prints its address before "Daemon is ready", serves added content, and cleans up', async () => {
    const daemon = await startDaemon(repo, { args: ['--offline'] })
    const output = daemon.output
    try {
      const address = (await readFile(join(repo.path, 'gateway'), 'utf8')).trim()
      expect(address).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/[1-9]\d*$/)
      const line = `Gateway server listening on ${address}`
      expect(output()).toContain(line)
      expect(output().indexOf(line)).toBeLessThan(output().indexOf('Daemon is ready'))
      const port = address.split('/')[4]

      const data = randomBytes(700_000)
      const file = join(repo.dir, 'page.bin')
      await writeFile(file, data)
      const added = await repo.run(['add', '-Q', '--cid-version=1', '--chunker=size-262144', file])
      expect(added.code).toBe(0)
      const cid = added.out.trim()
      const res = await fetch(`http://127.0.0.1:${port}/ipfs/${cid}`)
      expect(res.status).toBe(200)
      expect(res.headers.get('cache-control')).toBe('public, max-age=29030400, immutable')
      expect(Buffer.from(await res.arrayBuffer()).equals(data)).toBe(true)
      const range = await fetch(`http://127.0.0.1:${port}/ipfs/${cid}`, { headers: { Range: 'bytes=300000-300009' } })
      expect(range.status).toBe(206)
      expect(Buffer.from(await range.arrayBuffer()).equals(data.subarray(300000, 300010))).toBe(true)
    } finally {
      await stopDaemon(daemon)
    }
    expect(await daemon.exited).toBe(0)
    expect(await stat(join(repo.path, 'gateway')).then(() => true, () => false)).toBe(false)
  })
})

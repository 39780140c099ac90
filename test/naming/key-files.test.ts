/**
 * `key export` and `key import` with the real binary, in Kubo's shape: export writes the libp2p
 * protobuf private key to `<name>.key` in the current folder (or `-o <file>`, `-o -` for stdout),
 * owner-only; import reads that file back, by the CLI, so a daemon in another folder gets the bytes.
 */
import { readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { privateKeyFromProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { base36 } from 'multiformats/bases/base36'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestRepo, type TestRepo } from '../helpers/cli.ts'
import { startDaemon, stopDaemon } from '../helpers/daemon.ts'

/** The base36 IPNS name of a libp2p protobuf private key: an oracle independent of Cairn's keystore. */
function nameOfKeyFile (bytes: Uint8Array): string {
  return peerIdFromPrivateKey(privateKeyFromProtobuf(bytes)).toCID().toString(base36)
}

describe('key export -o / key import', () => {
  let repo: TestRepo
  beforeAll(async () => { repo = await createTestRepo() })
  afterAll(async () => { await repo?.cleanup() })

  it('writes <name>.key (owner-only) by default, -o elsewhere, -o - to stdout; import reads it back', async () => {
    const gen = await repo.run(['key', 'gen', 'site'])
    expect(gen.code).toBe(0)
    const id = gen.out.trim()
    const exported = await repo.run(['key', 'export', 'site'], { cwd: repo.dir })
    expect(exported.stderr).toBe('')
    expect(exported.stdout.byteLength).toBe(0)
    const file = join(repo.dir, 'site.key')
    const bytes = await readFile(file)
    expect(nameOfKeyFile(bytes)).toBe(id)
    expect((await stat(file)).mode & 0o777).toBe(0o600)
    // an existing file is made owner-only before the key goes into it
    const other = join(repo.dir, 'other.key')
    await writeFile(other, 'old', { mode: 0o644 })
    expect((await repo.run(['key', 'export', '-o', other, 'site'])).code).toBe(0)
    expect(await readFile(other)).toEqual(bytes)
    expect((await stat(other)).mode & 0o777).toBe(0o600)
    const stdout = await repo.run(['key', 'export', '-o', '-', 'site'])
    expect(stdout.stdout.equals(bytes)).toBe(true)
    expect((await repo.run(['key', 'rm', 'site'])).code).toBe(0)
    const imported = await repo.run(['key', 'import', 'back', 'site.key'], { cwd: repo.dir })
    expect(imported.stderr).toBe('')
    expect(imported.out.trim()).toBe(id)
    const missing = await repo.run(['key', 'export', 'nope'], { cwd: repo.dir })
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/^Error: /)
  })

  it('through a daemon: the CLI writes the file the daemon answered, and sends the file it imports', async () => {
    const daemon = await startDaemon(repo, { args: ['--offline'], timeoutMs: 60_000 })
    try {
      const gen = await repo.run(['key', 'gen', 'remote'])
      const id = gen.out.trim()
      const exported = await repo.run(['key', 'export', '-o', 'remote-copy.key', 'remote'], { cwd: repo.dir })
      expect(exported.stderr).toBe('')
      expect(nameOfKeyFile(await readFile(join(repo.dir, 'remote-copy.key')))).toBe(id)
      expect((await repo.run(['key', 'rm', 'remote'])).code).toBe(0)
      // a path relative to the CLI's folder, which the daemon does not share
      const imported = await repo.run(['key', 'import', 'again', 'remote-copy.key'], { cwd: repo.dir })
      expect(imported.stderr).toBe('')
      expect(imported.out.trim()).toBe(id)
    } finally {
      await stopDaemon(daemon)
    }
  })
})

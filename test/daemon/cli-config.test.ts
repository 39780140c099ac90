/**
 * The config through the real CLI (issue 10 §5): values that would break later commands are
 * refused when set, a hand-edited file with such a value is refused when the repo opens (naming
 * the key and the reason), and profiles are looked up as own entries only.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestRepo, type TestRepo } from '../helpers/cli.ts'

describe('cairn config', () => {
  let repo: TestRepo
  beforeAll(async () => { repo = await createTestRepo() })
  afterAll(async () => { await repo?.cleanup() })

  it.each([
    [['Import.CidVersion', '7', '--json'], 'Import.CidVersion'],
    [['Import.UnixFSChunker', 'bogus'], 'Import.UnixFSChunker'],
    [['Datastore.StorageMax', 'lots'], 'Datastore.StorageMax'],
    [['Addresses.API', 'notamultiaddr'], 'Addresses.API']
  ])('refuses config %j, naming the key and why', async (args, key) => {
    const result = await repo.run(['config', ...args])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(key)
    // and the next command still works
    expect((await repo.run(['repo', 'stat'])).code).toBe(0)
  })

  it('refuses prototype names as profiles', async () => {
    for (const name of ['constructor', 'toString', 'valueOf', '__proto__']) {
      const result = await repo.run(['config', 'profile', 'apply', name])
      expect(result.code).toBe(1)
      expect(result.stderr).toContain(`unknown profile "${name}"`)
    }
  })

  it('refuses to open a repo whose config file holds a bad value, naming the key', async () => {
    const file = join(repo.path, 'config')
    const good = await readFile(file, 'utf8')
    try {
      const config = JSON.parse(good) as Record<string, unknown>
      config.Import = { UnixFSChunker: 'bogus' }
      await writeFile(file, JSON.stringify(config, null, 2))
      const result = await repo.run(['repo', 'stat'])
      expect(result.code).toBe(1)
      expect(result.stderr).toMatch(/config key Import\.UnixFSChunker takes size-<bytes>.*not "bogus"/)
    } finally {
      await writeFile(file, good)
    }
    expect((await repo.run(['repo', 'stat'])).code).toBe(0)
  })
})

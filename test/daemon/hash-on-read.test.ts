/**
 * `Datastore.HashOnRead`, read where the node opens its blockstore: on (the default), a corrupt
 * block is refused; off, it is served as stored, unchecked, as Kubo does. `repo verify` checks
 * either way.
 */
import { randomBytes } from 'node:crypto'
import { open, readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createTestRepo, type TestRepo } from '../helpers/cli.ts'

let repo: TestRepo

beforeEach(async () => { repo = await createTestRepo() })
afterEach(async () => { await repo.cleanup() })

/** Flips the first byte of `marker` where the packs hold it. */
async function corrupt (marker: Buffer): Promise<void> {
  const packs = join(repo.path, 'blocks', 'packs')
  let flipped = false
  for (const name of await readdir(packs)) {
    const bytes = await readFile(join(packs, name))
    const at = bytes.indexOf(marker)
    if (at < 0) continue
    const handle = await open(join(packs, name), 'r+')
    await handle.write(Buffer.from([bytes[at] ^ 0xff]), 0, 1, at)
    await handle.close()
    flipped = true
  }
  expect(flipped).toBe(true)
}

describe('Datastore.HashOnRead', () => {
  it('is on in a new repo: a corrupt block is refused; off, it is served as stored', async () => {
    expect((await repo.run(['config', 'Datastore.HashOnRead'])).out.trim()).toBe('true')
    const marker = Buffer.from(`hash-on-read-${randomBytes(8).toString('hex')}`)
    const cid = (await repo.run(['add', '-Q', '--cid-version=1'], { input: marker })).out.trim()
    await corrupt(marker)

    const refused = await repo.run(['cat', cid])
    expect(refused.code).toBe(1)
    expect(refused.stdout.byteLength).toBe(0)
    expect(refused.stderr).toMatch(/corrupt/i)

    expect((await repo.run(['config', '--bool', 'Datastore.HashOnRead', 'false'])).code).toBe(0)
    const served = await repo.run(['cat', cid])
    expect(served.code).toBe(0)
    expect(served.stdout[0]).toBe(marker[0] ^ 0xff)
    expect(served.stdout.subarray(1).equals(marker.subarray(1))).toBe(true)

    const verify = await repo.run(['repo', 'verify'])
    expect(verify.code).toBe(1)
    expect(verify.out + verify.stderr).toContain(cid)
  })
})

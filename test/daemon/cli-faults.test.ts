/**
 * End-to-end faults: crashes, interrupts, corruption and bad CARs, through the real binary.
 */
import { randomBytes } from 'node:crypto'
import { open, readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { captureOutput, createTestRepo, packBytes, type TestRepo } from '../helpers/cli.ts'
import { GATEWAY_CONFORMANCE_FIXTURES } from '../helpers/fixtures.ts'
import { waitFor } from '../helpers/wait.ts'

const FIXTURES = GATEWAY_CONFORMANCE_FIXTURES

/** Waits until the repo's pack files hold more than `beyond` bytes: the add has written blocks. */
async function waitForPackGrowth (repo: TestRepo, beyond: number): Promise<void> {
  await waitFor(async () => (await packBytes(repo.path)) > beyond, { timeout: 30_000, message: 'the add to write a block' })
}

describe('cairn CLI faults', () => {
  let repo: TestRepo
  beforeEach(async () => { repo = await createTestRepo() })
  afterEach(async () => { await repo?.cleanup() })

  it('survives kill -9 during a large add: verify passes, no pin is dangling, the add works again', async () => {
    const file = join(repo.dir, 'big.bin')
    await writeFile(file, randomBytes(48 * 1024 * 1024))
    const before = await packBytes(repo.path)
    const child = repo.spawn(['add', '--progress=false', file])
    await waitForPackGrowth(repo, before)
    child.kill('SIGKILL')
    await new Promise(resolve => child.on('close', resolve))
    const verify = await repo.run(['repo', 'verify'])
    expect(verify.code).toBe(0)
    expect((await repo.run(['pin', 'verify'])).code).toBe(0)
    expect((await repo.run(['pin', 'ls', '--type=recursive'])).out).toBe('')
    const again = await repo.run(['add', '-Q', file])
    expect(again.code).toBe(0)
    expect((await repo.run(['pin', 'ls', '-q', '--type=recursive'])).out.trim()).toBe(again.out.trim())
    expect((await repo.run(['repo', 'verify'])).code).toBe(0)
  })

  it('leaves no pin and no stack trace when add is interrupted with Ctrl-C', async () => {
    const file = join(repo.dir, 'big.bin')
    await writeFile(file, randomBytes(48 * 1024 * 1024))
    const before = await packBytes(repo.path)
    const child = repo.spawn(['add', file])
    let stderr = ''
    child.stderr?.on('data', (d: Buffer) => { stderr += d.toString() })
    await waitForPackGrowth(repo, before)
    child.kill('SIGINT')
    const code = await new Promise<number | null>(resolve => child.on('close', resolve))
    expect(code).toBe(1)
    expect(stderr).toMatch(/Error: interrupted/)
    expect(stderr).not.toMatch(/\n\s+at /)
    expect((await repo.run(['pin', 'ls', '--type=recursive'])).out).toBe('')
    expect((await repo.run(['repo', 'verify'])).code).toBe(0)
  })

  it('survives kill -9 during gc: pinned content stays whole', async () => {
    const kept = (await repo.run(['add', '-Q', '--chunker=size-1024'], { input: randomBytes(200_000) })).out.trim()
    for (let i = 0; i < 3; i++) {
      await repo.run(['add', '-Q', '--pin=false', '--chunker=size-1024'], { input: randomBytes(300_000) })
    }
    const child = repo.spawn(['repo', 'gc'])
    const output = captureOutput(child)
    await waitFor(() => output().includes('removed'), { timeout: 30_000, message: () => `gc to remove a block; output so far: ${output()}` })
    child.kill('SIGKILL')
    await new Promise(resolve => child.on('close', resolve))
    expect((await repo.run(['repo', 'verify'])).code).toBe(0)
    expect((await repo.run(['pin', 'verify'])).code).toBe(0)
    expect((await repo.run(['cat', kept])).stdout.byteLength).toBe(200_000)
    expect((await repo.run(['repo', 'gc'])).code).toBe(0)
    expect((await repo.run(['cat', kept])).stdout.byteLength).toBe(200_000)
  })

  it('refuses to serve a corrupted block and names it in repo verify', async () => {
    const marker = Buffer.from(`corruption-marker-${randomBytes(8).toString('hex')}`)
    const cid = (await repo.run(['add', '-Q', '--cid-version=1'], { input: marker })).out.trim()
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
    const cat = await repo.run(['cat', cid])
    expect(cat.code).toBe(1)
    expect(cat.stdout.byteLength).toBe(0)
    expect(cat.stderr).toMatch(/^Error: .*(corrupt|hash)/i)
    const verify = await repo.run(['repo', 'verify'])
    expect(verify.code).toBe(1)
    expect(verify.out + verify.stderr).toContain(cid)
  })

  it('rejects bad CARs, naming what was wrong, and stores nothing invalid', async () => {
    const car = await readFile(join(FIXTURES, 'trustless_gateway_car', 'subdir-with-two-single-block-files.car'))
    const truncated = car.subarray(0, car.byteLength - 10)
    const cut = await repo.run(['dag', 'import'], { input: truncated })
    expect(cut.code).toBe(1)
    expect(cut.out + cut.stderr).toMatch(/trunc|unexpected end|short/i)
    // flip a byte inside the last block's data: that block is refused and named
    const flipped = Buffer.from(car)
    flipped[flipped.byteLength - 3] ^= 0xff
    const bad = await repo.run(['dag', 'import', '--pin-roots=false'], { input: flipped })
    expect(bad.code).toBe(1)
    expect(bad.out + bad.stderr).toMatch(/block bafk\w+|block Qm\w+|block bafy\w+/)
    expect((await repo.run(['repo', 'verify'])).code).toBe(0)
    const garbage = await repo.run(['dag', 'import'], { input: randomBytes(100) })
    expect(garbage.code).toBe(1)
    expect(garbage.stderr).toMatch(/^Error: /)
  })

  it('imports every conformance fixture CAR', async () => {
    const files: string[] = []
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        if (entry.isDirectory()) await walk(join(dir, entry.name))
        else if (entry.name.endsWith('.car')) files.push(join(dir, entry.name))
      }
    }
    await walk(FIXTURES)
    expect(files.length).toBeGreaterThan(20)
    const result = await repo.run(['dag', 'import', '--pin-roots=false', '--stats', ...files])
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(result.out).toMatch(/Imported \d+ blocks/)
  })

  it('escapes control characters in names it prints', async () => {
    const dir = join(repo.dir, 'ctl')
    await import('node:fs/promises').then(fs => fs.mkdir(dir))
    await writeFile(join(dir, 'evil\x1b[31mname'), 'x')
    const result = await repo.run(['add', '-r', dir])
    expect(result.code).toBe(0)
    expect(result.out).not.toContain('\x1b')
    expect(result.out).toContain('ctl/evil\\x1b[31mname')
  })

  it('draws a progress bar on stderr with --progress', async () => {
    const result = await repo.run(['add', '--progress'], { input: randomBytes(2 * 1024 * 1024) })
    expect(result.code).toBe(0)
    expect(result.stderr).toMatch(/MiB/)
    expect(result.out).toMatch(/^added Qm\w+ Qm\w+\n$/)
  })

  it('gives up with --timeout', async () => {
    const child = repo.spawn(['add', '--timeout=300ms'])
    // stdin stays open: the add waits for input until the timeout fires
    const code = await new Promise<number | null>(resolve => child.on('close', resolve))
    expect(code).toBe(1)
  })
})

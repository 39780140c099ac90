/**
 * `add -r` skips special files (FIFOs, sockets, devices), and names each one on stderr so that
 * nothing is left out silently (issue 10 §5).
 */
import { execFileSync } from 'node:child_process'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { collectEntries } from '../../daemon/cli/input.ts'
import { createTestRepo, type TestRepo } from '../helpers/cli.ts'

describe('add -r and special files', () => {
  let repo: TestRepo
  let tree: string
  beforeAll(async () => {
    repo = await createTestRepo()
    tree = join(repo.dir, 'tree')
    await mkdir(join(tree, 'sub'), { recursive: true })
    await writeFile(join(tree, 'a.txt'), 'a')
    execFileSync('mkfifo', [join(tree, 'sub', 'pipe')])
  })
  afterAll(async () => { await repo?.cleanup() })

  it('the walk reports each skipped special file with its kind', async () => {
    const skipped: Array<[string, string]> = []
    const paths: string[] = []
    for await (const entry of await collectEntries([tree], { recursive: true, hidden: false, onSkip: (path, kind) => skipped.push([path, kind]) })) paths.push(entry.path)
    expect(skipped).toEqual([[join(tree, 'sub', 'pipe'), 'a FIFO']])
    expect(paths).toEqual(['tree', 'tree/a.txt', 'tree/sub'])
  })

  it('cairn add -r names the FIFO it skips on stderr, and adds the rest', async () => {
    const result = await repo.run(['add', '-r', '-Q', tree])
    expect(result.code).toBe(0)
    expect(result.stderr).toContain(`skipping ${join(tree, 'sub', 'pipe')}: it is a FIFO`)
    expect(result.out.trim()).toMatch(/^bafy|^Qm/)
  })
})

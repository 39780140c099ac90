/**
 * `cairn get -a` writes one tar file, through the same writer and name guard as the RPC `get`
 * tar: a DAG with a hostile link name leaves no archive behind (issue 10 §1).
 */
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { CID } from 'multiformats/cid'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tarMemberNames } from '../helpers/tar.ts'
import { createTestRepo, type TestRepo } from '../helpers/cli.ts'

describe('get -a', () => {
  let repo: TestRepo
  beforeAll(async () => { repo = await createTestRepo() })
  afterAll(async () => { await repo?.cleanup() })

  it('writes OUT.tar with the tree under its root name', async () => {
    const tree = join(repo.dir, 'tree')
    await mkdir(join(tree, 'd'), { recursive: true })
    await writeFile(join(tree, 'd', 'x.txt'), 'x')
    const cid = (await repo.run(['add', '-r', '-Q', tree])).out.trim()
    const result = await repo.run(['get', '-a', cid, '-o', join(repo.dir, 'out')], { cwd: repo.dir })
    expect(result.code, result.stderr).toBe(0)
    expect(result.out).toContain(`Saving archive to ${join(repo.dir, 'out.tar')}`)
    expect(await tarMemberNames(await readFile(join(repo.dir, 'out.tar')))).toEqual([`${cid}/`, `${cid}/d/`, `${cid}/d/x.txt`])
  })

  it('refuses a DAG with a ".." link name and leaves no archive', async () => {
    const leaf = (await repo.run(['block', 'put'], { input: 'pwned' })).out.trim()
    const dir = dagPb.encode(dagPb.prepare({ Data: new UnixFS({ type: 'directory' }).marshal(), Links: [{ Name: '..', Hash: CID.parse(leaf), Tsize: 5 }] }))
    const cid = (await repo.run(['block', 'put', '--cid-codec', 'dag-pb'], { input: dir })).out.trim()
    const out = join(repo.dir, 'hostile')
    const result = await repo.run(['get', '-a', cid, '-o', out], { cwd: repo.dir })
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/refusing the entry name "\.\."/)
    expect((await readdir(repo.dir)).filter(n => n.startsWith('hostile'))).toEqual([])
  })
})

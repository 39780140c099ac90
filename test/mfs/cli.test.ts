/**
 * The `files` commands from the real `cairn` binary, offline, against the shapes Kubo documents
 * in its command help (`ipfs files write|ls|stat|chmod|touch --help`).
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestRepo, type TestRepo } from '../helpers/cli.ts'

describe('cairn files', () => {
  let repo: TestRepo
  beforeAll(async () => { repo = await createTestRepo() })
  afterAll(async () => { await repo?.cleanup() })

  const ok = async (args: string[], input?: string): Promise<string> => {
    const result = await repo.run(args, input == null ? {} : { input })
    expect(result.code, `cairn ${args.join(' ')}: ${result.stderr}`).toBe(0)
    return result.out
  }

  it("follows Kubo's documented examples", async () => {
    // ipfs files write --help: echo "hello world" | ipfs files write --create --parents /myfs/a/b/file
    await ok(['files', 'write', '--create', '--parents', '/myfs/a/b/file'], 'hello world\n')
    await ok(['files', 'write', '--truncate', '/myfs/a/b/file'], 'hello world\n')
    expect(await ok(['files', 'read', '/myfs/a/b/file'])).toBe('hello world\n')
    // ipfs files ls --help: one name per line
    await ok(['files', 'mkdir', '-p', '/myfiles/a/b/c/d'])
    await ok(['files', 'write', '-e', '/myfiles/a/b/c/d/foo'], 'foo')
    await ok(['files', 'write', '-e', '/myfiles/a/b/c/d/bar'], 'bar')
    expect(await ok(['files', 'ls', '/myfiles/a/b/c/d'])).toBe('bar\nfoo\n')
    // -U: directory order (a basic directory's links are in name order already)
    expect(await ok(['files', 'ls', '-U', '/myfiles/a/b/c/d'])).toBe('bar\nfoo\n')
    // ipfs files chmod --help: ... Type: file / Mode: -rw-r--r-- (0644)
    await ok(['files', 'chmod', '0644', '/myfiles/a/b/c/d/foo'])
    // ipfs files touch --help: ipfs files touch --mtime=1630937926 /foo
    await ok(['files', 'touch', '--mtime=1630937926', '/myfiles/a/b/c/d/foo'])
    const stat = await ok(['files', 'stat', '/myfiles/a/b/c/d/foo'])
    expect(stat).toMatch(/^Qm\w{44}\nSize: 3\nCumulativeSize: \d+\nChildBlocks: 0\nType: file\nMode: -rw-r--r-- \(0644\)\nMtime: 6 Sep 2021, 14:18:46 UTC\n$/)
    const hash = await ok(['files', 'stat', '--hash', '/myfiles/a/b/c/d/foo'])
    expect(await ok(['files', 'stat', '--format', '<hash> <type> <size> <mode-octal> <mtime-secs>', '/myfiles/a/b/c/d/foo'])).toBe(`${hash.trim()} file 3 0644 1630937926\n`)
    const long = await ok(['files', 'ls', '-l', '/myfiles/a/b/c'])
    expect(long).toMatch(/^d\/\tQm\w{44}\t0\n$/)
    expect(JSON.parse(await ok(['files', 'ls', '--enc=json', '/myfiles/a/b/c/d']))).toEqual({
      Entries: [{ Name: 'bar', Type: 0, Size: 0, Hash: '' }, { Name: 'foo', Type: 0, Size: 0, Hash: '' }]
    })
    expect(JSON.parse(await ok(['files', 'stat', '--enc=json', '/myfiles/a/b/c/d/foo']))).toMatchObject({ Hash: hash.trim(), Size: 3, Type: 'file', Mode: '0644', Mtime: 1630937926 })
  })

  it('writes from a file argument, adds --to-files, and prints errors as Kubo words them', async () => {
    const local = join(repo.dir, 'local.txt')
    await writeFile(local, 'from a file')
    await ok(['files', 'write', '--create', '/from-file.txt', local])
    expect(await ok(['files', 'read', '/from-file.txt'])).toBe('from a file')
    const added = (await ok(['add', '-Q', '--to-files', '/added.txt', local])).trim()
    expect((await ok(['files', 'stat', '--hash', '/added.txt'])).trim()).toBe(added)
    expect((await ok(['files', 'stat', '--hash', '/from-file.txt'])).trim()).toBe(added)

    const missing = await repo.run(['files', 'read', '/nope'])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toBe('Error: /nope: file does not exist\n')
    const relative = await repo.run(['files', 'ls', 'nope'])
    expect(relative.stderr).toBe('Error: paths must start with a leading slash\n')
    const exists = await repo.run(['files', 'mkdir', '/myfs'])
    expect(exists.stderr).toBe('Error: file already exists\n')
  })
})

import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { chmod, lstat, mkdir, mkdtemp, readFile, readdir, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { importer } from 'ipfs-unixfs-importer'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import type { CID } from 'multiformats/cid'
import { walk } from '../../dag/exporter/index.ts'
import { extract, type ExtractEntry } from '../../daemon/cli/extract.ts'
import { MemoryBlocks, pseudoRandomBytes, putDir, putFile, putRaw, putSymlink } from '../dag/exporter-helpers.ts'

const enc = new TextEncoder()

/** Every path under `dir`, relative, without following symlinks. */
async function listTree (dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = []
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix === '' ? entry.name : `${prefix}/${entry.name}`
    out.push(rel)
    if (entry.isDirectory()) out.push(...await listTree(join(dir, entry.name), rel))
  }
  return out.sort()
}

describe('extract', () => {
  let sandbox: string
  let out: string
  let outside: string

  beforeEach(async () => {
    sandbox = await mkdtemp(join(tmpdir(), 'cairn-extract-'))
    out = join(sandbox, 'out')
    outside = join(sandbox, 'outside')
    await mkdir(outside)
  })

  afterEach(async () => {
    // undo read-only modes a test applied, so the sandbox can go
    for (const path of await listTree(sandbox).catch(() => [])) {
      const full = join(sandbox, path)
      if ((await lstat(full)).isDirectory()) await chmod(full, 0o755)
    }
    await rm(sandbox, { recursive: true, force: true })
  })

  /** Nothing but `out` (and the empty `outside`) may exist in the sandbox. */
  async function assertContained (): Promise<void> {
    expect(await readdir(outside)).toEqual([])
    for (const path of await listTree(sandbox)) {
      expect(path === 'outside' || path === 'out' || path.startsWith('out/'), path).toBe(true)
    }
  }

  it('writes a tree built by the importer: files, directories, symlinks', async () => {
    const blocks = new MemoryBlocks()
    const big = pseudoRandomBytes(5000, 3)
    let root: CID | undefined
    for await (const entry of importer([
      { path: 'r/big.bin', content: big },
      { path: 'r/sub/héllo.txt', content: enc.encode('hello') },
      { path: 'r/sub/empty', content: new Uint8Array(0) },
      { path: 'r/empty-dir' },
      { path: 'r/abs-link', link: '/etc/passwd' },
      { path: 'r/sub/rel-link', link: '../big.bin' }
    ], blocks, { cidVersion: 1, chunker: fixedSize({ chunkSize: 512 }) })) {
      if (entry.path === 'r') root = entry.cid
    }
    const result = await extract(walk(root as CID, blocks), out)
    expect(result).toEqual({ files: 3, directories: 3, symlinks: 2, bytes: 5005 })
    expect(await listTree(out)).toEqual(['abs-link', 'big.bin', 'empty-dir', 'sub', 'sub/empty', 'sub/héllo.txt', 'sub/rel-link'])
    expect(new Uint8Array(await readFile(join(out, 'big.bin')))).toEqual(big)
    expect(await readFile(join(out, 'sub/héllo.txt'), 'utf8')).toBe('hello')
    expect(await readlink(join(out, 'abs-link'))).toBe('/etc/passwd')
    expect(await readlink(join(out, 'sub/rel-link'))).toBe('../big.bin')
    await assertContained()
  })

  it('writes a single-file root to the output path itself', async () => {
    const blocks = new MemoryBlocks()
    const file = await putRaw(blocks, enc.encode('just a file'))
    await extract(walk(file, blocks), out)
    expect((await lstat(out)).isFile()).toBe(true)
    expect(await readFile(out, 'utf8')).toBe('just a file')
    // and never overwrites
    await expect(extract(walk(file, blocks), out)).rejects.toMatchObject({ name: 'UnsafePathError' })
  })

  for (const name of ['..', '.', 'a/b', '../../outside/x', 'a\\b', '\u0000', 'x\u0000y', '\u001b[31m', 'tab\tname', '\u009b', '']) {
    it(`refuses the entry name ${JSON.stringify(name)} from a crafted DAG`, async () => {
      const blocks = new MemoryBlocks()
      const payload = await putRaw(blocks, enc.encode('payload'))
      const root = await putDir(blocks, [[name, payload]])
      const error = await extract(walk(root, blocks), out).then(() => undefined, (err: Error) => err)
      expect(error).toMatchObject({ name: 'UnsafePathError' })
      // the message names the entry, with control characters escaped
      expect(error?.message).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/)
      await assertContained()
      expect(await listTree(out).catch(() => [])).toEqual([])
    })
  }

  it('refuses a file under a symlink from the same DAG (s -> outside, then "s/x")', async () => {
    const blocks = new MemoryBlocks()
    const payload = await putRaw(blocks, enc.encode('escaped!'))
    const link = await putSymlink(blocks, outside)
    const root = await putDir(blocks, [['s', link], ['s/x', payload]])
    await expect(extract(walk(root, blocks), out)).rejects.toMatchObject({ name: 'UnsafePathError' })
    expect(await readlink(join(out, 's'))).toBe(outside)
    await assertContained()
  })

  it('a later directory entry with a symlink\'s name does not let writes through the link', async () => {
    const blocks = new MemoryBlocks()
    const payload = await putRaw(blocks, enc.encode('escaped!'))
    const link = await putSymlink(blocks, outside)
    const inner = await putDir(blocks, [['x', payload]])
    // duplicate names: a DAG may hold them; the first one wins
    const root = await putDir(blocks, [['s', link], ['s', inner]])
    await extract(walk(root, blocks), out)
    expect(await readlink(join(out, 's'))).toBe(outside)
    await assertContained()
  })

  it('refuses entries whose parent is a symlink, a file, or not yet created, whatever the source', async () => {
    const cases: ExtractEntry[][] = [
      [{ path: '', type: 'directory' }, { path: 's', type: 'symlink', target: outside }, { path: 's/x', type: 'file', content: async function * () { yield enc.encode('x') } }],
      [{ path: '', type: 'directory' }, { path: 's', type: 'symlink', target: outside }, { path: 's', type: 'directory' }, { path: 's/x', type: 'file' }],
      [{ path: '', type: 'directory' }, { path: 'f', type: 'file' }, { path: 'f/x', type: 'file' }],
      [{ path: '', type: 'directory' }, { path: 'a/b', type: 'file' }],
      [{ path: '', type: 'directory' }, { path: '/abs', type: 'file' }],
      [{ path: '', type: 'symlink', target: outside }, { path: 'x', type: 'file' }],
      [{ path: '', type: 'directory' }, { path: '', type: 'directory' }],
      [{ segments: ['a/b'], path: 'a/b', type: 'file' }]
    ]
    for (const [i, entries] of cases.entries()) {
      const target = join(out, String(i))
      await mkdir(out, { recursive: true })
      await expect(extract(entries, target), `case ${i}`).rejects.toMatchObject({ name: 'UnsafePathError' })
    }
    await assertContained()
  })

  it('never writes through a symlink that already exists in the output directory', async () => {
    await mkdir(out)
    await symlink(outside, join(out, 'evil'))
    await writeFile(join(out, 'existing'), 'mine')
    const file = (): AsyncIterable<Uint8Array> => (async function * () { yield enc.encode('x') })()
    for (const entries of [
      [{ path: 'evil', type: 'file', content: file }],
      [{ path: 'evil', type: 'directory' }],
      [{ path: 'evil/x', type: 'file', content: file }],
      [{ path: 'existing', type: 'file', content: file }]
    ] satisfies ExtractEntry[][]) {
      await expect(extract(entries, out)).rejects.toMatchObject({ name: 'UnsafePathError' })
    }
    expect(await readFile(join(out, 'existing'), 'utf8')).toBe('mine')
    await assertContained()
  })

  it('with overwrite (Kubo\'s get), merges into existing folders and replaces files and symlinks without following them', async () => {
    await mkdir(join(out, 'sub'), { recursive: true })
    await symlink(outside, join(out, 'evil'))
    await symlink(join(outside, 'target'), join(out, 'link-to-file'))
    await writeFile(join(out, 'existing'), 'mine')
    await writeFile(join(out, 'sub', 'kept'), 'kept')
    const file = (text: string) => (): AsyncIterable<Uint8Array> => (async function * () { yield enc.encode(text) })()
    await extract([
      { path: '', type: 'directory' },
      { path: 'existing', type: 'file', content: file('new') },
      { path: 'evil', type: 'file', content: file('replaced the link') },
      { path: 'link-to-file', type: 'symlink', target: 'elsewhere' },
      { path: 'sub', type: 'directory' },
      { path: 'sub/added', type: 'file', content: file('added') }
    ], out, { overwrite: true })
    expect(await readFile(join(out, 'existing'), 'utf8')).toBe('new')
    expect((await lstat(join(out, 'evil'))).isFile()).toBe(true)
    expect(await readFile(join(out, 'evil'), 'utf8')).toBe('replaced the link')
    expect(await readlink(join(out, 'link-to-file'))).toBe('elsewhere')
    expect(await readFile(join(out, 'sub', 'kept'), 'utf8')).toBe('kept')
    expect(await readFile(join(out, 'sub', 'added'), 'utf8')).toBe('added')
    expect((await readdir(out)).filter(n => n.startsWith('.cairn-get-'))).toEqual([])
    await assertContained()

    // still refused: a symlink where a directory goes, a directory where a file goes
    await symlink(outside, join(out, 'evil-dir'))
    for (const entries of [
      [{ path: '', type: 'directory' }, { path: 'evil-dir', type: 'directory' }, { path: 'evil-dir/x', type: 'file', content: file('x') }],
      [{ path: '', type: 'directory' }, { path: 'sub', type: 'file', content: file('x') }]
    ] satisfies ExtractEntry[][]) {
      await expect(extract(entries, out, { overwrite: true })).rejects.toMatchObject({ name: 'UnsafePathError' })
    }
    await assertContained()
  })

  it('with overwrite, a file root whose output is an existing folder goes inside it under its name', async () => {
    await mkdir(out)
    const content = (): AsyncIterable<Uint8Array> => (async function * () { yield enc.encode('inside') })()
    await extract([{ path: '', name: 'file.txt', type: 'file', content }], out, { overwrite: true })
    expect(await readFile(join(out, 'file.txt'), 'utf8')).toBe('inside')
    await expect(extract([{ path: '', name: '..', type: 'file', content }], out, { overwrite: true })).rejects.toMatchObject({ name: 'UnsafePathError' })
    await assertContained()
  })

  it('preserves modes without setuid/setgid/sticky, and mtimes, when asked', async () => {
    const blocks = new MemoryBlocks()
    const file = await putFile(blocks, enc.encode('#!/bin/sh\n'), { mode: 0o4755, mtime: { secs: 1_000_000_000n } })
    const inner = await putDir(blocks, [['run.sh', file]], { mode: 0o555 })
    const root = await putDir(blocks, [['ro', inner]])
    await extract(walk(root, blocks), out, { preserveMode: true, preserveMtime: true })
    const script = await stat(join(out, 'ro/run.sh'))
    expect(script.mode & 0o7777).toBe(0o755)
    expect(script.mtime.getTime()).toBe(1_000_000_000_000)
    expect((await stat(join(out, 'ro'))).mode & 0o777).toBe(0o555)

    // by default neither is applied
    const plain = join(sandbox, 'out', 'plain')
    await extract(walk(file, blocks), plain)
    expect((await stat(plain)).mode & 0o7000).toBe(0)
    expect((await stat(plain)).mtime.getTime()).not.toBe(1_000_000_000_000)
  })

  it('refuses a symlink target it cannot write', async () => {
    await expect(extract([{ path: '', type: 'directory' }, { path: 'l', type: 'symlink', target: 'a\u0000b' }], out))
      .rejects.toMatchObject({ name: 'UnsafePathError' })
  })
})

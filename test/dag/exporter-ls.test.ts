import { beforeAll, describe, expect, it } from 'vitest'
import * as dagCbor from '@ipld/dag-cbor'
import * as dagJson from '@ipld/dag-json'
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { exporter, recursive } from 'ipfs-unixfs-exporter'
import { importer, type ImportCandidate, type ImporterOptions } from 'ipfs-unixfs-importer'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { cat, ls, resolve, walk, type LsEntry } from '../../dag/exporter/index.ts'
import { MemoryBlocks, collect, pseudoRandomBytes, putDir, putFile, putPB } from './exporter-helpers.ts'

const enc = new TextEncoder()

const NAMES = ['a.txt', 'héllo wörld.txt', '日本語のファイル', 'emoji 🎉.bin', 'Z-upper', 'space name']

async function importTree (candidates: ImportCandidate[], options: ImporterOptions): Promise<{ blocks: MemoryBlocks, roots: Map<string, CID> }> {
  const blocks = new MemoryBlocks()
  const roots = new Map<string, CID>()
  for await (const entry of importer(candidates, blocks, options)) {
    roots.set(entry.path ?? '', entry.cid)
  }
  return { blocks, roots }
}

/** ls of the reference exporter: name → { cid, type, size }. */
async function oracleLs (blocks: MemoryBlocks, path: string): Promise<Map<string, { cid: string, type: string, size: number }>> {
  const store = blocks.oracle()
  const dir = await exporter(path, store)
  if (dir.type !== 'directory') throw new Error('oracle: not a directory')
  const out = new Map<string, { cid: string, type: string, size: number }>()
  for await (const child of dir.entries()) {
    const entry = await exporter(child.cid, store)
    const type = entry.type === 'directory' ? 'directory' : entry.type === 'raw' ? 'raw' : entry.type === 'file' ? (entry.unixfs.type === 'symlink' ? 'symlink' : 'file') : entry.type
    out.set(child.name, { cid: child.cid.toString(), type, size: type === 'file' || type === 'raw' ? Number(entry.size) : 0 })
  }
  return out
}

async function ourLs (blocks: MemoryBlocks, path: string, resolveType = true): Promise<Map<string, LsEntry>> {
  const out = new Map<string, LsEntry>()
  for await (const entry of ls(path, blocks, { resolveType })) {
    expect(out.has(entry.name)).toBe(false)
    out.set(entry.name, entry)
  }
  return out
}

function sameAsOracle (ours: Map<string, LsEntry>, theirs: Map<string, { cid: string, type: string, size: number }>): void {
  expect([...ours.keys()].sort()).toEqual([...theirs.keys()].sort())
  for (const [name, want] of theirs) {
    const got = ours.get(name) as LsEntry
    expect(got.cid.toString(), name).toBe(want.cid)
    expect(got.type, name).toBe(want.type)
    if (want.type === 'file' || want.type === 'raw') expect(got.size, name).toBe(want.size)
  }
}

describe('ls and resolve: basic directories', () => {
  let blocks: MemoryBlocks
  let root: CID

  beforeAll(async () => {
    const candidates: ImportCandidate[] = [
      ...NAMES.map((name, i) => ({ path: `top/${name}`, content: pseudoRandomBytes(i * 300 + 1, i + 1) })),
      { path: 'top/sub/deep/file', content: enc.encode('deep') },
      { path: 'top/empty-dir' },
      { path: 'top/empty-file', content: new Uint8Array(0) },
      { path: 'top/link', link: '../elsewhere' }
    ]
    const tree = await importTree(candidates, { cidVersion: 1, rawLeaves: true, chunker: fixedSize({ chunkSize: 256 }) })
    blocks = tree.blocks
    root = tree.roots.get('top') as CID
  })

  it('lists like ipfs-unixfs-exporter, unicode names included', async () => {
    const ours = await ourLs(blocks, `/ipfs/${root}`)
    sameAsOracle(ours, await oracleLs(blocks, root.toString()))
    expect(ours.get('link')).toMatchObject({ type: 'symlink', target: '../elsewhere' })
    expect(ours.get('sub')?.type).toBe('directory')
    expect(ours.get('sub')?.size).toBeUndefined()
    for (const entry of ours.values()) expect(entry.tsize).toBeTypeOf('number')
  })

  it('without resolveType fetches only the directory block', async () => {
    blocks.resetCounts()
    const ours = await ourLs(blocks, root.toString(), false)
    expect(blocks.gets).toEqual([root.toString()])
    expect(ours.get('a.txt')).toMatchObject({ type: 'raw', size: 1 })
    expect(ours.get('sub')?.type).toBe('unknown')
    // with it: one block per dag-pb child, none for raw children
    blocks.resetCounts()
    const resolved = await ourLs(blocks, root.toString(), true)
    const dagPbChildren = [...resolved.values()].filter(e => e.cid.code === dagPb.code).length
    expect(blocks.gets.length).toBe(1 + dagPbChildren)
  })

  it('resolves nested paths like ipfs-unixfs-exporter', async () => {
    const store = blocks.oracle()
    for (const path of [`${root}/sub/deep/file`, `/ipfs/${root}/${NAMES[2]}`, `${root}/sub//deep/./file`, `${root}/sub/../${NAMES[3]}`]) {
      const ours = await resolve(path, blocks)
      const cleaned = path.replace(/^\/ipfs\//, '').replace(/\/\.\//g, '/').replace(/\/\//g, '/').replace(/\/sub\/\.\.\//, '/')
      const theirs = await exporter(cleaned, store)
      expect(ours.cid.toString(), path).toBe(theirs.cid.toString())
      expect(ours.remainder).toBeUndefined()
    }
    const file = await resolve(`${root}/sub/deep/file`, blocks)
    expect(file.entry).toMatchObject({ name: 'file', type: 'raw', size: 4 })
    const dir = await resolve(root, blocks)
    expect(dir.entry).toMatchObject({ name: root.toString(), type: 'directory' })
  })

  it('names the missing segment, and refuses paths below files', async () => {
    await expect(resolve(`${root}/sub/nope/x`, blocks)).rejects.toMatchObject({
      name: 'PathNotFoundError', message: expect.stringMatching(/no link named "nope" under \S+/)
    })
    await expect(resolve(`${root}/a.txt/x`, blocks)).rejects.toMatchObject({ name: 'PathNotFoundError', message: expect.stringContaining('"x"') })
    await expect(resolve(`${root}/${NAMES[5]}/x`, blocks)).rejects.toMatchObject({ name: 'PathNotFoundError' })
    await expect(resolve(`${root}/link/x`, blocks)).rejects.toMatchObject({ name: 'PathNotFoundError' })
    await expect(collect(ls(`${root}/a.txt`, blocks) as AsyncIterable<never>)).rejects.toMatchObject({ name: 'NotADirectoryError' })
  })

  it('walks depth first like ipfs-unixfs-exporter, with content', async () => {
    const store = blocks.oracle()
    const theirs = new Map<string, string>()
    for await (const entry of recursive(root, store)) {
      theirs.set(entry.path.split('/').slice(1).join('/'), entry.cid.toString())
    }
    const seen: string[] = []
    for await (const entry of walk(`/ipfs/${root}`, blocks)) {
      if (entry.segments.length > 0) {
        // parents come before children
        expect(seen).toContain(entry.segments.slice(0, -1).join('/'))
      }
      seen.push(entry.path)
      expect(entry.cid.toString(), entry.path).toBe(theirs.get(entry.path))
      if (entry.type === 'file') {
        const theirEntry = await exporter(entry.cid, store)
        if (theirEntry.type !== 'file' && theirEntry.type !== 'raw') throw new Error(`oracle: ${entry.path} is ${theirEntry.type}`)
        const want = await collect(theirEntry.content())
        expect(await collect((entry.content as () => AsyncIterable<Uint8Array>)())).toEqual(want)
      }
      if (entry.path === 'link') expect(entry).toMatchObject({ type: 'symlink', target: '../elsewhere' })
    }
    expect(seen.sort()).toEqual([...theirs.keys()].sort())
  })
})

describe('ls and resolve: HAMT-sharded directories', () => {
  let blocks: MemoryBlocks
  let root: CID
  const names = Array.from({ length: 300 }, (_, i) => i % 7 === 0 ? `ünï-${i}-ファイル` : `file-${i}.txt`)

  beforeAll(async () => {
    const candidates = names.map((name, i) => ({ path: `big/${name}`, content: enc.encode(`content ${i}`) }))
    candidates.push({ path: 'big/nested/inner.txt', content: enc.encode('inner') })
    // fanout 16 and a tiny threshold: several shard levels
    const tree = await importTree(candidates, { cidVersion: 1, rawLeaves: true, shardSplitThresholdBytes: 100, shardFanoutBits: 4 })
    blocks = tree.blocks
    root = tree.roots.get('big') as CID
  })

  it('is really sharded, several levels deep', async () => {
    const node = dagPb.decode(blocks.blocks.get(root.toString()) as Uint8Array)
    expect(UnixFS.unmarshal(node.Data as Uint8Array).type).toBe('hamt-sharded-directory')
    const subShard = node.Links.find(l => l.Name?.length === 1)
    expect(subShard).toBeDefined()
    const child = dagPb.decode(blocks.blocks.get(subShard?.Hash.toString() as string) as Uint8Array)
    expect(child.Links.some(l => l.Name?.length === 1)).toBe(true)
  })

  it('lists every entry like ipfs-unixfs-exporter', async () => {
    const ours = await ourLs(blocks, root.toString())
    expect(ours.size).toBe(names.length + 1)
    sameAsOracle(ours, await oracleLs(blocks, root.toString()))
  })

  it('refuses shards with a bad fanout or hash type', async () => {
    const bad = new MemoryBlocks()
    const file = await putFile(bad, enc.encode('x'))
    for (const [fanout, hashType] of [[2048n, 0x22n], [12n, 0x22n], [256n, 0x23n], [256n, undefined]] as const) {
      const shard = await putPB(bad, new UnixFS({ type: 'hamt-sharded-directory', fanout, hashType, data: new Uint8Array(32) }), [{ Name: '00x', Hash: file }])
      await expect(collect(ls(shard, bad) as AsyncIterable<never>), `${fanout} ${hashType}`).rejects.toMatchObject({ name: 'BlockCorruptError' })
      await expect(resolve(`${shard}/x`, bad)).rejects.toMatchObject({ name: 'BlockCorruptError' })
    }
    const good = await putPB(bad, new UnixFS({ type: 'hamt-sharded-directory', fanout: 256n, hashType: 0x22n, data: new Uint8Array(32) }), [{ Name: '00x', Hash: file }])
    expect([...(await ourLs(bad, good.toString())).keys()]).toEqual(['x'])
  })

  it('finds entries through the shard levels, fetching only the shards on the way', async () => {
    const store = blocks.oracle()
    const shardCount = [...blocks.blocks.keys()].filter(key => key.startsWith('bafy')).length
    for (const name of [...names.slice(0, 40), 'nested']) {
      blocks.resetCounts()
      const ours = await resolve(`/ipfs/${root}/${name}`, blocks)
      const theirs = await exporter(`${root}/${name}`, store)
      expect(ours.cid.toString(), name).toBe(theirs.cid.toString())
      expect(ours.entry.name).toBe(name)
      // a handful of shards + the entry itself, out of many
      expect(blocks.gets.length).toBeLessThanOrEqual(6)
      expect(blocks.gets.length).toBeLessThan(shardCount / 4)
    }
    expect(new TextDecoder().decode(await collect(cat(`${root}/nested/inner.txt`, blocks)))).toBe('inner')
    await expect(resolve(`${root}/file-9999.txt`, blocks)).rejects.toMatchObject({
      name: 'PathNotFoundError', message: expect.stringContaining('no link named "file-9999.txt" under')
    })
  })

  it('walks every entry', async () => {
    const paths: string[] = []
    for await (const entry of walk(root, blocks)) paths.push(entry.path)
    expect(paths.length).toBe(names.length + 3)
    expect(new Set(paths)).toEqual(new Set(['', ...names, 'nested', 'nested/inner.txt']))
  })
})

describe('resolve through dag-cbor and dag-json', () => {
  it('follows map keys, list indexes and links, and reports the remainder', async () => {
    const blocks = new MemoryBlocks()
    const tree = await importTree([
      { path: 'd/f.txt', content: enc.encode('unixfs under cbor') }
    ], { cidVersion: 1, rawLeaves: true })
    for (const [key, bytes] of tree.blocks.blocks) blocks.blocks.set(key, bytes)
    const dir = tree.roots.get('d') as CID

    const putIpld = async (codec: typeof dagCbor | typeof dagJson, value: unknown): Promise<CID> => {
      const bytes = codec.encode(value)
      return blocks.store(CID.create(1, codec.code, await sha256.digest(bytes)), bytes)
    }
    const leaf = await putIpld(dagJson, { hello: 'world', list: [1, 2, { deep: true }] })
    const top = await putIpld(dagCbor, { a: { b: [10, leaf, dir] }, dir, n: null })

    expect((await resolve(`/ipfs/${top}/a/b/1`, blocks)).cid.toString()).toBe(leaf.toString())
    expect(await resolve(`${top}/a/b/1/list/2/deep`, blocks)).toMatchObject({ cid: leaf, remainder: ['list', '2', 'deep'] })
    expect(await resolve(`${top}/a/b`, blocks)).toMatchObject({ cid: top, remainder: ['a', 'b'], entry: { type: 'object' } })
    expect(await resolve(`${top}/n`, blocks)).toMatchObject({ cid: top, remainder: ['n'] })
    const file = await resolve(`${top}/a/b/2/f.txt`, blocks)
    expect(file.entry.type).toBe('raw')
    expect(new TextDecoder().decode(await collect(cat(`${top}/dir/f.txt`, blocks)))).toBe('unixfs under cbor')
    expect((await ourLs(blocks, `${top}/dir`)).size).toBe(1)

    for (const bad of ['nope', 'a/b/3', 'a/b/01', 'a/b/-1', 'constructor', '__proto__', 'a/b/0/x', 'n/x', 'a/b/1/hello/0']) {
      await expect(resolve(`${top}/${bad}`, blocks), bad).rejects.toMatchObject({ name: 'PathNotFoundError' })
    }
    await expect(collect(cat(top, blocks))).rejects.toMatchObject({ name: 'NotAFileError' })
    await expect(collect(walk(top, blocks) as AsyncIterable<never>)).rejects.toMatchObject({ name: 'UnsupportedCodecError' })
  })

  it('refuses to path into raw blocks and resolves through plain dag-pb links', async () => {
    const blocks = new MemoryBlocks()
    const rawBytes = enc.encode('raw')
    const rawCid = await blocks.store(CID.create(1, 0x55, await sha256.digest(rawBytes)), rawBytes)
    await expect(resolve(`${rawCid}/x`, blocks)).rejects.toMatchObject({ name: 'PathNotFoundError', message: expect.stringContaining('"x"') })
    const plain = await putPB(blocks, undefined, [{ Name: 'child', Hash: rawCid }])
    expect((await resolve(`${plain}/child`, blocks)).cid.toString()).toBe(rawCid.toString())
    expect((await resolve(plain, blocks)).entry.type).toBe('object')
  })
})

describe('UnixFS metadata and non-UnixFS dag-pb', () => {
  it('reports mode and mtime only when a node sets them', async () => {
    const blocks = new MemoryBlocks()
    const withMeta = await putFile(blocks, enc.encode('x'), { mode: 0o600, mtime: { secs: 12345n } })
    const plain = await putFile(blocks, enc.encode('y'))
    const dir = await putDir(blocks, [['meta', withMeta], ['plain', plain]])
    const entries = await ourLs(blocks, dir.toString())
    expect(entries.get('meta')).toMatchObject({ type: 'file', size: 1, mode: 0o600, mtime: { secs: 12345n } })
    expect(entries.get('plain')?.mode).toBeUndefined()
    expect(entries.get('plain')?.mtime).toBeUndefined()
  })

  it('reads dag-pb whose Data is not UnixFS, or has no known Type, as an object', async () => {
    const blocks = new MemoryBlocks()
    const notUnixFS = await putPB(blocks, enc.encode('\u0012\u0003abc'))
    const unknownType = await putPB(blocks, Uint8Array.from([0x08, 0x09]))
    const noType = await putPB(blocks, Uint8Array.from([0x18, 0x05]))
    for (const cid of [notUnixFS, unknownType, noType]) {
      expect((await resolve(cid, blocks)).entry.type).toBe('object')
      await expect(collect(cat(cid, blocks))).rejects.toMatchObject({ name: 'NotAFileError' })
    }
  })
})

describe('walk over a hostile depth', () => {
  it('walks 6,000 nested directories without running out of stack, and stops cleanly midway', async () => {
    // the recursive walk overflowed the stack near 5,000 levels (a 500 from get and the gateway's tar)
    const blocks = new MemoryBlocks()
    const depth = 6000
    let cid = await putFile(blocks, new TextEncoder().encode('at the bottom'))
    let child = 'leaf.txt'
    for (let i = 0; i < depth; i++) {
      cid = await putDir(blocks, [[child, cid]])
      child = 'd'
    }
    let count = 0
    let deepest = ''
    for await (const entry of walk(cid, blocks)) {
      count++
      deepest = entry.path
    }
    expect(count).toBe(depth + 1)
    expect(deepest.endsWith('/d/leaf.txt')).toBe(true)
    expect(deepest.split('/').length).toBe(depth)
    let seen = 0
    for await (const _entry of walk(cid, blocks)) {
      if (++seen === 10) break
    }
    expect(seen).toBe(10)
  })
})

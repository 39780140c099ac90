/**
 * The `files` commands on a real repo, in-process: CIDs against ipfs-unixfs-importer (files) and
 * against `add` (directories, whose CIDs are checked against the oracle in test/dag/), partial
 * writes, Kubo's shapes and error messages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { oracleImport, oracleOptions } from '../dag/importer-helpers.ts'
import { bytesOf, collect, entries, file, randomBytesOf, startRpc, type RpcFixture } from '../http-api/helpers.ts'
import type { FilesStat } from '../../core/commands/files-stat.ts'
import type { FilesLs } from '../../core/commands/files-ls.ts'

/** A small chunk size, so that small test files span many blocks and layers. */
const CHUNK = 1024

interface AddEvent { Name: string, Hash: string }

async function * once (data: Uint8Array): AsyncGenerator<Uint8Array> {
  yield data
}

/** What ipfs-unixfs-importer gives for `data` with Kubo's settings at our chunk size. */
async function oracleCid (data: Uint8Array, cidVersion: 0 | 1, rawLeaves: boolean): Promise<string> {
  const { results } = await oracleImport([{ content: once(data) }], oracleOptions({
    cidVersion, rawLeaves, chunker: { type: 'size', size: CHUNK }, layout: 'balanced', maxLinks: 174
  }))
  return results[results.length - 1].cid.toString()
}

describe('files commands', () => {
  let f: RpcFixture
  beforeAll(async () => {
    f = await startRpc({}, (config) => {
      config.Import = { UnixFSChunker: `size-${CHUNK}`, UnixFSHAMTDirectorySizeThreshold: 2000 }
    })
  })
  afterAll(async () => { await f.close() })

  const run = async (path: string, args: string[], options: Record<string, unknown> = {}): Promise<unknown> => await (f.local(path, args, options) as Promise<unknown>)
  const writeBytes = async (path: string, data: Uint8Array | string, options: Record<string, unknown> = {}): Promise<void> => {
    const content = typeof data === 'string' ? new TextEncoder().encode(data) : data
    await (f.local('files write', [path], options, { files: (async function * () { yield { name: 'data', content: once(content) } })() }) as Promise<unknown>)
  }
  const read = async (path: string, options: Record<string, unknown> = {}): Promise<Buffer> => await bytesOf(f.local('files read', [path], options) as AsyncIterable<Uint8Array>)
  const stat = async (path: string, options: Record<string, unknown> = {}): Promise<FilesStat> => await run('files stat', [path], options) as FilesStat
  const hashOf = async (path: string): Promise<string> => (await stat(path)).Hash

  it('starts from the empty directory and lists it as Kubo does', async () => {
    expect(await hashOf('/')).toBe('QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn')
    expect(await run('files ls', [])).toEqual({ Entries: null })
  })

  it('writes files with the CID add gives for the same bytes (CIDv0, --cid-version 1, --raw-leaves)', async () => {
    const data = randomBytesOf(300_000, 3)
    await writeBytes('/v0.bin', data, { create: true })
    expect(await hashOf('/v0.bin')).toBe(await oracleCid(data, 0, false))
    await writeBytes('/v1.bin', data, { create: true, 'cid-version': 1 })
    expect(await hashOf('/v1.bin')).toBe(await oracleCid(data, 1, true))
    await writeBytes('/raw.bin', data, { create: true, 'raw-leaves': true })
    expect(await hashOf('/raw.bin')).toBe(await oracleCid(data, 0, true))
    await writeBytes('/sha512.bin', data, { create: true, hash: 'sha2-512' })
    const [addedSha512] = await collect(f.local('add', [], { hash: 'sha2-512', 'only-hash': true }, { entries: entries(file('', data)) }) as AsyncIterable<AddEvent>)
    expect(await hashOf('/sha512.bin')).toBe(addedSha512.Hash)
    const small = new TextEncoder().encode('hello\n')
    await writeBytes('/small.txt', small, { create: true })
    expect(await hashOf('/small.txt')).toBe(await oracleCid(small, 0, false))
    expect((await read('/v1.bin')).equals(Buffer.from(data))).toBe(true)
    expect((await stat('/v0.bin')).Size).toBe(300_000)
  })

  it('rewrites a file at an offset, with a count, truncated, and past its end, as the importer would import the new bytes', async () => {
    const base = randomBytesOf(10_000, 5)
    const patch = randomBytesOf(3000, 6)
    await writeBytes('/edit.bin', base, { create: true })
    const cases: Array<{ options: Record<string, unknown>, expected: (old: Buffer) => Buffer }> = [
      // overwrite in the middle
      { options: { offset: 4000 }, expected: old => Buffer.concat([old.subarray(0, 4000), patch, old.subarray(7000)]) },
      // only the first 100 bytes of the input
      { options: { offset: 9950, count: 100 }, expected: old => Buffer.concat([old.subarray(0, 9950), patch.subarray(0, 100)]) },
      // past the end: zeros fill the gap
      { options: { offset: 12_000 }, expected: old => Buffer.concat([old, Buffer.alloc(12_000 - old.length), patch]) },
      // truncate first, then write at 10
      { options: { truncate: true, offset: 10 }, expected: () => Buffer.concat([Buffer.alloc(10), patch]) },
      // append at the end
      { options: { offset: 3010 }, expected: old => Buffer.concat([old, patch]) }
    ]
    for (const { options, expected } of cases) {
      const want = expected(await read('/edit.bin'))
      await writeBytes('/edit.bin', patch, options)
      const got = await read('/edit.bin')
      expect(got.length, JSON.stringify(options)).toBe(want.length)
      expect(got.equals(want), JSON.stringify(options)).toBe(true)
      expect(await hashOf('/edit.bin'), JSON.stringify(options)).toBe(await oracleCid(want, 0, false))
    }
    // count 0 writes nothing
    const before = await hashOf('/edit.bin')
    await writeBytes('/edit.bin', patch, { count: 0 })
    expect(await hashOf('/edit.bin')).toBe(before)
  })

  it('reads ranges with Kubo\'s checks', async () => {
    await writeBytes('/r.txt', '0123456789', { create: true })
    expect((await read('/r.txt', { offset: 3, count: 4 })).toString()).toBe('3456')
    expect((await read('/r.txt', { offset: 10 })).toString()).toBe('')
    await expect(read('/r.txt', { offset: 11 })).rejects.toThrow('offset was past end of file (11 > 10)')
    await expect(read('/r.txt', { offset: -1 })).rejects.toThrow('cannot specify negative offset')
    await expect(read('/r.txt', { count: -1 })).rejects.toThrow("cannot specify negative 'count'")
    await expect(read('/nope')).rejects.toMatchObject({ name: 'FileNotFoundError', message: '/nope: file does not exist' })
    await run('files mkdir', ['/rdir'])
    await expect(read('/rdir')).rejects.toMatchObject({ name: 'NotAFileError', message: '/rdir was not a file' })
  })

  it('refuses what Kubo refuses, with its messages', async () => {
    await expect(writeBytes('/missing/x', 'x', { create: true })).rejects.toMatchObject({ name: 'FileNotFoundError', message: 'file does not exist' })
    await expect(writeBytes('/not-created', 'x')).rejects.toMatchObject({ name: 'FileNotFoundError' })
    await expect(writeBytes('/w', 'x', { create: true, offset: -1 })).rejects.toThrow('cannot have negative write offset')
    await expect(run('files ls', ['relative'])).rejects.toMatchObject({ name: 'InvalidPathError', message: 'paths must start with a leading slash' })
    await expect(run('files stat', [''])).rejects.toThrow('paths must not be empty')
    await run('files mkdir', ['/taken'])
    await expect(run('files mkdir', ['/taken'])).rejects.toMatchObject({ name: 'FileExistsError', message: 'file already exists' })
    await run('files mkdir', ['/taken'], { parents: true })
    await expect(run('files rm', ['/taken'])).rejects.toThrow('path is a directory, use -r to remove directories')
    await expect(run('files rm', ['/'])).rejects.toThrow('cannot delete root')
    await expect(run('files rm', ['/absent'])).rejects.toMatchObject({ name: 'FileNotFoundError' })
    await run('files rm', ['/absent', '/absent/deeper'], { force: true })
    await expect(run('files rm', ['/taken'], { flush: false })).rejects.toThrow('files rm always flushes for safety')
    await expect(run('files chcid', ['/'], { 'cid-version': 1 })).rejects.toThrow('cannot change CID format of the MFS root')
    await writeBytes('/plain', 'x', { create: true })
    await expect(run('files chcid', ['/plain'], { 'cid-version': 1 })).rejects.toThrow('can only update directories')
    await expect(run('files stat', ['/'], { hash: true, size: true })).rejects.toThrow('format was set by multiple options')
  })

  it('builds directories with the CIDs add gives, sharding past the HAMT threshold and back', async () => {
    const added = async (...items: Array<[string, string]>): Promise<string> => {
      const events = await collect(f.local('add', [], { 'wrap-with-directory': true, 'only-hash': true, pin: false }, { entries: entries(...items.map(([p, c]) => file(p, c))) }) as AsyncIterable<AddEvent>)
      return events[events.length - 1].Hash
    }
    await run('files mkdir', ['/tree/sub'], { parents: true })
    await writeBytes('/tree/sub/a.txt', 'alpha', { create: true })
    await writeBytes('/tree/b.txt', 'beta', { create: true })
    expect(await hashOf('/tree')).toBe(await added(['sub/a.txt', 'alpha'], ['b.txt', 'beta']))

    // 2000 bytes of names and CIDs: a HAMT past ~40 entries (names of 10 bytes + 34-byte CIDs)
    const { Hash: leaf } = (await collect(f.local('add', [], { pin: false }, { entries: entries(file('', 'same')) }) as AsyncIterable<AddEvent>))[0]
    const names = Array.from({ length: 60 }, (_, i) => `entry-${String(i).padStart(4, '0')}`)
    await run('files mkdir', ['/big'])
    for (const name of names) await run('files cp', [`/ipfs/${leaf}`, `/big/${name}`])
    const big = await stat('/big')
    expect(big.Hash).toBe(await added(...names.map((n): [string, string] => [n, 'same'])))
    const { decodeNode } = await import('../../dag/index.ts')
    const { CID } = await import('multiformats/cid')
    const shardedRoot = decodeNode(CID.parse(big.Hash), await f.node.blocks.get(CID.parse(big.Hash)))
    expect(shardedRoot.kind === 'unixfs' && shardedRoot.unixfs.type).toBe('hamt-sharded-directory')
    // listed through the shards, every name once
    const listing = await run('files ls', ['/big']) as FilesLs
    expect((listing.Entries ?? []).map(e => e.Name).sort()).toEqual(names)
    // back under the threshold: a basic directory again, as Kubo's MFS
    for (const name of names.slice(10)) await run('files rm', [`/big/${name}`])
    expect(await hashOf('/big')).toBe(await added(...names.slice(0, 10).map((n): [string, string] => [n, 'same'])))
  })

  it('lists long and short as Kubo, and stats with Kubo\'s text', async () => {
    await run('files mkdir', ['/ls/d'], { parents: true })
    await writeBytes('/ls/f.txt', 'hello', { create: true })
    const long = await run('files ls', ['/ls'], { long: true }) as FilesLs
    const fHash = await hashOf('/ls/f.txt')
    const dHash = await hashOf('/ls/d')
    expect(long).toEqual({ Entries: [{ Name: 'd', Type: 1, Size: 0, Hash: dHash }, { Name: 'f.txt', Type: 0, Size: 5, Hash: fHash }] })
    expect(await run('files ls', ['/ls'])).toEqual({ Entries: [{ Name: 'd', Type: 0, Size: 0, Hash: '' }, { Name: 'f.txt', Type: 0, Size: 0, Hash: '' }] })
    expect(await run('files ls', ['/ls/f.txt'], { long: true })).toEqual({ Entries: [{ Name: 'f.txt', Type: 0, Size: 5, Hash: fHash }] })
    const { filesLs } = await import('../../core/commands/files-ls.ts')
    expect(filesLs.text?.(long, { long: true })).toBe(`d/\t${dHash}\t0\nf.txt\t${fHash}\t5`)

    const { filesStat } = await import('../../core/commands/files-stat.ts')
    const s = await stat('/ls/f.txt')
    expect(s).toEqual({ Hash: fHash, Size: 5, CumulativeSize: 13, Blocks: 0, Type: 'file' })
    expect(filesStat.text?.(s, { format: undefined })).toBe(`${fHash}\nSize: 5\nCumulativeSize: 13\nChildBlocks: 0\nType: file\nMode: not set (not set)\nMtime: not set`)
    expect(filesStat.text?.(s, { format: '<type> <childs> <size>' })).toBe('file 0 5')
    expect(filesStat.text?.(s, { hash: true })).toBe(fHash)
    expect(filesStat.text?.(s, { size: true })).toBe('13')
    const local = await stat('/ls', { 'with-local': true })
    expect(local).toMatchObject({ WithLocality: true, Local: true, SizeLocal: local.CumulativeSize })
    // /ipfs/ paths still work
    expect(await hashOf(`/ipfs/${fHash}`)).toBe(fHash)
  })

  it('copies from /ipfs/ and within MFS, moves, and removes', async () => {
    const { Hash: dir } = (await collect(f.local('add', [], { 'wrap-with-directory': true, pin: false }, { entries: entries(file('x.txt', 'ex')) }) as AsyncIterable<AddEvent>)).pop() as AddEvent
    await run('files mkdir', ['/cp'])
    await run('files cp', [`/ipfs/${dir}`, '/cp/'])
    expect(await run('files ls', [`/cp/${dir}`])).toEqual({ Entries: [{ Name: 'x.txt', Type: 0, Size: 0, Hash: '' }] })
    await run('files cp', [`/cp/${dir}/x.txt`, '/cp/y.txt'])
    expect((await read('/cp/y.txt')).toString()).toBe('ex')
    await expect(run('files cp', [`/cp/${dir}/x.txt`, '/cp/y.txt'])).rejects.toMatchObject({ name: 'FileExistsError' })
    await run('files cp', [`/ipfs/${dir}`, '/deep/er/copy'], { parents: true })
    expect(await hashOf('/deep/er/copy')).toBe(dir)

    // into a directory, over a file, and a rename
    await run('files mv', ['/cp/y.txt', `/cp/${dir}`])
    expect((await read(`/cp/${dir}/y.txt`)).toString()).toBe('ex')
    await writeBytes('/cp/over.txt', 'old', { create: true })
    await run('files mv', [`/cp/${dir}/y.txt`, '/cp/over.txt'])
    expect((await read('/cp/over.txt')).toString()).toBe('ex')
    // into a directory that has the name already: refused, as boxo's AddChild refuses it
    await writeBytes(`/cp/${dir}/taken.txt`, 'in dir', { create: true })
    await writeBytes('/cp/taken.txt', 'outside', { create: true })
    await expect(run('files mv', ['/cp/taken.txt', `/cp/${dir}/`])).rejects.toMatchObject({ name: 'FileExistsError' })
    await run('files rm', ['/cp/taken.txt'])
    await run('files mv', ['/cp/over.txt', '/cp/renamed.txt'])
    await expect(stat('/cp/over.txt')).rejects.toMatchObject({ name: 'FileNotFoundError' })
    await expect(run('files mv', ['/cp', '/cp/inside'])).rejects.toMatchObject({ name: 'InvalidPathError' })

    await run('files rm', ['/cp/renamed.txt'])
    await run('files rm', ['/cp'], { recursive: true })
    await expect(stat('/cp')).rejects.toMatchObject({ name: 'FileNotFoundError' })
  })

  it('changes mode, mtime and CID format', async () => {
    await writeBytes('/meta.txt', 'meta', { create: true })
    await run('files chmod', ['0644', '/meta.txt'])
    await run('files touch', ['/meta.txt'], { mtime: 1630937926 })
    const s = await stat('/meta.txt')
    expect(s).toMatchObject({ Mode: '0644', Mtime: 1630937926, Size: 4, Type: 'file' })
    expect((await read('/meta.txt')).toString()).toBe('meta')
    const { filesStat } = await import('../../core/commands/files-stat.ts')
    expect(filesStat.text?.(s, {})).toContain('Mode: -rw-r--r-- (0644)\nMtime: 6 Sep 2021, 14:18:46 UTC')
    // a later write keeps them
    await writeBytes('/meta.txt', '!', { offset: 4 })
    expect(await stat('/meta.txt')).toMatchObject({ Mode: '0644', Mtime: 1630937926, Size: 5 })
    expect((await read('/meta.txt')).toString()).toBe('meta!')

    // a raw leaf gets its metadata in a dag-pb node holding the same bytes
    await writeBytes('/rawmeta.txt', 'raw!', { create: true, 'cid-version': 1 })
    expect((await stat('/rawmeta.txt')).Hash).toMatch(/^bafkrei/)
    await run('files chmod', ['0600', '/rawmeta.txt'])
    expect(await stat('/rawmeta.txt')).toMatchObject({ Mode: '0600', Size: 4 })
    expect((await read('/rawmeta.txt')).toString()).toBe('raw!')

    await run('files mkdir', ['/fmt'])
    await run('files chmod', ['0755', '/fmt'])
    await run('files chcid', ['/fmt'], { 'cid-version': 1 })
    const dir = await stat('/fmt')
    expect(dir.Hash).toMatch(/^bafybei/)
    expect(dir.Mode).toBe('0755')
    await run('files chcid', ['/fmt'], { hash: 'sha2-512' })
    expect((await stat('/fmt')).Hash).toMatch(/^bafyb/)
    await expect(run('files chmod', ['rw', '/fmt'])).rejects.toMatchObject({ name: 'InvalidArgumentError' })
  })

  it('add --to-files puts what it added into MFS', async () => {
    await run('files mkdir', ['/added'])
    const events = await collect(f.local('add', [], { 'to-files': '/added/', pin: false }, { entries: entries(file('n.txt', 'new')) }) as AsyncIterable<AddEvent>)
    expect(await hashOf('/added/n.txt')).toBe(events[0].Hash)
    const more = await collect(f.local('add', [], { 'to-files': '/added/one.txt', pin: false }, { entries: entries(file('', 'one')) }) as AsyncIterable<AddEvent>)
    expect((await read('/added/one.txt')).toString()).toBe('one')
    expect(await hashOf('/added/one.txt')).toBe(more[0].Hash)
  })

  it('keeps the previous root when a write is aborted, and lets GC run afterwards', async () => {
    await writeBytes('/abort/kept.txt', 'kept', { create: true, parents: true })
    const before = await hashOf('/')
    const controller = new AbortController()
    let sent = 0
    const endless = (async function * () {
      while (true) {
        sent += 64 * 1024
        if (sent > 4 * 1024 * 1024) controller.abort()
        yield randomBytesOf(64 * 1024, sent)
      }
    })()
    const aborted = f.remote('files write', ['/abort/big.bin'], { create: true }, { files: (async function * () { yield { name: 'data', content: endless } })() }, controller.signal) as Promise<unknown>
    await expect(aborted).rejects.toMatchObject({ name: 'AbortedError' })
    // the daemon notices the client gone; its lease ends, so GC runs, and the root is the old one
    await collect(f.local('repo gc', []) as AsyncIterable<unknown>)
    expect(await hashOf('/')).toBe(before)
    expect((await read('/abort/kept.txt')).toString()).toBe('kept')
    await expect(stat('/abort/big.bin')).rejects.toMatchObject({ name: 'FileNotFoundError' })
  })

  it('keeps every written file through GC runs that interleave with the writes', async () => {
    const writes = Array.from({ length: 20 }, async (_, i) => {
      await writeBytes(`/gc-race/f${i}.bin`, randomBytesOf(5000 + i, 100 + i), { create: true, parents: true })
    })
    const gcs = Array.from({ length: 5 }, async () => await collect(f.local('repo gc', []) as AsyncIterable<unknown>))
    await Promise.all([...writes, ...gcs])
    await collect(f.local('repo gc', []) as AsyncIterable<unknown>)
    for (let i = 0; i < 20; i++) {
      expect((await read(`/gc-race/f${i}.bin`)).equals(Buffer.from(randomBytesOf(5000 + i, 100 + i))), `f${i}`).toBe(true)
    }
  })

  it('answers the RPC with Kubo\'s bodies (empty for edits, {"Cid"} for flush)', async () => {
    const res = await f.fetch('files/mkdir?arg=/rpc-made')
    expect(res.status).toBe(200)
    expect(await res.text()).toBe('')
    const flushed = await (await f.fetch('files/flush?arg=/rpc-made')).json()
    expect(flushed).toEqual({ Cid: await hashOf('/rpc-made') })
    const missing = await f.fetch('files/stat?arg=/nothing-here')
    expect(missing.status).toBe(400)
    expect(await missing.json()).toMatchObject({ Message: 'file does not exist', Type: 'error' })
  })
})

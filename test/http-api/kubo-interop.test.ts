import { Readable } from 'node:stream'
import { create, type KuboRPCClient } from 'kubo-rpc-client'
import tar from 'tar-stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bytesOf, collect, entries, file, randomBytesOf, startRpc, type ImportEntry, type RpcFixture } from './helpers.ts'

interface AddEvent { Name: string, Hash: string, Size: string }

describe('kubo-rpc-client against the RPC API', () => {
  let f: RpcFixture
  let ipfs: KuboRPCClient
  beforeAll(async () => {
    f = await startRpc()
    ipfs = create({ url: f.url })
  })
  afterAll(async () => { await f.close() })

  /** What the local `add` gives for the same entries and flags (without storing). */
  async function localAdd (options: Record<string, unknown>, ...items: ImportEntry[]): Promise<AddEvent[]> {
    return await collect(f.local('add', [], { ...options, 'only-hash': true }, { entries: entries(...items) }) as AsyncIterable<AddEvent>)
  }

  it('adds bytes, files and directories with the CIDs a local add gives', async () => {
    const data = randomBytesOf(300_000, 11)
    const v1 = await ipfs.add(data, { cidVersion: 1, rawLeaves: true })
    expect(v1.cid.toString()).toBe((await localAdd({ 'cid-version': 1, 'raw-leaves': true }, file('', data)))[0].Hash)
    expect(v1.size).toBe(Number((await localAdd({ 'cid-version': 1, 'raw-leaves': true }, file('', data)))[0].Size))

    const chunked = await ipfs.add({ path: 'c.bin', content: data }, { chunker: 'size-1024' })
    expect(chunked.cid.toString()).toBe((await localAdd({ chunker: 'size-1024' }, file('c.bin', data)))[0].Hash)

    const tree = [
      { path: 'site/index.html', content: new TextEncoder().encode('<h1>hi</h1>') },
      { path: 'site/img/a.bin', content: data.subarray(0, 5000) },
      { path: 'site/empty' }
    ]
    const remote = await collect(ipfs.addAll(tree, { wrapWithDirectory: true, cidVersion: 1 }))
    const local = await localAdd({ 'wrap-with-directory': true, 'cid-version': 1 },
      file('site/index.html', '<h1>hi</h1>'), file('site/img/a.bin', data.subarray(0, 5000)), { path: 'site/empty', type: 'directory' })
    expect(remote.map(r => [r.path, r.cid.toString(), r.size])).toEqual(local.map(l => [l.Name, l.Hash, Number(l.Size)]))

    const onlyHash = await ipfs.add(new TextEncoder().encode('never stored'), { onlyHash: true })
    expect(onlyHash.cid.toString()).toBe((await localAdd({}, file('', 'never stored')))[0].Hash)
    await expect(ipfs.block.stat(onlyHash.cid)).rejects.toThrow(/not found/)
  })

  it('cats with offset and length, lists directories, stats /ipfs/ paths and gets a tar', async () => {
    const data = randomBytesOf(100_000, 12)
    const added = await collect(ipfs.addAll([{ path: 'd/a.bin', content: data }, { path: 'd/b.txt', content: new TextEncoder().encode('bee') }]))
    const root = added[added.length - 1].cid
    expect(Buffer.concat(await collect(ipfs.cat(`/ipfs/${root}/a.bin`, { offset: 70_000, length: 1000 }))).equals(Buffer.from(data.subarray(70_000, 71_000)))).toBe(true)

    const listing = await collect(ipfs.ls(root))
    expect(listing.map(l => [l.name, l.cid.toString(), l.type, l.size])).toEqual([
      ['a.bin', added[0].cid.toString(), 'file', 100_000],
      ['b.txt', added[1].cid.toString(), 'file', 3]
    ])
    const stat = await ipfs.files.stat(`/ipfs/${root}`)
    expect(stat).toMatchObject({ type: 'directory', blocks: 2, cumulativeSize: added[2].size })
    expect(stat.cid.equals(root)).toBe(true)
    expect(await ipfs.files.stat(`/ipfs/${root}/b.txt`)).toMatchObject({ type: 'file', size: 3 })

    const archive = Buffer.concat(await collect(ipfs.get(root)))
    const extract = tar.extract()
    const files: Record<string, Buffer> = {}
    const done = (async () => {
      for await (const entry of extract) {
        files[entry.header.name] = Buffer.concat(await collect(entry as AsyncIterable<Buffer>))
      }
    })()
    Readable.from([archive]).pipe(extract)
    await done
    expect(Object.keys(files)).toEqual([`${root}/`, `${root}/a.bin`, `${root}/b.txt`])
    expect(files[`${root}/a.bin`].equals(Buffer.from(data))).toBe(true)
  })

  it('adds, lists and removes pins', async () => {
    const { cid } = await ipfs.add(new TextEncoder().encode('pin me'), { pin: false })
    await expect(collect(ipfs.pin.ls({ paths: [cid] }))).rejects.toThrow(/not pinned/)
    expect((await ipfs.pin.add(cid)).equals(cid)).toBe(true)
    expect((await collect(ipfs.pin.ls({ paths: [cid] }))).map(p => p.type)).toEqual(['recursive'])
    expect((await collect(ipfs.pin.ls({ type: 'recursive' }))).some(p => p.cid.equals(cid))).toBe(true)
    expect((await ipfs.pin.rm(cid)).equals(cid)).toBe(true)
    expect((await collect(ipfs.pin.ls())).some(p => p.cid.equals(cid))).toBe(false)
  })

  it('puts, gets, stats and removes blocks', async () => {
    const bytes = new TextEncoder().encode('a raw block')
    const cid = await ipfs.block.put(bytes)
    expect(cid.toString()).toMatch(/^bafkrei/)
    expect(Buffer.from(await ipfs.block.get(cid)).toString()).toBe('a raw block')
    expect(await ipfs.block.stat(cid)).toMatchObject({ size: bytes.length })
    const removed = await collect(ipfs.block.rm(cid))
    expect(removed.map(r => [r.cid.toString(), r.error])).toEqual([[cid.toString(), undefined]])
    await expect(ipfs.block.get(cid)).rejects.toThrow(/not found/)
  })

  it('puts dag-cbor and dag-json nodes, gets them, exports and imports CARs', async () => {
    const leaf = await ipfs.dag.put({ name: 'leaf' })
    const cid = await ipfs.dag.put({ hello: 'world', n: 1, link: leaf })
    expect(cid.code).toBe(0x71)
    expect((await ipfs.dag.get(cid)).value).toEqual({ hello: 'world', n: 1, link: leaf })
    const json = await ipfs.dag.put({ hello: 'json' }, { storeCodec: 'dag-json' })
    expect(json.code).toBe(0x0129)
    expect((await ipfs.dag.get(json)).value).toEqual({ hello: 'json' })

    const car = Buffer.concat(await collect(ipfs.dag.export(cid)))
    const local = await bytesOf(f.local('dag export', [cid.toString()]) as AsyncIterable<Uint8Array>)
    expect(car.equals(local)).toBe(true)
    const imported = await collect(ipfs.dag.import([car]))
    expect(imported.map(r => [r.root.cid.toString(), r.root.pinErrorMsg])).toEqual([[cid.toString(), '']])
    expect((await collect(ipfs.pin.ls({ paths: [cid] })))[0].type).toBe('recursive')
  })

  it('collects garbage and reports repo stats', async () => {
    const { cid } = await ipfs.add(new TextEncoder().encode('garbage'), { pin: false })
    const removed = await collect(ipfs.repo.gc())
    // GC names blocks by multihash (CIDv1 raw), as Kubo's multihash-keyed blockstore does
    expect(removed.some(r => r.cid != null && Buffer.from(r.cid.multihash.bytes).equals(cid.multihash.bytes))).toBe(true)
    const stat = await ipfs.repo.stat()
    expect(stat.repoPath).toBe(f.node.repo.root)
    expect(stat.numObjects).toBeGreaterThan(0n)
  })

  it('reads the version and gets and sets config values', async () => {
    expect((await ipfs.version()).version).toMatch(/^\d+\.\d+\.\d+/)
    await ipfs.config.set('Datastore.StorageMax', '20GB')
    expect(await ipfs.config.get('Datastore.StorageMax')).toBe('20GB')
    await ipfs.config.set('Datastore.HashOnRead', true)
    expect(await ipfs.config.get('Datastore.HashOnRead')).toBe(true)
    await expect(ipfs.config.get('Identity.PrivKey')).rejects.toThrow(/secret/)
  })
})

/**
 * Kubo's shapes over the RPC API and the gateway (issue 14 §3, §4), checked with kubo-rpc-client
 * (the reference client) and with plain HTTP where the client hides the wire format.
 */
import * as dagCbor from '@ipld/dag-cbor'
import * as dagJson from '@ipld/dag-json'
import * as dagPb from '@ipld/dag-pb'
import { create, type KuboRPCClient } from 'kubo-rpc-client'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { gunzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BlockGetter } from '../../blockstore/index.ts'
import { ensureDiffPresent } from '../../core/commands/pin-update.ts'
import { collect, entries, file, startRpc, type ImportEntry, type RpcFixture } from './helpers.ts'
import { startGateway, type GatewayFixture } from './gateway-helpers.ts'

interface AddEvent { Name: string, Hash: string }

describe('RPC shapes with kubo-rpc-client', () => {
  let f: RpcFixture
  let ipfs: KuboRPCClient
  beforeAll(async () => {
    f = await startRpc()
    ipfs = create({ url: f.url })
  })
  afterAll(async () => { await f.close() })

  async function addTree (...items: Array<[string, string]>): Promise<Record<string, string>> {
    const events = await collect(f.local('add', [], { 'wrap-with-directory': true }, { entries: entries(...items.map(([path, text]) => file(path, text))) }) as AsyncIterable<AddEvent>)
    return Object.fromEntries(events.map(e => [e.Name === '' || /^Qm|^baf/.test(e.Name) ? '.' : e.Name, e.Hash]))
  }

  it('pin/ls answers {"Keys":…} without stream, NDJSON {"Cid","Type"} with stream=true; kubo-rpc-client reads both', async () => {
    const tree = await addTree(['a.txt', 'pin ls a'], ['b.txt', 'pin ls b'])
    const plain = await f.fetch('pin/ls?type=recursive')
    expect(plain.status).toBe(200)
    expect(await plain.json()).toEqual({ Keys: { [tree['.']]: { Type: 'recursive', Name: '' } } })
    const streamed = await f.fetch('pin/ls?type=recursive&stream=true')
    expect((await streamed.text()).trim().split('\n').map(line => JSON.parse(line))).toEqual([{ Cid: tree['.'], Type: 'recursive' }])

    const pins = await collect(ipfs.pin.ls({ type: 'recursive' }))
    expect(pins.map(p => [p.cid.toString(), p.type])).toEqual([[tree['.'], 'recursive']])
    const one = await collect(ipfs.pin.ls({ paths: [CID.parse(tree['a.txt'])] }))
    expect(one.map(p => [p.cid.toString(), p.type])).toEqual([[tree['a.txt'], `indirect through ${tree['.']}`]])
    await expect(collect(ipfs.pin.ls({ paths: [CID.parse(tree['a.txt'])], type: 'direct' }))).rejects.toThrow(/is not pinned/)
  })

  it('resolve and dag.resolve answer Kubo\'s {"Path"} and {"Cid":{"/"},"RemPath"}', async () => {
    const tree = await addTree(['dir/leaf.txt', 'resolve me'])
    expect(await ipfs.resolve(`/ipfs/${tree['.']}/dir/leaf.txt`)).toBe(`/ipfs/${tree['dir/leaf.txt']}`)
    const inPb = await ipfs.dag.resolve(`/ipfs/${tree['.']}/dir/leaf.txt`)
    expect(inPb.cid.toString()).toBe(tree['dir/leaf.txt'])
    expect(inPb.remainderPath).toBe('')
    const node = await ipfs.dag.put({ a: { b: [1, 2] }, to: CID.parse(tree['dir/leaf.txt']) }, { storeCodec: 'dag-cbor' })
    const inside = await ipfs.dag.resolve(node, { path: '/a/b/1' })
    expect(inside.cid.equals(node)).toBe(true)
    expect(inside.remainderPath).toBe('/a/b/1')
    const raw = await f.fetch(`dag/resolve?arg=${node.toString()}/to`)
    expect(await raw.json()).toEqual({ Cid: { '/': tree['dir/leaf.txt'] }, RemPath: '' })
  })

  it('pin.update moves the pin and answers {"Pins":[from,to]}', async () => {
    const before = await addTree(['x.txt', 'one'], ['same.txt', 'shared'])
    const after = await addTree(['x.txt', 'two'], ['same.txt', 'shared'])
    await f.local('pin rm', [after['.']])
    const pins = await ipfs.pin.update(CID.parse(before['.']), CID.parse(after['.']))
    expect(pins.map(p => p.toString())).toEqual([before['.'], after['.']])
    const recursive = (await collect(ipfs.pin.ls({ type: 'recursive' }))).map(p => p.cid.toString())
    expect(recursive).toContain(after['.'])
    expect(recursive).not.toContain(before['.'])
  })

  it('get with compress answers gzip as Kubo: the tar with archive, else the one file\'s bytes', async () => {
    const tree = await addTree(['z/one.txt', 'gzip me'])
    const tgz = Buffer.concat(await collect(ipfs.get(tree.z, { archive: true, compress: true, compressionLevel: 9 })))
    const tarBytes = gunzipSync(tgz)
    expect(tarBytes.subarray(0, 100).toString('latin1')).toContain(tree.z)
    expect(tarBytes.toString('latin1')).toContain('gzip me')
    const gz = Buffer.concat(await collect(ipfs.get(tree['z/one.txt'], { compress: true })))
    expect(gunzipSync(gz).toString()).toBe('gzip me')
    const res = await f.fetch(`get?arg=${tree['z/one.txt']}&compress=true`)
    expect(res.headers.get('content-type')).toBe('application/gzip')
    await res.arrayBuffer()
    const folder = await f.fetch(`get?arg=${tree.z}&compress=true`)
    expect(folder.status).toBe(400)
    expect(await folder.text()).toMatch(/add -a for a \.tar\.gz/)
  })

  it('repo gc --stream-errors reports the error as a {"Error"} line, then fails', async () => {
    const tree = await addTree(['doomed.txt', 'a block that goes missing'])
    await f.node.blockstore.deleteMany([CID.parse(tree['doomed.txt'])])
    const streamed = await f.fetch('repo/gc?stream-errors=true', { headers: { TE: 'trailers' } })
    const lines = (await streamed.text()).trim().split('\n').map(line => JSON.parse(line))
    expect(lines).toHaveLength(1)
    expect(lines[0].Error).toMatch(/^gc aborted, nothing was removed: block /)
    await expect(collect(f.remote('repo gc', [], { 'stream-errors': true }) as AsyncIterable<unknown>)).rejects.toThrow(/encountered errors during gc run/)
    // without it the error is the answer
    await expect(collect(f.remote('repo gc') as AsyncIterable<unknown>)).rejects.toThrow(/gc aborted/)
    await f.local('pin rm', [tree['.']])
  })
})

describe('pin update walks only the difference', () => {
  let f: RpcFixture
  beforeAll(async () => { f = await startRpc() })
  afterAll(async () => { await f.close() })

  it('reads the changed path, not the shared subtrees, and fetches what is new', async () => {
    const items: ImportEntry[] = []
    for (let i = 0; i < 40; i++) items.push(file(`big/f${i}.txt`, `file number ${i} `.repeat(50)))
    const add = async (extra: string): Promise<string> => {
      const events = await collect(f.local('add', [], { 'wrap-with-directory': true, chunker: 'size-64' }, {
        entries: entries(...items, file('changed.txt', extra))
      }) as AsyncIterable<AddEvent>)
      return events[events.length - 1].Hash
    }
    const from = CID.parse(await add('version one'))
    const to = CID.parse(await add('version two'))
    const reads: string[] = []
    const getter: BlockGetter = {
      get: async (cid, options) => {
        reads.push(cid.toString())
        return await f.node.blocks.get(cid, options)
      }
    }
    const has = async (cid: CID): Promise<boolean> => await f.node.blockstore.has(cid)
    await ensureDiffPresent(from, to, { getter, has })
    // the two roots and the new file's one block; none of the 40 files (each 10+ blocks) nor "big"
    expect(reads.length).toBeLessThanOrEqual(4)
    const full: string[] = []
    await ensureDiffPresent(CID.parse(await add('unrelated')), to, { getter: { get: async (cid, o) => { full.push(cid.toString()); return await f.node.blocks.get(cid, o) } }, has })
    expect(full.length).toBeLessThanOrEqual(4)

    // a block of the new DAG that is missing is named
    const orphanLeaf = dagPb.encode({ Data: new Uint8Array([8, 2]), Links: [] })
    const missing = CID.createV0(await sha256.digest(orphanLeaf))
    const root = dagPb.encode(dagPb.prepare({ Links: [{ Name: 'm', Hash: missing, Tsize: 2 }] }))
    const rootCid = CID.createV0(await sha256.digest(root))
    await f.node.blockstore.putMany([{ cid: rootCid, bytes: root }])
    await expect(ensureDiffPresent(from, rootCid, { getter: f.node.blocks, has })).rejects.toMatchObject({ name: 'IncompleteDAGError' })
  })
})

describe('gateway codec conversion (Gateway.AllowCodecConversion)', () => {
  let on: GatewayFixture
  let off: GatewayFixture
  const directory = dagPb.encode(dagPb.prepare({ Data: new Uint8Array([8, 1]), Links: [] }))
  let pbCid: CID
  const cborValue = { hello: 'world', n: 1 }
  let cborCid: CID
  beforeAll(async () => {
    pbCid = CID.createV1(dagPb.code, await sha256.digest(directory))
    cborCid = CID.createV1(dagCbor.code, await sha256.digest(dagCbor.encode(cborValue)))
    on = await startGateway({}, { fixtures: false, config: (config) => { config.Gateway = { AllowCodecConversion: true } } })
    off = await startGateway({}, { fixtures: false })
    for (const g of [on, off]) {
      await g.node.blockstore.putMany([{ cid: pbCid, bytes: directory }, { cid: cborCid, bytes: dagCbor.encode(cborValue) }])
    }
  })
  afterAll(async () => {
    await on?.close()
    await off?.close()
  })

  it('converts dag-pb to dag-json and dag-cbor, by ?format= and by Accept', async () => {
    const json = await on.get(`/ipfs/${pbCid.toString()}?format=dag-json`)
    expect(json.status).toBe(200)
    expect(json.headers['content-type']).toBe('application/vnd.ipld.dag-json')
    expect(json.body.toString()).toBe(new TextDecoder().decode(dagJson.encode(dagPb.decode(directory))))
    expect(JSON.parse(json.body.toString())).toEqual({ Data: { '/': { bytes: 'CAE' } }, Links: [] })
    const cbor = await on.get(`/ipfs/${pbCid.toString()}`, { Accept: 'application/vnd.ipld.dag-cbor' })
    expect(cbor.status).toBe(200)
    expect(cbor.headers['content-type']).toBe('application/vnd.ipld.dag-cbor')
    expect(Buffer.from(cbor.body).equals(Buffer.from(dagCbor.encode(dagPb.decode(directory))))).toBe(true)
    const fromCbor = await on.get(`/ipfs/${cborCid.toString()}?format=dag-json`)
    expect(JSON.parse(fromCbor.body.toString())).toEqual(cborValue)
  })

  it('answers 406 naming the setting when conversion is off (Kubo\'s default)', async () => {
    const refused = await off.get(`/ipfs/${pbCid.toString()}?format=dag-json`)
    expect(refused.status).toBe(406)
    expect(refused.body.toString()).toMatch(/Gateway\.AllowCodecConversion/)
  })
})

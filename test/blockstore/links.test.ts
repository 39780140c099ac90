/**
 * The one way to read a block's links: every codec the store accepts, identity CIDs included,
 * and pins and GC that keep a pinned DAG of each codec.
 */
import { join } from 'node:path'
import * as dagCbor from '@ipld/dag-cbor'
import * as dagJson from '@ipld/dag-json'
import { Level } from 'level'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  CBOR, DAG_CBOR, DAG_JSON, IDENTITY, JSON_CODE, LIBP2P_KEY, RAW, createBlockstore, createGc, createLeases,
  createPins, isLeafCodec, linksOf, namedLinksOf
} from '../../blockstore/index.ts'
import type { Block, PackBlockstore } from '../../blockstore/index.ts'
import { blockOf, collect, dagPbNode, randomBlock, tempDir } from './helpers.ts'

const text = (s: string): Uint8Array => new TextEncoder().encode(s)
const ids = (cids: CID[]): string[] => cids.map(String)

describe('linksOf', () => {
  it('reads the links of every codec the store accepts', () => {
    const [a, b, c] = [randomBlock(10), randomBlock(11), randomBlock(12)]
    const pb = dagPbNode([a.cid, b.cid])
    expect(ids(linksOf(pb.cid, pb.bytes))).toEqual(ids([a.cid, b.cid]))
    expect(namedLinksOf(pb.cid, pb.bytes).map(l => l.name)).toEqual(['link-0', 'link-1'])
    const cbor = blockOf(dagCbor.encode({ z: a.cid, list: [b.cid, { deep: c.cid }] }), DAG_CBOR)
    // dag-cbor's key order: shorter first ("z" before "list")
    expect(namedLinksOf(cbor.cid, cbor.bytes).map(l => [l.name, l.cid.toString()]))
      .toEqual([['z', a.cid.toString()], ['list/0', b.cid.toString()], ['list/1/deep', c.cid.toString()]])
    const json = blockOf(dagJson.encode({ z: a.cid, list: [b.cid] }), DAG_JSON)
    expect(ids(linksOf(json.cid, json.bytes))).toEqual(ids([b.cid, a.cid]))
    for (const code of [RAW, JSON_CODE, CBOR, LIBP2P_KEY]) {
      expect(isLeafCodec(code)).toBe(true)
      expect(linksOf(blockOf(text('{"a":1}'), code).cid, text('{"a":1}'))).toEqual([])
    }
  })

  it('reads an identity block by the codec of its CID', () => {
    const leaf = randomBlock(10)
    const bytes = dagCbor.encode({ leaf: leaf.cid })
    const inline = CID.createV1(DAG_CBOR, Digest.create(IDENTITY, bytes))
    expect(ids(linksOf(inline, inline.multihash.digest))).toEqual(ids([leaf.cid]))
  })

  it('names an unknown codec and corrupt bytes', () => {
    const unknown = blockOf(text('x'), 0x78)
    expect(() => linksOf(unknown.cid, unknown.bytes)).toThrow(expect.objectContaining({ name: 'UnsupportedCodecError' }))
    const corrupt = blockOf(text('not cbor at all {'), DAG_CBOR)
    expect(() => linksOf(corrupt.cid, corrupt.bytes)).toThrow(expect.objectContaining({ name: 'BlockCorruptError' }))
  })
})

describe('pins and GC over every codec', () => {
  let dir: { path: string, remove: () => Promise<void> }
  let store: PackBlockstore
  let datastore: Level<Uint8Array, Uint8Array>

  beforeEach(async () => {
    dir = await tempDir()
    store = createBlockstore({ path: join(dir.path, 'blocks') })
    await store.open()
    datastore = new Level(join(dir.path, 'pins'), { keyEncoding: 'view', valueEncoding: 'view' })
  })

  afterEach(async () => {
    await store.close()
    await datastore.close()
    await dir.remove()
  })

  it('pins a block of each codec recursively; GC keeps them and what they link to', async () => {
    const pins = createPins({ blockstore: store, datastore })
    const gc = createGc({ blockstore: store, pins, leases: createLeases() })
    const leaves = Array.from({ length: 4 }, () => randomBlock(100))
    const garbage = Array.from({ length: 3 }, () => randomBlock(100))
    const roots: Block[] = [
      dagPbNode([leaves[0].cid]),
      blockOf(dagCbor.encode({ child: leaves[1].cid })),
      blockOf(dagJson.encode({ child: leaves[2].cid }), DAG_JSON),
      blockOf(text('{"a":1}'), JSON_CODE),
      blockOf(dagCbor.encode({ a: 1 }), CBOR),
      blockOf(text('a public key'), LIBP2P_KEY),
      randomBlock(50)
    ]
    roots[1] = blockOf(roots[1].bytes, DAG_CBOR)
    // an identity root inlines a dag-cbor node: its links are followed like any other
    const inline = CID.createV1(DAG_CBOR, Digest.create(IDENTITY, dagCbor.encode({ child: leaves[3].cid })))
    await store.putMany([...leaves, ...garbage, ...roots])
    for (const root of [...roots.map(r => r.cid), inline]) {
      await pins.add(root, { signal: AbortSignal.timeout(10_000) })
    }
    const removed = await collect(gc.collect({ signal: AbortSignal.timeout(10_000) }))
    expect(removed.map(cid => cid.multihash.toString()).sort())
      .toEqual(garbage.map(b => b.cid.multihash.toString()).sort())
    for (const block of [...leaves, ...roots]) expect(await store.has(block.cid)).toBe(true)
  })
})

/**
 * Valid inputs the targets mutate: CIDs in every base, UnixFS nodes of every type, dag-cbor and
 * dag-json values with links, and the blocks of a small DAG. Built in code (not read from files)
 * so they always match the codecs in use.
 */
import * as dagCbor from '@ipld/dag-cbor'
import * as dagJson from '@ipld/dag-json'
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { bases } from 'multiformats/basics'
import { CID } from 'multiformats/cid'
import { identity } from 'multiformats/hashes/identity'
import { sha256 } from 'multiformats/hashes/sha2'
import type { Block, BlockGetter } from '../blockstore/types.ts'
import { BlockNotFoundError } from '../errors/index.ts'
import { DAG_CBOR, DAG_JSON, DAG_PB, RAW } from '../dag/codecs.ts'

const utf8 = new TextEncoder()

/** A CIDv1 of `bytes` with sha2-256, synchronously (sha256.digest is sync in Node). */
export function cidOf (code: number, bytes: Uint8Array): CID {
  const digest = sha256.digest(bytes)
  if (digest instanceof Promise) throw new Error('sha256 is async here')
  return CID.createV1(code, digest)
}

/** A block with its CIDv1. */
export function blockOf (code: number, bytes: Uint8Array): Block {
  return { cid: cidOf(code, bytes), bytes }
}

const leafA = blockOf(RAW, utf8.encode('hello, fuzzer\n'))
const leafB = blockOf(RAW, utf8.encode('a second leaf of a file'))
const identityCid = CID.createV1(RAW, identity.digest(utf8.encode('inline')))

/** UnixFS `Data` messages of every type. */
export const UNIXFS_DATA: readonly Uint8Array[] = [
  new UnixFS({ type: 'file', data: utf8.encode('small file') }).marshal(),
  new UnixFS({ type: 'file', blockSizes: [BigInt(leafA.bytes.length), BigInt(leafB.bytes.length)] }).marshal(),
  new UnixFS({ type: 'directory', mode: 0o755, mtime: { secs: 1_700_000_000n, nsecs: 5 } }).marshal(),
  new UnixFS({ type: 'hamt-sharded-directory', fanout: 256n, hashType: 0x22n, data: Uint8Array.of(0x01, 0x00) }).marshal(),
  new UnixFS({ type: 'symlink', data: utf8.encode('../target') }).marshal(),
  new UnixFS({ type: 'raw', data: utf8.encode('raw unixfs') }).marshal(),
  new UnixFS({ type: 'metadata' }).marshal()
]

const fileNode = dagPb.encode(dagPb.prepare({
  Data: UNIXFS_DATA[1],
  Links: [{ Hash: leafA.cid, Tsize: leafA.bytes.length }, { Hash: leafB.cid, Tsize: leafB.bytes.length }]
}))
const file = blockOf(DAG_PB, fileNode)
const dirNode = dagPb.encode(dagPb.prepare({
  Data: UNIXFS_DATA[2],
  Links: [
    { Hash: file.cid, Name: 'file.txt', Tsize: 100 },
    { Hash: leafA.cid, Name: 'raw-leaf', Tsize: leafA.bytes.length },
    { Hash: identityCid, Name: 'inline' }
  ]
}))
const dir = blockOf(DAG_PB, dirNode)

/** dag-pb blocks: UnixFS file, directory, shard, symlink, and non-UnixFS nodes. */
export const DAG_PB_BLOCKS: readonly Uint8Array[] = [
  fileNode,
  dirNode,
  dagPb.encode(dagPb.prepare({ Data: UNIXFS_DATA[0], Links: [] })),
  dagPb.encode(dagPb.prepare({ Data: UNIXFS_DATA[3], Links: [{ Hash: file.cid, Name: '00file.txt', Tsize: 10 }] })),
  dagPb.encode(dagPb.prepare({ Data: UNIXFS_DATA[4], Links: [] })),
  dagPb.encode(dagPb.prepare({ Links: [{ Hash: leafA.cid, Name: 'no unixfs' }] })),
  dagPb.encode(dagPb.prepare({ Data: Uint8Array.of(1, 2, 3), Links: [] }))
]

/** A data-model value with every kind: links, bytes, nested lists and maps, floats, negatives. */
export const IPLD_VALUES: readonly unknown[] = [
  { name: 'fuzz', size: 42, neg: -7, float: 1.5, ok: true, nothing: null, bytes: Uint8Array.of(0, 1, 2), link: leafA.cid },
  [1, [2, [3, [4, { deep: [file.cid, dir.cid] }]]]],
  { '': 'empty key', 'a/b': 'slash', 'é': 'utf-8', list: [], map: {} },
  'just a string',
  9007199254740991
]

/** dag-cbor blocks. */
export const DAG_CBOR_BLOCKS: readonly Uint8Array[] = IPLD_VALUES.map(v => dagCbor.encode(v))

/** dag-json blocks. */
export const DAG_JSON_BLOCKS: readonly Uint8Array[] = IPLD_VALUES.map(v => dagJson.encode(v))

/** Every block of the small DAG under {@link DAG_ROOTS}. */
export const DAG_BLOCKS: readonly Block[] = [
  leafA, leafB, file, dir,
  blockOf(DAG_CBOR, DAG_CBOR_BLOCKS[0]),
  blockOf(DAG_JSON, DAG_JSON_BLOCKS[1])
]

/** Roots of the small DAG: a directory, a file, and an IPLD node. */
export const DAG_ROOTS: readonly CID[] = [dir.cid, file.cid, DAG_BLOCKS[4].cid]

/** A getter over {@link DAG_BLOCKS} plus `extra`, which wins (a damaged block stands in for the real one). */
export function memoryGetter (extra: readonly Block[] = []): BlockGetter {
  const key = (cid: CID): string => Buffer.from(cid.multihash.bytes).toString('hex')
  const map = new Map<string, Uint8Array>()
  for (const b of [...DAG_BLOCKS, ...extra]) map.set(key(b.cid), b.bytes)
  return {
    async get (cid) {
      const bytes = map.get(key(cid))
      if (bytes == null) throw new BlockNotFoundError(`block ${cid.toString()} not found`)
      return bytes
    }
  }
}

/** CIDs of every shape: v0, v1 with each codec, identity, and a long digest. */
export const CIDS: readonly CID[] = [
  CID.createV0(sha256.digest(dirNode) as Awaited<ReturnType<typeof sha256.digest>>),
  dir.cid, file.cid, leafA.cid, identityCid,
  DAG_BLOCKS[4].cid, DAG_BLOCKS[5].cid,
  CID.createV1(0x0200, leafB.cid.multihash)
]

/** {@link CIDS} written in every multibase (CIDv0 only as base58btc without prefix). */
export const CID_TEXTS: readonly string[] = [
  CIDS[0].toString(),
  ...CIDS.slice(1).flatMap(cid => Object.values(bases).filter(b => b.name !== 'identity').map(b => cid.toString(b.encoder)))
]

export { DAG_PB, DAG_CBOR, DAG_JSON, RAW }

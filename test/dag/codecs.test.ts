import { createHash } from 'node:crypto'
import * as dagCbor from '@ipld/dag-cbor'
import * as dagJson from '@ipld/dag-json'
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import * as Digest from 'multiformats/hashes/digest'
import { identity } from 'multiformats/hashes/identity'
import { sha256, sha512 } from 'multiformats/hashes/sha2'
import { describe, expect, it } from 'vitest'
import type { Block, BlockGetter } from '../../blockstore/types.ts'
import { blockPut, codecByCode, codecByName, dagPut } from '../../dag/codecs.ts'
import { dagGet, resolveDagPath } from '../../dag/ipld-path.ts'
import { hashBytes, hasherByCode, hasherByName, verifyBlock } from '../../dag/hashes.ts'
import { linksOf, namedLinksOf } from '../../dag/index.ts'

const text = (s: string): Uint8Array => new TextEncoder().encode(s)
const str = (b: Uint8Array): string => new TextDecoder().decode(b)
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

async function rejectsWith (p: Promise<unknown> | (() => unknown), name: string): Promise<Error> {
  try {
    await (typeof p === 'function' ? p() : p)
  } catch (err) {
    expect((err as Error).name).toBe(name)
    return err as Error
  }
  throw new Error(`expected ${name}, nothing was thrown`)
}

/** A getter over a fixed list of blocks. */
function getterOf (blocks: Block[]): BlockGetter {
  const map = new Map(blocks.map(b => [b.cid.toString(), b.bytes]))
  return {
    async get (cid) {
      const bytes = map.get(cid.toString())
      if (bytes == null) throw Object.assign(new Error(`missing ${cid.toString()}`), { name: 'BlockNotFoundError' })
      return bytes
    }
  }
}

async function cborBlock (value: unknown): Promise<Block> {
  const bytes = dagCbor.encode(value)
  return { cid: CID.createV1(dagCbor.code, await sha256.digest(bytes)), bytes }
}

describe('hashes', () => {
  it('computes each function as independent implementations do', async () => {
    const input = text('hello world')
    expect(hashBytes(input, 'sha2-256').bytes).toEqual((await sha256.digest(input)).bytes)
    expect(hashBytes(input, 'sha2-512').bytes).toEqual((await sha512.digest(input)).bytes)
    expect(hex(hashBytes(input, 'sha3-256').digest)).toBe(createHash('sha3-256').update(input).digest('hex'))
    expect(hex(hashBytes(input, 'sha3-512').digest)).toBe(createHash('sha3-512').update(input).digest('hex'))
    // RFC 7693 family, known vector for the empty input
    expect(hex(hashBytes(new Uint8Array(0), 'blake2b-256').digest)).toBe('0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8')
    expect(hashBytes(input, 'blake2b-256').code).toBe(0xb220)
    expect(hashBytes(input, 'identity').bytes).toEqual(identity.digest(input).bytes)
  })

  it('looks hashers up by name and code, and names what is unknown', async () => {
    expect(hasherByName('sha2-256').code).toBe(0x12)
    expect(hasherByCode(0x16).name).toBe('sha3-256')
    const err = await rejectsWith(() => hasherByName('md5'), 'UnsupportedHashError')
    expect(err.message).toContain('md5')
    await rejectsWith(() => hasherByCode(0x1e), 'UnsupportedHashError')
  })

  it('truncates digests on request, within Kubo limits', async () => {
    const input = text('abc')
    const full = hashBytes(input, 'sha2-256')
    const short = hashBytes(input, 'sha2-256', 20)
    expect(short.digest).toEqual(full.digest.subarray(0, 20))
    await rejectsWith(() => hashBytes(input, 'sha2-256', 19), 'InvalidArgumentError')
    await rejectsWith(() => hashBytes(input, 'sha2-256', 33), 'InvalidArgumentError')
    await rejectsWith(() => hashBytes(new Uint8Array(129), 'identity'), 'InvalidArgumentError')
  })

  it('verifies blocks, including truncated and identity multihashes', async () => {
    const bytes = text('hello world')
    const cid = CID.createV1(raw.code, await sha256.digest(bytes))
    expect(() => { verifyBlock(cid, bytes) }).not.toThrow()
    await rejectsWith(() => { verifyBlock(cid, text('hello worle')) }, 'BlockCorruptError')

    const truncated = CID.createV1(raw.code, Digest.create(0x12, (await sha256.digest(bytes)).digest.subarray(0, 20)))
    expect(() => { verifyBlock(truncated, bytes) }).not.toThrow()
    await rejectsWith(() => { verifyBlock(truncated, text('other')) }, 'BlockCorruptError')

    const id = CID.createV1(raw.code, identity.digest(text('hi')))
    expect(() => { verifyBlock(id, text('hi')) }).not.toThrow()
    await rejectsWith(() => { verifyBlock(id, text('ho')) }, 'BlockCorruptError')
    // bafkqaaa: the identity CID of the empty block
    expect(() => { verifyBlock(CID.parse('bafkqaaa'), new Uint8Array(0)) }).not.toThrow()
    await rejectsWith(() => { verifyBlock(CID.createV1(raw.code, Digest.create(0x12, new Uint8Array(0))), new Uint8Array(0)) }, 'BlockCorruptError')

    const sha3 = CID.createV1(raw.code, Digest.create(0x16, createHash('sha3-256').update(bytes).digest()))
    expect(() => { verifyBlock(sha3, bytes) }).not.toThrow()
    const unknown = CID.createV1(raw.code, Digest.create(0xd5, new Uint8Array(16)))
    await rejectsWith(() => { verifyBlock(unknown, bytes) }, 'UnsupportedHashError')
  })
})

describe('codecs by name', () => {
  it('knows the six codecs and lists them when asked for another', async () => {
    expect(codecByName('dag-json').code).toBe(0x0129)
    expect(codecByName('cbor').code).toBe(0x51)
    expect(codecByCode(0x0200).name).toBe('json')
    const err = await rejectsWith(() => codecByName('dag-jose'), 'UnsupportedCodecError')
    expect(err.message).toContain('dag-jose')
    expect(err.message).toContain('dag-pb, raw, dag-cbor, dag-json, json, cbor')
    await rejectsWith(() => codecByCode(0x78), 'UnsupportedCodecError')
  })
})

describe('dagPut', () => {
  it('stores {"hello":"world"} as dag-cbor sha2-256 with the CID @ipld/dag-cbor gives', async () => {
    const block = dagPut(text('{"hello":"world"}'))
    const expected = dagCbor.encode({ hello: 'world' })
    expect(block.bytes).toEqual(expected)
    expect(block.cid.equals(CID.createV1(dagCbor.code, await sha256.digest(expected)))).toBe(true)
    expect(block.cid.version).toBe(1)
  })

  it('round-trips links and bytes between dag-json and dag-cbor', async () => {
    const child = CID.parse('bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e')
    const input = `{"z":[1,2,{"/":"${child.toString()}"}],"a":{"/":{"bytes":"AQID"}},"n":-3}`
    const block = dagPut(text(input))
    const decoded = dagCbor.decode(block.bytes) as { z: unknown[], a: Uint8Array, n: number }
    expect(CID.asCID(decoded.z[2])?.equals(child)).toBe(true)
    expect(decoded.a).toEqual(new Uint8Array([1, 2, 3]))
    expect(decoded.n).toBe(-3)

    const back = await dagGet(block)
    // dag-json output is canonical: keys sorted, no whitespace
    expect(str(back)).toBe(`{"a":{"/":{"bytes":"AQID"}},"n":-3,"z":[1,2,{"/":"${child.toString()}"}]}`)

    const again = dagPut(back)
    expect(again.cid.equals(block.cid)).toBe(true)

    const asJson = dagPut(block.bytes, { inputCodec: 'dag-cbor', storeCodec: 'dag-json' })
    expect(str(asJson.bytes)).toBe(str(back))
    expect(asJson.cid.code).toBe(0x0129)
  })

  it('honours --hash and refuses unknown hashes and codecs by name', async () => {
    const block = dagPut(text('{}'), { hash: 'sha2-512' })
    expect(block.cid.multihash.code).toBe(0x13)
    expect(block.cid.multihash.digest).toEqual((await sha512.digest(block.bytes)).digest)
    await rejectsWith(() => dagPut(text('{}'), { hash: 'sha1-fake' }), 'UnsupportedHashError')
    await rejectsWith(() => dagPut(text('{}'), { storeCodec: 'git-raw' }), 'UnsupportedCodecError')
  })

  it('gives the parser message for invalid input', async () => {
    const err = await rejectsWith(() => dagPut(text('{"a":')), 'InvalidArgumentError')
    expect(err.message).toMatch(/^invalid dag-json input: /)
    expect(err.message.length).toBeGreaterThan('invalid dag-json input: '.length)
  })

  it('stores dag-pb only from dag-pb shaped input, sorting links as dag-pb requires', async () => {
    const leaf = CID.parse('bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e')
    const input = `{"Data":{"/":{"bytes":"CAE"}},"Links":[{"Hash":{"/":"${leaf.toString()}"},"Name":"b","Tsize":11},{"Hash":{"/":"${leaf.toString()}"},"Name":"a","Tsize":11}]}`
    const block = dagPut(text(input), { storeCodec: 'dag-pb' })
    const expected = dagPb.encode({
      Data: new Uint8Array([8, 1]),
      Links: [{ Hash: leaf, Name: 'a', Tsize: 11 }, { Hash: leaf, Name: 'b', Tsize: 11 }]
    })
    expect(block.bytes).toEqual(expected)
    expect(block.cid.code).toBe(0x70)

    await rejectsWith(() => dagPut(text('{"hello":"world"}'), { storeCodec: 'dag-pb' }), 'InvalidArgumentError')
    await rejectsWith(() => dagPut(text('{"Data":"text"}'), { storeCodec: 'dag-pb' }), 'InvalidArgumentError')
    await rejectsWith(() => dagPut(text('{"Links":[{"Name":"x"}]}'), { storeCodec: 'dag-pb' }), 'InvalidArgumentError')
  })

  it('refuses links in plain json, and blocks over 2 MiB unless allowed', async () => {
    const link = `{"/":"bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e"}`
    await rejectsWith(() => dagPut(text(`{"l":${link}}`), { storeCodec: 'json' }), 'InvalidArgumentError')
    const plain = dagPut(text('{"b":1,"a":2}'), { inputCodec: 'json', storeCodec: 'json' })
    expect(str(plain.bytes)).toBe('{"b":1,"a":2}')

    const big = text(JSON.stringify({ s: 'x'.repeat(2 * 1024 * 1024) }))
    await rejectsWith(() => dagPut(big), 'BlockTooBigError')
    expect(dagPut(big, { allowBigBlock: true }).bytes.length).toBeGreaterThan(2 * 1024 * 1024)
  })
})

describe('dagGet', () => {
  it('traverses fields and follows links across blocks, Kubo-like', async () => {
    const leaf = await cborBlock({ name: 'leaf', list: [10, 20, 30] })
    const mid = await cborBlock({ next: leaf.cid, tag: 'mid' })
    const root = await cborBlock({ a: { b: mid.cid }, s: 'top' })
    const getter = getterOf([leaf, mid, root])

    expect(str(await dagGet(root, { path: 's' }))).toBe('"top"')
    // a path ending on a link gives the linked node
    expect(str(await dagGet(root, { path: 'a/b', getter }))).toBe(str(dagJson.encode({ next: leaf.cid, tag: 'mid' })))
    expect(str(await dagGet(root, { path: '/a/b/next/list/1', getter }))).toBe('20')
    expect(await dagGet(root, { path: 'a/b/next', getter, outputCodec: 'dag-cbor' })).toEqual(leaf.bytes)

    const resolved = await resolveDagPath(root, 'a/b/next/list', { getter })
    expect(resolved.block.cid.equals(leaf.cid)).toBe(true)
    expect(resolved.remainder).toEqual(['list'])

    const missing = await rejectsWith(dagGet(root, { path: 'a/nope', getter }), 'PathNotFoundError')
    expect(missing.message).toContain('nope')
    await rejectsWith(dagGet(root, { path: 'a/b/next/list/3', getter }), 'PathNotFoundError')
    await rejectsWith(dagGet(root, { path: 'a/b' }), 'InvalidArgumentError') // crosses a link, no getter
  })

  it('walks dag-pb by link name and prints dag-pb as Kubo does', async () => {
    const file = { cid: CID.parse('bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e'), bytes: text('hello world') }
    const dirBytes = dagPb.encode(dagPb.prepare({ Data: new UnixFS({ type: 'directory' }).marshal(), Links: [{ Hash: file.cid, Name: 'hello.txt', Tsize: 11 }] }))
    const dir = { cid: CID.createV1(dagPb.code, await sha256.digest(dirBytes)), bytes: dirBytes }
    const getter = getterOf([file, dir])

    expect(str(await dagGet(dir))).toBe(`{"Data":{"/":{"bytes":"CAE"}},"Links":[{"Hash":{"/":"${file.cid.toString()}"},"Name":"hello.txt","Tsize":11}]}`)
    expect(await dagGet(dir, { outputCodec: 'dag-pb' })).toEqual(dirBytes)
    expect(await dagGet(dir, { path: 'hello.txt', getter, outputCodec: 'raw' })).toEqual(text('hello world'))
    expect(str(await dagGet(dir, { path: 'hello.txt', getter }))).toBe('{"/":{"bytes":"aGVsbG8gd29ybGQ"}}')
    expect(str(await dagGet(dir, { path: 'Links/0/Name' }))).toBe('"hello.txt"')
    await rejectsWith(dagGet(dir, { path: 'absent.txt', getter }), 'PathNotFoundError')
    await rejectsWith(dagGet(dir, { outputCodec: 'raw' }), 'InvalidArgumentError')
  })

  it('refuses blocks of unknown codecs', async () => {
    const block = { cid: CID.createV1(0x72, await sha256.digest(text('k'))), bytes: text('k') }
    await rejectsWith(dagGet(block), 'UnsupportedCodecError')
  })
})

describe('blockPut', () => {
  it('defaults to CIDv1 raw sha2-256', async () => {
    const block = blockPut(text('hello world'))
    expect(block.cid.toString()).toBe('bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e')
  })

  it('gives the known CIDv0 for the "hello world\\n" UnixFS block with --format v0', async () => {
    const bytes = dagPb.encode({ Data: new UnixFS({ type: 'file', data: text('hello world\n') }).marshal(), Links: [] })
    expect(bytes.length).toBe(20)
    const block = blockPut(bytes, { format: 'v0' })
    expect(block.cid.toString()).toBe('QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o')
    expect(blockPut(bytes, { format: 'protobuf' }).cid.toString()).toBe(CID.createV1(0x70, await sha256.digest(bytes)).toString())
    await rejectsWith(() => blockPut(bytes, { format: 'v0', mhtype: 'sha2-512' }), 'InvalidArgumentError')
    await rejectsWith(() => blockPut(bytes, { format: 'v0', cidCodec: 'dag-cbor' }), 'InvalidArgumentError')
  })

  it('applies --cid-codec, --mhtype and --mhlen, and names unknown ones', async () => {
    const bytes = text('{"a":1}')
    const block = blockPut(bytes, { cidCodec: 'dag-json', mhtype: 'sha3-256' })
    expect(block.cid.code).toBe(0x0129)
    expect(hex(block.cid.multihash.digest)).toBe(createHash('sha3-256').update(bytes).digest('hex'))
    expect(blockPut(bytes, { mhlen: 20 }).cid.multihash.size).toBe(20)
    await rejectsWith(() => blockPut(bytes, { cidCodec: 'nope' }), 'UnsupportedCodecError')
    await rejectsWith(() => blockPut(bytes, { mhtype: 'nope' }), 'UnsupportedHashError')
    await rejectsWith(() => blockPut(new Uint8Array(2 * 1024 * 1024 + 1)), 'BlockTooBigError')
  })
})

describe('links', () => {
  it('lists dag-pb links in order with names, none for raw', async () => {
    const a = CID.parse('bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e')
    const b = CID.createV1(raw.code, await sha256.digest(text('b')))
    const bytes = dagPb.encode({ Links: [{ Hash: b, Name: 'x' }, { Hash: a, Name: 'y' }] })
    const cid = CID.createV1(dagPb.code, await sha256.digest(bytes))
    expect(namedLinksOf(cid, bytes)).toEqual([{ name: 'x', cid: b }, { name: 'y', cid: a }])
    expect(linksOf(a, text('hello world'))).toEqual([])
  })

  it('finds every CID inside dag-cbor and dag-json nodes in canonical key order', async () => {
    const c = async (s: string): Promise<CID> => CID.createV1(raw.code, await sha256.digest(text(s)))
    const [c1, c2, c3, c4] = await Promise.all(['1', '2', '3', '4'].map(c))
    const value = { bb: c1, a: [c2, { deep: c3 }], 10: c4, s: 'no', by: new Uint8Array([1]) }
    const cbor = await cborBlock(value)
    // dag-cbor orders keys by length, then bytes: a, s, 10, bb, by (JS objects would put 10 first)
    expect(namedLinksOf(cbor.cid, cbor.bytes).map(l => [l.name, l.cid.toString()])).toEqual([
      ['a/0', c2.toString()], ['a/1/deep', c3.toString()], ['10', c4.toString()], ['bb', c1.toString()]
    ])
    const jsonBytes = dagJson.encode(value)
    const jsonCid = CID.createV1(dagJson.code, await sha256.digest(jsonBytes))
    // dag-json orders keys by bytes: 10, a, bb, by, s
    expect(linksOf(jsonCid, jsonBytes).map(String)).toEqual([c4, c2, c3, c1].map(String))
  })

  it('refuses unknown codecs', async () => {
    const cid = CID.createV1(0x78, await sha256.digest(text('x')))
    await rejectsWith(() => linksOf(cid, text('x')), 'UnsupportedCodecError')
  })
})

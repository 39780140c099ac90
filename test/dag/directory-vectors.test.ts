/**
 * Ground truth: directory CIDs that Kubo produces, from IPIP-499 (kubo `test/cli/cid_profiles_test.go`)
 * and the UnixFS spec. The IPIP-499 inputs are regenerated here exactly as Kubo's test harness
 * makes them: file names from a ChaCha20 keystream (key = sha256(seed), zero nonce, counter 0),
 * each byte mapped onto `testutils.AlphabetEasy`; every file holds the single byte "x".
 */
import { createCipheriv, createHash } from 'node:crypto'
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { importBytes } from 'ipfs-unixfs-importer'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { create as createDigest } from 'multiformats/hashes/digest'
import { describe, expect, it } from 'vitest'
import { buildDirectory } from '../../dag/importer/directory.ts'
import { MemorySink } from './directory-helpers.ts'
import type { DirectoryEntry, DirectoryOptions } from '../../dag/importer/directory.ts'

/** kubo test/cli/testutils AlphabetEasy (39 runes; note the second "0"). */
const ALPHABET_EASY = 'abcdefghijklmnopqrstuvwxyz01234567890-_'

function sha256 (bytes: Uint8Array): Uint8Array {
  return createHash('sha256').update(bytes).digest()
}

/** kubo testutils.DeterministicRandomReader("1MiB", seed), read whole. */
function deterministicBytes (size: number, seed: string): Uint8Array {
  // node's chacha20 IV is a 4-byte little-endian block counter followed by the 12-byte nonce
  const cipher = createCipheriv('chacha20', sha256(new TextEncoder().encode(seed)), Buffer.alloc(16))
  return cipher.update(Buffer.alloc(size))
}

/** kubo createDeterministicFiles' names: `count - 1` names of `nameLength`, the last of `lastNameLength`. */
function deterministicNames (count: number, nameLength: number, lastNameLength: number, seed: string): string[] {
  const stream = deterministicBytes(1024 * 1024, seed)
  const names: string[] = []
  let offset = 0
  for (let i = 0; i < count; i++) {
    const length = i === count - 1 ? lastNameLength : nameLength
    let name = ''
    for (let j = 0; j < length; j++) name += ALPHABET_EASY[stream[offset + j] % ALPHABET_EASY.length]
    names.push(name)
    offset += length
  }
  return names
}

const X = new TextEncoder().encode('x')

/** The file "x" as Kubo stores it: a dag-pb leaf under CIDv0, a raw block under CIDv1. */
function leafOfX (cidVersion: 0 | 1): { cid: CID, size: number } {
  if (cidVersion === 1) {
    return { cid: CID.createV1(raw.code, createDigest(0x12, sha256(X))), size: X.length }
  }
  const block = dagPb.encode({ Data: new UnixFS({ type: 'file', data: X }).marshal(), Links: [] })
  return { cid: CID.createV0(createDigest(0x12, sha256(block))), size: block.length }
}

interface DirectoryVector {
  name: string
  seed: string
  count: number
  nameLength: number
  lastNameLength: number
  options: DirectoryOptions
  cid: string
  sharded: boolean
  /** The basic vectors sit exactly at the threshold by their profile's estimate. */
  blockSize?: number
}

const V0: DirectoryOptions = { cidVersion: 0, sizeEstimation: 'links', shardSplitThresholdBytes: 262_144, shardFanout: 256 }
const V1: DirectoryOptions = { cidVersion: 1, sizeEstimation: 'block', shardSplitThresholdBytes: 262_144, shardFanout: 256 }

const VECTORS: DirectoryVector[] = [
  { name: 'unixfs-v0-2015 dir-basic: 4096 × (30 + 34) = 262144, at the threshold', seed: 'hamt-unixfs-v0-2015', count: 4096, nameLength: 30, lastNameLength: 30, options: V0, cid: 'QmX5GtRk3TSSEHtdrykgqm4eqMEn3n2XhfkFAis5fjyZmN', sharded: false },
  { name: 'unixfs-v0-2015 dir-hamt: 4033 × (31 + 34) = 262145, one byte over', seed: 'hamt-unixfs-v0-2015', count: 4033, nameLength: 31, lastNameLength: 31, options: V0, cid: 'QmeMiJzmhpJAUgynAcxTQYek5PPKgdv3qEvFsdV3XpVnvP', sharded: true },
  { name: 'unixfs-v1-2025 dir-basic: a 262144-byte block, at the threshold', seed: 'hamt-unixfs-v1-2025', count: 4766, nameLength: 11, lastNameLength: 21, options: V1, cid: 'bafybeic3h7rwruealwxkacabdy45jivq2crwz6bufb5ljwupn36gicplx4', sharded: false, blockSize: 262_144 },
  { name: 'unixfs-v1-2025 dir-hamt: a 262145-byte block, one byte over', seed: 'hamt-unixfs-v1-2025', count: 4766, nameLength: 11, lastNameLength: 22, options: V1, cid: 'bafybeiegvuterwurhdtkikfhbxcldohmxp566vpjdofhzmnhv6o4freidu', sharded: true }
]

describe('directory test vectors', () => {
  it('the "x" leaves match the oracle for both profiles', async () => {
    const blocks = { put: async (cid: CID) => cid }
    const store = blocks as unknown as Parameters<typeof importBytes>[1]
    expect((await importBytes(X, store, { profile: 'unixfs-v0-2015' })).cid.toString()).toBe(leafOfX(0).cid.toString())
    expect((await importBytes(X, store, { profile: 'unixfs-v1-2025' })).cid.toString()).toBe(leafOfX(1).cid.toString())
  })

  it('the name generator reproduces kubo\'s seeded ChaCha20 stream', () => {
    // RFC 8439 §2.4.2-style check of the primitive: the zero key/nonce keystream starts 76 b8 e0 ad
    const zeros = createCipheriv('chacha20', Buffer.alloc(32), Buffer.alloc(16)).update(Buffer.alloc(4))
    expect(Buffer.from(zeros).toString('hex')).toBe('76b8e0ad')
    const names = deterministicNames(4766, 11, 22, 'hamt-unixfs-v1-2025')
    expect(names).toHaveLength(4766)
    expect(new Set(names).size).toBe(4766)
    expect(names.at(-1)).toHaveLength(22)
  })

  for (const vector of VECTORS) {
    it(`IPIP-499 ${vector.name}`, async () => {
      const leaf = leafOfX(vector.options.cidVersion ?? 0)
      const entries: DirectoryEntry[] = deterministicNames(vector.count, vector.nameLength, vector.lastNameLength, vector.seed)
        .map(name => ({ name, ...leaf }))
      const sink = new MemorySink()
      const result = await buildDirectory(entries, sink, vector.options)
      expect(result.cid.toString()).toBe(vector.cid)
      expect(result.sharded).toBe(vector.sharded)
      const root = sink.blocks.get(result.cid.toString())
      if (vector.blockSize != null) expect(root?.length).toBe(vector.blockSize)
      if (!vector.sharded) expect(dagPb.decode(root ?? new Uint8Array()).Links).toHaveLength(vector.count)
    })
  }

  it('the well-known empty directories', async () => {
    const sink = new MemorySink()
    expect((await buildDirectory([], sink, { cidVersion: 0 })).cid.toString()).toBe('QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn')
    const v1 = await buildDirectory([], sink, { cidVersion: 1 })
    expect(v1.cid.toString()).toBe('bafybeiczsscdsbs7ffqz55asqdf3smv6klcw3gofszvwlyarci47bgf354')
    expect(v1.size).toBe(4)
    expect(Buffer.from(sink.blocks.get(v1.cid.toString()) ?? []).toString('hex')).toBe('0a020801')
  })

  it('the UnixFS spec\'s dir-with-files fixture', async () => {
    // specs src/unixfs.md, "Simple Directory" (gateway-conformance dir-with-files.car)
    const ascii = CID.createV1(raw.code, createDigest(0x12, sha256(new TextEncoder().encode('hello application/vnd.ipld.car\n'))))
    expect(ascii.toString()).toBe('bafkreifkam6ns4aoolg3wedr4uzrs3kvq66p4pecirz6y2vlrngla62mxm')
    const entries: DirectoryEntry[] = [
      { name: 'multiblock.txt', cid: CID.parse('bafybeigcisqd7m5nf3qmuvjdbakl5bdnh4ocrmacaqkpuh77qjvggmt2sa'), size: 1271 },
      { name: 'hello.txt', cid: CID.parse('bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4'), size: 12 },
      { name: 'ascii.txt', cid: ascii, size: 31n },
      { name: 'ascii-copy.txt', cid: ascii, size: 31 }
    ]
    const sink = new MemorySink()
    const result = await buildDirectory(entries, sink, { cidVersion: 1 })
    expect(result.cid.toString()).toBe('bafybeihchr7vmgjaasntayyatmp5sv6xza57iy2h4xj7g46bpjij6yhrmy')
    expect(result.size).toBe(1572)
    expect(sink.blocks.get(result.cid.toString())?.length).toBe(227)
  })
})

/**
 * The directory builder's options, errors, metadata bytes, link limits, batching and the HAMT
 * helpers. Interop with the oracle and Kubo's vectors is in directory-oracle and
 * directory-vectors.
 */
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha512 } from 'multiformats/hashes/sha2'
import { describe, expect, it } from 'vitest'
import {
  buildDirectory,
  DEFAULT_CID_VERSION,
  DEFAULT_HASHER,
  DEFAULT_MAX_DIRECTORY_LINKS,
  DEFAULT_SHARD_FANOUT,
  DEFAULT_SHARD_SPLIT_THRESHOLD_BYTES,
  DEFAULT_SIZE_ESTIMATION,
  resolveDirectoryOptions
} from '../../dag/importer/directory.ts'
import { DIRECTORY_BATCH_MAX_BLOCKS, encodeDirectoryData, UNIXFS_TYPE_DIRECTORY, UNIXFS_TYPE_HAMT_SHARD } from '../../dag/importer/directory-node.ts'
import { hamtBitfield, hamtBucketFor, hamtLinkPrefix, hamtPrefixLength } from '../../dag/importer/hamt.ts'
import { MemorySink } from './directory-helpers.ts'
import type { DirectoryEntry, DirectoryOptions } from '../../dag/importer/directory.ts'

const encoder = new TextEncoder()

async function rawCid (text: string): Promise<CID> {
  return CID.createV1(raw.code, await DEFAULT_HASHER.digest(encoder.encode(text)))
}

async function entries (count: number, prefix = 'file-'): Promise<DirectoryEntry[]> {
  return Promise.all(Array.from({ length: count }, async (_, i) => ({ name: `${prefix}${i}`, cid: await rawCid(String(i)), size: String(i).length })))
}

async function expectRejectsWithName (promise: Promise<unknown>, name: string, message?: RegExp): Promise<void> {
  const err = await promise.then(() => undefined, (e: unknown) => e)
  expect(err, 'expected a rejection').toBeInstanceOf(Error)
  expect((err as Error).name).toBe(name)
  if (message != null) expect((err as Error).message).toMatch(message)
}

function rootNode (sink: MemorySink, cid: CID): { data: UnixFS, links: dagPb.PBLink[] } {
  const bytes = sink.blocks.get(cid.toString())
  if (bytes == null) throw new Error(`block ${cid.toString()} was not written`)
  const node = dagPb.decode(bytes)
  return { data: UnixFS.unmarshal(node.Data ?? new Uint8Array()), links: node.Links }
}

describe('resolveDirectoryOptions', () => {
  it('applies the DEFAULT_* constants, which are Kubo\'s defaults', () => {
    expect(resolveDirectoryOptions()).toEqual({
      cidVersion: DEFAULT_CID_VERSION,
      hasher: DEFAULT_HASHER,
      shardSplitThresholdBytes: DEFAULT_SHARD_SPLIT_THRESHOLD_BYTES,
      shardFanout: DEFAULT_SHARD_FANOUT,
      sizeEstimation: DEFAULT_SIZE_ESTIMATION,
      maxDirectoryLinks: DEFAULT_MAX_DIRECTORY_LINKS,
      mode: undefined,
      mtime: undefined
    })
    expect([DEFAULT_CID_VERSION, DEFAULT_SHARD_SPLIT_THRESHOLD_BYTES, DEFAULT_SHARD_FANOUT, DEFAULT_SIZE_ESTIMATION, DEFAULT_MAX_DIRECTORY_LINKS, DEFAULT_HASHER.name])
      .toEqual([0, 262_144, 256, 'links', 0, 'sha2-256'])
  })

  it('keeps given values', () => {
    const options: DirectoryOptions = { cidVersion: 1, shardSplitThresholdBytes: 0, shardFanout: 1024, sizeEstimation: 'block', maxDirectoryLinks: 7, mode: 0o700, mtime: { secs: 1n } }
    expect(resolveDirectoryOptions(options)).toMatchObject(options)
  })

  const bad: Array<[string, DirectoryOptions, RegExp]> = [
    ['fanout not a power of two', { shardFanout: 12 }, /power of two/],
    ['fanout over 1024', { shardFanout: 2048 }, /1024/],
    ['fanout under 8', { shardFanout: 4 }, /from 8/],
    ['fanout not an integer', { shardFanout: 8.5 }, /fanout/],
    ['negative threshold', { shardSplitThresholdBytes: -1 }, /shardSplitThresholdBytes/],
    ['unknown size estimation', { sizeEstimation: 'bytes' as 'links' }, /sizeEstimation/],
    ['negative maxDirectoryLinks', { maxDirectoryLinks: -1 }, /maxDirectoryLinks/],
    ['CID version 2', { cidVersion: 2 as 1 }, /cidVersion/],
    ['CIDv0 with sha2-512', { cidVersion: 0, hasher: sha512 }, /CIDv0 only supports sha2-256/],
    ['negative mode', { mode: -1 }, /mode/],
    ['nanoseconds of a whole second', { mtime: { secs: 1, nsecs: 1_000_000_000 } }, /nsecs/],
    ['fractional seconds', { mtime: { secs: 1.5 } }, /secs/]
  ]
  for (const [what, options, message] of bad) {
    it(`refuses ${what} with InvalidArgumentError`, () => {
      let err: unknown
      try { resolveDirectoryOptions(options) } catch (e) { err = e }
      expect((err as Error)?.name).toBe('InvalidArgumentError')
      expect((err as Error).message).toMatch(message)
    })
  }

  it('accepts sha2-512 under CIDv1', async () => {
    const sink = new MemorySink()
    const result = await buildDirectory([], sink, { cidVersion: 1, hasher: sha512 })
    expect(result.cid.multihash.code).toBe(sha512.code)
  })
})

describe('buildDirectory: entries', () => {
  it('refuses duplicate names, whatever their order', async () => {
    const [a, b] = await entries(2)
    await expectRejectsWithName(buildDirectory([a, b, { ...a, cid: b.cid }], new MemorySink()), 'InvalidArgumentError', /duplicate directory entry name "file-0"/)
  })

  for (const name of ['', '.', '..', 'a/b', 'lone\uD800surrogate']) {
    it(`refuses the name ${JSON.stringify(name)}`, async () => {
      const [entry] = await entries(1)
      await expectRejectsWithName(buildDirectory([{ ...entry, name }], new MemorySink()), 'InvalidArgumentError', /invalid directory entry name/)
    })
  }

  for (const size of [-1, 1.5, 2n ** 53n, Number.NaN]) {
    it(`refuses the size ${String(size)}`, async () => {
      const [entry] = await entries(1)
      await expectRejectsWithName(buildDirectory([{ ...entry, size }], new MemorySink()), 'InvalidArgumentError', /invalid size/)
    })
  }

  it('sorts links by UTF-8 bytes, accepts bigint sizes and sums Tsize', async () => {
    const cid = await rawCid('x')
    const names = ['\u{1F600}', '\uFF5E', 'b', 'B', 'a']
    const sink = new MemorySink()
    const result = await buildDirectory(names.map((name, i) => ({ name, cid, size: BigInt(i + 1) })), sink)
    const { links, data } = rootNode(sink, result.cid)
    expect(links.map(link => link.Name)).toEqual(['B', 'a', 'b', '\uFF5E', '\u{1F600}'])
    expect(data.type).toBe('directory')
    expect(result.size).toBe((sink.blocks.get(result.cid.toString())?.length ?? 0) + 15)
    expect(result.sharded).toBe(false)
  })
})

describe('buildDirectory: metadata bytes (Kubo\'s, not ipfs-unixfs\')', () => {
  it('writes a basic directory as 0a 02 08 01 without metadata, and mode 0 as no mode', () => {
    expect(Buffer.from(encodeDirectoryData({ type: UNIXFS_TYPE_DIRECTORY })).toString('hex')).toBe('0801')
    expect(Buffer.from(encodeDirectoryData({ type: UNIXFS_TYPE_DIRECTORY, mode: 0 })).toString('hex')).toBe('0801')
    // a preserved directory mode with no permission bits is stored as 0 (38 00), as boxo does
    expect(Buffer.from(encodeDirectoryData({ type: UNIXFS_TYPE_DIRECTORY, mode: 0o40000 })).toString('hex')).toBe('08013800')
  })

  it('matches ipfs-unixfs wherever the two agree', () => {
    const bitfield = hamtBitfield([0, 9, 255], 256)
    const cases = [
      [{ type: UNIXFS_TYPE_DIRECTORY, mode: 0o700 }, new UnixFS({ type: 'directory', mode: 0o700 })],
      [{ type: UNIXFS_TYPE_DIRECTORY, mode: 0o40000 }, new UnixFS({ type: 'directory', mode: 0o40000 })],
      [{ type: UNIXFS_TYPE_DIRECTORY, mtime: { secs: 1_700_000_000n, nsecs: 5 } }, new UnixFS({ type: 'directory', mtime: { secs: 1_700_000_000n, nsecs: 5 } })],
      [{ type: UNIXFS_TYPE_DIRECTORY, mode: 0o4777, mtime: { secs: -3 } }, new UnixFS({ type: 'directory', mode: 0o4777, mtime: { secs: -3n } })],
      [{ type: UNIXFS_TYPE_HAMT_SHARD, data: bitfield, hashType: 0x22, fanout: 256 }, new UnixFS({ type: 'hamt-sharded-directory', data: bitfield, hashType: 0x22n, fanout: 256n })],
      [{ type: UNIXFS_TYPE_HAMT_SHARD, data: bitfield, hashType: 0x22, fanout: 256, mode: 0o1750, mtime: { secs: 7, nsecs: 999_999_999 } },
        new UnixFS({ type: 'hamt-sharded-directory', data: bitfield, hashType: 0x22n, fanout: 256n, mode: 0o1750, mtime: { secs: 7n, nsecs: 999_999_999 } })]
    ] as const
    for (const [fields, reference] of cases) {
      expect(Buffer.from(encodeDirectoryData(fields)).toString('hex')).toBe(Buffer.from(reference.marshal()).toString('hex'))
    }
  })

  it('keeps mode 0o755 and drops zero nanoseconds, as boxo does', async () => {
    const sink = new MemorySink()
    const result = await buildDirectory([], sink, { mode: 0o40755, mtime: { secs: 10, nsecs: 0 } })
    const bytes = sink.blocks.get(result.cid.toString()) ?? new Uint8Array()
    // Data: type 1, mode 0o755 (38 ed 03), mtime { seconds 10 } (42 02 08 0a)
    expect(Buffer.from(dagPb.decode(bytes).Data ?? []).toString('hex')).toBe('080138ed034202080a')
    const data = rootNode(sink, result.cid).data
    expect(data.mode).toBe(0o755)
    expect(data.mtime).toEqual({ secs: 10n })
  })

  it('puts mode and mtime on the root shard only', async () => {
    const sink = new MemorySink()
    const mtime = { secs: 1234n, nsecs: 56 }
    const result = await buildDirectory(await entries(200), sink, { shardSplitThresholdBytes: 100, shardFanout: 8, mode: 0o711, mtime })
    const root = rootNode(sink, result.cid)
    expect(root.data.type).toBe('hamt-sharded-directory')
    expect(root.data.mode).toBe(0o711)
    expect(root.data.mtime).toEqual(mtime)
    const subShards = root.links.filter(link => link.Name?.length === hamtPrefixLength(8))
    expect(subShards.length).toBeGreaterThan(0)
    for (const link of subShards) {
      const child = rootNode(sink, link.Hash).data
      expect(child.type).toBe('hamt-sharded-directory')
      expect(child.mtime).toBeUndefined()
      expect(child.mode).toBe(0o755) // ipfs-unixfs' default when the field is absent
    }
  })
})

describe('buildDirectory: maxDirectoryLinks (Kubo Import.UnixFSDirectoryMaxLinks)', () => {
  it('shards a directory with more links than the limit, even far below the size threshold', async () => {
    const sink = new MemorySink()
    expect((await buildDirectory(await entries(3), sink, { maxDirectoryLinks: 3 })).sharded).toBe(false)
    const over = await buildDirectory(await entries(4), sink, { maxDirectoryLinks: 3 })
    expect(over.sharded).toBe(true)
    expect(rootNode(sink, over.cid).data.type).toBe('hamt-sharded-directory')
  })

  it('is an error past the limit when sharding is off (threshold 0)', async () => {
    expect((await buildDirectory(await entries(3), new MemorySink(), { maxDirectoryLinks: 3, shardSplitThresholdBytes: 0 })).sharded).toBe(false)
    await expectRejectsWithName(buildDirectory(await entries(4), new MemorySink(), { maxDirectoryLinks: 3, shardSplitThresholdBytes: 0 }), 'InvalidArgumentError', /maxDirectoryLinks/)
  })

  it('threshold 0 never shards; estimation "disabled" shards on link count only', async () => {
    const many = await entries(300, 'a-rather-long-file-name-to-pass-any-small-threshold-')
    expect((await buildDirectory(many, new MemorySink(), { shardSplitThresholdBytes: 0 })).sharded).toBe(false)
    expect((await buildDirectory(many, new MemorySink(), { shardSplitThresholdBytes: 10, sizeEstimation: 'disabled' })).sharded).toBe(false)
    expect((await buildDirectory(many, new MemorySink(), { shardSplitThresholdBytes: 10, sizeEstimation: 'disabled', maxDirectoryLinks: 299 })).sharded).toBe(true)
    expect((await buildDirectory(many, new MemorySink(), { shardSplitThresholdBytes: 10 })).sharded).toBe(true)
  })
})

describe('buildDirectory: writing', () => {
  it('writes in batches of at most DIRECTORY_BATCH_MAX_BLOCKS, children before parents', async () => {
    const sink = new MemorySink()
    const result = await buildDirectory(await entries(3000), sink, { cidVersion: 1, shardSplitThresholdBytes: 1, shardFanout: 8 })
    expect(sink.batches.length).toBeGreaterThan(1)
    const written = new Set<string>()
    for (const batch of sink.batches) {
      expect(batch.length).toBeLessThanOrEqual(DIRECTORY_BATCH_MAX_BLOCKS)
      for (const block of batch) {
        for (const link of dagPb.decode(block.bytes).Links) {
          if (link.Hash.code === dagPb.code) expect(written.has(link.Hash.toString()), 'child shard written first').toBe(true)
        }
        written.add(block.cid.toString())
      }
    }
    expect(sink.batches.at(-1)?.at(-1)?.cid.equals(result.cid)).toBe(true)
  })

  it('computes the cumulative size of a HAMT as its blocks plus its entries', async () => {
    const list = await entries(500)
    const sink = new MemorySink()
    const result = await buildDirectory(list, sink, { shardSplitThresholdBytes: 1, shardFanout: 16 })
    let blockBytes = 0
    for (const bytes of sink.blocks.values()) blockBytes += bytes.length
    expect(result.size).toBe(blockBytes + list.reduce((sum, entry) => sum + Number(entry.size), 0))
  })

  it('stops with AbortedError when the signal fires', async () => {
    await expectRejectsWithName(buildDirectory([], new MemorySink(), {}, { signal: AbortSignal.abort() }), 'AbortedError')
    const controller = new AbortController()
    const sink = new MemorySink()
    const aborting = { putMany: async (blocks: Parameters<MemorySink['putMany']>[0]) => { await sink.putMany(blocks); controller.abort() } }
    await expectRejectsWithName(buildDirectory(await entries(3000), aborting, { shardSplitThresholdBytes: 1, shardFanout: 8 }, { signal: controller.signal }), 'AbortedError')
    expect(sink.batches).toHaveLength(1)
  })

  it('gives the same CID whatever the entry order', async () => {
    const list = await entries(400)
    const options = { shardSplitThresholdBytes: 1000, shardFanout: 16 }
    const a = await buildDirectory(list, new MemorySink(), options)
    const b = await buildDirectory([...list].reverse(), new MemorySink(), options)
    expect(a.cid.equals(b.cid)).toBe(true)
  })
})

describe('HAMT helpers', () => {
  it('names buckets in zero-padded uppercase hex of the fanout\'s width', () => {
    expect([hamtLinkPrefix(10, 256), hamtLinkPrefix(255, 256), hamtLinkPrefix(5, 16), hamtLinkPrefix(3, 1024), hamtLinkPrefix(1023, 1024), hamtLinkPrefix(7, 8)])
      .toEqual(['0A', 'FF', '5', '003', '3FF', '7'])
  })

  it('stores the bitfield big-endian without leading zero bytes', () => {
    expect(Buffer.from(hamtBitfield([0], 256)).toString('hex')).toBe('01')
    expect(Buffer.from(hamtBitfield([8, 1], 256)).toString('hex')).toBe('0102')
    expect(Buffer.from(hamtBitfield([255], 256)).toString('hex')).toBe('80' + '00'.repeat(31))
    expect(Buffer.from(hamtBitfield([7, 3], 8)).toString('hex')).toBe('88')
  })

  it('hamtBucketFor finds every entry of a built multi-level HAMT', async () => {
    const list = await entries(300)
    const sink = new MemorySink()
    const result = await buildDirectory(list, sink, { shardSplitThresholdBytes: 1, shardFanout: 16 })
    for (const entry of list) {
      let node = rootNode(sink, result.cid)
      for (let depth = 0; ; depth++) {
        const prefix = hamtLinkPrefix(hamtBucketFor(entry.name, 16, depth), 16)
        const link = node.links.find(l => l.Name?.startsWith(prefix) === true)
        expect(link, `${entry.name} at depth ${depth}`).toBeDefined()
        if (link?.Name === prefix) {
          node = rootNode(sink, link.Hash)
          continue
        }
        expect(link?.Name).toBe(prefix + entry.name)
        expect(link?.Hash.equals(entry.cid)).toBe(true)
        break
      }
    }
  })

  it('runs out of hash bits like boxo ("sharded directory too deep")', () => {
    expect(() => hamtBucketFor('a', 256, 7)).not.toThrow()
    expect(() => hamtBucketFor('a', 256, 8)).toThrow(/too deep/)
    expect(() => hamtBucketFor('a', 1024, 5)).not.toThrow()
    expect(() => hamtBucketFor('a', 1024, 6)).toThrow(/too deep/)
    expect(() => hamtBucketFor('a', 100, 0)).toThrow(/power of two/)
  })
})

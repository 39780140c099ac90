/**
 * The directory builder against ipfs-unixfs-importer (the CID oracle, which matches Kubo on
 * IPIP-499's vectors): the same files give the same directory CIDs, sizes and blocks.
 */
import { describe, expect, it } from 'vitest'
import { hamtHash } from '../../dag/importer/hamt.ts'
import { expectSameAsOracle } from './directory-helpers.ts'
import type { TreeInput } from './directory-helpers.ts'
import type { DirectoryOptions } from '../../dag/importer/directory.ts'
import type { ImporterOptions } from 'ipfs-unixfs-importer'

interface Profile {
  name: string
  oracle: ImporterOptions
  ours: DirectoryOptions
}

const PROFILES: Profile[] = [
  { name: 'unixfs-v0-2015', oracle: { profile: 'unixfs-v0-2015' }, ours: { cidVersion: 0, sizeEstimation: 'links' } },
  { name: 'unixfs-v1-2025', oracle: { profile: 'unixfs-v1-2025' }, ours: { cidVersion: 1, sizeEstimation: 'block' } }
]

const encoder = new TextEncoder()

/** `count` files in `dir` named `prefix + index` padded to `nameLength`, each with distinct content. */
function files (dir: string, count: number, nameLength: number, prefix = ''): TreeInput[] {
  return Array.from({ length: count }, (_, i) => ({
    path: `${dir}/${(prefix + String(i)).padStart(nameLength, 'n')}`,
    content: encoder.encode(`content of ${i}`)
  }))
}

/** Names that sort one way as UTF-16 and another as UTF-8 bytes, and other non-ASCII names. */
const UNICODE_NAMES = [
  '\uFF5Efullwidth-tilde', // EF BD 9E: after U+1F600 in UTF-16, before it in UTF-8
  '\u{1F600}grin', // F0 9F 98 80 (surrogates D83D DE00)
  '\uE000private-use',
  'é-precomposed',
  'e\u0301-combining',
  'zebra',
  'Zebra',
  '日本語',
  '\u00A0nbsp',
  'a b',
  '-dash',
  '_under',
  '~tilde'
]

describe('buildDirectory matches ipfs-unixfs-importer', () => {
  for (const profile of PROFILES) {
    describe(profile.name, () => {
      it('one entry', async () => {
        await expectSameAsOracle([{ path: 'root/only.txt', content: encoder.encode('only') }], profile.oracle, profile.ours)
      })

      it('unicode names in UTF-8 byte order, not UTF-16 order', async () => {
        const inputs = UNICODE_NAMES.map((name, i) => ({ path: `root/${name}`, content: encoder.encode(`u${i}`) }))
        const built = await expectSameAsOracle(inputs, profile.oracle, profile.ours)
        expect(built.get('root')?.sharded).toBe(false)
      })

      it('nested directories with an empty one, mode and mtime, built bottom-up', async () => {
        const inputs: TreeInput[] = [
          { path: 'root', mode: 0o700, mtime: { secs: 1_700_000_000n, nsecs: 123 } },
          { path: 'root/a.txt', content: encoder.encode('a') },
          { path: 'root/sub/b.txt', content: encoder.encode('b') },
          { path: 'root/sub/日本/c.txt', content: encoder.encode('c') },
          { path: 'root/sub/\u{1F600}/d.txt', content: encoder.encode('d') },
          { path: 'root/empty' },
          { path: 'root/sub/stamped', mtime: { secs: 5 } }
        ]
        const built = await expectSameAsOracle(inputs, profile.oracle, profile.ours)
        expect(built.size).toBe(6)
      })

      it('a sharded subdirectory (with mode and mtime on its root shard) inside a basic parent', async () => {
        const inputs: TreeInput[] = [
          { path: 'root/readme', content: encoder.encode('readme') },
          { path: 'root/big', mode: 0o750, mtime: { secs: 99, nsecs: 1 } },
          ...files('root/big', 60, 12)
        ]
        const options = { shardSplitThresholdBytes: 1000 }
        const built = await expectSameAsOracle(inputs, { ...profile.oracle, ...options }, { ...profile.ours, ...options })
        expect(built.get('root/big')?.sharded).toBe(true)
        expect(built.get('root')?.sharded).toBe(false)
      })

      for (const fanout of [8, 16, 32, 1024]) {
        it(`multi-level HAMT with fanout ${fanout}`, async () => {
          const count = fanout === 1024 ? 2500 : 400
          const options = { shardSplitThresholdBytes: 2000 }
          const built = await expectSameAsOracle(files('root', count, 8, 'f'),
            { ...profile.oracle, ...options, shardFanoutBits: Math.log2(fanout) },
            { ...profile.ours, ...options, shardFanout: fanout })
          expect(built.get('root')?.sharded).toBe(true)
        })
      }

      it('names whose hashes share their first 16 bits (a chain of sub-shards)', async () => {
        const byPrefix = new Map<number, string>()
        const pair: string[] = []
        for (let i = 0; pair.length === 0; i++) {
          const name = `collide-${i}`
          const hash = hamtHash(name)
          const key = (hash[0] << 8) | hash[1]
          const other = byPrefix.get(key)
          if (other != null) pair.push(other, name)
          byPrefix.set(key, name)
        }
        const inputs = [...pair, 'other-a', 'other-b'].map((name, i) => ({ path: `root/${name}`, content: encoder.encode(String(i)) }))
        const options = { shardSplitThresholdBytes: 1 }
        await expectSameAsOracle(inputs, { ...profile.oracle, ...options }, { ...profile.ours, ...options })
      })
    })
  }

  describe('the HAMT threshold is crossed with > (links, CIDv0: 30-byte names + 34-byte CIDs)', () => {
    // 100 × 64 = 6400 bytes: at the threshold stays basic, one more entry shards
    for (const [count, sharded] of [[99, false], [100, false], [101, true]] as const) {
      it(`${count} entries at threshold 6400 → ${sharded ? 'HAMT' : 'basic'}`, async () => {
        const options = { shardSplitThresholdBytes: 6400 }
        const built = await expectSameAsOracle(files('root', count, 30),
          { ...PROFILES[0].oracle, ...options }, { ...PROFILES[0].ours, ...options })
        expect(built.get('root')?.sharded).toBe(sharded)
      })
    }
  })

  describe('the HAMT threshold is crossed with > (block, CIDv1: exact block size)', () => {
    // 4 bytes of Data + 50 links of 55 bytes (11-byte name, 36-byte CID, Tsize 1) = 2754
    const oneByteFiles = (count: number): TreeInput[] => Array.from({ length: count }, (_, i) => ({
      path: `root/${String(i).padStart(11, 'n')}`,
      content: Uint8Array.of(i)
    }))
    for (const [count, sharded] of [[49, false], [50, false], [51, true]] as const) {
      it(`${count} entries at threshold 2754 → ${sharded ? 'HAMT' : 'basic'}`, async () => {
        const options = { shardSplitThresholdBytes: 2754 }
        const built = await expectSameAsOracle(oneByteFiles(count),
          { ...PROFILES[1].oracle, ...options }, { ...PROFILES[1].ours, ...options })
        expect(built.get('root')?.sharded).toBe(sharded)
      })
    }
  })

  it('links estimation counts names in UTF-8 bytes (8 × 日 + 6 ASCII = 30 bytes, 14 UTF-16 units)', async () => {
    const cjkFiles = (count: number): TreeInput[] => Array.from({ length: count }, (_, i) => ({
      path: `root/${'日'.repeat(8)}${String(i).padStart(6, '_')}`,
      content: encoder.encode(`cjk ${i}`)
    }))
    const options = { shardSplitThresholdBytes: 6400 }
    for (const [count, sharded] of [[100, false], [101, true]] as const) {
      const built = await expectSameAsOracle(cjkFiles(count), { ...PROFILES[0].oracle, ...options }, { ...PROFILES[0].ours, ...options })
      expect(built.get('root')?.sharded).toBe(sharded)
    }
  })

  it('block estimation counts the Data field with mode and mtime', async () => {
    const inputs: TreeInput[] = [
      { path: 'root', mode: 0o700, mtime: { secs: 1_700_000_000n, nsecs: 42 } },
      ...Array.from({ length: 50 }, (_, i) => ({ path: `root/${String(i).padStart(11, 'n')}`, content: Uint8Array.of(i) }))
    ]
    const unlimited = { shardSplitThresholdBytes: 1_000_000 }
    const probe = await expectSameAsOracle(inputs, { ...PROFILES[1].oracle, ...unlimited }, { ...PROFILES[1].ours, ...unlimited })
    // the root's block: its Tsize less the 50 one-byte files; more than 4 + 50 × 55 by the metadata
    const blockSize = (probe.get('root')?.size ?? 0) - 50
    expect(blockSize).toBeGreaterThan(4 + 50 * 55)
    for (const [threshold, sharded] of [[blockSize, false], [blockSize - 1, true]] as const) {
      const options = { shardSplitThresholdBytes: threshold }
      const built = await expectSameAsOracle(inputs, { ...PROFILES[1].oracle, ...options }, { ...PROFILES[1].ours, ...options })
      expect(built.get('root')?.sharded).toBe(sharded)
    }
  })

  describe('thousands of entries around the default 256 KiB threshold (links, CIDv0)', () => {
    // 4096 × (30 + 34) = 262144
    for (const [count, sharded] of [[4095, false], [4096, false], [4097, true]] as const) {
      it(`${count} entries → ${sharded ? 'HAMT' : 'basic'}`, async () => {
        const built = await expectSameAsOracle(files('root', count, 30), PROFILES[0].oracle, PROFILES[0].ours)
        expect(built.get('root')?.sharded).toBe(sharded)
      })
    }
  })
})

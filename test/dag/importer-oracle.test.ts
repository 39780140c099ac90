/**
 * Every block of our file DAGs against ipfs-unixfs-importer given equivalent options: the root
 * CID, the cumulative size, and the exact set of blocks (CIDs and bytes) reachable from the root.
 * Sizes come from a seeded PRNG and sit on every boundary that changes the DAG's shape.
 */
import { describe, expect, it } from 'vitest'
import { importFile } from '../../dag/importer/index.ts'
import { MemorySink, diffBlocks, fixedPieces, oracleImport, oracleOptions, randomBytes, randomInt, randomPieces, reachable, seededRandom } from './importer-helpers.ts'
import type { OracleSettings } from './importer-helpers.ts'
import type { ImporterOptions } from '../../dag/importer/index.ts'

const CID_FORMS = [
  { name: 'CIDv0, dag-pb leaves', cidVersion: 0, rawLeaves: false },
  { name: 'CIDv1, raw leaves', cidVersion: 1, rawLeaves: true },
  { name: 'CIDv1, dag-pb leaves', cidVersion: 1, rawLeaves: false },
  { name: 'CIDv0, raw leaves', cidVersion: 0, rawLeaves: true }
] as const

interface Shape {
  name: string
  /** the CID forms to run (all by default); slow shapes run the two common ones */
  forms?: ReadonlyArray<typeof CID_FORMS[number]>
  settings: Omit<OracleSettings, 'cidVersion' | 'rawLeaves'>
  sizes: (rng: () => number) => number[]
}

/** sizes around every multiple of chunk·links^depth up to `limit` bytes, plus random ones */
function boundaries (chunk: number, links: number, limit: number, rng: () => number, randoms = 3): number[] {
  const sizes = new Set([0, 1, chunk - 1, chunk, chunk + 1])
  for (let span = chunk * links; span <= limit; span *= links) {
    for (const n of [span - 1, span, span + 1, 2 * span + 1]) {
      if (n > 0 && n <= limit) sizes.add(n)
    }
  }
  for (let i = 0; i < randoms; i++) sizes.add(randomInt(rng, 0, limit))
  return [...sizes].filter(n => n >= 0).sort((a, b) => a - b)
}

const SHAPES: Shape[] = [
  {
    name: 'balanced, size-256, 174 links (past 174 links)',
    settings: { chunker: { type: 'size', size: 256 }, layout: 'balanced', maxLinks: 174 },
    sizes: rng => boundaries(256, 174, 3 * 174 * 256, rng)
  },
  {
    name: 'balanced, size-16, 1024 links (past 1024 links)',
    settings: { chunker: { type: 'size', size: 16 }, layout: 'balanced', maxLinks: 1024 },
    sizes: rng => boundaries(16, 1024, 2 * 1024 * 16 + 17, rng)
  },
  {
    name: 'balanced, size-7, 2 links (deep trees)',
    settings: { chunker: { type: 'size', size: 7 }, layout: 'balanced', maxLinks: 2 },
    sizes: rng => boundaries(7, 2, 7 * 64 + 8, rng)
  },
  {
    name: 'balanced, size-1, 3 links (every size up to 40)',
    settings: { chunker: { type: 'size', size: 1 }, layout: 'balanced', maxLinks: 3 },
    sizes: () => Array.from({ length: 41 }, (_, i) => i)
  },
  {
    name: 'trickle, size-256, 174 links, 4 layers',
    settings: { chunker: { type: 'size', size: 256 }, layout: 'trickle', maxLinks: 174, layerRepeat: 4 },
    sizes: rng => [0, 1, 255, 256, 257, 174 * 256 - 1, 174 * 256, 174 * 256 + 1, 178 * 256 + 1, (174 + 4 * 174) * 256 + 1, randomInt(rng, 0, 300_000)]
  },
  {
    name: 'trickle, size-8, 174 links, 4 layers (depth 3 and more)',
    settings: { chunker: { type: 'size', size: 8 }, layout: 'trickle', maxLinks: 174, layerRepeat: 4 },
    forms: CID_FORMS.slice(0, 2),
    // 174 + 4·174 + 4·870 = 4350 chunks fill the depth-2 layers; past 21750 the depth-3 layers start
    sizes: rng => [4350 * 8, 4350 * 8 + 1, 21750 * 8 + 1, randomInt(rng, 0, 200_000)]
  },
  {
    name: 'trickle, size-1, 3 links, 2 layers (every size up to 120)',
    settings: { chunker: { type: 'size', size: 1 }, layout: 'trickle', maxLinks: 3, layerRepeat: 2 },
    sizes: () => Array.from({ length: 121 }, (_, i) => i)
  },
  {
    name: 'rabin 64/256/1024',
    settings: { chunker: { type: 'rabin', min: 64, avg: 256, max: 1024 }, layout: 'balanced', maxLinks: 174 },
    sizes: rng => [0, 1, 63, 64, 1024, 1025, randomInt(rng, 0, 100_000), randomInt(rng, 100_000, 300_000)]
  },
  {
    name: 'rabin 1024/4096/16384, 3 links',
    settings: { chunker: { type: 'rabin', min: 1024, avg: 4096, max: 16384 }, layout: 'balanced', maxLinks: 3 },
    sizes: rng => [0, 1, 16385, randomInt(rng, 0, 200_000), randomInt(rng, 0, 200_000)]
  },
  {
    name: 'rabin 16/32/64, trickle',
    settings: { chunker: { type: 'rabin', min: 16, avg: 32, max: 64 }, layout: 'trickle', maxLinks: 174, layerRepeat: 4 },
    sizes: rng => [0, 5, randomInt(rng, 0, 60_000)]
  }
]

function ourOptions (settings: OracleSettings): ImporterOptions {
  const { chunker } = settings
  return {
    cidVersion: settings.cidVersion,
    rawLeaves: settings.rawLeaves,
    chunker: chunker.type === 'size' ? `size-${chunker.size}` : `rabin-${chunker.min}-${chunker.avg}-${chunker.max}`,
    layout: settings.layout,
    maxLinks: settings.maxLinks,
    trickleLayerRepeat: settings.layerRepeat
  }
}

async function compare (settings: OracleSettings, data: Uint8Array, rng: () => number): Promise<void> {
  const sink = new MemorySink()
  // our input arrives in random pieces; the oracle's in fixed ones: chunking must not depend on it
  const ours = await importFile(randomPieces(data, rng, 3000), sink, ourOptions(settings))
  // the oracle's rabin chunker yields no chunk at all for an empty file (and then no result);
  // Kubo's empty file does not depend on the chunker, so compare with a fixed-size import
  const oracleSettings: OracleSettings = data.length === 0 && settings.chunker.type === 'rabin'
    ? { ...settings, chunker: { type: 'size', size: 1024 } }
    : settings
  const oracle = await oracleImport([{ content: fixedPieces(data, 4096) }], oracleOptions(oracleSettings))
  const root = oracle.results[oracle.results.length - 1]
  const label = `${data.length} bytes`
  expect(ours.cid.toString(), label).toBe(root.cid.toString())
  expect(ours.size, label).toBe(Number(root.size))
  expect(ours.fileSize, label).toBe(data.length)
  expect(diffBlocks(sink.blocks, reachable(root.cid, oracle.blocks)), label).toBe('')
}

describe('importFile matches ipfs-unixfs-importer block for block', () => {
  let seed = 499
  for (const shape of SHAPES) {
    for (const form of shape.forms ?? CID_FORMS) {
      const caseSeed = seed++
      it(`${shape.name}; ${form.name}`, async () => {
        const rng = seededRandom(caseSeed)
        const settings: OracleSettings = { ...shape.settings, cidVersion: form.cidVersion, rawLeaves: form.rawLeaves }
        for (const size of shape.sizes(rng)) {
          await compare(settings, randomBytes(rng, size), rng)
        }
      })
    }
  }

  // leaves of 64 KiB and more are hashed off the main thread, a window at a time
  for (const form of CID_FORMS.slice(0, 2)) {
    it(`size-65536 over several hashing windows; ${form.name}`, async () => {
      const rng = seededRandom(65536 + form.cidVersion)
      const settings: OracleSettings = { chunker: { type: 'size', size: 65536 }, layout: 'balanced', maxLinks: 16, cidVersion: form.cidVersion, rawLeaves: form.rawLeaves }
      for (const size of [65535, 65536, 65537, 40 * 65536 + 1]) {
        await compare(settings, randomBytes(rng, size), rng)
      }
    })
  }

  it('matches the oracle under both profiles with their own chunk sizes', async () => {
    const rng = seededRandom(2025)
    for (const profile of ['unixfs-v0-2015', 'unixfs-v1-2025'] as const) {
      for (const size of [0, 1, 1_048_577]) {
        const data = randomBytes(rng, size)
        const sink = new MemorySink()
        const ours = await importFile(randomPieces(data, rng, 100_000), sink, { profile })
        const oracle = await oracleImport([{ content: fixedPieces(data, 65536) }], { profile })
        const root = oracle.results[0]
        expect(ours.cid.toString(), `${profile} ${size}`).toBe(root.cid.toString())
        expect(diffBlocks(sink.blocks, reachable(root.cid, oracle.blocks))).toBe('')
      }
    }
  })
})

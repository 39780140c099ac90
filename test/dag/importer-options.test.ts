import { describe, expect, it } from 'vitest'
import {
  DEFAULT_BATCH_MAX_BLOCKS, DEFAULT_BATCH_MAX_BYTES, DEFAULT_CHUNKER, DEFAULT_CID_VERSION, DEFAULT_HAMT_FANOUT,
  DEFAULT_HAMT_SIZE_ESTIMATION, DEFAULT_HAMT_THRESHOLD, DEFAULT_HASH, DEFAULT_LAYOUT, DEFAULT_MAX_DIRECTORY_LINKS,
  DEFAULT_MAX_LINKS, DEFAULT_RAW_LEAVES, DEFAULT_TRICKLE_LAYER_REPEAT, DEFAULT_WRAP_WITH_DIRECTORY, IMPORT_PROFILES,
  parseChunker, resolveImporterOptions
} from '../../dag/importer/index.ts'
import type { ImporterOptions } from '../../dag/importer/index.ts'

function resolvedView (options: ImporterOptions): Record<string, unknown> {
  const { hasher, ...rest } = resolveImporterOptions(options)
  return { ...rest, hasher: hasher.name }
}

function errorOf (fn: () => unknown): Error & { name: string } {
  try {
    fn()
  } catch (err) {
    return err as Error & { name: string }
  }
  throw new Error('expected an error')
}

describe('resolveImporterOptions', () => {
  it('uses Kubo\'s implicit defaults (the unixfs-v0-2015 values) when nothing is given', () => {
    expect(resolvedView({})).toEqual({
      cidVersion: 0,
      hash: 'sha2-256',
      hasher: 'sha2-256',
      rawLeaves: false,
      rawLeavesExplicit: false,
      chunker: { type: 'size', size: 262144 },
      layout: 'balanced',
      maxLinks: 174,
      trickleLayerRepeat: 4,
      maxDirectoryLinks: 0,
      hamtFanout: 256,
      hamtThreshold: 262144,
      hamtSizeEstimation: 'links',
      wrapWithDirectory: false,
      batchMaxBlocks: 128,
      batchMaxBytes: 16 * 1024 * 1024
    })
    // and those are the documented constants (given explicitly, rawLeaves counts as given)
    expect({ ...resolvedView({}), rawLeavesExplicit: true }).toEqual(resolvedView({
      cidVersion: DEFAULT_CID_VERSION as 0,
      hash: DEFAULT_HASH,
      rawLeaves: DEFAULT_RAW_LEAVES,
      chunker: DEFAULT_CHUNKER,
      layout: DEFAULT_LAYOUT,
      maxLinks: DEFAULT_MAX_LINKS,
      trickleLayerRepeat: DEFAULT_TRICKLE_LAYER_REPEAT,
      maxDirectoryLinks: DEFAULT_MAX_DIRECTORY_LINKS,
      hamtFanout: DEFAULT_HAMT_FANOUT,
      hamtThreshold: DEFAULT_HAMT_THRESHOLD,
      hamtSizeEstimation: DEFAULT_HAMT_SIZE_ESTIMATION,
      wrapWithDirectory: DEFAULT_WRAP_WITH_DIRECTORY,
      batchMaxBlocks: DEFAULT_BATCH_MAX_BLOCKS,
      batchMaxBytes: DEFAULT_BATCH_MAX_BYTES
    }))
  })

  it('applies unixfs-v0-2015 and its alias legacy-cid-v0', () => {
    for (const profile of ['unixfs-v0-2015', 'legacy-cid-v0'] as const) {
      expect(resolvedView({ profile })).toMatchObject({
        cidVersion: 0, hash: 'sha2-256', rawLeaves: false, chunker: { type: 'size', size: 262144 },
        layout: 'balanced', maxLinks: 174, hamtFanout: 256, hamtThreshold: 262144, hamtSizeEstimation: 'links'
      })
    }
    expect(IMPORT_PROFILES['legacy-cid-v0']).toBe(IMPORT_PROFILES['unixfs-v0-2015'])
  })

  it('applies unixfs-v1-2025', () => {
    expect(resolvedView({ profile: 'unixfs-v1-2025' })).toMatchObject({
      cidVersion: 1, hash: 'sha2-256', rawLeaves: true, chunker: { type: 'size', size: 1048576 },
      layout: 'balanced', maxLinks: 1024, hamtFanout: 256, hamtThreshold: 262144, hamtSizeEstimation: 'block'
    })
  })

  it('lets explicit options override the profile', () => {
    expect(resolvedView({ profile: 'unixfs-v1-2025', chunker: 'size-1024', maxLinks: 7, layout: 'trickle', hamtSizeEstimation: 'links' }))
      .toMatchObject({ chunker: { type: 'size', size: 1024 }, maxLinks: 7, layout: 'trickle', hamtSizeEstimation: 'links', cidVersion: 1, rawLeaves: true })
    expect(resolvedView({ profile: 'unixfs-v1-2025', cidVersion: 0 })).toMatchObject({ cidVersion: 0, rawLeaves: true })
  })

  it('turns raw leaves on with CIDv1 unless raw leaves were given (Kubo)', () => {
    expect(resolvedView({ cidVersion: 1 })).toMatchObject({ cidVersion: 1, rawLeaves: true, rawLeavesExplicit: false })
    expect(resolvedView({ cidVersion: 1, rawLeaves: false })).toMatchObject({ cidVersion: 1, rawLeaves: false, rawLeavesExplicit: true })
    expect(resolvedView({ cidVersion: 0, rawLeaves: true })).toMatchObject({ cidVersion: 0, rawLeaves: true, rawLeavesExplicit: true })
    // a profile's raw-leaves setting counts as given, as Kubo's Import.UnixFSRawLeaves does
    expect(resolvedView({ profile: 'unixfs-v0-2015', cidVersion: 1 })).toMatchObject({ cidVersion: 1, rawLeaves: false, rawLeavesExplicit: false })
  })

  it('implies CIDv1 for other hashes, and refuses them with CIDv0', () => {
    expect(resolvedView({ hash: 'sha3-256' })).toMatchObject({ cidVersion: 1, rawLeaves: true, hash: 'sha3-256', hasher: 'sha3-256' })
    expect(resolvedView({ hash: 'blake2b-256', rawLeaves: false })).toMatchObject({ cidVersion: 1, rawLeaves: false })
    const explicit = errorOf(() => resolveImporterOptions({ hash: 'sha2-512', cidVersion: 0 }))
    expect(explicit.name).toBe('InvalidArgumentError')
    expect(explicit.message).toMatch(/CIDv0 only supports sha2-256/)
    // the v0 profile sets CIDv0, so another hash conflicts with it as in Kubo
    expect(errorOf(() => resolveImporterOptions({ profile: 'unixfs-v0-2015', hash: 'sha3-512' })).name).toBe('InvalidArgumentError')
  })

  it('names the bad option', () => {
    const cases: Array<[ImporterOptions, string, RegExp]> = [
      [{ hash: 'md5' as never }, 'UnsupportedHashError', /unsupported hash function "md5"/],
      [{ profile: 'test-cid-v1' as never }, 'InvalidArgumentError', /unknown import profile/],
      [{ cidVersion: 2 as never }, 'InvalidArgumentError', /cidVersion/],
      [{ chunker: 'size-0' }, 'InvalidChunkerError', /at least 1 byte/],
      [{ chunker: 'buzhash' }, 'InvalidChunkerError', /buzhash is not supported/],
      [{ maxLinks: 1 }, 'InvalidArgumentError', /maxLinks/],
      [{ maxLinks: 2.5 }, 'InvalidArgumentError', /maxLinks/],
      [{ trickleLayerRepeat: 0 }, 'InvalidArgumentError', /trickleLayerRepeat/],
      [{ layout: 'flat' as never }, 'InvalidArgumentError', /layout/],
      [{ hamtFanout: 100 }, 'InvalidArgumentError', /fanout/i],
      [{ hamtFanout: 2048 }, 'InvalidArgumentError', /fanout/i],
      [{ hamtSizeEstimation: 'exact' as never }, 'InvalidArgumentError', /hamtSizeEstimation/],
      [{ batchMaxBlocks: 0 }, 'InvalidArgumentError', /batchMaxBlocks/]
    ]
    for (const [options, name, message] of cases) {
      const error = errorOf(() => resolveImporterOptions(options))
      expect(error.name, JSON.stringify(options)).toBe(name)
      expect(error.message).toMatch(message)
    }
  })

  it('parses the chunker once, with the chunker parser', () => {
    expect(resolveImporterOptions({ chunker: 'rabin-16-32-64' }).chunker).toEqual(parseChunker('rabin-16-32-64'))
  })
})

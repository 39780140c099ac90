/**
 * Ground truth: CIDs that Kubo's `ipfs add` produces (kubo test/cli/add_test.go and
 * cid_profiles_test.go, the UnixFS spec's well-known CIDs, IPIP-499's file fixtures). The input
 * of the IPIP-499 vectors is Kubo's seeded ChaCha20 stream (see `kuboDeterministicStream`).
 *
 * The 43.5 MiB vectors of unixfs-v0-2015 run in importer-memory.test.ts (with the memory
 * checks). The 1 GiB unixfs-v1-2025 vectors are too large for the test run: `bench/vectors.ts`
 * checks them (`npm run bench`).
 */
import * as dagPb from '@ipld/dag-pb'
import { describe, expect, it } from 'vitest'
import { importFile } from '../../dag/importer/index.ts'
import { MemorySink, kuboDeterministicStream, once, textEncoder } from './importer-helpers.ts'
import type { ImporterOptions } from '../../dag/importer/index.ts'

async function cidOf (data: Uint8Array | AsyncIterable<Uint8Array>, options: ImporterOptions): Promise<string> {
  const content = data instanceof Uint8Array ? once(data) : data
  return (await importFile(content, new MemorySink(), options)).cid.toString()
}

describe('Kubo test vectors', () => {
  const hello = textEncoder.encode('hello world')
  const helloNl = textEncoder.encode('hello world\n')
  const empty = new Uint8Array(0)

  const small: Array<[string, Uint8Array, ImporterOptions, string]> = [
    ['"hello world", default (CIDv0)', hello, {}, 'Qmf412jQZiuVUtdgnB36FXFX7xg5V6KEbSJ4dpQuhkLyfD'],
    ['"hello world", unixfs-v0-2015', hello, { profile: 'unixfs-v0-2015' }, 'Qmf412jQZiuVUtdgnB36FXFX7xg5V6KEbSJ4dpQuhkLyfD'],
    ['"hello world", --cid-version=1 (raw leaf)', hello, { cidVersion: 1 }, 'bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e'],
    ['"hello world", unixfs-v1-2025', hello, { profile: 'unixfs-v1-2025' }, 'bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e'],
    ['"hello world", CIDv1 dag-pb', hello, { cidVersion: 1, rawLeaves: false }, 'bafybeihykld7uyxzogax6vgyvag42y7464eywpf55gxi5qpoisibh3c5wa'],
    ['"hello world", CIDv0 with raw leaves: the raw leaf, CIDv1', hello, { rawLeaves: true }, 'bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e'],
    ['"hello world\\n", default', helloNl, {}, 'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o'],
    ['"hello world\\n", raw', helloNl, { cidVersion: 1 }, 'bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4'],
    ['"hello world\\n", CIDv1 dag-pb', helloNl, { cidVersion: 1, rawLeaves: false }, 'bafybeicg2rebjoofv4kbyovkw7af3rpiitvnl6i7ckcywaq6xjcxnc2mby'],
    ['"hello\\n", raw', textEncoder.encode('hello\n'), { cidVersion: 1 }, 'bafkreicysg23kiwv34eg2d7qweipxwosdo2py4ldv42nbauguluen5v6am'],
    ['empty file, CIDv0', empty, {}, 'QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH'],
    ['empty file, CIDv1 dag-pb', empty, { cidVersion: 1, rawLeaves: false }, 'bafybeif7ztnhq65lumvvtr4ekcwd2ifwgm3awq4zfr3srh462rwyinlb4y'],
    ['empty file, raw', empty, { cidVersion: 1 }, 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku'],
    // boxo's trickle root is always a dag-pb parent, even over no leaves
    ['empty file, trickle, CIDv0', empty, { layout: 'trickle' }, 'QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH'],
    ['empty file, trickle, CIDv1 raw leaves', empty, { layout: 'trickle', cidVersion: 1 }, 'bafybeif7ztnhq65lumvvtr4ekcwd2ifwgm3awq4zfr3srh462rwyinlb4y']
  ]
  for (const [name, data, options, expected] of small) {
    it(name, async () => {
      expect(await cidOf(data, options)).toBe(expected)
    })
  }

  it('"hello world\\n" is one 20-byte block of cumulative size 20', async () => {
    const sink = new MemorySink()
    const result = await importFile(once(helloNl), sink)
    expect(result).toMatchObject({ size: 20, fileSize: 12 })
    expect([...sink.blocks.values()].map(bytes => bytes.length)).toEqual([20])
  })

  describe('IPIP-499 file fixtures', () => {
    const vectors: Array<[string, number, string, ImporterOptions, string]> = [
      ['unixfs-v0-2015: one chunk (262144 B)', 262144, 'chunk-v0-seed', { profile: 'unixfs-v0-2015' }, 'QmWmRj3dFDZdb6ABvbmKhEL6TmPbAfBZ1t5BxsEyJrcZhE'],
      ['unixfs-v0-2015: one chunk + 1 B', 262145, 'chunk-v0-seed', { profile: 'unixfs-v0-2015' }, 'QmYyLxtzZyW22zpoVAtKANLRHpDjZtNeDjQdJrcQNWoRkJ'],
      ['unixfs-v1-2025: one chunk (1048576 B)', 1048576, 'chunk-v1-seed', { profile: 'unixfs-v1-2025' }, 'bafkreiacndfy443ter6qr2tmbbdhadvxxheowwf75s6zehscklu6ezxmta'],
      ['unixfs-v1-2025: one chunk + 1 B', 1048577, 'chunk-v1-seed', { profile: 'unixfs-v1-2025' }, 'bafybeigmix7t42i6jacydtquhet7srwvgpizfg7gjbq7627d35mjomtu64']
    ]
    for (const [name, size, seed, options, expected] of vectors) {
      it(name, async () => {
        // pieces smaller than a chunk, so chunks are assembled (and framed in place)
        expect(await cidOf(kuboDeterministicStream(size, seed, 100_000), options)).toBe(expected)
      })
    }

    it('one chunk + 1 B has two leaves, the first being the one-chunk file', async () => {
      const sink = new MemorySink()
      const root = await importFile(kuboDeterministicStream(262145, 'chunk-v0-seed'), sink, { profile: 'unixfs-v0-2015' })
      const links = dagPb.decode(sink.blocks.get(root.cid.toString()) as Uint8Array).Links
      expect(links.map(link => link.Hash.toString())).toHaveLength(2)
      expect(links[0].Hash.toString()).toBe('QmWmRj3dFDZdb6ABvbmKhEL6TmPbAfBZ1t5BxsEyJrcZhE')
      expect(links.map(link => link.Tsize)).toEqual([262158, 9])
      expect(root.size).toBe(sink.blocks.get(root.cid.toString())?.length as number + 262158 + 9)
    })
  })

  describe('IPIP-499 fixtures up to 45 MiB', () => {
    const vectors: Array<[string, number, string, ImporterOptions, string]> = [
      ['trickle (v0): 45 MiB, 180 leaves', 45 * 1048576, 'trickle-test', { layout: 'trickle' }, 'QmbqR6g7YCpndLcCZZXkGyj13uMcSrwDYUvZ47vJqBVjUH'],
      ['unixfs-v0-2015: 175 chunks', 175 * 262144, 'v0-seed', { profile: 'unixfs-v0-2015' }, 'QmepeWtdmS1hHXx1oZXsPUv6bMrfRRKfZcoPPU4eEfjnbf']
    ]
    for (const [name, size, seed, options, expected] of vectors) {
      it(name, async () => {
        expect((await importFile(kuboDeterministicStream(size, seed), { putMany: async () => {} }, options)).cid.toString()).toBe(expected)
      })
    }
  })
})

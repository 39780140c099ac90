/**
 * importer(): trees of files, directories and symlinks, against Kubo's vectors (t0047 mode/mtime
 * tree, the gateway-conformance symlink fixture) and against ipfs-unixfs-importer, plus the
 * order and timing of results and the errors for malformed input.
 */
import { describe, expect, it } from 'vitest'
import { importer } from '../../dag/importer/index.ts'
import { MemorySink, oracleImport, randomBytes, randomInt, reachable, seededRandom, textEncoder } from './importer-helpers.ts'
import type { ImportEntry, ImportResult, ImporterOptions } from '../../dag/importer/index.ts'
import type { BlockSink } from '../../blockstore/types.ts'

async function all (entries: ImportEntry[], sink: BlockSink = new MemorySink(), options: ImporterOptions = {}): Promise<ImportResult[]> {
  const out: ImportResult[] = []
  for await (const result of importer(entries, sink, options)) out.push(result)
  return out
}

async function * bytes (text: string): AsyncGenerator<Uint8Array> {
  yield textEncoder.encode(text)
}

async function failure (entries: ImportEntry[], options: ImporterOptions = {}): Promise<Error> {
  try {
    await all(entries, new MemorySink(), options)
  } catch (err) {
    return err as Error
  }
  throw new Error('expected the import to fail')
}

describe('importer against Kubo', () => {
  it('rebuilds the gateway-conformance symlink fixture (QmWvY6Fa…)', async () => {
    const results = await all([
      { path: 'dir/foo', content: bytes('content\n') },
      { path: 'dir/bar', target: 'foo' }
    ])
    expect(results.map(r => [r.path, r.type, r.cid.toString(), r.size])).toEqual([
      ['dir/foo', 'file', 'Qme2y5HA5kvo2jAx13UsnV5bQJVijiAJCPvaW3JGQWhvJZ', 16],
      ['dir/bar', 'symlink', 'QmTB8BaCJdCH5H3k7GrxJsxgDNmNYGGR71C58ERkivXoj5', 9],
      ['dir', 'directory', 'QmWvY6FaqFMS89YAQ9NAPjVP4WZKA1qbHbicc9HeSKQTgt', 94 + 16 + 9]
    ])
  })

  // kubo test/sharness/t0047-add-mode-mtime.sh: `ipfs add -r` of a fixed tree of empty files
  const T = 1655158632
  function t0047 (metadata: (mode: number, secs: number) => Pick<ImportEntry, 'mode' | 'mtime'>): ImportEntry[] {
    const none = async function * (): AsyncGenerator<Uint8Array> {}
    return [
      { path: 'T', type: 'directory', ...metadata(0o700, T) },
      { path: 'T/dir1', type: 'directory', ...metadata(0o755, T + 90) },
      { path: 'T/dir2', type: 'directory', ...metadata(0o755, T + 50) },
      { path: 'T/dir2/sub1', type: 'directory', ...metadata(0o755, T + 40) },
      { path: 'T/dir2/sub1/link1', target: '../sub2/file3', ...metadata(0o777, T + 20) },
      { path: 'T/dir2/sub1/sub2', type: 'directory', ...metadata(0o755, T + 30) },
      { path: 'T/dir2/sub1/sub2/file3', content: none(), ...metadata(0o644, T + 10) },
      { path: 'T/dir3', type: 'directory', ...metadata(0o755, T + 70) },
      { path: 'T/dir3/file2', content: none(), ...metadata(0o644, T + 60) },
      { path: 'T/file1', content: none(), ...metadata(0o644, T + 80) }
    ]
  }
  const sortedCids = (results: ImportResult[]): string[] => results.map(r => r.cid.toString()).sort()

  it('matches `ipfs add -r --preserve-mode --preserve-mtime` (0644 files store their mode; symlinks only mtime)', async () => {
    expect(sortedCids(await all(t0047((mode, secs) => ({ mode, mtime: { secs } }))))).toEqual([
      'QmRCG3Pprg4jbhfYBzVzfJVyneFHnBquPGXwvXU3jSuf5j', 'QmReHCn4BSJJdtd6Le8Hd8Puai6TmgpPCYb13wyM7FD9AD',
      'QmSioyvQuXetxg7uo8FswGn9XKKEsisDq1HTMzGyWbw2R6', 'QmTMoVgJKhPrz9DfkvT132mxyBXNae5azXQ42WbM9abdSE',
      'QmVzXqpuQGCAgRwEbGuE9xe8Fidi1HEXaPKsQEFEbPJW9j', 'QmW6Nqy2nziduAp3UGx2a52gtSUsYzhVcZMuPdxBRnwCyP',
      'QmeQwX5qAX18fcPDxDdkfM6ttuFCZetF5hgeUa6ov8D5oc', 'QmefofUNwC2U3Xp87rB1x8Aws6AdsDuoXR7B9u2RkEZ4dQ',
      'Qmeu24TFarJwLzJgMTDYDJTr4BMGnzafoSnfxov1513abW', 'Qmf82bbFg2e8HmcqiewutVVw5NoMpiXZD57LpLdC1poBuH'
    ])
  })

  it('matches `ipfs add -r --mode=0753`', async () => {
    expect(sortedCids(await all(t0047(() => ({ mode: 0o753 }))))).toEqual([
      'QmNZ5cyx3f6maXkczwhh3ufjDCh9f3k9zrDhX218ZZGvoV', 'QmRqtFVLkXfWJuqWtYiCPthgomo3gouno8uvMeGAyCVaWS',
      'QmSkrWNcyDA7s1qiT6Ps7ey4zcB7uBH3sqGcKRfW4UMKhM', 'QmSkrWNcyDA7s1qiT6Ps7ey4zcB7uBH3sqGcKRfW4UMKhM',
      'QmSkrWNcyDA7s1qiT6Ps7ey4zcB7uBH3sqGcKRfW4UMKhM', 'QmZNAZXB6JyJ1cK9h1uJEK4XDo1CKsSuHMPGUUMrzDXCQz',
      'QmbSz6GyS8MNR4M9xtCteuGVJQRYkCXLbW174Fdy8jtaoZ', 'QmccnAQQeJGtmtgZoi3hpEmgdxbuX1ao2hQmrKmmwQnCn9',
      'QmeTZoiAiduFY2hXaNQP4ehiE71BrQFEnrqduBZ5ZjHuFy', 'Qmf13KNurvAHUfMBhMWvZuftmUikhhGY7ohWVaBDDndFMz'
    ])
  })

  it('matches `ipfs add -r --mtime=1603539720`', async () => {
    expect(sortedCids(await all(t0047(() => ({ mtime: { secs: 1603539720n } }))))).toEqual([
      'QmPCGFZ8ZFowAwfWdCeGsr9wSbGXwZiHW3bZ7XSYcc1Zby', 'QmT3aY4avDcYXCWpU8CJzqUkW7YEuEsx36S8cTNoLcuK1B',
      'QmT3aY4avDcYXCWpU8CJzqUkW7YEuEsx36S8cTNoLcuK1B', 'QmT3aY4avDcYXCWpU8CJzqUkW7YEuEsx36S8cTNoLcuK1B',
      'QmUGMu9epCEz5HMsuJFgpJxxt3HoahsTQcC65Jje6LNqYF', 'QmXhzoPKuqmkqbyr4kJFznFRXtGwriCXKGFPr4vviyK3aV',
      'QmZ5wKCcL11TckypuDTKLLNFP6JMCBJRCn385XKQQ6PCLt', 'Qmdw3hiAxn6R5MRkkdzLdFvZUa2WJeLCTXXCyB8byFsHSA',
      'QmedF4m2Y8341azfkpvaHSkxbSrZa4fo6FT25h6sRUVkpq', 'QmfWitW6F13WHFXLbJzXRYmwrS1p4gaAJAfucUSMytRPn3'
    ])
  })

  it('matches Kubo\'s symlink mtime vectors, and ignores a symlink\'s mode as Kubo does', async () => {
    const vectors: Array<[{ secs: number, nsecs?: number }, string]> = [
      [{ secs: 1604320482 }, 'QmbJwotgtr84JxcnjpwJ86uZiyMoxbZuNH4YrdJMypkYaB'],
      [{ secs: 1603539720 }, 'QmV1Uot2gy4bhY9yvYiZxhhchhyYC6MKKoGV1XtWNmpCLe'],
      [{ secs: 1603539720, nsecs: 54321 }, 'QmPHYCxYvvHj6VxiPNJ3kXxcPsnJLDYUJqsDJWjvytmrmY']
    ]
    for (const [mtime, expected] of vectors) {
      const [link] = await all([{ path: 'linkfile', target: 'nothing', mtime, mode: 0o764 }])
      expect(link).toMatchObject({ path: 'linkfile', type: 'symlink' })
      expect(link.cid.toString()).toBe(expected)
    }
  })
})

describe('importer against ipfs-unixfs-importer', () => {
  function randomTree (seed: number): Array<{ path: string, data?: Uint8Array }> {
    const rng = seededRandom(seed)
    const entries: Array<{ path: string, data?: Uint8Array }> = []
    const dirs = ['a', 'a/b', 'a/b/c', 'd', 'e f', 'ü', 'a/Z']
    for (let i = 0; i < 25; i++) {
      const dir = dirs[randomInt(rng, 0, dirs.length - 1)]
      const size = rng() < 0.2 ? randomInt(rng, 300_000, 600_000) : randomInt(rng, 0, 5000)
      entries.push({ path: `${dir}/file-${i}.bin`, data: randomBytes(rng, size) })
    }
    entries.push({ path: 'empty-dir' }, { path: 'a/b/empty' })
    return entries
  }

  for (const profile of ['unixfs-v0-2015', 'unixfs-v1-2025'] as const) {
    it(`builds the same wrapped tree, path for path (${profile})`, async () => {
      const tree = randomTree(profile.length)
      const sink = new MemorySink()
      const ours = await all(tree.map(({ path, data }) => data == null
        ? { path, type: 'directory' as const }
        : { path, content: [data] }), sink, { profile, wrapWithDirectory: true })
      const oracle = await oracleImport(tree.map(({ path, data }) => data == null ? { path } : { path, content: data }), { profile, wrapWithDirectory: true })
      const byPath = (results: Array<{ path: string, cid: { toString: () => string } }>): Record<string, string> =>
        Object.fromEntries(results.map(r => [r.path, r.cid.toString()]))
      // the oracle does not report empty directories (it does link them); Kubo does
      const emptyDir = profile === 'unixfs-v0-2015' ? 'QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn' : 'bafybeiczsscdsbs7ffqz55asqdf3smv6klcw3gofszvwlyarci47bgf354'
      expect(byPath(ours)).toEqual({ ...byPath(oracle.results), 'empty-dir': emptyDir, 'a/b/empty': emptyDir })
      expect(ours.at(-1)?.path).toBe('')
      for (const result of oracle.results) {
        expect(ours.find(r => r.path === result.path)?.size, result.path).toBe(Number(result.size))
      }
      // every block of the tree was written
      expect(reachable(ours[ours.length - 1].cid, sink.blocks).size).toBeGreaterThan(tree.length)
    })
  }
})

describe('importer results', () => {
  it('reports files in input order, then directories depth first by name, the root last', async () => {
    const results = await all([
      { path: 'b/z.txt', content: bytes('z') },
      { path: 'a/y.txt', content: bytes('y') },
      { path: 'a/c/x.txt', content: bytes('x') },
      { path: 'top.txt', content: bytes('top') },
      { path: 'empty', type: 'directory' },
      { path: 'a/c/link', target: 'x.txt' }
    ], new MemorySink(), { wrapWithDirectory: true })
    expect(results.map(r => [r.path, r.type])).toEqual([
      ['b/z.txt', 'file'], ['a/y.txt', 'file'], ['a/c/x.txt', 'file'], ['top.txt', 'file'], ['a/c/link', 'symlink'],
      ['a/c', 'directory'], ['a', 'directory'], ['b', 'directory'], ['empty', 'directory'], ['', 'directory']
    ])
    expect(results.find(r => r.path === 'empty')?.cid.toString()).toBe('QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn')
  })

  it('yields each result only once every block of its DAG is in the sink', async () => {
    const sink = new MemorySink()
    const rng = seededRandom(21)
    const entries: ImportEntry[] = Array.from({ length: 40 }, (_, i) => ({ path: `d${i % 3}/f${i}`, content: [randomBytes(rng, randomInt(rng, 0, 3000))] }))
    let checked = 0
    for await (const result of importer(entries, sink, { chunker: 'size-512', batchMaxBlocks: 7 })) {
      expect(() => reachable(result.cid, sink.blocks), result.path).not.toThrow()
      checked++
    }
    expect(checked).toBe(40 + 3)
  })

  it('takes content as one array, an iterable or an async iterable of pieces', async () => {
    const data = textEncoder.encode('hello world')
    const results = await all([
      { path: 'a', content: data },
      { path: 'b', content: [data.subarray(0, 5), data.subarray(5)] },
      { path: 'c', content: bytes('hello world') }
    ])
    expect(new Set(results.map(r => r.cid.toString()))).toEqual(new Set(['Qmf412jQZiuVUtdgnB36FXFX7xg5V6KEbSJ4dpQuhkLyfD']))
  })

  it('normalises paths and creates missing parents', async () => {
    const results = await all([{ path: '/x/./y//z.txt', content: bytes('z') }])
    expect(results.map(r => r.path)).toEqual(['x/y/z.txt', 'x/y', 'x'])
  })

  it('imports a lone file without a name, and wraps named files', async () => {
    const [file] = await all([{ path: '', content: bytes('hello world') }])
    expect(file).toMatchObject({ path: '', type: 'file', size: 19 })
    expect(file.cid.toString()).toBe('Qmf412jQZiuVUtdgnB36FXFX7xg5V6KEbSJ4dpQuhkLyfD')
    const wrapped = await all([{ path: 'hello.txt', content: bytes('hello world') }], new MemorySink(), { wrapWithDirectory: true })
    expect(wrapped.map(r => [r.path, r.type])).toEqual([['hello.txt', 'file'], ['', 'directory']])
  })

  it('uses dag-pb leaves for files with metadata, and raw leaves for the others', async () => {
    const rng = seededRandom(22)
    const data = randomBytes(rng, 3000)
    const results = await all([
      { path: 'plain', content: [data] },
      { path: 'dated', content: [data], mtime: { secs: 1 } }
    ], new MemorySink(), { cidVersion: 1, chunker: 'size-1000' })
    expect(results[0].cid.toString()).not.toBe(results[1].cid.toString())
    const sink = new MemorySink()
    await all([{ path: 'dated', content: [data], mtime: { secs: 1 } }], sink, { cidVersion: 1, chunker: 'size-1000' })
    expect(sink.order.every(cid => cid.code === 0x70)).toBe(true)
  })
})

describe('importer errors', () => {
  const cases: Array<[string, ImportEntry[], ImporterOptions, string]> = [
    ['a duplicate path', [{ path: 'a', content: bytes('1') }, { path: 'a', content: bytes('2') }], {}, 'InvalidPathError'],
    ['a file used as a directory', [{ path: 'a', content: bytes('1') }, { path: 'a/b', content: bytes('2') }], {}, 'NotADirectoryError'],
    ['a directory replaced by a file', [{ path: 'a/b', content: bytes('1') }, { path: 'a', content: bytes('2') }], {}, 'InvalidPathError'],
    ['a ".." segment', [{ path: 'a/../b', content: bytes('1') }], {}, 'InvalidPathError'],
    ['a symlink without target', [{ path: 'l', type: 'symlink' }], {}, 'InvalidArgumentError'],
    ['a directory with content', [{ path: 'd', type: 'directory', content: bytes('x') }], {}, 'InvalidArgumentError'],
    ['an unknown type', [{ path: 'd', type: 'fifo' as never }], {}, 'InvalidArgumentError'],
    ['a bad mode', [{ path: 'f', content: bytes('x'), mode: -1 }], {}, 'InvalidArgumentError'],
    ['an empty path next to others', [{ path: '', content: bytes('x') }, { path: 'b', content: bytes('y') }], {}, 'InvalidPathError'],
    ['an empty path under wrapWithDirectory', [{ path: '', content: bytes('x') }], { wrapWithDirectory: true }, 'InvalidPathError'],
    ['metadata with explicit raw leaves', [{ path: 'f', content: bytes('x'), mode: 0o644 }], { rawLeaves: true }, 'InvalidArgumentError'],
    ['a bad chunker', [{ path: 'f', content: bytes('x') }], { chunker: 'size-abc' }, 'InvalidChunkerError']
  ]
  for (const [name, entries, options, errorName] of cases) {
    it(`refuses ${name} with ${errorName}`, async () => {
      expect((await failure(entries, options)).name).toBe(errorName)
    })
  }

  it('stops when the signal aborts between entries', async () => {
    const controller = new AbortController()
    const sink = new MemorySink()
    let seen = 0
    const entries = async function * (): AsyncGenerator<ImportEntry> {
      for (let i = 0; ; i++) {
        if (i === 5) controller.abort()
        yield { path: `f${i}`, content: bytes(String(i)) }
      }
    }
    const run = async (): Promise<void> => {
      for await (const result of importer(entries(), sink, { signal: controller.signal })) {
        if (result.type === 'file') seen++
      }
    }
    await expect(run()).rejects.toHaveProperty('name', 'AbortedError')
    expect(seen).toBeLessThan(6)
  })
})

import { Readable } from 'node:stream'
import { CID } from 'multiformats/cid'
import tar from 'tar-stream'
import { describe, expect, it } from 'vitest'
import { entriesFromTar, tarFromEntries, type TarEntry } from '../../http-api/index.ts'
import { bytesOf, randomBytesOf } from './helpers.ts'

const CID_A = CID.parse('bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq')
const big = randomBytesOf(70_001)
const longName = `${'ü'.repeat(60)}-${'x'.repeat(80)}.bin`

function tree (): TarEntry[] {
  return [
    { segments: [], name: 'root', type: 'directory', cid: CID_A, mode: 0o750, mtime: { secs: 1_600_000_000n, nsecs: 123 } },
    { segments: ['a.bin'], name: 'a.bin', type: 'file', cid: CID_A, size: big.length, content: () => (async function * () { yield big.subarray(0, 1000); yield big.subarray(1000) })() },
    { segments: ['sub'], name: 'sub', type: 'directory', cid: CID_A },
    { segments: ['sub', longName], name: longName, type: 'file', size: 0, content: () => (async function * () {})() },
    { segments: ['sub', 'link'], name: 'link', type: 'symlink', target: `../${'t'.repeat(120)}` }
  ]
}

async function * source (): AsyncGenerator<TarEntry> { yield * tree() }

describe('tar', () => {
  it('writes a tar that tar-stream reads: names under the root, sizes, links, long and non-ASCII names', async () => {
    const archive = await bytesOf(tarFromEntries(source(), { defaultMtime: 0 }))
    expect(archive.length % 512).toBe(0)
    const extract = tar.extract()
    const seen: Array<{ name: string, type: string, size: number, linkname?: string | null, bytes: number, mode?: number }> = []
    const done = (async () => {
      for await (const entry of extract) {
        let bytes = 0
        for await (const chunk of entry) bytes += (chunk as Buffer).length
        seen.push({ name: entry.header.name, type: entry.header.type ?? '', size: entry.header.size ?? 0, linkname: entry.header.linkname, bytes, mode: entry.header.mode })
      }
    })()
    Readable.from([archive]).pipe(extract)
    await done
    expect(seen.map(s => [s.name, s.type, s.bytes])).toEqual([
      ['root/', 'directory', 0],
      ['root/a.bin', 'file', big.length],
      ['root/sub/', 'directory', 0],
      [`root/sub/${longName}`, 'file', 0],
      ['root/sub/link', 'symlink', 0]
    ])
    expect(seen[0].mode).toBe(0o750)
    expect(seen[1].mode).toBe(0o644)
    expect(seen[4].linkname).toBe(`../${'t'.repeat(120)}`)
  })

  it('reads back what it writes, metadata included when asked for', async () => {
    const read = []
    for await (const entry of entriesFromTar(tarFromEntries(source(), { metadata: true }))) {
      read.push({ ...entry, content: entry.content == null ? undefined : await bytesOf(entry.content()) })
    }
    expect(read.map(e => e.path)).toEqual(['', 'a.bin', 'sub', `sub/${longName}`, 'sub/link'])
    expect(read[0]).toMatchObject({ name: 'root', segments: [], type: 'directory', mode: 0o750, mtime: { secs: 1_600_000_000n, nsecs: 123 } })
    expect(read[0].cid?.equals(CID_A)).toBe(true)
    expect(read[1].content?.equals(big)).toBe(true)
    expect(read[1].mode).toBeUndefined()
    expect(read[1].mtime).toBeUndefined()
    expect(read[2].cid?.equals(CID_A)).toBe(true)
    expect(read[3]).toMatchObject({ name: longName, segments: ['sub', longName], size: 0 })
    expect(read[4]).toMatchObject({ type: 'symlink', target: `../${'t'.repeat(120)}` })
    expect(read[4].cid).toBeUndefined()
  })

  it('skips file contents the reader does not read, and fails on a file shorter than its size', async () => {
    const names = []
    for await (const entry of entriesFromTar(tarFromEntries(source()))) names.push(entry.path)
    expect(names).toHaveLength(5)
    const short: TarEntry[] = [{ segments: [], name: 'f', type: 'file', size: 10, content: () => (async function * () { yield new Uint8Array(4) })() }]
    await expect(bytesOf(tarFromEntries((async function * () { yield * short })()))).rejects.toThrow(/has 4 bytes but its DAG says 10/)
  })
})

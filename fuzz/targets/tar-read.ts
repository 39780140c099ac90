/**
 * Tar streams from the API: the CLI reads `get`'s answer with entriesFromTar (http-api/tar.ts)
 * before extracting it, so a hostile or broken API server controls these bytes. Seeds are tars
 * written by tarFromEntries (PAX records, long names, symlinks, Cairn's own records); after the
 * byte edits, header checksums are often recomputed so the damage reaches the fields behind them.
 */
import * as fc from 'fast-check'
import { entriesFromTar, tarFromEntries, type TarEntry } from '../../http-api/tar.ts'
import { mutatedBytes } from '../mutate.ts'
import { CIDS } from '../seeds.ts'
import { chunked, cuts } from '../streams.ts'
import { defineTarget } from '../target.ts'

const utf8 = new TextEncoder()

async function tarOf (entries: TarEntry[], metadata: boolean): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for await (const chunk of tarFromEntries((async function * () { yield * entries })(), { metadata, defaultMtime: 1_700_000_000 })) parts.push(chunk)
  return Buffer.concat(parts)
}

const content = utf8.encode('file content of a tar entry\n')
const file = (segments: string[]): TarEntry => ({ segments, name: segments.at(-1) ?? '', type: 'file', size: content.length, content: () => [content] as unknown as AsyncIterable<Uint8Array>, cid: CIDS[2], mode: 0o600 })

const SEEDS = [
  await tarOf([
    { segments: [], name: 'root', type: 'directory', cid: CIDS[1], mtime: { secs: 1_600_000_000n, nsecs: 12 } },
    file(['a.txt']),
    { segments: ['sub'], name: 'sub', type: 'directory' },
    file(['sub', 'x'.repeat(150)]),
    { segments: ['link'], name: 'link', type: 'symlink', target: 'a.txt' }
  ], true),
  await tarOf([{ ...file([]), name: 'single.txt' }], false)
]

/** Recomputes the checksum of every 512-byte block, so edits are not all stopped by it. */
function fixChecksums (tar: Uint8Array): Uint8Array {
  const out = tar.slice()
  for (let at = 0; at + 512 <= out.length; at += 512) {
    let sum = 0
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : out[at + i]
    out.set(utf8.encode(sum.toString(8).padStart(6, '0') + '\u0000 '), at + 148)
  }
  return out
}

/** Most content bytes read per input. */
const MAX_READ = 1 << 20

export default defineTarget({
  name: 'tar-read',
  description: 'entriesFromTar (http-api/tar.ts): tar streams as the CLI reads them from `get`',
  async: true,
  arbitrary: fc.record({
    tar: fc.oneof(
      { arbitrary: mutatedBytes(SEEDS).map(fixChecksums), weight: 6 },
      { arbitrary: mutatedBytes(SEEDS), weight: 3 },
      { arbitrary: fc.constantFrom(...SEEDS), weight: 1 }
    ),
    cuts,
    readContent: fc.boolean()
  }),
  async run ({ tar, cuts, readContent }) {
    let entries = 0
    let read = 0
    for await (const entry of entriesFromTar(chunked(tar, cuts))) {
      entries++
      if (readContent && entry.content != null) {
        for await (const chunk of entry.content()) {
          read += chunk.length
          if (read > MAX_READ) break
        }
      }
    }
    return entries
  }
})

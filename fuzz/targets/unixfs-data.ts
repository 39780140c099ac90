/**
 * UnixFS `Data` messages inside dag-pb nodes: read by `decodeNode` (dag/exporter/node.ts, through
 * `ipfs-unixfs` and `readExtraFields`), and then by the exporter — `cat` and `ls` over a small DAG
 * whose root's `Data` and link names are damaged — where lying sizes, block sizes, types, HAMT
 * prefixes and names meet real content; `resolve` and `walk` (what `get` uses) run over it too.
 */
import * as dagPb from '@ipld/dag-pb'
import * as fc from 'fast-check'
import { cat } from '../../dag/exporter/cat.ts'
import { ls } from '../../dag/exporter/ls.ts'
import { resolve } from '../../dag/exporter/resolve.ts'
import { walk } from '../../dag/exporter/walk.ts'
import { bytesFrom, stringsFrom } from '../mutate.ts'
import { DAG_PB, DAG_PB_BLOCKS, UNIXFS_DATA, blockOf, memoryGetter } from '../seeds.ts'
import { defineTarget, isNamedError } from '../target.ts'

/** The links of the seed file and directory, so damaged Data meets real children. */
const LINK_SETS = DAG_PB_BLOCKS.slice(0, 2).map(bytes => dagPb.decode(bytes).Links)

/** Bytes read at most per input: a lying `filesize` must not make cat produce gigabytes. */
const MAX_READ = 1 << 20

async function drain<T> (source: AsyncIterable<T>): Promise<number> {
  let n = 0
  for await (const item of source) {
    n += item instanceof Uint8Array ? item.length : 1
    if (n > MAX_READ) break
  }
  return n
}

export default defineTarget({
  name: 'unixfs-data',
  description: 'UnixFS Data (ipfs-unixfs, dag/exporter/unixfs-fields.ts) through decodeNode, cat and ls',
  async: true,
  arbitrary: fc.record({
    data: bytesFrom(UNIXFS_DATA),
    links: fc.constantFrom(...LINK_SETS, []),
    // HAMT link names carry a two-hex-digit prefix; directory names meet the safe-name check
    names: fc.option(fc.array(stringsFrom(['00file.txt', 'FF', 'A1', '0Gx', 'file.txt', '..', 'a/b']), { maxLength: 3 }), { nil: undefined }),
    path: stringsFrom(['', 'file.txt', '00file.txt', 'raw-leaf', 'inline', 'A1/x']),
    offset: fc.option(fc.integer({ min: -4, max: 200 }), { nil: undefined }),
    length: fc.option(fc.integer({ min: -4, max: 200 }), { nil: undefined })
  }),
  async run ({ data, links, names, path, offset, length }) {
    const named = names == null ? links : links.map((link, i) => ({ ...link, Name: names[i] ?? link.Name }))
    const root = blockOf(DAG_PB, dagPb.encode(dagPb.prepare({ Data: data, Links: named })))
    const getter = memoryGetter([root])
    await resolve(`/ipfs/${root.cid.toString()}/${path}`, getter)
      .catch((err: unknown) => { if (!isNamedError(err)) throw err })
    await drain(walk(root.cid, getter))
      .catch((err: unknown) => { if (!isNamedError(err)) throw err })
    const read = await drain(cat(root.cid, getter, { offset, length }))
      .catch(async (err: unknown) => {
        // not a file: it may be a directory; either way each call must fail by name or succeed
        if ((err as Error).name !== 'NotAFileError') throw err
        return drain(ls(root.cid, getter))
      })
    return read
  }
})

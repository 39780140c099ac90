/**
 * The reference add pipeline: ipfs-unixfs-importer writing to blockstore-level, as Helia runs it
 * (`reference/performance-anchors.md` §3: the file read with `createReadStream` in 1 MiB pieces,
 * the importer's own defaults for concurrency, LevelDB without fsync). The profile is the
 * importer's own IPIP-499 `profile` option, so the CIDs equal Cairn's for the same profile.
 *
 *   node bench/reference/import.ts --store DIR --profile unixfs-v0-2015 FILE
 *   node bench/reference/import.ts --store DIR --profile unixfs-v1-2025 --dir TREE
 *
 * A tree is walked like `cairn add -r` walks it (names starting with a dot skipped, empty
 * directories kept) and imported with the root directory's name as the first path segment.
 * Prints one JSON line: the root CID, and the seconds spent inside the import call.
 */
import { createReadStream } from 'node:fs'
import { lstat, readdir, readlink } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { parseArgs } from 'node:util'
import { LevelBlockstore } from 'blockstore-level'
import { importer, type CIDProfile, type ImportCandidate } from 'ipfs-unixfs-importer'

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    store: { type: 'string' },
    profile: { type: 'string', default: 'unixfs-v0-2015' },
    dir: { type: 'boolean', default: false }
  }
})
if (values.store == null || positionals.length !== 1) {
  throw new Error('usage: import.ts --store DIR [--profile NAME] [--dir] PATH')
}
const path = positionals[0]

async function * walk (abs: string, rel: string): AsyncGenerator<ImportCandidate> {
  const info = await lstat(abs)
  if (info.isDirectory()) {
    yield { path: rel }
    const names = (await readdir(abs)).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
    for (const name of names) {
      if (name.startsWith('.')) continue
      yield * walk(join(abs, name), `${rel}/${name}`)
    }
  } else if (info.isSymbolicLink()) {
    // the importer has no symlink candidate; the bench trees hold none
    throw new Error(`symlink ${abs} (${await readlink(abs)}) is not supported by the reference script`)
  } else if (info.isFile()) {
    yield { path: rel, content: createReadStream(abs, { highWaterMark: 1024 * 1024 }) }
  }
}

const blockstore = new LevelBlockstore(values.store)
await blockstore.open()
const source: AsyncIterable<ImportCandidate> | ImportCandidate[] = values.dir
  ? walk(path, basename(path))
  : [{ content: createReadStream(path, { highWaterMark: 1024 * 1024 }) }]
const started = process.hrtime.bigint()
let root: string | undefined
let entries = 0
for await (const entry of importer(source, blockstore, { profile: values.profile as CIDProfile })) {
  root = entry.cid.toString()
  entries++
}
const seconds = Number(process.hrtime.bigint() - started) / 1e9
await blockstore.close()
console.log(JSON.stringify({ cid: root, seconds, entries }))

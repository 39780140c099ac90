/**
 * The reference cat pipeline: ipfs-unixfs-exporter reading from blockstore-level, as Helia's
 * `unixfs.cat` runs it (`reference/performance-anchors.md` §4): the content is drained in this
 * process, not written anywhere.
 *
 *   node bench/reference/cat.ts --store DIR [--verify] CID
 *
 * Prints one JSON line: the byte count, the seconds spent draining, and with `--verify` the
 * sha256 of the content.
 */
import { createHash } from 'node:crypto'
import { parseArgs } from 'node:util'
import { LevelBlockstore } from 'blockstore-level'
import { exporter } from 'ipfs-unixfs-exporter'
import { CID } from 'multiformats/cid'

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    store: { type: 'string' },
    verify: { type: 'boolean', default: false }
  }
})
if (values.store == null || positionals.length !== 1) {
  throw new Error('usage: cat.ts --store DIR [--verify] CID')
}

const blockstore = new LevelBlockstore(values.store)
await blockstore.open()
const started = process.hrtime.bigint()
const entry = await exporter(CID.parse(positionals[0]), blockstore)
if (entry.type !== 'file' && entry.type !== 'raw') throw new Error(`${positionals[0]} is a ${entry.type}, not a file`)
const hash = values.verify ? createHash('sha256') : undefined
let bytes = 0
for await (const chunk of entry.content()) {
  bytes += chunk.byteLength
  hash?.update(chunk)
}
const seconds = Number(process.hrtime.bigint() - started) / 1e9
await blockstore.close()
console.log(JSON.stringify({ bytes, seconds, sha256: hash?.digest('hex') }))

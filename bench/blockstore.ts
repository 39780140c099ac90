/**
 * putMany throughput of the blockstore, against blocks stored as LevelDB values (the layout of
 * `reference/performance-anchors.md` §10, rebuilt here so both run on the same disk in the same
 * run). Random data; every block is new.
 *
 *   node bench/blockstore.ts [--mib 256] [--runs 5]
 *
 * Per layout and block size it prints the median of the runs, in MB/s (10^6 bytes):
 * - `put`:        time inside putMany only (the CIDs are computed beforehand);
 * - `hash+put`:   sha256 (node:crypto) of every block and CID creation included, as in §10.
 * The pack store syncs every batch (fdatasync + synced index); the LevelDB-values baseline
 * writes with `sync: false`, as §10 measured it.
 */
import { createHash, randomFillSync } from 'node:crypto'
import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { Level } from 'level'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { RAW, SHA2_256, createBlockstore } from '../blockstore/index.ts'
import type { Block } from '../blockstore/index.ts'

const { values } = parseArgs({
  options: {
    mib: { type: 'string', default: '256' },
    runs: { type: 'string', default: '5' }
  }
})
const TOTAL = Number(values.mib) * 1024 * 1024
const RUNS = Number(values.runs)
const DATA_DIR = join(import.meta.dirname, 'data', `blockstore-${process.pid}`)

interface Shape {
  blockSize: number
  batch: number
}

const SHAPES: Shape[] = [
  { blockSize: 256 * 1024, batch: 64 },
  { blockSize: 1024 * 1024, batch: 16 }
]

interface Sink {
  putMany(blocks: Block[]): Promise<void>
  close(): Promise<void>
}

async function packStore (path: string): Promise<Sink> {
  const store = createBlockstore({ path })
  await store.open()
  return store
}

async function levelValues (path: string): Promise<Sink> {
  const db = new Level<Uint8Array, Uint8Array>(path, {
    keyEncoding: 'view',
    valueEncoding: 'view',
    writeBufferSize: 64 * 1024 * 1024,
    compression: false
  })
  await db.open()
  return {
    async putMany (blocks) {
      await db.batch(blocks.map(block => ({ type: 'put', key: block.cid.multihash.bytes, value: block.bytes })))
    },
    async close () { await db.close() }
  }
}

function cidOf (bytes: Uint8Array): CID {
  return CID.createV1(RAW, Digest.create(SHA2_256, createHash('sha256').update(bytes).digest()))
}

/** One run: returns [put-only MB/s, hash+put MB/s]. */
async function run (open: (path: string) => Promise<Sink>, shape: Shape): Promise<[number, number]> {
  const path = join(DATA_DIR, 'store')
  await rm(path, { recursive: true, force: true })
  const sink = await open(path)
  const batchBytes = shape.blockSize * shape.batch
  const data = new Uint8Array(batchBytes)
  let putNs = 0n
  let hashNs = 0n
  for (let written = 0; written < TOTAL; written += batchBytes) {
    randomFillSync(data)
    const t0 = process.hrtime.bigint()
    const blocks: Block[] = []
    for (let offset = 0; offset < batchBytes; offset += shape.blockSize) {
      // a copy per block, as an importer hands over its own chunk buffers
      const bytes = data.slice(offset, offset + shape.blockSize)
      blocks.push({ cid: cidOf(bytes), bytes })
    }
    const t1 = process.hrtime.bigint()
    await sink.putMany(blocks)
    const t2 = process.hrtime.bigint()
    hashNs += t1 - t0
    putNs += t2 - t1
  }
  await sink.close()
  await rm(path, { recursive: true, force: true })
  const mbps = (ns: bigint): number => TOTAL / 1e6 / (Number(ns) / 1e9)
  return [mbps(putNs), mbps(putNs + hashNs)]
}

function median (xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

await mkdir(DATA_DIR, { recursive: true })
try {
  console.log(`blockstore putMany, ${TOTAL / 1024 / 1024} MiB random data, median of ${RUNS} runs (MB/s)`)
  console.log('layout            block     batch  put     hash+put  runs (put)')
  for (const [name, open] of [['packs+index', packStore], ['LevelDB values', levelValues]] as const) {
    for (const shape of SHAPES) {
      const results: Array<[number, number]> = []
      for (let i = 0; i < RUNS; i++) results.push(await run(open, shape))
      const put = median(results.map(r => r[0]))
      const both = median(results.map(r => r[1]))
      console.log([
        name.padEnd(17),
        `${shape.blockSize / 1024} KiB`.padEnd(9),
        String(shape.batch).padEnd(6),
        put.toFixed(0).padEnd(7),
        both.toFixed(0).padEnd(9),
        results.map(r => r[0].toFixed(0)).join(' / ')
      ].join(' '))
    }
  }
} finally {
  await rm(DATA_DIR, { recursive: true, force: true })
}

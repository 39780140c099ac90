/**
 * Memory stays bounded whatever the file size: measured through the source and the sink (content
 * bytes the importer has pulled but the sink has not yet finished writing), not through timers.
 */
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { describe, expect, it } from 'vitest'
import { importFile } from '../../dag/importer/index.ts'
import { kuboDeterministicStream, randomBytes, seededRandom } from './importer-helpers.ts'
import type { Block, BlockSink } from '../../blockstore/types.ts'
import type { ImporterOptions } from '../../dag/importer/index.ts'

const MiB = 1024 * 1024

/** File content bytes a block carries (0 for parent nodes). */
function contentBytes (block: Block): number {
  if (block.cid.code !== dagPb.code) return block.bytes.length
  const { Data } = dagPb.decode(block.bytes)
  return Data == null ? 0 : (UnixFS.unmarshal(Data).data?.length ?? 0)
}

/** Watches what flows in and out of one import and keeps the parents (small dag-pb blocks). */
class Meter implements BlockSink {
  pulled = 0
  written = 0
  maxHeld = 0
  maxBatchBlocks = 0
  maxBatchBytes = 0
  concurrentWrites = 0
  maxConcurrentWrites = 0
  blocks = 0
  readonly parents = new Map<string, Uint8Array>()
  private readonly slow: boolean

  constructor (slow = false) {
    this.slow = slow
  }

  /** passes the source through, noting after each piece how much the importer holds */
  async * source (content: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    for await (const piece of content) {
      this.pulled += piece.length
      this.maxHeld = Math.max(this.maxHeld, this.pulled - this.written)
      yield piece
    }
  }

  async putMany (blocks: Block[]): Promise<void> {
    this.concurrentWrites++
    this.maxConcurrentWrites = Math.max(this.maxConcurrentWrites, this.concurrentWrites)
    this.maxBatchBlocks = Math.max(this.maxBatchBlocks, blocks.length)
    this.maxBatchBytes = Math.max(this.maxBatchBytes, blocks.reduce((sum, block) => sum + block.bytes.length, 0))
    let content = 0
    for (const block of blocks) {
      content += contentBytes(block)
      if (block.cid.code === dagPb.code && block.bytes.length < 64 * 1024) this.parents.set(block.cid.toString(), block.bytes)
    }
    this.blocks += blocks.length
    if (this.slow) {
      // a sink that takes a few event-loop turns per write, as a disk-backed one does
      for (let i = 0; i < 3; i++) await new Promise(resolve => setImmediate(resolve))
    }
    this.written += content
    this.concurrentWrites--
  }
}

async function * repeat (data: Uint8Array, times: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < times; i++) yield data
}

describe('importFile memory', () => {
  it('imports Kubo\'s 174 × 256 KiB + 1 B file (43.5 MiB) holding at most a few MiB, with Kubo\'s CIDs', async () => {
    const meter = new Meter()
    const options: ImporterOptions = { profile: 'unixfs-v0-2015', batchMaxBytes: MiB, batchMaxBlocks: 16 }
    const size = 174 * 262144 + 1
    const root = await importFile(meter.source(kuboDeterministicStream(size, 'v0-seed')), meter, options)

    // IPIP-499: "file over max links" and, as its first child, "file at max links"
    expect(root.cid.toString()).toBe('QmV81WL765sC8DXsRhE5fJv2rwhS4icHRaf3J9Zk5FdRnW')
    const links = dagPb.decode(meter.parents.get(root.cid.toString()) as Uint8Array).Links
    expect(links.map(link => link.Hash.toString())).toEqual(['QmUbBALi174SnogsUzLpYbD4xPiBSFANF4iztWCsHbMKh2', links[1].Hash.toString()])
    expect(root.fileSize).toBe(size)

    expect(meter.written).toBe(size)
    expect(meter.blocks).toBe(175 + 3)
    // two batches (≤ 1 MiB + one hashing window each) + two hashing windows + one source piece
    expect(meter.maxHeld).toBeLessThan(6 * MiB)
    expect(meter.maxBatchBlocks).toBeLessThanOrEqual(16)
    expect(meter.maxBatchBytes).toBeLessThan(2 * MiB)
    expect(meter.maxConcurrentWrites).toBe(1)
  })

  it('streams a 12 MiB trickle import of 1 KiB chunks into a slow sink with a bounded backlog', async () => {
    const meter = new Meter(true)
    const piece = randomBytes(seededRandom(5), 64 * 1024)
    const root = await importFile(meter.source(repeat(piece, 192)), meter, {
      cidVersion: 1, chunker: 'size-1024', layout: 'trickle', batchMaxBlocks: 64
    })
    expect(root.fileSize).toBe(12 * MiB)
    expect(meter.written).toBe(12 * MiB)
    expect(meter.blocks).toBeGreaterThan(12 * 1024)
    // 64-block batches of 1 KiB leaves: a backlog of a few hundred KiB at most, never the file
    expect(meter.maxHeld).toBeLessThan(512 * 1024)
    expect(meter.maxBatchBlocks).toBeLessThanOrEqual(64)
    expect(meter.maxConcurrentWrites).toBe(1)
  })
})

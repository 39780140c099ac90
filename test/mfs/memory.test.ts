/**
 * A partial write of a large file streams: the old bytes are read back as the importer asks for
 * them, so the content held at once (read from the old file or the input, not yet written as new
 * blocks) stays bounded, whatever the file's size. Measured through the block reads and the
 * sink, not through timers.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openNode, type CoreNode } from '../../core/index.ts'
import { Mfs, MFS_DATASTORE } from '../../mfs/index.ts'
import { initRepo } from '../../repo/index.ts'
import type { Block } from '../../blockstore/index.ts'

const MiB = 1024 * 1024
const FILE_SIZE = 48 * MiB

/** File content bytes a block carries (0 for parents). */
function contentBytes (cid: { code: number }, bytes: Uint8Array): number {
  if (cid.code !== dagPb.code) return bytes.length
  const { Data } = dagPb.decode(bytes)
  return Data == null ? 0 : (UnixFS.unmarshal(Data).data?.length ?? 0)
}

async function * pattern (size: number, seed: number): AsyncGenerator<Uint8Array> {
  for (let done = 0; done < size; done += MiB) {
    const piece = new Uint8Array(Math.min(MiB, size - done))
    for (let i = 0; i < piece.length; i += 4096) piece[i] = (seed + done / 4096 + i) & 0xff
    yield piece
  }
}

describe('MFS partial writes', () => {
  let dir: string
  let node: CoreNode
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cairn-mfs-mem-'))
    await initRepo(join(dir, 'repo'), { profiles: ['test'] })
    node = await openNode(join(dir, 'repo'))
  })
  afterAll(async () => {
    await node?.close()
    await rm(dir, { recursive: true, force: true })
  })

  it(`rewrite a ${FILE_SIZE / MiB} MiB file holding a bounded amount of its content`, async () => {
    let read = 0
    let written = 0
    let maxHeld = 0
    let measuring = false
    const note = (): void => { if (measuring) maxHeld = Math.max(maxHeld, read - written) }
    const mfs = new Mfs({
      blocks: {
        get: async (cid, options) => {
          const bytes = await node.blocks.get(cid, options)
          if (measuring) read += contentBytes(cid, bytes)
          note()
          return bytes
        }
      },
      sink: {
        putMany: async (blocks: Block[], options) => {
          await node.blockstore.putMany(blocks, options)
          if (measuring) for (const b of blocks) written += contentBytes(b.cid, b.bytes)
        }
      },
      leases: { acquire: async (options) => await node.gc.lease(options) },
      datastore: node.metadata.sub(MFS_DATASTORE)
    })
    const importer = { batchMaxBytes: MiB }
    await mfs.write('/big.bin', pattern(FILE_SIZE, 1), { create: true, importer })
    measuring = true
    const input = (async function * () {
      for await (const piece of pattern(MiB, 2)) {
        read += piece.length
        note()
        yield piece
      }
    })()
    await mfs.write('/big.bin', input, { offset: 20 * MiB, importer })
    measuring = false
    // the whole new file went through: the old bytes around the new MiB, and the new MiB
    expect(written).toBe(FILE_SIZE)
    expect(read).toBe(FILE_SIZE)
    // two batches, two hashing windows and the exporter's read-ahead, far from the file's size
    expect(maxHeld).toBeLessThan(12 * MiB)
  })
})

import { randomBytes } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { CID } from 'multiformats/cid'
import { createBlockstore, createLeases, type PackBlockstore } from '../../blockstore/index.ts'
import { createBlockService, DEFAULT_FETCH_READ_AHEAD, type BlockFetcher } from '../../core/block-service.ts'
import { READ_AHEAD_BLOCKS, cat, importFile } from '../../dag/index.ts'
import { tempDir } from '../blockstore/helpers.ts'
import { waitFor } from '../helpers/wait.ts'

async function * one (bytes: Uint8Array): AsyncIterable<Uint8Array> { yield bytes }

describe('block service read-ahead', () => {
  let dirs: Array<Awaited<ReturnType<typeof tempDir>>>
  let source: PackBlockstore
  let local: PackBlockstore

  beforeEach(async () => {
    dirs = [await tempDir('cairn-read-ahead-src-'), await tempDir('cairn-read-ahead-dst-')]
    source = createBlockstore({ path: dirs[0].path })
    local = createBlockstore({ path: dirs[1].path })
    await source.open()
    await local.open()
  })
  afterEach(async () => {
    await source.close()
    await local.close()
    for (const dir of dirs) await dir.remove()
  })

  it('keeps a wider window of fetches in flight than of local reads when a cat fetches from the network', async () => {
    const content = new Uint8Array(randomBytes(96 * 1024))
    const { cid } = await importFile(one(content), source, { cidVersion: 1, rawLeaves: true, chunker: 'size-1024' })
    // fetches wait until the test lets them go: the test sees how many the walker has asked for
    const waiting: Array<() => void> = []
    const fetcher: BlockFetcher = {
      async fetch (wanted: CID) {
        await new Promise<void>(resolve => { waiting.push(resolve) })
        return await source.get(wanted)
      }
    }
    const blocks = createBlockService({ blockstore: local, leases: createLeases(), fetcher })
    expect(blocks.readAhead).toBe(DEFAULT_FETCH_READ_AHEAD)
    expect(DEFAULT_FETCH_READ_AHEAD).toBeGreaterThan(READ_AHEAD_BLOCKS)
    const chunks: Uint8Array[] = []
    const done = (async () => { for await (const chunk of cat(cid, blocks)) chunks.push(chunk) })()
    let most = 0
    let released = 0
    // release fetches one at a time, oldest first, and watch the window
    while (released < 97) {
      const n = await waitFor(() => waiting.length > released ? waiting.length : (released > 0 && chunks.length * 1024 >= content.byteLength ? -1 : undefined), { message: () => `a fetch after ${released} (${waiting.length} asked)` })
      if (n === -1) break
      most = Math.max(most, n - released)
      waiting[released++]()
    }
    await done
    expect(Buffer.concat(chunks).equals(content)).toBe(true)
    expect(most).toBeGreaterThan(READ_AHEAD_BLOCKS)
    expect(most).toBeLessThanOrEqual(DEFAULT_FETCH_READ_AHEAD + 1)
  })
})

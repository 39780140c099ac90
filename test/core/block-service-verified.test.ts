import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { CID } from 'multiformats/cid'
import { createBlockstore, createLeases, type Blockstore, type Leases, type PackBlockstore } from '../../blockstore/index.ts'
import { createBlockService, type BlockFetcher } from '../../core/block-service.ts'
import { randomBlock, tempDir } from '../blockstore/helpers.ts'

// the service's one hash check, counted (the store's own checks live in other modules)
const checks = vi.hoisted(() => ({ count: 0 }))
vi.mock('../../blockstore/index.ts', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../blockstore/index.ts')>()
  return {
    ...original,
    matchesMultihash: (...args: Parameters<typeof original.matchesMultihash>) => {
      checks.count++
      return original.matchesMultihash(...args)
    }
  }
})

function fetcherOf (bytes: Uint8Array, verifies: boolean): BlockFetcher {
  return { verifies, async fetch (_cid: CID) { return bytes } }
}

describe('block service and a fetcher that verifies', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let blockstore: PackBlockstore
  let leases: Leases

  beforeEach(async () => {
    dir = await tempDir('cairn-block-service-verified-')
    blockstore = createBlockstore({ path: dir.path })
    await blockstore.open()
    leases = createLeases()
    checks.count = 0
  })
  afterEach(async () => {
    await blockstore.close()
    await dir.remove()
  })

  it('hashes a fetched block once: not again when the fetcher verified it, once when it did not', async () => {
    const trusted = randomBlock(4096)
    const byVerifier = createBlockService({ blockstore, leases, fetcher: fetcherOf(trusted.bytes, true) })
    expect(await byVerifier.get(trusted.cid)).toEqual(trusted.bytes)
    expect(checks.count).toBe(0)
    await byVerifier.flush()
    expect(await blockstore.has(trusted.cid)).toBe(true)

    const other = randomBlock(4096)
    const byPlain = createBlockService({ blockstore, leases, fetcher: fetcherOf(other.bytes, false) })
    expect(await byPlain.get(other.cid)).toEqual(other.bytes)
    expect(checks.count).toBe(1)
  })

  it('asks the store\'s index, not a failed read, before it fetches a block the store lacks', async () => {
    const here = randomBlock(1000)
    const there = randomBlock(1000)
    await blockstore.put(here)
    const reads: string[] = []
    const counted: Blockstore = {
      get: async (cid, options) => {
        reads.push(cid.toString())
        return await blockstore.get(cid, options)
      },
      getSize: async (cid, options) => await blockstore.getSize(cid, options),
      has: async (cid, options) => await blockstore.has(cid, options),
      put: async (block, options) => { await blockstore.put(block, options) },
      putMany: async (list, options) => { await blockstore.putMany(list, options) },
      deleteMany: async (cids, options) => { await blockstore.deleteMany(cids, options) },
      multihashes: (options) => blockstore.multihashes(options),
      onBlock: (listener) => blockstore.onBlock(listener)
    }
    const blocks = createBlockService({ blockstore: counted, leases, fetcher: fetcherOf(there.bytes, true) })
    expect(await blocks.get(there.cid)).toEqual(there.bytes)
    expect(await blocks.get(here.cid)).toEqual(here.bytes)
    expect(reads).toEqual([here.cid.toString()])
  })

  it('still refuses bytes from a fetcher that does not verify when they do not hash to the CID', async () => {
    const wanted = randomBlock(512)
    const impostor = randomBlock(512)
    const blocks = createBlockService({ blockstore, leases, fetcher: fetcherOf(impostor.bytes, false) })
    await expect(blocks.get(wanted.cid)).rejects.toMatchObject({ name: 'BlockMismatchError' })
    expect(await blockstore.has(wanted.cid)).toBe(false)
  })
})

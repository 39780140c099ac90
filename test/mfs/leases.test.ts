/**
 * The MFS's GC-safety rule, checked on every block it writes: a shared GC lease is held while
 * the block is written and until the root that references it is stored.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openNode, type CoreNode } from '../../core/index.ts'
import { Mfs, MFS_DATASTORE, ROOT_KEY } from '../../mfs/index.ts'
import { initRepo, type MetadataStore } from '../../repo/index.ts'
import type { Block, Lease } from '../../blockstore/index.ts'

async function * once (data: Uint8Array): AsyncGenerator<Uint8Array> {
  yield data
}

describe('MFS and GC leases', () => {
  let dir: string
  let node: CoreNode
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cairn-mfs-'))
    await initRepo(join(dir, 'repo'), { profiles: ['test'] })
    node = await openNode(join(dir, 'repo'))
  })
  afterAll(async () => {
    await node?.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('writes every block and stores every root under a lease, released only after the root is stored', async () => {
    let held = 0
    const violations: string[] = []
    const events: string[] = []
    const datastore = node.metadata.sub(MFS_DATASTORE)
    const watched: MetadataStore = {
      ...datastore,
      get: datastore.get.bind(datastore),
      put: async (key, value, options) => {
        if (Buffer.compare(key, ROOT_KEY) === 0) {
          if (held === 0) violations.push('root stored without a lease')
          events.push('root')
        }
        await datastore.put(key, value, options)
      }
    }
    const mfs = new Mfs({
      blocks: node.blocks,
      sink: {
        putMany: async (blocks: Block[], options) => {
          if (held === 0) violations.push(`${blocks.length} blocks written without a lease`)
          await node.blockstore.putMany(blocks, options)
        }
      },
      leases: {
        acquire: async (options): Promise<Lease> => {
          const lease = await node.gc.lease(options)
          held++
          let released = false
          return {
            release () {
              if (released) return
              released = true
              held--
              events.push('release')
              lease.release()
            }
          }
        }
      },
      datastore: watched
    })
    await mfs.mkdir('/a/b', { parents: true })
    await Promise.all(Array.from({ length: 5 }, async (_, i) => {
      await mfs.write(`/a/b/f${i}`, once(new Uint8Array(300_000).fill(i)), { create: true, importer: { chunker: 'size-1024' } })
    }))
    await mfs.write('/a/b/f0', once(new Uint8Array(10).fill(9)), { offset: 5 })
    await mfs.cp(await mfs.lookup('/a/b/f1'), 'f1', '/copy')
    await mfs.chmod('/copy', 0o644)
    await mfs.mv('/copy', '/a/moved')
    await mfs.rm('/a/b', { recursive: true })
    expect(violations).toEqual([])
    expect(held).toBe(0)
    // each root is stored before the lease of its edit ends
    expect(events[0]).toBe('root')
    expect(events.filter(e => e === 'root').length).toBeGreaterThanOrEqual(10)
  })
})

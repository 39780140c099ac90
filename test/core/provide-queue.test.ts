/**
 * The provide queue alone (routing stubbed through its interface): it deduplicates, stays
 * bounded (counting what it turned away), drains through `Routing.provide`, and records
 * failures instead of hiding them.
 */
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { describe, expect, it } from 'vitest'
import { ContentProvider } from '../../core/provider.ts'
import { waitFor } from '../helpers/wait.ts'
import type { PackBlockstore, Pins } from '../../blockstore/index.ts'
import type { Routing } from '../../routing/index.ts'

async function cid (n: number): Promise<CID> {
  return CID.createV1(raw.code, await sha256.digest(new TextEncoder().encode(`block ${n}`)))
}

function provider (provide: (cid: CID) => Promise<void>, queueSize?: number): ContentProvider {
  const routing = { provide } as unknown as Routing
  const blockstore = { onBlock: () => () => {} } as unknown as PackBlockstore
  return new ContentProvider({ blockstore, pins: {} as Pins, routing }, { strategy: 'roots', queueSize })
}

describe('the provide queue', () => {
  it('queues nothing before start, deduplicates, and drains through Routing.provide', async () => {
    const provided: string[] = []
    const p = provider(async c => { provided.push(c.multihash.toString()) })
    p.enqueue(await cid(0))
    expect(p.stats().queued).toBe(0)
    await p.start()
    const cids = await Promise.all([1, 2, 3].map(cid))
    for (const c of [...cids, ...cids]) p.enqueue(c)
    expect(p.stats().queued).toBe(3)
    await waitFor(() => p.stats().provided === 3, { message: 'three provides' })
    expect(provided.sort()).toEqual(cids.map(c => c.multihash.toString()).sort())
    await p.stop()
  })

  it('is bounded: keys beyond its size are counted as dropped, and failures are reported', async () => {
    let release: (() => void) | undefined
    const gate = new Promise<void>(resolve => { release = resolve })
    const p = provider(async () => {
      await gate
      throw Object.assign(new Error('no peer took the provider record'), { name: 'NoPeersError' })
    }, 2)
    await p.start()
    for (const c of await Promise.all([1, 2, 3, 4].map(cid))) p.enqueue(c)
    expect(p.stats().dropped).toBe(2)
    release?.()
    await waitFor(() => p.stats().failed === 2, { message: 'two failures' })
    expect(p.stats().lastError).toMatch(/no peer took/)
    await p.stop()
  })
})

import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { Level } from 'level'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { LevelDHTDatastore, MemoryDHTDatastore } from '../../dht/index.ts'
import { ProviderStore } from '../../dht/provider-store.ts'
import { logger, peerIds } from './helpers.ts'

const key = (n: number): Uint8Array => new Uint8Array([0x12, 0x20, ...new Uint8Array(31), n])
const addrs = [multiaddr('/ip4/1.2.3.4/tcp/4001')]

describe('provider store', () => {
  const temps: string[] = []
  afterEach(async () => {
    vi.useRealTimers()
    await Promise.all(temps.splice(0).map(async d => rm(d, { recursive: true, force: true })))
  })

  it('stores, refreshes and returns providers with their addresses', async () => {
    const [a, b] = await peerIds(2)
    const store = new ProviderStore({ datastore: new MemoryDHTDatastore(), logger })
    expect(await store.add(key(1), { id: a, multiaddrs: addrs })).toBe('added')
    expect(await store.add(key(1), { id: a, multiaddrs: addrs })).toBe('refreshed')
    expect(await store.add(key(1), { id: b, multiaddrs: addrs })).toBe('added')
    const got = await store.get(key(1))
    expect(got.map(p => p.id.toString()).sort()).toEqual([a.toString(), b.toString()].sort())
    expect(got[0].multiaddrs.map(String)).toEqual(['/ip4/1.2.3.4/tcp/4001'])
    expect(await store.get(key(2))).toEqual([])
    expect(store.size).toBe(2)
  })

  it('expires records after their validity and deletes them in the cleanup', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const [a] = await peerIds(1)
    const store = new ProviderStore({ datastore: new MemoryDHTDatastore(), logger }, { validity: 48 * 3600_000 })
    await store.add(key(1), { id: a, multiaddrs: addrs })
    vi.setSystemTime(Date.now() + 47 * 3600_000)
    expect(await store.get(key(1))).toHaveLength(1)
    vi.setSystemTime(Date.now() + 2 * 3600_000)
    expect(await store.get(key(1))).toEqual([])
    expect(await store.cleanup()).toBe(1)
    expect(store.size).toBe(0)
  })

  it('limits records per peer, in total and per key', async () => {
    const [a, b, c, d] = await peerIds(4)
    const store = new ProviderStore({ datastore: new MemoryDHTDatastore(), logger }, { maxPerPeer: 2, maxTotal: 3, maxPerKey: 2 })
    expect(await store.add(key(1), { id: a, multiaddrs: addrs })).toBe('added')
    expect(await store.add(key(2), { id: a, multiaddrs: addrs })).toBe('added')
    expect(await store.add(key(3), { id: a, multiaddrs: addrs })).toBe('peer-limit')
    expect(await store.add(key(3), { id: b, multiaddrs: addrs })).toBe('added')
    expect(await store.add(key(4), { id: c, multiaddrs: addrs })).toBe('total-limit')
    // per key: the oldest makes room (key 1 has a; add b then c → a leaves)
    const perKey = new ProviderStore({ datastore: new MemoryDHTDatastore(), logger }, { maxPerKey: 2 })
    await perKey.add(key(1), { id: a, multiaddrs: addrs })
    await perKey.add(key(1), { id: b, multiaddrs: addrs })
    await perKey.add(key(1), { id: d, multiaddrs: addrs })
    expect((await perKey.get(key(1))).map(p => p.id.toString()).sort()).toEqual([b.toString(), d.toString()].sort())
    expect(perKey.size).toBe(2)
  })

  it('survives a restart in LevelDB, counts included', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cairn-providers-'))
    temps.push(dir)
    const [a] = await peerIds(1)
    let db = new Level<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' })
    const first = new ProviderStore({ datastore: new LevelDHTDatastore(db), logger }, { maxPerPeer: 1 })
    await first.start()
    await first.add(key(1), { id: a, multiaddrs: addrs })
    first.stop()
    await db.close()
    db = new Level<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' })
    const second = new ProviderStore({ datastore: new LevelDHTDatastore(db), logger }, { maxPerPeer: 1 })
    await second.start()
    try {
      expect((await second.get(key(1))).map(p => p.id.toString())).toEqual([a.toString()])
      expect(await second.add(key(2), { id: a, multiaddrs: addrs })).toBe('peer-limit')
    } finally {
      second.stop()
      await db.close()
    }
  })
})

import { multiaddr } from '@multiformats/multiaddr'
import { describe, expect, it } from 'vitest'
import { MemoryDHTDatastore } from '../../dht/index.ts'
import { PeerCache } from '../../dht/peer-cache.ts'
import { RoutingTable } from '../../dht/routing-table.ts'
import { logger, peerIds, waitFor } from './helpers.ts'

describe('peer cache', () => {
  it('follows the table and reloads its contacts, most recently seen first', async () => {
    const [self, a, b] = await peerIds(3)
    const datastore = new MemoryDHTDatastore()
    const table = new RoutingTable({ peerId: self, logger, ping: async () => true }, { ipDiversity: false })
    const cache = new PeerCache({ datastore, logger })
    cache.attach(table)
    await table.add(a, [multiaddr('/ip4/1.1.1.1/tcp/1')])
    await table.add(b, [multiaddr(`/ip4/2.2.2.2/tcp/2/p2p/${b.toString()}`)])
    await waitFor(async () => (await cache.load()).length === 2, 'both contacts to be cached')
    table.remove(a)
    await waitFor(async () => (await cache.load()).length === 1, 'the removed contact to leave the cache')
    await cache.close(table)
    const loaded = await new PeerCache({ datastore, logger }).load()
    expect(loaded.map(p => p.id.toString())).toEqual([b.toString()])
    // stored without the /p2p/ suffix: the ID is the key
    expect(loaded[0].multiaddrs.map(String)).toEqual(['/ip4/2.2.2.2/tcp/2'])
  })

  it('drops unreadable entries instead of failing the start', async () => {
    const datastore = new MemoryDHTDatastore()
    await datastore.put('/peers/not-a-peer-id', new Uint8Array([1, 2, 3]))
    expect(await new PeerCache({ datastore, logger }).load()).toEqual([])
    expect(await datastore.get('/peers/not-a-peer-id')).toBeUndefined()
  })
})

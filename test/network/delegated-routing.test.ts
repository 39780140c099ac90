/**
 * Delegated routing end to end, with real `cairn daemon`s on loopback: a router daemon serves the
 * Delegated Routing V1 HTTP API from its gateway (`Gateway.ExposeRoutingAPI`, on by default) and
 * answers from its DHT; a seeder daemon in the same DHT provides content; a client daemon with no
 * DHT at all (`Routing.Type` `delegated`, the router as its only `Routing.DelegatedRouters`)
 * finds the seeder through the router and fetches the content from it. Helia's
 * `@helia/delegated-routing-v1-http-api-client` talks to the same router.
 */
import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { defaultLogger } from '@libp2p/logger'
import { peerIdFromString } from '@libp2p/peer-id'
import { delegatedRoutingV1HttpApiClient, type DelegatedRoutingV1HttpApiClient } from '@helia/delegated-routing-v1-http-api-client'
import { CID } from 'multiformats/cid'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRecord, formatIpnsName, nameOfKey } from '../../naming/index.ts'
import { waitFor } from '../helpers/wait.ts'
import { killDaemon, startDaemon, type Daemon } from './helpers.ts'

describe('delegated routing between daemons on loopback', () => {
  const daemons: Daemon[] = []
  let router: Daemon
  let seeder: Daemon
  let client: Daemon
  let helia: DelegatedRoutingV1HttpApiClient
  const data = randomBytes(600 * 1024 + 7)
  let cid = ''

  beforeAll(async () => {
    daemons.push(...await Promise.all([startDaemon(), startDaemon()]))
    ;[router, seeder] = daemons
    expect((await seeder.repo.run(['swarm', 'connect', router.addr])).code).toBe(0)
    const file = join(seeder.repo.dir, 'data.bin')
    await writeFile(file, data)
    const added = await seeder.repo.run(['add', '-Q', '--cid-version', '1', '--raw-leaves', file])
    expect(added.code).toBe(0)
    cid = added.out.trim()
    // the provider record goes to the router, the seeder's only DHT peer, once it is in the table
    await waitFor(async () => (await seeder.repo.run(['routing', 'provide', cid])).code === 0, { timeout: 30_000, interval: 250 })
    client = await startDaemon({ config: [['Routing.Type', 'delegated'], ['--json', 'Routing.DelegatedRouters', JSON.stringify([router.gateway])]] })
    daemons.push(client)
    helia = delegatedRoutingV1HttpApiClient({ url: router.gateway, timeout: 30_000 })({ logger: defaultLogger() })
    await helia.start()
  }, 180_000)

  afterAll(async () => {
    await helia?.stop()
    await Promise.all(daemons.map(async d => {
      await killDaemon(d)
      await d.repo.cleanup()
    }))
  })

  it('a daemon without a DHT finds the provider through the router and fetches the content', async () => {
    const found = await client.repo.run(['routing', 'findprovs', '-n', '1', cid])
    expect(found.stderr).toBe('')
    expect(found.out.trim().split('\n')).toContain(seeder.id)
    const cat = await client.repo.run(['cat', cid])
    expect(cat.code).toBe(0)
    expect(Buffer.compare(cat.stdout, data)).toBe(0)
    // and it never pretends to provide: the HTTP API has no provide
    const provide = await client.repo.run(['routing', 'provide', cid])
    expect(provide.code).toBe(1)
    expect(provide.stderr).toMatch(/^Error: .*cannot take provider records/m)
  })

  it('Helia\'s client reads providers and peers from our router', async () => {
    const providers = []
    for await (const p of helia.getProviders(CID.parse(cid))) providers.push(p)
    const seederRecord = providers.find(p => peerIdFromString(p.ID.toString()).toString() === seeder.id)
    expect(seederRecord?.Schema).toBe('peer')
    expect(seederRecord?.Addrs.length).toBeGreaterThan(0)
    const peers = []
    for await (const p of helia.getPeers(peerIdFromString(seeder.id).toCID())) peers.push(p)
    expect(peers.map(p => peerIdFromString(p.ID.toString()).toString())).toEqual([seeder.id])
    expect(peers[0].Addrs.map(a => a.toString())).toContain(seeder.addr.replace(/\/p2p\/.*$/, ''))
    // nobody provides this: an empty answer, not an error
    const none = []
    for await (const p of helia.getProviders(CID.parse('bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'))) none.push(p)
    expect(none).toEqual([])
  }, 90_000)

  it('Helia\'s client puts an IPNS record through our router, which the delegated daemon then resolves', async () => {
    const key = await generateKeyPair('Ed25519')
    const nameCid = CID.createV1(0x72, peerIdFromString(formatIpnsName(nameOfKey(key), 'base58btc')).toMultihash())
    const record = await createRecord(key, `/ipfs/${cid}`, 3n, 3600_000)
    await helia.putIPNS(nameCid, record)
    expect(new Uint8Array(await helia.getIPNS(nameCid))).toEqual(record)
    const resolved = await client.repo.run(['name', 'resolve', '--nocache', formatIpnsName(nameOfKey(key))])
    expect(resolved.stderr).toBe('')
    expect(resolved.out.trim()).toBe(`/ipfs/${cid}`)
    // a record that is not the name's is refused by the router
    const forged = await createRecord(await generateKeyPair('Ed25519'), '/ipfs/bafkqaaa', 9n, 3600_000)
    await expect(helia.putIPNS(nameCid, forged)).rejects.toThrow(/status other than 200/)
  }, 90_000)
})

/**
 * IPNS across implementations on loopback: a real `cairn daemon` and a js-libp2p node running
 * `@libp2p/kad-dht` with the `ipns` package's validator and selector (what Helia runs). A name
 * the daemon publishes is read and judged valid by kad-dht; a record the js node makes with the
 * `ipns` package and puts through kad-dht resolves on the daemon.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPublicKey, peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { createIPNSRecord, marshalIPNSRecord, multihashToIPNSRoutingKey, unmarshalIPNSRecord } from 'ipns'
import { ipnsSelector } from 'ipns/selector'
import { ipnsValidator } from 'ipns/validator'
import { base36 } from 'multiformats/bases/base36'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createJsNode } from '../dht/swarm.ts'
import { createTestRepo, type TestRepo } from '../helpers/cli.ts'
import { waitFor } from '../helpers/wait.ts'
import { startDaemon, stopDaemon, type Daemon } from './helpers.ts'
import type { KadDHT as JsKadDHT } from '@libp2p/kad-dht'
import type { Libp2p } from 'libp2p'

/** Identity CIDs: the values resolve without any block to fetch. */
const VALUE_CAIRN = '/ipfs/bafkqaetqovrgy2ltnbswiidcpeqggyljojxa'
const VALUE_JS = '/ipfs/bafkqafdqovrgy2ltnbswiidcpeqgwylefvsgq5a'

describe('IPNS between a Cairn daemon and @libp2p/kad-dht with the ipns validator', () => {
  let repo: TestRepo
  let daemon: Daemon | undefined
  let js: Libp2p<{ dht: JsKadDHT }>
  let daemonId = ''

  beforeAll(async () => {
    repo = await createTestRepo()
    daemon = await startDaemon({ repo })
    daemonId = daemon.id
    js = await createJsNode({ validators: { ipns: ipnsValidator }, selectors: { ipns: ipnsSelector } })
    await js.start()
    await js.dial(multiaddr(daemon.addr))
    // each side must hold the other as a DHT server before records can travel
    const jsTable = (js.services.dht as unknown as { routingTable: { find(peer: ReturnType<typeof peerIdFromString>): Promise<unknown> } }).routingTable
    await waitFor(async () => (await jsTable.find(peerIdFromString(daemonId))) != null, { timeout: 30_000, message: 'kad-dht to admit the daemon' })
    await waitFor(async () => {
      const peers = await repo.run(['dht', 'query', js.peerId.toString()])
      return peers.out.includes(js.peerId.toString())
    }, { timeout: 30_000, interval: 500, message: 'the daemon to know the js node' })
  }, 120_000)

  afterAll(async () => {
    await js?.stop()
    if (daemon != null) await stopDaemon(daemon)
    await repo?.cleanup()
  }, 30_000)

  it('a name the daemon publishes is found by kad-dht, and the ipns package judges it valid', async () => {
    const published = await repo.run(['name', 'publish', '--enc=json', VALUE_CAIRN])
    expect(published.stderr).toBe('')
    const { Name } = JSON.parse(published.out) as { Name: string }
    expect(peerIdFromString(daemonId).toCID().toString(base36)).toBe(Name)
    const key = multihashToIPNSRoutingKey(peerIdFromString(daemonId).toMultihash())
    let found: Uint8Array | undefined
    for await (const event of js.services.dht.get(key, { signal: AbortSignal.timeout(20_000) })) {
      if (event.name === 'VALUE') found = event.value
    }
    expect(found).toBeDefined()
    await ipnsValidator(key, found as Uint8Array)
    expect(unmarshalIPNSRecord(found as Uint8Array).value).toBe(VALUE_CAIRN)
  }, 60_000)

  it('a record the js node makes and puts through kad-dht resolves on the daemon', async () => {
    const key = await generateKeyPair('Ed25519')
    const record = await createIPNSRecord(key, VALUE_JS, 3n, 3600_000)
    const routingKey = multihashToIPNSRoutingKey(key.publicKey.toMultihash())
    for await (const event of js.services.dht.put(routingKey, marshalIPNSRecord(record), { signal: AbortSignal.timeout(20_000) })) void event
    const name = peerIdFromPublicKey(key.publicKey).toCID().toString(base36)
    const resolved = await repo.run(['name', 'resolve', '--nocache', name])
    expect(resolved.stderr).toBe('')
    expect(resolved.out.trim()).toBe(VALUE_JS)
    // and the daemon keeps exactly the bytes kad-dht put
    const got = await repo.run(['routing', 'get', `/ipns/${name}`])
    expect(got.stdout.equals(Buffer.from(marshalIPNSRecord(record)))).toBe(true)
  }, 60_000)
})

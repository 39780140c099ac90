import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { PeerId } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { beforeAll, describe, expect, it } from 'vitest'
import { NotFoundError, PeerNotFoundError, TimeoutError } from '../../errors/index.ts'
import { createCompositeRouting, type PeerInfo, type Routing } from '../../routing/index.ts'

async function peer (): Promise<PeerId> {
  return peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
}

const info = (id: PeerId, port = 4001): PeerInfo => ({ id, multiaddrs: [multiaddr(`/ip4/127.0.0.1/tcp/${port}`)] })

/** A router whose every method fails, unless a test overrides it. */
function stub (overrides: Partial<Routing> = {}): Routing {
  const fail = (): never => { throw new Error('not expected in this test') }
  return {
    provide: async () => { fail() },
    put: async () => { fail() },
    get: async () => fail(),
    findPeer: async () => fail(),
    findProviders: async function * () { fail() },
    getClosestPeers: async function * () { fail() },
    ...overrides
  }
}

async function collect<T> (source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const item of source) out.push(item)
  return out
}

/** Resolves once `signal` fires (the router was told to stop). */
function aborted (signal: AbortSignal | undefined): Promise<never> {
  return new Promise((_resolve, reject) => {
    signal?.addEventListener('abort', () => { reject(new TimeoutError('stopped')) }, { once: true })
  })
}

let cid: CID
let a: PeerId, b: PeerId, c: PeerId

beforeAll(async () => {
  cid = CID.createV1(0x55, await sha256.digest(new TextEncoder().encode('hello')))
  ;[a, b, c] = await Promise.all([peer(), peer(), peer()])
})

describe('composite routing with no router', () => {
  it('fails every call with RoutingOffError saying routing is off, and never yields', async () => {
    const routing = createCompositeRouting({ routers: [] }, { offReason: 'the node is offline' })
    const expected = { name: 'RoutingOffError', message: expect.stringMatching(/^routing is off: the node is offline/) }
    await expect(routing.provide(cid)).rejects.toMatchObject(expected)
    await expect(routing.put(Uint8Array.of(1), Uint8Array.of(2))).rejects.toMatchObject(expected)
    await expect(routing.get(Uint8Array.of(1))).rejects.toMatchObject(expected)
    await expect(routing.findPeer(a)).rejects.toMatchObject(expected)
    await expect(collect(routing.findProviders(cid))).rejects.toMatchObject(expected)
    await expect(collect(routing.getClosestPeers(Uint8Array.of(1)))).rejects.toMatchObject(expected)
    await expect(createCompositeRouting({ routers: [] }).provide(cid)).rejects.toThrow('routing is off: no router is configured')
  })
})

describe('composite routing', () => {
  it('merges providers from every router, each peer once, and goes on when one router fails', async () => {
    const one = stub({ findProviders: async function * () { yield info(a); yield info(b) } })
    const two = stub({ findProviders: async function * () { yield info(b, 5000); yield info(c) } })
    const broken = stub({
      findProviders: async function * () { throw new TimeoutError('the delegated router did not answer') }
    })
    const routing = createCompositeRouting({ routers: [one, broken, two] })
    const found = await collect(routing.findProviders(cid))
    expect(found.map(p => p.id.toString()).sort()).toEqual([a, b, c].map(p => p.toString()).sort())
    // a stop after n providers ends every stream
    expect(await collect(routing.findProviders(cid, { maxProviders: 1 }))).toHaveLength(1)
  })

  it('fails findProviders only when every router failed', async () => {
    const broken = stub({
      findProviders: async function * () { throw new TimeoutError('slow') }
    })
    const routing = createCompositeRouting({ routers: [broken, broken] })
    await expect(collect(routing.findProviders(cid))).rejects.toMatchObject({ name: 'TimeoutError' })
    const empty = createCompositeRouting({ routers: [stub({ findProviders: async function * () {} })] })
    expect(await collect(empty.findProviders(cid))).toEqual([])
  })

  it('findPeer and get: the first answer wins and the slower routers are told to stop', async () => {
    let slowStopped = false
    const slow = stub({
      findPeer: async (_peer, options) => {
        try { return await aborted(options?.signal) } finally { slowStopped = true }
      },
      get: async (_key, options) => await aborted(options?.signal)
    })
    const quick = stub({ findPeer: async (id) => info(id), get: async () => Uint8Array.of(42) })
    const routing = createCompositeRouting({ routers: [slow, quick] })
    expect((await routing.findPeer(a)).id.equals(a)).toBe(true)
    await expect.poll(() => slowStopped).toBe(true)
    expect(await routing.get(Uint8Array.of(1))).toEqual(Uint8Array.of(42))
  })

  it('combines the errors when no router answers: a failure beats "not found", all "not found" stays not found', async () => {
    const none = stub({
      findPeer: async () => { throw new PeerNotFoundError('the DHT has no record') },
      get: async () => { throw new NotFoundError('the DHT has no record') }
    })
    const alsoNone = stub({
      findPeer: async () => { throw new PeerNotFoundError('the HTTP router has no record') },
      get: async () => { throw new NotFoundError('the HTTP router has no record') }
    })
    const failing = stub({ get: async () => { throw new TimeoutError('the HTTP router timed out') } })
    const bothNone = createCompositeRouting({ routers: [none, alsoNone] })
    const err = await bothNone.findPeer(a).then(() => new Error('answered'), (e: unknown) => e as Error)
    expect(err).toMatchObject({ name: 'PeerNotFoundError' })
    expect(err.message).toContain('the DHT has no record')
    expect(err.message).toContain('the HTTP router has no record')
    expect(err.cause).toBeInstanceOf(AggregateError)
    await expect(bothNone.get(Uint8Array.of(1))).rejects.toMatchObject({ name: 'NotFoundError' })
    await expect(createCompositeRouting({ routers: [none, failing] }).get(Uint8Array.of(1)))
      .rejects.toMatchObject({ name: 'TimeoutError', message: 'the HTTP router timed out' })
  })

  it('provide and put go to every router and succeed when one succeeds', async () => {
    const calls: string[] = []
    const ok = stub({
      provide: async () => { calls.push('ok provide') },
      put: async () => { calls.push('ok put') }
    })
    const bad = stub({
      provide: async () => { calls.push('bad provide'); throw new TimeoutError('no peers') },
      put: async () => { calls.push('bad put'); throw new TimeoutError('no peers') }
    })
    await createCompositeRouting({ routers: [bad, ok] }).provide(cid)
    await createCompositeRouting({ routers: [bad, ok] }).put(Uint8Array.of(1), Uint8Array.of(2))
    expect(calls.sort()).toEqual(['bad provide', 'bad put', 'ok provide', 'ok put'])
    await expect(createCompositeRouting({ routers: [bad] }).provide(cid)).rejects.toMatchObject({ name: 'TimeoutError' })
  })

  it('passes the caller\'s abort on to every router', async () => {
    const hanging = stub({ get: async (_key, options) => await aborted(options?.signal) })
    const controller = new AbortController()
    const pending = createCompositeRouting({ routers: [hanging, hanging] }).get(Uint8Array.of(1), { signal: controller.signal })
    controller.abort()
    await expect(pending).rejects.toMatchObject({ name: 'AbortedError' })
  })
})

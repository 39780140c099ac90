/**
 * The delegated HTTP router (routing/http-router.ts) over real HTTP on loopback: against servers
 * that answer as the spec says (JSON, NDJSON, 404, IPNS records), against hostile ones (garbage,
 * a flood, a drip, a redirect) that must end in a named error within the router's bounds, and
 * inside the composite router, where the operations it cannot do never hide the DHT's answer.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { afterEach, describe, expect, it } from 'vitest'
import { createDelegatedRouters } from '../../core/network.ts'
import { NotFoundError } from '../../errors/index.ts'
import { cairnLogger } from '../../logger/index.ts'
import { createRecord, formatIpnsName, ipnsRoutingKey, nameOfKey } from '../../naming/index.ts'
import { readRouting } from '../../repo/index.ts'
import { createCompositeRouting, createHttpRouter, type PeerInfo, type Routing } from '../../routing/index.ts'

type Handler = (req: IncomingMessage, res: ServerResponse) => void

const servers: Server[] = []

async function serve (handler: Handler): Promise<string> {
  const server = createServer(handler)
  servers.push(server)
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections()
    await new Promise(resolve => server.close(resolve))
  }
})

async function cidOf (text: string): Promise<CID> {
  return CID.createV1(raw.code, await sha256.digest(new TextEncoder().encode(text)))
}

async function collect<T> (source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const item of source) out.push(item)
  return out
}

async function failure (promise: Promise<unknown>): Promise<Error> {
  try {
    await promise
  } catch (err) {
    return err as Error
  }
  throw new Error('expected a failure')
}

describe('the delegated HTTP router', () => {
  it('reads providers from JSON and from NDJSON, skipping records it cannot use', async () => {
    const a = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const b = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const cid = await cidOf('x')
    const records = [
      { Schema: 'peer', ID: a.toString(), Addrs: ['/ip4/127.0.0.1/tcp/1', 'not an address'], Protocols: ['transport-bitswap'] },
      { Schema: 'unknown-schema', ID: b.toString() },
      { Schema: 'peer', ID: b.toCID().toString(), Addrs: [] }
    ]
    let accept = ''
    let path = ''
    const json = await serve((req, res) => {
      accept = req.headers.accept ?? ''
      path = req.url ?? ''
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ Providers: records }))
    })
    const found = await collect(createHttpRouter({}, { url: `${json}/` }).findProviders(cid))
    expect(path).toBe(`/routing/v1/providers/${cid}`)
    expect(accept).toContain('application/x-ndjson')
    expect(found.map(p => p.id.toString())).toEqual([a.toString(), b.toString()])
    expect(found[0].multiaddrs.map(m => m.toString())).toEqual(['/ip4/127.0.0.1/tcp/1'])
    const ndjson = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/x-ndjson' }).end(records.map(r => JSON.stringify(r)).join('\n'))
    })
    expect((await collect(createHttpRouter({}, { url: ndjson }).findProviders(cid))).length).toBe(2)
    expect((await collect(createHttpRouter({}, { url: ndjson }).findProviders(cid, { maxProviders: 1 }))).length).toBe(1)
  })

  it('says NotFoundError for a 404 and for an empty list (IPIP-513)', async () => {
    const notFound = await serve((_req, res) => { res.writeHead(404).end() })
    const empty = await serve((_req, res) => { res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"Providers":null}') })
    for (const url of [notFound, empty]) {
      const err = await failure(collect(createHttpRouter({}, { url }).findProviders(await cidOf('y'))))
      expect(err.name).toBe('NotFoundError')
    }
    const peer = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    expect((await failure(createHttpRouter({}, { url: notFound }).findPeer(peer))).name).toBe('PeerNotFoundError')
  })

  it('ends garbage, a flood, a drip and a redirect with a named error, never a hang', async () => {
    const cid = await cidOf('z')
    const garbage = await serve((_req, res) => { res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"Providers": [ {oops') })
    expect((await failure(collect(createHttpRouter({}, { url: garbage }).findProviders(cid)))).name).toBe('ProtocolError')
    const badLine = await serve((_req, res) => { res.writeHead(200, { 'Content-Type': 'application/x-ndjson' }).end('\u0000\u0001garbage\n') })
    expect((await failure(collect(createHttpRouter({}, { url: badLine }).findProviders(cid)))).name).toBe('ProtocolError')
    const wrongType = await serve((_req, res) => { res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html>') })
    expect((await failure(collect(createHttpRouter({}, { url: wrongType }).findProviders(cid)))).name).toBe('ProtocolError')

    // an endless body: the router stops reading at its limit
    let sent = 0
    const flood = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' })
      const chunk = Buffer.alloc(64 * 1024, 0x20)
      const pump = (): void => {
        while (!res.destroyed && sent < 1024 ** 3) {
          sent += chunk.length
          if (!res.write(chunk)) {
            res.once('drain', pump)
            return
          }
        }
      }
      res.write('{"Providers":[')
      pump()
    })
    const floodErr = await failure(collect(createHttpRouter({}, { url: flood, maxResponseBytes: 1024 * 1024 }).findProviders(cid)))
    expect(floodErr.name).toBe('ProtocolError')
    expect(floodErr.message).toMatch(/more than 1048576 bytes/)
    expect(sent).toBeLessThan(64 * 1024 * 1024)
    // one endless NDJSON line: refused once it is longer than a record can be
    const longLine = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/x-ndjson' })
      res.end('{"Schema":"peer","ID":"' + 'x'.repeat(200 * 1024))
    })
    expect((await failure(collect(createHttpRouter({}, { url: longLine }).findProviders(cid)))).message).toMatch(/NDJSON line over/)

    // a byte now and then: the deadline covers the body, not only the headers
    const timers = new Set<ReturnType<typeof setInterval>>()
    const drip = await serve((req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/x-ndjson' })
      const timer = setInterval(() => res.write(' '), 50)
      timers.add(timer)
      req.socket.on('close', () => { clearInterval(timer) })
    })
    const started = Date.now()
    const dripErr = await failure(collect(createHttpRouter({}, { url: drip, timeoutMs: 800 }).findProviders(cid)))
    expect(dripErr.name).toBe('TimeoutError')
    expect(Date.now() - started).toBeLessThan(10_000)
    for (const t of timers) clearInterval(t)

    const silent = await serve(() => {})
    expect((await failure(createHttpRouter({}, { url: silent, timeoutMs: 500 }).get(ipnsRoutingKey(nameOfKey(await generateKeyPair('Ed25519')))))).name).toBe('TimeoutError')
    const redirect = await serve((_req, res) => { res.writeHead(302, { Location: 'http://127.0.0.1:1/' }).end() })
    expect((await failure(collect(createHttpRouter({}, { url: redirect }).findProviders(cid)))).name).toBe('ProtocolError')
  }, 30_000)

  it('gets and puts IPNS records, and refuses what the API cannot do with RoutingNotSupportedError', async () => {
    const key = await generateKeyPair('Ed25519')
    const record = await createRecord(key, '/ipfs/bafkqaaa', 1n, 3600_000)
    const stored = new Map<string, Buffer>()
    const url = await serve((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        if (req.method === 'PUT') {
          expect(req.headers['content-type']).toBe('application/vnd.ipfs.ipns-record')
          stored.set(req.url ?? '', Buffer.concat(chunks))
          res.writeHead(200).end()
          return
        }
        const body = stored.get(req.url ?? '')
        if (body == null) res.writeHead(404).end()
        else res.writeHead(200, { 'Content-Type': 'application/vnd.ipfs.ipns-record' }).end(body)
      })
    })
    const router = createHttpRouter({}, { url })
    const routingKey = ipnsRoutingKey(nameOfKey(key))
    expect((await failure(router.get(routingKey))).name).toBe('NotFoundError')
    await router.put(routingKey, record)
    expect([...stored.keys()]).toEqual([`/routing/v1/ipns/${formatIpnsName(nameOfKey(key))}`])
    expect(await router.get(routingKey)).toEqual(record)
    expect((await failure(router.provide(await cidOf('p')))).name).toBe('RoutingNotSupportedError')
    expect((await failure(router.get(new TextEncoder().encode('/pk/abc')))).name).toBe('RoutingNotSupportedError')
    expect((await failure(collect(router.getClosestPeers(Uint8Array.of(1))))).name).toBe('RoutingNotSupportedError')
  })

  it('in the composite: its providers join the DHT\'s, and what it cannot do leaves the DHT\'s answer', async () => {
    const a = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const b = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/x-ndjson' }).end(JSON.stringify({ Schema: 'peer', ID: a.toString(), Addrs: ['/ip4/127.0.0.1/tcp/1'] }) + '\n')
    })
    const dht: Routing = {
      provide: async () => { throw new NotFoundError('no peer took it') },
      findProviders: async function * (): AsyncGenerator<PeerInfo> { yield { id: b, multiaddrs: [multiaddr('/ip4/127.0.0.1/tcp/2')] } },
      findPeer: async () => { throw new NotFoundError('x') },
      getClosestPeers: async function * (): AsyncGenerator<PeerInfo> {},
      put: async () => {},
      get: async () => { throw new NotFoundError('no record found for the key') }
    }
    const routing = createCompositeRouting({ routers: [dht, createHttpRouter({}, { url })] })
    const found = await collect(routing.findProviders(await cidOf('q')))
    expect(found.map(p => p.id.toString()).sort()).toEqual([a.toString(), b.toString()].sort())
    expect((await failure(routing.provide(await cidOf('q')))).name).toBe('NotFoundError')
    expect((await failure(routing.get(new TextEncoder().encode('/pk/x')))).name).toBe('NotFoundError')
    // alone, it says plainly that it cannot provide
    expect((await failure(createCompositeRouting({ routers: [createHttpRouter({}, { url })] }).provide(await cidOf('q')))).name).toBe('RoutingNotSupportedError')
  })

  it('the node makes one router per Routing.DelegatedRouters URL, and none when Routing.Type is none', () => {
    const urls = ['http://127.0.0.1:1', 'http://127.0.0.1:2']
    const logger = cairnLogger()
    expect(createDelegatedRouters({ Routing: { Type: 'delegated', DelegatedRouters: urls } }, logger)).toHaveLength(2)
    expect(createDelegatedRouters({ Routing: { DelegatedRouters: urls } }, logger).map(String)).toEqual(urls.map(u => `delegated router ${u}`))
    expect(createDelegatedRouters({ Routing: { Type: 'none', DelegatedRouters: urls } }, logger)).toEqual([])
  })

  it('Routing.DelegatedRouters takes http(s) URLs only', () => {
    expect(readRouting({ Routing: { DelegatedRouters: ['https://delegated-ipfs.dev', 'http://127.0.0.1:8080'] } }).DelegatedRouters).toHaveLength(2)
    expect(readRouting({}).DelegatedRouters).toEqual([])
    for (const bad of [['ftp://x'], ['not a url'], 'https://x']) {
      expect(() => readRouting({ Routing: { DelegatedRouters: bad } })).toThrow(/Routing\.DelegatedRouters/)
    }
  })
})

/**
 * The Delegated Routing V1 HTTP API on the gateway, over real HTTP, with the node's routing
 * replaced by a router the test controls (the DHT behind it is tested in
 * test/network/delegated-routing.test.ts): shapes of JSON and NDJSON answers, streaming, `404`
 * with its cache headers, bounded answers and lookups, IPNS records read and written with
 * validation, and the API off when `Gateway.ExposeRoutingAPI` is false.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import type { FastifyInstance } from 'fastify'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openNode, type CoreNode } from '../../core/index.ts'
import { NotFoundError, PeerNotFoundError } from '../../errors/index.ts'
import { createGatewayServer, type GatewayInit } from '../../http-api/index.ts'
import { createRecord, formatIpnsName, ipnsRoutingKey, nameOfKey } from '../../naming/index.ts'
import { initRepo } from '../../repo/index.ts'
import { createHttpRouter, type PeerInfo, type Routing } from '../../routing/index.ts'
import { waitFor } from '../helpers/wait.ts'

interface Answer {
  status: number
  headers: IncomingHttpHeaders
  body: Buffer
}

/** A router the test steers: providers by CID, peers by ID, records by key. */
class TestRouter implements Routing {
  providers = new Map<string, PeerInfo[]>()
  peers = new Map<string, PeerInfo>()
  records = new Map<string, Uint8Array>()
  /** When set, findProviders yields its list then waits for this before it ends. */
  hold?: Promise<void>
  /** When true, every lookup hangs until its signal fires. */
  hang = false

  async provide (): Promise<void> {}
  async * getClosestPeers (): AsyncGenerator<PeerInfo> {}
  async * findProviders (cid: CID, options: { signal?: AbortSignal } = {}): AsyncGenerator<PeerInfo> {
    const list = this.providers.get(cid.toV1().toString()) ?? []
    for (const p of list) yield p
    if (this.hold != null) await this.hold
    if (this.hang) await new Promise((_resolve, reject) => options.signal?.addEventListener('abort', () => { reject(options.signal?.reason) }))
    if (list.length === 0) throw new NotFoundError('none')
  }

  async findPeer (peer: { toString: () => string }): Promise<PeerInfo> {
    const found = this.peers.get(peer.toString())
    if (found == null) throw new PeerNotFoundError('no such peer')
    return found
  }

  async put (key: Uint8Array, value: Uint8Array): Promise<void> {
    this.records.set(Buffer.from(key).toString('hex'), value)
  }

  async get (key: Uint8Array): Promise<Uint8Array> {
    const found = this.records.get(Buffer.from(key).toString('hex'))
    if (found == null) throw new NotFoundError('no record')
    return found
  }
}

async function cidOf (text: string): Promise<CID> {
  return CID.createV1(raw.code, await sha256.digest(new TextEncoder().encode(text)))
}

async function somePeer (port: number): Promise<PeerInfo> {
  return { id: peerIdFromPrivateKey(await generateKeyPair('Ed25519')), multiaddrs: [multiaddr(`/ip4/127.0.0.1/tcp/${port}`)] }
}

function ask (port: number, path: string, options: { method?: string, headers?: Record<string, string>, body?: Uint8Array } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers, agent: false }, res => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }) })
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(options.body)
  })
}

interface Fixture {
  node: CoreNode
  app: FastifyInstance
  port: number
  close: () => Promise<void>
}

async function start (router: Routing, init: GatewayInit = {}): Promise<Fixture> {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-routing-v1-'))
  await initRepo(join(dir, 'repo'), { profiles: ['test'] })
  const node = await openNode(join(dir, 'repo'), { offline: true, routers: [router] })
  const app = createGatewayServer({ node }, init)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  if (address == null || typeof address !== 'object') throw new Error('not listening')
  return {
    node,
    app,
    port: address.port,
    close: async () => {
      await app.close()
      await node.close()
      await rm(dir, { recursive: true, force: true })
    }
  }
}

describe('the Delegated Routing V1 HTTP API on the gateway', () => {
  const router = new TestRouter()
  let fx: Fixture
  let cid: CID
  let providers: PeerInfo[]

  beforeAll(async () => {
    fx = await start(router, { routingTimeoutMs: 1500 })
    cid = await cidOf('provided')
    providers = [await somePeer(4001), await somePeer(4002)]
    router.providers.set(cid.toString(), providers)
  })
  afterAll(async () => { await fx.close() })

  it('answers providers as JSON in the Peer Schema, with CORS and cache headers', async () => {
    const res = await ask(fx.port, `/routing/v1/providers/${cid}`)
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toBe('application/json')
    expect(res.headers['access-control-allow-origin']).toBe('*')
    expect(res.headers['cache-control']).toMatch(/^public, max-age=300,/)
    expect(res.headers.vary).toBe('Accept')
    const body = JSON.parse(res.body.toString()) as { Providers: Array<Record<string, unknown>> }
    expect(body.Providers).toEqual(providers.map(p => ({
      Schema: 'peer', ID: p.id.toString(), Addrs: p.multiaddrs.map(a => a.toString()), Protocols: ['transport-bitswap']
    })))
    // a CIDv0 names the same content
    const v0 = CID.createV0((await cidOf('x')).multihash as Parameters<typeof CID.createV0>[0])
    router.providers.set(v0.toV1().toString(), providers)
    expect((await ask(fx.port, `/routing/v1/providers/${v0}`)).status).toBe(200)
  })

  it('streams NDJSON when asked, the first record before the lookup ends', async () => {
    let release!: () => void
    router.hold = new Promise(resolve => { release = resolve })
    try {
      const lines: string[] = []
      let status = 0
      let type = ''
      const done = new Promise<void>((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port: fx.port, path: `/routing/v1/providers/${cid}`, headers: { Accept: 'application/x-ndjson' }, agent: false }, res => {
          status = res.statusCode ?? 0
          type = String(res.headers['content-type'])
          let text = ''
          res.on('data', (c: Buffer) => {
            text += c.toString()
            lines.splice(0, lines.length, ...text.split('\n').filter(l => l !== ''))
          })
          res.on('end', resolve)
          res.on('error', reject)
        })
        req.on('error', reject)
        req.end()
      })
      // both records arrive while the lookup is still running
      await waitFor(() => lines.length === 2, { timeout: 5000, message: 'the streamed records' })
      expect(status).toBe(200)
      expect(type).toBe('application/x-ndjson')
      release()
      await done
      expect(lines.map(l => (JSON.parse(l) as { ID: string }).ID)).toEqual(providers.map(p => p.id.toString()))
    } finally {
      router.hold = undefined
    }
  })

  it('answers 404 with a short cache life when nothing is found, in both forms', async () => {
    const none = await cidOf('nobody has this')
    const json = await ask(fx.port, `/routing/v1/providers/${none}`)
    expect(json.status).toBe(404)
    expect(json.headers['cache-control']).toMatch(/^public, max-age=15,/)
    expect(JSON.parse(json.body.toString())).toEqual({ Providers: [] })
    const ndjson = await ask(fx.port, `/routing/v1/providers/${none}`, { headers: { Accept: 'application/x-ndjson' } })
    expect(ndjson.status).toBe(404)
    expect(ndjson.body.length).toBe(0)
  })

  it('bounds answers: 100 records as JSON, 1000 streamed', async () => {
    const many = await cidOf('popular')
    const one = await somePeer(4003)
    const list: PeerInfo[] = []
    for (let i = 0; i < 1500; i++) list.push({ id: peerIdFromPrivateKey(await generateKeyPair('Ed25519')), multiaddrs: one.multiaddrs })
    router.providers.set(many.toString(), list)
    const json = await ask(fx.port, `/routing/v1/providers/${many}`)
    expect((JSON.parse(json.body.toString()) as { Providers: unknown[] }).Providers.length).toBe(100)
    const ndjson = await ask(fx.port, `/routing/v1/providers/${many}`, { headers: { Accept: 'application/x-ndjson' } })
    expect(ndjson.body.toString().trim().split('\n').length).toBe(1000)
  }, 60_000)

  it('ends a lookup at its deadline: what was found is the answer, nothing found is a 504', async () => {
    router.hang = true
    try {
      const started = Date.now()
      const partial = await ask(fx.port, `/routing/v1/providers/${cid}`, { headers: { Accept: 'application/x-ndjson' } })
      expect(partial.status).toBe(200)
      expect(partial.body.toString().trim().split('\n').length).toBe(2)
      const none = await ask(fx.port, `/routing/v1/providers/${await cidOf('slow')}`)
      expect(none.status).toBe(504)
      expect(Date.now() - started).toBeLessThan(20_000)
    } finally {
      router.hang = false
    }
  })

  it('refuses a malformed CID, an unknown path and an undefined method', async () => {
    expect((await ask(fx.port, '/routing/v1/providers/not-a-cid')).status).toBe(400)
    // a typo is named in words, as everywhere else (not multiformats' decoder message)
    const typo = await ask(fx.port, `/routing/v1/providers/${cid.toString().slice(0, -1)}`)
    expect(typo.status).toBe(400)
    expect(typo.body.toString()).toMatch(/invalid CID ".*": /)
    expect(typo.body.toString()).not.toMatch(/multibase decoder must be provided/)
    const v0 = await ask(fx.port, '/routing/v1/providers/QmNotACid')
    expect(v0.body.toString()).toMatch(/a CIDv0 \(Qm…\) is 46 characters long/)
    expect((await ask(fx.port, '/routing/v1/nothing/here')).status).toBe(400)
    expect((await ask(fx.port, `/routing/v1/providers/${cid}`, { method: 'PUT' })).status).toBe(501)
    const preflight = await ask(fx.port, '/routing/v1/ipns/x', { method: 'OPTIONS' })
    expect(preflight.status).toBe(200)
    expect(preflight.headers['access-control-allow-methods']).toContain('PUT')
  })

  it('answers a peer by base58 ID and by libp2p-key CID; an unknown peer is a 404', async () => {
    const peer = await somePeer(4010)
    router.peers.set(peer.id.toString(), peer)
    for (const form of [peer.id.toString(), peer.id.toCID().toString()]) {
      const res = await ask(fx.port, `/routing/v1/peers/${form}`)
      expect(res.status).toBe(200)
      expect(JSON.parse(res.body.toString())).toEqual({ Peers: [{ Schema: 'peer', ID: peer.id.toString(), Addrs: ['/ip4/127.0.0.1/tcp/4010'], Protocols: [] }] })
    }
    const unknown = await somePeer(1)
    expect((await ask(fx.port, `/routing/v1/peers/${unknown.id.toString()}`)).status).toBe(404)
    expect((await ask(fx.port, '/routing/v1/peers/bafkqaaa')).status).toBe(400)
  })

  it('stores a valid IPNS record on PUT and serves it on GET with its cache headers; refuses bad ones', async () => {
    const key = await generateKeyPair('Ed25519')
    const name = formatIpnsName(nameOfKey(key))
    const record = await createRecord(key, `/ipfs/${cid}`, 1n, 3600_000, { ttlNs: 120n * 1_000_000_000n })
    const type = { 'Content-Type': 'application/vnd.ipfs.ipns-record' }
    expect((await ask(fx.port, `/routing/v1/ipns/${name}`)).status).toBe(404)
    expect((await ask(fx.port, `/routing/v1/ipns/${name}`, { method: 'PUT', body: record })).status).toBe(406)
    // signed by another key: not this name's record
    const other = await createRecord(await generateKeyPair('Ed25519'), `/ipfs/${cid}`, 1n, 3600_000)
    expect((await ask(fx.port, `/routing/v1/ipns/${name}`, { method: 'PUT', headers: type, body: other })).status).toBe(400)
    expect((await ask(fx.port, `/routing/v1/ipns/${name}`, { method: 'PUT', headers: type, body: new Uint8Array(64 * 1024) })).status).toBe(413)
    expect(router.records.size).toBe(0)
    const put = await ask(fx.port, `/routing/v1/ipns/${name}`, { method: 'PUT', headers: type, body: record })
    expect(put.status).toBe(200)
    expect(router.records.get(Buffer.from(ipnsRoutingKey(nameOfKey(key))).toString('hex'))).toEqual(record)
    const got = await ask(fx.port, `/routing/v1/ipns/${name}`, { headers: { Accept: 'application/vnd.ipfs.ipns-record' } })
    expect(got.status).toBe(200)
    expect(got.headers['content-type']).toBe('application/vnd.ipfs.ipns-record')
    expect(got.headers['cache-control']).toMatch(/^public, max-age=120, stale-while-revalidate=\d+/)
    expect(got.headers.etag).toMatch(/^"[0-9a-f]{64}"$/)
    expect(new Uint8Array(got.body)).toEqual(record)
    expect((await ask(fx.port, `/routing/v1/ipns/${name}`, { headers: { Accept: 'application/json' } })).status).toBe(406)
  })

  it('answers Cairn\'s own HTTP router: providers, a peer, and an IPNS record both ways', async () => {
    const client = createHttpRouter({}, { url: `http://127.0.0.1:${fx.port}` })
    const found = []
    for await (const p of client.findProviders(cid)) found.push(p.id.toString())
    expect(found).toEqual(providers.map(p => p.id.toString()))
    const peer = await somePeer(4020)
    router.peers.set(peer.id.toString(), peer)
    expect((await client.findPeer(peer.id)).multiaddrs.map(String)).toEqual(['/ip4/127.0.0.1/tcp/4020'])
    const key = await generateKeyPair('Ed25519')
    const record = await createRecord(key, `/ipfs/${cid}`, 5n, 3600_000)
    await client.put(ipnsRoutingKey(nameOfKey(key)), record)
    expect(await client.get(ipnsRoutingKey(nameOfKey(key)))).toEqual(record)
    const none = await cidOf('nobody at all')
    await expect((async () => { for await (const p of client.findProviders(none)) void p })()).rejects.toMatchObject({ name: 'NotFoundError' })
  })

  it('is not served when Gateway.ExposeRoutingAPI is false', async () => {
    const off = await start(router, { exposeRoutingAPI: false })
    try {
      const res = await ask(off.port, `/routing/v1/providers/${cid}`)
      expect(res.status).not.toBe(200)
      expect(res.headers['content-type']).not.toBe('application/json')
    } finally {
      await off.close()
    }
  })
})

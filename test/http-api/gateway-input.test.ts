/**
 * Bad input, HEAD/GET agreement, and the operator's knobs (Gateway.DeserializedResponses,
 * NoFetch, RetrievalTimeout, MaxConcurrentRequests, MaxRequestDuration).
 */
import { request as httpRequest } from 'node:http'
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { sha256 } from 'multiformats/hashes/sha2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BlockService } from '../../core/index.ts'
import { gatewayStats } from '../../http-api/index.ts'
import { startGateway, type GatewayFixture } from './gateway-helpers.ts'
import { waitFor } from '../helpers/wait.ts'

const FILES = 'bafybeihchr7vmgjaasntayyatmp5sv6xza57iy2h4xj7g46bpjij6yhrmy'
const CACHE = 'bafybeib3ffl2teiqdncv3mkz4r23b5ctrwkzrrhctdbne6iboayxuxk5ui'
const DAG_JSON = 'baguqeeram5ujjqrwheyaty3w5gdsmoz6vittchvhk723jjqxk7hakxkd47xq'
const HELLO = 'bafkqabtimvwgy3zk'

let gw: GatewayFixture
beforeAll(async () => { gw = await startGateway() })
afterAll(async () => { await gw?.close() })

/** Blocks that never arrive unless released (the signal is honoured, as the block service must). */
function hangingBlocks (hang: (cid: CID) => boolean): { wrap: (real: BlockService) => Pick<BlockService, 'get'>, release: () => void, signals: AbortSignal[] } {
  const waiters: Array<() => void> = []
  const signals: AbortSignal[] = []
  let released = false
  return {
    signals,
    release: () => {
      released = true
      for (const w of waiters.splice(0)) w()
    },
    wrap: (real) => ({
      get: async (cid, options = {}) => {
        if (!released && hang(cid)) {
          if (options.signal != null) signals.push(options.signal)
          await new Promise<void>((resolve, reject) => {
            waiters.push(resolve)
            options.signal?.addEventListener('abort', () => { reject(options.signal?.reason) }, { once: true })
          })
        }
        return await real.get(cid, options)
      }
    })
  }
}

describe('bad input', () => {
  it('answers 400 with a message for invalid CIDs, unknown multibases and unsupported hashes', async () => {
    const blake3 = CID.createV1(0x55, Digest.create(0x1e, new Uint8Array(32).fill(7))).toString()
    const short = CID.createV1(0x55, Digest.create(0x12, new Uint8Array(4))).toString()
    const cases: Array<[string, RegExp]> = [
      ['/ipfs/notacid', /^400 Bad Request: invalid path "\/ipfs\/notacid"/],
      ['/ipfs/Qm123', /invalid path "\/ipfs\/Qm123"/],
      ['/ipfs/~abcdef', /"~" is not a known multibase prefix/],
      [`/ipfs/${blake3}`, /unsupported multihash function 0x1e/],
      [`/ipfs/${short}`, /shorter than the 20-byte minimum/],
      ['/ipfs/', /no CID after \/ipfs\//],
      [`/ipfs/${HELLO}?format=nope`, /unknown format "nope"/],
      [`/ipfs/${HELLO}?format=car&dag-scope=some`, /unknown dag-scope "some"/]
    ]
    for (const [path, message] of cases) {
      const res = await gw.get(path)
      expect(res.status, path).toBe(400)
      expect(res.body.toString(), path).toMatch(message)
    }
  })

  it('answers 4xx, never 5xx, for hostile paths', async () => {
    const long = 'a'.repeat(16 * 1024)
    const paths = [
      `/ipfs/${FILES}/..`, `/ipfs/${FILES}/../..`, `/ipfs/${FILES}/%2e%2e`, `/ipfs/${FILES}/%2E%2E/%2e%2e/etc/passwd`,
      `/ipfs/${FILES}/%00`, `/ipfs/${FILES}/a%00b`, `/ipfs/${FILES}/%ZZ`, `/ipfs/${FILES}/%`, `/ipfs/${FILES}/%FF%FE`,
      `/ipfs/${FILES}/%C0%AF`, `/ipfs/%00`, `/ipfs/${FILES}/${long}`, `/ipfs/${long}`, `/ipfs/${FILES}/${'x/'.repeat(2000)}`,
      `/ipfs/${FILES}/ascii.txt/more`, '/ipns/not-a-name', '/ipns/%00', '/api/v0/id', '/', '//ipfs/x', '/ipfs/%2F%2Fevil.example'
    ]
    for (const path of paths) {
      const res = await gw.get(path)
      expect(res.status, path.slice(0, 80)).toBeGreaterThanOrEqual(400)
      expect(res.status, path.slice(0, 80)).toBeLessThan(500)
    }
    expect((await gw.get(`/ipfs/${FILES}/%2e%2e`)).body.toString()).toContain('climbs above the root CID')
    expect((await gw.get(`/ipfs/${FILES}/%ZZ`)).body.toString()).toContain('percent-encoded')
    // a domain without DNSLink (.invalid: never asked of DNS) is the resolver's failure, not the client's
    const ipns = await gw.get('/ipns/example.invalid')
    expect(ipns.status).toBe(500)
    expect(ipns.body.toString()).toContain('could not resolve /ipns/example.invalid')
    // `..` inside the root resolves
    expect((await gw.get(`/ipfs/${FILES}/x/../ascii.txt`)).status).toBe(200)
  })

  it('refuses a service worker registration on a content root without its trailing slash', async () => {
    const res = await gw.get(`/ipfs/${FILES}`, { 'Service-Worker': 'script' })
    expect(res.status).toBe(400)
    expect(res.body.toString()).toContain('navigator.serviceWorker')
    expect((await gw.get(`/ipfs/${FILES}/`, { 'Service-Worker': 'script' })).status).toBe(200)
  })

  it('HTML-escapes hostile names in listings', async () => {
    const target = CID.createV1(0x55, await sha256.digest(new TextEncoder().encode('x')))
    const name = '<img src=x onerror=alert(1)>"\'&.txt'
    const bytes = dagPb.encode(dagPb.prepare({ Data: new UnixFS({ type: 'directory' }).marshal(), Links: [{ Name: name, Hash: target, Tsize: 1 }] }))
    const dir = CID.createV1(0x70, await sha256.digest(bytes))
    await gw.node.blockstore.put({ cid: dir, bytes })
    const html = (await gw.get(`/ipfs/${dir.toString()}/`)).body.toString()
    expect(html).not.toContain('<img')
    expect(html).toContain('&#60;img src=x onerror=alert(1)&#62;&#34;&#39;&#38;.txt')
    expect(html).toContain(`href="/ipfs/${dir.toString()}/%3Cimg%20src=x%20onerror=alert(1)%3E%22&#39;&#38;.txt"`)
  })
})

describe('HEAD and GET', () => {
  it('agree on every header', async () => {
    const requests: Array<[string, Record<string, string>]> = [
      [`/ipfs/${FILES}/ascii.txt`, {}],
      [`/ipfs/${FILES}/multiblock.txt`, {}],
      [`/ipfs/${FILES}/ascii.txt`, { Range: 'bytes=1-5' }],
      [`/ipfs/${FILES}/ascii.txt`, { Range: 'bytes=1-5,7-9' }],
      [`/ipfs/${FILES}/ascii.txt`, { Range: 'bytes=100-' }],
      [`/ipfs/${FILES}/`, {}],
      [`/ipfs/${FILES}`, {}],
      [`/ipfs/${CACHE}/root2/root3/root4/`, {}],
      [`/ipfs/${FILES}?format=raw`, {}],
      [`/ipfs/${FILES}`, { Accept: 'application/vnd.ipld.car' }],
      [`/ipfs/${FILES}?format=tar`, {}],
      [`/ipfs/${DAG_JSON}`, {}],
      [`/ipfs/${DAG_JSON}/`, { Accept: 'text/html' }],
      [`/ipfs/${FILES}/nope`, {}],
      ['/ipfs/notacid', {}],
      [`/ipfs/${FILES}/ascii.txt`, { 'If-None-Match': '*' }],
      [`/ipfs/${HELLO}`, { Host: 'localhost' }],
      [`/ipfs/${FILES}/ascii.txt`, { Accept: 'application/vnd.ipld.dag-json' }]
    ]
    const framing = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding'])
    for (const [path, headers] of requests) {
      const get = await gw.get(path, headers)
      const head = await gw.get(path, headers, 'HEAD')
      expect(head.status, path).toBe(get.status)
      expect(head.body.length).toBe(0)
      const strip = (h: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(Object.entries(h).filter(([k]) => !framing.has(k)))
      expect(strip(head.headers), `${path} ${JSON.stringify(headers)}`).toEqual(strip(get.headers))
    }
  })
})

describe('operator knobs', () => {
  it('Gateway.DeserializedResponses=false serves only raw blocks and CARs', async () => {
    const trustless = await startGateway({}, { fixtures: false, config: (c) => { c.Gateway = { ...(c.Gateway as object), DeserializedResponses: false } } })
    try {
      const file = await trustless.get(`/ipfs/${HELLO}`)
      expect(file.status).toBe(406)
      expect(file.body.toString()).toContain('Gateway.DeserializedResponses')
      expect((await trustless.get(`/ipfs/${HELLO}?format=tar`)).status).toBe(406)
      expect((await trustless.get(`/ipfs/${HELLO}?format=raw`)).status).toBe(200)
      expect((await trustless.get(`/ipfs/${HELLO}`, { Accept: 'application/vnd.ipld.raw' })).status).toBe(200)
      expect((await trustless.get(`/ipfs/${HELLO}?format=car`)).status).toBe(200)
    } finally {
      await trustless.close()
    }
  })

  it('Gateway.NoFetch reads blocks offline: a missing block is a quick 404', async () => {
    const offline: Array<boolean | undefined> = []
    const noFetch = await startGateway({}, {
      fixtures: false,
      config: (c) => { c.Gateway = { ...(c.Gateway as object), NoFetch: true } },
      blocks: (real) => ({ get: async (cid, options = {}) => { offline.push(options.offline); return await real.get(cid, options) } })
    })
    try {
      const missing = CID.createV1(0x55, await sha256.digest(new TextEncoder().encode('not here'))).toString()
      const res = await noFetch.get(`/ipfs/${missing}`)
      expect(res.status).toBe(404)
      expect(offline).toEqual([true])
    } finally {
      await noFetch.close()
    }
  })

  it('Gateway.RetrievalTimeout: 504 with Retry-After when a block does not arrive', async () => {
    const missing = CID.createV1(0x55, await sha256.digest(new TextEncoder().encode('slow')))
    const hanging = hangingBlocks(cid => cid.equals(missing))
    const slow = await startGateway({}, { fixtures: false, config: (c) => { c.Gateway = { ...(c.Gateway as object), RetrievalTimeout: '150ms' } }, blocks: hanging.wrap })
    try {
      const res = await slow.get(`/ipfs/${missing.toString()}`)
      expect(res.status).toBe(504)
      expect(res.headers['retry-after']).toBeDefined()
      expect(res.body.toString()).toContain('Gateway.RetrievalTimeout')
      expect(hanging.signals.every(s => s.aborted)).toBe(true)
    } finally {
      await slow.close()
    }
  })

  it('Gateway.MaxConcurrentRequests: 429 with Retry-After beyond the limit', async () => {
    const missing = CID.createV1(0x55, await sha256.digest(new TextEncoder().encode('busy')))
    const hanging = hangingBlocks(cid => cid.equals(missing))
    const busy = await startGateway({ maxConcurrentRequests: 2, retrievalTimeoutMs: 0 }, { fixtures: false, blocks: hanging.wrap })
    try {
      const slow = [busy.get(`/ipfs/${missing.toString()}`), busy.get(`/ipfs/${missing.toString()}`)]
      await waitFor(() => gatewayStats(busy.app).inFlight >= 2, { message: 'both slow requests to be in flight' })
      const refused = await busy.get(`/ipfs/${HELLO}`)
      expect(refused.status).toBe(429)
      expect(refused.headers['retry-after']).toBeDefined()
      await busy.node.blockstore.put({ cid: missing, bytes: new TextEncoder().encode('busy') })
      hanging.release()
      expect((await Promise.all(slow)).map(r => r.status)).toEqual([200, 200])
      expect((await busy.get(`/ipfs/${HELLO}`)).status).toBe(200)
    } finally {
      await busy.close()
    }
  })

  it('Gateway.MaxRequestDuration cuts a request that takes too long', async () => {
    const missing = CID.createV1(0x55, await sha256.digest(new TextEncoder().encode('long')))
    const hanging = hangingBlocks(cid => cid.equals(missing))
    const bounded = await startGateway({ retrievalTimeoutMs: 0 }, { fixtures: false, config: (c) => { c.Gateway = { ...(c.Gateway as object), MaxRequestDuration: '200ms' } }, blocks: hanging.wrap })
    try {
      const res = await bounded.get(`/ipfs/${missing.toString()}`)
      expect(res.status).toBe(504)
      expect(res.body.toString()).toContain('Gateway.MaxRequestDuration')
    } finally {
      await bounded.close()
    }
  })

  it('a client that goes away aborts the block reads of its request', async () => {
    const missing = CID.createV1(0x55, await sha256.digest(new TextEncoder().encode('gone')))
    const hanging = hangingBlocks(cid => cid.equals(missing))
    const server = await startGateway({ retrievalTimeoutMs: 0 }, { fixtures: false, blocks: hanging.wrap })
    try {
      const req = httpRequest({ host: '127.0.0.1', port: server.port, path: `/ipfs/${missing.toString()}` })
      req.on('error', () => {})
      req.end()
      await waitFor(() => hanging.signals.length > 0, { message: 'the request to read the missing block' })
      req.destroy()
      await waitFor(() => hanging.signals[0].aborted, { message: 'the block read to be aborted' })
      await waitFor(() => gatewayStats(server.app).inFlight === 0, { message: 'no request in flight' })
    } finally {
      await server.close()
    }
  })

  it('maps a missing block to 404 through the error table', async () => {
    const missing = CID.createV1(0x55, await sha256.digest(new TextEncoder().encode('absent'))).toString()
    const res = await gw.get(`/ipfs/${missing}`)
    expect(res.status).toBe(404)
    expect(res.body.toString()).toContain(`${missing} was not found`)
  })
})

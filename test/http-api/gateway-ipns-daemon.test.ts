/**
 * The gateway-conformance names against a real `cairn daemon`, provisioned as Kubo's CI does it:
 * every fixture CAR through `dag import --pin-roots=false`, the daemon started offline with the
 * DNSLink fixtures as `CAIRN_NS_MAP` (Kubo: `IPFS_NS_MAP`), then every `*.ipns-record` through
 * `routing put --allow-offline /ipns/<name> <file>`. The expectations are the suite's
 * (path_gateway_ipns, trustless_gateway_ipns, subdomain_gateway_ipns, dnslink_gateway) for the
 * fixtures of v0.13.2.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { CID } from 'multiformats/cid'
import { base36 } from 'multiformats/bases/base36'
import { peerIdFromString } from '@libp2p/peer-id'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestRepo, type RunResult, type TestRepo } from '../helpers/cli.ts'
import { startDaemon, stopDaemon, type RunningDaemon } from '../helpers/daemon.ts'
import { fixtureCars } from './gateway-helpers.ts'
import { dnsLinkFixtures, nsMap, recordFixtures, referenceRecord, REFUSED_RECORDS, type RecordFixture } from './ipns-fixtures.ts'

const V1V2 = 'k51qzi5uqu5dlkw8pxuw9qmqayfdeh4kfebhmreauqdc6a7c3y7d5i9fi8mk9w'
const V1_ONLY = 'k51qzi5uqu5dm4tm0wt8srkg9h9suud4wuiwjimndrkydqm81cqtlb5ak6p7ku'
const SUBPATH = 'k51qzi5uqu5djokp3m1keo36hoxtd6u3a1d2rg1camf6al7p3huy63dojlm57c'
const ED25519_PEER = '12D3KooWLQzUv2FHWGVPXTXSZpdHs7oHbXub2G5WC8Tx4NQhyd2d'
const SUBDOMAIN_ROOT = 'QmYiPNLU7Hc739sqcBH5DgVmk5mKTQVzKSqvJJeNGWTgrE'

let repo: TestRepo
let daemon: RunningDaemon | undefined
let port = ''
let records: RecordFixture[]
const puts = new Map<string, RunResult>()

/** One request over node's fetch with a `Host` (fetch forbids setting it, so node:http it is). */
async function get (path: string, headers: Record<string, string> = {}): Promise<{ status: number, headers: Record<string, string | string[] | undefined>, body: Buffer }> {
  const { request } = await import('node:http')
  return await new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: Number(port), path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }) })
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end()
  })
}

beforeAll(async () => {
  repo = await createTestRepo()
  const imported = await repo.run(['dag', 'import', '--pin-roots=false', ...await fixtureCars()], { timeoutMs: 120_000 })
  expect(imported.stderr).toBe('')
  daemon = await startDaemon(repo, { args: ['--offline'], env: { CAIRN_NS_MAP: nsMap(await dnsLinkFixtures()) }, timeoutMs: 60_000 })
  port = new URL(daemon.gateway).port
  records = await recordFixtures()
  for (const record of records) {
    const file = join(repo.dir, record.file.replace('/', '_'))
    await writeFile(file, record.bytes)
    puts.set(record.file, await repo.run(['routing', 'put', '--allow-offline', `/ipns/${record.name}`, file]))
  }
}, 240_000)

afterAll(async () => {
  if (daemon != null) await stopDaemon(daemon)
  await repo?.cleanup()
})

describe('conformance names on a real daemon', () => {
  it('routing put --allow-offline takes every valid fixture record and refuses the three bad vectors', () => {
    for (const record of records) {
      const result = puts.get(record.file) as RunResult
      if (REFUSED_RECORDS.has(record.file)) {
        expect(result.code, record.file).toBe(1)
        expect(result.stderr, record.file).toMatch(/^Error: /)
      } else {
        expect(result.stderr, record.file).toBe('')
        expect(result.code, record.file).toBe(0)
      }
    }
  })

  it('routing get returns a stored record on the offline daemon, byte for byte', async () => {
    const got = await repo.run(['routing', 'get', `/ipns/${V1V2}`])
    expect(got.stderr).toBe('')
    expect(got.stdout.equals(Buffer.from(records.find(r => r.name === V1V2)?.bytes as Uint8Array))).toBe(true)
  })

  it('path gateway: valid names serve, refused ones are 5xx, a record sub-path is followed, other spellings 302', async () => {
    const v1v2 = await get(`/ipns/${V1V2}`)
    expect(v1v2.status).toBe(200)
    const { value, ttlSeconds } = referenceRecord(records.find(r => r.name === V1V2)?.bytes as Uint8Array)
    expect(v1v2.body.equals(Buffer.from(CID.parse(value.slice('/ipfs/'.length)).multihash.digest))).toBe(true)
    expect(v1v2.headers['cache-control']).toBe(`public, max-age=${ttlSeconds}`)
    const refused = await get(`/ipns/${V1_ONLY}`)
    expect(refused.status).toBeGreaterThanOrEqual(500)
    expect(refused.status).toBeLessThan(600)
    expect((await get(`/ipns/${SUBPATH}/root3/root4/index.html`)).body.toString()).toBe('hello\n')
    const redirect = await get('/ipns/12D3KooWRBy97UB99e3J6hiPesre1MZeuNQvfan4gBziswrRJsNK/root2/')
    expect(redirect.status).toBe(302)
    expect(redirect.headers.location).toBe('/ipns/k51qzi5uqu5dlvj2baxnqndepeb86cbk3ng7n3i46uzyxzyqj2xjonzllnv0v8/root2/')
  })

  it('trustless gateway: ?format=ipns-record and Accept give the signed record', async () => {
    for (const [path, headers] of [[`/ipns/${V1V2}?format=ipns-record`, {}], [`/ipns/${V1V2}`, { Accept: 'application/vnd.ipfs.ipns-record' }]] as const) {
      const res = await get(path, headers)
      expect(res.status).toBe(200)
      expect(res.headers['content-type']).toContain('application/vnd.ipfs.ipns-record')
      expect(res.headers['content-disposition']).toContain('attachment;')
      expect(res.headers['cache-control']).toBe('public, max-age=1800')
      expect(referenceRecord(res.body).value).toBe(referenceRecord(records.find(r => r.name === V1V2)?.bytes as Uint8Array).value)
    }
  })

  it('subdomain gateway and DNSLink: {key}.ipns.localhost, inlined DNSLink labels, DNSLink hosts', async () => {
    const host = `localhost:${port}`
    const payload = (await get(`/ipfs/${SUBDOMAIN_ROOT}/hello-CIDv1`)).body
    const v1 = peerIdFromString(ED25519_PEER).toCID().toString(base36)
    expect((await get(`/ipns/${ED25519_PEER}`, { Host: host })).headers.location).toBe(`http://${v1}.ipns.${host}/`)
    expect((await get('/', { Host: `${v1}.ipns.${host}` })).body.equals(payload)).toBe(true)
    expect((await get('/', { Host: `dnslink--test-example-org.ipns.${host}` })).body.toString()).toBe('hello\n')
    expect((await get('/ipns/en.wikipedia-on-ipfs.example.org/wiki/', { Host: host })).headers.location)
      .toBe(`http://en-wikipedia--on--ipfs-example-org.ipns.${host}/wiki/`)
    expect((await get('/', { Host: 'dnslink-test.example.org' })).body.toString()).toBe('hello\n')
    const overIpns = await get('/', { Host: 'dnslink-over-ipns.example.org' })
    expect(overIpns.status).toBe(200)
    expect(overIpns.body.equals(payload)).toBe(true)
    expect((await get('/', { Host: 'dnslink-dir-listing.example.org' })).body.toString()).toContain('Index of')
  })
})

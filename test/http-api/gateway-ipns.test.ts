/**
 * `/ipns/` on the gateway, in process, against the gateway-conformance fixtures (v0.13.2): every
 * `*.ipns-record` offered to the node's naming service as `routing put --allow-offline` does, the
 * DNSLink fixtures as `CAIRN_NS_MAP` (no DNS is ever asked). Expectations follow the suite's
 * path_gateway_ipns, trustless_gateway_ipns, subdomain_gateway_ipns and dnslink_gateway tests;
 * record values and TTLs are read with the `ipns` package, not with Cairn.
 */
import { CID } from 'multiformats/cid'
import { base32 } from 'multiformats/bases/base32'
import { base36 } from 'multiformats/bases/base36'
import { unmarshalIPNSRecord } from 'ipns'
import { ipnsValidator } from 'ipns/validator'
import { peerIdFromString } from '@libp2p/peer-id'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { namingOf } from '../../core/commands/name.ts'
import { ipnsRoutingKey, parseIpnsName } from '../../naming/index.ts'
import { startGateway, type GatewayFixture } from './gateway-helpers.ts'
import { dnsLinkFixtures, nsMap, recordFixtures, referenceRecord, REFUSED_RECORDS, type RecordFixture } from './ipns-fixtures.ts'

const V1V2 = 'k51qzi5uqu5dlkw8pxuw9qmqayfdeh4kfebhmreauqdc6a7c3y7d5i9fi8mk9w'
const V2 = 'k51qzi5uqu5dit2ku9mutlfgwyz8u730on38kd10m97m36bjt66my99hb6103f'
const BROKEN_SIG_V1 = 'k51qzi5uqu5dilgf7gorsh9vcqqq4myo6jd4zmqkuy9pxyxi5fua3uf7axph4y'
const V1_ONLY = 'k51qzi5uqu5dm4tm0wt8srkg9h9suud4wuiwjimndrkydqm81cqtlb5ak6p7ku'
const BROKEN_VALUE_V1 = 'k51qzi5uqu5dlmit2tuwdvnx4sbnyqgmvbxftl0eo3f33wwtb9gr7yozae9kpw'
const BROKEN_SIG_V2 = 'k51qzi5uqu5diamp7qnnvs1p1gzmku3eijkeijs3418j23j077zrkok63xdm8c'
const SUBPATH = 'k51qzi5uqu5djokp3m1keo36hoxtd6u3a1d2rg1camf6al7p3huy63dojlm57c'
const ED25519_PEER = '12D3KooWLQzUv2FHWGVPXTXSZpdHs7oHbXub2G5WC8Tx4NQhyd2d'
const RSA_PEER = 'QmVujd5Vb7moysJj8itnGufN7MEtPRCNHkKpNuA4onsRa3'
const SUBDOMAIN_ROOT = 'QmYiPNLU7Hc739sqcBH5DgVmk5mKTQVzKSqvJJeNGWTgrE'

let gw: GatewayFixture
let records: RecordFixture[]
const refused = new Map<string, string>()
const links = new Map<string, string>()
/** The libp2p-key CIDv1 in base36 of a peer ID: the one spelling the gateway serves. */
const base36Of = (peer: string): string => peerIdFromString(peer).toCID().toString(base36)
const digestOf = (path: string): Buffer => Buffer.from(CID.parse(path.replace('/ipfs/', '')).multihash.digest)
const recordOf = (name: string): RecordFixture => records.find(r => r.name === name && !REFUSED_RECORDS.has(r.file)) as RecordFixture

beforeAll(async () => {
  for (const [domain, path] of await dnsLinkFixtures()) links.set(domain, path)
  // read by the naming service when it is first built, below
  process.env.CAIRN_NS_MAP = nsMap(links)
  gw = await startGateway()
  const naming = await namingOf(gw.node)
  records = await recordFixtures()
  for (const record of records) {
    await naming.putRecord(parseIpnsName(record.name), record.bytes).catch((err: Error) => { refused.set(record.file, err.name) })
  }
})
afterAll(async () => {
  delete process.env.CAIRN_NS_MAP
  await gw?.close()
})

describe('IPNS record fixtures', () => {
  it('refuses exactly the V1-only, broken-V2-signature and V1-value-mismatch vectors, each for its reason', () => {
    expect([...refused.keys()].sort()).toEqual([...REFUSED_RECORDS].sort())
    expect(refused.get(`ipns_records/${V1_ONLY}_v1.ipns-record`)).toBe('RecordSignatureMissingError')
    expect(refused.get(`ipns_records/${BROKEN_SIG_V2}_v1-v2-broken-signature-v2.ipns-record`)).toBe('RecordSignatureError')
    expect(refused.get(`ipns_records/${BROKEN_VALUE_V1}_v1-v2-broken-v1-value.ipns-record`)).toBe('RecordV1MismatchError')
  })
})

describe('path gateway /ipns/', () => {
  it('serves the valid vectors as /ipfs/ would (V1+V2, V2 only, broken V1 signature), with max-age from the record TTL', async () => {
    for (const name of [V1V2, V2, BROKEN_SIG_V1]) {
      const { value, ttlSeconds } = referenceRecord(recordOf(name).bytes)
      const res = await gw.get(`/ipns/${name}`)
      expect(res.status, name).toBe(200)
      expect(res.body.equals(digestOf(value)), name).toBe(true)
      expect(ttlSeconds).toBe(1800)
      expect(res.headers['cache-control']).toBe(`public, max-age=${ttlSeconds}`)
      expect(res.headers['x-ipfs-path']).toBe(`/ipns/${name}`)
    }
  })

  it('answers 5xx for names whose records were refused, and for an unknown name; never a crash', async () => {
    for (const name of [V1_ONLY, BROKEN_VALUE_V1, BROKEN_SIG_V2, 'k51qzi5uqu5dlvj2baxnqndepeb86cbk3ng7n3i46uzyxzyqj2xjonzllnv0v8']) {
      const res = await gw.get(`/ipns/${name}`)
      expect(res.status, name).toBe(500)
      expect(res.body.toString()).toContain(`could not resolve /ipns/${name}`)
    }
    const unknownDomain = await gw.get('/ipns/no-such-link.example.invalid/')
    expect(unknownDomain.status).toBe(500)
    const garbage = await gw.get('/ipns/not-a-name/')
    expect(garbage.status).toBe(400)
    expect(garbage.body.toString()).toContain('is not an IPNS name')
    expect((await gw.get('/ipns/')).status).toBe(400)
  })

  it('follows the sub-path inside a record value, then the request path below it', async () => {
    const listing = await gw.get(`/ipns/${SUBPATH}/`)
    expect(listing.status).toBe(200)
    expect(listing.body.toString()).toContain('Index of')
    expect(listing.body.toString()).toContain('root3')
    expect(listing.body.toString()).toContain(`<a href="/ipns/${SUBPATH}/root3">root3</a>`)
    expect(listing.headers['cache-control']).toBe('public, max-age=1800')
    const file = await gw.get(`/ipns/${SUBPATH}/root3/root4/index.html`)
    expect(file.status).toBe(200)
    expect(file.body.toString()).toBe('hello\n')
    expect(file.headers['x-ipfs-path']).toBe(`/ipns/${SUBPATH}/root3/root4/index.html`)
    // a directory without its slash is redirected within the name, not to the CID
    const redirect = await gw.get(`/ipns/${SUBPATH}/root3?x=1`)
    expect(redirect.status).toBe(301)
    expect(redirect.headers.location).toBe(`/ipns/${SUBPATH}/root3/?x=1`)
  })

  it('never lets Cache-Control outlive the record: a 100-year TTL is capped at the EOL', async () => {
    const name = 'k51qzi5uqu5dlxdsdu5fpuu7h69wu4ohp32iwm9pdt9nq3y5rpn3ln9j12zfhe'
    const record = unmarshalIPNSRecord(recordOf(name).bytes)
    const secondsToEol = (Date.parse(record.validity) - Date.now()) / 1000
    expect(Number((record.ttl as bigint) / 1_000_000_000n)).toBeGreaterThan(secondsToEol)
    const res = await gw.get(`/ipns/${name}/root2/`)
    expect(res.status).toBe(200)
    const maxAge = Number(/max-age=(\d+)/.exec(res.headers['cache-control'] as string)?.[1])
    expect(maxAge).toBeLessThanOrEqual(secondsToEol)
    expect(maxAge).toBeGreaterThan(secondsToEol - 600)
  })

  it('redirects other spellings of a key to CIDv1 libp2p-key base36 (302), keeping path and query', async () => {
    const ed = await gw.get('/ipns/12D3KooWRBy97UB99e3J6hiPesre1MZeuNQvfan4gBziswrRJsNK/root2/?a=b')
    expect(ed.status).toBe(302)
    expect(ed.headers.location).toBe('/ipns/k51qzi5uqu5dlvj2baxnqndepeb86cbk3ng7n3i46uzyxzyqj2xjonzllnv0v8/root2/?a=b')
    const rsa = await gw.get('/ipns/QmcJM7PRfkSbcM5cf1QugM5R37TLRKyJGgBEhXjLTB8uA2/root2/')
    expect(rsa.status).toBe(302)
    expect(rsa.headers.location).toBe('/ipns/k2k4r8ol4m8kkcqz509c1rcjwunebj02gcnm5excpx842u736nja8ger/root2/')
    const b32 = CID.parse(V2).toString(base32)
    expect((await gw.get(`/ipns/${b32}`)).headers.location).toBe(`/ipns/${V2}`)
  })
})

describe('trustless gateway: ?format=ipns-record', () => {
  it('serves the signed record bytes with the IPNS media type, as attachment, max-age from the TTL', async () => {
    const bytes = recordOf(V1V2).bytes
    for (const [path, headers] of [[`/ipns/${V1V2}?format=ipns-record`, {}], [`/ipns/${V1V2}`, { Accept: 'application/vnd.ipfs.ipns-record' }]] as const) {
      const res = await gw.get(path, headers)
      expect(res.status, path).toBe(200)
      expect(res.headers['content-type']).toBe('application/vnd.ipfs.ipns-record')
      expect(res.headers['content-disposition']).toBe(`attachment; filename="${V1V2}.ipns-record"`)
      expect(res.headers['cache-control']).toBe('public, max-age=1800')
      expect(res.body.equals(Buffer.from(bytes))).toBe(true)
      // the client can check it against the name on its own
      await ipnsValidator(ipnsRoutingKey(parseIpnsName(V1V2)), res.body)
    }
    const negotiated = await gw.get(`/ipns/${V1V2}`, { Accept: 'application/vnd.ipfs.ipns-record' })
    expect(negotiated.headers['content-location']).toBe(`/ipns/${V1V2}?format=ipns-record`)
    const again = await gw.get(`/ipns/${V1V2}?format=ipns-record`, { 'If-None-Match': negotiated.headers.etag as string })
    expect(again.status).toBe(304)
    const named = await gw.get(`/ipns/${V1V2}?format=ipns-record&filename=${encodeURIComponent('testтест.ipns-record')}`)
    expect(named.headers['content-disposition']).toBe('attachment; filename="test____.ipns-record"; filename*=UTF-8\'\'test%D1%82%D0%B5%D1%81%D1%82.ipns-record')
    const head = await gw.get(`/ipns/${V1V2}?format=ipns-record`, {}, 'HEAD')
    expect(head.status).toBe(200)
    expect(head.body.byteLength).toBe(0)
  })

  it('refuses a record for a path below the name or for a DNSLink name (400), and a refused record is 500', async () => {
    expect((await gw.get(`/ipns/${V1V2}/sub?format=ipns-record`)).status).toBe(400)
    expect((await gw.get('/ipns/dnslink-test.example.org?format=ipns-record')).status).toBe(400)
    expect((await gw.get(`/ipns/${V1_ONLY}?format=ipns-record`)).status).toBe(500)
    // not for /ipfs/
    expect((await gw.get(`/ipfs/${SUBDOMAIN_ROOT}?format=ipns-record`)).status).toBe(400)
  })
})

describe('subdomain gateway {name}.ipns.localhost', () => {
  it('serves each key from its own origin and redirects every other spelling there (301)', async () => {
    const host = `localhost:${gw.port}`
    const payload = (await gw.get(`/ipfs/${SUBDOMAIN_ROOT}/hello-CIDv1`)).body
    expect(payload.byteLength).toBeGreaterThan(0)
    for (const peer of [ED25519_PEER, RSA_PEER]) {
      const v1 = base36Of(peer)
      const fromPath = await gw.get(`/ipns/${peer}`, { Host: host })
      expect(fromPath.status).toBe(301)
      expect(fromPath.headers.location).toBe(`http://${v1}.ipns.${host}/`)
      const served = await gw.get('/', { Host: `${v1}.ipns.${host}` })
      expect(served.status, peer).toBe(200)
      expect(served.body.equals(payload)).toBe(true)
      expect(served.headers['x-ipfs-path']).toBe(`/ipns/${v1}/`)
      const dagPb = CID.createV1(0x70, peerIdFromString(peer).toMultihash()).toString(base36)
      const redirect = await gw.get('/', { Host: `${dagPb}.ipns.${host}` })
      expect(redirect.status).toBe(301)
      expect(redirect.headers.location).toBe(`http://${v1}.ipns.${host}/`)
    }
    const record = await gw.get('/?format=ipns-record', { Host: `${base36Of(ED25519_PEER)}.ipns.${host}` })
    expect(record.status).toBe(200)
    expect(record.headers['content-type']).toBe('application/vnd.ipfs.ipns-record')
  })

  it('inlines DNSLink names into one label and reads them back (- ↔ --, . ↔ -)', async () => {
    const host = `localhost:${gw.port}`
    const wikipedia = await gw.get('/ipns/en.wikipedia-on-ipfs.example.org/wiki/', { Host: host, 'X-Forwarded-Proto': 'https' })
    expect(wikipedia.status).toBe(301)
    expect(wikipedia.headers.location).toBe(`https://en-wikipedia--on--ipfs-example-org.ipns.${host}/wiki/`)
    // `dnslink-test.example.org` inlined is `dnslink--test-example-org`; the single-dash label is another name
    const test = await gw.get('/', { Host: `dnslink--test-example-org.ipns.${host}` })
    expect(test.status).toBe(200)
    expect(test.body.toString()).toBe('hello\n')
    expect(test.headers['x-ipfs-path']).toBe('/ipns/dnslink-test.example.org/')
    // a DNSLink answer's TTL is unknown here (static map): no Cache-Control at all
    expect(test.headers['cache-control']).toBeUndefined()
    const other = await gw.get('/', { Host: `dnslink-test-example-org.ipns.${host}` })
    expect(other.status).toBe(500)
    expect(other.body.toString()).toContain('dnslink.test.example.org')
    const plain = await gw.get('/', { Host: `dnslink-test.example.org.ipns.${host}` })
    expect(plain.status).toBe(200)
    expect(plain.body.toString()).toBe('hello\n')
  })
})

describe('DNSLink websites (Host)', () => {
  it('serves a DNSLink host from its root: /ipfs/ and /ipns/ values, sub-paths, listings', async () => {
    const test = await gw.get('/', { Host: 'dnslink-test.example.org' })
    expect(test.status).toBe(200)
    expect(test.body.toString()).toBe('hello\n')
    const payload = (await gw.get(`/ipfs/${SUBDOMAIN_ROOT}/hello-CIDv1`)).body
    for (const domain of ['dnslink-over-ipns.example.org', 'dnslink-over-ipns-cidv1.example.org']) {
      const overIpns = await gw.get('/', { Host: domain })
      expect(overIpns.status, domain).toBe(200)
      expect(overIpns.body.equals(payload)).toBe(true)
    }
    expect((await gw.get('/root3/root4/index.html', { Host: 'dnslink-subpath.example.org' })).body.toString()).toBe('hello\n')
    // on a DNSLink website every path is the website's, even one that looks like a raw-block request
    const v1 = await gw.cid(SUBDOMAIN_ROOT, 'hello-CIDv1')
    const inSite = await gw.get(`/ipfs/${v1}?format=raw`, { Host: 'dnslink-test.example.org' })
    expect(inSite.status).toBe(404)
    expect((await gw.get(`/ipfs/${v1}?format=raw`, { Host: 'no-dnslink.example.test' })).status).toBe(200)
    const host = 'dnslink-dir-listing.example.org'
    const root = await gw.get('/', { Host: host })
    expect(root.body.toString()).toContain('Index of')
    expect(root.body.toString()).not.toContain('<a href="/">..</a>')
    const noSlash = await gw.get('/%C4%85/%C4%99', { Host: host })
    expect(noSlash.status).toBe(301)
    expect(noSlash.headers.location).toBe('/%C4%85/%C4%99/')
    const listing = (await gw.get('/%C4%85/%C4%99/', { Host: host })).body.toString()
    expect(listing).toContain('<a href="/%C4%85/%C4%99/..">..</a>')
    expect(listing).toContain(`/ipns/<a href="//${host}/">${host}</a>/<a href="//${host}/%C4%85">ą</a>/<a href="//${host}/%C4%85/%C4%99">ę</a>`)
    expect(listing).toContain('<a href="/%C4%85/%C4%99/file-%C5%BA%C5%82.txt">file-źł.txt</a>')
  })

  it('is a plain path gateway for hosts without DNSLink, and for every host with Gateway.NoDNSLink', async () => {
    const v1 = await gw.cid(SUBDOMAIN_ROOT, 'hello-CIDv1')
    expect((await gw.get(`/ipfs/${v1}`, { Host: 'no-dnslink.example.test' })).status).toBe(200)
    const off = await startGateway({}, { fixtures: false, config: (config) => { config.Gateway = { ...(config.Gateway as object), NoDNSLink: true } } })
    try {
      const res = await off.get('/', { Host: 'dnslink-test.example.org' })
      expect(res.status).toBe(404)
      expect(res.body.toString()).not.toContain('hello')
    } finally {
      await off.close()
    }
  })
})

/**
 * Subdomain gateway on `localhost` (gateway-conformance v0.13.2: subdomain_gateway_ipfs_test.go).
 * Names under `.localhost` do not resolve here: requests go to 127.0.0.1 with a `Host` header.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startGateway, type GatewayFixture } from './gateway-helpers.ts'

const LISTING = 'bafybeig6ka5mlwkl4subqhaiatalkcleo4jgnr3hqwvpmsqfca27cijp3i'
const SUBDOMAIN = 'QmYiPNLU7Hc739sqcBH5DgVmk5mKTQVzKSqvJJeNGWTgrE'
const PERCENT = 'bafybeig675grnxcmshiuzdaz2xalm6ef4thxxds6o6ypakpghm5kghpc34'
const WIKIPEDIA = 'QmXoypizjW3WknFiJnKLwHCnL72vedxjQkDDP1mXWo6uco'

let gw: GatewayFixture
let host: string
const sub = (cid: string): string => `${cid}.ipfs.${host}`

beforeAll(async () => {
  gw = await startGateway()
  host = `localhost:${gw.port}`
})
afterAll(async () => { await gw?.close() })

describe('subdomain gateway', () => {
  it('lists directories with links on the CID origin and breadcrumbs on the parent host', async () => {
    const root = await gw.get('/', { Host: sub(LISTING) })
    expect(root.status).toBe(200)
    expect(root.body.toString()).toContain('Index of')
    expect(root.body.toString()).not.toContain('<a href="/">..</a>')
    const redirect = await gw.get('/%C4%85/%C4%99', { Host: sub(LISTING) })
    expect(redirect.status).toBe(301)
    expect(redirect.headers.location).toBe('/%C4%85/%C4%99/')
    const file = await gw.cid(LISTING, 'ą', 'ę', 'file-źł.txt')
    const listing = await gw.get('/%C4%85/%C4%99/', { Host: sub(LISTING) })
    expect(listing.headers.etag).toContain('"DirIndex-')
    const html = listing.body.toString()
    expect(html).toContain('<a href="/%C4%85/%C4%99/..">..</a>')
    expect(html).toContain(`/ipfs/<a href="//${host}/ipfs/${LISTING}">${LISTING}</a>/<a href="//${host}/ipfs/${LISTING}/%C4%85">ą</a>/<a href="//${host}/ipfs/${LISTING}/%C4%85/%C4%99">ę</a>`)
    expect(html).toContain('<a href="/%C4%85/%C4%99/file-%C5%BA%C5%82.txt">file-źł.txt</a>')
    expect(html).toContain(`<a class="ipfs-hash" translate="no" href="//${host}/ipfs/${file}?filename=file-%C5%BA%C5%82.txt">`)
  })

  it('redirects path requests on the gateway host to the CID\'s own origin (CIDv0 → CIDv1 base32)', async () => {
    const v1 = await gw.cid(SUBDOMAIN, 'hello-CIDv1')
    const dir = await gw.cid(SUBDOMAIN, 'testdirlisting')
    const v0 = await gw.cid(SUBDOMAIN, 'hello-CIDv0')
    const v0to1 = await gw.cid(SUBDOMAIN, 'hello-CIDv0to1')
    for (const cid of [v1, dir]) {
      const res = await gw.get(`/ipfs/${cid}/`, { Host: host })
      expect(res.status).toBe(301)
      expect(res.headers.location).toBe(`http://${cid}.ipfs.${host}/`)
    }
    expect(v0).toMatch(/^Qm/)
    expect((await gw.get(`/ipfs/${v0}/`, { Host: host })).headers.location).toBe(`http://${v0to1}.ipfs.${host}/`)
    const percent = await gw.get(`/ipfs/${PERCENT}/Portugal%252C+Espa%C3%B1a=Peninsula%20Ib%C3%A9rica.txt`, { Host: host })
    expect(percent.headers.location).toBe(`http://${PERCENT}.ipfs.${host}/Portugal%252C+Espa%C3%B1a=Peninsula%20Ib%C3%A9rica.txt`)
    const query = await gw.get(`/ipfs/${dir}/ipfs/?format=raw`, { Host: host })
    expect(query.headers.location).toBe(`http://${dir}.ipfs.${host}/ipfs/?format=raw`)
    for (const proto of ['https', 'http']) {
      const res = await gw.get(`/ipfs/${v1}/`, { Host: host, 'X-Forwarded-Proto': proto })
      expect(res.headers.location).toBe(`${proto}://${v1}.ipfs.${host}/`)
    }
  })

  it('serves each root on its own origin, and nothing else there', async () => {
    const v1 = await gw.cid(SUBDOMAIN, 'hello-CIDv1')
    const dir = await gw.cid(SUBDOMAIN, 'testdirlisting')
    const hello = await gw.get('/', { Host: sub(v1) })
    expect(hello.status).toBe(200)
    expect(hello.body.toString()).toContain('hello')
    // /ipfs/ is not mounted on a subdomain: another CID cannot be reached from this origin
    expect((await gw.get(`/ipfs/${v1}/`, { Host: sub(v1) })).status).toBe(404)
    expect((await gw.get(`/ipfs/${LISTING}/`, { Host: sub(dir) })).status).toBe(404)
    const inRoot = await gw.get('/ipfs/file.txt', { Host: sub(dir) })
    expect(inRoot.status).toBe(200)
    expect(inRoot.body.toString()).toContain('I am a txt file')
    const listing = (await gw.get('/', { Host: sub(dir) })).body.toString()
    expect(listing).toContain('<a href="/hello">hello</a>')
    expect(listing).toContain('<a href="/ipfs">ipfs</a>')
    const deep = (await gw.get('/ipfs/ipns/', { Host: sub(dir) })).body.toString()
    expect(deep).toContain('<a href="/ipfs/ipns/..">..</a>')
    expect(deep).toContain('<a href="/ipfs/ipns/bar">bar</a>')
    expect(deep).toContain(`/ipfs/<a href="//${host}/ipfs/${dir}">${dir}</a>/<a href="//${host}/ipfs/${dir}/ipfs">ipfs</a>/<a href="//${host}/ipfs/${dir}/ipfs/ipns">ipns</a>`)
    expect((await gw.get('/ipfs/ipns/bar', { Host: sub(dir) })).body.toString()).toContain('text-file-content')
  })

  it('gives one origin per CID: other spellings of it are redirected', async () => {
    const v1 = await gw.cid(SUBDOMAIN, 'hello-CIDv1')
    const { CID } = await import('multiformats/cid')
    const { base36 } = await import('multiformats/bases/base36')
    const other = CID.parse(v1).toString(base36)
    const res = await gw.get('/x?y=1', { Host: sub(other) })
    expect(res.status).toBe(301)
    expect(res.headers.location).toBe(`http://${v1}.ipfs.${host}/x?y=1`)
    // a CID in the ipns namespace names the key with that multihash: its libp2p-key spelling
    const key = await gw.get('/x', { Host: `${v1}.ipns.${host}` })
    expect(key.status).toBe(301)
    expect(key.headers.location).toBe(`http://${CID.createV1(0x72, CID.parse(v1).multihash).toString(base36)}.ipns.${host}/x`)
  })

  it('explains invalid and too-long CIDs', async () => {
    const invalid = await gw.get('/ipfs/QmInvalidCID', { Host: host })
    expect(invalid.status).toBe(400)
    expect(invalid.body.toString()).toContain('invalid path "/ipfs/QmInvalidCID"')
    const long = await gw.cid(SUBDOMAIN, 'hello-CIDv1_TOO_LONG')
    const viaPath = await gw.get(`/ipfs/${long}/`, { Host: host })
    expect(viaPath.status).toBe(400)
    expect(viaPath.body.toString()).toContain('CID incompatible with DNS label length limit of 63')
    const direct = await gw.get('/', { Host: sub(long) })
    expect(direct.status).toBe(400)
    expect(direct.body.toString()).toContain('CID incompatible with DNS label length limit of 63')
    // the path gateway still serves it
    expect((await gw.get(`/ipfs/${long}`)).status).toBe(200)
  })

  it('handles ipfs:// URIs, X-Forwarded-Host, unknown hosts and 127.0.0.1 as path requests', async () => {
    const uri = await gw.get(`/ipfs/?uri=${encodeURIComponent(`ipfs://${WIKIPEDIA}/wiki/Diego_Maradona.html`)}`, { Host: host })
    expect(uri.status).toBe(301)
    expect(uri.headers.location).toBe(`/ipfs/${WIKIPEDIA}/wiki/Diego_Maradona.html`)
    expect((await gw.get(`/ipfs/?uri=${encodeURIComponent('ipfs:///evil.example')}`)).status).toBe(400)
    const v1 = await gw.cid(SUBDOMAIN, 'hello-CIDv1')
    expect((await gw.get(`/ipfs/${v1}`, { Host: 'fake.domain.test' })).status).toBe(200)
    expect((await gw.get(`/ipfs/${v1}`)).status).toBe(200) // Host: 127.0.0.1:<port>
    const forwarded = await gw.get(`/ipfs/${v1}`, { Host: 'fake.domain.test', 'X-Forwarded-Host': host })
    expect(forwarded.status).toBe(301)
    expect(forwarded.headers.location).toBe(`http://${v1}.ipfs.${host}/`)
    const https = await gw.get(`/ipfs/${v1}`, { Host: 'fake.domain.test', 'X-Forwarded-Host': host, 'X-Forwarded-Proto': 'https' })
    expect(https.headers.location).toBe(`https://${v1}.ipfs.${host}/`)
    // a Host that is not a plain name never becomes part of a link
    expect((await gw.get(`/ipfs/${v1}`, { Host: 'localhost:1"><script>' })).status).toBe(200)
  })
})

describe('subdomain gateways from Gateway.PublicGateways', () => {
  it('adds configured hosts and removes localhost when it is set to null', async () => {
    const other = await startGateway({}, {
      fixtures: false,
      config: (config) => {
        config.Gateway = { ...(config.Gateway as object), PublicGateways: { localhost: null, 'example.com': { UseSubdomains: true, Paths: ['/ipfs'] } } }
      }
    })
    try {
      const cid = 'bafkqabtimvwgy3zk'
      expect((await other.get(`/ipfs/${cid}`, { Host: `localhost:${other.port}` })).status).toBe(200)
      const res = await other.get(`/ipfs/${cid}`, { Host: 'example.com' })
      expect(res.status).toBe(301)
      expect(res.headers.location).toBe(`http://${cid}.ipfs.example.com/`)
      const served = await other.get('/', { Host: `${cid}.ipfs.example.com` })
      expect(served.status).toBe(200)
      expect(served.body.toString()).toContain('hello')
    } finally {
      await other.close()
    }
  })
})

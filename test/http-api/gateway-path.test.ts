/**
 * Path gateway conformance (gateway-conformance v0.13.2: path_gateway_unixfs_test.go,
 * path_gateway_dag_test.go, path_gateway_tar_test.go, path_gateway_cors_test.go), over the
 * suite's own fixtures.
 */
import { randomBytes } from 'node:crypto'
import { importBytes } from 'ipfs-unixfs-importer'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { CID } from 'multiformats/cid'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { entriesFromTar } from '../../http-api/index.ts'
import { openFixture, startGateway, type GatewayFixture } from './gateway-helpers.ts'
import { expectReleasedAndReused } from './helpers.ts'

const LISTING = 'bafybeig6ka5mlwkl4subqhaiatalkcleo4jgnr3hqwvpmsqfca27cijp3i'
const CACHE = 'bafybeib3ffl2teiqdncv3mkz4r23b5ctrwkzrrhctdbne6iboayxuxk5ui'
const SYMLINK = 'QmWvY6FaqFMS89YAQ9NAPjVP4WZKA1qbHbicc9HeSKQTgt'
const PERCENT = 'bafybeig675grnxcmshiuzdaz2xalm6ef4thxxds6o6ypakpghm5kghpc34'
const FILES = 'bafybeihchr7vmgjaasntayyatmp5sv6xza57iy2h4xj7g46bpjij6yhrmy'
const MISSING_BLOCK = 'QmYhmPjhFjYFyaoiuNzYv8WGavpSRDwdHWe5B4M5du5Rtk'
const JSON_CBOR = 'bafybeiafyvqlazbbbtjnn6how5d6h6l6rxbqc4qgpbmteaiskjrffmyy4a'
const DAG_JSON = 'baguqeeram5ujjqrwheyaty3w5gdsmoz6vittchvhk723jjqxk7hakxkd47xq'
const DAG_CBOR = 'bafyreibs4utpgbn7uqegmd2goqz4bkyflre2ek2iwv743fhvylwi4zeeim'
const PLAIN_JSON = 'bagaaierajjsnhsxqlgfrvknlt7z2heoljcgfv37cn45tu7mhmr23x3ekiboq'
const PLAIN_CBOR = 'bafireif3aymeikgfbofx533yf5vlx4kimzq6zmzmpra2mnzfsfnmv4hchm'
const TAR_OUTSIDE = 'bafybeicaj7kvxpcv4neaqzwhrqqmdstu4dhrwfpknrgebq6nzcecfucvyu'
const TAR_INSIDE = 'bafybeibfevfxlvxp5vxobr5oapczpf7resxnleb7tkqmdorc4gl5cdva3y'
/** A random CID that no fixture has. */
const ABSENT = 'QmYzfKSE55XCjD1MW128RfciAf2DViABhEiXfgVFMabSjN'
const IMMUTABLE = 'public, max-age=29030400, immutable'

let gw: GatewayFixture
beforeAll(async () => { gw = await startGateway() })
afterAll(async () => { await gw?.close() })

async function block (cid: string): Promise<Buffer> {
  return Buffer.from(await gw.node.blocks.get(CID.parse(cid)))
}

describe('UnixFS directories', () => {
  it('lists a directory: breadcrumbs, backlink, entry and CID links, escaped names', async () => {
    const root = await gw.get(`/ipfs/${LISTING}/`)
    expect(root.status).toBe(200)
    expect(root.body.toString()).toContain('Index of')
    expect(root.body.toString()).not.toContain(`<a href="/ipfs/${LISTING}/">..</a>`)
    const redirect = await gw.get(`/ipfs/${LISTING}/%C4%85/%C4%99`)
    expect(redirect.status).toBe(301)
    expect(redirect.headers.location).toBe(`/ipfs/${LISTING}/%C4%85/%C4%99/`)
    const withQuery = await gw.get(`/ipfs/${LISTING}/%C4%85/%C4%99?a=b`)
    expect(withQuery.headers.location).toBe(`/ipfs/${LISTING}/%C4%85/%C4%99/?a=b`)
    const file = await gw.cid(LISTING, 'ą', 'ę', 'file-źł.txt')
    const listing = await gw.get(`/ipfs/${LISTING}/%C4%85/%C4%99/`)
    expect(listing.headers.etag).toContain('"DirIndex-')
    expect(listing.headers['content-type']).toBe('text/html; charset=utf-8')
    const html = listing.body.toString()
    expect(html).toContain(`/ipfs/<a href="/ipfs/${LISTING}">${LISTING}</a>/<a href="/ipfs/${LISTING}/%C4%85">ą</a>/<a href="/ipfs/${LISTING}/%C4%85/%C4%99">ę</a>`)
    expect(html).toContain(`<a href="/ipfs/${LISTING}/%C4%85/%C4%99/..">..</a>`)
    expect(html).toContain(`<a href="/ipfs/${LISTING}/%C4%85/%C4%99/file-%C5%BA%C5%82.txt">file-źł.txt</a>`)
    expect(html).toContain(`<a class="ipfs-hash" translate="no" href="/ipfs/${file}?filename=file-%C5%BA%C5%82.txt">`)
    expect(html).toContain('34 B') // the file's size, from its link's Tsize
    expect((await gw.get(`/ipfs/${LISTING}/i-do-not-exist`)).status).toBe(404)
  })

  it('serves index.html, with the caching headers of the gateway-cache fixture', async () => {
    const root2 = await gw.cid(CACHE, 'root2')
    const root3 = await gw.cid(CACHE, 'root2', 'root3')
    const root4 = await gw.cid(CACHE, 'root2', 'root3', 'root4')
    const index = await gw.cid(CACHE, 'root2', 'root3', 'root4', 'index.html')
    const listing = await gw.get(`/ipfs/${CACHE}/root2/root3/`)
    expect(listing.status).toBe(200)
    expect(listing.headers['x-ipfs-path']).toBe(`/ipfs/${CACHE}/root2/root3/`)
    expect(listing.headers['x-ipfs-roots']).toBe([CACHE, root2, root3].join(','))
    expect(listing.headers.etag).toMatch(new RegExp(`DirIndex-.*_CID-${root3}`))
    expect(listing.headers['cache-control']).toBeUndefined()
    const dir = await gw.get(`/ipfs/${CACHE}/root2/root3/root4/`)
    expect(dir.status).toBe(200)
    expect(dir.headers['cache-control']).toBe(IMMUTABLE)
    expect(dir.headers['x-ipfs-path']).toBe(`/ipfs/${CACHE}/root2/root3/root4/`)
    expect(dir.headers['x-ipfs-roots']).toBe([CACHE, root2, root3, root4].join(','))
    expect(dir.headers.etag).toBe(`"${root4}"`)
    expect(dir.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(dir.body.equals(await block(index))).toBe(true)
    const file = await gw.get(`/ipfs/${CACHE}/root2/root3/root4/index.html`)
    expect(file.headers['cache-control']).toBe(IMMUTABLE)
    expect(file.headers['x-ipfs-roots']).toBe([CACHE, root2, root3, root4, index].join(','))
    expect(file.headers.etag).toBe(`"${index}"`)
    const raw = await gw.get(`/ipfs/${CACHE}/root2/root3/root4/?format=raw`)
    expect(raw.headers['cache-control']).toBe(IMMUTABLE)
    expect(raw.body.equals((await openFixture('gateway-cache/fixtures.car')).bytes(root4))).toBe(true)
  })

  it('only-if-cached: 200 for local blocks, 412 for others, on HEAD and GET', async () => {
    for (const method of ['HEAD', 'GET']) {
      expect((await gw.get(`/ipfs/${CACHE}/root2/root3/root4/?format=raw`, { 'Cache-Control': 'only-if-cached' }, method)).status).toBe(200)
      expect((await gw.get(`/ipfs/${ABSENT}`, { 'Cache-Control': 'only-if-cached' }, method)).status).toBe(412)
      expect((await gw.get(`/ipfs/${ABSENT}`, {}, method)).status).toBe(404)
    }
  })

  it('If-None-Match → 304 for strong, weak, listed and wildcard Etags', async () => {
    const index = await gw.cid(CACHE, 'root2', 'root3', 'root4', 'index.html')
    const root4 = await gw.cid(CACHE, 'root2', 'root3', 'root4')
    const file = `/ipfs/${CACHE}/root2/root3/root4/index.html`
    for (const tag of [`"${index}"`, `W/"${index}"`, `"fakeEtag1", "fakeEtag2", "${index}"`, '*']) {
      const res = await gw.get(file, { 'If-None-Match': tag })
      expect(res.status, tag).toBe(304)
      expect(res.body.length).toBe(0)
    }
    expect((await gw.get(file, { 'If-None-Match': '"other"' })).status).toBe(200)
    expect((await gw.get(`/ipfs/${CACHE}/root2/root3/root4/`, { 'If-None-Match': `"${root4}"` })).status).toBe(304)
    const listing = `/ipfs/${CACHE}/root2/root3/`
    const etag = String((await gw.get(listing)).headers.etag)
    expect((await gw.get(listing, { 'If-None-Match': etag })).status).toBe(304)
    expect((await gw.get(listing, { 'If-None-Match': `W/${etag}` })).status).toBe(304)
  })

  it('serves symlinks as their target text', async () => {
    const listing = (await gw.get(`/ipfs/${SYMLINK}/`)).body.toString()
    expect(listing).toContain('>foo<')
    expect(listing).toContain('>bar<')
    const raw = await gw.get(`/ipfs/${SYMLINK}?format=raw`)
    expect(raw.body.equals((await openFixture('path_gateway_unixfs/symlink.car')).bytes(SYMLINK))).toBe(true)
    const link = await gw.get(`/ipfs/${SYMLINK}/bar`)
    expect(link.status).toBe(200)
    expect(link.body.toString()).toBe('foo')
  })

  it('resolves percent-encoded file names', async () => {
    const res = await gw.get(`/ipfs/${PERCENT}/Portugal%252C+Espa%C3%B1a=Peninsula%20Ib%C3%A9rica.txt`)
    expect(res.status).toBe(200)
    expect(res.body.equals(await block(await gw.cid(PERCENT, 'Portugal%2C+España=Peninsula Ibérica.txt')))).toBe(true)
  })

  it('sniffs content types and honours ?filename= and ?download=true', async () => {
    const json = await gw.cid(JSON_CBOR, 'ą', 'ę', 't.json')
    const data = await block(json)
    const plain = await gw.get(`/ipfs/${json}`)
    expect(plain.headers['content-type']).toBe('application/json')
    expect(plain.body.equals(data)).toBe(true)
    const accept = await gw.get(`/ipfs/${json}`, { Accept: 'application/json' })
    expect(accept.headers['content-type']).toBe('application/json')
    expect(accept.body.equals(data)).toBe(true)
    const format = await gw.get(`/ipfs/${json}?format=json`, { Accept: 'application/vnd.ipld.raw' })
    expect(format.headers['content-type']).toBe('application/json')
    expect(format.body.equals(data)).toBe(true)
    const text = await gw.get(`/ipfs/${LISTING}/%C4%85/%C4%99/file-%C5%BA%C5%82.txt`)
    expect(text.headers['content-type']).toBe('text/plain; charset=utf-8')
    expect(text.headers['content-disposition']).toBeUndefined()
    const named = await gw.get(`/ipfs/${json}?filename=${encodeURIComponent('testтест.pdf')}`)
    expect(named.headers['content-disposition']).toBe('inline; filename="test____.pdf"; filename*=UTF-8\'\'test%D1%82%D0%B5%D1%81%D1%82.pdf')
    expect(named.headers['content-type']).toBe('application/pdf')
    const download = await gw.get(`/ipfs/${json}?filename=a.json&download=true`)
    expect(download.headers['content-disposition']).toBe('attachment; filename="a.json"')
  })
})

describe('ranges', () => {
  it('answers single, suffix and multiple ranges of a file', async () => {
    const ascii = await block(await gw.cid(FILES, 'ascii.txt'))
    const whole = await gw.get(`/ipfs/${FILES}/ascii.txt`)
    expect(whole.headers['accept-ranges']).toBe('bytes')
    expect(whole.body.equals(ascii)).toBe(true)
    const single = await gw.get(`/ipfs/${FILES}/ascii.txt`, { Range: 'bytes=6-16' })
    expect(single.status).toBe(206)
    expect(single.headers['content-range']).toBe('bytes 6-16/31')
    expect(single.body.equals(ascii.subarray(6, 17))).toBe(true)
    const suffix = await gw.get(`/ipfs/${FILES}/ascii.txt`, { Range: 'bytes=-3' })
    expect(suffix.headers['content-range']).toBe('bytes 28-30/31')
    expect(suffix.body.equals(ascii.subarray(28))).toBe(true)
    const multi = await gw.get(`/ipfs/${FILES}/ascii.txt`, { Range: 'bytes=6-16,0-4' })
    expect(multi.status).toBe(206)
    expect(multi.headers['content-type']).toContain('multipart/byteranges')
    const body = multi.body.toString()
    expect(body).toContain('Content-Range: bytes 6-16/31')
    expect(body).toContain(ascii.subarray(6, 17).toString())
    expect(body).toContain('Content-Range: bytes 0-4/31')
    expect(body).toContain(ascii.subarray(0, 5).toString())
    expect(body).toContain('Content-Type: text/plain; charset=utf-8')
    expect(Number(multi.headers['content-length'])).toBe(multi.body.length)
    const outside = await gw.get(`/ipfs/${FILES}/ascii.txt`, { Range: 'bytes=100-200' })
    expect(outside.status).toBe(416)
    expect(outside.headers['content-range']).toBe('bytes */31')
    expect((await gw.get(`/ipfs/${FILES}/ascii.txt`, { Range: 'pages=1-2' })).status).toBe(200)
  })

  it('hands a whole file\'s blocks back to the store as each chunk is sent, and reads the next into them', async () => {
    const data = randomBytes(6 * 1024 * 1024 + 9)
    const store = { put: async (cid: CID, bytes: Uint8Array) => { await gw.node.blockstore.put({ cid, bytes }); return cid } }
    const { cid } = await importBytes(data, store, { cidVersion: 1, rawLeaves: true, chunker: fixedSize({ chunkSize: 256 * 1024 }) })
    await expectReleasedAndReused(gw.node.blocks, 2, Math.ceil(data.length / (256 * 1024)), async () => {
      for (let round = 0; round < 2; round++) {
        const res = await gw.get(`/ipfs/${cid.toString()}`)
        expect(res.status).toBe(200)
        expect(res.body.equals(data)).toBe(true)
      }
    })
  })

  it('reads only the blocks a range needs: a range works with a block missing before or after it', async () => {
    const after = await gw.get(`/ipfs/${MISSING_BLOCK}`, { Range: 'bytes=997-1000' })
    expect(after.status).toBe(206)
    expect(after.headers['content-range']).toBe('bytes 997-1000/3072')
    expect(after.body.length).toBe(4)
    const before = await gw.get(`/ipfs/${MISSING_BLOCK}`, { Range: 'bytes=2200-2201' })
    expect(before.status).toBe(206)
    expect(before.headers['content-range']).toBe('bytes 2200-2201/3072')
    expect(before.body.length).toBe(2)
    // the whole file cannot be read: once the body has started, the stream is cut
    await expect(gw.get(`/ipfs/${MISSING_BLOCK}?filename=f.bin`)).rejects.toThrow()
  })
})

describe('dag-json, dag-cbor, json and cbor', () => {
  it('answers 406 when the format does not match the codec', async () => {
    const unixfs = await gw.cid(JSON_CBOR, 'ą', 'ę', 'file-źł.txt')
    for (const [path, headers] of [
      [`/ipfs/${unixfs}?format=dag-json`, {}],
      [`/ipfs/${unixfs}?format=dag-cbor`, {}],
      [`/ipfs/${unixfs}`, { Accept: 'application/vnd.ipld.dag-json' }],
      [`/ipfs/${DAG_JSON}?format=dag-cbor`, {}],
      [`/ipfs/${DAG_CBOR}?format=dag-json`, {}],
      [`/ipfs/${DAG_CBOR}`, { Accept: 'application/vnd.ipld.dag-json' }]
    ] as Array<[string, Record<string, string>]>) {
      expect((await gw.get(path, headers)).status, path).toBe(406)
    }
  })

  it('serves plain json and cbor blocks as they are, with ranges', async () => {
    for (const [cid, format, disposition] of [[PLAIN_JSON, 'json', 'inline'], [PLAIN_CBOR, 'cbor', 'attachment']]) {
      const data = await block(cid)
      for (const [query, headers] of [['', {}], [`?format=${format}`, {}], ['', { Accept: `application/${format}` }]] as Array<[string, Record<string, string>]>) {
        const res = await gw.get(`/ipfs/${cid}${query}`, headers)
        expect(res.status).toBe(200)
        expect(res.headers['content-type']).toBe(`application/${format}`)
        expect(res.headers['content-disposition']).toContain(`${disposition}; filename="${cid}.${format}"`)
        expect(res.body.equals(data)).toBe(true)
        const range = await gw.get(`/ipfs/${cid}${query}`, { ...headers, Range: 'bytes=7-9' })
        expect(range.status).toBe(206)
        expect(range.headers['content-range']).toBe(`bytes 7-9/${data.length}`)
        expect(range.body.equals(data.subarray(7, 10))).toBe(true)
      }
    }
  })

  it('paths through links, 501 for a remainder inside a value, 404 for a missing link', async () => {
    const dagJson = await gw.get(`/ipfs/${DAG_JSON}/foo/link/bar?format=dag-json`)
    expect(dagJson.status).toBe(200)
    expect(JSON.parse(dagJson.body.toString())).toEqual({ hello: 'this is not a link' })
    const dagCbor = await gw.get(`/ipfs/${DAG_CBOR}/foo/link/bar?format=dag-cbor`)
    expect(dagCbor.status).toBe(200)
    expect([...dagCbor.body]).toEqual([0xa1, 0x65, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x72, 0x74, 0x68, 0x69, 0x73, 0x20, 0x69, 0x73, 0x20, 0x6e, 0x6f, 0x74, 0x20, 0x61, 0x20, 0x6c, 0x69, 0x6e, 0x6b])
    for (const [cid, format] of [[DAG_JSON, 'dag-json'], [DAG_CBOR, 'dag-cbor']]) {
      const remainder = await gw.get(`/ipfs/${cid}/foo?format=${format}`)
      expect(remainder.status).toBe(501)
      expect(remainder.body.toString()).toContain('"foo"')
      expect((await gw.get(`/ipfs/${cid}/foo/i-do-not-exist`)).status).toBe(404)
    }
  })

  it('serves dag-json and dag-cbor natively, as plain json/cbor on request, and as an HTML preview', async () => {
    for (const [cid, short, disposition] of [[DAG_JSON, 'json', 'inline'], [DAG_CBOR, 'cbor', 'attachment']]) {
      const data = await block(cid)
      const media = `application/vnd.ipld.dag-${short}`
      for (const [query, headers] of [['', {}], [`?format=dag-${short}`, {}], ['', { Accept: media }]] as Array<[string, Record<string, string>]>) {
        const res = await gw.get(`/ipfs/${cid}${query}`, headers)
        expect(res.status).toBe(200)
        expect(res.headers['content-type']).toBe(media)
        expect(res.headers['content-length']).toBe(String(data.length))
        expect(res.headers['content-disposition']).toContain(`${disposition}; filename="${cid}.${short}"`)
        expect(res.headers.etag).toContain(`${cid}.dag-${short}`)
        expect(res.headers['x-ipfs-path']).toBe(`/ipfs/${cid}`)
        expect(res.headers['x-ipfs-roots']).toBe(cid)
        expect(res.headers['cache-control']).toBe(IMMUTABLE)
        expect(res.body.equals(data)).toBe(true)
      }
      for (const [query, headers] of [[`?format=${short}`, {}], ['', { Accept: `application/${short}` }]] as Array<[string, Record<string, string>]>) {
        const res = await gw.get(`/ipfs/${cid}${query}`, headers)
        expect(res.headers['content-type']).toBe(`application/${short}`)
        expect(res.body.equals(data)).toBe(true)
      }
      const named = await gw.get(`/ipfs/${cid}?filename=foobar.${short}`, { Accept: media })
      expect(named.headers['content-disposition']).toContain(`${disposition}; filename="foobar.${short}"`)
      const download = await gw.get(`/ipfs/${cid}?filename=foobar.${short}&download=true`, { Accept: media })
      expect(download.headers['content-disposition']).toContain(`attachment; filename="foobar.${short}"`)
      for (const query of ['', `?format=dag-${short}`]) {
        const head = await gw.get(`/ipfs/${cid}${query}`, {}, 'HEAD')
        expect(head.status).toBe(200)
        expect(head.headers['content-type']).toBe(media)
        expect(head.headers['content-length']).toBe(String(data.length))
        expect(head.body.length).toBe(0)
      }
      const range = await gw.get(`/ipfs/${cid}/`, { Range: 'bytes=1-3' })
      expect(range.status).toBe(206)
      expect(range.body.equals(data.subarray(1, 4))).toBe(true)
      const html = await gw.get(`/ipfs/${cid}/`, { Accept: 'text/html' })
      expect(html.status).toBe(200)
      expect(html.headers.etag).toContain('DagIndex-')
      expect(html.headers['content-type']).toContain('text/html')
      expect(html.headers['content-disposition']).toBeUndefined()
      expect(html.headers['cache-control']).toBeUndefined()
      expect(html.body.toString()).toContain('</html>')
    }
    expect((await gw.get(`/ipfs/${ABSENT}`, { 'Cache-Control': 'only-if-cached' }, 'HEAD')).status).toBe(412)
  })
})

describe('tar', () => {
  async function tarEntries (body: Buffer): Promise<Map<string, string | null>> {
    const out = new Map<string, string | null>()
    async function * source (): AsyncGenerator<Uint8Array> { yield body }
    let root = ''
    for await (const entry of entriesFromTar(source())) {
      if (entry.segments.length === 0) root = entry.name
      let content: string | null = null
      if (entry.content != null) {
        const chunks: Uint8Array[] = []
        for await (const chunk of entry.content()) chunks.push(chunk)
        content = Buffer.concat(chunks).toString()
      }
      out.set([root, ...entry.segments].join('/'), content)
    }
    return out
  }

  it('serves UnixFS as a tar, named by the root CID, for ?format=tar and Accept', async () => {
    const file = await gw.cid(LISTING, 'ą', 'ę', 'file-źł.txt')
    const res = await gw.get(`/ipfs/${file}?format=tar`)
    expect(res.status).toBe(200)
    expect(res.headers['content-disposition']).toContain('attachment;')
    expect(res.headers.etag).toContain(`W/"${file}.x-tar`)
    expect(res.headers['content-type']).toContain('application/x-tar')
    expect((await tarEntries(res.body)).get(file)).toBe('I am a txt file on path with utf8\n')
    const accept = await gw.get(`/ipfs/${file}`, { Accept: 'application/x-tar' })
    expect(accept.headers['content-type']).toContain('application/x-tar')
    expect(accept.headers.etag).toContain(`W/"${file}.x-tar`)
    const dir = await gw.get(`/ipfs/${LISTING}?format=tar`)
    expect((await tarEntries(dir.body)).get(`${LISTING}/ą/ę/file-źł.txt`)).toBe('I am a txt file on path with utf8\n')
    const named = await gw.get(`/ipfs/${LISTING}?filename=${encodeURIComponent('testтест.tar')}&format=tar`)
    expect(named.headers['content-disposition']).toContain('attachment; filename="test____.tar"; filename*=UTF-8\'\'test%D1%82%D0%B5%D1%81%D1%82.tar')
    expect((await gw.get(`/ipfs/${DAG_CBOR}?format=tar`)).status).toBe(406)
  })

  it('refuses names that escape the root, keeps those that stay inside', async () => {
    const outside = await gw.get(`/ipfs/${TAR_OUTSIDE}?format=tar`)
    expect(outside.status).toBeGreaterThanOrEqual(400)
    expect(outside.status).toBeLessThan(500)
    expect(outside.body.toString()).toContain('outside the archive')
    const inside = await gw.get(`/ipfs/${TAR_INSIDE}?format=tar`)
    expect(inside.status).toBe(200)
    expect([...(await tarEntries(inside.body)).keys()]).toContain(`${TAR_INSIDE}/foobar/file`)
  })
})

describe('CORS', () => {
  it('allows any origin to read, and answers preflights', async () => {
    for (const method of ['GET', 'OPTIONS']) {
      const res = await gw.get('/ipfs/bafkqabtimvwgy3zk/', {}, method)
      expect(res.status).toBe(200)
      expect(res.headers['access-control-allow-origin']).toBe('*')
      const methods = String(res.headers['access-control-allow-methods'])
      for (const m of ['GET', 'HEAD', 'OPTIONS']) expect(methods).toContain(m)
      const allowed = String(res.headers['access-control-allow-headers'])
      for (const h of ['Content-Type', 'Range', 'User-Agent', 'X-Requested-With']) expect(allowed).toContain(h)
      const exposed = String(res.headers['access-control-expose-headers'])
      for (const h of ['Content-Range', 'Content-Length', 'X-Ipfs-Path', 'X-Ipfs-Roots', 'X-Chunked-Output', 'X-Stream-Output']) expect(exposed).toContain(h)
    }
    expect((await gw.get('/ipfs/bafkqabtimvwgy3zk', {}, 'POST')).status).toBe(405)
  })
})

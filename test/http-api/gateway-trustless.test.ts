/**
 * Trustless gateway conformance (gateway-conformance v0.13.2: trustless_gateway_raw_test.go,
 * trustless_gateway_car_test.go, path_gateway_raw_test.go), over the suite's own fixtures.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { gatewayStats } from '../../http-api/index.ts'
import { carBlockCids, openFixture, startGateway, type FixtureCar, type GatewayFixture, type RawResponse } from './gateway-helpers.ts'

const RAW_ROOT = 'bafybeie72edlprgtlwwctzljf6gkn2wnlrddqjbkxo3jomh4n7omwblxly'
const TWO_FILES = 'bafybeietjm63oynimmv5yyqay33nui4y4wx6u3peezwetxgiwvfmelutzu'
const HAMT = 'bafybeidbclfqleg2uojchspzd4bob56dqetqjsj27gy2cq3klkkgxtpn4i'
const MIXED = 'bafybeidh6k2vzukelqtrjsmd4p52cpmltd2ufqrdtdg6yigi73in672fwu'
const DAG_CBOR_DIR = 'bafybeia264q44a3kmfc2otctzu4egp2k235o3t7mslz2yjraymp4nv6asi'
const DUPLICATES = 'bafybeihchr7vmgjaasntayyatmp5sv6xza57iy2h4xj7g46bpjij6yhrmy'
const MISSING_BLOCK = 'QmYhmPjhFjYFyaoiuNzYv8WGavpSRDwdHWe5B4M5du5Rtk'
const MULTIBLOCK_LEAVES = [
  'bafkreie5noke3mb7hqxukzcy73nl23k6lxszxi5w3dtmuwz62wnvkpsscm',
  'bafkreih4ephajybraj6wnxsbwjwa77fukurtpl7oj7t7pfq545duhot7cq',
  'bafkreigu7buvm3cfunb35766dn7tmqyh2um62zcio63en2btvxuybgcpue',
  'bafkreicll3huefkc3qnrzeony7zcfo7cr3nbx64hnxrqzsixpceg332fhe',
  'bafkreifst3pqztuvj57lycamoi7z34b4emf7gawxs74nwrc2c7jncmpaqm'
]

let gw: GatewayFixture
beforeAll(async () => { gw = await startGateway() })
afterAll(async () => { await gw?.close() })

function expectCarHeaders (res: RawResponse): void {
  expect(res.status).toBe(200)
  expect(res.headers['x-content-type-options']).toBe('nosniff')
  expect(res.headers['accept-ranges']).toBe('none')
  expect(res.headers['content-type']).toContain('application/vnd.ipld.car')
  expect(res.headers['content-type']).toContain('version=1')
  expect(res.headers['content-disposition']).toMatch(/^attachment; filename=".*\.car"$/)
  expect(res.headers.etag).toMatch(/^"[^"]+"$/)
}

/** Fetches a CAR both ways (?format=car and Accept), checks the headers, and returns the block CIDs (the same both ways). */
async function car (path: string, query = ''): Promise<string[]> {
  const sep = path.includes('?') ? '&' : '?'
  const byParam = await gw.get(`${path}${sep}format=car${query}`)
  expectCarHeaders(byParam)
  const byAccept = await gw.get(query === '' ? path : `${path}${sep}${query.slice(1)}`, { Accept: 'application/vnd.ipld.car' })
  expectCarHeaders(byAccept)
  expect(byAccept.headers['content-location']).toContain('format=car')
  const blocks = await carBlockCids(byParam.body)
  expect(await carBlockCids(byAccept.body)).toEqual(blocks)
  return blocks
}

describe('trustless raw blocks', () => {
  it('answers a plain ?format=raw request on its fast path with the general path\'s headers, and anything more on the general path', async () => {
    const stats = gatewayStats(gw.app)
    const headersOf = (res: RawResponse): Record<string, unknown> => ({ ...res.headers, date: undefined })
    const { CID } = await import('multiformats/cid')
    const { base36 } = await import('multiformats/bases/base36')
    const dirCid = CID.parse(await gw.cid(RAW_ROOT, 'dir'))
    // X-Ipfs-Path keeps the CID as written, X-Ipfs-Roots and the Etag use its canonical form
    for (const cid of [dirCid.toString(), dirCid.toV0().toString(), dirCid.toString(base36), MULTIBLOCK_LEAVES[0], 'bafkqaaa']) {
      const before = stats.rawBlockFastPath
      const fast = await gw.get(`/ipfs/${cid}?format=raw`)
      expect(stats.rawBlockFastPath).toBe(before + 1)
      const general = await gw.get(`/ipfs/${cid}?format=raw&unrelated=1`)
      expect(stats.rawBlockFastPath).toBe(before + 1)
      expect(fast.status).toBe(200)
      expect(headersOf(fast)).toEqual(headersOf(general))
      expect(fast.body.equals(general.body)).toBe(true)
      const head = await gw.get(`/ipfs/${cid}?format=raw`, {}, 'HEAD')
      expect(headersOf(head)).toEqual(headersOf(fast))
      expect(head.body.length).toBe(0)
    }
    // conditional, range and cache headers, and blocks that are not here, take the general path
    const dir = await gw.cid(RAW_ROOT, 'dir')
    const before = stats.rawBlockFastPath
    expect((await gw.get(`/ipfs/${dir}?format=raw`, { 'If-None-Match': `"${dir}.raw"` })).status).toBe(304)
    expect((await gw.get(`/ipfs/${dir}?format=raw`, { Range: 'bytes=0-1' })).status).toBe(206)
    const { sha256 } = await import('multiformats/hashes/sha2')
    const absent = CID.createV1(0x55, await sha256.digest(new TextEncoder().encode('not in this store')))
    expect((await gw.get(`/ipfs/${absent.toString()}?format=raw`)).status).toBe(404)
    expect((await gw.get('/ipfs/bafyinvalid?format=raw')).status).toBe(400)
    expect(stats.rawBlockFastPath).toBe(before)
  })

  it('serves the fast path from a server with fastify\'s keep-alive and request timeouts', async () => {
    const server = gw.app.server
    expect(server.keepAliveTimeout).toBe(72_000) // fastify's default, not node:http's 5 s
    expect(server.requestTimeout).toBe(0)
    expect((await gw.get(`/ipfs/${MULTIBLOCK_LEAVES[1]}?format=raw`)).status).toBe(200)
  })

  it('never answers from its prepared headers for a block that has been removed', async () => {
    const { CID } = await import('multiformats/cid')
    const { sha256 } = await import('multiformats/hashes/sha2')
    const stats = gatewayStats(gw.app)
    const bytes = new TextEncoder().encode(`a block to remove ${Math.random()}`)
    const cid = CID.createV1(0x55, await sha256.digest(bytes))
    await gw.node.blockstore.put({ cid, bytes })
    const first = await gw.get(`/ipfs/${cid.toString()}?format=raw`)
    expect(first.status).toBe(200)
    expect(first.body.equals(bytes)).toBe(true)
    const served = stats.rawBlockFastPath
    await gw.node.blockstore.deleteMany([cid])
    expect((await gw.get(`/ipfs/${cid.toString()}?format=raw`)).status).toBe(404)
    expect(stats.rawBlockFastPath).toBe(served)
  })

  it('serves the exact block for ?format=raw and for Accept, and the probe bafkqaaa', async () => {
    const dir = await gw.cid(RAW_ROOT, 'dir')
    const block = await gw.node.blocks.get((await import('multiformats/cid')).CID.parse(dir))
    const byParam = await gw.get(`/ipfs/${dir}?format=raw`)
    expect(byParam.status).toBe(200)
    expect(byParam.body.equals(block)).toBe(true)
    expect(byParam.headers['content-location']).toBeUndefined()
    const byAccept = await gw.get(`/ipfs/${dir}`, { Accept: 'application/vnd.ipld.raw' })
    expect(byAccept.body.equals(block)).toBe(true)
    expect(byAccept.headers['content-location']).toBe(`/ipfs/${dir}?format=raw`)
    // path gateway: a path to the block
    expect((await gw.get(`/ipfs/${RAW_ROOT}/dir?format=raw`)).body.equals(block)).toBe(true)
    for (const method of ['GET', 'HEAD']) {
      const probe = await gw.get('/ipfs/bafkqaaa?format=raw', {}, method)
      expect(probe.status).toBe(200)
      expect(probe.body.length).toBe(0)
    }
  })

  it('sends the raw response headers', async () => {
    const file = await gw.cid(RAW_ROOT, 'dir', 'ascii.txt')
    const res = await gw.get(`/ipfs/${file}`, { Accept: 'application/vnd.ipld.raw' })
    expect(res.headers['content-type']).toBe('application/vnd.ipld.raw')
    expect(res.headers['content-length']).toBe(String(res.body.length))
    expect(res.headers['content-disposition']).toBe(`attachment; filename="${file}.bin"`)
    expect(res.headers['x-content-type-options']).toBe('nosniff')
    expect(res.headers.etag).toBe(`"${file}.raw"`)
    expect(res.headers['x-ipfs-path']).toBe(`/ipfs/${file}`)
    expect(res.headers['x-ipfs-roots']).toContain(file)
    expect(res.headers['cache-control']).toBe('public, max-age=29030400, immutable')
    const named = await gw.get(`/ipfs/${RAW_ROOT}/dir/ascii.txt?filename=foobar.bin`, { Accept: 'application/vnd.ipld.raw' })
    expect(named.headers['content-disposition']).toBe('attachment; filename="foobar.bin"')
    expect(named.headers['x-ipfs-path']).toBe(`/ipfs/${RAW_ROOT}/dir/ascii.txt`)
    expect(String(named.headers['x-ipfs-roots']).split(',')[0]).toBe(RAW_ROOT)
  })

  it('answers ranges of a raw block', async () => {
    const dir = await gw.cid(RAW_ROOT, 'dir')
    const whole = (await gw.get(`/ipfs/${dir}?format=raw`)).body
    const single = await gw.get(`/ipfs/${RAW_ROOT}/dir`, { Accept: 'application/vnd.ipld.raw', Range: 'bytes=6-16' })
    expect(single.status).toBe(206)
    expect(single.headers['content-type']).toBe('application/vnd.ipld.raw')
    expect(single.headers['content-range']).toBe(`bytes 6-16/${whole.length}`)
    expect(single.body.equals(whole.subarray(6, 17))).toBe(true)
    const multi = await gw.get(`/ipfs/${dir}?format=raw`, { Range: 'bytes=7-9,1-3' })
    expect(multi.status).toBe(206)
    expect(multi.headers['content-type']).toMatch(/^multipart\/byteranges; boundary=/)
    const text = multi.body.toString('latin1')
    expect(text).toContain(`Content-Range: bytes 7-9/${whole.length}`)
    expect(text).toContain(`Content-Range: bytes 1-3/${whole.length}`)
    expect(text).toContain(whole.subarray(7, 10).toString('latin1'))
    expect(Number(multi.headers['content-length'])).toBe(multi.body.length)
  })

  it('lets ?format= win over Accept', async () => {
    const dir = await gw.cid(RAW_ROOT, 'dir')
    expect((await gw.get(`/ipfs/${dir}?format=car`, { Accept: 'application/vnd.ipld.raw' })).headers['content-type']).toContain('application/vnd.ipld.car')
    expect((await gw.get(`/ipfs/${dir}?format=raw`, { Accept: 'application/vnd.ipld.car' })).headers['content-type']).toBe('application/vnd.ipld.raw')
  })
})

describe('trustless CAR', () => {
  let twoFiles: FixtureCar
  let hamt: FixtureCar
  let mixed: FixtureCar
  let cbor: FixtureCar
  beforeAll(async () => {
    twoFiles = await openFixture('trustless_gateway_car/subdir-with-two-single-block-files.car')
    hamt = await openFixture('trustless_gateway_car/single-layer-hamt-with-multi-block-files.car')
    mixed = await openFixture('trustless_gateway_car/subdir-with-mixed-block-files.car')
    cbor = await openFixture('trustless_gateway_car/dir-with-dag-cbor-with-links.car')
  })
  const child = (f: FixtureCar, cid: string, name: string): string => {
    const link = f.links(cid).find(l => l.name === name)
    if (link == null) throw new Error(`no ${name} under ${cid}`)
    return link.cid
  }
  /** The HAMT shards between the root and an entry, and the entry (independent of the gateway's lookup). */
  const hamtPath = (name: string): { shards: string[], entry: string } => {
    const search = (shard: string, path: string[]): { shards: string[], entry: string } | undefined => {
      for (const link of hamt.links(shard)) {
        if (link.name.length === 2) {
          const found = search(link.cid, [...path, link.cid])
          if (found != null) return found
        } else if (link.name.slice(2) === name) {
          return { shards: path, entry: link.cid }
        }
      }
      return undefined
    }
    const found = search(HAMT, [])
    if (found == null) throw new Error(`no ${name} in the HAMT`)
    return found
  }
  /** Every shard of the HAMT below its root, depth first. */
  const hamtShards = (shard = HAMT): string[] =>
    hamt.links(shard).filter(l => l.name.length === 2).flatMap(l => [l.cid, ...hamtShards(l.cid)])

  it('paths through a UnixFS directory, then the whole file', async () => {
    const subdir = child(twoFiles, TWO_FILES, 'subdir')
    expect(await car(`/ipfs/${TWO_FILES}/subdir/ascii.txt`)).toEqual([TWO_FILES, subdir, child(twoFiles, subdir, 'ascii.txt')])
  })

  it('paths through a HAMT: only the shards on the way', async () => {
    const { shards, entry } = hamtPath('685.txt')
    expect(await car(`/ipfs/${HAMT}/685.txt`)).toEqual([HAMT, ...shards, entry, ...hamt.descendants(entry)])
  })

  it('paths through a dag-cbor root', async () => {
    const dagCbor = await import('@ipld/dag-cbor')
    const document = child(cbor, DAG_CBOR_DIR, 'document')
    const value = dagCbor.decode(cbor.bytes(document)) as { files: { single: { toString(): string } } }
    const single = value.files.single.toString()
    expect(await car(`/ipfs/${document}/files/single`)).toEqual([document, single])
  })

  it('answers 404 for a path that does not exist', async () => {
    expect((await gw.get(`/ipfs/${TWO_FILES}/subdir/i-do-not-exist?format=car`)).status).toBe(404)
  })

  it('dag-scope=block: the path blocks and the last block only', async () => {
    const subdir = child(twoFiles, TWO_FILES, 'subdir')
    expect(await car(`/ipfs/${TWO_FILES}/subdir`, '&dag-scope=block')).toEqual([TWO_FILES, subdir])
    expect(await car(`/ipfs/${TWO_FILES}/subdir/ascii.txt`, '&dag-scope=block')).toEqual([TWO_FILES, subdir, child(twoFiles, subdir, 'ascii.txt')])
    const { shards, entry } = hamtPath('1.txt')
    expect(await car(`/ipfs/${HAMT}/1.txt`, '&dag-scope=block')).toEqual([HAMT, ...shards, entry])
  })

  it('dag-scope=entity: a directory, a HAMT\'s shards, a whole file, a dag-cbor block without its links', async () => {
    expect(await car(`/ipfs/${TWO_FILES}`, '&dag-scope=entity')).toEqual([TWO_FILES])
    expect(await car(`/ipfs/${HAMT}`, '&dag-scope=entity')).toEqual([HAMT, ...hamtShards()])
    const subdir = child(mixed, MIXED, 'subdir')
    expect(await car(`/ipfs/${MIXED}/subdir/ascii.txt`, '&dag-scope=entity')).toEqual([MIXED, subdir, child(mixed, subdir, 'ascii.txt')])
    const multiblock = child(mixed, subdir, 'multiblock.txt')
    expect(await car(`/ipfs/${MIXED}/subdir/multiblock.txt`, '&dag-scope=entity')).toEqual([MIXED, subdir, multiblock, ...MULTIBLOCK_LEAVES])
    const document = child(cbor, DAG_CBOR_DIR, 'document')
    expect(await car(`/ipfs/${DAG_CBOR_DIR}/document`, '&dag-scope=entity')).toEqual([DAG_CBOR_DIR, document])
  })

  it('dag-scope=all: everything below, each block once', async () => {
    const subdir = child(mixed, MIXED, 'subdir')
    expect(await car(`/ipfs/${MIXED}/subdir`, '&dag-scope=all')).toEqual([MIXED, subdir, ...mixed.descendants(subdir)])
    const multiblock = child(mixed, subdir, 'multiblock.txt')
    expect(await car(`/ipfs/${MIXED}/subdir/multiblock.txt`, '&dag-scope=all')).toEqual([MIXED, subdir, multiblock, ...MULTIBLOCK_LEAVES])
  })

  it('entity-bytes: only the blocks of the range, even with a block missing outside it', async () => {
    const before = await car(`/ipfs/${MISSING_BLOCK}`, '&dag-scope=entity&entity-bytes=0:1000')
    expect(before.sort()).toEqual([MISSING_BLOCK, 'QmPKt7ptM2ZYSGPUc8PmPT2VBkLDK3iqpG9TBJY7PCE9rF'].sort())
    const after = await car(`/ipfs/${MISSING_BLOCK}`, '&dag-scope=entity&entity-bytes=2200:*')
    expect(after.sort()).toEqual([MISSING_BLOCK, 'QmWXY482zQdwecnfBsj78poUUuPXvyw2JAFAEMw4tzTavV'].sort())
    const subdir = child(mixed, MIXED, 'subdir')
    const multiblock = child(mixed, subdir, 'multiblock.txt')
    expect(await car(`/ipfs/${MIXED}/subdir/multiblock.txt`, '&dag-scope=entity&entity-bytes=0:*')).toEqual([MIXED, subdir, multiblock, ...MULTIBLOCK_LEAVES])
    expect(await car(`/ipfs/${HAMT}`, '&dag-scope=entity&entity-bytes=0:*')).toEqual([HAMT, ...hamtShards()])
    const cases: Array<[string, string[]]> = [
      ['512:*', MULTIBLOCK_LEAVES.slice(2)],
      ['512:1023', MULTIBLOCK_LEAVES.slice(2, 4)],
      ['512:-256', MULTIBLOCK_LEAVES.slice(2, 4)],
      ['-5:*', MULTIBLOCK_LEAVES.slice(3)],
      ['-9999:*', MULTIBLOCK_LEAVES],
      ['-9999:-3', MULTIBLOCK_LEAVES.slice(0, 4)],
      ['0:0', MULTIBLOCK_LEAVES.slice(0, 1)],
      ['5000:*', []]
    ]
    for (const [range, leaves] of cases) {
      expect(await car(`/ipfs/${multiblock}`, `&dag-scope=entity&entity-bytes=${range}`), range).toEqual([multiblock, ...leaves])
    }
    expect((await gw.get(`/ipfs/${multiblock}?format=car&entity-bytes=nope`)).status).toBe(400)
  })

  it('order=dfs with dups=y and dups=n, from Accept and from the car-* query parameters', async () => {
    const ascii = 'bafkreifkam6ns4aoolg3wedr4uzrs3kvq66p4pecirz6y2vlrngla62mxm'
    const hello = 'bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4'
    const multiblock = 'bafybeigcisqd7m5nf3qmuvjdbakl5bdnh4ocrmacaqkpuh77qjvggmt2sa'
    const withDups = await gw.get(`/ipfs/${DUPLICATES}`, { Accept: 'application/vnd.ipld.car; version=1; order=dfs; dups=y' })
    expect(withDups.headers['content-type']).toContain('order=dfs')
    expect(withDups.headers['content-type']).toContain('dups=y')
    expect(await carBlockCids(withDups.body)).toEqual([DUPLICATES, ascii, ascii, hello, multiblock, ...MULTIBLOCK_LEAVES])
    const noDups = await gw.get(`/ipfs/${DUPLICATES}`, { Accept: 'application/vnd.ipld.car; version=1; order=dfs; dups=n' })
    expect(noDups.headers['content-type']).toContain('dups=n')
    expect(await carBlockCids(noDups.body)).toEqual([DUPLICATES, ascii, hello, multiblock, ...MULTIBLOCK_LEAVES])
    const unknownOrder = await gw.get(`/ipfs/${DUPLICATES}`, { Accept: 'application/vnd.ipld.car; version=1; order=unk' })
    expect(unknownOrder.headers['content-type']).toMatch(/order=\w+/)
    expect(new Set(await carBlockCids(unknownOrder.body))).toEqual(new Set([DUPLICATES, ascii, hello, multiblock, ...MULTIBLOCK_LEAVES]))
    const formatAndAccept = await gw.get(`/ipfs/${DUPLICATES}?format=car`, { Accept: 'application/vnd.ipld.car; version=1; order=dfs; dups=y' })
    expect(await carBlockCids(formatAndAccept.body)).toEqual(await carBlockCids(withDups.body))
    expect(formatAndAccept.headers['content-location']).toContain('car-dups=y')
    const queryOrder = await gw.get(`/ipfs/${DUPLICATES}?format=car&car-order=dfs`, { Accept: 'application/vnd.ipld.car; order=unk' })
    expect(queryOrder.headers['content-type']).toContain('order=dfs')
    const queryDups = await gw.get(`/ipfs/${DUPLICATES}?format=car&car-dups=y`, { Accept: 'application/vnd.ipld.car; dups=n' })
    expect(queryDups.headers['content-type']).toContain('dups=y')
    expect(await carBlockCids(queryDups.body)).toEqual(await carBlockCids(withDups.body))
    expect((await gw.get(`/ipfs/${DUPLICATES}`, { Accept: 'application/vnd.ipld.car; version=2' })).status).toBe(406)
  })

  it('never writes identity blocks', async () => {
    const res = await gw.get('/ipfs/bafkqaf3imvwgy3zaneqgc3janfxgy2lomvscay3jmqfa', { Accept: 'application/vnd.ipld.car; dups=y' })
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toContain('dups=y')
    expect(await carBlockCids(res.body)).toEqual([])
    const probe = await gw.get('/ipfs/bafkqaaa?format=car')
    const { CarReader } = await import('@ipld/car/reader')
    expect((await (await CarReader.fromBytes(probe.body)).getRoots()).map(String)).toEqual(['bafkqaaa'])
  })

  it('gives each scope, byte range and dups setting its own Etag, and 304 for a matching one', async () => {
    const path = `/ipfs/${MIXED}/subdir/multiblock.txt`
    const tags = new Set<string>()
    for (const query of ['', '&dag-scope=block', '&dag-scope=entity', '&dag-scope=entity&entity-bytes=0:10', '&dag-scope=entity&entity-bytes=0:11', '&car-dups=y']) {
      tags.add(String((await gw.get(`${path}?format=car${query}`)).headers.etag))
    }
    expect(tags.size).toBe(6)
    tags.add(String((await gw.get(`${path}?format=raw`)).headers.etag))
    tags.add(String((await gw.get(path)).headers.etag))
    expect(tags.size).toBe(8)
    const etag = String((await gw.get(`${path}?format=car&dag-scope=block`)).headers.etag)
    const cached = await gw.get(`${path}?format=car&dag-scope=block`, { 'If-None-Match': etag })
    expect(cached.status).toBe(304)
    expect(cached.body.length).toBe(0)
  })
})

/**
 * Interop with the reference clients: `@helia/verified-fetch` (over Helia's trustless-gateway
 * block broker, pointed at this gateway only) retrieves and verifies a multi-block file and a
 * directory; `ipfs-car` unpacks a CAR answer back into the original files.
 *
 * The Helia node is built without libp2p (createHeliaLight + withHTTP, no delegated routers), so
 * nothing but the loopback gateway is ever contacted.
 */
import { execFile } from 'node:child_process'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { fileURLToPath } from 'node:url'
import { CID } from 'multiformats/cid'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { importer, importFile } from '../../dag/index.ts'
import { randomBytesOf } from './helpers.ts'
import { startGateway, type GatewayFixture } from './gateway-helpers.ts'

const IPFS_CAR_BIN = fileURLToPath(new URL('../../node_modules/ipfs-car/bin.js', import.meta.url))
const CHUNKS = { cidVersion: 1 as const, rawLeaves: true, chunker: 'size-65536' }

let gw: GatewayFixture
let fileCid: CID
let fileData: Uint8Array
let dirCid: CID
const dirFiles: Record<string, Uint8Array> = {
  'a.txt': new TextEncoder().encode('the first file\n'),
  'sub/b.bin': randomBytesOf(200_000, 7),
  'sub/deeper/c.txt': new TextEncoder().encode('third\n')
}
let requests = 0
const requested = new Set<string>()
/** Blocks served with one byte changed (the gateway must not be trusted). */
const corrupted = new Set<string>()

async function * one (bytes: Uint8Array): AsyncGenerator<Uint8Array> { yield bytes }

beforeAll(async () => {
  gw = await startGateway({}, {
    fixtures: false,
    blocks: (real) => ({
      get: async (cid, options) => {
        requests++
        requested.add(cid.toString())
        const bytes = await real.get(cid, options)
        if (!corrupted.has(cid.toString())) return bytes
        const copy = bytes.slice()
        copy[0] ^= 0xff
        return copy
      }
    })
  })
  fileData = randomBytesOf(600_000, 3)
  fileCid = (await importFile(one(fileData), gw.node.blockstore, CHUNKS)).cid
  const entries = Object.entries(dirFiles).map(([path, content]) => ({ path: `dir/${path}`, content }))
  for await (const result of importer(entries, gw.node.blockstore, CHUNKS)) {
    if (result.path === 'dir') dirCid = result.cid
  }
})
afterAll(async () => { await gw?.close() })

async function verifiedFetchFor (url: string): Promise<{ fetch: (resource: string, init?: RequestInit) => Promise<Response>, stop: () => Promise<void> }> {
  const { createHeliaLight } = await import('helia')
  const { withHTTP } = await import('@helia/http')
  const { createVerifiedFetchWithHelia } = await import('@helia/verified-fetch')
  const helia = withHTTP(createHeliaLight(), { delegatedRouters: [], recursiveGateways: [url], allowInsecure: true, allowLocal: true })
  // Helia's routing waits forever when no non-fallback router exists (the gateway is a fallback
  // router): one that finds nothing lets it move on to the gateway
  helia.addRouter({ name: 'no-other-routers', findProviders: async function * () {} })
  await helia.start()
  const fetch = await createVerifiedFetchWithHelia(helia)
  return { fetch, stop: async () => { await fetch.stop(); await helia.stop() } }
}

describe('@helia/verified-fetch against the gateway', () => {
  it('retrieves and verifies a multi-block file and the files of a directory', async () => {
    const client = await verifiedFetchFor(gw.url)
    try {
      const before = requests
      const file = await client.fetch(`ipfs://${fileCid.toString()}`)
      expect(file.status).toBe(200)
      expect(Buffer.from(await file.arrayBuffer()).equals(Buffer.from(fileData))).toBe(true)
      for (const [path, content] of Object.entries(dirFiles)) {
        const res = await client.fetch(`ipfs://${dirCid.toString()}/${path}`)
        expect(res.status, path).toBe(200)
        expect(Buffer.from(await res.arrayBuffer()).equals(Buffer.from(content)), path).toBe(true)
      }
      // every block came through this gateway: ≥ 10 leaves of 64 KiB plus roots
      expect(requests - before).toBeGreaterThan(10)
    } finally {
      await client.stop()
    }
  })

  it('refuses a block the gateway alters', async () => {
    const bytes = randomBytesOf(100_000, 11)
    const cid = (await importFile(one(bytes), gw.node.blockstore, CHUNKS)).cid
    const leaf = (await import('@ipld/dag-pb')).decode(await gw.node.blockstore.get(cid)).Links[1].Hash.toString()
    corrupted.add(leaf)
    requested.clear()
    const client = await verifiedFetchFor(gw.url)
    try {
      let outcome: Buffer | number | Error
      try {
        const res = await client.fetch(`ipfs://${cid.toString()}`, { signal: AbortSignal.timeout(5_000) })
        outcome = res.status === 200 ? Buffer.from(await res.arrayBuffer()) : res.status
      } catch (err) {
        outcome = err as Error // the altered block never verifies: the client gives up
      }
      expect(Buffer.isBuffer(outcome) && outcome.equals(Buffer.from(bytes))).toBe(false)
      expect(requested.has(leaf)).toBe(true)
    } finally {
      corrupted.clear()
      await client.stop()
    }
  })
})

describe('ipfs-car against the gateway', () => {
  it('unpacks a CAR answer to the original files', async () => {
    const res = await gw.get(`/ipfs/${dirCid.toString()}?format=car`)
    expect(res.status).toBe(200)
    const car = join(gw.dir, 'dir.car')
    await writeFile(car, res.body)
    const out = join(gw.dir, 'unpacked')
    await mkdir(out)
    await promisify(execFile)(process.execPath, [IPFS_CAR_BIN, 'unpack', car, '--output', join(out, 'dir')])
    for (const [path, content] of Object.entries(dirFiles)) {
      expect(Buffer.from(await readFile(join(out, 'dir', path))).equals(Buffer.from(content)), path).toBe(true)
    }
    const single = await gw.get(`/ipfs/${fileCid.toString()}`, { Accept: 'application/vnd.ipld.car' })
    await writeFile(join(gw.dir, 'file.car'), single.body)
    const { stdout } = await promisify(execFile)(process.execPath, [IPFS_CAR_BIN, 'unpack', join(gw.dir, 'file.car')], { encoding: 'buffer', maxBuffer: 4 * 1024 * 1024 })
    expect(Buffer.from(stdout).equals(Buffer.from(fileData))).toBe(true)
  })
})

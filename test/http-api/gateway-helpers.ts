/**
 * An in-process gateway on a real repo, listening on 127.0.0.1 with a random port, loaded with the
 * gateway-conformance fixture CARs as `test/fixtures/gateway-conformance/README.md` says (every `*.car` imported,
 * no roots pinned).
 */
import { createReadStream } from 'node:fs'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { CID } from 'multiformats/cid'
import { openNode, type CoreNode } from '../../core/index.ts'
import { importCar, resolve } from '../../dag/index.ts'
import { createGatewayServer, type GatewayInit } from '../../http-api/index.ts'
import { initRepo } from '../../repo/index.ts'
import { GATEWAY_CONFORMANCE_FIXTURES } from '../helpers/fixtures.ts'

/** The conformance suite's fixtures (v0.13.2). */
export const FIXTURES = GATEWAY_CONFORMANCE_FIXTURES

/** Every `*.car` under the fixtures folder. */
export async function fixtureCars (): Promise<string[]> {
  const out: string[] = []
  const walkDir = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) await walkDir(path)
      else if (entry.name.endsWith('.car')) out.push(path)
    }
  }
  await walkDir(FIXTURES)
  return out.sort()
}

/** A raw HTTP answer: status, headers and the whole body. */
export interface RawResponse {
  status: number
  headers: IncomingHttpHeaders
  body: Buffer
}

export interface GatewayFixture {
  dir: string
  node: CoreNode
  app: FastifyInstance
  port: number
  /** `http://127.0.0.1:<port>` */
  url: string
  /**
   * One request over node:http (so that `Host` can be set, and bodies of HEAD, 3xx and errors
   * come back as they are). `path` is sent as it is, not normalised.
   */
  get(path: string, headers?: Record<string, string>, method?: string): Promise<RawResponse>
  /** The CID at `root/segments…` (resolved in-process). */
  cid(root: string, ...segments: string[]): Promise<string>
  close(): Promise<void>
}

export interface StartGatewayOptions {
  /** Import the conformance fixtures. Default true. */
  fixtures?: boolean
  /** Edit the repo config before the gateway starts. */
  config?: (config: Record<string, unknown>) => void
  /** Wraps the node's block service's reads (fault injection). */
  blocks?: (real: CoreNode['blocks']) => Pick<CoreNode['blocks'], 'get'>
}

export async function startGateway (init: GatewayInit = {}, options: StartGatewayOptions = {}): Promise<GatewayFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-gateway-'))
  const repoPath = join(dir, 'repo')
  await initRepo(repoPath, { profiles: ['test'] })
  let node = await openNode(repoPath, { offline: true, command: 'cairn gateway (test)' })
  if (options.config != null) {
    const next = structuredClone(node.repo.config)
    options.config(next)
    await node.repo.saveConfig(next)
  }
  if (options.fixtures !== false) {
    for (const car of await fixtureCars()) {
      const result = await importCar(createReadStream(car), node.blockstore)
      if (result.errors.length > 0) throw new Error(`fixture ${car}: ${result.errors[0].message}`)
    }
  }
  if (options.blocks != null) node = { ...node, blocks: { ...node.blocks, ...options.blocks(node.blocks) } }
  const app = createGatewayServer({ node }, init)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  if (address == null || typeof address !== 'object') throw new Error('not listening')
  const port = address.port
  const get = async (path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<RawResponse> =>
    await new Promise((resolvePromise, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path, method, headers, agent: false }, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () => { resolvePromise({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }) })
        res.on('error', reject)
      })
      req.on('error', reject)
      req.end()
    })
  return {
    dir,
    node,
    app,
    port,
    url: `http://127.0.0.1:${port}`,
    get,
    cid: async (root, ...segments) => (await resolve({ root: CID.parse(root), segments }, node.blocks)).cid.toString(),
    close: async () => {
      await app.close()
      await node.close()
      await rm(dir, { recursive: true, force: true })
    }
  }
}

/** The blocks of a CARv1 body, in order (CID strings). */
export async function carBlockCids (body: Uint8Array): Promise<string[]> {
  const { CarBlockIterator } = await import('@ipld/car/iterator')
  const iterator = await CarBlockIterator.fromBytes(body)
  const out: string[] = []
  for await (const block of iterator) out.push(block.cid.toString())
  return out
}

/** The blocks of one fixture CAR, by CID string, and its roots: an oracle independent of the gateway. */
export interface FixtureCar {
  roots: string[]
  bytes: (cid: string) => Uint8Array
  /** dag-pb links of a block: name and CID. */
  links: (cid: string) => Array<{ name: string, cid: string }>
  /** Every CID under `cid` (not itself), depth first, each once. */
  descendants: (cid: string) => string[]
}

export async function openFixture (relative: string): Promise<FixtureCar> {
  const { CarReader } = await import('@ipld/car/reader')
  const dagPb = await import('@ipld/dag-pb')
  const { readFile } = await import('node:fs/promises')
  const reader = await CarReader.fromBytes(await readFile(join(FIXTURES, relative)))
  const blocks = new Map<string, Uint8Array>()
  for await (const block of reader.blocks()) blocks.set(block.cid.toString(), block.bytes)
  const bytes = (cid: string): Uint8Array => {
    const found = blocks.get(cid)
    if (found == null) throw new Error(`fixture ${relative} has no block ${cid}`)
    return found
  }
  const links = (cid: string): Array<{ name: string, cid: string }> =>
    CID.parse(cid).code === 0x70 ? dagPb.decode(bytes(cid)).Links.map(l => ({ name: l.Name ?? '', cid: l.Hash.toString() })) : []
  const descendants = (cid: string): string[] => {
    const out: string[] = []
    const seen = new Set<string>()
    const visit = (c: string): void => {
      for (const link of links(c)) {
        if (seen.has(link.cid)) continue
        seen.add(link.cid)
        out.push(link.cid)
        visit(link.cid)
      }
    }
    visit(cid)
    return out
  }
  return { roots: (await reader.getRoots()).map(String), bytes, links, descendants }
}

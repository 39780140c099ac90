/**
 * The node as the network subsystems will see it: its parts start and stop through the
 * lifecycle, `node.resolvePath` is the one path resolver, `node.routing` is off (with a named
 * error) until routers exist, and `node.components` hands the libp2p host's parts to subsystems
 * through a typed object.
 */
import { createServer } from 'node:net'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { PeerId, PeerStore, StreamHandler } from '@libp2p/interface'
import { CID } from 'multiformats/cid'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { componentsFor } from '../../core/components.ts'
import { openNode, type CoreNode } from '../../core/index.ts'
import { initRepo, Repo, type MetadataStore } from '../../repo/index.ts'
import type { BlockGetter } from '../../blockstore/index.ts'
import { dagPbNode, randomBlock } from '../blockstore/helpers.ts'

/** What a network subsystem would declare: typed on @libp2p/interface and the leaf stores only. */
interface ExampleComponents {
  peerId: PeerId
  registrar: { handle(protocol: string, handler: StreamHandler): Promise<void>, unhandle(protocol: string): Promise<void>, getProtocols(): string[] }
  peerStore: PeerStore
  logger: { forComponent(name: string): (formatter: string, ...args: unknown[]) => void }
  datastore: MetadataStore
}

describe('the node', () => {
  let dir: string
  let node: CoreNode | undefined

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cairn-node-'))
    await initRepo(dir, { profiles: ['test'] })
  })
  afterEach(async () => {
    await node?.close()
    node = undefined
    await rm(dir, { recursive: true, force: true })
  })

  it('resolves bare CIDs without reading a block, paths through links, and /ipns/ names through naming', async () => {
    node = await openNode(dir)
    const leaf = randomBlock(32)
    const inner = dagPbNode([leaf.cid])
    const root = dagPbNode([inner.cid])
    await node.blockstore.putMany([leaf, inner, root])
    let reads = 0
    const counting: BlockGetter = { get: async (cid, options) => { reads++; return await node!.blocks.get(cid, options) } }

    const missing = randomBlock(8).cid
    const bare = await node.resolvePath(missing.toString(), { blocks: counting })
    expect(bare.cid.equals(missing) && bare.root.equals(missing)).toBe(true)
    expect([bare.segments, bare.remainder, bare.entry]).toEqual([[], [], undefined])
    expect((await node.resolvePath(`/ipfs/${root.cid}`, { blocks: counting })).cid.equals(root.cid)).toBe(true)
    expect((await node.resolvePath(root.cid, { blocks: counting })).cid.equals(root.cid)).toBe(true)
    expect(reads).toBe(0)

    for (const path of [`/ipfs/${root.cid}/link-0/link-0`, `${root.cid}/link-0/link-0`, { root: root.cid, segments: ['link-0', 'link-0'] }]) {
      const resolved = await node.resolvePath(path, { blocks: counting })
      expect(resolved.cid.equals(leaf.cid)).toBe(true)
      expect(resolved.segments).toEqual(['link-0', 'link-0'])
      expect(resolved.entry?.type).toBe('raw')
    }
    expect(reads).toBeGreaterThan(0)
    expect((await node.resolvePath(root.cid.toString(), { describe: true })).entry.cid.equals(root.cid)).toBe(true)

    // offline, a name with no local record is not found (a key name: a domain would ask DNS)
    await expect(node.resolvePath('/ipns/k51qzi5uqu5dit2ku9mutlfgwyz8u730on38kd10m97m36bjt66my99hb6103f/a')).rejects.toMatchObject({ name: 'NotFoundError' })
    await expect(node.resolvePath('/ipns/')).rejects.toMatchObject({ name: 'InvalidPathError' })
    await expect(node.resolvePath('not-a-cid')).rejects.toMatchObject({ name: 'InvalidCIDError' })
    await expect(node.resolvePath(`/ipfs/${root.cid}/nope`)).rejects.toMatchObject({ name: 'PathNotFoundError' })
    const controller = new AbortController()
    controller.abort()
    await expect(node.resolvePath(`/ipfs/${root.cid}/link-0`, { signal: controller.signal })).rejects.toMatchObject({ name: 'AbortedError' })
  })

  it('has routing that is off with a named error, offline', async () => {
    node = await openNode(dir)
    const cid = CID.parse('bafkqaaa')
    await expect(node.routing.provide(cid)).rejects.toMatchObject({ name: 'RoutingOffError', message: expect.stringContaining('routing is off: the node is offline') })
    const providers = node.routing.findProviders(cid)[Symbol.asyncIterator]()
    await expect(providers.next()).rejects.toMatchObject({ name: 'RoutingOffError' })
  })

  it('a host that fails to start stops the blockstore and releases the repo lock', async () => {
    const busy = createServer()
    await new Promise<void>(resolve => busy.listen(0, '127.0.0.1', resolve))
    try {
      const repo = await Repo.open(dir)
      const { port } = busy.address() as { port: number }
      await repo.saveConfig({ ...repo.config, Addresses: { ...(repo.config.Addresses as object), Swarm: [`/ip4/127.0.0.1/tcp/${port}`] } })
      await repo.close()
      await expect(openNode(dir, { offline: false })).rejects.toMatchObject({ name: 'ListenError' })
      // the lock was released and the blockstore closed: the repo opens again at once
      node = await openNode(dir)
      expect(node.offline).toBe(true)
    } finally {
      await new Promise(resolve => busy.close(resolve))
    }
  })

  it('online, hands the host\'s parts to subsystems as typed components, each with its own datastore', async () => {
    node = await openNode(dir, { offline: false })
    const components = node.components
    if (components == null) throw new Error('an online node has components')
    const dht: ExampleComponents = componentsFor(components, 'dht')
    const bitswap: ExampleComponents = componentsFor(components, 'bitswap')
    expect(dht.peerId.equals(node.host?.peerId)).toBe(true)
    await dht.registrar.handle('/cairn/example/1.0.0', (stream) => { void stream.close() })
    expect(node.host?.registrar.getProtocols()).toContain('/cairn/example/1.0.0')
    await dht.registrar.unhandle('/cairn/example/1.0.0')
    await dht.datastore.put(Uint8Array.of(1), Uint8Array.of(2))
    expect(Array.from(await dht.datastore.get(Uint8Array.of(1)) ?? [])).toEqual([2])
    expect(await bitswap.datastore.get(Uint8Array.of(1))).toBeUndefined()
    expect(components.routing).toBe(node.routing)
    expect(components.blocks).toBe(node.blocks)
  })
})

/**
 * Providing on a real online node (its repo on disk, libp2p on loopback) next to a Cairn DHT
 * server: `Provide.Strategy` decides what `add`, `pin add` and `dag import` announce, the counts
 * show in `provide stat`, `bitswap reprovide` sweeps now, `stats dht` lists the table, and
 * provide fails with a named error wherever it cannot work.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CID } from 'multiformats/cid'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openNode, parseOptions, type CommandInput, type CoreNode } from '../../core/index.ts'
import { add } from '../../core/commands/add.ts'
import { pinAdd } from '../../core/commands/pin.ts'
import { dagExport, dagImport } from '../../core/commands/dag.ts'
import { bitswapReprovide, provideStat, statsDht, type DhtStatOutput, type ProvideStatOutput } from '../../core/commands/provide.ts'
import { routingProvide } from '../../core/commands/routing.ts'
import { filesWrite } from '../../core/commands/files-edit.ts'
import { filesStat, type FilesStat } from '../../core/commands/files-stat.ts'
import { initRepo, repoPaths } from '../../repo/index.ts'
import type { Command } from '../../core/command.ts'
import { createCairnNode, type CairnDHTNode } from '../dht/swarm.ts'
import { entries, file, randomBytesOf } from '../http-api/helpers.ts'
import { waitFor } from '../helpers/wait.ts'

const dirs: string[] = []
const nodes: CoreNode[] = []

/** An online node on a fresh repo with the `test` profile and the given config changes. */
async function onlineNode (config: Record<string, unknown>): Promise<CoreNode> {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-provide-'))
  dirs.push(dir)
  const root = join(dir, 'repo')
  await initRepo(root, { profiles: ['test'] })
  const path = repoPaths(root).config
  const current = JSON.parse(await readFile(path, 'utf8')) as Record<string, Record<string, unknown>>
  for (const [section, values] of Object.entries(config)) current[section] = { ...(current[section] ?? {}), ...(values as Record<string, unknown>) }
  await writeFile(path, JSON.stringify(current))
  const node = await openNode(root, { offline: false, command: 'provider test' })
  nodes.push(node)
  return node
}

async function run<V> (command: Command<V>, node: CoreNode, args: string[] = [], options: Record<string, unknown> = {}, input: CommandInput = {}): Promise<V[]> {
  const result = command.run({ node, args, options: parseOptions(command as Command, options), input, signal: AbortSignal.timeout(60_000), repoPath: '' })
  if (Symbol.asyncIterator in result) {
    const out: V[] = []
    for await (const value of result) out.push(value)
    return out
  }
  return [await result]
}

/** Adds a 600 KiB file (three leaves and a root); returns every CID, root last. */
async function addFile (node: CoreNode, seed: number, pin = true): Promise<CID[]> {
  const out = await run(add, node, [], { pin }, { entries: entries(file(`f${seed}.bin`, randomBytesOf(600 * 1024, seed))) }) as Array<{ Hash?: string }>
  const root = CID.parse(out.at(-1)?.Hash as string)
  const cids: CID[] = []
  const { walkDag, loadBlockBytes } = await import('../../blockstore/index.ts')
  for await (const block of walkDag([root], { load: async (cid, opts) => loadBlockBytes(cid, node.blockstore, opts) })) cids.push(block.cid)
  return [...cids.slice(1), root]
}

/** The peer's provider store says `node` provides `cid`. */
async function holds (peer: CairnDHTNode, node: CoreNode, cid: CID): Promise<boolean> {
  return (await peer.dht.providers.get(cid.multihash.bytes)).some(r => r.id.equals(node.host?.peerId))
}

/** Joins the node to the peer and waits until each has the other in its routing table. */
async function join2 (node: CoreNode, peer: CairnDHTNode): Promise<void> {
  await peer.libp2p.dial(node.host!.getMultiaddrs()[0])
  await waitFor(() => (node.dht?.routingTable.size ?? 0) > 0 && peer.dht.routingTable.size > 0, { timeout: 20_000, message: 'the two routing tables' })
}

let peer: CairnDHTNode

beforeAll(async () => { peer = await createCairnNode() }, 30_000)

afterAll(async () => {
  for (const node of nodes) await node.close()
  await peer?.stop()
  for (const dir of dirs) await rm(dir, { recursive: true, force: true })
})

describe('Provide.Strategy', () => {
  it('roots: add announces the root only', async () => {
    const node = await onlineNode({ Provide: { Strategy: 'roots' } })
    expect(node.provider?.strategy).toBe('roots')
    await join2(node, peer)
    const cids = await addFile(node, 1)
    const root = cids.at(-1) as CID
    await waitFor(async () => await holds(peer, node, root), { timeout: 30_000, message: 'the root to be provided' })
    await waitFor(() => node.provider?.stats().queued === 0, { message: 'the queue to drain' })
    expect(node.provider?.stats().provided).toBe(1)
    for (const leaf of cids.slice(0, -1)) expect(await holds(peer, node, leaf)).toBe(false)
    // the sweep's keys are the pin roots, too
    const keys: Uint8Array[] = []
    for await (const key of node.provider!.keys()) keys.push(key)
    expect(keys.map(k => Buffer.from(k).toString('hex'))).toEqual([Buffer.from(root.multihash.bytes).toString('hex')])
  }, 90_000)

  it('pinned: an unpinned add announces nothing, pin add announces the whole DAG, dag import its pinned DAG', async () => {
    const node = await onlineNode({ Provide: { Strategy: 'pinned' } })
    await join2(node, peer)
    const unpinned = await addFile(node, 2, false)
    const pinned = await addFile(node, 3, false)
    expect(node.provider?.stats().queued).toBe(0)
    await run(pinAdd, node, [pinned.at(-1)!.toString()])
    await waitFor(async () => (await Promise.all(pinned.map(async c => holds(peer, node, c)))).every(Boolean), { timeout: 30_000, message: 'the pinned DAG to be provided' })
    await waitFor(() => node.provider?.stats().queued === 0, { message: 'the queue to drain' })
    // the unpinned file was stored first: had it been queued, it would have gone first
    expect(node.provider?.stats().provided).toBe(pinned.length)
    for (const cid of unpinned) expect(await holds(peer, node, cid)).toBe(false)

    // dag import pins the CAR's roots: their blocks are announced
    const source = await onlineNode({ Provide: { Enabled: false } })
    const other = await addFile(source, 4)
    const car = Buffer.concat(await run(dagExport, source, [other.at(-1)!.toString()]))
    await run(dagImport, node, [], {}, { files: (async function * () { yield { name: 'x.car', content: (async function * () { yield car })() } })() })
    await waitFor(async () => (await Promise.all(other.map(async c => holds(peer, node, c)))).every(Boolean), { timeout: 30_000, message: 'the imported DAG to be provided' })
  }, 120_000)

  it('all: every stored block is announced, pinned or not', async () => {
    const node = await onlineNode({ Provide: { Strategy: 'all' } })
    await join2(node, peer)
    const cids = await addFile(node, 5, false)
    await waitFor(async () => (await Promise.all(cids.map(async c => holds(peer, node, c)))).every(Boolean), { timeout: 30_000, message: 'every block to be provided' })
    // the peer may hold the last record a moment before this node counts its provide as done
    await waitFor(() => (node.provider?.stats().provided ?? 0) >= cids.length, { message: 'the provides to be counted' })
    const [stat] = await run(provideStat, node) as ProvideStatOutput[]
    expect(stat.Strategy).toBe('all')
    expect(stat.TotalProvides).toBeGreaterThanOrEqual(cids.length)
    expect(stat.Sweep?.timing.reprovides_interval).toBe(22 * 3600 * 1e9)
    expect(stat.Behind).toBe(false)
    expect(provideStat.text?.(stat, {})).toMatch(/Strategy: +all/)

    // bitswap reprovide: a full sweep now, the blocks of this repo in it
    const [swept] = await run(bitswapReprovide, node) as Array<{ Keys: number, Provided: number, Lookups: number }>
    expect(swept.Keys).toBeGreaterThanOrEqual(cids.length)
    expect(swept.Provided).toBe(swept.Keys)
    expect(swept.Lookups).toBeGreaterThan(0)
    const [after] = await run(provideStat, node) as ProvideStatOutput[]
    expect(after.LastReprovide).not.toMatch(/^0001/)

    // stats dht: the peer, in the bucket of its common prefix length, connected
    const [table] = await run(statsDht, node) as DhtStatOutput[]
    expect(table.Name).toBe('wan')
    const listed = table.Buckets.flatMap(b => b.Peers)
    expect(listed.map(p => p.ID)).toContain(peer.libp2p.peerId.toString())
    expect(listed.find(p => p.ID === peer.libp2p.peerId.toString())?.Connected).toBe(true)
    expect(statsDht.text?.(table, {})).toMatch(/^DHT wan \(\d+ peers\):\n {2}Bucket {2}0/)
    await expect(run(statsDht, node, ['lan'])).rejects.toMatchObject({ name: 'InvalidArgumentError' })
  }, 120_000)
})

describe('Provide.Strategy mfs', () => {
  it('mfs: a sweep announces the MFS tree, and not the pins', async () => {
    const node = await onlineNode({ Provide: { Strategy: 'mfs' } })
    await join2(node, peer)
    const pinned = await addFile(node, 7)
    const bytes = randomBytesOf(300 * 1024, 8)
    await run(filesWrite, node, ['/docs/a.bin'], { create: true, parents: true }, {
      files: (async function * () { yield { name: 'a.bin', content: (async function * () { yield bytes })() } })()
    })
    const [stat] = await run(filesStat, node, ['/docs/a.bin']) as FilesStat[]
    const [dir] = await run(filesStat, node, ['/docs']) as FilesStat[]
    const [swept] = await run(bitswapReprovide, node) as Array<{ Keys: number }>
    // the root, /docs, the file's root and its leaves
    expect(swept.Keys).toBeGreaterThanOrEqual(3)
    // ADD_PROVIDER has no answer: the peer stores the records once it has read them
    await waitFor(async () => await holds(peer, node, CID.parse(stat.Hash)) && await holds(peer, node, CID.parse(dir.Hash)), { timeout: 30_000, message: 'the MFS tree to be provided' })
    expect(await holds(peer, node, pinned.at(-1)!)).toBe(false)
  }, 120_000)
})

describe('provide is never a silent no-op', () => {
  const cidOf = async (node: CoreNode): Promise<string> => (await addFile(node, 9)).at(-1)!.toString()

  it('fails with RoutingOffError when Routing.Type is none, and the provide commands say providing is off when Provide.Enabled is false', async () => {
    const none = await onlineNode({ Routing: { Type: 'none' } })
    const cid = await cidOf(none)
    await expect(run(routingProvide, none, [cid])).rejects.toMatchObject({ name: 'RoutingOffError' })
    await expect(run(statsDht, none)).rejects.toMatchObject({ name: 'RoutingOffError' })
    const disabled = await onlineNode({ Provide: { Enabled: false } })
    expect(disabled.provider).toBeUndefined()
    await expect(run(provideStat, disabled)).rejects.toMatchObject({ name: 'RoutingOffError', message: expect.stringContaining('Provide.Enabled') })
    // the offline CLI's node has no provider at all: it queues nothing and touches no network
    const root = join(dirs[0], 'offline-repo')
    await initRepo(root, { profiles: ['test'] })
    const offline = await openNode(root, { offline: true })
    try {
      expect(offline.provider).toBeUndefined()
      await addFile(offline, 10)
      await expect(run(provideStat, offline)).rejects.toMatchObject({ name: 'OfflineError' })
      await expect(run(bitswapReprovide, offline)).rejects.toMatchObject({ name: 'OfflineError' })
    } finally {
      await offline.close()
    }
  }, 60_000)

  it('fails with NoPeersError in client mode with no peers', async () => {
    const client = await onlineNode({ Routing: { Type: 'dhtclient' } })
    expect(client.dht?.getMode()).toBe('client')
    const cid = await cidOf(client)
    await expect(run(routingProvide, client, [cid])).rejects.toMatchObject({ name: 'NoPeersError' })
    // the blocks the add queued failed the same way, and provide stat says so
    await waitFor(() => (client.provider?.stats().failed ?? 0) > 0, { message: 'the queued provides to fail' })
    const [stat] = await run(provideStat, client) as ProvideStatOutput[]
    expect(stat.FailedProvides).toBeGreaterThan(0)
    expect(stat.Warnings.join('\n')).toMatch(/could not be provided .*routing table is empty/)
    await expect(run(bitswapReprovide, client)).rejects.toMatchObject({ name: 'NoPeersError' })
  }, 60_000)
})

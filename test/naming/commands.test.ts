import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { defaultLogger } from '@libp2p/logger'
import { ipnsValidator } from 'ipns/validator'
import { CID as CIDClass } from 'multiformats/cid'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { parseOptions } from '../../core/command.ts'
import type { Command } from '../../core/command.ts'
import { findCommand } from '../../core/commands/index.ts'
import { keystoreOf } from '../../core/commands/key.ts'
import type { NamingNode } from '../../core/commands/key.ts'
import { openNode } from '../../core/node.ts'
import type { CoreNode } from '../../core/node.ts'
import { NotFoundError } from '../../errors/index.ts'
import { createNaming, ipnsRoutingKey, LevelNamingDatastore, parseIpnsName, RecordStore, validateIpnsRoutingRecord } from '../../naming/index.ts'
import { initRepo } from '../../repo/index.ts'
import type { Routing } from '../../routing/types.ts'
import { failure } from './helpers.ts'

const CID = 'bafkreicysg23kiwv34eg2d7qweipxwosdo2py4ldv42nbauguluen5v6am'

async function run (node: CoreNode, path: string, args: string[], raw: Record<string, unknown> = {}): Promise<unknown[]> {
  const command = findCommand(path) as Command
  expect(command).toBeDefined()
  const result = command.run({ node, args, options: parseOptions(command, raw), input: {}, signal: new AbortController().signal, repoPath: node.repo.root })
  if (command.output === 'value') return [await result]
  const values: unknown[] = []
  for await (const value of result as AsyncIterable<unknown>) values.push(value)
  return values
}

describe('key and name commands', () => {
  let dir: string
  let node: CoreNode

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cairn-name-cmd-'))
    await initRepo(join(dir, 'repo'), { profiles: ['test'] })
    node = await openNode(join(dir, 'repo'))
  })
  afterEach(async () => {
    await node.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('key gen/list/rename/rm/export/import in Kubo\'s shapes, names in base36 or as peer IDs', async () => {
    const [gen] = await run(node, 'key gen', ['site']) as Array<{ Name: string, Id: string }>
    expect(gen.Name).toBe('site')
    expect(gen.Id).toMatch(/^k51/)
    const [list] = await run(node, 'key list', [], { l: true, 'ipns-base': 'base58btc' }) as Array<{ Keys: Array<{ Name: string, Id: string }> }>
    expect(list.Keys.map(k => k.Name)).toEqual(['self', 'site'])
    expect(list.Keys[0].Id).toBe(node.repo.config.Identity.PeerID)
    expect(findCommand('key ls')!.text!(list, { l: true })).toBe(list.Keys.map(k => `${k.Id} ${k.Name}`).join('\n'))
    const [rsa] = await run(node, 'key gen', ['r'], { type: 'rsa' }) as Array<{ Id: string }>
    expect(rsa.Id).toMatch(/^k2k4r8/)
    expect(await run(node, 'key rename', ['site', 'www'])).toEqual([{ Was: 'site', Now: 'www', Id: gen.Id, Overwrite: false }])
    const [exported] = await run(node, 'key export', ['www']) as Uint8Array[]
    await writeFile(join(dir, 'www.key'), exported)
    expect(await run(node, 'key rm', ['www'])).toEqual([{ Keys: [{ Name: 'www', Id: gen.Id }] }])
    expect(await run(node, 'key import', ['back', join(dir, 'www.key')])).toEqual([{ Name: 'back', Id: gen.Id }])
    expect(await failure(run(node, 'key rm', ['self']))).toBe('KeyProtectedError')
    expect(await failure(run(node, 'key import', ['x', join(dir, 'missing.key')]))).toBe('InvalidArgumentError')
    expect((await stat(join(dir, 'repo', 'keystore'))).mode & 0o777).toBe(0o700)
  })

  it('name publish --allow-offline stores a record the ipns package accepts; name resolve reads it, also after reopening', async () => {
    expect(await failure(run(node, 'name publish', [`/ipfs/${CID}`]))).toBe('OfflineError')
    expect(await failure(run(node, 'name publish', [`/ipfs/${CID}`], { 'allow-offline': true }))).toBe('BlockNotFoundError')
    expect(await failure(run(node, 'name publish', [`/ipfs/${CID}`], { 'allow-offline': true, resolve: false, lifetime: '0s' }))).toBe('InvalidArgumentError')
    // with the block present the path resolves, so the default --resolve passes
    const bytes = new TextEncoder().encode('hello\n')
    await node.blockstore.put({ cid: CIDClass.parse(CID), bytes })
    const [published] = await run(node, 'name publish', [CID], { 'allow-offline': true }) as Array<{ Name: string, Value: string }>
    expect(published.Value).toBe(`/ipfs/${CID}`)
    expect(await run(node, 'name resolve', [published.Name])).toEqual([{ Path: `/ipfs/${CID}` }])
    expect(await run(node, 'name resolve', [])).toEqual([{ Path: `/ipfs/${CID}` }])
    expect(await run(node, 'resolve', [`/ipns/${published.Name}`])).toEqual([{ Path: `/ipfs/${CID}` }])
    expect(await run(node, 'resolve', [CID])).toEqual([{ Path: `/ipfs/${CID}` }])
    expect(await failure(run(node, 'resolve', ['/ipns/k51qzi5uqu5dlkw8pxuw9qmqayfdeh4kfebhmreauqdc6a7c3y7d5i9fi8mk9w']))).toBe('NotFoundError')
    const records = new RecordStore(new LevelNamingDatastore(node.repo.datastore))
    const name = parseIpnsName(published.Name)
    await ipnsValidator(ipnsRoutingKey(name), (await records.get(name))!)
    await node.close()
    node = await openNode(join(dir, 'repo'))
    const [again] = await run(node, 'name publish', [CID], { 'allow-offline': true, resolve: false, sequence: 5 }) as Array<{ Name: string }>
    expect(again.Name).toBe(published.Name)
    expect(await failure(run(node, 'name publish', [CID], { 'allow-offline': true, resolve: false, sequence: 5 }))).toBe('RecordOutdatedError')
  })

  it('name commands use the naming service the node carries (routing put, stream resolve)', async () => {
    const values = new Map<string, Uint8Array>()
    const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
    const routing = {
      async put (key: Uint8Array, value: Uint8Array) { await validateIpnsRoutingRecord(key, value); values.set(hex(key), value) },
      async get (key: Uint8Array) { const v = values.get(hex(key)); if (v == null) throw new NotFoundError('none'); return v }
    } as unknown as Routing
    const naming = createNaming({ keystore: await keystoreOf(node), records: new RecordStore(new LevelNamingDatastore(node.repo.datastore)), routing, logger: defaultLogger() })
    ;(node as NamingNode).naming = naming
    const [published] = await run(node, 'name publish', [`/ipfs/${CID}`], { resolve: false, 'ipns-base': 'base58btc' }) as Array<{ Name: string }>
    expect(published.Name).toBe(node.repo.config.Identity.PeerID)
    expect(values.size).toBe(1)
    expect(await run(node, 'name resolve', [published.Name], { stream: true, nocache: true })).toEqual([{ Path: `/ipfs/${CID}` }])
    expect(await readFile(join(dir, 'repo', 'config'), 'utf8')).not.toContain('keystore')
  })
})

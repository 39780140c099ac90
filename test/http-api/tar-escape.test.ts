/**
 * Tar output never escapes the folder it is unpacked into (issue 10 §1): a directory whose links
 * carry hostile names (`..`, `a/b`, empty, NUL), or a symlink followed by an entry under it (two
 * links with one name), is refused with `UnsafePathError` by the RPC `get` tar, the gateway's
 * `?format=tar` and the CLI's extractor alike — and no such member is ever written.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tarMemberNames } from '../helpers/tar.ts'
import type { Block } from '../../blockstore/index.ts'
import { extract } from '../../daemon/cli/extract.ts'
import { walk } from '../../dag/index.ts'
import { tarFromEntries, type TarEntry } from '../../http-api/index.ts'
import { startGateway, type GatewayFixture } from './gateway-helpers.ts'
import { bytesOf, startRpc, type RpcFixture } from './helpers.ts'

/** Builds dag-pb blocks by hand, names unchecked and in the order given (duplicates kept). */
class HostileDag {
  readonly blocks: Block[] = []

  async put (data: UnixFS, links: Array<[string, CID]> = []): Promise<CID> {
    // links in the order given: dag-pb sorts by name, and a stable sort keeps duplicates in order
    const bytes = dagPb.encode(dagPb.prepare({ Data: data.marshal(), Links: links.map(([Name, Hash]) => ({ Name, Hash, Tsize: 0 })) }))
    const cid = CID.createV1(dagPb.code, await sha256.digest(bytes))
    this.blocks.push({ cid, bytes })
    return cid
  }

  async file (text: string): Promise<CID> { return await this.put(new UnixFS({ type: 'file', data: new TextEncoder().encode(text) })) }
  async symlink (target: string): Promise<CID> { return await this.put(new UnixFS({ type: 'symlink', data: new TextEncoder().encode(target) })) }
  async dir (links: Array<[string, CID]>): Promise<CID> { return await this.put(new UnixFS({ type: 'directory' }), links) }
  /** A HAMT shard (fanout 256, murmur3); link names carry their bucket prefix, unchecked. */
  async shard (links: Array<[string, CID]>): Promise<CID> {
    return await this.put(new UnixFS({ type: 'hamt-sharded-directory', fanout: 256n, hashType: 0x22n, data: new Uint8Array(32) }), links)
  }
}

/** `root/..`, `root/../../x`, `root//etc/x`, an empty name and a NUL: each one directory's link. */
async function hostileNames (dag: HostileDag): Promise<Record<string, CID>> {
  const leaf = await dag.file('pwned')
  const out: Record<string, CID> = {}
  for (const name of ['..', '../../x', '/etc/x', '', 'a\u0000b', '.', 'a\\b']) {
    out[JSON.stringify(name)] = await dag.dir([['ok.txt', leaf], [name, leaf]])
  }
  return out
}

/**
 * `m -> ../../outside` then `m/pwn`, two ways: a link named `x/../m` (which the gateway used to
 * normalise into `m`), and a HAMT listing `m` in its root shard and again in a sub-shard (listings
 * drop a repeated name only within one block).
 */
async function symlinkThenChild (dag: HostileDag): Promise<{ slash: CID, hamt: CID }> {
  const link = await dag.symlink('../../outside')
  const sub = await dag.dir([['pwn', await dag.file('pwned')]])
  const slash = await dag.dir([['m', link], ['x/../m', sub]])
  const hamt = await dag.shard([['00m', link], ['01', await dag.shard([['00m', sub]])]])
  return { slash, hamt }
}

describe('EntryPathGuard in tarFromEntries', () => {
  const entry = (segments: string[], type: TarEntry['type'] = 'directory', target?: string): TarEntry =>
    ({ segments, name: segments[segments.length - 1] ?? 'root', type, target, size: 0, content: () => (async function * () {})() })

  it('refuses each unsafe name, naming it', async () => {
    for (const name of ['', '.', '..', 'a/b', 'a\u0000b', '../../x']) {
      const source = (async function * () { yield entry([]); yield entry([name]) })()
      await expect(bytesOf(tarFromEntries(source)), JSON.stringify(name)).rejects.toMatchObject({ name: 'UnsafePathError' })
    }
  })

  it('refuses an entry at or under an earlier symlink, and accepts a sibling that only shares a prefix', async () => {
    const under = (async function * () { yield entry([]); yield entry(['m'], 'symlink', '../../outside'); yield entry(['m', 'pwn'], 'file') })()
    await expect(bytesOf(tarFromEntries(under))).rejects.toThrow(/written under the earlier symlink "m"/)
    const same = (async function * () { yield entry([]); yield entry(['m'], 'symlink', '/etc'); yield entry(['m'], 'file') })()
    await expect(bytesOf(tarFromEntries(same))).rejects.toMatchObject({ name: 'UnsafePathError' })
    const fine = (async function * () { yield entry([]); yield entry(['m'], 'symlink', 'x'); yield entry(['mm']); yield entry(['mm', 'm'], 'file') })()
    expect((await tarMemberNames(await bytesOf(tarFromEntries(fine)), { partial: true }))).toEqual(['root/', 'root/m', 'root/mm/', 'root/mm/m'])
  })

  it('refuses a second root', async () => {
    const source = (async function * () { yield entry([]); yield entry([]) })()
    await expect(bytesOf(tarFromEntries(source))).rejects.toMatchObject({ name: 'UnsafePathError' })
  })
})

/** The body of `POST /api/v0/get?arg=<cid>` as it arrives, cut or not. */
async function * rawGet (f: RpcFixture, cid: CID): AsyncGenerator<Uint8Array> {
  const { request } = await import('node:http')
  const chunks: Buffer[] = []
  await new Promise<void>((resolve) => {
    const req = request({ host: '127.0.0.1', port: f.port, method: 'POST', path: `/api/v0/get?arg=${cid.toString()}` }, (res) => {
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', resolve)
      res.on('error', () => { resolve() })
      res.on('aborted', () => { resolve() })
    })
    req.on('error', () => { resolve() })
    req.end()
  })
  yield * chunks
}

describe('RPC get', () => {
  let f: RpcFixture
  const dag = new HostileDag()
  let names: Record<string, CID>
  let escape: { slash: CID, hamt: CID }
  beforeAll(async () => {
    f = await startRpc()
    names = await hostileNames(dag)
    escape = await symlinkThenChild(dag)
    await f.node.blockstore.putMany(dag.blocks)
  })
  afterAll(async () => { await f?.close() })

  it('never sends a member with an unsafe name, and the client gets UnsafePathError', async () => {
    for (const [label, cid] of Object.entries(names)) {
      const names = await tarMemberNames(await bytesOf(rawGet(f, cid)), { partial: true })
      expect(names.filter(n => n !== `${cid.toString()}/` && n !== `${cid.toString()}/ok.txt`), label).toEqual([])
      const entries = f.remote('get', [cid.toString()]) as AsyncIterable<unknown>
      await expect((async () => { for await (const _ of entries) { /* read all */ } })(), label).rejects.toMatchObject({ name: 'UnsafePathError' })
    }
  })

  it('never sends a member under an earlier symlink', async () => {
    for (const cid of [escape.slash, escape.hamt]) {
      const members = await tarMemberNames(await bytesOf(rawGet(f, cid)), { partial: true })
      expect(members.some(n => n.includes('pwn')), cid.toString()).toBe(false)
      const entries = f.remote('get', [cid.toString()]) as AsyncIterable<unknown>
      await expect((async () => { for await (const _ of entries) { /* read all */ } })()).rejects.toMatchObject({ name: 'UnsafePathError' })
    }
  })
})

describe('gateway ?format=tar and the CLI extractor', () => {
  let gw: GatewayFixture
  const dag = new HostileDag()
  let names: Record<string, CID>
  let escape: { slash: CID, hamt: CID }
  beforeAll(async () => {
    gw = await startGateway({}, { fixtures: false })
    names = await hostileNames(dag)
    escape = await symlinkThenChild(dag)
    await gw.node.blockstore.putMany(dag.blocks)
  })
  afterAll(async () => { await gw?.close() })

  it('answers 400 for a symlink followed by an entry under it, and sends no member', async () => {
    const hamt = await gw.get(`/ipfs/${escape.hamt.toString()}?format=tar`)
    expect(hamt.status).toBe(400)
    expect(hamt.body.toString()).toMatch(/same path as the earlier symlink "m"/)
    // the gateway resolves `x/../m` inside the root (as boxo does), then the guard sees `m` again
    const slash = await gw.get(`/ipfs/${escape.slash.toString()}?format=tar`)
    expect(slash.status).toBe(400)
    expect(slash.body.toString()).toMatch(/refusing the entry "m": it has the same path as the earlier symlink "m"/)
  })

  it('answers 400 for every unsafe link name', async () => {
    for (const [label, cid] of Object.entries(names)) {
      const res = await gw.get(`/ipfs/${cid.toString()}?format=tar`)
      if (label === '"/etc/x"') {
        // resolved inside the root, as boxo does: `<root>/etc/x`, never `<root>//etc/x`
        expect(res.status, label).toBe(200)
        expect(await tarMemberNames(res.body, { partial: true })).toEqual([`${cid.toString()}/`, `${cid.toString()}/etc/x`, `${cid.toString()}/ok.txt`])
        continue
      }
      expect(res.status, label).toBe(400)
      expect(res.body.toString(), label).toMatch(/refusing the entry/)
    }
  })

  it('the extractor refuses the same DAGs with the same check, writing nothing outside', async () => {
    const sandbox = await mkdtemp(join(tmpdir(), 'cairn-tar-escape-'))
    try {
      const out = join(sandbox, 'out')
      await expect(extract(walk(escape.hamt, gw.node.blocks), out)).rejects.toThrow(/earlier symlink "m"/)
      await expect(extract(walk(escape.slash, gw.node.blocks), join(sandbox, 'o9'))).rejects.toMatchObject({ name: 'UnsafePathError' })
      for (const [label, cid] of Object.entries(names)) {
        await expect(extract(walk(cid, gw.node.blocks), join(sandbox, `o${Object.keys(names).indexOf(label)}`)), label)
          .rejects.toMatchObject({ name: 'UnsafePathError' })
      }
      expect((await readdir(sandbox)).every(n => n === 'out' || /^o\d$/.test(n))).toBe(true)
    } finally {
      await rm(sandbox, { recursive: true, force: true })
    }
  })
})

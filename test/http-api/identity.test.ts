/**
 * Identity CIDs: one digest limit everywhere (Kubo's 128 bytes) — `block put`, `dag import`, CIDs
 * given as arguments or gateway paths, and identity CIDs met inside a DAG — and a malformed
 * identity block (the client's own text) is a 400, not a 500 (issue 10 §5).
 */
import { CarWriter } from '@ipld/car/writer'
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { sha256 } from 'multiformats/hashes/sha2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startGateway, type GatewayFixture } from './gateway-helpers.ts'
import { bytesOf, collect, jsonOf, startRpc, type RpcFixture } from './helpers.ts'

const identity = (codec: number, bytes: Uint8Array): CID => CID.createV1(codec, Digest.create(0x00, bytes))
const AT_LIMIT = identity(0x55, new Uint8Array(128).fill(0x61))
const OVER_LIMIT = identity(0x55, new Uint8Array(129).fill(0x61))
/** dag-pb that does not decode: a field with wire type 7 */
const BAD_PB = identity(dagPb.code, new Uint8Array([0x0f, 0x01, 0x02]))

/** A directory (stored normally) that links to the two identity CIDs. */
async function directory (): Promise<{ cid: CID, bytes: Uint8Array }> {
  const bytes = dagPb.encode(dagPb.prepare({
    Data: new UnixFS({ type: 'directory' }).marshal(),
    Links: [{ Name: 'big', Hash: OVER_LIMIT, Tsize: 129 }, { Name: 'ok', Hash: AT_LIMIT, Tsize: 128 }]
  }))
  return { cid: CID.createV1(dagPb.code, await sha256.digest(bytes)), bytes }
}

describe('gateway', () => {
  let gw: GatewayFixture
  let dir: CID
  beforeAll(async () => {
    gw = await startGateway({}, { fixtures: false })
    const block = await directory()
    await gw.node.blockstore.put(block)
    dir = block.cid
  })
  afterAll(async () => { await gw?.close() })

  it('answers 400 for an identity CID over 128 bytes, in the path or linked from a directory; 128 is served', async () => {
    const direct = await gw.get(`/ipfs/${OVER_LIMIT.toString()}`)
    expect(direct.status).toBe(400)
    expect(direct.body.toString()).toContain('identity CID digest is 129 bytes, over the 128-byte limit')
    const linked = await gw.get(`/ipfs/${dir.toString()}/big`)
    expect(linked.status).toBe(400)
    expect(linked.body.toString()).toContain('identity CID digest is 129 bytes')
    const ok = await gw.get(`/ipfs/${dir.toString()}/ok`)
    expect(ok.status).toBe(200)
    expect(ok.body.length).toBe(128)
  })

  it('answers 400 for an identity dag-pb CID whose digest is not dag-pb', async () => {
    const res = await gw.get(`/ipfs/${BAD_PB.toString()}`)
    expect(res.status).toBe(400)
    expect(res.body.toString()).toMatch(/does not hold valid dag-pb/)
  })
})

describe('RPC and the core commands', () => {
  let f: RpcFixture
  beforeAll(async () => { f = await startRpc() })
  afterAll(async () => { await f?.close() })

  async function errorOf (run: () => Promise<unknown>): Promise<string | undefined> {
    try {
      await run()
      return undefined
    } catch (err) {
      return (err as Error).name
    }
  }

  it('cat and dag get of an identity CID over 128 bytes are a 400 InvalidCIDError', async () => {
    expect(await errorOf(async () => await bytesOf(f.remote('cat', [OVER_LIMIT.toString()]) as AsyncIterable<Uint8Array>))).toBe('InvalidCIDError')
    expect(await errorOf(async () => await bytesOf(f.remote('dag get', [OVER_LIMIT.toString()]) as AsyncIterable<Uint8Array>))).toBe('InvalidCIDError')
    const res = await f.fetch(`cat?arg=${OVER_LIMIT.toString()}`)
    expect(res.status).toBe(400)
    expect(await jsonOf(res)).toMatchObject({ Name: 'InvalidCIDError', Message: expect.stringContaining('over the 128-byte limit') })
    expect((await bytesOf(f.remote('cat', [AT_LIMIT.toString()]) as AsyncIterable<Uint8Array>)).length).toBe(128)
  })

  it('dag get of an identity dag-pb CID that is not dag-pb is a 400', async () => {
    const res = await f.fetch(`dag/get?arg=${BAD_PB.toString()}`)
    expect(res.status).toBe(400)
    expect(await jsonOf(res)).toMatchObject({ Name: 'InvalidCIDError' })
  })

  it('block put refuses an identity digest over 128 bytes', async () => {
    const input = { files: (async function * () { yield { name: 'x', content: (async function * () { yield new Uint8Array(129) })() } })() }
    expect(await errorOf(async () => await collect(f.remote('block put', [], { mhtype: 'identity' }, input) as AsyncIterable<unknown>))).toBe('InvalidArgumentError')
  })

  it('dag import refuses an identity block over 128 bytes, naming it', async () => {
    const block = await directory()
    const { writer, out } = CarWriter.create([block.cid])
    const bytes = bytesOf(out)
    await writer.put({ cid: OVER_LIMIT, bytes: OVER_LIMIT.multihash.digest })
    await writer.put({ cid: AT_LIMIT, bytes: AT_LIMIT.multihash.digest })
    await writer.put(block)
    await writer.close()
    const car = await bytes
    const input = { files: (async function * () { yield { name: 'x.car', content: (async function * () { yield car })() } })() }
    const events: Array<Record<string, unknown>> = []
    let name: string | undefined
    try {
      for await (const event of f.remote('dag import', [], { 'pin-roots': false, stats: true }, input) as AsyncIterable<Record<string, unknown>>) events.push(event)
    } catch (err) {
      name = (err as Error).name
    }
    expect(name).toBe('InvalidArgumentError')
    expect(events.map(e => e.Error).filter(e => e != null)).toEqual([`x.car: block ${OVER_LIMIT.toString()}: identity CID digest is 129 bytes, over the 128-byte limit (a bigger block must be hashed)`])
    expect(events.find(e => e.Stats != null)).toMatchObject({ Stats: { BlockCount: 2 } })
  })
})

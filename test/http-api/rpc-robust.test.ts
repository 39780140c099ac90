/**
 * Stalled and slow clients cannot freeze the node (issue 10 §3): an upload that stops sending, a
 * `repo gc` client that does not read its answer, and durations longer than a Node timer holds.
 */
import { createHash } from 'node:crypto'
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import * as Digest from 'multiformats/hashes/digest'
import { sha256 } from 'multiformats/hashes/sha2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { defineCommand } from '../../core/index.ts'
import { collect, entries, file, jsonOf, startRpc, TEST_COMMANDS, type RpcFixture } from './helpers.ts'
import { pace } from '../helpers/wait.ts'

/** A command that takes a little real time: long enough for a timer that fires at once to win. */
const slow = defineCommand<string>({
  path: 'test slow',
  description: 'answers after 50 ms',
  args: [],
  options: [],
  output: 'value',
  async run ({ signal }) {
    await pace(50, signal)
    return 'done'
  }
})

const BOUNDARY = 'robust-boundary'
const MULTIPART = { 'Content-Type': `multipart/form-data; boundary=${BOUNDARY}` }

async function blockCount (f: RpcFixture): Promise<number> {
  return (await collect(f.node.blockstore.multihashes())).length
}

function responseOf (req: ClientRequest): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    req.on('error', reject)
    req.on('response', resolve)
  })
}

async function bodyOf (res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of res) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

describe('durations', () => {
  let f: RpcFixture
  beforeAll(async () => { f = await startRpc({ commands: [...TEST_COMMANDS, slow] }) })
  afterAll(async () => { await f.close() })

  it('?timeout=597h does not fire at once (a Node timer would overflow to 1 ms)', async () => {
    const res = await f.fetch('test/slow?timeout=597h')
    expect(res.status).toBe(200)
    expect(await res.json()).toBe('done')
  })

  it('a duration no clock can count is refused with a message', async () => {
    const res = await f.fetch('test/slow?timeout=99999999999h')
    expect(res.status).toBe(400)
    expect(await jsonOf(res)).toMatchObject({ Name: 'InvalidArgumentError', Message: expect.stringContaining('too long') })
  })
})

describe('a stalled upload', () => {
  let f: RpcFixture
  beforeAll(async () => {
    f = await startRpc({}, (config) => { config.API = { ...(config.API as object), UploadIdleTimeout: '300ms' } })
  })
  afterAll(async () => { await f.close() })

  it('fails after API.UploadIdleTimeout and lets go of its GC lease: gc completes and a later add works', async () => {
    const blocksBefore = await blockCount(f)
    const req = httpRequest(`${f.url}/api/v0/add?chunker=size-1024&raw-leaves=true`, { method: 'POST', headers: MULTIPART })
    const answer = responseOf(req)
    req.write(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="stalled"\r\n\r\n`)
    req.write(Buffer.alloc(8192, 7))
    // the add is running and holds its GC lease; the client sends nothing more but keeps the
    // socket open. Without the idle timeout no answer ever comes.
    const res = await answer
    expect(res.statusCode).toBe(408)
    expect(JSON.parse(await bodyOf(res))).toMatchObject({ Name: 'UploadTimeoutError', Message: expect.stringContaining('API.UploadIdleTimeout') })
    req.destroy()
    await collect(f.remote('repo gc', [], {}, {}, AbortSignal.timeout(20_000)) as AsyncIterable<unknown>)
    expect(await blockCount(f)).toBe(blocksBefore)
    const [added] = await collect(f.remote('add', [], {}, { entries: entries(file('after', 'still works')) }, AbortSignal.timeout(20_000)) as AsyncIterable<{ Hash: string }>)
    expect(added.Hash).toMatch(/^Qm/)
  })

  it('an upload that keeps sending, however slowly, is not cut', async () => {
    const req = httpRequest(`${f.url}/api/v0/add?pin=false`, { method: 'POST', headers: MULTIPART })
    const answer = responseOf(req)
    req.write(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="slow"\r\n\r\n`)
    // six pieces 100 ms apart: 600 ms in all, twice the idle timeout, never idle for 300 ms
    for (let i = 0; i < 6; i++) {
      req.write(Buffer.alloc(100, i))
      await pace(100)
    }
    req.end(`\r\n--${BOUNDARY}--\r\n`)
    const res = await answer
    expect(res.statusCode).toBe(200)
    expect(await bodyOf(res)).toContain('"Name":"slow"')
  })
})

describe('a repo gc client that does not read its answer', () => {
  let f: RpcFixture
  beforeAll(async () => { f = await startRpc() })
  afterAll(async () => { await f.close() })

  it('does not keep the exclusive lease: adds go on, and the answer ends with what was not listed', async () => {
    // enough removed CIDs (~70 bytes of NDJSON each, 4 MB) to fill the socket buffers between us
    const count = 60_000
    for (let start = 0; start < count; start += 10_000) {
      const blocks = []
      for (let i = start; i < start + 10_000; i++) {
        const bytes = new TextEncoder().encode(`garbage ${i}`)
        blocks.push({ cid: CID.createV1(raw.code, Digest.create(sha256.code, createHash('sha256').update(bytes).digest())), bytes })
      }
      await f.node.blockstore.putMany(blocks)
    }
    const req = httpRequest(`${f.url}/api/v0/repo/gc`, { method: 'POST' })
    req.end()
    const res = await responseOf(req)
    expect(res.statusCode).toBe(200)
    res.pause()
    // GC holds the exclusive lease now (the answer starts once its first batch is removed); the
    // client reads nothing, and GC must finish its sweep and let a writer in regardless
    const lease = await f.node.gc.lease({ signal: AbortSignal.timeout(30_000) })
    lease.release()
    expect(await blockCount(f)).toBe(0)
    const [added] = await collect(f.remote('add', [], {}, { entries: entries(file('meanwhile', 'added while gc was unread')) }, AbortSignal.timeout(20_000)) as AsyncIterable<{ Hash: string }>)
    expect(added.Hash).toMatch(/^Qm/)
    res.resume()
    const lines = (await bodyOf(res)).trim().split('\n').map(line => JSON.parse(line) as { Key?: unknown, Unreported?: number })
    const listed = lines.filter(line => line.Key != null).length
    const unreported = lines.at(-1)?.Unreported ?? 0
    expect(listed + unreported).toBe(count)
  })
})

describe('config profiles', () => {
  let f: RpcFixture
  beforeAll(async () => { f = await startRpc() })
  afterAll(async () => { await f.close() })

  it('apply names its own profiles only: constructor, toString, valueOf and __proto__ are unknown (400)', async () => {
    for (const name of ['constructor', 'toString', 'valueOf', '__proto__']) {
      const res = await f.fetch(`config/profile/apply?arg=${name}`)
      expect(res.status).toBe(400)
      expect(await jsonOf(res)).toMatchObject({ Name: 'InvalidArgumentError', Message: expect.stringContaining(`unknown profile "${name}"`) })
    }
  })

  it('config KEY VALUE refuses a value that would break later commands, naming it', async () => {
    const res = await f.fetch('config?arg=Import.CidVersion&arg=7&json=true')
    expect(res.status).toBe(400)
    expect(await jsonOf(res)).toMatchObject({ Name: 'InvalidConfigError', Message: expect.stringContaining('Import.CidVersion') })
    const chunker = await f.fetch('config?arg=Import.UnixFSChunker&arg=bogus')
    expect(chunker.status).toBe(400)
  })
})

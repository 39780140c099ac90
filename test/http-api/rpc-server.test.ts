import { request as httpRequest, type IncomingMessage } from 'node:http'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import * as dagPb from '@ipld/dag-pb'
import { CID } from 'multiformats/cid'
import { Readable } from 'node:stream'
import tar from 'tar-stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { defineCommand } from '../../core/index.ts'
import { InvalidArgumentError } from '../../errors/index.ts'
import { bytesOf, collect, entries, expectReleasedAndReused, file, jsonOf, randomBytesOf, startRpc, TEST_COMMANDS, type RpcFixture } from './helpers.ts'
import { waitFor, waitForSteady } from '../helpers/wait.ts'

/** Fault injection: a stream that fails after its first value, and a command that waits until aborted. */
const failing = defineCommand<{ N: number }>({
  path: 'test fail-later',
  description: 'yields one value, then fails',
  args: [],
  options: [],
  output: 'stream',
  async * run () {
    yield { N: 1 }
    throw new InvalidArgumentError('failed after the first value')
  }
})
const waiting = defineCommand<string>({
  path: 'test wait',
  description: 'waits until aborted',
  args: [],
  options: [],
  output: 'value',
  async run ({ signal }) {
    return await new Promise<string>((_resolve, reject) => {
      signal.addEventListener('abort', () => { reject(signal.reason) }, { once: true })
    })
  }
})

const BOUNDARY = 'test-boundary'

function multipart (parts: Array<{ name?: string, filename: string, type?: string, body?: string }>, end = true): string {
  let out = ''
  for (const part of parts) {
    out += `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${part.name ?? 'file'}"; filename="${part.filename}"\r\n`
    out += `Content-Type: ${part.type ?? 'application/octet-stream'}\r\n\r\n${part.body ?? ''}\r\n`
  }
  return end ? `${out}--${BOUNDARY}--\r\n` : out
}

const MULTIPART = { 'Content-Type': `multipart/form-data; boundary=${BOUNDARY}` }

async function pins (f: RpcFixture): Promise<string[]> {
  return (await collect(f.node.pins.ls({ type: 'recursive' }))).map(p => p.cid.toString()).sort()
}

async function blockCount (f: RpcFixture): Promise<number> {
  return (await collect(f.node.blockstore.multihashes())).length
}

/** A raw HTTP request, for what fetch hides (trailers, early aborts). */
function raw (f: RpcFixture, path: string, headers: Record<string, string> = {}, body?: string): Promise<{ res: IncomingMessage, body: Buffer, error?: Error }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${f.url}/api/v0/${path}`, { method: 'POST', headers })
    req.on('error', reject)
    req.on('response', (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('error', (error) => { resolve({ res, body: Buffer.concat(chunks), error }) })
      res.on('end', () => { resolve({ res, body: Buffer.concat(chunks) }) })
    })
    req.end(body)
  })
}

describe('RPC server conventions', () => {
  let f: RpcFixture
  beforeAll(async () => { f = await startRpc({ commands: [...TEST_COMMANDS, failing, waiting], uploadLimit: 256 * 1024 }) })
  afterAll(async () => { await f.close() })

  it('answers POST only: GET and HEAD get 405 with Allow, unknown commands a plain 404', async () => {
    for (const method of ['GET', 'HEAD']) {
      const res = await f.fetch('version', { method })
      expect(res.status).toBe(405)
      expect(res.headers.get('allow')).toContain('POST')
    }
    const missing = await f.fetch('no/such/command')
    expect(missing.status).toBe(404)
    expect(missing.headers.get('content-type')).toMatch(/^text\/plain/)
    expect(await missing.text()).toBe('404 page not found\n')
    const version = await f.fetch('version')
    expect(version.status).toBe(200)
    expect(version.headers.get('content-type')).toMatch(/^application\/json/)
    expect((await jsonOf(version)).Version).toMatch(/\d+\.\d+\.\d+/)
  })

  it('answers bad input with 400, Kubo\'s error body and the error\'s name', async () => {
    const noArg = await f.fetch('cat')
    expect(noArg.status).toBe(400)
    expect(await jsonOf(noArg)).toEqual({ Message: expect.stringContaining('argument "path" is required'), Code: 1, Type: 'error', Name: 'InvalidArgumentError' })
    const badCid = await f.fetch('block/stat?arg=not-a-cid')
    expect(badCid.status).toBe(400)
    expect((await jsonOf(badCid)).Name).toBe('InvalidCIDError')
    const badOption = await f.fetch('pin/ls?type=sideways')
    expect(badOption.status).toBe(400)
    expect((await jsonOf(badOption)).Message).toContain('--type must be one of')
    const badTimeout = await f.fetch('version?timeout=soon')
    expect(badTimeout.status).toBe(400)
    // unknown options are ignored, as Kubo does
    expect((await f.fetch('version?no-such-option=1&stream-channels=true&enc=json')).status).toBe(200)
    // a server-side fault is a 500 with code 2
    const missing = await f.fetch('block/get?arg=bafkreiadsbmmn4waznesyuz3bjgrj33xzqhxrk6mz3ksq7meugrachh3qe')
    expect(missing.status).toBe(500)
    expect(await jsonOf(missing)).toMatchObject({ Code: 2, Type: 'error', Name: 'BlockNotFoundError' })
  })

  it('streams values as NDJSON with X-Chunked-Output, and bytes with X-Stream-Output', async () => {
    const res = await f.fetch('add?cid-version=1&progress=true', {
      headers: MULTIPART,
      body: multipart([{ filename: 'd', name: 'dir', type: 'application/x-directory' }, { filename: 'd%2Fa.txt', name: 'file-1', body: 'hello' }])
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('x-chunked-output')).toBe('1')
    expect(res.headers.get('trailer')).toContain('X-Stream-Error')
    const lines = (await res.text()).trim().split('\n').map(l => JSON.parse(l))
    const results = lines.filter(l => l.Hash != null)
    expect(results.map(l => l.Name)).toEqual(['d/a.txt', 'd'])
    expect(typeof results[0].Size).toBe('string')
    expect(lines.some(l => l.Hash == null && typeof l.Bytes === 'number')).toBe(true)

    const cat = await f.fetch(`cat?arg=/ipfs/${results[1].Hash}/a.txt&offset=1&length=3`)
    expect(cat.headers.get('x-stream-output')).toBe('1')
    expect(cat.headers.get('content-type')).toBe('text/plain')
    expect(await cat.text()).toBe('ell')

    const text = await f.fetch(`pin/ls?enc=text&type=recursive`)
    expect(await text.text()).toBe(`${results[1].Hash} recursive\n`)
  })

  it('answers get with a tar stream', async () => {
    const added = await collect(f.remote('add', [], { 'wrap-with-directory': true }, { entries: entries(file('x.txt', 'xx'), { path: 'y', type: 'directory' }) }) as AsyncIterable<{ Hash: string }>)
    const root = added[added.length - 1].Hash
    const res = await f.fetch(`get?arg=${root}`)
    expect(res.headers.get('content-type')).toBe('application/x-tar')
    expect(res.headers.get('x-stream-output')).toBe('1')
    const extract = tar.extract()
    const names: string[] = []
    const done = (async () => { for await (const entry of extract) { names.push(entry.header.name); entry.resume() } })()
    Readable.from([Buffer.from(await res.arrayBuffer())]).pipe(extract)
    await done
    expect(names).toEqual([`${root}/`, `${root}/x.txt`, `${root}/y/`])
  })

  it('carries an error after the answer started in the X-Stream-Error trailer, and aborts it for clients that do not read trailers', async () => {
    // with TE: trailers the answer ends cleanly with the trailer
    const withTrailers = await raw(f, 'test/fail-later', { TE: 'trailers' })
    expect(withTrailers.res.statusCode).toBe(200)
    expect(withTrailers.body.toString()).toBe('{"N":1}\n')
    expect(withTrailers.res.trailers['x-stream-error']).toBe('failed after the first value')
    expect(withTrailers.res.trailers['x-stream-error-name']).toBe('InvalidArgumentError')
    // without, the connection is cut, so the truncated answer cannot pass for a complete one
    const without = await raw(f, 'test/fail-later')
    expect(without.res.headers.trailer).toContain('X-Stream-Error')
    expect(without.error?.message).toMatch(/aborted/)
    const res = await f.fetch('test/fail-later')
    await expect(res.text()).rejects.toThrow()
    // and Cairn's client throws the error itself
    const err = await collect(f.client.run(failing, [], {}, {}, new AbortController().signal) as AsyncIterable<unknown>).catch(e => e)
    expect(err).toMatchObject({ name: 'InvalidArgumentError', message: 'failed after the first value' })
  })

  it('aborts a command at the timeout option (a Go duration)', async () => {
    const started = Date.now()
    const res = await f.fetch('test/wait?timeout=150ms')
    expect(res.status).toBe(500)
    expect(await jsonOf(res)).toMatchObject({ Name: 'TimeoutError', Message: expect.stringContaining('timed out after 150ms') })
    expect(Date.now() - started).toBeLessThan(5000)
  })

  it('refuses malformed multipart with 400 and pins nothing', async () => {
    const before = await pins(f)
    const truncated = await f.fetch('add', { headers: MULTIPART, body: multipart([{ filename: 'a.txt', body: 'hello' }], false) })
    expect(truncated.status).toBe(400)
    expect((await jsonOf(truncated)).Message).toMatch(/^malformed multipart body/)
    const notMultipart = await f.fetch('add', { headers: { 'Content-Type': 'application/octet-stream' }, body: 'hello' })
    expect(notMultipart.status).toBe(400)
    expect((await jsonOf(notMultipart)).Message).toContain('multipart/form-data')
    expect(await pins(f)).toEqual(before)
  })

  it('refuses bodies over the limit with 413 and pins nothing', async () => {
    const before = await pins(f)
    const payload = 'z'.repeat(300 * 1024)
    const sized = await f.fetch('add', { headers: MULTIPART, body: multipart([{ filename: 'big', body: payload }]) })
    expect(sized.status).toBe(413)
    expect((await jsonOf(sized)).Name).toBe('PayloadTooLargeError')
    // a chunked body (no Content-Length) is cut where it passes the limit
    const chunks = Buffer.from(multipart([{ filename: 'big', body: payload }]))
    const streamed = await f.fetch('add', {
      headers: MULTIPART,
      duplex: 'half',
      body: Readable.toWeb(Readable.from((function * () { for (let i = 0; i < chunks.length; i += 16384) yield chunks.subarray(i, i + 16384) })())) as ReadableStream
    })
    expect(streamed.status).toBe(413)
    // commands that take no input take a small body at most
    const noInput = await f.fetch('version', { body: 'x'.repeat(2 * 1024 * 1024) })
    expect(noInput.status).toBe(413)
    expect(await pins(f)).toEqual(before)
    expect((await f.fetch('version')).status).toBe(200)
  })

  it('passes the same file names, directories, symlinks, modes and mtimes as a local add', async () => {
    const body = [
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="dir?mode=0700&mtime=1600000000"; filename="top"\r\nContent-Type: application/x-directory\r\n\r\n`,
      `\r\n--${BOUNDARY}\r\nContent-Disposition: form-data; name="file-1?mode=0640"; filename="top%2Fn%C3%A4me%20x.txt"\r\nContent-Type: application/octet-stream\r\n\r\nbytes`,
      `\r\n--${BOUNDARY}\r\nContent-Disposition: form-data; name="file-2"; filename="top%2Flink"\r\nContent-Type: application/symlink\r\n\r\nnäme x.txt`,
      `\r\n--${BOUNDARY}--\r\n`
    ].join('')
    const res = await f.fetch('add', { headers: MULTIPART, body })
    const remote = (await res.text()).trim().split('\n').map(l => JSON.parse(l))
    const local = await collect(f.local('add', [], { 'only-hash': true }, {
      entries: entries(
        { path: 'top', type: 'directory', mode: 0o700, mtime: { secs: 1_600_000_000n } },
        { path: 'top/näme x.txt', type: 'file', mode: 0o640, content: [Buffer.from('bytes')] },
        { path: 'top/link', type: 'symlink', target: 'näme x.txt' }
      )
    }) as AsyncIterable<unknown>)
    expect(remote).toEqual(local)
    expect(remote.map(r => r.Name)).toEqual(['top/näme x.txt', 'top/link', 'top'])
  })
})

describe('RPC server faults', () => {
  let f: RpcFixture
  beforeAll(async () => { f = await startRpc() })
  afterAll(async () => { await f.close() })

  it('cancels an add whose client disconnects: no pin, no lease left, the server stays healthy', async () => {
    const pinsBefore = await pins(f)
    const blocksBefore = await blockCount(f)
    const req = httpRequest(`${f.url}/api/v0/add?chunker=size-1024`, { method: 'POST', headers: MULTIPART })
    req.on('error', () => {})
    req.write(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big"\r\n\r\n`)
    req.write(randomBytesOf(1024 * 1024, 7))
    // the import is under way once its first batches are stored
    await waitFor(async () => await blockCount(f) > blocksBefore, { interval: 100, message: 'the add to store blocks' })
    req.destroy()
    // GC waits for every running add's lease: it finishing proves the add let go
    const removed = await collect(f.remote('repo gc', [], {}, {}, AbortSignal.timeout(20_000)) as AsyncIterable<unknown>)
    expect(removed.length).toBeGreaterThan(0)
    expect(await pins(f)).toEqual(pinsBefore)
    // nothing the add wrote is kept: once writes have stopped, GC leaves the repo as it was
    // (the importer may still finish a batch it had in flight; see the report)
    await waitForSteady(async () => await blockCount(f), { interval: 100, steadyPolls: 1, message: 'writes to stop' })
    await collect(f.remote('repo gc', [], {}, {}, AbortSignal.timeout(20_000)) as AsyncIterable<unknown>)
    expect(await blockCount(f)).toBe(blocksBefore)
    expect((await f.fetch('version')).status).toBe(200)
  })

  it('stops a cat whose client goes away, and carries a missing block mid-file as the trailer error', async () => {
    const data = randomBytesOf(2 * 1024 * 1024, 3)
    const [added] = await collect(f.remote('add', [], { chunker: 'size-65536', 'raw-leaves': true, pin: false }, { entries: entries(file('f', data)) }) as AsyncIterable<{ Hash: string }>)
    // read a little, then go away
    const controller = new AbortController()
    const res = await f.fetch(`cat?arg=${added.Hash}`, { signal: controller.signal })
    const reader = res.body!.getReader()
    await reader.read()
    controller.abort()
    expect((await f.fetch('version')).status).toBe(200)

    // a leaf in the middle goes missing: the answer has started when the exporter reaches it
    const root = dagPb.decode(await f.node.blockstore.get(CID.parse(added.Hash)))
    await f.node.blockstore.deleteMany([root.Links[16].Hash])
    const local = await bytesOf(f.local('cat', [added.Hash]) as AsyncIterable<Uint8Array>).catch(e => e)
    expect(local.name).toBe('BlockNotFoundError')
    const remote = await bytesOf(f.remote('cat', [added.Hash]) as AsyncIterable<Uint8Array>).catch(e => e)
    expect({ name: remote.name, message: remote.message }).toEqual({ name: local.name, message: local.message })
    const trailer = await raw(f, `cat?arg=${added.Hash}`, { TE: 'trailers' })
    expect(trailer.body.length).toBe(16 * 65536)
    expect(trailer.res.trailers['x-stream-error']).toBe(local.message)
  })

  it('hands the blocks of a cat back to the store as each chunk is sent, and reads the next into them', async () => {
    const data = randomBytesOf(6 * 1024 * 1024 + 5, 9)
    const [added] = await collect(f.remote('add', [], { 'raw-leaves': true, pin: false }, { entries: entries(file('f', data)) }) as AsyncIterable<{ Hash: string }>)
    await expectReleasedAndReused(f.node.blocks, 2, Math.ceil(data.length / (256 * 1024)), async () => {
      for (let round = 0; round < 2; round++) {
        const res = await f.fetch(`cat?arg=${added.Hash}`)
        expect(Buffer.from(await res.arrayBuffer()).equals(data)).toBe(true)
      }
    })
  })

  it('answers 200 concurrent mixed requests correctly, and memory settles back afterwards', async () => {
    setFlagsFromString('--expose-gc')
    const gc = runInNewContext('gc') as () => void
    const [base] = await collect(f.remote('add', [], {}, { entries: entries(file('base', 'base content')) }) as AsyncIterable<{ Hash: string }>)
    const expected = await collect(f.local('add', [], { 'only-hash': true }, { entries: entries(file('n', 'content 5')) }) as AsyncIterable<{ Hash: string }>)
    gc()
    const baseline = process.memoryUsage().heapUsed
    const jobs = Array.from({ length: 200 }, async (_, i) => {
      switch (i % 4) {
        case 0: {
          const [r] = await collect(f.remote('add', [], {}, { entries: entries(file('n', `content ${i % 40}`)) }) as AsyncIterable<{ Hash: string }>)
          if (i % 40 === 5) expect(r.Hash).toBe(expected[0].Hash)
          return r.Hash.length > 0
        }
        case 1: return (await bytesOf(f.remote('cat', [base.Hash]) as AsyncIterable<Uint8Array>)).toString() === 'base content'
        case 2: return (await jsonOf(await f.fetch(`block/stat?arg=${base.Hash}`))).Key === base.Hash
        default: return (await f.remote('files stat', [`/ipfs/${base.Hash}`]) as { Type: string }).Type === 'file'
      }
    })
    const results = await Promise.all(jobs)
    expect(results.every(r => r)).toBe(true)
    // within 16 MiB of the baseline once collected (about 25 MiB before; 4 MiB more measured after)
    await waitFor(() => {
      gc()
      return process.memoryUsage().heapUsed - baseline < 16 * 1024 * 1024
    }, { interval: 100, message: () => `the heap to settle within 16 MiB of its baseline (${((process.memoryUsage().heapUsed - baseline) / 2 ** 20).toFixed(1)} MiB above)` })
  })
})

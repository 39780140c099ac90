/**
 * No RPC request may cost far more than its answer is worth (issue 10 §2): URLs over 8 KiB are
 * refused with 414, `dag put` stops reading an oversized input as it streams in, and decoders
 * refuse over-deep nesting with a 400 — each without holding the event loop.
 */
import { request as httpRequest } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MAX_LOOP_BLOCK_MS, leastLoopCost } from '../helpers/loop-delay.ts'
import { collect, jsonOf, startRpc, type RpcFixture } from './helpers.ts'

const BOUNDARY = 'hostile-boundary'
const MiB = 1024 * 1024

/** One input file for a command of the table. */
function files (bytes: Uint8Array): { files: AsyncIterable<{ name: string, content: AsyncIterable<Uint8Array> }> } {
  return { files: (async function * () { yield { name: 'input', content: (async function * () { yield bytes })() } })() }
}

/** Runs a streaming command through the RPC client and returns its values or its error's name. */
async function outcome (path: string, options: Record<string, unknown>, input: ReturnType<typeof files> | Record<string, never>, args: string[] = []): Promise<unknown> {
  try {
    return await collect(f.remote(path, args, options, input) as AsyncIterable<unknown>)
  } catch (err) {
    return { error: (err as Error).name, message: (err as Error).message }
  }
}

/**
 * POSTs a multipart `dag put` whose one file is `total` bytes of a JSON string, written as fast
 * as the server reads it, until the answer comes: returns the status and how much was sent.
 */
async function streamDagPut (total: number): Promise<{ status: number, sent: number, body: string }> {
  return await new Promise((resolve, reject) => {
    let sent = 0
    let answered = false
    const req = httpRequest({
      host: '127.0.0.1', port: f.port, method: 'POST', path: '/api/v0/dag/put',
      headers: { 'Content-Type': `multipart/form-data; boundary=${BOUNDARY}` }
    }, (res) => {
      answered = true
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, sent, body: Buffer.concat(chunks).toString() }) })
      res.on('error', reject)
    })
    req.on('error', () => {}) // the server closes the connection once it has answered
    const chunk = Buffer.alloc(64 * 1024, 'a'.charCodeAt(0))
    const pump = (): void => {
      while (!answered && sent < total) {
        sent += chunk.length
        if (!req.write(chunk)) {
          req.once('drain', pump)
          return
        }
      }
      if (!answered) req.end(`"\r\n--${BOUNDARY}--\r\n`)
    }
    req.write(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.json"\r\nContent-Type: application/octet-stream\r\n\r\n"`)
    pump()
  })
}

let f: RpcFixture
beforeAll(async () => { f = await startRpc() })
afterAll(async () => { await f?.close() })

describe('URL length', () => {
  it('answers 414 with an error body for a URL over 8 KiB, before any work', async () => {
    const res = await f.fetch(`version?arg=${'a'.repeat(8200)}`)
    expect(res.status).toBe(414)
    expect(await jsonOf(res)).toMatchObject({ Name: 'UriTooLongError', Code: 1, Type: 'error' })
    expect((await f.fetch(`version?x=${'a'.repeat(8000)}`)).status).toBe(200)
  })
})

describe('dag put', () => {
  it('refuses an input over the 2 MiB block limit while it streams in, not after reading 64 MiB', async () => {
    const { result, maxDelayMs } = await leastLoopCost(async () => await streamDagPut(64 * MiB))
    expect(result.status).toBe(400)
    expect(result.body).toMatch(/the input \(without --allow-big-block, at most the block limit\) is larger than 2097152 bytes/)
    // what the server read (2 MiB) plus what the sockets buffer; far from the 64 MiB
    expect(result.sent).toBeLessThan(24 * MiB)
    expect(maxDelayMs).toBeLessThan(MAX_LOOP_BLOCK_MS)
  })

  it('takes a 2 MiB input (the limit) and more with --allow-big-block', async () => {
    const text = new TextEncoder().encode(`"${'b'.repeat(2 * MiB - 2)}"`)
    // read whole, then the block it makes (5 bytes of CBOR header more) is over the limit
    expect(await outcome('dag put', {}, files(text))).toMatchObject({ error: 'BlockTooBigError' })
    const smaller = new TextEncoder().encode(`"${'b'.repeat(MiB)}"`)
    expect(await outcome('dag put', {}, files(smaller))).toHaveLength(1)
    const bigger = new TextEncoder().encode(`"${'b'.repeat(3 * MiB)}"`)
    expect(await outcome('dag put', { 'allow-big-block': true }, files(bigger))).toHaveLength(1)
  })
})

describe('nesting depth', () => {
  const depth = 100_000
  const deepJson = new TextEncoder().encode('['.repeat(depth) + ']'.repeat(depth))
  const deepCbor = new Uint8Array(depth + 1).fill(0x81)
  deepCbor[depth] = 0x00

  it('dag put of deeply nested dag-json or dag-cbor input is a 400 NestingTooDeepError', async () => {
    const { result: json, maxDelayMs } = await leastLoopCost(async () => await outcome('dag put', {}, files(deepJson)))
    expect(json).toMatchObject({ error: 'NestingTooDeepError', message: expect.stringMatching(/nested more than 1024 levels/) })
    expect(maxDelayMs).toBeLessThan(MAX_LOOP_BLOCK_MS)
    expect(await outcome('dag put', { 'input-codec': 'dag-cbor' }, files(deepCbor))).toMatchObject({ error: 'NestingTooDeepError' })
    const res = await f.fetch('dag/put', {
      method: 'POST',
      headers: { 'Content-Type': `multipart/form-data; boundary=${BOUNDARY}` },
      body: `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="x"\r\n\r\n${'['.repeat(depth)}${']'.repeat(depth)}\r\n--${BOUNDARY}--\r\n`
    })
    expect(res.status).toBe(400)
    expect(await jsonOf(res)).toMatchObject({ Name: 'NestingTooDeepError', Code: 1 })
  })

  it('reading a stored over-deep block (dag get, a path into it) is a 400, not a 500', async () => {
    const [put] = await outcome('block put', { 'cid-codec': 'dag-cbor' }, files(deepCbor)) as Array<{ Key: string }>
    expect(await outcome('dag get', {}, {}, [put.Key])).toMatchObject({ error: 'NestingTooDeepError' })
    const res = await f.fetch(`dag/get?arg=${put.Key}/0/0`)
    expect(res.status).toBe(400)
    expect(await jsonOf(res)).toMatchObject({ Name: 'NestingTooDeepError' })
    // within the limit, the same shape decodes
    const shallow = new Uint8Array(1001).fill(0x81)
    shallow[1000] = 0x00
    const [ok] = await outcome('block put', { 'cid-codec': 'dag-cbor' }, files(shallow)) as Array<{ Key: string }>
    expect(await outcome('dag get', {}, {}, [ok.Key])).toHaveLength(1)
  })
})

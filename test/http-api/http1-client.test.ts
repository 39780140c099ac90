import { afterEach, describe, expect, it } from 'vitest'
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http'
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net'
import { createHash, randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { http1Request } from '../../http-api/http1-client.ts'
import { waitForSteady } from '../helpers/wait.ts'

const servers: Array<HttpServer | NetServer> = []

afterEach(async () => {
  for (const server of servers.splice(0)) {
    (server as HttpServer).closeAllConnections?.()
    server.close()
  }
})

async function listen<S extends HttpServer | NetServer> (server: S): Promise<URL> {
  servers.push(server)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address() as { port: number }
  return new URL(`http://127.0.0.1:${address.port}`)
}

/** A node:http server answering with `handler`. */
async function httpServer (handler: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>): Promise<URL> {
  return await listen(createHttpServer((req, res) => { void Promise.resolve(handler(req, res)).catch(() => { res.destroy() }) }))
}

/** A TCP server that answers every connection with `raw` bytes once the request head arrived. */
async function rawServer (raw: string | Buffer, close = true): Promise<URL> {
  return await listen(createNetServer((socket: Socket) => {
    socket.on('error', () => {})
    let head = ''
    socket.on('data', (chunk: Buffer) => {
      head += chunk.toString('latin1')
      if (!head.includes('\r\n\r\n')) return
      head = ''
      if (close) socket.end(raw)
      else socket.write(raw)
    })
  }))
}

async function readBody (body: AsyncIterable<Uint8Array>, copy = false): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of body) chunks.push(copy ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength))
  return Buffer.concat(chunks)
}

function sha256 (data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex')
}

describe('the HTTP/1.1 client', () => {
  it('reads a chunked body and its trailers, and sends the request line, headers and query', async () => {
    let seen: { method?: string, url?: string, auth?: string, host?: string } = {}
    const url = await httpServer((req, res) => {
      seen = { method: req.method, url: req.url, auth: req.headers.authorization, host: req.headers.host }
      res.writeHead(200, { 'Content-Type': 'text/plain', Trailer: 'X-Stream-Error' })
      res.write('hello ')
      res.write('world')
      res.addTrailers({ 'X-Stream-Error': 'it broke' })
      res.end()
    })
    const res = await http1Request(new URL('/api/v0/cat?arg=a%20b', url), { method: 'POST', headers: { Authorization: 'Bearer x' } })
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toBe('text/plain')
    expect((await readBody(res.body)).toString()).toBe('hello world')
    expect(res.trailers['x-stream-error']).toBe('it broke')
    expect(seen).toEqual({ method: 'POST', url: '/api/v0/cat?arg=a%20b', auth: 'Bearer x', host: url.host })
  })

  it('reads Content-Length bodies, close-delimited bodies, and skips 1xx interim answers', async () => {
    const fixed = await rawServer('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Length: 4\r\nX-A: 1\r\nX-A: 2\r\n\r\nnopeEXTRA')
    const res = await http1Request(fixed, { method: 'POST' })
    expect([res.status, res.statusText, res.headers['x-a']]).toEqual([404, 'Not Found', '1, 2'])
    expect((await readBody(res.body)).toString()).toBe('nope')

    const untilClose = await rawServer('HTTP/1.0 200 OK\r\n\r\nall of it')
    const res2 = await http1Request(untilClose, { method: 'POST' })
    expect((await readBody(res2.body)).toString()).toBe('all of it')
  })

  it('streams a request body with chunked coding, exactly', async () => {
    let received = ''
    let framing: string | undefined
    const url = await httpServer(async (req, res) => {
      framing = req.headers['transfer-encoding']
      received = (await readBody(req)).toString('hex')
      res.end('ok')
    })
    const parts = [randomBytes(10), new Uint8Array(0), randomBytes(300_000), randomBytes(1)]
    const res = await http1Request(url, { method: 'POST', body: (async function * () { yield * parts })() })
    expect((await readBody(res.body)).toString()).toBe('ok')
    expect(framing).toBe('chunked')
    expect(received).toBe(Buffer.concat(parts).toString('hex'))
  })

  it('pulls the next body chunk only once the last is written out, so a body may lend its memory', async () => {
    // the source rewrites one 8 KiB buffer for every chunk: each chunk is smaller than the socket's
    // write buffer, so a writer that went on while one was still queued would send a rewritten one
    const url = await httpServer(async (req, res) => {
      // let the socket buffers fill while the client keeps writing: it is blocked once nothing more arrives
      await waitForSteady(() => req.socket.bytesRead, { message: 'the client to block on full socket buffers' })
      res.end(sha256(await readBody(req, true)))
    })
    const buffer = Buffer.alloc(8192)
    const expected = createHash('sha256')
    const COUNT = 2048 // 16 MiB, more than the kernel buffers on loopback
    const lent = (async function * () {
      for (let i = 0; i < COUNT; i++) {
        buffer.fill(i % 251)
        buffer.writeUInt32BE(i, 0)
        expected.update(buffer)
        yield buffer
      }
    })()
    const res = await http1Request(url, { method: 'POST', body: lent })
    expect((await readBody(res.body)).toString()).toBe(expected.digest('hex'))
  })

  it('hears a server that answers before the request body is sent, and rejects with a failing input\'s error', async () => {
    const url = await httpServer((req, res) => {
      res.writeHead(413, { 'Content-Type': 'application/json' })
      res.end('{"Message":"too big"}')
      req.resume()
    })
    const endless = (async function * () { for (;;) { await new Promise(resolve => setImmediate(resolve)); yield randomBytes(1024) } })()
    const res = await http1Request(url, { method: 'POST', body: endless })
    expect(res.status).toBe(413)
    expect((await readBody(res.body)).toString()).toBe('{"Message":"too big"}')

    const silent = await rawServer('', false)
    const failing = (async function * () { yield Buffer.from('x'); throw new Error('the input file vanished') })()
    await expect(http1Request(silent, { method: 'POST', body: failing })).rejects.toThrow('the input file vanished')
  })

  it('reports a connection that ends before the body does, and malformed answers, as errors', async () => {
    const truncated = await rawServer('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel')
    const res = await http1Request(truncated, { method: 'POST' })
    await expect(readBody(res.body)).rejects.toThrow('aborted')

    const short = await rawServer('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc')
    await expect(readBody((await http1Request(short, { method: 'POST' })).body)).rejects.toThrow('aborted')

    const garbage = await rawServer('SMTP ready\r\n\r\n')
    await expect(http1Request(garbage, { method: 'POST' })).rejects.toMatchObject({ code: 'HPE_INVALID' })

    const badChunk = await rawServer('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n')
    await expect(readBody((await http1Request(badChunk, { method: 'POST' })).body)).rejects.toMatchObject({ code: 'HPE_INVALID' })

    const hugeHead = await rawServer(`HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(70_000)}\r\n\r\n`)
    await expect(http1Request(hugeHead, { method: 'POST' })).rejects.toMatchObject({ code: 'HPE_INVALID' })

    await expect(http1Request(new URL('http://127.0.0.1:1'), { method: 'POST' })).rejects.toMatchObject({ code: 'ECONNREFUSED' })
  })

  it('applies backpressure: a consumer that stalls stops the server, and then gets every byte', async () => {
    const data = randomBytes(64 * 1024 * 1024)
    let written = 0
    const url = await httpServer(async (_req, res) => {
      res.writeHead(200)
      for (let i = 0; i < data.length; i += 256 * 1024) {
        const more = res.write(data.subarray(i, i + 256 * 1024))
        written += 256 * 1024
        if (!more) await once(res, 'drain')
      }
      res.end()
    })
    const res = await http1Request(url, { method: 'POST' })
    const chunks: Buffer[] = []
    for await (const chunk of res.body) {
      chunks.push(Buffer.from(chunk))
      if (chunks.length === 1) {
        // the server stops once the kernel's socket buffers and the client's 4 MiB are full,
        // well before the whole answer
        await waitForSteady(() => written, { message: 'the server to block on a stalled consumer' })
        expect(written).toBeLessThan(32 * 1024 * 1024)
      }
    }
    expect(sha256(Buffer.concat(chunks))).toBe(sha256(data))
  })

  it('lends its read memory once asked to: a large body comes through few buffers, byte for byte', async () => {
    const data = randomBytes(64 * 1024 * 1024)
    const url = await httpServer((_req, res) => { res.end(data) })

    const distinctBuffers = async (reuse: boolean): Promise<{ buffers: number, digest: string }> => {
      const res = await http1Request(url, { method: 'POST' })
      if (reuse) res.reuseMemory()
      const hash = createHash('sha256')
      const buffers = new Set<ArrayBufferLike>()
      for await (const chunk of res.body) {
        // a lent chunk is used up before the next is asked for
        hash.update(chunk)
        buffers.add(chunk.buffer)
      }
      return { buffers: buffers.size, digest: hash.digest('hex') }
    }
    const lent = await distinctBuffers(true)
    const owned = await distinctBuffers(false)
    expect(lent.digest).toBe(sha256(data))
    expect(owned.digest).toBe(sha256(data))
    // 64 MiB through 1 MiB slabs: every slab is new unless memory is reused
    expect(owned.buffers).toBeGreaterThanOrEqual(64)
    expect(lent.buffers).toBeLessThanOrEqual(8)
  })

  it('cancels with the signal\'s reason', async () => {
    const url = await httpServer((_req, res) => { res.writeHead(200); res.write('partial') })
    const controller = new AbortController()
    const res = await http1Request(url, { method: 'POST', signal: controller.signal })
    const reading = readBody(res.body)
    controller.abort(new Error('interrupted'))
    await expect(reading).rejects.toThrow('interrupted')
  })
})

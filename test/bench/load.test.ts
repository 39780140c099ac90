/**
 * The gateway benchmark's target is read from bench/load.ts, so its count must be exact: every
 * answer it counts was served, whatever the body size and however TCP splits it.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createServer, type Server } from 'node:http'
import { once } from 'node:events'
import { load } from '../../bench/load.ts'

let server: Server | undefined
afterEach(async () => {
  server?.closeAllConnections()
  server?.close()
  server = undefined
})

describe('bench/load.ts', () => {
  it('counts the answers the server sent, their statuses, and cycles through the paths', async () => {
    const seen = new Map<string, number>()
    let served = 0
    const body = Buffer.alloc(70_000, 7) // more than one read of the socket
    server = createServer((req, res) => {
      served++
      seen.set(req.url ?? '', (seen.get(req.url ?? '') ?? 0) + 1)
      res.writeHead(req.url === '/missing' ? 404 : 200, { 'Content-Length': body.length })
      res.end(body)
    })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const port = (server.address() as { port: number }).port
    const result = await load({ port, paths: ['/a', '/b', '/missing'], connections: 4, seconds: 1, headers: { Accept: 'x/y' } })
    expect(result.errors).toBe(0)
    expect(result.requests).toBeGreaterThan(30)
    // the client stops counting at the deadline: at most one answer per connection is not counted
    expect(served - result.requests).toBeGreaterThanOrEqual(0)
    expect(served - result.requests).toBeLessThanOrEqual(4)
    expect(Math.abs(result.non2xx - result.requests / 3)).toBeLessThanOrEqual(4)
    expect(result.rps).toBe(result.requests)
    expect([...seen.keys()].sort()).toEqual(['/a', '/b', '/missing'])
  })

  it('reports an answer it cannot frame as an error instead of counting it', async () => {
    server = createServer((_req, res) => {
      res.writeHead(200) // chunked: no Content-Length
      res.end('x')
    })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const port = (server.address() as { port: number }).port
    const result = await load({ port, paths: ['/'], connections: 2, seconds: 0.3 })
    expect(result.requests).toBe(0)
    expect(result.errors).toBe(2)
  })
})

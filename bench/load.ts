/**
 * A lean HTTP/1.1 load generator for small answers: `connections` keep-alive connections, each
 * sending the next GET as soon as the last answer is complete (no pipelining), cycling through
 * `paths`. It only frames answers (status line, `Content-Length`) and never decodes a body.
 *
 * Why not autocannon alone: it appends every body to a JavaScript string, so a binary 1 KiB answer
 * costs it a UTF-8 decode, and with a thousand distinct paths it spent ~40 µs of CPU per request
 * here against the gateway's ~25 µs — on a 2-core machine the client, not the server, set the
 * rate. The gateway bench reports both clients' figures.
 */
import { connect, type Socket } from 'node:net'

export interface LoadOptions {
  port: number
  paths: string[]
  headers?: Record<string, string>
  connections: number
  seconds: number
}

export interface LoadResult {
  /** answers completed inside the window */
  requests: number
  rps: number
  non2xx: number
  errors: number
}

const HEAD_END = Buffer.from('\r\n\r\n')
const CONTENT_LENGTH = /\r\ncontent-length:[ \t]*(\d+)/i

export async function load (options: LoadOptions): Promise<LoadResult> {
  const extra = Object.entries(options.headers ?? {}).map(([name, value]) => `${name}: ${value}\r\n`).join('')
  const requests = options.paths.map(path =>
    Buffer.from(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${options.port}\r\nConnection: keep-alive\r\n${extra}\r\n`, 'latin1'))
  const result: LoadResult = { requests: 0, rps: 0, non2xx: 0, errors: 0 }
  let running = true
  const sockets: Socket[] = []
  const done: Array<Promise<void>> = []

  for (let c = 0; c < options.connections; c++) {
    let next = Math.floor(c * requests.length / options.connections)
    let pending: Buffer | undefined
    const socket = connect(options.port, '127.0.0.1')
    socket.setNoDelay(true)
    sockets.push(socket)
    const send = (): void => {
      socket.write(requests[next])
      next = (next + 1) % requests.length
    }
    socket.on('connect', send)
    socket.on('data', (chunk: Buffer) => {
      let buffer = pending == null ? chunk : Buffer.concat([pending, chunk])
      pending = undefined
      while (buffer.length > 0) {
        const headEnd = buffer.indexOf(HEAD_END)
        if (headEnd === -1) break
        const length = CONTENT_LENGTH.exec(buffer.toString('latin1', 0, headEnd))
        if (length == null) {
          result.errors++
          socket.destroy()
          return
        }
        const total = headEnd + 4 + Number(length[1])
        if (buffer.length < total) break
        const status = buffer[9] - 48
        if (!running) return
        result.requests++
        if (status !== 2) result.non2xx++
        buffer = buffer.subarray(total)
        send()
      }
      if (buffer.length > 0) pending = Buffer.from(buffer)
    })
    done.push(new Promise(resolve => {
      socket.on('error', () => { if (running) result.errors++ })
      socket.on('close', () => { resolve() })
    }))
  }
  await new Promise(resolve => setTimeout(resolve, options.seconds * 1000))
  running = false
  const counted = result.requests
  for (const socket of sockets) socket.destroy()
  await Promise.all(done)
  result.requests = counted
  result.rps = counted / options.seconds
  return result
}

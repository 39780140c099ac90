/**
 * A lean HTTP/1.1 load generator for small answers: `connections` keep-alive connections, each
 * sending the next GET as soon as the last answer is complete (no pipelining), cycling through
 * `paths`. It only frames answers (status line, `Content-Length`) and never decodes a body.
 *
 * Why not autocannon alone: it appends every body to a JavaScript string, so a binary 1 KiB answer
 * costs it a UTF-8 decode, and with a thousand distinct paths it spent ~40 µs of CPU per request
 * here, more than the gateway's ~16 µs (this client: ~11 µs) — on a 2-core machine the client's
 * CPU is taken from the server. The gateway bench runs both, each in a process of its own, and
 * reports both clients' figures.
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

/** What autocannon is called with and answers (only what this file uses). */
type Autocannon = (options: Record<string, unknown>) => Promise<{ requests: { average: number, total: number }, non2xx: number, errors: number, timeouts: number }>

/** The same load from autocannon: same connections, paths (cycled per connection) and headers. */
export async function loadWithAutocannon (options: LoadOptions): Promise<LoadResult> {
  const { default: autocannon } = await import('autocannon' as string) as { default: Autocannon }
  const result = await autocannon({
    url: `http://127.0.0.1:${options.port}`,
    connections: options.connections,
    duration: options.seconds,
    requests: options.paths.map(path => ({ method: 'GET', path, headers: options.headers ?? {} }))
  })
  return { requests: result.requests.total, rps: result.requests.average, non2xx: result.non2xx, errors: result.errors + result.timeouts }
}

/**
 * As a program, so that the load runs in a fresh process of its own, as a real client would (not
 * in a bench process whose heap holds a gigabyte import):
 * `node bench/load.ts lean|autocannon PORT PATHS_FILE CONNECTIONS SECONDS [HEADERS_JSON]` prints
 * the result as JSON. PATHS_FILE holds one path per line.
 */
if (import.meta.main) {
  const [client, port, pathsFile, connections, seconds, headers] = process.argv.slice(2)
  const { readFile } = await import('node:fs/promises')
  const options: LoadOptions = {
    port: Number(port),
    paths: (await readFile(pathsFile, 'utf8')).split('\n').filter(line => line !== ''),
    connections: Number(connections),
    seconds: Number(seconds),
    headers: headers == null ? {} : JSON.parse(headers) as Record<string, string>
  }
  const result = client === 'autocannon' ? await loadWithAutocannon(options) : await load(options)
  process.stdout.write(JSON.stringify(result) + '\n')
}

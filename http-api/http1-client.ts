/**
 * A small HTTP/1.1 client (RFC 9112) for Cairn's RPC client: one request per connection, the
 * request body streamed with chunked transfer coding, the response read with a pull parser, and
 * its trailers kept.
 *
 * Why not `node:http`: `cairn cat` and `cairn add` through a daemon move hundreds of MiB over
 * loopback, and on a 2-core machine the client's CPU is taken from the daemon. Reading a 256 MiB
 * answer through `node:http` cost the CLI ~0.5 s of CPU (its parser hands each socket read to an
 * IncomingMessage stream, a second stream layer with its own buffering); reading the socket
 * directly costs ~0.15 s, and `cat`/`add` through the daemon run at curl's speed. `fetch` is no
 * alternative: it cannot read trailers, where the RPC API reports an error after streaming began.
 */
import { connect as netConnect, type Socket } from 'node:net'
import { abortError, throwIfAborted } from '../errors/abort.ts'
import { ByteReader } from './byte-reader.ts'

/** A request of {@link http1Request}. */
export interface Http1RequestInit {
  method: string
  /** Header fields; `Host`, `Connection` and the body's framing are set by the client. */
  headers?: Record<string, string>
  /** The request body, sent with chunked transfer coding as the socket drains. */
  body?: AsyncIterable<Uint8Array>
  signal?: AbortSignal
}

/** A response of {@link http1Request}. */
export interface Http1Response {
  status: number
  statusText: string
  /** Header fields by lower-cased name; repeated fields joined with `, `. */
  headers: Record<string, string>
  /** The body's bytes. Iterate it once; it throws when the connection ends before the body does. */
  body: AsyncIterable<Uint8Array>
  /** The trailer fields (of a chunked body), by lower-cased name, once the body has been read. */
  trailers: Record<string, string>
  /**
   * From now on, each chunk of {@link body} is lent: it is valid only until the next one is asked
   * for, when its memory may be read into again. For a consumer that is done with every chunk
   * before it asks for the next (writes it out, copies it); it saves allocating every chunk.
   */
  reuseMemory(): void
  /** Closes the connection (reading the body is then no longer possible). */
  destroy(): void
}

/** The most bytes of a response's header section, and of its trailer section. */
export const MAX_HEAD_BYTES = 64 * 1024
/** The longest chunk-size line accepted (size, extensions and CRLF). */
const MAX_CHUNK_LINE_BYTES = 4096

const CRLF = Buffer.from('\r\n')
const EMPTY_CHUNK = Buffer.from('0\r\n\r\n')

/** An error of the HTTP framing, named like the errors Node's own client gives. */
function protocolError (message: string): Error {
  return Object.assign(new Error(`malformed HTTP response: ${message}`), { code: 'HPE_INVALID' })
}

/** The connection closed before the response was complete (Node's client calls that "aborted"). */
function prematureClose (): Error {
  return Object.assign(new Error('aborted'), { code: 'ECONNRESET' })
}

/**
 * Reads one CRLF-terminated line (without the CRLF) as latin1 text; undefined when the source
 * ends first.
 */
async function readLine (reader: ByteReader, max: number): Promise<string | undefined> {
  let from = 0
  for (;;) {
    const end = reader.buffer.indexOf(CRLF, from)
    if (end !== -1) {
      if (end + 2 > max) throw protocolError(`a line longer than ${max} bytes`)
      const line = reader.take(end + 2).toString('latin1', 0, end)
      return line
    }
    if (reader.buffer.length >= max) throw protocolError(`a line longer than ${max} bytes`)
    from = Math.max(0, reader.buffer.length - 1)
    if (!(await reader.fill())) return undefined
  }
}

/** Reads header fields up to the empty line; `budget` bounds the section's bytes. */
async function readFields (reader: ByteReader, budget: number): Promise<Record<string, string>> {
  const fields: Record<string, string> = {}
  let used = 0
  for (;;) {
    const line = await readLine(reader, budget - used)
    if (line === undefined) throw prematureClose()
    used += line.length + 2
    if (line === '') return fields
    const colon = line.indexOf(':')
    if (colon <= 0) throw protocolError(`a header line without a name: ${JSON.stringify(line.slice(0, 80))}`)
    const name = line.slice(0, colon).trim().toLowerCase()
    const value = line.slice(colon + 1).trim()
    fields[name] = fields[name] == null ? value : `${fields[name]}, ${value}`
  }
}

/** Reads the status line and the header section, skipping 1xx interim responses. */
async function readHead (reader: ByteReader): Promise<{ status: number, statusText: string, headers: Record<string, string> }> {
  for (;;) {
    const line = await readLine(reader, MAX_HEAD_BYTES)
    if (line === undefined) throw prematureClose()
    const match = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(line)
    if (match == null) throw protocolError(`an invalid status line ${JSON.stringify(line.slice(0, 80))}`)
    const status = Number(match[1])
    const headers = await readFields(reader, MAX_HEAD_BYTES - line.length - 2)
    if (status >= 100 && status < 200) continue
    return { status, statusText: match[2] ?? '', headers }
  }
}

/** The body of a response, framed by `headers` (RFC 9112 §6.3); trailers go into `trailers`. */
async function * readBody (reader: ByteReader, status: number, headers: Record<string, string>, trailers: Record<string, string>): AsyncGenerator<Uint8Array, void, undefined> {
  if (status === 204 || status === 304) return
  const coding = headers['transfer-encoding']
  if (coding != null) {
    if (coding.split(',').pop()?.trim().toLowerCase() !== 'chunked') {
      // the body runs until the connection closes
      while (reader.buffer.length > 0 || await reader.fill()) yield reader.take(reader.buffer.length)
      return
    }
    for (;;) {
      const line = await readLine(reader, MAX_CHUNK_LINE_BYTES)
      if (line === undefined) throw prematureClose()
      const sizeText = line.split(';', 1)[0].trim()
      if (!/^[0-9a-fA-F]{1,12}$/.test(sizeText)) throw protocolError(`an invalid chunk size ${JSON.stringify(sizeText.slice(0, 20))}`)
      const size = parseInt(sizeText, 16)
      if (size === 0) {
        Object.assign(trailers, await readFields(reader, MAX_HEAD_BYTES))
        return
      }
      yield * reader.stream(size, prematureClose)
      if (!(await reader.ensure(2))) throw prematureClose()
      if (reader.buffer[0] !== 0x0d || reader.buffer[1] !== 0x0a) throw protocolError('a chunk not followed by CRLF')
      reader.take(2)
    }
  }
  const length = headers['content-length']
  if (length != null) {
    if (!/^\d{1,15}$/.test(length)) throw protocolError(`an invalid Content-Length ${JSON.stringify(length)}`)
    yield * reader.stream(Number(length), prematureClose)
    return
  }
  while (reader.buffer.length > 0 || await reader.fill()) yield reader.take(reader.buffer.length)
}

/** Bytes of a response held unread before the socket is paused. */
const HIGH_WATER_MARK = 4 * 1024 * 1024
/**
 * Plain TCP reads go into slabs of this size, each read into the free tail of the current one:
 * a read takes all the socket has (~170 KiB on average for a fast loopback answer, against the
 * fixed 64 KiB of a default socket read), so fewer, larger chunks travel up the layers.
 */
const SLAB_SIZE = 1024 * 1024
/** A slab with less free space than this is retired for a new one. */
const MIN_READ_SIZE = 64 * 1024

/** A slab of read memory and the chunks carved from it that are still out. */
interface Slab {
  bytes: Buffer
  used: number
  out: number
}

/**
 * The bytes a socket receives, as an async iterator with backpressure: the socket stops reading
 * while more than {@link HIGH_WATER_MARK} bytes wait unread.
 *
 * Plain TCP is read with `onread` into slabs (see {@link SLAB_SIZE}). Once {@link reuse} is on,
 * a chunk is lent, not given: its memory returns to the slab pool when the next chunk is asked
 * for, and a slab whose chunks are all back is read into again. A 256 MiB answer then costs a
 * handful of slabs instead of 256 fresh MiB that the garbage collector must find and free (about
 * a fifth of the CLI's CPU in `cairn cat` through a daemon).
 */
class SocketSource implements AsyncIterator<Uint8Array> {
  private readonly chunks: Array<{ chunk: Uint8Array, slab?: Slab }> = []
  private queued = 0
  private ended = false
  private failure: Error | undefined
  private wake: (() => void) | undefined
  /** True while the socket does not read, because too much waits unread. */
  private paused = false
  private reusing = false
  private current: Slab = { bytes: Buffer.allocUnsafeSlow(SLAB_SIZE), used: 0, out: 0 }
  private readonly spare: Slab[] = []
  /** The slab of the chunk last lent out. */
  private lent: Slab | undefined
  socket: Socket | undefined

  /** Lends chunks from now on (see the class comment). */
  reuse (): void {
    this.reusing = true
  }

  /** Where the next `onread` read goes: the free tail of the current slab. */
  readBuffer (): Buffer {
    if (this.current.bytes.length - this.current.used < MIN_READ_SIZE) {
      const retired = this.current
      this.current = this.spare.pop() ?? { bytes: Buffer.allocUnsafeSlow(SLAB_SIZE), used: 0, out: 0 }
      this.release(retired, 0)
    }
    return this.current.bytes.subarray(this.current.used)
  }

  /** Queues the `n` bytes just read into {@link readBuffer}; false when the socket is to stop reading. */
  received (n: number): boolean {
    const slab = this.current
    const chunk = slab.bytes.subarray(slab.used, slab.used + n)
    slab.used += n
    slab.out++
    return this.enqueue(chunk, slab)
  }

  /** Queues a chunk received as a buffer of its own (TLS); false when the socket is to pause. */
  push (chunk: Uint8Array): boolean {
    return this.enqueue(chunk, undefined)
  }

  private enqueue (chunk: Uint8Array, slab: Slab | undefined): boolean {
    this.chunks.push({ chunk, slab })
    this.queued += chunk.byteLength
    this.wakeUp()
    this.paused = this.queued >= HIGH_WATER_MARK
    return !this.paused
  }

  /** Takes `returned` chunks back from `slab`; a retired slab with none out is kept for reuse. */
  private release (slab: Slab, returned: number): void {
    slab.out -= returned
    if (slab.out === 0 && slab !== this.current && this.reusing) {
      slab.used = 0
      this.spare.push(slab)
    }
  }

  end (): void {
    this.ended = true
    this.wakeUp()
  }

  fail (err: Error): void {
    this.failure ??= err
    this.wakeUp()
  }

  private wakeUp (): void {
    const wake = this.wake
    this.wake = undefined
    wake?.()
  }

  async next (): Promise<IteratorResult<Uint8Array, undefined>> {
    if (this.lent != null) {
      this.release(this.lent, 1)
      this.lent = undefined
    }
    while (this.chunks.length === 0) {
      if (this.failure != null) throw this.failure
      if (this.ended) return { done: true, value: undefined }
      await new Promise<void>(resolve => { this.wake = resolve })
    }
    const { chunk, slab } = this.chunks.shift() as { chunk: Uint8Array, slab?: Slab }
    // a chunk given while not reusing stays the consumer's: its slab keeps it counted as out
    if (this.reusing) this.lent = slab
    this.queued -= chunk.byteLength
    if (this.paused && this.queued < HIGH_WATER_MARK / 2) {
      this.paused = false
      // restarts reading, both for a 'data' listener and for `onread` (which stopped the handle)
      this.socket?.resume()
    }
    return { done: false, value: chunk }
  }
}

/** Opens the connection; resolves once it is established. */
async function open (url: URL, signal: AbortSignal | undefined): Promise<{ socket: Socket, source: SocketSource }> {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1')
  const secure = url.protocol === 'https:'
  const port = Number(url.port !== '' ? url.port : secure ? 443 : 80)
  const source = new SocketSource()
  let socket: Socket
  if (secure) {
    // node:tls is loaded only for an https API: it is a sizeable part of a CLI call's start-up
    const { connect: tlsConnect } = process.getBuiltinModule('node:tls')
    socket = tlsConnect({ host, port, servername: /^[\d.]+$|:/.test(host) ? undefined : host })
    socket.on('data', (chunk: Buffer) => { if (!source.push(chunk)) socket.pause() })
  } else {
    socket = netConnect({
      host,
      port,
      onread: { buffer: () => source.readBuffer(), callback: (n: number) => source.received(n) }
    })
  }
  source.socket = socket
  socket.on('end', () => { source.end() })
  socket.on('error', (err) => { source.fail(err) })
  socket.on('close', () => { source.fail(prematureClose()) })
  socket.setNoDelay(true)
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => { reject(err) }
    socket.once('error', onError)
    socket.once(secure ? 'secureConnect' : 'connect', () => {
      socket.off('error', onError)
      resolve()
    })
  })
  if (signal != null) {
    const onAbort = (): void => { socket.destroy(abortError(signal, 'the request')) }
    if (signal.aborted) onAbort()
    else {
      signal.addEventListener('abort', onAbort, { once: true })
      socket.once('close', () => { signal.removeEventListener('abort', onAbort) })
    }
  }
  return { socket, source }
}

/**
 * Writes the body with chunked transfer coding. A chunk may be lent (see lending.ts): the next is
 * pulled only once the socket has handed all of it to the kernel, which is also the backpressure.
 */
async function sendBody (socket: Socket, body: AsyncIterable<Uint8Array>): Promise<void> {
  for await (const chunk of body) {
    if (chunk.byteLength === 0) continue
    if (socket.destroyed) return
    let flushed: ((err?: Error | null) => void) | undefined
    const written = new Promise<void>((resolve, reject) => {
      flushed = (err) => { if (err == null) resolve(); else reject(err) }
    })
    socket.cork()
    socket.write(`${chunk.byteLength.toString(16)}\r\n`)
    socket.write(chunk)
    socket.write(CRLF, flushed)
    socket.uncork()
    // nothing queued: the kernel took it all at once (the callback still comes, on a later tick)
    if (socket.writableLength > 0) await written
    else written.catch(() => {})
  }
  socket.write(EMPTY_CHUNK)
}

/**
 * Sends one request to `url` on a new connection and resolves with the response once its head
 * has arrived. The body is sent while the response is read, so a server that answers early (an
 * error) is heard; a failure of `init.body` itself rejects the request. Network errors keep
 * Node's `code`s (`ECONNREFUSED`, `ECONNRESET`, …).
 */
export async function http1Request (url: URL, init: Http1RequestInit): Promise<Http1Response> {
  throwIfAborted(init.signal, 'the request')
  const { socket, source } = await open(url, init.signal)
  const headers: Record<string, string> = { Host: url.host, Connection: 'close', ...init.headers }
  if (init.body != null) headers['Transfer-Encoding'] = 'chunked'
  else if (init.method === 'POST' || init.method === 'PUT') headers['Content-Length'] = '0'
  let head = `${init.method} ${url.pathname}${url.search} HTTP/1.1\r\n`
  for (const [name, value] of Object.entries(headers)) {
    if (/[\r\n]/.test(name) || /[\r\n]/.test(value)) throw new TypeError(`the header ${name} contains a line break`)
    head += `${name}: ${value}\r\n`
  }
  socket.write(head + '\r\n')

  const reader = new ByteReader({ [Symbol.asyncIterator]: () => source })
  let inputError: unknown
  const sending = init.body == null
    ? Promise.resolve()
    : sendBody(socket, init.body).catch((err: unknown) => {
      // a broken connection is the response's business; a failing input is the request's
      if ((err as { code?: string }).code === 'EPIPE' || socket.destroyed) return
      inputError = err
      socket.destroy(err as Error)
    })
  let parsed
  try {
    parsed = await readHead(reader)
  } catch (err) {
    socket.destroy()
    await sending
    throw inputError ?? err
  }
  const trailers: Record<string, string> = {}
  const { status, statusText } = parsed
  const body = (async function * () {
    try {
      yield * readBody(reader, status, parsed.headers, trailers)
    } catch (err) {
      throw inputError ?? err
    } finally {
      socket.destroy()
    }
  })()
  return {
    status,
    statusText,
    headers: parsed.headers,
    body,
    trailers,
    reuseMemory: () => { source.reuse() },
    destroy: () => { socket.destroy() }
  }
}

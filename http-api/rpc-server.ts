/**
 * The Kubo-compatible RPC API: `POST /api/v0/<command path>` for every command of the table
 * that is not local-only, following Kubo's transport rules
 * (`../shared/reference/interop-surface.md` §1a, go-ipfs-cmds `http/`):
 *
 * - POST only; GET and HEAD get 405 with `Allow`; an unknown command gets a plain-text 404.
 * - Positional arguments in repeated `?arg=`, options by their long name (parsed and defaulted by
 *   the table's `parseOptions`; unknown ones ignored), the global `timeout` (a Go duration) that
 *   aborts the command, and `enc` (`json`, or `text` for the CLI's rendering) and
 *   `stream-channels` accepted.
 * - Uploads (`add`; `block put`, `dag put`, `dag import`) are multipart bodies, streamed into the
 *   command part by part and never held whole.
 * - A value is one JSON document; a stream of values is NDJSON with `X-Chunked-Output: 1`; bytes
 *   are streamed with `X-Stream-Output: 1`; `get`'s entries are a tar stream. Every write waits
 *   for the socket to drain.
 * - Errors are `{"Message","Code","Type":"error","Name"}`: 400 for client errors (code 1), 413 for
 *   an oversized body, 500 otherwise. An error after the answer started is put in the
 *   `X-Stream-Error` trailer (and its name in `X-Stream-Error-Name`); the response then ends
 *   normally for clients that said they read trailers (`TE: trailers`, as Cairn's client does) and
 *   is aborted for every other client, so none of them takes a truncated answer for a whole one.
 * - A client that goes away aborts its command's signal, so no work is left running for nobody.
 *
 * A URL over `MAX_URL_BYTES` is answered 414 before anything else; then who may call it is
 * decided by the guard of `security.ts`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import { abortError } from '../errors/abort.ts'
import { loggerFor, type Logger } from '../logger/index.ts'
import { AbortedError, InvalidArgumentError, TimeoutError, UriTooLongError } from '../errors/index.ts'
import { checkArgs, COMMANDS, offlineView, parseOptions, type Command, type CommandInput, type CommandRequest, type CoreNode } from '../core/index.ts'
import { parseDuration, readApi, startTimer, type Config, type DurationTimer } from '../repo/index.ts'
import {
  API_PATH, DEFAULT_BODY_LIMIT, DEFAULT_UPLOAD_LIMIT, DRAIN_LIMIT_BYTES, DRAIN_TIMEOUT_MS, EXPOSED_HEADERS, MAX_URL_BYTES,
  MAX_PART_HEADER_BYTES, PREFLIGHT_MAX_AGE_SECONDS, STREAM_ERROR_NAME_TRAILER, STREAM_ERROR_TRAILER, TAR_METADATA_HEADER
} from './constants.ts'
import { writeChunk } from './backpressure.ts'
import { PayloadTooLargeError, rpcErrorBody, rpcStatusOf, toHeaderValue } from './errors.ts'
import { multipartBoundary, parseMultipart } from './multipart.ts'
import { createApiGuard, type ApiAuthorization, type ApiGuard } from './security.ts'
import { tarFromEntries, type TarEntry } from './tar.ts'
import { gzipLevelOf, gzipped, singleFileBytes } from './gzip.ts'
import { entriesFromParts, filesFromParts, withIdleTimeout } from './uploads.ts'

/** What the RPC server is built on. */
export interface RpcServerComponents {
  /** The node that runs the commands. */
  node: CoreNode
  /** Called once the answer to `shutdown` has been sent; absent means `shutdown` is refused. */
  onShutdown?: () => void
}

/** Options of {@link createRpcServer}; each one's default is the constant it names. */
export interface RpcServerInit {
  /** The command table to serve. Default: `COMMANDS` (those without `localOnly`). */
  commands?: ReadonlyArray<Command<any>> // eslint-disable-line @typescript-eslint/no-explicit-any
  /**
   * Browser origins allowed besides the API's own two. Default: the config's
   * `API.HTTPHeaders["Access-Control-Allow-Origin"]` (none in a new repo).
   */
  allowedOrigins?: readonly string[]
  /** Secrets and the paths they may call. Default: the config's `API.Authorizations` (none). */
  authorizations?: Record<string, ApiAuthorization>
  /** Most bytes of a request body for commands that take no input. Default {@link DEFAULT_BODY_LIMIT}. */
  bodyLimit?: number
  /** Most bytes of an upload. Default {@link DEFAULT_UPLOAD_LIMIT} (no limit: uploads are streamed). */
  uploadLimit?: number
  /** Most bytes of one multipart part's headers. Default {@link MAX_PART_HEADER_BYTES}. */
  maxPartHeaderBytes?: number
  /**
   * Milliseconds an upload may send nothing while the server waits for it; 0 turns it off.
   * Default: the config's `API.UploadIdleTimeout` (repo's `DEFAULT_UPLOAD_IDLE_TIMEOUT`, 60 s).
   */
  uploadIdleTimeoutMs?: number
}

/** {@link RpcServerInit} with every default applied. */
export interface ResolvedRpcServerInit {
  commands: ReadonlyArray<Command<any>> // eslint-disable-line @typescript-eslint/no-explicit-any
  /** The whole table given, local-only commands included: what `commands` lists. */
  table: ReadonlyArray<Command<any>> // eslint-disable-line @typescript-eslint/no-explicit-any
  allowedOrigins: readonly string[]
  authorizations: Record<string, ApiAuthorization>
  /** Headers from `API.HTTPHeaders` (other than the allowed origins) that every answer carries. */
  headers: Record<string, string>
  bodyLimit: number
  uploadLimit: number
  uploadIdleTimeoutMs: number
  maxPartHeaderBytes: number
}

/** Applies the defaults: the `DEFAULT_*` constants, then the config's `API` section. */
export function resolveRpcServerInit (config: Config, init: RpcServerInit = {}): ResolvedRpcServerInit {
  const api = readApi(config)
  const headers: Record<string, string> = {}
  let origins: string[] = []
  for (const [name, values] of Object.entries(api.HTTPHeaders)) {
    if (name.toLowerCase() === 'access-control-allow-origin') origins = values
    else if (values.length > 0) headers[name] = values.join(', ')
  }
  return {
    commands: (init.commands ?? COMMANDS).filter(c => c.localOnly !== true),
    table: init.commands ?? COMMANDS,
    allowedOrigins: init.allowedOrigins ?? origins,
    authorizations: init.authorizations ?? api.Authorizations,
    headers,
    bodyLimit: init.bodyLimit ?? DEFAULT_BODY_LIMIT,
    uploadLimit: init.uploadLimit ?? DEFAULT_UPLOAD_LIMIT,
    uploadIdleTimeoutMs: init.uploadIdleTimeoutMs ?? api.UploadIdleTimeoutMs,
    maxPartHeaderBytes: init.maxPartHeaderBytes ?? MAX_PART_HEADER_BYTES
  }
}

/**
 * A request body read through its async iterator, counting bytes against a limit. Its source is
 * never ended early, so the rest can be drained after an error answer.
 */
class RequestBody implements AsyncIterable<Uint8Array> {
  bytes = 0
  started = false
  private readonly iterator: AsyncIterator<Buffer>
  private readonly limit: number

  constructor (raw: IncomingMessage, limit: number) {
    this.iterator = raw[Symbol.asyncIterator]()
    this.limit = limit
  }

  [Symbol.asyncIterator] (): AsyncIterator<Uint8Array> {
    return {
      next: async () => {
        this.started = true
        const step = await this.iterator.next()
        if (step.done !== true) {
          this.bytes += step.value.byteLength
          if (this.bytes > this.limit) throw new PayloadTooLargeError(`the upload is larger than the API's limit of ${this.limit} bytes`)
        }
        return step
      }
    }
  }

  /** Reads and drops the rest; false when more than `maxBytes` remained. */
  async discard (maxBytes: number): Promise<boolean> {
    let dropped = 0
    while (true) {
      const step = await this.iterator.next()
      if (step.done === true) return true
      dropped += step.value.byteLength
      if (dropped > maxBytes) return false
    }
  }
}

const bodies = new WeakMap<IncomingMessage, RequestBody>()

/**
 * Once an answer is out, makes sure the request body does not hold the connection: what our
 * parsers left is drained (at most {@link DRAIN_LIMIT_BYTES}), a body never read is dumped by
 * Node, and a body still arriving after {@link DRAIN_TIMEOUT_MS} closes the connection.
 */
function settleBody (raw: IncomingMessage): void {
  if (raw.complete || raw.socket == null || raw.socket.destroyed) return
  const socket = raw.socket
  const timer = setTimeout(() => { if (!raw.complete) socket.destroy() }, DRAIN_TIMEOUT_MS)
  timer.unref()
  const body = bodies.get(raw)
  if (body?.started === true) {
    void body.discard(DRAIN_LIMIT_BYTES).then(
      (done) => { if (done) clearTimeout(timer); else socket.destroy() },
      () => { clearTimeout(timer) }
    )
  }
}

function first (value: unknown): string | undefined {
  if (Array.isArray(value)) return value.length > 0 ? String(value[value.length - 1]) : undefined
  return value == null ? undefined : String(value)
}

function all (value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String)
  return value == null ? [] : [String(value)]
}

/** JSON with bigints as numbers (strings when too large), and Go's trailing newline. */
function toJson (value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v !== 'bigint') return v
    return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v.toString()
  }) + '\n'
}

/** Writes with backpressure (see backpressure.ts); a closed answer rejects with the signal's reason. */
async function write (res: ServerResponse, chunk: Uint8Array | string, signal: AbortSignal, written?: () => void): Promise<void> {
  await writeChunk(res, chunk, () => signal.aborted ? abortError(signal) : new AbortedError('the client closed the connection'), written)
}

/** The error answer of a request whose answer has not started. */
function sendError (res: ServerResponse, err: unknown): void {
  if (res.headersSent || res.destroyed) return
  const body = toJson(rpcErrorBody(err))
  res.writeHead(rpcStatusOf(err), {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body)
  })
  res.end(body)
}

/** Ends an answer that has started with an error: trailers, then a clean end or an abort. */
function failStream (res: ServerResponse, err: unknown, readsTrailers: boolean): void {
  if (res.destroyed) return
  const body = rpcErrorBody(err)
  res.addTrailers({ [STREAM_ERROR_TRAILER]: toHeaderValue(body.Message), [STREAM_ERROR_NAME_TRAILER]: body.Name })
  if (readsTrailers) res.end()
  else res.destroy()
}

/** The headers of a streamed answer. */
function streamHeaders (kind: 'values' | 'bytes' | 'tar' | 'text'): Record<string, string> {
  const headers: Record<string, string> = { Trailer: `${STREAM_ERROR_TRAILER}, ${STREAM_ERROR_NAME_TRAILER}` }
  if (kind === 'values') {
    headers['Content-Type'] = 'application/json; charset=utf-8'
    headers['X-Chunked-Output'] = '1'
  } else if (kind === 'text') {
    headers['Content-Type'] = 'text/plain; charset=utf-8'
    headers['X-Chunked-Output'] = '1'
  } else {
    headers['Content-Type'] = kind === 'tar' ? 'application/x-tar' : 'text/plain'
    headers['X-Stream-Output'] = '1'
  }
  return headers
}

interface Exchange {
  command: Command
  request: FastifyRequest
  res: ServerResponse
  options: Record<string, unknown>
  /** The call's positional arguments (a command's text may depend on them). */
  args: readonly string[]
  encoding: 'json' | 'text'
  signal: AbortSignal
  /** Hands a chunk of a `bytes` command back to the store once sent (`releasesChunks`). */
  release: (chunk: Uint8Array) => void
}

/**
 * Streams an iterator's chunks; the first one is awaited before the answer starts. `release`, when
 * given, is called with each chunk once it is sent.
 */
async function stream (exchange: Exchange, iterator: AsyncIterator<unknown>, headers: Record<string, string>, encode: (value: unknown) => Uint8Array | string | undefined, release?: (chunk: Uint8Array) => void): Promise<void> {
  const { res, signal } = exchange
  let step = await iterator.next()
  res.writeHead(200, headers)
  // flush the headers at once: a client waits for them before reading the values
  res.flushHeaders()
  while (step.done !== true) {
    const chunk = encode(step.value)
    if (chunk != null && chunk.length > 0) {
      const sent = chunk
      await write(res, chunk, signal, release == null || typeof sent === 'string' ? undefined : () => { release(sent) })
    }
    step = await iterator.next()
  }
  res.end()
}

async function respond (exchange: Exchange, result: Promise<unknown> | AsyncIterable<unknown>): Promise<void> {
  const { command, res, options, args, encoding, request } = exchange
  if (command.output === 'value') {
    const value = await (result as Promise<unknown>)
    if (encoding === 'text') {
      const text = command.text?.(value, options, args) ?? (value === undefined ? '' : toJson(value).trimEnd())
      const body = text === '' ? '' : `${text}\n`
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) })
      res.end(body)
      return
    }
    const body = value === undefined ? '' : toJson(value)
    res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body) })
    res.end(body)
    return
  }
  if (command.output === 'stream') {
    const iterator = (result as AsyncIterable<unknown>)[Symbol.asyncIterator]()
    try {
      if (encoding === 'text') {
        await stream(exchange, iterator, streamHeaders('text'), (value) => {
          if (command.progress?.(value) != null) return undefined
          const text = command.text?.(value, options, args)
          return text == null || text === '' ? undefined : `${text}\n`
        })
      } else {
        await stream(exchange, iterator, streamHeaders('values'), toJson)
      }
    } finally {
      await iterator.return?.()
    }
    return
  }
  const metadata = request.headers[TAR_METADATA_HEADER.toLowerCase()] === '1'
  // `get --compress` as Kubo answers it: the tar gzipped (`-a`), or the one file's bytes gzipped;
  // Cairn's own client asks for entries (a tar with metadata) and compresses on its side
  const gzipLevel = command.output === 'entries' && !metadata ? gzipLevelOf(options) : undefined
  let source = command.output === 'entries'
    ? (gzipLevel != null && options.archive !== true
        ? singleFileBytes(result as AsyncIterable<TarEntry>, { signal: exchange.signal })
        : tarFromEntries(result as AsyncIterable<TarEntry>, { signal: exchange.signal, metadata }))
    : result as AsyncIterable<Uint8Array>
  if (gzipLevel != null) source = gzipped(source, gzipLevel)
  const iterator = source[Symbol.asyncIterator]()
  try {
    const headers = streamHeaders(command.output === 'entries' ? 'tar' : 'bytes')
    if (gzipLevel != null) headers['Content-Type'] = 'application/gzip'
    // a command's own chunks (not a tar or gzip made of them) go back to the store once sent
    const release = command.output === 'bytes' && gzipLevel == null ? exchange.release : undefined
    await stream(exchange, iterator, headers, (chunk) => chunk as Uint8Array, release)
  } finally {
    await iterator.return?.()
  }
}

/** The command's inputs from the request body. */
function buildInput (command: Command, request: FastifyRequest, settings: ResolvedRpcServerInit): CommandInput {
  const length = Number(request.headers['content-length'])
  const takesInput = command.input === 'entries' || command.input === 'files'
  const limit = takesInput ? settings.uploadLimit : settings.bodyLimit
  if (Number.isFinite(length) && length > limit) {
    throw new PayloadTooLargeError(`the request body (${length} bytes) is larger than the API's limit of ${limit} bytes for ${command.path}`)
  }
  if (!takesInput) return {}
  const boundary = multipartBoundary(request.headers['content-type'])
  const body = new RequestBody(request.raw, limit)
  bodies.set(request.raw, body)
  const parts = parseMultipart(withIdleTimeout(body, settings.uploadIdleTimeoutMs, 'API.UploadIdleTimeout'), boundary, { maxHeaderBytes: settings.maxPartHeaderBytes })
  return command.input === 'entries' ? { entries: entriesFromParts(parts) } : { files: filesFromParts(parts) }
}

async function execute (node: CoreNode, settings: ResolvedRpcServerInit, command: Command, request: FastifyRequest, res: ServerResponse, onShutdown: (() => void) | undefined, log: Logger): Promise<void> {
  const controller = new AbortController()
  const onClose = (): void => {
    if (!res.writableFinished) controller.abort(new AbortedError('the client closed the connection'))
  }
  res.on('close', onClose)
  let timer: DurationTimer | undefined
  const readsTrailers = /\btrailers\b/i.test(String(request.headers.te ?? ''))
  try {
    const query = (request.query ?? {}) as Record<string, unknown>
    const enc = first(query.enc ?? query.encoding) ?? 'json'
    if (enc !== 'json' && enc !== 'text') throw new InvalidArgumentError(`enc=${enc} is not supported; use json or text`)
    const timeout = first(query.timeout)
    if (timeout != null && timeout !== '') {
      const ms = parseDuration(timeout)
      if (ms > 0) {
        timer = startTimer(ms, () => { controller.abort(new TimeoutError(`request timed out after ${timeout} (the timeout option)`)) })
      }
    }
    const args = all(query.arg)
    log('%s %o', command.path, args)
    checkArgs(command, args)
    const options = parseOptions(command, query)
    const input = buildInput(command, request, settings)
    // Kubo's global `offline` option: the command reads only what the repo has
    const offline = first(query.offline)
    const commandRequest: CommandRequest = {
      node: offline === 'true' || offline === '' || offline === '1' ? offlineView(node) : node,
      args,
      options,
      input,
      signal: controller.signal,
      repoPath: node.repo.root,
      table: async () => settings.table,
      // the answer hands each chunk back once sent (see respond)
      releasesChunks: command.output === 'bytes'
    }
    if (onShutdown != null) {
      commandRequest.shutdown = () => { res.once('close', onShutdown) }
    }
    const result = afterFetchedStored(command.run(commandRequest), node.blocks)
    const release = (chunk: Uint8Array): void => { commandRequest.node.blocks.release?.(chunk) }
    await respond({ command, request, res, options, args, encoding: enc, signal: controller.signal, release }, result)
  } catch (err) {
    // an aborted command reports why it was aborted (the timeout, the client gone), whatever it threw
    const error = controller.signal.aborted ? abortError(controller.signal) : err
    log.error('%s failed: %e', command.path, error)
    if (res.headersSent) failStream(res, error, readsTrailers)
    else sendError(res, error)
  } finally {
    timer?.clear()
    res.off('close', onClose)
  }
}

function ignore (): void {}

/**
 * A command's result that ends only once the blocks it fetched are durable (the block service
 * writes them behind its readers): when `cat` through the daemon returns, what it fetched is in
 * the store, as a user expects of the next `--offline` command.
 */
function afterFetchedStored<V> (result: Promise<V> | AsyncIterable<V>, blocks: { online: boolean, flush(): Promise<void> }): Promise<V> | AsyncIterable<V> {
  if (!blocks.online) return result
  if (Symbol.asyncIterator in result) {
    return (async function * () {
      yield * result
      await blocks.flush()
    })()
  }
  return result.then(async (value) => {
    await blocks.flush()
    return value
  })
}

function pathOf (url: string): string {
  const query = url.indexOf('?')
  return query === -1 ? url : url.slice(0, query)
}

function applyCors (reply: FastifyReply, origin: string): void {
  reply.raw.setHeader('Access-Control-Allow-Origin', origin)
  reply.raw.setHeader('Vary', 'Origin')
  reply.raw.setHeader('Access-Control-Expose-Headers', EXPOSED_HEADERS.join(', '))
}

/**
 * Builds the RPC server (not listening yet: call `listen` on it). The guard runs first on every
 * request; then `/api/v0/*` is routed by the command table.
 */
export function createRpcServer (components: RpcServerComponents, init: RpcServerInit = {}): FastifyInstance {
  const { node } = components
  const log = loggerFor(node.logger, 'cairn:http-api:rpc')
  const settings = resolveRpcServerInit(node.repo.config, init)
  const byPath = new Map(settings.commands.map(c => [c.path, c]))
  const app = Fastify({ logger: false, exposeHeadRoutes: false, requestTimeout: 0 })

  let port: number | undefined
  const guard: ApiGuard = createApiGuard({
    allowedOrigins: settings.allowedOrigins,
    authorizations: settings.authorizations,
    port: () => {
      if (port == null) {
        const address = app.server.address()
        if (address != null && typeof address === 'object') port = address.port
      }
      return port
    }
  })

  // bodies are never parsed by fastify: uploads are streamed into the commands
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', (_request, _payload, done) => { done(null, undefined) })

  app.addHook('onRequest', async (request, reply) => {
    // a client that goes away shows up as errors on both streams: they are handled where they
    // are read or written (the command's signal aborts), never as uncaught errors
    request.raw.on('error', ignore)
    reply.raw.on('error', ignore)
    reply.raw.once('finish', () => { settleBody(request.raw) })
    if (request.url.length > MAX_URL_BYTES) {
      const err = new UriTooLongError(`the request URL is ${request.url.length} bytes, over the API's limit of ${MAX_URL_BYTES}`)
      await reply.code(rpcStatusOf(err)).type('application/json; charset=utf-8').send(toJson(rpcErrorBody(err)))
      return reply
    }
    const verdict = guard.check({ method: request.method, path: pathOf(request.url), headers: request.headers })
    if (!verdict.allow) {
      log('refused %s %s: %d %s', request.method, pathOf(request.url), verdict.status, verdict.message)
      await reply.code(verdict.status).headers({ ...verdict.headers, 'Content-Type': 'text/plain; charset=utf-8' }).send(`${verdict.message}\n`)
      return reply
    }
    for (const [name, value] of Object.entries(settings.headers)) reply.raw.setHeader(name, value)
    if (verdict.origin != null) applyCors(reply, verdict.origin)
    if (request.method === 'OPTIONS') {
      const headers: Record<string, string> = { Allow: 'OPTIONS, POST' }
      if (verdict.origin != null) {
        headers['Access-Control-Allow-Methods'] = settings.headers['Access-Control-Allow-Methods'] ?? 'POST, OPTIONS'
        headers['Access-Control-Allow-Headers'] = settings.headers['Access-Control-Allow-Headers'] ??
          String(request.headers['access-control-request-headers'] ?? 'Content-Type, Authorization')
        headers['Access-Control-Max-Age'] = String(PREFLIGHT_MAX_AGE_SECONDS)
      }
      await reply.code(200).headers(headers).send()
      return reply
    }
  })

  app.setNotFoundHandler(async (_request, reply) => {
    await reply.code(404).type('text/plain; charset=utf-8').send('404 page not found\n')
  })

  app.route({
    method: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'],
    url: `${API_PATH}/*`,
    handler: async (request, reply) => {
      const wildcard = (request.params as { '*'?: string })['*'] ?? ''
      const command = byPath.get(wildcard.split('/').filter(word => word !== '').join(' '))
      if (command == null) {
        await reply.code(404).type('text/plain; charset=utf-8').send('404 page not found\n')
        return
      }
      if (request.method !== 'POST') {
        await reply.code(405).header('Allow', 'OPTIONS, POST').type('text/plain; charset=utf-8').send('405 - Method Not Allowed\n')
        return
      }
      reply.hijack()
      await execute(node, settings, command, request, reply.raw, components.onShutdown, log)
    }
  })

  return app
}

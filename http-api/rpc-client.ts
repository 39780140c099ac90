/**
 * Cairn's RPC client: runs a command of the table on a daemon and gives back exactly what the
 * command's `run` gives locally — a promise of its value, or an async iterable of its values,
 * bytes or entries — so the CLI renders both the same way. Errors are re-created from the
 * answer's `Name` and `Message`, so `err.name` and `err.message` are the local ones; an error that
 * arrives in the `X-Stream-Error` trailer is thrown where the stream ends.
 *
 * Uploads are multipart bodies written as the socket drains, pulled from `input.entries` or
 * `input.files`: no file is ever held whole. Requests go through {@link http1Request} (see there
 * why not `node:http` or fetch), one connection per call.
 */
import { abortError, throwIfAborted } from '../errors/abort.ts'
import { createRequire } from 'node:module'
import { ApiUnreachableError, errorFromName, InvalidArgumentError, UnknownCommandError } from '../errors/index.ts'
import type { Command, CommandInput } from '../core/index.ts'
import { API_PATH, STREAM_ERROR_NAME_TRAILER, STREAM_ERROR_TRAILER, TAR_METADATA_HEADER } from './constants.ts'
import { errorFromBody, fromHeaderValue } from './errors.ts'
import { http1Request, type Http1Response } from './http1-client.ts'
import type { TarEntry } from './tar.ts'
import { authorizationHeader } from './security.ts'

/** Options of {@link createRpcClient}. */
export interface RpcClientInit {
  /** The daemon's API: a multiaddr (`/ip4/127.0.0.1/tcp/5001`, as in the repo's `api` file) or a URL. */
  api: string | URL
  /**
   * The secret for APIs with `API.Authorizations` (`--api-auth`, `CAIRN_API_AUTH`), as Kubo writes
   * it: `basic:<user>:<password>`, `bearer:<token>`, or a bare bearer token.
   */
  auth?: string
}

/** Options of {@link RpcClient.run}. */
export interface RpcRunOptions {
  /**
   * For commands whose output is bytes: lend the chunks (see `Http1Response.reuseMemory`), each
   * valid only until the next is asked for. Default false.
   */
  reuseMemory?: boolean
}

/** A client bound to one daemon. */
export interface RpcClient {
  /** The API's base URL (without `/api/v0`). */
  readonly url: URL
  /**
   * Runs `command` on the daemon. Returns what `command.run` returns: a promise for `value`
   * commands, an async iterable (the request is sent when iteration starts) for the others.
   */
  run<V>(command: Command<V>, args: string[], options: Record<string, unknown>, input: CommandInput, signal: AbortSignal, runOptions?: RpcRunOptions): Promise<V> | AsyncIterable<V>
  /** Cancels the calls still in flight (each call has its own connection). */
  close(): void
}

/**
 * The URL of a TCP multiaddr: `/ip4/127.0.0.1/tcp/5001` → `http://127.0.0.1:5001`;
 * `/ip6/::1/…`, `/dns4/…`, `/dns6/…`, `/dns/…` hosts; `/tls/http` or `/https` → https.
 */
export function multiaddrToUrl (address: string): URL {
  // the api file's own form, read without loading the multiaddr library (a good part of the
  // CLI's start-up through a daemon); anything else goes through the library
  const simple = /^\/(ip4|ip6)\/([0-9a-fA-F.:]+)\/tcp\/(\d{1,5})$/.exec(address)
  if (simple != null) return new URL(`http://${simple[1] === 'ip6' ? `[${simple[2]}]` : simple[2]}:${simple[3]}`)
  let components
  try {
    const { multiaddr } = createRequire(import.meta.url)('@multiformats/multiaddr') as typeof import('@multiformats/multiaddr')
    components = multiaddr(address).getComponents()
  } catch (err) {
    throw new InvalidArgumentError(`"${address}" is not a multiaddr`, { cause: err })
  }
  let host: string | undefined
  let port: string | undefined
  let secure = false
  for (const { name, value } of components) {
    if (name === 'ip4' || name === 'dns' || name === 'dns4' || name === 'dns6') host = value
    else if (name === 'ip6') host = `[${value ?? ''}]`
    else if (name === 'tcp') port = value
    else if (name === 'tls' || name === 'https') secure = true
  }
  if (host == null || port == null) {
    throw new InvalidArgumentError(`the API address ${address} is not a TCP multiaddr with a host (e.g. /ip4/127.0.0.1/tcp/5001)`)
  }
  return new URL(`${secure ? 'https' : 'http'}://${host}:${port}`)
}

function baseUrl (api: string | URL): URL {
  const url = typeof api === 'string' && api.startsWith('/') ? multiaddrToUrl(api) : new URL(api)
  url.pathname = url.pathname.replace(/\/+$/, '').replace(new RegExp(`${API_PATH}$`), '')
  url.search = ''
  url.hash = ''
  return url
}

/** The query string of a call: `arg`s, then the declared options by long name. */
function searchParams (command: Command, args: string[], options: Record<string, unknown>): URLSearchParams {
  const params = new URLSearchParams()
  for (const arg of args) params.append('arg', arg)
  for (const spec of command.options) {
    const value = options[spec.name]
    if (value === undefined || value === null) continue
    params.set(spec.name, spec.type === 'duration' && typeof value === 'number' ? `${value}ms` : String(value))
  }
  // the global --offline goes along, as Kubo's client sends it
  if (options.offline === true && !command.options.some(o => o.name === 'offline')) params.set('offline', 'true')
  return params
}

function networkError (err: unknown, url: URL, signal: AbortSignal): unknown {
  if (signal.aborted) return abortError(signal, 'the request')
  const code = (err as { code?: string }).code
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EPIPE' || code === 'ENOTFOUND' || code === 'EHOSTUNREACH' || code === 'ETIMEDOUT' || code === 'ECONNABORTED' || code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'HPE_INVALID' || (err as Error).message === 'aborted') {
    return new ApiUnreachableError(`the daemon's API at ${url.origin} ${code === 'ECONNREFUSED' ? 'refused the connection' : 'closed the connection before answering in full'} (${code ?? (err as Error).message})`, { cause: err })
  }
  return err
}

async function readAll (res: Http1Response): Promise<Buffer> {
  const chunks: Uint8Array[] = []
  for await (const chunk of res.body) chunks.push(chunk)
  return Buffer.concat(chunks)
}

/** Throws the error an unsuccessful answer carries. */
async function throwAnswerError (res: Http1Response, command: Command): Promise<never> {
  const text = (await readAll(res)).toString('utf8')
  const status = res.status
  if ((res.headers['content-type'] ?? '').startsWith('application/json')) {
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch {
      // not JSON: the error is reported below from the status and the raw text
      body = undefined
    }
    if (body != null && typeof (body as { Message?: unknown }).Message === 'string') throw errorFromBody(body, text)
  }
  if (status === 404) throw new UnknownCommandError(`the daemon has no command "${command.path}" (404)`)
  throw errorFromName(undefined, `the daemon answered ${status} ${res.statusText}: ${text.trim()}`.replace(/\s+:/, ':'))
}

/** Throws the error of the `X-Stream-Error` trailer, if the answer ended with one. */
function checkTrailers (res: Http1Response): void {
  const message = res.trailers[STREAM_ERROR_TRAILER.toLowerCase()]
  if (message == null || message === '') return
  const name = res.trailers[STREAM_ERROR_NAME_TRAILER.toLowerCase()]
  throw errorFromName(name, fromHeaderValue(message))
}

/** An answer's body chunks; the trailer's error (or a broken connection) is thrown at the end. */
async function * bodyOf (res: Http1Response, url: URL, signal: AbortSignal): AsyncGenerator<Uint8Array, void, undefined> {
  try {
    // a server that aborts instead of sending trailers ends the body early: that throws here
    yield * res.body
  } catch (err) {
    throw networkError(err, url, signal)
  }
  checkTrailers(res)
}

async function * ndjson (source: AsyncIterable<Uint8Array>): AsyncGenerator<unknown, void, undefined> {
  const decoder = new TextDecoder()
  let pending = ''
  for await (const chunk of source) {
    pending += decoder.decode(chunk, { stream: true })
    let newline = pending.indexOf('\n')
    while (newline !== -1) {
      const line = pending.slice(0, newline).trim()
      pending = pending.slice(newline + 1)
      if (line !== '') yield JSON.parse(line)
      newline = pending.indexOf('\n')
    }
  }
  pending += decoder.decode()
  if (pending.trim() !== '') yield JSON.parse(pending)
}

/** The multipart encoder and the upload parts, for a call that sends files. */
async function loadUploads (): Promise<typeof import('./multipart.ts') & typeof import('./uploads.ts')> {
  const [multipart, uploads] = await Promise.all([import('./multipart.ts'), import('./uploads.ts')])
  return { ...multipart, ...uploads }
}

/** The entries of a tar answer (`get`), its reader loaded on first use. */
async function * untar (source: AsyncIterable<Uint8Array>): AsyncGenerator<TarEntry> {
  const { entriesFromTar } = await import('./tar.ts')
  yield * entriesFromTar(source)
}

export function createRpcClient (init: RpcClientInit): RpcClient {
  const url = baseUrl(init.api)
  const closed = new AbortController()

  /** Sends the request (streaming its body) and resolves with a successful answer. */
  async function call (command: Command, args: string[], options: Record<string, unknown>, input: CommandInput, signal: AbortSignal): Promise<Http1Response> {
    throwIfAborted(signal, 'the request')
    const target = new URL(`${url.href.replace(/\/$/, '')}${API_PATH}/${command.path.split(' ').join('/')}`)
    target.search = searchParams(command, args, options).toString()
    const headers: Record<string, string> = { TE: 'trailers' }
    if (init.auth != null && init.auth !== '') headers.Authorization = authorizationHeader(init.auth)
    if (command.output === 'entries') headers[TAR_METADATA_HEADER] = '1'
    let body: AsyncIterable<Uint8Array> | undefined
    // node:crypto is loaded only by a call that sends a body
    const boundary = command.input === 'entries' || command.input === 'files'
      ? `cairn-${process.getBuiltinModule('node:crypto').randomBytes(12).toString('hex')}`
      : ''
    // the upload and tar codecs are loaded by the calls that use them: start-up is most of a
    // small command's time through a daemon
    const uploads = boundary !== '' ? await loadUploads() : undefined
    if (uploads != null && command.input === 'entries' && input.entries != null) {
      const { encodeMultipart, partsFromEntries } = uploads
      body = encodeMultipart(partsFromEntries(input.entries), boundary, { lend: true })
    } else if (uploads != null && command.input === 'files' && input.files != null) {
      const { encodeMultipart, partsFromFiles } = uploads
      body = encodeMultipart(partsFromFiles(input.files), boundary, { lend: true })
    }
    if (body != null) headers['Content-Type'] = `multipart/form-data; boundary=${boundary}`

    let res: Http1Response
    try {
      res = await http1Request(target, { method: 'POST', headers, body, signal: AbortSignal.any([signal, closed.signal]) })
    } catch (err) {
      throw networkError(err, url, signal)
    }
    if (res.status !== 200) {
      try {
        await throwAnswerError(res, command)
      } catch (err) {
        throw networkError(err, url, signal)
      } finally {
        res.destroy()
      }
    }
    return res
  }

  function run<V> (typed: Command<V>, args: string[], options: Record<string, unknown>, input: CommandInput, signal: AbortSignal, runOptions: RpcRunOptions = {}): Promise<V> | AsyncIterable<V> {
    const command = typed as Command
    if (command.output === 'value') {
      return (async () => {
        const res = await call(command, args, options, input, signal)
        let text: string
        try {
          text = (await readAll(res)).toString('utf8')
        } catch (err) {
          throw networkError(err, url, signal)
        }
        return (text.trim() === '' ? undefined : JSON.parse(text)) as V
      })()
    }
    const body = async function * (lend: boolean): AsyncGenerator<Uint8Array, void, undefined> {
      const res = await call(command, args, options, input, signal)
      if (lend) res.reuseMemory()
      yield * bodyOf(res, url, signal)
    }
    if (command.output === 'stream') return ndjson(body(false)) as AsyncIterable<V>
    if (command.output === 'entries') return untar(body(false)) as AsyncIterable<V>
    return body(runOptions.reuseMemory === true) as AsyncIterable<V>
  }

  return {
    url,
    run,
    close: () => { closed.abort(new ApiUnreachableError('the RPC client was closed')) }
  }
}

/**
 * A delegated HTTP router: a {@link Routing} that asks a Delegated Routing V1 HTTP API server
 * (`Routing.DelegatedRouters`, e.g. a Cairn or Kubo gateway with `Gateway.ExposeRoutingAPI`)
 * instead of the DHT. It joins the composite router beside the DHT, or alone (`Routing.Type`
 * `delegated`).
 *
 * - `findProviders` → `GET /routing/v1/providers/{cid}` (NDJSON streamed, JSON understood too);
 * - `findPeer` → `GET /routing/v1/peers/{peer-id}`;
 * - `get` / `put` of `/ipns/` keys → `GET` / `PUT /routing/v1/ipns/{name}` (the record is checked
 *   by naming, as any record from routing is);
 * - `provide`, `getClosestPeers` and other records: `RoutingNotSupportedError` — the API cannot
 *   do them, and saying so beats a silent success.
 *
 * A router is someone else's server: every answer is bounded in bytes
 * ({@link DEFAULT_MAX_RESPONSE_BYTES}, {@link MAX_NDJSON_LINE_BYTES}), in records and in time
 * ({@link DEFAULT_HTTP_ROUTER_TIMEOUT_MS} for the whole request, body included), so garbage, a
 * flood or a drip ends with a named error (`ProtocolError`, `TimeoutError`), never a hang.
 *
 * @see https://specs.ipfs.tech/routing/http-routing-v1/
 */
import { base36 } from 'multiformats/bases/base36'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import type { PeerId } from '@libp2p/interface'
import { abortError } from '../errors/abort.ts'
import { NotFoundError, PeerNotFoundError, ProtocolError, RoutingNotSupportedError } from '../errors/index.ts'
import { loggerFor, type ComponentLogger, type Logger } from '../logger/index.ts'
import type { FindProvidersOptions, PeerInfo, Routing, RoutingOptions } from './types.ts'

/** One request to a delegated router, body included: 30 s. */
export const DEFAULT_HTTP_ROUTER_TIMEOUT_MS = 30_000

/** The most bytes read from one answer: 4 MiB (a hundred providers take some tens of KiB). */
export const DEFAULT_MAX_RESPONSE_BYTES = 4 * 1024 * 1024

/** The longest NDJSON line (one record) taken: 64 KiB. */
export const MAX_NDJSON_LINE_BYTES = 64 * 1024

/** An IPNS record is at most 10 KiB (the IPNS spec's limit). */
export const MAX_IPNS_RECORD_BYTES = 10 * 1024

/** Providers taken from one answer when the caller sets no limit (the DHT's k). */
export const DEFAULT_HTTP_MAX_PROVIDERS = 20

const IPNS_RECORD_TYPE = 'application/vnd.ipfs.ipns-record'
const IPNS_PREFIX = new TextEncoder().encode('/ipns/')
const LIBP2P_KEY_CODEC = 0x72

/** Collaborators of an HTTP router. */
export interface HttpRouterComponents {
  logger?: ComponentLogger
}

/** Options of an HTTP router. */
export interface HttpRouterInit {
  /** The server, `http(s)://host[:port]` (a path prefix is kept; `/routing/v1/…` is appended). */
  url: string
  /** Deadline of one request, body included. Default {@link DEFAULT_HTTP_ROUTER_TIMEOUT_MS}. */
  timeoutMs?: number
  /** Bytes read from one answer at most. Default {@link DEFAULT_MAX_RESPONSE_BYTES}. */
  maxResponseBytes?: number
}

/** Creates a delegated HTTP router for `init.url`. */
export function createHttpRouter (components: HttpRouterComponents, init: HttpRouterInit): Routing {
  return new HttpRouter(components, init)
}

/** The multihash of an `/ipns/` routing key, or undefined. */
function ipnsName (key: Uint8Array): Uint8Array | undefined {
  if (key.length <= IPNS_PREFIX.length || IPNS_PREFIX.some((b, i) => key[i] !== b)) return undefined
  return key.subarray(IPNS_PREFIX.length)
}

/** What reading peer records needs, loaded with the first answer: the node's start-up (and the
 * CLI, which loads the node's module) need not pay for it. */
interface PeerParsers {
  peerIdFromCID: typeof import('@libp2p/peer-id').peerIdFromCID
  peerIdFromString: typeof import('@libp2p/peer-id').peerIdFromString
  multiaddr: typeof import('@multiformats/multiaddr').multiaddr
}

let parsers: Promise<PeerParsers> | undefined

async function peerParsers (): Promise<PeerParsers> {
  parsers ??= Promise.all([import('@libp2p/peer-id'), import('@multiformats/multiaddr')])
    .then(([ids, addrs]) => ({ peerIdFromCID: ids.peerIdFromCID, peerIdFromString: ids.peerIdFromString, multiaddr: addrs.multiaddr }))
  return await parsers
}

/** A record of the Peer Schema (or the legacy `bitswap` schema) as a peer, or undefined when it is not one. */
function toPeerInfo (record: unknown, { peerIdFromCID, peerIdFromString, multiaddr }: PeerParsers): PeerInfo | undefined {
  if (record == null || typeof record !== 'object') return undefined
  const { Schema, ID, Addrs } = record as { Schema?: unknown, ID?: unknown, Addrs?: unknown }
  if ((Schema !== 'peer' && Schema !== 'bitswap') || typeof ID !== 'string') return undefined
  let id: PeerId
  try {
    id = ID.startsWith('1') || ID.startsWith('Q') ? peerIdFromString(ID) : peerIdFromCID(CID.parse(ID))
  } catch {
    return undefined
  }
  const multiaddrs = []
  for (const addr of Array.isArray(Addrs) ? Addrs : []) {
    try {
      if (typeof addr === 'string') multiaddrs.push(multiaddr(addr))
    } catch {}
  }
  return { id, multiaddrs }
}

class HttpRouter implements Routing {
  readonly #base: string
  readonly #timeoutMs: number
  readonly #maxBytes: number
  readonly #log: Logger

  constructor (components: HttpRouterComponents, init: HttpRouterInit) {
    this.#base = init.url.replace(/\/+$/, '')
    this.#timeoutMs = init.timeoutMs ?? DEFAULT_HTTP_ROUTER_TIMEOUT_MS
    this.#maxBytes = init.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES
    this.#log = loggerFor(components.logger, 'cairn:routing:http')
  }

  toString (): string {
    return `delegated router ${this.#base}`
  }

  async provide (): Promise<void> {
    throw new RoutingNotSupportedError(`${this} cannot take provider records (the Delegated Routing V1 API has no provide)`)
  }

  async * getClosestPeers (): AsyncGenerator<PeerInfo> {
    throw new RoutingNotSupportedError(`${this} does not look up closest peers`)
  }

  async * findProviders (cid: CID, options: FindProvidersOptions = {}): AsyncGenerator<PeerInfo> {
    const max = options.maxProviders ?? DEFAULT_HTTP_MAX_PROVIDERS
    let found = 0
    for await (const peer of this.#peers(`providers/${cid.toV1().toString()}`, options)) {
      options.onProgress?.({ type: 'provider', from: peer.id, provider: peer })
      yield peer
      if (++found >= max) return
    }
    if (found === 0) throw new NotFoundError(`${this} knows no provider of ${cid}`)
  }

  async findPeer (peer: PeerId, options: RoutingOptions = {}): Promise<PeerInfo> {
    for await (const info of this.#peers(`peers/${peer.toCID().toString(base36)}`, options)) {
      if (info.id.equals(peer) && info.multiaddrs.length > 0) {
        options.onProgress?.({ type: 'final-peer', peer: info })
        return info
      }
    }
    throw new PeerNotFoundError(`${this} knows no address of ${peer}`)
  }

  async get (key: Uint8Array, options: RoutingOptions = {}): Promise<Uint8Array> {
    const name = this.#ipnsPath(key)
    const signal = this.#signal(options)
    const res = await this.#fetch(name, { headers: { Accept: IPNS_RECORD_TYPE }, signal })
    // IPIP-513: any answer that is not a record means "no record"
    if (res.status === 404 || (res.ok && !(res.headers.get('content-type') ?? '').startsWith(IPNS_RECORD_TYPE))) {
      await res.body?.cancel().catch(() => {})
      throw new NotFoundError(`${this} has no record for ${name}`)
    }
    await this.#checkStatus(res)
    return await this.#readAll(res, MAX_IPNS_RECORD_BYTES, signal)
  }

  async put (key: Uint8Array, value: Uint8Array, options: RoutingOptions = {}): Promise<void> {
    const name = this.#ipnsPath(key)
    const signal = this.#signal(options)
    const res = await this.#fetch(name, { method: 'PUT', headers: { 'Content-Type': IPNS_RECORD_TYPE }, body: value, signal })
    await this.#checkStatus(res)
    await res.body?.cancel().catch(() => {})
  }

  /** `ipns/{name}` for an `/ipns/` key; any other record is not the API's. */
  #ipnsPath (key: Uint8Array): string {
    const multihash = ipnsName(key)
    if (multihash == null) throw new RoutingNotSupportedError(`${this} stores and finds only /ipns/ records`)
    let digest
    try {
      digest = Digest.decode(multihash)
    } catch (err) {
      throw new RoutingNotSupportedError(`${this}: the /ipns/ key does not hold a multihash`, { cause: err })
    }
    return `ipns/${CID.createV1(LIBP2P_KEY_CODEC, digest).toString(base36)}`
  }

  /** The caller's signal and the router's deadline. */
  #signal (options: RoutingOptions): AbortSignal {
    const timeout = AbortSignal.timeout(this.#timeoutMs)
    return options.signal == null ? timeout : AbortSignal.any([options.signal, timeout])
  }

  async #fetch (path: string, init: RequestInit & { signal: AbortSignal }): Promise<Response> {
    const url = `${this.#base}/routing/v1/${path}`
    this.#log('%s %s', init.method ?? 'GET', url)
    try {
      // a router that redirects could send us anywhere: it must answer itself
      return await fetch(url, { ...init, redirect: 'error' })
    } catch (err) {
      if (init.signal.aborted) throw abortError(init.signal, `the request to ${this}`)
      throw new ProtocolError(`${this} could not be asked: ${(err as Error).message}`, { cause: err })
    }
  }

  async #checkStatus (res: Response): Promise<void> {
    if (res.ok) return
    await res.body?.cancel().catch(() => {})
    throw new ProtocolError(`${this} answered ${res.status} ${res.statusText}`)
  }

  /** The peer records of a providers/peers answer, in either form, as they are read. */
  async * #peers (path: string, options: RoutingOptions): AsyncGenerator<PeerInfo> {
    const signal = this.#signal(options)
    const res = await this.#fetch(path, { headers: { Accept: 'application/x-ndjson, application/json;q=0.8' }, signal })
    try {
      if (res.status === 404) return
      await this.#checkStatus(res)
      const type = res.headers.get('content-type') ?? ''
      const records = type.startsWith('application/x-ndjson')
        ? this.#ndjson(res, signal)
        : type.startsWith('application/json')
          ? this.#json(res, signal)
          : undefined
      if (records == null) throw new ProtocolError(`${this} answered with content type "${type.slice(0, 100)}", not JSON`)
      const parse = await peerParsers()
      for await (const record of records) {
        const peer = toPeerInfo(record, parse)
        if (peer == null) {
          this.#log('%s: skipped a record that is not a peer', this)
          continue
        }
        yield peer
      }
    } finally {
      // an early stop, or a failure: the rest of the answer is not wanted
      await res.body?.cancel().catch(() => {})
    }
  }

  async * #json (res: Response, signal: AbortSignal): AsyncGenerator<unknown> {
    const text = new TextDecoder().decode(await this.#readAll(res, this.#maxBytes, signal))
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch (err) {
      throw new ProtocolError(`${this} sent a body that is not JSON`, { cause: err })
    }
    const list = (body as { Providers?: unknown, Peers?: unknown } | null)?.Providers ?? (body as { Peers?: unknown } | null)?.Peers ?? []
    if (!Array.isArray(list)) throw new ProtocolError(`${this} sent JSON without a list of records`)
    yield * list
  }

  async * #ndjson (res: Response, signal: AbortSignal): AsyncGenerator<unknown> {
    const decoder = new TextDecoder()
    let pending = ''
    for await (const chunk of this.#chunks(res, this.#maxBytes, signal)) {
      pending += decoder.decode(chunk, { stream: true })
      let newline: number
      while ((newline = pending.indexOf('\n')) !== -1) {
        const line = pending.slice(0, newline).trim()
        pending = pending.slice(newline + 1)
        if (line !== '') yield this.#parseLine(line)
      }
      if (pending.length > MAX_NDJSON_LINE_BYTES) throw new ProtocolError(`${this} sent an NDJSON line over ${MAX_NDJSON_LINE_BYTES} bytes`)
    }
    const last = (pending + decoder.decode()).trim()
    if (last !== '') yield this.#parseLine(last)
  }

  #parseLine (line: string): unknown {
    try {
      return JSON.parse(line)
    } catch (err) {
      throw new ProtocolError(`${this} sent an NDJSON line that is not JSON`, { cause: err })
    }
  }

  /** The body's chunks, failing past `max` bytes or when `signal` fires (the timeout covers a drip). */
  async * #chunks (res: Response, max: number, signal: AbortSignal): AsyncGenerator<Uint8Array> {
    if (res.body == null) return
    const reader = res.body.getReader()
    const onAbort = (): void => { void reader.cancel().catch(() => {}) }
    signal.addEventListener('abort', onAbort, { once: true })
    let size = 0
    try {
      for (;;) {
        let next: Awaited<ReturnType<typeof reader.read>>
        try {
          next = await reader.read()
        } catch (err) {
          if (signal.aborted) throw abortError(signal, `the answer of ${this}`)
          throw new ProtocolError(`${this}: the answer broke off: ${(err as Error).message}`, { cause: err })
        }
        if (signal.aborted) throw abortError(signal, `the answer of ${this}`)
        if (next.done) return
        size += next.value.byteLength
        if (size > max) throw new ProtocolError(`${this} sent more than ${max} bytes`)
        yield next.value
      }
    } finally {
      signal.removeEventListener('abort', onAbort)
      reader.releaseLock()
    }
  }

  async #readAll (res: Response, max: number, signal: AbortSignal): Promise<Uint8Array> {
    const chunks: Uint8Array[] = []
    let size = 0
    for await (const chunk of this.#chunks(res, max, signal)) {
      chunks.push(chunk)
      size += chunk.byteLength
    }
    const out = new Uint8Array(size)
    let offset = 0
    for (const chunk of chunks) {
      out.set(chunk, offset)
      offset += chunk.byteLength
    }
    return out
  }
}

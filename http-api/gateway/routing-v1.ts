/**
 * The Delegated Routing V1 HTTP API server on the gateway port (`Gateway.ExposeRoutingAPI`): a
 * client that runs no DHT of its own (a browser, a light node, a Cairn with `Routing.Type`
 * `delegated`) asks this node, and the node answers through its own routing (the DHT).
 *
 * - `GET /routing/v1/providers/{cid}`: `{"Providers":[peer…]}` (at most
 *   {@link MAX_JSON_RECORDS}), or one record per line with `Accept: application/x-ndjson`,
 *   streamed as the lookup finds them (at most {@link MAX_STREAMED_RECORDS}).
 * - `GET /routing/v1/peers/{peer-id}`: `{"Peers":[peer]}` or NDJSON, the peer ID in base58 or as
 *   a libp2p-key CID.
 * - `GET /routing/v1/ipns/{name}`: the signed record (`application/vnd.ipfs.ipns-record`) with
 *   `Etag`, and `Cache-Control` from its TTL and validity.
 * - `PUT /routing/v1/ipns/{name}`: a record, validated against the name before it is stored and
 *   sent to the DHT.
 *
 * Nothing found is `404` (with a short `Cache-Control`, so a later provide is seen soon); a
 * malformed CID, peer ID, name or record is `400`; an unknown path `400`; a method the spec does
 * not define for a path `501`. Every lookup has a deadline ({@link DEFAULT_ROUTING_TIMEOUT_MS}):
 * a stream that has started simply ends there with what was found.
 *
 * @see https://specs.ipfs.tech/routing/http-routing-v1/
 */
import { createHash } from 'node:crypto'
import { peerIdFromCID, peerIdFromString } from '@libp2p/peer-id'
import { CID } from 'multiformats/cid'
import type { PeerId } from '@libp2p/interface'
import type { CoreNode } from '../../core/index.ts'
import { abortError } from '../../errors/abort.ts'
import {
  InvalidArgumentError, NotAcceptableError, NotImplementedError, PayloadTooLargeError
} from '../../errors/index.ts'
import { ipnsRoutingKey, MAX_RECORD_SIZE, parseIpnsName, unmarshalRecord, validateRecord } from '../../naming/index.ts'
import type { PeerInfo } from '../../routing/index.ts'
import { parseCID } from '../../dag/index.ts'
import { DEFAULT_ROUTING_TIMEOUT_MS } from './constants.ts'
import { sendBody, write, writeHead, type Exchange, type Headers } from './respond.ts'

/** Where the API lives on the gateway. */
export const ROUTING_V1_PREFIX = '/routing/v1/'

export { DEFAULT_ROUTING_TIMEOUT_MS }

/** Records in one `application/json` answer (the spec's SHOULD). */
export const MAX_JSON_RECORDS = 100

/** Records in one streamed (`application/x-ndjson`) answer: the stream is bounded too. */
export const MAX_STREAMED_RECORDS = 1000

/** `max-age` (s) of an answer with records: 5 min, as boxo's server. */
export const CACHE_MAX_AGE_FOUND = 300

/** `max-age` (s) of a "nothing found" answer: 15 s, so a fresh provide is seen soon. */
export const CACHE_MAX_AGE_NOT_FOUND = 15

/** `max-age` (s) of an IPNS answer whose record has no TTL, and of an IPNS `404` (the spec's 60 s). */
export const CACHE_MAX_AGE_IPNS_DEFAULT = 60

/** How long a cache may serve a stale answer while it revalidates or when the router fails: 48 h (a provider record's life). */
export const CACHE_STALE_SECONDS = 172_800

/** What the answers to this API allow in CORS: the spec's methods. */
export const ROUTING_V1_METHODS = 'GET, HEAD, PUT, OPTIONS'

const JSON_TYPE = 'application/json'
const NDJSON_TYPE = 'application/x-ndjson'
const IPNS_RECORD_TYPE = 'application/vnd.ipfs.ipns-record'

/** Options of the routing API; each has its default. */
export interface RoutingApiInit {
  /** Per-request deadline of a lookup. Default {@link DEFAULT_ROUTING_TIMEOUT_MS}. */
  timeoutMs?: number
}

/** A record of the Peer Schema. */
interface PeerRecord {
  Schema: 'peer'
  ID: string
  Addrs: string[]
  Protocols: string[]
}

/** True for a request this API answers. */
export function isRoutingV1 (url: string): boolean {
  return url.startsWith(ROUTING_V1_PREFIX)
}

function cacheControl (maxAge: number, stale = CACHE_STALE_SECONDS): string {
  return `public, max-age=${maxAge}, stale-while-revalidate=${stale}, stale-if-error=${stale}`
}

function accepts (ex: Exchange, type: string): boolean {
  const accept = ex.req.headers.accept ?? ''
  return accept.split(',').some(part => {
    const [media, ...params] = part.trim().split(';').map(s => s.trim().toLowerCase())
    // `q=0` means "not this one"
    return media === type && !params.some(p => /^q=0(\.0*)?$/.test(p))
  })
}

/** A peer ID as the spec allows it: base58btc multihash or a CIDv1 with the libp2p-key codec. */
function parsePeerId (text: string): PeerId {
  try {
    if (text.startsWith('1') || text.startsWith('Q')) return peerIdFromString(text)
    return peerIdFromCID(CID.parse(text))
  } catch (err) {
    throw new InvalidArgumentError(`invalid peer ID "${text.slice(0, 100)}": ${(err as Error).message}`, { cause: err })
  }
}

/** The routing API over a node's routing. Call {@link RoutingApi.serve} for requests {@link isRoutingV1} accepts. */
export class RoutingApi {
  readonly #node: CoreNode
  readonly #timeoutMs: number

  constructor (node: CoreNode, init: RoutingApiInit = {}) {
    this.#node = node
    this.#timeoutMs = init.timeoutMs ?? DEFAULT_ROUTING_TIMEOUT_MS
  }

  /** Answers one request; throws errors for the gateway's error answer. */
  async serve (ex: Exchange): Promise<void> {
    const url = ex.req.url ?? '/'
    const q = url.indexOf('?')
    const path = (q === -1 ? url : url.slice(0, q)).slice(ROUTING_V1_PREFIX.length)
    const [kind, rawArg, ...rest] = path.split('/')
    const method = ex.req.method ?? 'GET'
    const arg = decodeURIComponent(rawArg ?? '')
    if (rest.length > 0 || arg === '' || !['providers', 'peers', 'ipns'].includes(kind)) {
      throw new InvalidArgumentError(`unknown routing API path "${path.slice(0, 100)}": the API has /routing/v1/providers/{cid}, /routing/v1/peers/{peer-id}, /routing/v1/ipns/{name}`)
    }
    const get = method === 'GET' || method === 'HEAD'
    if (kind === 'providers' && get) {
      const cid = parseCID(arg)
      await this.#answerPeers(ex, 'Providers', signal => this.#node.routing.findProviders(cid, {
        signal, maxProviders: accepts(ex, NDJSON_TYPE) ? MAX_STREAMED_RECORDS : MAX_JSON_RECORDS
      }))
    } else if (kind === 'peers' && get) {
      const peer = parsePeerId(arg)
      const routing = this.#node.routing
      await this.#answerPeers(ex, 'Peers', async function * (signal) { yield await routing.findPeer(peer, { signal }) })
    } else if (kind === 'ipns' && get) {
      await this.#getIpns(ex, arg)
    } else if (kind === 'ipns' && method === 'PUT') {
      await this.#putIpns(ex, arg)
    } else {
      throw new NotImplementedError(`${method} is not supported on /routing/v1/${kind}`)
    }
  }

  #deadline (ex: Exchange): AbortSignal {
    return AbortSignal.any([ex.controller.signal, AbortSignal.timeout(this.#timeoutMs)])
  }

  /**
   * A provider record of the DHT says the peer serves the block over Bitswap
   * (`transport-bitswap`); for a peer, the protocols its identify announced, when known.
   */
  async #protocols (info: PeerInfo, provider: boolean): Promise<string[]> {
    if (provider) return ['transport-bitswap']
    try {
      return (await this.#node.host?.peerStore.get(info.id))?.protocols ?? []
    } catch {
      return []
    }
  }

  async #record (info: PeerInfo, provider: boolean): Promise<PeerRecord> {
    return {
      Schema: 'peer',
      ID: info.id.toString(),
      Addrs: info.multiaddrs.map(a => a.toString()),
      Protocols: await this.#protocols(info, provider)
    }
  }

  /**
   * A list of peer records, as JSON or streamed as NDJSON. The answer starts only once the first
   * record is known, so "none" can still be a `404`.
   */
  async #answerPeers (ex: Exchange, field: 'Providers' | 'Peers', find: (signal: AbortSignal) => AsyncIterable<PeerInfo>): Promise<void> {
    const stream = accepts(ex, NDJSON_TYPE) && !ex.head
    const type = stream ? NDJSON_TYPE : JSON_TYPE
    const limit = stream ? MAX_STREAMED_RECORDS : MAX_JSON_RECORDS
    const signal = this.#deadline(ex)
    const found: PeerRecord[] = []
    const iterator = find(signal)[Symbol.asyncIterator]()
    let started = false
    const start = (): void => {
      started = true
      writeHead(ex, 200, { 'Content-Type': type, 'Cache-Control': cacheControl(CACHE_MAX_AGE_FOUND), Vary: 'Accept', 'Last-Modified': new Date().toUTCString() })
    }
    try {
      while (found.length < limit) {
        const next = await iterator.next()
        if (next.done === true) break
        const record = await this.#record(next.value, field === 'Providers')
        found.push(record)
        if (stream) {
          if (!started) start()
          await write(ex, `${JSON.stringify(record)}\n`)
        }
      }
    } catch (err) {
      const name = (err as Error).name
      // the client is gone: nobody to answer
      if (ex.controller.signal.aborted) throw abortError(ex.controller.signal)
      // a lookup that found something before its deadline (or a failure) answers with that
      if (found.length === 0 && name !== 'NotFoundError' && name !== 'PeerNotFoundError') {
        throw signal.aborted ? abortError(signal, 'the routing lookup') : err
      }
    } finally {
      void iterator.return?.()?.catch(() => {})
    }
    if (started) {
      ex.res.end()
      return
    }
    if (found.length === 0) {
      sendBody(ex, 404, { 'Content-Type': type, 'Cache-Control': cacheControl(CACHE_MAX_AGE_NOT_FOUND), Vary: 'Accept' },
        stream ? '' : JSON.stringify({ [field]: [] }))
      return
    }
    const body = stream ? found.map(r => `${JSON.stringify(r)}\n`).join('') : JSON.stringify({ [field]: found })
    sendBody(ex, 200, { 'Content-Type': type, 'Cache-Control': cacheControl(CACHE_MAX_AGE_FOUND), Vary: 'Accept', 'Last-Modified': new Date().toUTCString() }, body)
  }

  async #getIpns (ex: Exchange, nameText: string): Promise<void> {
    // no Accept at all means the record (boxo does the same); anything else must ask for it
    if (ex.req.headers.accept != null && !accepts(ex, IPNS_RECORD_TYPE) && !accepts(ex, '*/*')) {
      throw new NotAcceptableError(`ask for the record with "Accept: ${IPNS_RECORD_TYPE}"`)
    }
    const name = parseIpnsName(nameText)
    const signal = this.#deadline(ex)
    let bytes: Uint8Array
    try {
      bytes = await this.#node.routing.get(ipnsRoutingKey(name), { signal })
    } catch (err) {
      if ((err as Error).name !== 'NotFoundError') throw signal.aborted ? abortError(signal, 'the IPNS lookup') : err
      sendBody(ex, 404, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': cacheControl(CACHE_MAX_AGE_IPNS_DEFAULT), Vary: 'Accept' },
        `no IPNS record found for ${nameText}\n`)
      return
    }
    const record = unmarshalRecord(bytes)
    const ttl = Number(record.ttl / 1_000_000_000n)
    const left = Math.max(0, Math.floor(Number(record.validityNs / 1_000_000n - BigInt(Date.now())) / 1000))
    const headers: Headers = {
      'Content-Type': IPNS_RECORD_TYPE,
      'Cache-Control': cacheControl(ttl > 0 ? ttl : CACHE_MAX_AGE_IPNS_DEFAULT, left),
      Etag: `"${createHash('sha256').update(bytes).digest('hex')}"`,
      'Last-Modified': new Date().toUTCString(),
      Expires: new Date(Date.now() + 1000 * (ttl > 0 ? ttl : CACHE_MAX_AGE_IPNS_DEFAULT)).toUTCString(),
      'Content-Disposition': `attachment; filename="${nameText.replace(/[^A-Za-z0-9]/g, '')}.ipns-record"`,
      Vary: 'Accept'
    }
    sendBody(ex, 200, headers, bytes)
  }

  async #putIpns (ex: Exchange, nameText: string): Promise<void> {
    const type = (ex.req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase()
    if (type !== IPNS_RECORD_TYPE) {
      throw new NotAcceptableError(`send the record with "Content-Type: ${IPNS_RECORD_TYPE}"`)
    }
    const name = parseIpnsName(nameText)
    const signal = this.#deadline(ex)
    const bytes = await readBody(ex, MAX_RECORD_SIZE, signal)
    // a record that does not verify against the name never reaches the routing
    await validateRecord(name, bytes)
    await this.#node.routing.put(ipnsRoutingKey(name), bytes, { signal })
    sendBody(ex, 200, { 'Cache-Control': 'no-store' }, '')
  }
}

/** The request body, refusing more than `max` bytes and giving up when `signal` fires. */
async function readBody (ex: Exchange, max: number, signal: AbortSignal): Promise<Uint8Array> {
  const declared = Number(ex.req.headers['content-length'] ?? 0)
  if (declared > max) throw new PayloadTooLargeError(`an IPNS record is at most ${max} bytes; this one is ${declared}`)
  const chunks: Buffer[] = []
  let size = 0
  const onAbort = (): void => { ex.req.destroy(abortError(signal, 'reading the record')) }
  signal.addEventListener('abort', onAbort, { once: true })
  try {
    for await (const chunk of ex.req as AsyncIterable<Buffer>) {
      size += chunk.byteLength
      if (size > max) throw new PayloadTooLargeError(`an IPNS record is at most ${max} bytes`)
      chunks.push(chunk)
    }
  } catch (err) {
    throw signal.aborted ? abortError(signal, 'reading the record') : err
  } finally {
    signal.removeEventListener('abort', onAbort)
  }
  return new Uint8Array(Buffer.concat(chunks))
}

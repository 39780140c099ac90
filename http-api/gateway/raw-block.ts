/**
 * The trustless gateway's most frequent request — one block, `GET /ipfs/{cid}?format=raw`, as
 * Helia's trustless-gateway broker and `@helia/verified-fetch` ask for it — answered without the
 * general machinery when nothing about it needs that: no path, no other query parameter, no
 * conditional, range, cache or service-worker header, a path-gateway host, and the block in the
 * local store. Each general step (URL and host parsing, negotiation, the request's abort
 * controller, retrieval and watchdog, resolution) is cheap alone, but together they cost more
 * than the block read and the answer.
 *
 * The headers of such an answer depend only on the CID as written, so they are built once per CID
 * and kept (up to {@link PREPARED_ANSWERS}); the block itself is read from the store every time,
 * so a removed block is never served.
 *
 * Anything else, a block that is not local included, answers `false` and takes the general path,
 * which also produces every error. The headers are the general path's (`rawBlockHeaders`), and
 * a test holds the two answers equal.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { CID } from 'multiformats/cid'
import type { CoreNode } from '../../core/index.ts'
import { rawBlockHeaders } from './content.ts'
import { parseContentCid } from './cids.ts'
import { MEDIA_TYPES } from './constants.ts'
import { dnsLinkHostname, routeHost } from './host.ts'
import { contentDisposition } from './request.ts'
import type { Headers } from './respond.ts'

/** `/ipfs/{cid}?format=raw`, the CID in any multibase (letters and digits). */
const RAW_BLOCK_URL = /^\/ipfs\/([A-Za-z0-9]{1,256})\?format=raw$/

/** Request headers that change the answer, each handled by the general path. */
const GENERAL_PATH_HEADERS = ['range', 'if-none-match', 'cache-control', 'service-worker', 'x-forwarded-host', 'x-forwarded-proto']

/** How many CIDs' answer headers are kept (~1 KB each). */
export const PREPARED_ANSWERS = 4096

interface Prepared {
  cid: CID
  /** every header of the answer, built on the first read of the block (it needs the length) */
  headers?: Headers
}

/** Answers plain raw-block requests for one gateway server. */
export class RawBlockFastPath {
  readonly #node: CoreNode
  readonly #subdomainHosts: readonly string[]
  readonly #base: Headers
  /** True when a domain `Host` may be a DNSLink website: such requests are not this path's */
  readonly #dnsLink: boolean
  readonly #prepared = new Map<string, Prepared>()
  /** the last Host header seen, and whether it names a path gateway (almost always the same) */
  #lastHost: string | undefined
  #lastHostIsPath = false

  constructor (node: CoreNode, subdomainHosts: readonly string[], base: Headers, dnsLink = false) {
    this.#node = node
    this.#subdomainHosts = subdomainHosts
    this.#base = base
    this.#dnsLink = dnsLink
  }

  /** True for a request this path may answer (it may still decline, see {@link serve}). */
  claims (req: IncomingMessage): boolean {
    return (req.method === 'GET' || req.method === 'HEAD') && RAW_BLOCK_URL.test(req.url ?? '')
  }

  /**
   * Answers a plain raw-block request; resolves false (having sent nothing) when the request is
   * not one, or the block is not local.
   */
  async serve (req: IncomingMessage, res: ServerResponse, head: boolean): Promise<boolean> {
    const match = RAW_BLOCK_URL.exec(req.url ?? '')
    if (match == null) return false
    const headers = req.headers
    for (const name of GENERAL_PATH_HEADERS) if (headers[name] != null) return false
    if (!this.#isPathHost(headers.host)) return false
    const cidText = match[1]
    let prepared = this.#prepared.get(cidText)
    let bytes: Uint8Array
    try {
      prepared ??= { cid: parseContentCid(cidText, `/ipfs/${cidText}`) }
      bytes = await this.#node.blocks.get(prepared.cid, { offline: true })
    } catch {
      // an invalid CID, a block that is not here: the general path says it properly
      return false
    }
    if (prepared.headers == null) {
      prepared.headers = this.#answerHeaders(prepared.cid, cidText, bytes.byteLength)
      if (this.#prepared.size >= PREPARED_ANSWERS) this.#prepared.delete(this.#prepared.keys().next().value as string)
      this.#prepared.set(cidText, prepared)
    }
    res.writeHead(200, prepared.headers)
    if (head) res.end()
    else res.end(bytes)
    return true
  }

  #isPathHost (host: string | undefined): boolean {
    if (host !== this.#lastHost) {
      this.#lastHost = host
      this.#lastHostIsPath = routeHost(host, this.#subdomainHosts).kind === 'path' && !(this.#dnsLink && dnsLinkHostname(host) != null)
    }
    return this.#lastHostIsPath
  }

  /** What the general path sends for this block: base, raw-block and body headers. */
  #answerHeaders (cid: CID, cidText: string, length: number): Headers {
    const text = cid.toString()
    return {
      ...this.#base,
      ...rawBlockHeaders(cid, { 'X-Ipfs-Path': `/ipfs/${cidText}`, 'X-Ipfs-Roots': text },
        contentDisposition('attachment', `${text}.bin`)),
      'Accept-Ranges': 'bytes',
      'Content-Type': MEDIA_TYPES.raw,
      'Content-Length': length
    }
  }
}

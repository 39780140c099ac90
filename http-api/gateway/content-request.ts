/**
 * A request for content as the serving code sees it — parsed from the URL (path form) or the
 * host (subdomain form) — and the header helpers every answer about content shares: the
 * negotiated format, `X-Ipfs-Path` / `X-Ipfs-Roots`, `Content-Location`, `Content-Disposition`
 * and `If-None-Match`.
 */
import type { CID } from 'multiformats/cid'
import type { CoreNode } from '../../core/index.ts'
import { InvalidArgumentError } from '../../errors/index.ts'
import { codecByCode, printable } from '../../dag/index.ts'
import type { ResolvedGatewayInit } from './config.ts'
import { MAX_ROOTS_HEADER_BYTES, QUERY_FORMATS, type ResponseFormat } from './constants.ts'
import { contentDisposition, escapePath, headerOf, ifNoneMatch, parseAccept } from './request.ts'
import type { Exchange, Headers } from './respond.ts'
import type { Retrieval } from './retrieval.ts'

/** A request for content, parsed from the URL (path form) or the host (subdomain form). */
export interface ContentRequest {
  ex: Exchange
  node: CoreNode
  settings: ResolvedGatewayInit
  retrieval: Retrieval
  /** The root CID as it was written (kept in redirects). */
  cidText: string
  /**
   * The content path of the root as requested: `/ipfs/<cidText>`, or `/ipns/<name>` when a name
   * was resolved to `root` (`X-Ipfs-Path`, redirects and links on a path gateway).
   */
  contentRoot: string
  /** `Cache-Control` of the answers: immutable for `/ipfs/`, the TTL for `/ipns/`; none when unknown. */
  cacheControl?: string
  root: CID
  /** Decoded segments after the CID as requested (a trailing `/` shows as a final `''`). */
  rawSegments: string[]
  /** `rawSegments` cleaned (no empty, `.` or `..`). */
  segments: string[]
  query: URLSearchParams
  rawQuery: string
  /** For a subdomain request: the parent host (`localhost:8080`). */
  subdomainOf?: string
  /** For a DNSLink website (`Host: example.org`): that host, whose root is the content root. */
  dnsLinkHost?: string
}

/** True when the content root is the origin's root (subdomain or DNSLink host): URLs are bare paths. */
export function atOrigin (cr: ContentRequest): boolean {
  return cr.subdomainOf != null || cr.dnsLinkHost != null
}

/** The `Cache-Control` header of the request's answers, if it has one. */
export function cacheHeader (cr: ContentRequest): Headers {
  return cr.cacheControl == null ? {} : { 'Cache-Control': cr.cacheControl }
}

/** What the client asked for. */
export interface Negotiated {
  format?: ResponseFormat
  /** True when `?format=` named it; false when it came from `Accept`. */
  explicit: boolean
  /** Parameters of the `Accept` media type (CAR's `version`, `order`, `dups`). */
  acceptParams: Record<string, string>
}

/** The format of a request: `?format=` wins over `Accept` (IPIP-523); CAR parameters come from `Accept`. */
export function negotiate (query: URLSearchParams, accept: string | undefined): Negotiated {
  const format = query.get('format')
  const accepted = parseAccept(accept)
  if (format != null && format !== '') {
    if (!QUERY_FORMATS.has(format)) {
      throw new InvalidArgumentError(`unknown format "${printable(format)}": use raw, car, tar, dag-json, dag-cbor, json or cbor`)
    }
    return { format: format as ResponseFormat, explicit: true, acceptParams: accepted?.format === 'car' ? accepted.params : {} }
  }
  if (accepted != null) return { format: accepted.format, explicit: false, acceptParams: accepted.params }
  return { explicit: false, acceptParams: {} }
}

/** The path the client requested, as it sees it (for `Content-Location` and redirects). */
export function requestPath (cr: ContentRequest): string {
  const below = escapePath(cr.rawSegments)
  return atOrigin(cr) ? (below === '' ? '/' : below) : `${cr.contentRoot}${below}`
}

/** `X-Ipfs-Path`: the content path requested, before resolution. */
export function ipfsPath (cr: ContentRequest): string {
  return `${cr.contentRoot}${escapePath(cr.rawSegments)}`
}

/** `Content-Location` for a format negotiated through `Accept`: the URL with `?format=` (and CAR params). */
export function contentLocation (cr: ContentRequest, format: ResponseFormat, extra: Record<string, string> = {}): string {
  const query = new URLSearchParams(cr.query)
  query.set('format', format)
  for (const [key, value] of Object.entries(extra)) if (!query.has(key)) query.set(key, value)
  return `${requestPath(cr)}?${query.toString()}`
}

/**
 * The headers every answer about resolved content carries. `X-Ipfs-Roots` (one CID per path
 * segment) is left out when it would be longer than {@link MAX_ROOTS_HEADER_BYTES}: a path of
 * thousands of segments fits in a URL but its roots would not fit in the headers a client reads
 * (Node's limit is 16 KiB), and a cut list would name the wrong roots.
 */
export function pathHeaders (cr: ContentRequest, roots: readonly CID[]): Headers {
  // a name's answers all say how long they hold, listings and previews included
  const headers: Headers = { 'X-Ipfs-Path': ipfsPath(cr), ...(cr.contentRoot.startsWith('/ipns/') ? cacheHeader(cr) : {}) }
  let value = ''
  for (const root of roots) {
    value += value === '' ? root.toString() : `,${root.toString()}`
    if (value.length > MAX_ROOTS_HEADER_BYTES) return headers
  }
  headers['X-Ipfs-Roots'] = value
  return headers
}

/** Answers `304` when `If-None-Match` matches; true when it did. */
export function notModified (cr: ContentRequest, etag: string, headers: Headers): boolean {
  if (!ifNoneMatch(headerOf(cr.ex.req.headers['if-none-match']), etag)) return false
  const keep: Headers = { Etag: etag }
  for (const name of ['Cache-Control', 'X-Ipfs-Path', 'X-Ipfs-Roots', 'Content-Location']) {
    if (headers[name] != null) keep[name] = headers[name]
  }
  cr.ex.res.writeHead(304, { ...cr.ex.base, ...keep })
  cr.ex.res.end()
  return true
}

/** `?download=true` and `?filename=` → `Content-Disposition`, given the answer's default. */
export function disposition (cr: ContentRequest, fallback?: { type: 'inline' | 'attachment', filename: string }): string | undefined {
  const filename = cr.query.get('filename') ?? undefined
  const download = cr.query.get('download')
  if (download === 'true') return contentDisposition('attachment', filename ?? fallback?.filename)
  if (filename != null && filename !== '') return contentDisposition(fallback?.type ?? 'inline', filename)
  return fallback == null ? undefined : contentDisposition(fallback.type, fallback.filename)
}

/** Serves a content request. Errors are thrown for the caller to answer. */

/** A codec's name for messages. */
export function codecName (code: number): string {
  try {
    return codecByCode(code).name
  } catch {
    // an unknown codec is not an error here: it is named by its code
    return `codec 0x${code.toString(16)}`
  }
}

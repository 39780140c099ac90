/**
 * Reading a gateway request: the URL path (percent-decoded per segment), the query, the
 * `Accept` header and the `Range` header. Everything here is pure and throws Cairn errors that
 * the error table maps to 4xx answers.
 */
import { InvalidPathError } from '../../errors/index.ts'
import { printable } from '../../dag/index.ts'
import { MAX_RANGES, MEDIA_TYPES, type ResponseFormat } from './constants.ts'

/** The request target split into its path and query. */
export interface RequestTarget {
  /** The path as sent (still percent-encoded). */
  rawPath: string
  /** The query string as sent, without `?` (empty when none). */
  rawQuery: string
  query: URLSearchParams
}

/** Splits a request target (origin-form, or absolute-form as proxies send it). */
export function parseTarget (url: string): RequestTarget {
  let target = url
  if (/^https?:\/\//i.test(target)) {
    const slash = target.indexOf('/', target.indexOf('//') + 2)
    target = slash === -1 ? '/' : target.slice(slash)
  }
  const hash = target.indexOf('#')
  if (hash !== -1) target = target.slice(0, hash)
  const q = target.indexOf('?')
  const rawPath = q === -1 ? target : target.slice(0, q)
  const rawQuery = q === -1 ? '' : target.slice(q + 1)
  return { rawPath, rawQuery, query: new URLSearchParams(rawQuery) }
}

/**
 * Splits a raw path into decoded segments (empty segments kept, so a trailing `/` shows as a
 * final `''`).
 *
 * @throws InvalidPathError for bad percent-encoding or bytes that are not UTF-8
 */
export function decodeSegments (rawPath: string): string[] {
  return rawPath.split('/').slice(1).map(segment => {
    if (!segment.includes('%')) return segment
    try {
      return decodeURIComponent(segment)
    } catch {
      throw new InvalidPathError(`invalid path "${printable(rawPath)}": "${printable(segment)}" is not valid percent-encoded UTF-8`)
    }
  })
}

/**
 * Cleans content path segments below a root (UnixFS paths, specs: unixfs.md): empty and `.`
 * segments are dropped, `..` removes the one before it.
 *
 * @throws InvalidPathError for a `..` that would climb above the root
 */
export function cleanSegments (segments: readonly string[], display: string): string[] {
  const out: string[] = []
  for (const segment of segments) {
    if (segment === '' || segment === '.') continue
    if (segment === '..') {
      if (out.length === 0) throw new InvalidPathError(`invalid path "${printable(display)}": ".." climbs above the root CID`)
      out.pop()
      continue
    }
    out.push(segment)
  }
  return out
}

// RFC 3986 sub-delims and ':' '@' are allowed in a path segment as they are; encodeURIComponent
// escapes some of them
const SEGMENT_KEEP = /%(24|26|2B|2C|3B|3D|3A|40)/g
const SEGMENT_CHARS: Record<string, string> = { '%24': '$', '%26': '&', '%2B': '+', '%2C': ',', '%3B': ';', '%3D': '=', '%3A': ':', '%40': '@' }

/** One path segment percent-encoded for a URL: non-ASCII as UTF-8, `%` and reserved characters escaped. */
export function escapeSegment (segment: string): string {
  return encodeURIComponent(segment).replace(SEGMENT_KEEP, m => SEGMENT_CHARS[m])
}

/** Segments joined into an escaped path (`''` for none). */
export function escapePath (segments: readonly string[]): string {
  return segments.map(s => `/${escapeSegment(s)}`).join('')
}

/** One media range of an `Accept` header. */
interface MediaRange {
  type: string
  params: Record<string, string>
  q: number
  order: number
}

function parseParams (parts: string[]): Record<string, string> {
  const params: Record<string, string> = {}
  for (const part of parts) {
    const eq = part.indexOf('=')
    if (eq <= 0) continue
    params[part.slice(0, eq).trim().toLowerCase()] = part.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1')
  }
  return params
}

const FORMAT_BY_MEDIA_TYPE = new Map<string, ResponseFormat>(
  Object.entries(MEDIA_TYPES).map(([format, type]) => [type, format as ResponseFormat])
)

/** What an `Accept` header asks for, among the formats the gateway knows. */
export interface AcceptedFormat {
  format: ResponseFormat
  /** Media type parameters (`version`, `order`, `dups` for CAR). */
  params: Record<string, string>
}

/**
 * The best format of an `Accept` header that the gateway knows (highest `q`, then first listed);
 * undefined when it names none (`*\/*`, images, ...).
 */
export function parseAccept (header: string | undefined): AcceptedFormat | undefined {
  if (header == null || header === '') return undefined
  const ranges: MediaRange[] = []
  header.split(',').forEach((item, order) => {
    const [type, ...rest] = item.split(';')
    const params = parseParams(rest)
    const q = params.q == null ? 1 : Number(params.q)
    delete params.q
    ranges.push({ type: type.trim().toLowerCase(), params, q: Number.isFinite(q) ? q : 0, order })
  })
  let best: MediaRange | undefined
  for (const range of ranges) {
    if (range.q <= 0 || !FORMAT_BY_MEDIA_TYPE.has(range.type)) continue
    if (best == null || range.q > best.q) best = range
  }
  if (best == null) return undefined
  return { format: FORMAT_BY_MEDIA_TYPE.get(best.type) as ResponseFormat, params: best.params }
}

/** A byte range, inclusive at both ends, inside a body of known size. */
export interface ByteRange {
  start: number
  end: number
}

/** What a `Range` header asks for, against a body of `size` bytes. */
export type RangeRequest =
  | { kind: 'none' }
  | { kind: 'ranges', ranges: ByteRange[] }
  | { kind: 'unsatisfiable' }

/**
 * Parses a `Range` header (RFC 9110 §14.1.2) against a body of `size` bytes. Syntax the gateway
 * does not understand, or more than {@link MAX_RANGES} ranges, are ignored (the whole body is
 * sent), as the RFC allows. So are ranges that overlap or add up to more than the body (as Go's
 * net/http does): `bytes=0-,0-,…` would otherwise cost a multiple of the file for one request
 * (RFC 9110 §14.2 lets a server ignore such a header).
 */
export function parseRange (header: string | undefined, size: number): RangeRequest {
  if (header == null) return { kind: 'none' }
  const match = /^\s*bytes\s*=\s*(.+)$/i.exec(header)
  if (match == null) return { kind: 'none' }
  const specs = match[1].split(',').map(s => s.trim()).filter(s => s !== '')
  if (specs.length === 0 || specs.length > MAX_RANGES) return { kind: 'none' }
  const ranges: ByteRange[] = []
  for (const spec of specs) {
    const m = /^(\d*)\s*-\s*(\d*)$/.exec(spec)
    if (m == null || (m[1] === '' && m[2] === '')) return { kind: 'none' }
    if (m[1] === '') {
      const suffix = Number(m[2])
      if (suffix === 0 || size === 0) continue
      ranges.push({ start: Math.max(0, size - suffix), end: size - 1 })
      continue
    }
    const start = Number(m[1])
    const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1)
    if (m[2] !== '' && Number(m[2]) < start) return { kind: 'none' }
    if (!Number.isSafeInteger(start) || start >= size) continue
    ranges.push({ start, end })
  }
  if (ranges.length === 0) return { kind: 'unsatisfiable' }
  if (ranges.length > 1 && (overlap(ranges) || ranges.reduce((sum, r) => sum + r.end - r.start + 1, 0) > size)) return { kind: 'none' }
  return { kind: 'ranges', ranges }
}

/** True when two of the ranges share a byte. */
function overlap (ranges: readonly ByteRange[]): boolean {
  const sorted = [...ranges].sort((a, b) => a.start - b.start)
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].start <= sorted[i - 1].end) return true
  }
  return false
}

/** Names that go into `filename="…"` as they are. */
const PLAIN_FILENAME = /^[\x20\x21\x23-\x5b\x5d-\x7e]+$/

/** The ASCII stand-in of a file name for `filename=`: every other character (and `"`, `\`) → `_`. */
function asciiFilename (name: string): string {
  let out = ''
  for (const char of name) {
    const code = char.codePointAt(0) as number
    out += code < 0x20 || code > 0x7e || char === '"' || char === '\\' ? '_' : char
  }
  return out
}

/**
 * A `Content-Disposition` value (specs: path-gateway, Content-Disposition): `filename="ascii"`,
 * plus `filename*=UTF-8''…` (RFC 8187) when the name is not plain ASCII.
 */
export function contentDisposition (disposition: 'inline' | 'attachment', filename: string | undefined): string {
  if (filename == null || filename === '') return disposition
  if (PLAIN_FILENAME.test(filename)) return `${disposition}; filename="${filename}"`
  const ascii = asciiFilename(filename)
  let value = `${disposition}; filename="${ascii}"`
  if (ascii !== filename) {
    value += `; filename*=UTF-8''${encodeURIComponent(filename).replace(/['()*]/g, c => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`
  }
  return value
}

/** True when an `If-None-Match` header matches `etag` (weak comparison, `*`, lists). */
export function ifNoneMatch (header: string | undefined, etag: string): boolean {
  if (header == null || header === '') return false
  const strip = (tag: string): string => tag.trim().replace(/^W\//, '')
  const ours = strip(etag)
  for (const candidate of header.split(',')) {
    const tag = candidate.trim()
    if (tag === '*' || strip(tag) === ours) return true
  }
  return false
}

/** A header value as one string (Node gives repeated headers as arrays). */
export function headerOf (value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value
}

/**
 * UnixFS answers of the path gateway: files (sniffed `Content-Type`, ranges read from only the
 * blocks they need, streamed with backpressure), directories (the trailing-slash redirect,
 * `index.html`, or a generated listing), and symlinks (their target text).
 */
import { createHash } from 'node:crypto'
import type { CID } from 'multiformats/cid'
import { InvalidRangeError, NotImplementedError } from '../../errors/index.ts'
import { cat, ls, printable, resolve } from '../../dag/index.ts'
import { SNIFF_BYTES } from './constants.ts'
import { contentTypeOf, typeByName } from './content-type.ts'
import {
  atOrigin, cacheHeader, contentLocation, disposition, notModified, pathHeaders, type ContentRequest, type Negotiated
} from './content-request.ts'
import { LISTING_TAIL, listingEtag, listingHead, listingRow } from './listing.ts'
import { escapePath, headerOf, parseRange, type ByteRange } from './request.ts'
import type { ResolvedContent } from './resolver.ts'
import { sendBody, sendRedirect, sendStream, sendText, type Exchange, type Headers } from './respond.ts'
import type { Retrieval } from './retrieval.ts'

export async function serveUnixFS (cr: ContentRequest, resolved: ResolvedContent): Promise<void> {
  const { entry } = resolved
  switch (entry.type) {
    case 'file':
    case 'raw':
      await serveFile(cr, resolved, { etag: `"${resolved.cid.toString()}"` })
      return
    case 'symlink': {
      const headers: Headers = {
        ...pathHeaders(cr, resolved.roots),
        Etag: `"${resolved.cid.toString()}"`,
        ...cacheHeader(cr),
        'Content-Type': 'text/plain; charset=utf-8'
      }
      if (notModified(cr, headers.Etag as string, headers)) return
      sendBody(cr.ex, 200, headers, entry.target ?? '')
      return
    }
    case 'directory':
      await serveDirectory(cr, resolved)
      return
    default:
      throw new NotImplementedError(`${resolved.cid.toString()} is dag-pb but not a UnixFS file, directory or symlink; ask for ?format=raw or ?format=car`)
  }
}

async function serveDirectory (cr: ContentRequest, resolved: ResolvedContent): Promise<void> {
  const { ex } = cr
  const trailingSlash = cr.rawSegments.length > 0 && cr.rawSegments[cr.rawSegments.length - 1] === ''
  if (!trailingSlash && !(atOrigin(cr) && cr.rawSegments.length === 0)) {
    // relative links and service worker scopes need the slash (specs: path-gateway, Location)
    const base = atOrigin(cr) ? '' : cr.contentRoot
    sendRedirect(ex, 301, `${base}${escapePath(cr.segments)}/${cr.rawQuery === '' ? '' : `?${cr.rawQuery}`}`)
    return
  }
  let index: ResolvedContent | undefined
  try {
    const found = await resolve({ root: resolved.cid, segments: ['index.html'] }, cr.retrieval, { signal: cr.retrieval.signal })
    if (found.entry.type === 'file' || found.entry.type === 'raw') {
      index = { ...resolved, cid: found.cid, entry: found.entry }
    }
  } catch (err) {
    if ((err as Error).name !== 'PathNotFoundError') throw err
  }
  if (index != null) {
    await serveFile(cr, index, { etag: `"${resolved.cid.toString()}"`, name: 'index.html' })
    return
  }
  const etag = listingEtag(resolved.cid)
  const headers: Headers = { ...pathHeaders(cr, resolved.roots), Etag: etag, 'Content-Type': 'text/html; charset=utf-8' }
  if (notModified(cr, etag, headers)) return
  const context = {
    root: cr.root,
    segments: cr.segments,
    dir: resolved.cid,
    subdomainOf: cr.subdomainOf,
    rootPath: cr.contentRoot.startsWith('/ipns/') ? cr.contentRoot : undefined,
    dnsLinkHost: cr.dnsLinkHost
  }
  if (ex.head) {
    await sendStream(ex, 200, headers, undefined)
    return
  }
  const entries = ls(resolved.cid, cr.retrieval, { resolveType: false, signal: cr.retrieval.signal })
  const iterator = entries[Symbol.asyncIterator]()
  // the first row is read before the answer starts, so a directory that cannot be read is an error status
  const first = await iterator.next()
  async function * rows (): AsyncGenerator<string> {
    let step = first
    let batch = ''
    while (step.done !== true) {
      const e = step.value
      batch += listingRow(context, { name: e.name, cid: e.cid, size: e.size ?? e.tsize })
      if (batch.length >= 16 * 1024) {
        yield batch
        batch = ''
      }
      step = await iterator.next()
    }
    yield batch + LISTING_TAIL
  }
  try {
    await sendStream(ex, 200, headers, rows(), [listingHead(context)])
  } finally {
    await iterator.return?.()
  }
}

interface FileOptions {
  /** The Etag (quoted). */
  etag: string
  /** A content type that overrides name and sniffing (`?format=json` on a UnixFS file). */
  contentType?: string
  /** The name whose extension decides the type (default: `?filename=`, else the last segment). */
  name?: string
  negotiated?: Negotiated
}

/** Reads the start of a file for sniffing; what could be read before an error is used. */
export async function readHead (source: AsyncIterator<Uint8Array>, limit: number): Promise<{ chunks: Uint8Array[], head: Uint8Array, done: boolean }> {
  const chunks: Uint8Array[] = []
  let length = 0
  let done = false
  while (length < limit) {
    const step = await source.next()
    if (step.done === true) {
      done = true
      break
    }
    chunks.push(step.value)
    length += step.value.length
  }
  const head = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)
  return { chunks, head: head.subarray(0, limit), done }
}

export async function serveFile (cr: ContentRequest, resolved: ResolvedContent, options: FileOptions): Promise<void> {
  const { ex, retrieval } = cr
  const cid = resolved.cid
  const size = resolved.entry.size ?? 0
  const name = options.name ?? cr.query.get('filename') ?? cr.segments[cr.segments.length - 1]
  const headers: Headers = {
    ...pathHeaders(cr, resolved.roots),
    Etag: options.etag,
    ...cacheHeader(cr),
    'Accept-Ranges': 'bytes'
  }
  const cd = disposition(cr)
  if (cd != null) headers['Content-Disposition'] = cd
  const negotiated = options.negotiated
  if (negotiated?.format != null && !negotiated.explicit) headers['Content-Location'] = contentLocation(cr, negotiated.format)
  if (notModified(cr, options.etag, headers)) return

  const range = parseRange(headerOf(ex.req.headers.range), size)
  const signal = retrieval.signal
  let contentType = options.contentType ?? typeByName(name)

  if (range.kind === 'none') {
    // the file's blocks are borrowed, each handed back once its chunk is sent (see `lend`)
    const iterator = cat(cid, retrieval, { signal, lend: true })[Symbol.asyncIterator]()
    try {
      let first: Uint8Array[] = []
      if (contentType == null) {
        const read = await readHead(iterator, SNIFF_BYTES)
        first = read.chunks
        contentType = contentTypeOf(undefined, read.head, read.done)
      }
      headers['Content-Type'] = contentType
      headers['Content-Length'] = size
      await sendStream(ex, 200, headers, { [Symbol.asyncIterator]: () => iterator }, first, (chunk) => { retrieval.release?.(chunk) })
    } finally {
      await iterator.return?.()
    }
    return
  }
  if (range.kind === 'unsatisfiable') {
    const err = new InvalidRangeError(`the range "${printable(headerOf(ex.req.headers.range) ?? '')}" is outside the file's ${size} bytes`)
    sendText(ex, 416, `416 Range Not Satisfiable: ${err.message}`, { 'Content-Range': `bytes */${size}` })
    return
  }
  if (contentType == null) contentType = await sniffLocal(cid, retrieval)
  headers['Content-Type'] = contentType
  const read = (r: ByteRange): AsyncIterable<Uint8Array> => cat(cid, retrieval, { signal, offset: r.start, length: r.end - r.start + 1 })
  await sendRanges(ex, headers, range.ranges, size, contentType, read)
}

/**
 * The sniffed type of a file whose answer does not start at its first byte: read from local
 * blocks only (a range must not wait on the network for bytes it does not need), with whatever
 * could be read when a block is missing.
 */
async function sniffLocal (cid: CID, retrieval: Retrieval): Promise<string> {
  const iterator = cat(cid, retrieval.local, { signal: retrieval.signal, length: SNIFF_BYTES })[Symbol.asyncIterator]()
  const chunks: Uint8Array[] = []
  let complete = false
  try {
    for (;;) {
      const step = await iterator.next()
      if (step.done === true) {
        complete = true
        break
      }
      chunks.push(step.value)
    }
  } catch {
    // a missing block: sniff what there is
  } finally {
    // the sniffing is over either way; a failure to end the read changes nothing
    await iterator.return?.().catch(() => {})
  }
  if (chunks.length === 0) return 'application/octet-stream'
  return contentTypeOf(undefined, Buffer.concat(chunks), complete && Buffer.concat(chunks).length < SNIFF_BYTES)
}

/**
 * Starts reading a range: its first chunk is read before the answer starts, so a file whose
 * blocks do not hold what its root says (sizes that lie, a missing block) is an error status
 * rather than a connection closed after `206`.
 */
async function startRange (read: AsyncIterable<Uint8Array>): Promise<{ first: Uint8Array[], rest: AsyncIterator<Uint8Array> }> {
  const rest = read[Symbol.asyncIterator]()
  try {
    const step = await rest.next()
    return { first: step.done === true ? [] : [step.value], rest }
  } catch (err) {
    await rest.return?.()
    throw err
  }
}

/** A `206` answer: one range as it is, several as `multipart/byteranges` (RFC 9110 §14.6). */
async function sendRanges (ex: Exchange, headers: Headers, ranges: ByteRange[], size: number, contentType: string,
  read: (range: ByteRange) => AsyncIterable<Uint8Array>): Promise<void> {
  // every range's first bytes are read up front (HEAD too, so that it answers as GET does);
  // there are at most MAX_RANGES of them
  const started: Array<{ first: Uint8Array[], rest: AsyncIterator<Uint8Array> }> = []
  try {
    for (const r of ranges) started.push(await startRange(read(r)))
    if (ranges.length === 1) {
      const [r] = ranges
      await sendStream(ex, 206, {
        ...headers,
        'Content-Range': `bytes ${r.start}-${r.end}/${size}`,
        'Content-Length': r.end - r.start + 1
      }, { [Symbol.asyncIterator]: () => started[0].rest }, started[0].first)
      return
    }
    // derived from what the answer is, so that the same request gets the same headers (HEAD = GET)
    const boundary = createHash('sha256').update(`${String(headers.Etag)}\n${ranges.map(r => `${r.start}-${r.end}`).join(',')}`).digest('hex').slice(0, 32)
    const partHead = (r: ByteRange): string =>
      `--${boundary}\r\nContent-Type: ${contentType}\r\nContent-Range: bytes ${r.start}-${r.end}/${size}\r\n\r\n`
    const tail = `--${boundary}--\r\n`
    let length = Buffer.byteLength(tail)
    for (const r of ranges) length += Buffer.byteLength(partHead(r)) + (r.end - r.start + 1) + 2
    async function * body (): AsyncGenerator<Uint8Array | string> {
      for (const [i, r] of ranges.entries()) {
        yield partHead(r)
        yield * started[i].first
        yield * { [Symbol.asyncIterator]: () => started[i].rest }
        yield '\r\n'
      }
      yield tail
    }
    await sendStream(ex, 206, {
      ...headers,
      'Content-Type': `multipart/byteranges; boundary=${boundary}`,
      'Content-Length': length
    }, ex.head ? undefined : body())
  } finally {
    for (const { rest } of started) await rest.return?.()
  }
}

/** Serves bytes held in memory (a block), honouring `Range`. */
export async function serveBytes (ex: Exchange, headers: Headers, bytes: Uint8Array, contentType: string): Promise<void> {
  headers['Accept-Ranges'] = 'bytes'
  const range = parseRange(headerOf(ex.req.headers.range), bytes.length)
  if (range.kind === 'none') {
    sendBody(ex, 200, { ...headers, 'Content-Type': contentType }, bytes)
    return
  }
  if (range.kind === 'unsatisfiable') {
    sendText(ex, 416, `416 Range Not Satisfiable: the range is outside the ${bytes.length} bytes`, { 'Content-Range': `bytes */${bytes.length}` })
    return
  }
  await sendRanges(ex, { ...headers, 'Content-Type': contentType }, range.ranges, bytes.length, contentType,
    async function * (r) { yield bytes.subarray(r.start, r.end + 1) })
}

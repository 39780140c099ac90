/**
 * Serving one content path (`/ipfs/{cid}[/{path}]`, or its subdomain form): format negotiation,
 * the operator's knobs, resolution, then the answer for the format and the codec — UnixFS (see
 * `unixfs.ts`), raw blocks, CARs, tar, and dag-json / dag-cbor / json / cbor blocks as they are.
 *
 * @see https://specs.ipfs.tech/http-gateways/path-gateway/
 * @see https://specs.ipfs.tech/http-gateways/trustless-gateway/
 */
import { createHash } from 'node:crypto'
import {
  InvalidArgumentError, NotAcceptableError, NotImplementedError, PreconditionFailedError
} from '../../errors/index.ts'
import { CBOR, DAG_CBOR, DAG_JSON, DAG_PB, JSON_CODE, RAW, codecByCode, printable, walk } from '../../dag/index.ts'
import { tarFromEntries } from '../tar.ts'
import { carBlocks, carContentType, encodeCar, parseCarParams } from './car.ts'
import { IDENTITY_CODE } from './cids.ts'
import { IMMUTABLE_CACHE_CONTROL, MEDIA_TYPES, TAR_HEAD_START_BYTES, TRUSTLESS_FORMATS, type ResponseFormat } from './constants.ts'
import {
  cacheHeader, codecName, contentLocation, disposition, ipfsPath, negotiate, notModified, pathHeaders, type ContentRequest, type Negotiated
} from './content-request.ts'
import { dagPreview } from './dag-preview.ts'
import { dagPreviewEtag } from './listing.ts'
import { headerOf } from './request.ts'
import { resolveContent, type ResolvedContent } from './resolver.ts'
import { sendBody, sendStream, type Headers } from './respond.ts'
import type { CID } from 'multiformats/cid'
import { readHead, serveBytes, serveFile, serveUnixFS } from './unixfs.ts'


export async function serveContent (cr: ContentRequest): Promise<void> {
  const { ex, settings, node, root } = cr
  const negotiated = negotiate(cr.query, headerOf(ex.req.headers.accept))
  const { format } = negotiated
  if (format === 'ipns-record') {
    throw new InvalidArgumentError(`application/vnd.ipfs.ipns-record is only for /ipns/<key> names, not for ${printable(ipfsPath(cr))}`)
  }
  if (!settings.deserializedResponses && (format == null || !TRUSTLESS_FORMATS.has(format))) {
    throw new NotAcceptableError('this gateway serves only trustless responses (Gateway.DeserializedResponses is false): ' +
      'ask for application/vnd.ipld.raw or application/vnd.ipld.car (or ?format=raw / ?format=car)')
  }
  if (/\bonly-if-cached\b/i.test(headerOf(ex.req.headers['cache-control']) ?? '') &&
    root.multihash.code !== IDENTITY_CODE && !(await node.blockstore.has(root))) {
    throw new PreconditionFailedError(`${root.toString()} is not in this node's local store (Cache-Control: only-if-cached)`)
  }
  const resolved = await resolveContent(cr.node.resolvePath, root, cr.segments, cr.retrieval, cr.retrieval.signal, format !== 'raw')
  if (resolved.remainder.length > 0) {
    throw new NotImplementedError(`the path "${printable(resolved.remainder.join('/'))}" continues inside ${resolved.cid.toString()} past its links: ` +
      'the gateway paths only through links (CBOR tag 42, {"/": …}), not into other values')
  }
  switch (format) {
    case 'raw':
      await serveRaw(cr, resolved, negotiated)
      return
    case 'car':
      await serveCar(cr, resolved, negotiated)
      return
    case 'tar':
      await serveTar(cr, resolved, negotiated)
      return
    default:
      await serveDeserialized(cr, resolved, negotiated)
  }
}
async function serveDeserialized (cr: ContentRequest, resolved: ResolvedContent, negotiated: Negotiated): Promise<void> {
  const { format, explicit } = negotiated
  const code = resolved.cid.code
  const mismatch = (): Error => new NotAcceptableError(`${resolved.cid.toString()} is ${codecName(code)}, it cannot be served as ${MEDIA_TYPES[format as ResponseFormat]}: ` +
    'codec conversion is off (IPIP-524; Gateway.AllowCodecConversion turns it on); ask for ?format=raw for the block as it is')
  if ((format === 'dag-json' || format === 'dag-cbor') && code !== RAW && CONVERTIBLE.has(code) && codecName(code) !== format) {
    if (!cr.settings.allowCodecConversion) throw mismatch()
    await serveConverted(cr, resolved, format, negotiated)
    return
  }
  if (code === DAG_PB || code === RAW) {
    if (format === 'dag-json' || format === 'dag-cbor') throw mismatch()
    if (format === 'json' || format === 'cbor') {
      if (resolved.entry.type === 'file' || resolved.entry.type === 'raw') {
        await serveFile(cr, resolved, { contentType: MEDIA_TYPES[format], etag: `"${resolved.cid.toString()}.${format}"`, negotiated })
        return
      }
      if (explicit) throw mismatch()
    }
    await serveUnixFS(cr, resolved)
    return
  }
  const natural = code === DAG_JSON
    ? ['dag-json', 'json']
    : code === DAG_CBOR ? ['dag-cbor', 'cbor'] : code === JSON_CODE ? ['json'] : code === CBOR ? ['cbor'] : undefined
  if (natural == null) {
    throw new NotImplementedError(`${resolved.cid.toString()} is ${codecName(code)}, which this gateway cannot deserialize; ask for ?format=raw or ?format=car`)
  }
  if (format === 'html' && !explicit && (code === DAG_JSON || code === DAG_CBOR)) {
    await serveDagPreview(cr, resolved)
    return
  }
  if (format != null && format !== 'html' && !natural.includes(format)) throw mismatch()
  await serveCodecBlock(cr, resolved, format != null && format !== 'html' ? format : natural[0] as ResponseFormat, negotiated)
}

// --- trustless formats ---

/**
 * The headers of a raw block answer (before `serveBytes` adds its own): `pathHeaders` and the
 * `Content-Disposition` are the request's, the rest depends on the block's CID alone.
 */
export function rawBlockHeaders (cid: CID, path: Headers, contentDisposition: string): Headers {
  const text = cid.toString()
  return {
    ...path,
    Etag: `"${text}.raw"`,
    'Cache-Control': IMMUTABLE_CACHE_CONTROL,
    'X-Content-Type-Options': 'nosniff',
    'Content-Disposition': contentDisposition
  }
}

async function serveRaw (cr: ContentRequest, resolved: ResolvedContent, negotiated: Negotiated): Promise<void> {
  const cid = resolved.cid
  const headers = rawBlockHeaders(cid, pathHeaders(cr, resolved.roots),
    disposition(cr, { type: 'attachment', filename: `${cid.toString()}.bin` }) as string)
  if (cr.cacheControl !== IMMUTABLE_CACHE_CONTROL) {
    // a block reached through a name holds only as long as the name does
    delete headers['Cache-Control']
    Object.assign(headers, cacheHeader(cr))
  }
  if (!negotiated.explicit) headers['Content-Location'] = contentLocation(cr, 'raw')
  if (notModified(cr, headers.Etag as string, headers)) return
  await serveBytes(cr.ex, headers, resolved.bytes, MEDIA_TYPES.raw)
}

async function serveCar (cr: ContentRequest, resolved: ResolvedContent, negotiated: Negotiated): Promise<void> {
  const { params, fromAccept } = parseCarParams(cr.query, negotiated.acceptParams)
  const key = [ipfsPath(cr), params.scope, params.entityBytes?.text ?? '', params.order, params.dups ? 'y' : 'n'].join('\n')
  const etag = `"${cr.root.toString()}.car.${createHash('sha256').update(key).digest('hex').slice(0, 16)}"`
  const headers: Headers = {
    ...pathHeaders(cr, resolved.roots),
    Etag: etag,
    ...cacheHeader(cr),
    'Content-Type': carContentType(params),
    'X-Content-Type-Options': 'nosniff',
    'Accept-Ranges': 'none',
    'Content-Disposition': disposition(cr, { type: 'attachment', filename: `${cr.root.toString()}.car` }) as string
  }
  if (!negotiated.explicit || Object.keys(fromAccept).length > 0) headers['Content-Location'] = contentLocation(cr, 'car', fromAccept)
  if (notModified(cr, etag, headers)) return
  const signal = cr.retrieval.signal
  await sendStream(cr.ex, 200, headers, cr.ex.head ? undefined : encodeCar([resolved.cid], carBlocks(resolved.pathBlocks, cr.retrieval, params, signal)))
}

async function serveTar (cr: ContentRequest, resolved: ResolvedContent, negotiated: Negotiated): Promise<void> {
  const cid = resolved.cid
  if (cid.code !== DAG_PB && cid.code !== RAW) {
    throw new NotAcceptableError(`${cid.toString()} is ${codecName(cid.code)}, not UnixFS: only UnixFS can be served as a tar`)
  }
  const etag = `W/"${cid.toString()}.x-tar"`
  const headers: Headers = {
    ...pathHeaders(cr, resolved.roots),
    Etag: etag,
    ...cacheHeader(cr),
    'Content-Type': MEDIA_TYPES.tar,
    'X-Content-Type-Options': 'nosniff',
    'Content-Disposition': disposition(cr, { type: 'attachment', filename: `${cid.toString()}.tar` }) as string
  }
  if (!negotiated.explicit) headers['Content-Location'] = contentLocation(cr, 'tar')
  if (notModified(cr, etag, headers)) return
  const signal = cr.retrieval.signal
  const tar = tarFromEntries(walk(cid, cr.retrieval, { signal }), { signal, defaultMtime: 0, resolveDotSegments: true })
  const iterator = tar[Symbol.asyncIterator]()
  try {
    // a head start, so that a bad name near the root is a 4xx rather than a cut stream
    const { chunks, done } = await readHead(iterator, TAR_HEAD_START_BYTES)
    await sendStream(cr.ex, 200, headers, done ? undefined : { [Symbol.asyncIterator]: () => iterator }, chunks)
  } finally {
    await iterator.return?.()
  }
}

// --- codecs ---

async function serveCodecBlock (cr: ContentRequest, resolved: ResolvedContent, format: ResponseFormat, negotiated: Negotiated): Promise<void> {
  const cid = resolved.cid
  const json = format === 'json' || format === 'dag-json'
  const headers: Headers = {
    ...pathHeaders(cr, resolved.roots),
    Etag: `"${cid.toString()}.${format}"`,
    ...cacheHeader(cr),
    'Content-Disposition': disposition(cr, { type: json ? 'inline' : 'attachment', filename: `${cid.toString()}.${json ? 'json' : 'cbor'}` }) as string
  }
  if (negotiated.format != null && negotiated.format !== 'html' && !negotiated.explicit) headers['Content-Location'] = contentLocation(cr, format)
  if (notModified(cr, headers.Etag as string, headers)) return
  await serveBytes(cr.ex, headers, resolved.bytes, MEDIA_TYPES[format])
}

/** The codecs a block can be converted from (IPLD codecs with a data model Kubo converts). */
const CONVERTIBLE: ReadonlySet<number> = new Set([DAG_PB, DAG_CBOR, DAG_JSON])

/**
 * A block re-encoded in dag-json or dag-cbor (`Gateway.AllowCodecConversion`): decoded with its own
 * codec to the IPLD data model (a dag-pb node becomes `{Data, Links: [{Hash, Name, Tsize}]}`, its
 * logical form), then encoded with the one asked for, as boxo's gateway converts.
 */
async function serveConverted (cr: ContentRequest, resolved: ResolvedContent, format: 'dag-json' | 'dag-cbor', negotiated: Negotiated): Promise<void> {
  const cid = resolved.cid
  const json = format === 'dag-json'
  const headers: Headers = {
    ...pathHeaders(cr, resolved.roots),
    Etag: `"${cid.toString()}.${format}"`,
    'Cache-Control': IMMUTABLE_CACHE_CONTROL,
    'X-Content-Type-Options': 'nosniff',
    'Content-Disposition': disposition(cr, { type: json ? 'inline' : 'attachment', filename: `${cid.toString()}.${json ? 'json' : 'cbor'}` }) as string
  }
  if (!negotiated.explicit) headers['Content-Location'] = contentLocation(cr, format)
  if (notModified(cr, headers.Etag as string, headers)) return
  const value = codecByCode(cid.code).decode(resolved.bytes)
  await serveBytes(cr.ex, headers, codecByCode(json ? DAG_JSON : DAG_CBOR).encode(value), MEDIA_TYPES[format])
}

async function serveDagPreview (cr: ContentRequest, resolved: ResolvedContent): Promise<void> {
  const etag = dagPreviewEtag(resolved.cid)
  const headers: Headers = { ...pathHeaders(cr, resolved.roots), Etag: etag, 'Content-Type': 'text/html; charset=utf-8' }
  if (notModified(cr, etag, headers)) return
  const codec = codecByCode(resolved.cid.code)
  const { cid, bytes } = resolved
  sendBody(cr.ex, 200, headers, dagPreview({ cid, codec: codec.name, size: bytes.byteLength, decode: () => codec.decode(bytes) }, cr.subdomainOf))
}

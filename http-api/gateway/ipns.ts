/**
 * Names on the gateway (specs: path-gateway `/ipns/`, subdomain-gateway, dnslink-gateway,
 * trustless-gateway `application/vnd.ipfs.ipns-record`): reading a name from a path, a subdomain
 * label or a `Host`, its canonical spelling, resolving it through the node's naming service to
 * the CID to serve and how long the answer holds, and the signed record itself.
 *
 * Loaded on the first `/ipns/` request or DNSLink host: the naming code stays out of a gateway
 * that only ever serves `/ipfs/`.
 */
import { createHash } from 'node:crypto'
import { base58btc } from 'multiformats/bases/base58'
import { bases } from 'multiformats/basics'
import { CID } from 'multiformats/cid'
import type { CoreNode } from '../../core/index.ts'
import { namingOf } from '../../core/commands/name.ts'
import { printable } from '../../dag/index.ts'
import { InvalidArgumentError, InvalidIpnsNameError, NameResolveError, NotImplementedError, messageOf } from '../../errors/index.ts'
import { formatIpnsName, isDomainName } from '../../naming/index.ts'
import { MEDIA_TYPES } from './constants.ts'
import { contentDisposition, headerOf, ifNoneMatch } from './request.ts'
import { sendBody, type Exchange, type Headers } from './respond.ts'

const IDENTITY = 0x00
const SHA2_256 = 0x12

/** A name as the gateway reads it: an IPNS key (any spelling) or a DNSLink domain. */
export type GatewayName =
  | { kind: 'key', multihash: Uint8Array, /** CIDv1 libp2p-key in base36: the one spelling served */ canonical: string }
  | { kind: 'domain', domain: string }

/** The multihash of a key name in any spelling (peer ID, CIDv1 of any codec in any multibase); undefined if it is none. */
function keyMultihash (text: string): Uint8Array | undefined {
  try {
    let multihash: Uint8Array
    if (text.startsWith('1') || text.startsWith('Q')) {
      multihash = base58btc.baseDecode(text)
    } else {
      const codec = Object.values(bases).find(b => b.prefix === text[0])
      if (codec == null) return undefined
      multihash = CID.decode(codec.decode(text)).multihash.bytes
    }
    // a key's name is its identity (inlined) or sha2-256 multihash, whatever the CID's codec says
    const code = multihash[0]
    if ((code !== IDENTITY && code !== SHA2_256) || multihash.length < 2 || multihash[1] !== multihash.length - 2) return undefined
    return multihash
  } catch {
    return undefined
  }
}

/**
 * Reads a name from a path segment or a subdomain label.
 *
 * @param inlined - a subdomain label, where a DNSLink name is written inlined (`en-wikipedia--on--ipfs-org`)
 * @throws InvalidIpnsNameError (400) for text that is neither an IPNS key nor a domain
 */
export function parseGatewayName (text: string, inlined = false): GatewayName {
  const multihash = text.includes('.') ? undefined : keyMultihash(text)
  if (multihash != null) return { kind: 'key', multihash, canonical: formatIpnsName(multihash) }
  const domain = (inlined && !text.includes('.') ? uninlineDnsLink(text) : text).toLowerCase()
  if (isDomainName(domain)) return { kind: 'domain', domain }
  throw new InvalidIpnsNameError(`"${printable(text)}" is not an IPNS name (a libp2p-key CID or a peer ID) nor a DNSLink domain`)
}

/** A DNSLink name as one DNS label (subdomain-gateway spec): `-` → `--`, then `.` → `-`. */
export function inlineDnsLink (domain: string): string {
  return domain.replace(/-/g, '--').replace(/\./g, '-')
}

/** The DNSLink name of an inlined label: `--` → `-`, and a single `-` → `.`. */
export function uninlineDnsLink (label: string): string {
  return label.split('--').map(part => part.replace(/-/g, '.')).join('-')
}

/** The label a name has in a subdomain (`{label}.ipns.{gateway}`). */
export function subdomainLabel (name: GatewayName): string {
  return name.kind === 'key' ? name.canonical : inlineDnsLink(name.domain)
}

/** The text after `/ipns/` that stands for the name: canonical key, or the domain. */
export function nameText (name: GatewayName): string {
  return name.kind === 'key' ? name.canonical : name.domain
}

/** Error names that mean "this name has no valid answer" (the gateway's 500, Kubo's "could not resolve name"). */
function unresolvable (err: unknown): boolean {
  const name = (err as { name?: string })?.name ?? ''
  return name === 'NotFoundError' || name === 'RoutingOffError' || name === 'NamingOffError' ||
    name === 'InvalidRecordError' || (name.startsWith('Record') && name.endsWith('Error'))
}

function resolveError (path: string, err: unknown): unknown {
  if (!unresolvable(err)) return err
  return new NameResolveError(`could not resolve ${printable(path)}: ${messageOf(err)}`, { cause: err })
}

/** `public, max-age=<seconds>` for a TTL; undefined when it is unknown. */
export function ttlCacheControl (ttlMs: number | undefined): string | undefined {
  if (ttlMs == null || !Number.isFinite(ttlMs)) return undefined
  return `public, max-age=${Math.max(0, Math.floor(ttlMs / 1000))}`
}

/** Where a name leads: the CID to serve, and its answers' `Cache-Control`. */
export interface ResolvedName {
  root: CID
  /** The `/ipfs/` path the name pointed at (with the record's own sub-path, if any). */
  path: string
  cacheControl?: string
}

/**
 * Resolves a name to the CID to serve (a record value's sub-path included: `/ipfs/<cid>/sub`
 * becomes the CID at `sub`), through the node's naming service.
 *
 * @throws NameResolveError (500) when the name has no valid record or DNSLink; InvalidIpnsNameError,
 *   ResolveDepthError and aborts as they are
 */
export async function resolveName (node: CoreNode, name: GatewayName, signal: AbortSignal): Promise<ResolvedName> {
  const path = `/ipns/${nameText(name)}`
  let resolution
  try {
    resolution = await (await namingOf(node)).resolveWithTtl(path, { signal })
  } catch (err) {
    throw resolveError(path, err)
  }
  if (!resolution.path.startsWith('/ipfs/')) {
    throw new NameResolveError(`could not resolve ${printable(path)}: it points at ${printable(resolution.path)}, not an /ipfs/ path`)
  }
  const target = await node.resolvePath(resolution.path, { signal })
  if (target.remainder.length > 0) {
    throw new NotImplementedError(`${printable(path)} points inside ${target.cid.toString()} past its links (${printable(resolution.path)}): the gateway paths only through links`)
  }
  return { root: target.cid, path: resolution.path, cacheControl: ttlCacheControl(resolution.ttlMs) }
}

/** True when `hostname` has a DNSLink (one step: what it points at is resolved when serving). */
export async function hasDnsLink (node: CoreNode, hostname: string, signal: AbortSignal): Promise<boolean> {
  try {
    await (await namingOf(node)).resolve(`/ipns/${hostname}`, { recursive: false, signal })
    return true
  } catch (err) {
    if ((err as Error).name === 'NotFoundError') return false
    throw err
  }
}

/** Options of {@link serveIpnsRecord}. */
export interface IpnsRecordRequest {
  ex: Exchange
  node: CoreNode
  name: GatewayName
  query: URLSearchParams
  /** True when `?format=ipns-record` asked for it; false when `Accept` did. */
  explicit: boolean
  /** The request path (for `Content-Location`). */
  path: string
  /** Decoded segments after the name (only `''` allowed: the record is of the name itself). */
  rest: string[]
}

/**
 * Answers with the signed record of an IPNS key (`application/vnd.ipfs.ipns-record`), as the
 * node knows it best (cache, local store, routing): the client verifies it itself.
 *
 * @throws InvalidArgumentError (400) for a DNSLink name or a path below the name;
 *   NameResolveError (500) when there is no valid record
 */
export async function serveIpnsRecord (request: IpnsRecordRequest): Promise<void> {
  const { ex, node, name, query } = request
  if (name.kind !== 'key') {
    throw new InvalidArgumentError(`${printable(name.domain)} is a DNSLink name, it has no IPNS record: ask for /ipns/<key>?format=ipns-record`)
  }
  if (request.rest.some(segment => segment !== '')) {
    throw new InvalidArgumentError(`an IPNS record is of a name, not of a path below it: ask for /ipns/${name.canonical}?format=ipns-record`)
  }
  const path = `/ipns/${name.canonical}`
  let record
  try {
    record = await (await namingOf(node)).getRecord(name.canonical, { signal: ex.controller.signal })
  } catch (err) {
    throw resolveError(path, err)
  }
  const eolMs = Number(record.validityNs / 1_000_000n)
  const ttlMs = Math.min(Number(record.ttl / 1_000_000n), eolMs - Date.now())
  const etag = `"${createHash('sha256').update(record.bytes).digest('hex').slice(0, 32)}.ipns-record"`
  const headers: Headers = {
    'X-Ipfs-Path': path,
    Etag: etag,
    'Cache-Control': ttlCacheControl(ttlMs) as string,
    'Content-Disposition': contentDisposition('attachment', query.get('filename') ?? `${name.canonical}.ipns-record`),
    'X-Content-Type-Options': 'nosniff',
    Vary: 'Accept'
  }
  if (!request.explicit) headers['Content-Location'] = `${request.path}?${new URLSearchParams({ ...Object.fromEntries(query), format: 'ipns-record' }).toString()}`
  if (ifNoneMatch(headerOf(ex.req.headers['if-none-match']), etag)) {
    ex.res.writeHead(304, { ...ex.base, Etag: etag, 'Cache-Control': headers['Cache-Control'], 'X-Ipfs-Path': path })
    ex.res.end()
    return
  }
  sendBody(ex, 200, { ...headers, 'Content-Type': MEDIA_TYPES['ipns-record'] }, record.bytes)
}
